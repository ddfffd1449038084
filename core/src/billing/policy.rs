//! Billing rules and the per-licence, per-month evaluation they decide on.

use super::Zone;
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
/// instant. "Billable at" an instant means Active or Late at that instant.
///
/// | rule | a licence is billed when | line quantity |
/// |---|---|---|
/// | `AnyDay` (default) | it has ≥ 1 billable day | number of billed licences |
/// | `MoreThanDays(n)` | it has more than `n` billable days | number of billed licences |
/// | `Prorated` | it has ≥ 1 billable day | Σ billable days ÷ days in month |
/// | `EndOfMonth` | it is billable during the month's last second | number of billed licences |
/// | `Peak` | it has ≥ 1 billable day | most licences of the line billable at one instant |
/// | `RollingWindow { days, first_month_free }` | billable at some instant of the `days` × 24 h before the month's end, not deactivated before the month (and, with `first_month_free`, not first activated in the month) | number of billed licences |
/// | `Snapshot { day, hour }` | billable at `hour` hours after the start of local day `day` (the last day if the month is shorter) | number of billed licences |
/// | `HighWaterMark { months, first_month }` | it has ≥ 1 billable day | the most licences of the line billed in one month of the contract term so far |
///
/// Contract terms of `HighWaterMark` are `months` long (1, 2, 3, 4, 6 or 12) and one of them starts
/// in calendar month `first_month` (1–12) of every year.
///
/// ```
/// use keyledger::billing::BillingRule;
/// assert_eq!(BillingRule::default(), BillingRule::AnyDay);
/// assert_eq!(BillingRule::STORAGECRAFT, BillingRule::MoreThanDays(14));
/// assert!(BillingRule::STORAGECRAFT.bills(15, 30, false));
/// assert!(!BillingRule::STORAGECRAFT.bills(14, 30, true));
/// let json = serde_json::to_string(&BillingRule::MoreThanDays(14)).unwrap();
/// assert_eq!(json, r#"{"more_than_days":14}"#);
/// let rolling: BillingRule = serde_json::from_str(r#"{"rolling_window":{}}"#).unwrap();
/// assert_eq!(rolling, BillingRule::ROLLING_31);
/// ```
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
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
    /// Billed if billable at some instant of the `days` × 24 hours before the month's end (the
    /// report's instant), unless deactivated before the month began.
    RollingWindow {
        /// Length of the window in days of 24 hours (default 31).
        #[serde(default = "default_window")]
        days: u16,
        /// A new instance (first activated in the month) is free in its first calendar month.
        #[serde(default)]
        first_month_free: bool,
    },
    /// Billed if billable at one instant of the month: `hour` hours after the start of local day
    /// `day` (the month's last day when it has fewer days).
    Snapshot {
        /// Day of the month, 1–31.
        day: u8,
        /// Hours after the start of that local day, 0–23.
        #[serde(default)]
        hour: u8,
    },
    /// Billed if billable on at least one day; a line's quantity is the highest number of its
    /// licences billed in one month of the contract term up to this month.
    HighWaterMark {
        /// Length of the contract term in months: 1, 2, 3, 4, 6 or 12.
        months: u8,
        /// A term starts in this calendar month (1–12) of every year.
        #[serde(default = "default_first_month")]
        first_month: u8,
    },
}

fn default_window() -> u16 {
    31
}

fn default_first_month() -> u8 {
    1
}

impl BillingRule {
    /// StorageCraft's published rule: billed when in a billable state on more than 14 days.
    pub const STORAGECRAFT: BillingRule = BillingRule::MoreThanDays(14);

    /// Billed when seen in the 31 days before the report (the month's end).
    pub const ROLLING_31: BillingRule = BillingRule::RollingWindow {
        days: 31,
        first_month_free: false,
    };

    /// Whether a licence with `billable_days` of `days_in_month`, billable at the rule's instant
    /// or not (`EndOfMonth`: the last second; `Snapshot`: the snapshot; `RollingWindow`: in the
    /// window, not deactivated before the month and not free), is billed (for `Prorated`, `Peak`
    /// and `HighWaterMark`: whether it contributes at all).
    ///
    /// ```
    /// # use keyledger::billing::BillingRule;
    /// assert!(BillingRule::AnyDay.bills(1, 31, false));
    /// assert!(!BillingRule::EndOfMonth.bills(31, 31, false));
    /// assert!(BillingRule::Snapshot { day: 25, hour: 0 }.bills(0, 31, true));
    /// ```
    pub fn bills(self, billable_days: u32, days_in_month: u32, at_instant: bool) -> bool {
        let _ = days_in_month;
        match self {
            BillingRule::AnyDay
            | BillingRule::Prorated
            | BillingRule::Peak
            | BillingRule::HighWaterMark { .. } => billable_days > 0,
            BillingRule::MoreThanDays(n) => billable_days > u32::from(n),
            BillingRule::EndOfMonth
            | BillingRule::RollingWindow { .. }
            | BillingRule::Snapshot { .. } => at_instant,
        }
    }

