//! Sentences that explain each billing decision: which days counted, and why.

use super::policy::LicenceMonth;
use super::Zone;
use super::{BillingRule, MonthBounds};
use crate::lifecycle::{LicenceHistory, LicenceState};
use chrono::{Datelike, Duration};

pub(crate) const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn state_word(s: LicenceState) -> &'static str {
    match s {
        LicenceState::Unactivated => "unactivated",
        LicenceState::Active => "active",
        LicenceState::Late => "late",
        LicenceState::Disabled => "disabled",
        LicenceState::PendingDeactivation => "pending deactivation",
        LicenceState::Deactivated => "deactivated",
    }
}

/// "active 3–17 Nov, late 18–24 Nov, disabled from 25 Nov": the states of `h` during the month,
/// by local day.
pub(crate) fn states_in_month(h: &LicenceHistory, b: &MonthBounds) -> String {
    let (start, end) = (b.start(), b.end());
    let mon = MONTHS
        .get(b.month.month().saturating_sub(1) as usize)
        .copied()
        .unwrap_or("");
    let mut parts = Vec::new();
    for s in &h.spans {
        let from = s.from.max(start);
        let until = s.until.map_or(end, |u| u.min(end));
        if from >= until {
            continue;
        }
        let a = b.local_date(from).day();
        let word = state_word(s.state);
        if s.until.is_none_or(|u| u >= end) {
            if s.from <= start {
                parts.push(format!("{word} all month"));
            } else {
                parts.push(format!("{word} from {a} {mon}"));
            }
        } else {
            let z = b.local_date(until - Duration::nanoseconds(1)).day();
            if a == z {
                parts.push(format!("{word} {a} {mon}"));
            } else {
                parts.push(format!("{word} {a}–{z} {mon}"));
            }
        }
    }
    if parts.is_empty() {
        if h.spans.is_empty() {
            return "never activated".into();
        }
        return "no state during the month".into();
    }
    parts.join(", ")
}

/// The full sentence for a subscription licence under `rule`.
pub(crate) fn explain(
    h: &LicenceHistory,
    b: &MonthBounds,
    m: &LicenceMonth,
    rule: BillingRule,
    billed: bool,
) -> String {
    let states = states_in_month(h, b);
    let new_at = h
        .activations
        .first()
        .filter(|a| **a >= b.start() && **a < b.end())
        .copied();
    let why = reason(b, m.days(), rule, billed, new_at);
    format!("{states}: {why} → {verdict}", verdict = verdict(billed))
}

pub(crate) fn verdict(billed: bool) -> &'static str {
    if billed {
        "billable"
    } else {
        "not billable"
    }
}

pub(crate) fn month_name(b: &MonthBounds) -> &'static str {
    MONTHS
        .get(b.month.month().saturating_sub(1) as usize)
        .copied()
        .unwrap_or("")
}

/// Why a licence with `n` billable days is (or is not) billed under `rule`; `new_at`: its first
/// activation, when inside the month (the rolling window's free first month).
pub(crate) fn reason(
    b: &MonthBounds,
    n: u32,
    rule: BillingRule,
    billed: bool,
    new_at: Option<chrono::DateTime<chrono::Utc>>,
) -> String {
    let days = if n == 1 {
        "1 billable day".to_string()
    } else {
        format!("{n} billable days")
    };
    let mon = month_name(b);
    match rule {
        BillingRule::AnyDay if billed => format!("{days} ≥ 1"),
        BillingRule::AnyDay => "no billable day".into(),
        BillingRule::MoreThanDays(k) if billed => format!("{days} > {k}"),
        BillingRule::MoreThanDays(k) => format!("{days} ≤ {k}"),
        BillingRule::Prorated if billed => format!("{days} of {} prorated", b.days()),
        BillingRule::Prorated => "no billable day".into(),
        BillingRule::EndOfMonth if billed => format!("{days}; billable at the end of the month"),
        BillingRule::EndOfMonth => format!("{days}; not billable at the end of the month"),
        BillingRule::Peak if billed => format!("{days}; counted toward the peak at once"),
        BillingRule::Peak => "no billable day".into(),
        BillingRule::RollingWindow {
            days: window,
            first_month_free,
        } => match new_at {
            Some(a) if first_month_free => format!(
                "{days}; new instance, first activated {} {mon}: free in its first calendar month",
                b.local_date(a).day()
            ),
            _ if billed => format!("{days}; billable within the last {window} days of the month"),
            _ => format!("{days}; not billable within the last {window} days of the month"),
        },
        BillingRule::Snapshot { day, hour } => {
            let d = u32::from(day).clamp(1, b.days());
            if billed {
                format!("{days}; billable at the snapshot {d} {mon} {hour:02}:00")
            } else {
                format!("{days}; not billable at the snapshot {d} {mon} {hour:02}:00")
            }
        }
        BillingRule::HighWaterMark { months, .. } if billed => {
            let from = rule.term_start(b.month);
            format!(
                "{days} ≥ 1; counted toward the high-water mark of the {months}-month term from {} {}",
                MONTHS.get(from.month().saturating_sub(1) as usize).copied().unwrap_or(""),
                from.year()
            )
        }
        BillingRule::HighWaterMark { .. } => "no billable day".into(),
    }
}

