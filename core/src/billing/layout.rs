//! Plain-text tables laid out from their contents: each column as wide as its widest cell, `-` for
//! a value that does not exist. Used by the reports' `Display` forms (the walk-through prints them).

use std::fmt;

/// A cell for a value that may not exist yet: the text, or `-`.
pub(crate) fn or_dash(v: Option<&str>) -> String {
    match v {
        Some(s) if !s.trim().is_empty() => s.to_string(),
        _ => "-".to_string(),
    }
}

/// Display width of a cell: one column per `char` (the reports hold no wide characters).
fn width(s: &str) -> usize {
    s.chars().count()
}

/// Writes `rows` (and `header`, if any) indented by two spaces, columns two spaces apart, each as
/// wide as its widest cell; the columns in `right` are right-aligned; the last column is never
/// padded. An empty cell stays blank (a total's unused columns); values that may not exist go
/// through [`or_dash`].
pub(crate) fn write_table(
    f: &mut fmt::Formatter<'_>,
    header: &[&str],
    rows: &[Vec<String>],
    right: &[usize],
) -> fmt::Result {
    let cols = rows
        .iter()
        .map(Vec::len)
        .chain(std::iter::once(header.len()))
        .max()
        .unwrap_or(0);
    let cell = |r: &[String], i: usize| -> String { r.get(i).cloned().unwrap_or_default() };
    let header: Vec<String> = header.iter().map(|h| (*h).to_string()).collect();
    let mut widths = vec![0usize; cols];
    for r in rows.iter().chain((!header.is_empty()).then_some(&header)) {
        for (i, w) in widths.iter_mut().enumerate() {
            *w = (*w).max(width(&cell(r, i)));
        }
    }
    let line = |f: &mut fmt::Formatter<'_>, r: &[String]| -> fmt::Result {
        let mut out = String::from("  ");
        for (i, w) in widths.iter().enumerate() {
            let c = cell(r, i);
            let pad = w.saturating_sub(width(&c));
            if i > 0 {
                out.push_str("  ");
            }
            if right.contains(&i) {
                out.push_str(&" ".repeat(pad));
                out.push_str(&c);
            } else {
                out.push_str(&c);
                if i + 1 < cols {
                    out.push_str(&" ".repeat(pad));
                }
            }
        }
        writeln!(f, "{}", out.trim_end())
    };
    if !header.is_empty() {
        line(f, &header)?;
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        writeln!(f, "  {}", rule.join("  "))?;
    }
    for r in rows {
        line(f, r)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    struct T(Vec<Vec<String>>);
    impl fmt::Display for T {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write_table(f, &["name", "n", "note"], &self.0, &[1])
        }
    }

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| (*c).to_string()).collect()
    }

    #[test]
    fn columns_line_up_whatever_the_longest_name() {
        let t = T(vec![
            row(&["Contoso", "1", "x"]),
            row(&["Default Account", "31", &or_dash(None)]),
            row(&["total", "", ""]),
            row(&["Ä–b", "7", "→ ok"]),
        ]);
        let text = t.to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], format!("  name{}n  note", " ".repeat(14)));
        assert_eq!(lines[1], "  ---------------  --  ----");
        assert_eq!(lines[2], format!("  Contoso{}1  x", " ".repeat(11)));
        assert_eq!(lines[3], "  Default Account  31  -");
        assert_eq!(lines[4], "  total");
        assert_eq!(lines[5], format!("  Ä–b{}7  → ok", " ".repeat(15)));
    }

    #[test]
    fn missing_values_are_dashes() {
        assert_eq!(or_dash(None), "-");
        assert_eq!(or_dash(Some(" ")), "-");
        assert_eq!(or_dash(Some("Server")), "Server");
    }
}