    /// Checks the rule's parameters.
    ///
    /// # Errors
    /// [`BillingError::BadRule`] (code `billing.bad_rule`).
    ///
    /// ```
    /// # use keyledger::billing::BillingRule;
    /// assert!(BillingRule::Snapshot { day: 25, hour: 0 }.validate().is_ok());
    /// let bad = BillingRule::HighWaterMark { months: 5, first_month: 1 };
    /// assert_eq!(bad.validate().unwrap_err().code(), "billing.bad_rule");
    /// ```
    pub fn validate(self) -> Result<(), BillingError> {
        let bad = |why: &str| {
            Err(BillingError::BadRule {
                rule: self.describe(),
                why: why.to_string(),
            })
        };
        match self {
            BillingRule::RollingWindow { days: 0, .. } => bad("the window needs at least one day"),
            BillingRule::RollingWindow { days, .. } if days > 3650 => {
                bad("the window is longer than 3650 days")
            }
            BillingRule::Snapshot { day, hour } if !(1..=31).contains(&day) || hour > 23 => {
                bad("the snapshot needs a day from 1 to 31 and an hour from 0 to 23")
            }
            BillingRule::HighWaterMark {
                months,
                first_month,
            } if ![1, 2, 3, 4, 6, 12].contains(&months) || !(1..=12).contains(&first_month) => bad(
                "a contract term is 1, 2, 3, 4, 6 or 12 months and starts in a month from 1 to 12",
            ),
            _ => Ok(()),
        }
    }

    /// A short description, used in explanations.
    ///
    /// ```
    /// # use keyledger::billing::BillingRule;
    /// assert_eq!(BillingRule::STORAGECRAFT.describe(), "more than 14 billable days");
    /// assert_eq!(BillingRule::ROLLING_31.describe(), "billable in the last 31 days");
    /// ```
    pub fn describe(self) -> String {
        match self {
            BillingRule::AnyDay => "any billable day".into(),
            BillingRule::MoreThanDays(n) => format!("more than {n} billable days"),
            BillingRule::Prorated => "prorated by billable days".into(),
            BillingRule::EndOfMonth => "billable at the end of the month".into(),
            BillingRule::Peak => "peak number billable at once".into(),
            BillingRule::RollingWindow {
                days,
                first_month_free,
            } => {
                let free = if first_month_free {
                    ", new instances free in their first month"
                } else {
                    ""
                };
                format!("billable in the last {days} days{free}")
            }
            BillingRule::Snapshot { day, hour } => {
                format!("billable at the snapshot on day {day} at {hour:02}:00")
            }
            BillingRule::HighWaterMark { months, .. } => {
                format!("high-water mark over a {months}-month term")
            }
        }
    }

    /// The first month of the contract term that contains `month` (`HighWaterMark`), or `month`.
    ///
    /// ```
    /// # use keyledger::billing::{BillingRule, Month};
    /// let q = BillingRule::HighWaterMark { months: 3, first_month: 2 };
    /// assert_eq!(q.term_start(Month::new(2026, 1)?), Month::new(2025, 11)?);
    /// assert_eq!(q.term_start(Month::new(2026, 4)?), Month::new(2026, 2)?);
    /// # Ok::<(), keyledger::billing::BillingError>(())
    /// ```
    pub fn term_start(self, month: Month) -> Month {
        let BillingRule::HighWaterMark {
            months,
            first_month,
        } = self
        else {
            return month;
        };
        let since = (month.month() + 12 - u32::from(first_month.clamp(1, 12))) % 12;
        let back = since % u32::from(months.max(1));
        let mut m = month;
        for _ in 0..back {
            m = m.prev();
        }
        m
    }
}

/// The rule's instant or window, in a month.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Instant {
    /// No instant (day-count rules).
    None,
    /// Billable at this instant (`EndOfMonth`: the last second; `Snapshot`).
    At(DateTime<Utc>),
    /// Billable at some instant of `[from, end of month)`.
    Window {
        from: DateTime<Utc>,
        first_month_free: bool,
    },
}

/// The instant or window `rule` looks at in the month `b`.
pub(crate) fn rule_instant(rule: BillingRule, b: &MonthBounds) -> Instant {
    match rule {
        BillingRule::EndOfMonth => Instant::At(b.end() - Duration::seconds(1)),
        BillingRule::Snapshot { day, hour } => Instant::At(snapshot_instant(b, day, hour)),
        BillingRule::RollingWindow {
            days,
            first_month_free,
        } => Instant::Window {
            from: b.end() - Duration::seconds(i64::from(days) * 86_400),
            first_month_free,
        },
        _ => Instant::None,
    }
}