/// The sentence for a perpetual (legacy) licence.
pub(crate) fn perpetual(h: &LicenceHistory, b: &MonthBounds) -> String {
    format!(
        "{}: perpetual licence, not billed monthly",
        states_in_month(h, b)
    )
}

/// Why one licence is (or is not) billed in one month.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Explanation {
    /// The month.
    pub month: super::Month,
    /// The rule applied.
    pub rule: BillingRule,
    /// Billable days of the month (1-based), in order.
    pub days: Vec<u32>,
    /// Billable during the month's last second.
    pub at_end: bool,
    /// Whether the licence is billed (for `Prorated`/`Peak`: whether it contributes).
    pub billable: bool,
    /// The sentence, e.g. "active 3–17 Nov, late 18–24 Nov, disabled from 25 Nov: 22 billable
    /// days > 14 → billable".
    pub text: String,
}

/// Explains the billing of one licence in `month` (time zone `zone`) under `rule`. Perpetual
/// products are never billed monthly.
///
/// # Errors
/// [`BillingError::UnknownProduct`](super::BillingError::UnknownProduct).
///
/// ```
/// use keyledger::billing::{explain, BillingRule, Month};
/// use keyledger::catalog::presets;
/// use keyledger::lifecycle::{LicenceHistory, LicenceState, StateSpan};
/// use chrono::{TimeZone, Utc};
/// let from = Utc.with_ymd_and_hms(2026, 11, 20, 8, 0, 0).unwrap();
/// let h = LicenceHistory {
///     key: "6VWX-KVJH-PE9Z-D362".parse()?, product: presets::SHADOWPROTECT_MSP,
///     edition: None, account: "Acme".into(), site: None, machine: "pc".into(),
///     spans: vec![StateSpan { from, until: None, state: LicenceState::Active }],
///     activations: vec![from], deactivations: vec![],
///     placements: vec![], jobs: vec![],
/// };
/// let e = explain(&h, &presets::storagecraft(), Month::new(2026, 11)?, &keyledger::billing::Zone::utc(), BillingRule::STORAGECRAFT)?;
/// assert_eq!(e.days, (20..=30).collect::<Vec<u32>>());
/// assert!(!e.billable);
/// assert_eq!(e.text, "active from 20 Nov: 11 billable days ≤ 14 → not billable");
/// # Ok::<(), keyledger::Error>(())
/// ```
pub fn explain_licence(
    h: &LicenceHistory,
    catalog: &crate::catalog::Catalog,
    month: super::Month,
    zone: &Zone,
    rule: BillingRule,
) -> Result<Explanation, super::BillingError> {
    let b = month.bounds(zone);
    let product = catalog
        .get(h.product)
        .ok_or(super::BillingError::UnknownProduct {
            product: h.product.get(),
        })?;
    if !product.is_subscription() {
        return Ok(Explanation {
            month,
            rule,
            days: Vec::new(),
            at_end: false,
            billable: false,
            text: perpetual(h, &b),
        });
    }
    rule.validate()?;
    let m = super::policy::evaluate_rule(h, &b, rule);
    let billable = rule.bills(m.days(), b.days(), m.at_rule);
    Ok(Explanation {
        month,
        rule,
        days: (0..32u32)
            .filter(|d| m.mask & (1u32 << d) != 0)
            .map(|d| d + 1)
            .collect(),
        at_end: m.at_end,
        billable,
        text: explain(h, &b, &m, rule, billable),
    })
}
