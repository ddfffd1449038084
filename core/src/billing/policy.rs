//! Billing rules and the per-licence, per-month evaluation they decide on.

use super::{BillingError, Month, MonthBounds};
use crate::catalog::{Catalog, ProductId};
use crate::lifecycle::LicenceHistory;
use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Which licences are billed for a month, and how many units each line counts.
///
/// A *billable day* is a local day of the month on which the licence was Active or Late at some
/// instant.
///
/// | rule | a licence is billed when | line quantity |
/// |---|---|---|
/// | `AnyDay` (default) | it has ≥ 1 billable day | number of billed licences |
/// | `MoreThanDays(n)` | it has more than `n` billable days | number of billed licences |
/// | `Prorated` | it has ≥ 1 billable day | Σ billable days ÷ days in month |
/// | `EndOfMonth` | it is billable during the month's last second | number of billed licences |
/// | `Peak` | it has ≥ 1 billable day | most licences of the line billable at one instant |
///
/// ```
/// use keyledger::billing::BillingRule;
/// assert_eq!(BillingRule::default(), BillingRule::AnyDay);
/// assert_eq!(BillingRule::STORAGECRAFT, BillingRule::MoreThanDays(14));
/// assert!(BillingRule::STORAGECRAFT.bills(15, 30, false));
/// assert!(!BillingRule::STORAGECRAFT.bills(14, 30, true));
/// let json = serde_json::to_string(&BillingRule::MoreThanDays(14)).unwrap();
/// assert_eq!(json, r#"{"more_than_days":14}"#);
/// ```
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BillingRule {
    /// Billed if billable on at least one day of the month.
    #[default]
    AnyDay,
    /// Billed if billable on more than this many days of the month.
    MoreThanDays(u8),
    /// Billed in proportion to its billable days.
    Prorated,
    /// Billed if billable at the end of the month (during its last second).
    EndOfMonth,
    /// Lines bill the peak number of licences billable at the same instant.
    Peak,
}

impl BillingRule {
    /// StorageCraft's published rule: billed when in a billable state on more than 14 days.
    pub const STORAGECRAFT: BillingRule = BillingRule::MoreThanDays(14);

    /// Whether a licence with `billable_days` of `days_in_month`, billable at the month's end or
    /// not, is billed (for `Prorated` and `Peak`: whether it contributes at all).
    ///
    /// ```
    /// # use keyledger::billing::BillingRule;
    /// assert!(BillingRule::AnyDay.bills(1, 31, false));
    /// assert!(!BillingRule::EndOfMonth.bills(31, 31, false));
    /// ```
    pub fn bills(self, billable_days: u32, days_in_month: u32, at_end: bool) -> bool {
        let _ = days_in_month;
        match self {
            BillingRule::AnyDay | BillingRule::Prorated | BillingRule::Peak => billable_days > 0,
            BillingRule::MoreThanDays(n) => billable_days > u32::from(n),
            BillingRule::EndOfMonth => at_end,
        }
    }

    /// A short description, used in explanations.
    ///
    /// ```
    /// # use keyledger::billing::BillingRule;
    /// assert_eq!(BillingRule::STORAGECRAFT.describe(), "more than 14 billable days");
    /// ```
    pub fn describe(self) -> String {
        match self {
            BillingRule::AnyDay => "any billable day".into(),
            BillingRule::MoreThanDays(n) => format!("more than {n} billable days"),
            BillingRule::Prorated => "prorated by billable days".into(),
            BillingRule::EndOfMonth => "billable at the end of the month".into(),
            BillingRule::Peak => "peak number billable at once".into(),
        }
    }
}

/// What one licence did in one month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LicenceMonth {
    /// Bit `d` set: local day `d + 1` is billable.
    pub mask: u32,
    /// Billable during the month's last second.
    pub at_end: bool,
    /// Billable intervals `[from, until)` clipped to the month.
    pub intervals: Vec<(DateTime<Utc>, DateTime<Utc>)>,
}

impl LicenceMonth {
    pub fn days(&self) -> u32 {
        self.mask.count_ones()
    }
}