/// `hour` hours after the start of local day `day` (clamped to the month's days), before its end.
pub(crate) fn snapshot_instant(b: &MonthBounds, day: u8, hour: u8) -> DateTime<Utc> {
    let d = u32::from(day).clamp(1, b.days()) as usize;
    let start = b
        .day_starts
        .get(d - 1)
        .copied()
        .unwrap_or_else(|| b.start());
    let t = start + Duration::seconds(i64::from(hour) * 3600);
    t.min(b.end() - Duration::seconds(1))
}

/// What one licence did in one month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LicenceMonth {
    /// Bit `d` set: local day `d + 1` is billable.
    pub mask: u32,
    /// Billable during the month's last second.
    pub at_end: bool,
    /// Billable at the rule's instant / in its window (see [`BillingRule::bills`]).
    pub at_rule: bool,
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
        at_rule: false,
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

/// [`evaluate`], with `at_rule` set for `rule` (see [`BillingRule::bills`]).
pub(crate) fn evaluate_rule(
    h: &LicenceHistory,
    b: &MonthBounds,
    rule: BillingRule,
) -> LicenceMonth {
    let mut m = evaluate(h, b);
    m.at_rule = match rule_instant(rule, b) {
        Instant::None => false,
        Instant::At(t) => h
            .spans
            .iter()
            .any(|s| s.state.is_billable() && s.from <= t && s.until.is_none_or(|u| u > t)),
        Instant::Window {
            from,
            first_month_free,
        } => {
            let seen = h.spans.iter().any(|s| {
                s.state.is_billable() && s.from < b.end() && s.until.is_none_or(|u| u > from)
            });
            let gone = h.spans.iter().any(|s| {
                s.state == crate::lifecycle::LicenceState::Deactivated
                    && s.from <= b.start()
                    && s.until.is_none_or(|u| u > b.start())
            });
            let new = first_month_free
                && h.activations
                    .first()
                    .is_some_and(|a| *a >= b.start() && *a < b.end());
            seen && !gone && !new
        }
    };
    m
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
/// [`BillingError::UnknownProduct`].
///
/// ```
/// use keyledger::billing::{counts, BillingRule, Month};
/// use keyledger::catalog::presets;
/// let c = counts(&[], &presets::storagecraft(), Month::new(2026, 11)?, &keyledger::billing::Zone::utc(), BillingRule::AnyDay)?;
/// assert!(c.is_empty());
/// # Ok::<(), keyledger::billing::BillingError>(())
/// ```
pub fn counts(
    histories: &[LicenceHistory],
    catalog: &Catalog,
    month: Month,
    zone: &Zone,
    rule: BillingRule,
) -> Result<BTreeMap<(ProductId, Option<String>), EditionCounts>, BillingError> {
    rule.validate()?;
    let b = month.bounds(zone);
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
            .push(evaluate_rule(h, &b, rule));
    }
    let mut out = BTreeMap::new();
    for (k, ms) in groups {
        let billed: Vec<&LicenceMonth> = ms
            .iter()
            .filter(|m| rule.bills(m.days(), b.days(), m.at_rule))
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
    if let BillingRule::HighWaterMark { .. } = rule {
        let mut m = rule.term_start(month);
        while m < month {
            let earlier = counts(histories, catalog, m, zone, BillingRule::AnyDay)?;
            for (k, c) in earlier {
                let e = out.entry(k).or_insert(EditionCounts {
                    licences: 0,
                    billable_days: 0,
                    quantity: Decimal::ZERO,
                });
                e.quantity = e.quantity.max(Decimal::from(c.licences));
            }
            m = m.next();
        }
    }
    Ok(out)
}

/// The high-water mark of each key over the months of `rule`'s contract term before `month`:
/// the most licences billed (≥ 1 billable day) in one of those months, per key.
pub(crate) fn term_marks<K: Ord>(
    histories: &[LicenceHistory],
    rule: BillingRule,
    month: Month,
    zone: &Zone,
    key: impl Fn(&LicenceHistory) -> Option<K>,
) -> Result<BTreeMap<K, u64>, BillingError> {
    let mut marks: BTreeMap<K, u64> = BTreeMap::new();
    let mut m = rule.term_start(month);
    while m < month {
        let b = m.bounds(zone);
        let mut this: BTreeMap<K, u64> = BTreeMap::new();
        for h in histories {
            if let Some(k) = key(h) {
                if evaluate(h, &b).days() > 0 {
                    *this.entry(k).or_default() += 1;
                }
            }
        }
        for (k, c) in this {
            let e = marks.entry(k).or_default();
            *e = (*e).max(c);
        }
        m = m.next();
    }
    Ok(marks)
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
