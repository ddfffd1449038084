//! Instants at the JS boundary: a `Date` or an ISO-8601 string in, an ISO string out.
//!
//! An ISO string must carry its offset (`Z` or `±hh:mm`): a string without one is refused rather
//! than guessed (JS's `Date` would read `"2026-10-01T00:00"` as local time but `"2026-10-01"` as
//! UTC). Out, instants are RFC 3339 strings in UTC (`2026-10-01T00:00:00Z`), as in the stored JSON.

use crate::args::bad_argument;
use crate::errors::{throw, ErrorView};
use chrono::{DateTime, Utc};
use wasm_bindgen::{JsCast, JsValue};

const EXPECTED: &str = "a Date or an ISO-8601 string with an offset";

/// Parses an ISO-8601 / RFC 3339 instant with an offset.
///
/// # Errors
/// `js.bad_argument` (fields `argument`, `expected`) naming the argument.
///
/// ```
/// use keyledger_wasm::time::parse_iso;
/// let t = parse_iso("2026-10-01T02:00:00+02:00", "now")?;
/// assert_eq!(t.to_rfc3339(), "2026-10-01T00:00:00+00:00");
/// assert_eq!(parse_iso("2026-10-01", "now").unwrap_err().code, "js.bad_argument");
/// # Ok::<(), keyledger_wasm::errors::ErrorView>(())
/// ```
pub fn parse_iso(text: &str, argument: &'static str) -> Result<DateTime<Utc>, ErrorView> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            let mut view = bad_argument(argument, EXPECTED);
            view.message = format!("argument `{argument}` must be {EXPECTED}: {text:?} ({e})");
            view
        })
}

/// An instant from milliseconds since the epoch (what `Date.getTime()` returns).
///
/// # Errors
/// `js.bad_argument` for an invalid `Date` (`NaN`) or one outside chrono's range.
pub fn from_millis(ms: f64, argument: &'static str) -> Result<DateTime<Utc>, ErrorView> {
    if !ms.is_finite() || ms.fract() != 0.0 {
        return Err(bad_argument(argument, "a valid Date"));
    }
    DateTime::from_timestamp_millis(ms as i64).ok_or_else(|| bad_argument(argument, "a valid Date"))
}

/// An instant argument: a `Date` or an ISO string.
///
/// # Errors
/// `js.bad_argument` for anything else, an invalid `Date` or a string without an offset.
pub fn instant(value: &JsValue, argument: &'static str) -> Result<DateTime<Utc>, JsValue> {
    if let Some(date) = value.dyn_ref::<js_sys::Date>() {
        return from_millis(date.get_time(), argument).map_err(|v| throw(&v));
    }
    match value.as_string() {
        Some(text) => parse_iso(&text, argument).map_err(|v| throw(&v)),
        None => Err(throw(&bad_argument(argument, EXPECTED))),
    }
}

/// An optional instant: `None` for `undefined` or `null`.
///
/// # Errors
/// As [`instant`].
pub fn optional_instant(
    value: &JsValue,
    argument: &'static str,
) -> Result<Option<DateTime<Utc>>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    instant(value, argument).map(Some)
}

/// The ISO string JS sees for an instant (RFC 3339, UTC, `Z`, whole seconds when there are no
/// fractions): the same text serde writes in the stored JSON.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// let t = Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap();
/// assert_eq!(keyledger_wasm::time::iso(t), "2026-10-01T00:00:00Z");
/// ```
pub fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_required_and_honoured() {
        let z = parse_iso("2026-10-01T00:00:00Z", "now").unwrap();
        assert_eq!(parse_iso("2026-10-01T05:30:00+05:30", "now").unwrap(), z);
        for bad in [
            "2026-10-01T00:00:00",
            "2026-10-01",
            "",
            "yesterday",
            "2026-13-01T00:00:00Z",
        ] {
            let err = parse_iso(bad, "now").unwrap_err();
            assert_eq!(err.code, "js.bad_argument", "{bad}");
            assert!(err.message.contains("now"), "{}", err.message);
        }
    }

    #[test]
    fn millis_must_be_a_real_instant() {
        assert_eq!(from_millis(0.0, "t").unwrap().timestamp(), 0);
        assert_eq!(
            iso(from_millis(1_790_812_800_000.0, "t").unwrap()),
            "2026-10-01T00:00:00Z"
        );
        for bad in [f64::NAN, f64::INFINITY, 0.5, 8.64e15 * 10.0] {
            assert!(from_millis(bad, "t").is_err(), "{bad}");
        }
    }

    #[test]
    fn iso_matches_serde() {
        let t = parse_iso("2026-10-01T12:34:56.789Z", "t").unwrap();
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            format!("\"{}\"", iso(t))
        );
    }
}