/// Evaluates one licence's billable days in a month (spans are `[from, until)`).
pub(crate) fn evaluate(h: &LicenceHistory, b: &MonthBounds) -> LicenceMonth {
    let (start, end) = (b.start(), b.end());
    let last_second = end - Duration::seconds(1);
    let mut out = LicenceMonth {
        mask: 0,
        at_end: false,
        intervals: Vec::new(),
    };
    for s in h.spans.iter().filter(|s| s.state.is_billable()) {
        let from = s.from.max(start);
        let until = s.until.map_or(end, |u| u.min(end));
        if from >= until {
            continue;
        }
        if s.from < end && s.until.is_none_or(|u| u > last_second) {
            out.at_end = true;
        }
        let (Some(a), Some(z)) = (b.day_of(from), b.day_of(until - Duration::nanoseconds(1)))
        else {
            continue;
        };
        for d in a..=z.min(31) {
            out.mask |= 1u32.checked_shl(d).unwrap_or(0);
        }
        out.intervals.push((from, until));
    }
    out
}

/// The peak number of intervals overlapping at one instant (`[from, until)`: an interval ending
/// at `t` does not overlap one starting at `t`).
pub(crate) fn peak(intervals: impl Iterator<Item = (DateTime<Utc>, DateTime<Utc>)>) -> u64 {
    let mut events: Vec<(DateTime<Utc>, i8)> = Vec::new();
    for (a, z) in intervals {
        events.push((a, 1));
        events.push((z, -1));
    }
    events.sort_unstable();
    let (mut now, mut max) = (0i64, 0i64);
    for (_, d) in events {
        now += i64::from(d);
        max = max.max(now);
    }
    u64::try_from(max).unwrap_or(0)
}

/// Billing counts per product and edition, without prices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditionCounts {
    /// Licences billed under the rule.
    pub licences: u64,
    /// Σ billable days of the billed licences.
    pub billable_days: u64,
    /// The billed quantity: licences, or Σ days ÷ days in month (`Prorated`), or the peak (`Peak`).
    pub quantity: Decimal,
}

/// Billing counts per (product, edition) for a month under one rule — the same numbers as the
/// Billing Detail's counts, without a price list. Perpetual products are skipped. `Peak` takes the
/// peak over all accounts together.
///
/// # Errors
/// [`BillingError::UnknownTimeZone`], [`BillingError::UnknownProduct`].
///
/// ```
/// use keyledger::billing::{counts, BillingRule, Month};
/// use keyledger::catalog::presets;
/// let c = counts(&[], &presets::storagecraft(), Month::new(2026, 11)?, "UTC", BillingRule::AnyDay)?;
/// assert!(c.is_empty());
/// # Ok::<(), keyledger::billing::BillingError>(())
/// ```
pub fn counts(
    histories: &[LicenceHistory],
    catalog: &Catalog,
    month: Month,
    zone: &str,
    rule: BillingRule,
) -> Result<BTreeMap<(ProductId, Option<String>), EditionCounts>, BillingError> {
    let b = month.bounds(zone)?;
    let mut groups: BTreeMap<(ProductId, Option<String>), Vec<LicenceMonth>> = BTreeMap::new();
    for h in histories {
        let p = catalog.get(h.product).ok_or(BillingError::UnknownProduct {
            product: h.product.get(),
        })?;
        if !p.is_subscription() {
            continue;
        }
        groups
            .entry((h.product, h.edition.clone()))
            .or_default()
            .push(evaluate(h, &b));
    }
    let mut out = BTreeMap::new();
    for (k, ms) in groups {
        let billed: Vec<&LicenceMonth> = ms
            .iter()
            .filter(|m| rule.bills(m.days(), b.days(), m.at_end))
            .collect();
        let licences = billed.len() as u64;
        let billable_days: u64 = billed.iter().map(|m| u64::from(m.days())).sum();
        let quantity = quantity(rule, licences, billable_days, b.days(), || {
            peak(billed.iter().flat_map(|m| m.intervals.iter().copied()))
        })?;
        out.insert(
            k,
            EditionCounts {
                licences,
                billable_days,
                quantity,
            },
        );
    }
    Ok(out)
}

/// The quantity of a line under `rule`.
pub(crate) fn quantity(
    rule: BillingRule,
    licences: u64,
    billable_days: u64,
    days_in_month: u32,
    peak: impl FnOnce() -> u64,
) -> Result<Decimal, BillingError> {
    Ok(match rule {
        BillingRule::Prorated => Decimal::from(billable_days)
            .checked_div(Decimal::from(days_in_month))
            .ok_or_else(|| BillingError::Overflow {
                what: "prorated quantity".into(),
            })?,
        BillingRule::Peak => Decimal::from(peak()),
        _ => Decimal::from(licences),
    })
}
