//! Billing counts straight from call-home columns, for vendors who keep call-home logs in a
//! warehouse.
//!
//! # Input
//! - Call-homes as two columns of one month: `licence[i]` (index into the licence columns) and
//!   `at[i]` (unix seconds), in any order for [`bill`] (a licence's rows are a set of instants);
//!   [`Partial::update`] needs each licence's rows in time order. A call-home before the
//!   licence's base contact, at or after its deactivation, or after the month is ignored (earlier
//!   ones, from the base contact on, count as contacts).
//! - Per licence `l`: `activated_at[l]` (unix seconds; `i64::MAX` = never activated),
//!   `deactivated_at[l]` (the instant billing stopped: deactivation requested or finalised;
//!   `i64::MAX` = none), `last_contact_before[l]` (its latest call-home before the month;
//!   `i64::MIN` = none) and `group[l]` (the product/edition bucket it is counted in, `< groups`).
//!
//! # Semantics (the same as the ledger's, see [`crate::lifecycle`])
//! Contacts are the activation and the call-homes. At second `t` with `activated_at ≤ t <
//! deactivated_at`, the licence is billable (Active or Late) iff `t − last contact ≤
//! disabled_after` (14 days). When a gap between contacts reaches `lapse_after` (30 days) the
//! activation has lapsed: later call-homes are ignored (the licence needs a new activation, which
//! is a new licence index). A lapse or deactivation before the month must be given in
//! `deactivated_at`. Day and rule definitions are those of [`BillingRule`].
//!
//! # Cost
//! [`bill`]: one pass over the call-homes setting one bit per row in the bitmap of its local day
//! (31 bits per licence), then `O(licences)` to decide each licence from its call-home days; the
//! few licences the days cannot decide exactly are billed again from their rows (a second pass
//! picks them). Working memory: about 4.5 bytes per licence (see `docs/decisions/billing.md`);
//! `Peak` adds its run events. [`Partial`] is the mergeable form (12 bytes per licence).
//! [`any_day_counts`] is the fast path for the default rule.
//!
//! ```
//! use keyledger::billing::{bulk, BillingRule, Month};
//! use keyledger::lifecycle::LifecyclePolicy;
//! // Two licences, both activated on 1 Nov 2026 00:00 UTC; licence 1 calls home on 20 Nov.
//! let nov1 = 1_793_491_200; // 2026-11-01T00:00:00Z
//! let day = 86_400;
//! let input = bulk::BulkInput {
//!     licence: &[1],
//!     at: &[nov1 + 19 * day],
//!     activated_at: &[nov1, nov1],
//!     deactivated_at: &[i64::MAX, i64::MAX],
//!     last_contact_before: &[i64::MIN, i64::MIN],
//!     group: &[0, 0],
//!     groups: 1,
//!     time_sorted: true,
//! };
//! let r = bulk::bill(&input, Month::new(2026, 11)?, &keyledger::billing::Zone::utc(), BillingRule::STORAGECRAFT, &LifecyclePolicy::default())?;
//! // Licence 0: 1–15 Nov (Late until 15 Nov 00:00 inclusive); licence 1 also 20–30 Nov.
//! assert_eq!(r.days, [15, 26]);
//! assert_eq!(r.groups[0].licences, 2); // 15 > 14 and 26 > 14
//! # Ok::<(), keyledger::billing::BillingError>(())
//! ```

#[cfg(feature = "arrow")]
pub use super::arrow::ArrowInput;
use super::explain::{self, Explanation};
pub use super::partial::Partial;
use super::partial::{at_rule, Acc, Ctx};
use super::Zone;
use super::{BillingError, BillingRule, Month, MonthBounds};
use crate::lifecycle::LifecyclePolicy;
use chrono::Datelike;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The columns of one month of call-homes and the licences they belong to.
#[derive(Debug, Clone, Copy)]
pub struct BulkInput<'a> {
    /// Licence index of each call-home.
    pub licence: &'a [u32],
    /// Unix seconds of each call-home.
    pub at: &'a [i64],
    /// Per licence: activation instant (`i64::MAX`: never).
    pub activated_at: &'a [i64],
    /// Per licence: instant billing stopped (`i64::MAX`: still running).
    pub deactivated_at: &'a [i64],
    /// Per licence: latest call-home before the month (`i64::MIN`: none).
    pub last_contact_before: &'a [i64],
    /// Per licence: its bucket (product/edition), `< groups`.
    pub group: &'a [u16],
    /// Number of buckets.
    pub groups: usize,
    /// Whether the rows are sorted by time across licences (a time-sorted export). Lets
    /// [`any_day_counts`] stop reading once no undecided licence can still be decided; the rows
    /// it reads are checked ([`BillingError::Unsorted`]), the rows after that point are not read.
    pub time_sorted: bool,
}

/// The counts of one bucket.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkGroup {
    /// Licences billed under the rule.
    pub licences: u64,
    /// Σ billable days of the billed licences.
    pub billable_days: u64,
    /// Quantity billed: licences, Σ days ÷ days in month (`Prorated`) or the peak (`Peak`).
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub quantity: Decimal,
}

/// Result of [`bill`].
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkResult {
    /// Billable days of each licence in the month.
    pub days: Vec<u8>,
    /// Whether each licence is billed under the rule (for `Prorated`, `Peak`, `HighWaterMark`:
    /// whether it contributes).
    pub billed: Vec<bool>,
    /// Counts per bucket.
    pub groups: Vec<BulkGroup>,
}

/// Checks the column lengths and the buckets; returns the number of licences.
pub(super) fn validate(input: &BulkInput<'_>) -> Result<usize, BillingError> {
    let n = input.activated_at.len();
    check_len("at", input.licence.len(), input.at.len())?;
    check_len("deactivated_at", n, input.deactivated_at.len())?;
    check_len("last_contact_before", n, input.last_contact_before.len())?;
    check_len("group", n, input.group.len())?;
    if let Some((l, g)) = input
        .group
        .iter()
        .enumerate()
        .find(|(_, g)| usize::from(**g) >= input.groups)
    {
        return Err(BillingError::GroupOutOfRange {
            licence: l,
            group: *g,
            groups: input.groups,
        });
    }
    Ok(n)
}

fn check_len(column: &'static str, expected: usize, found: usize) -> Result<(), BillingError> {
    if expected == found {
        Ok(())
    } else {
        Err(BillingError::ColumnLength {
            column,
            expected,
            found,
        })
    }
}

/// Billing counts of one month under `rule` from call-home columns. See the [module docs](self).
///
/// # Errors
/// [`BillingError::ColumnLength`], [`BillingError::LicenceOutOfRange`],
/// [`BillingError::GroupOutOfRange`], [`BillingError::Overflow`].
///
/// ```
/// use keyledger::billing::{bulk, BillingRule, Month};
/// use keyledger::lifecycle::LifecyclePolicy;
/// let input = bulk::BulkInput { licence: &[0], at: &[0], activated_at: &[], deactivated_at: &[],
///     last_contact_before: &[], group: &[], groups: 1, time_sorted: false };
/// let err = bulk::bill(&input, Month::new(2026, 11)?, &keyledger::billing::Zone::utc(), BillingRule::AnyDay, &LifecyclePolicy::default());
/// assert_eq!(err.unwrap_err().code(), "billing.licence_out_of_range");
/// # Ok::<(), keyledger::billing::BillingError>(())
/// ```
pub fn bill(
    input: &BulkInput<'_>,
    month: Month,
    zone: &Zone,
    rule: BillingRule,
    policy: &LifecyclePolicy,
) -> Result<BulkResult, BillingError> {
    super::fast::bill(input, month, zone, rule, policy)
}

/// Why licence `licence` of the columns is (or is not) billed in `month` under `rule`: the Billing
/// Detail's explanation for the bulk path, from the licence's own rows. The verdict and the days
/// are those of [`bill`] (the same engine: [`Partial`] over its rows); the sentence says what the
/// rows show — its base contact (activation, or last contact before the month), its call-homes in
/// the month, a lapse or a stop — then the rule's reason, e.g. "last contact before the month
/// 31 Oct, 30 call-homes 1–30 Nov: 30 billable days > 14 → billable".
///
/// Reads every row once (to pick the licence's); for many licences, bill them with [`bill`] and
/// explain the few that are asked about.
///
/// # Errors
/// As [`bill`]; [`BillingError::LicenceOutOfRange`] (with `row` 0) for a licence index beyond the
/// licence columns.
///
/// ```
/// use keyledger::billing::{bulk, BillingRule, Month, Zone};
/// use keyledger::lifecycle::LifecyclePolicy;
/// let nov1 = 1_793_491_200; // 2026-11-01T00:00:00Z
/// let day = 86_400;
/// let input = bulk::BulkInput {
///     licence: &[0, 1, 0],
///     at: &[nov1 + 2 * day, nov1 + 3 * day, nov1 + 4 * day + 3_600],
///     activated_at: &[nov1 - 90 * day, nov1 + 12 * day],
///     deactivated_at: &[i64::MAX, i64::MAX],
///     last_contact_before: &[nov1 - day, i64::MIN],
///     group: &[0, 0],
///     groups: 1,
///     time_sorted: true,
/// };
/// let (month, utc, policy) = (Month::new(2026, 11)?, Zone::utc(), LifecyclePolicy::default());
/// let e = bulk::explain(&input, 0, month, &utc, BillingRule::EndOfMonth, &policy)?;
/// assert!(!e.billable);
/// assert_eq!(e.days, (1..=19).collect::<Vec<u32>>());
/// assert_eq!(e.text, "last contact before the month 31 Oct, 2 call-homes 3–5 Nov: 19 billable days; not billable at the end of the month → not billable");
/// let rolling = BillingRule::RollingWindow { days: 31, first_month_free: true };
/// let e = bulk::explain(&input, 1, month, &utc, rolling, &policy)?;
/// assert_eq!(e.text, "activated 13 Nov, no call-home in the month: 15 billable days; new instance, first activated 13 Nov: free in its first calendar month → not billable");
/// # Ok::<(), keyledger::billing::BillingError>(())
/// ```
pub fn explain(
    input: &BulkInput<'_>,
    licence: u32,
    month: Month,
    zone: &Zone,
    rule: BillingRule,
    policy: &LifecyclePolicy,
) -> Result<Explanation, BillingError> {
    let n = validate(input)?;
    let l = licence as usize;
    if l >= n {
        return Err(BillingError::LicenceOutOfRange {
            row: 0,
            licence,
            licences: n,
        });
    }
    let mut at: Vec<i64> = input
        .licence
        .iter()
        .zip(input.at)
        .filter(|(x, _)| **x == licence)
        .map(|(_, t)| *t)
        .collect();
    at.sort_unstable();
    let zeros = vec![0u32; at.len()];
    let one = |v: &[i64]| v.get(l).copied().unwrap_or(i64::MAX);
    let (act, deact, before) = (
        one(input.activated_at),
        one(input.deactivated_at),
        input
            .last_contact_before
            .get(l)
            .copied()
            .unwrap_or(i64::MIN),
    );
    let group = [0u16];
    let sub = BulkInput {
        licence: &zeros,
        at: &at,
        activated_at: &[act],
        deactivated_at: &[deact],
        last_contact_before: &[before],
        group: &group,
        groups: 1,
        time_sorted: true,
    };
    let ctx = Ctx::new(month, zone, rule, policy)?;
    let mut p = Partial::new(1, month, zone, rule, policy)?;
    p.update(&sub)?;
    let mut acc = Acc::new(&ctx, 1, 1);
    acc.keep_masks();
    p.finish_into(&sub, &mut acc, |k| k);
    let mask = acc
        .masks
        .as_ref()
        .and_then(|m| m.first().copied())
        .unwrap_or(0);
    let r = acc.result()?;
    let billable = r.billed.first().copied().unwrap_or(false);
    let b = month.bounds(zone);
    let story = contacts(&b, &at, act, deact, before, policy);
    // A new instance: activated in the month (not stopped before its activation: that licence
    // never ran).
    let new_at = (act >= ctx.origin && act - ctx.origin < ctx.end() && deact >= act)
        .then(|| chrono::DateTime::from_timestamp(act, 0))
        .flatten();
    let why = explain::reason(&b, mask.count_ones(), rule, billable, new_at);
    let eom = Ctx::new(month, zone, BillingRule::EndOfMonth, policy)?;
    let last = story.last.map_or(i64::MIN, |t| t - ctx.origin);
    let stop = i64::from(ctx.rel(deact));
    Ok(Explanation {
        month,
        rule,
        days: (0..31u32)
            .filter(|d| mask & (1 << d) != 0)
            .map(|d| d + 1)
            .collect(),
        at_end: story.last.is_some() && at_rule(&eom, last, stop, act, false),
        billable,
        text: format!("{}: {why} → {}", story.text, explain::verdict(billable)),
    })
}

/// What a licence's rows show, in words, and its latest contact (unix seconds).
struct Story {
    text: String,
    last: Option<i64>,
}

fn contacts(
    b: &MonthBounds,
    at: &[i64],
    act: i64,
    deact: i64,
    before: i64,
    policy: &LifecyclePolicy,
) -> Story {
    let (start, end) = (b.start().timestamp(), b.end().timestamp());
    if act == i64::MAX {
        return Story {
            text: "never activated".into(),
            last: None,
        };
    }
    let date = |t: i64| {
        chrono::DateTime::from_timestamp(t, 0).map_or_else(String::new, |d| {
            let local = b.local_date(d);
            format!(
                "{} {}",
                local.day(),
                explain::MONTHS
                    .get(local.month0() as usize)
                    .copied()
                    .unwrap_or("")
            )
        })
    };
    let from_before = before != i64::MIN && before >= act;
    let base = if from_before { before } else { act };
    let mut parts = vec![if from_before {
        format!("last contact before the month {}", date(before))
    } else {
        format!("activated {}", date(act))
    }];
    // The ledger's fold: contacts from the base on, before the stop; a gap of `lapse_after`
    // lapses the activation.
    let (mut prev, mut lapsed, mut inside) = (base, None, Vec::new());
    for &t in at {
        if t < base || t >= deact || t >= end {
            continue;
        }
        if t.saturating_sub(prev) >= policy.lapse_after_seconds {
            lapsed = Some(prev.saturating_add(policy.lapse_after_seconds));
            break;
        }
        prev = t;
        if t >= start {
            inside.push(t);
        }
    }
    let lapse_at = lapsed.or_else(|| {
        let t = prev.saturating_add(policy.lapse_after_seconds);
        (t < end && t < deact).then_some(t)
    });
    match (inside.first(), inside.last()) {
        (Some(&a), Some(&z)) if inside.len() == 1 => {
            let _ = z;
            parts.push(format!("1 call-home {}", date(a)));
        }
        (Some(&a), Some(&z)) => {
            let (da, dz) = (date(a), date(z));
            let same_month = da.split(' ').nth(1) == dz.split(' ').nth(1);
            let first = if same_month {
                da.split(' ').next().unwrap_or("").to_string()
            } else {
                da
            };
            parts.push(format!("{} call-homes {first}–{dz}", inside.len()));
        }
        _ => parts.push("no call-home in the month".into()),
    }
    if let Some(t) = lapse_at.filter(|t| *t >= start) {
        parts.push(format!(
            "lapsed {} (no contact for {} days)",
            date(t),
            policy.lapse_after_seconds / 86_400
        ));
    } else if deact < end {
        parts.push(format!("billing stopped {}", date(deact)));
    }
    Story {
        text: parts.join(", "),
        last: Some(prev),
    }
}

/// The default rule's fast path: licences billed under [`BillingRule::AnyDay`], per bucket.
///
/// Same answers as [`bill`] with `AnyDay` (tested). With rows promised time-sorted
/// (`time_sorted: true`, checked as they are read), much faster: a licence is decided by its first
/// call-home that is not before its last contact, so after that call-home each row costs one bit
/// test in a bitmap that stays in cache. Working memory per licence: a window of two `i32`,
/// the deactivation as `i32`, and two bits (12.25 bytes). Rows in any other order
/// (`time_sorted: false`) go through [`bill`]'s general path, which reads any order: deciding a
/// licence by its first acceptable row needs the rows in time order.
///
/// # Errors
/// As [`bill`], and [`BillingError::Unsorted`] when rows promised time-sorted are not.
///
/// ```
/// use keyledger::billing::{bulk, BillingRule, Month};
/// use keyledger::lifecycle::LifecyclePolicy;
/// let nov1 = 1_793_491_200; // 2026-11-01T00:00:00Z
/// let input = bulk::BulkInput {
///     licence: &[0, 1],
///     at: &[nov1 + 5, nov1 + 9],
///     // Licence 0 ran until 1 Sep (no call-home since): lapsed. Licence 1 calls home in November.
///     activated_at: &[nov1 - 90 * 86_400, nov1 - 90 * 86_400],
///     deactivated_at: &[i64::MAX, i64::MAX],
///     last_contact_before: &[nov1 - 61 * 86_400, nov1 - 20 * 86_400],
///     group: &[0, 1],
///     groups: 2,
///     time_sorted: true,
/// };
/// let month = Month::new(2026, 11)?;
/// let counts = bulk::any_day_counts(&input, month, &keyledger::billing::Zone::utc(), &LifecyclePolicy::default())?;
/// assert_eq!(counts, [0, 1]);
/// let full = bulk::bill(&input, month, &keyledger::billing::Zone::utc(), BillingRule::AnyDay, &LifecyclePolicy::default())?;
/// assert_eq!(full.groups.iter().map(|g| g.licences).collect::<Vec<_>>(), counts);
/// # Ok::<(), keyledger::billing::BillingError>(())
/// ```
pub fn any_day_counts(
    input: &BulkInput<'_>,
    month: Month,
    zone: &Zone,
    policy: &LifecyclePolicy,
) -> Result<Vec<u64>, BillingError> {
    if !input.time_sorted {
        let billed = bill(input, month, zone, BillingRule::AnyDay, policy)?;
        return Ok(billed.groups.iter().map(|g| g.licences).collect());
    }
    let n = validate(input)?;
    let b = month.bounds(zone);
    let origin = b.start().timestamp();
    let end = b.end().timestamp() - origin;
    let late = policy.disabled_after_seconds.saturating_add(1);
    let lapse = policy.lapse_after_seconds;
    let clamp = |t: i64| t.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32;
    let rel = |t: i64| clamp(t.saturating_sub(origin));
    let words = n.div_ceil(64);
    let mut decided = vec![0u64; words];
    let mut billable = vec![0u64; words];
    // Accepting window [lo, hi) of the next contact; stop (deactivation) kept for the interval.
    let mut lo = vec![0i32; n];
    let mut hi = vec![0i32; n];
    let mut stop = vec![0i32; n];
    // A contact at `c` (accepted) is billable in the month iff [c, min(c + late, stop)) meets it.
    let meets = |c: i64, s: i64| c.max(0) < c.saturating_add(late).min(s).min(end);
    // Upper bound of the undecided licences' windows: with time-sorted rows, nothing can change
    // once the rows reach it.
    let mut max_hi = i64::MIN;
    let mut prev_t = i64::MIN;
    for l in 0..n {
        let (Some(&act), Some(&deact), Some(&before)) = (
            input.activated_at.get(l),
            input.deactivated_at.get(l),
            input.last_contact_before.get(l),
        ) else {
            continue;
        };
        let (word, bit) = (l >> 6, 1u64 << (l & 63));
        let s = i64::from(rel(deact));
        if act == i64::MAX {
            if let Some(w) = decided.get_mut(word) {
                *w |= bit;
            }
            continue;
        }
        let base = i64::from(rel(if before != i64::MIN && before >= act {
            before
        } else {
            act
        }));
        let (Some(d), Some(bl), Some(x), Some(y), Some(z)) = (
            decided.get_mut(word),
            billable.get_mut(word),
            lo.get_mut(l),
            hi.get_mut(l),
            stop.get_mut(l),
        ) else {
            continue;
        };
        if base >= s {
            *d |= bit;
        } else if meets(base, s) {
            *d |= bit;
            *bl |= bit;
        } else {
            *x = clamp(base);
            *y = clamp(base.saturating_add(lapse).min(s).min(end));
            *z = clamp(s);
            max_hi = max_hi.max(i64::from(*y));
        }
    }
    // Hot loop: blocks of 16 rows; a block whose licences are all decided costs 16 bit tests.
    const BLOCK: usize = 16;
    for (blk, (ls, ts)) in input
        .licence
        .chunks(BLOCK)
        .zip(input.at.chunks(BLOCK))
        .enumerate()
    {
        if input.time_sorted {
            let first = ts.first().copied().unwrap_or(i64::MAX);
            if first < prev_t || ts.windows(2).any(|w| w[1] < w[0]) {
                return Err(BillingError::Unsorted { row: blk * BLOCK });
            }
            prev_t = ts.last().copied().unwrap_or(prev_t);
            if first.saturating_sub(origin) >= max_hi {
                break;
            }
        }
        let mut pending = 0u64;
        let mut max_l = 0u32;
        for &l in ls {
            let li = l as usize;
            let w = decided.get(li >> 6).copied().unwrap_or(u64::MAX);
            pending |= !w & (1u64 << (li & 63));
            max_l = max_l.max(l);
        }
        if pending == 0 && (max_l as usize) < n {
            continue;
        }
        for (k, (&l, &t)) in ls.iter().zip(ts).enumerate() {
            let li = l as usize;
            if li >= n {
                return Err(BillingError::LicenceOutOfRange {
                    row: blk * BLOCK + k,
                    licence: l,
                    licences: n,
                });
            }
            let (word, bit) = (li >> 6, 1u64 << (li & 63));
            let (Some(d), Some(bl), Some(x), Some(y), Some(&s)) = (
                decided.get_mut(word),
                billable.get_mut(word),
                lo.get_mut(li),
                hi.get_mut(li),
                stop.get(li),
            ) else {
                continue;
            };
            // Cold path: once per licence, plus call-homes before the month.
            let t = t.saturating_sub(origin);
            if *d & bit != 0 || t < i64::from(*x) {
                continue;
            }
            if t >= i64::from(*y) {
                *d |= bit;
            } else if meets(t, i64::from(s)) {
                *d |= bit;
                *bl |= bit;
            } else {
                *x = clamp(t);
                *y = clamp(t.saturating_add(lapse).min(i64::from(s)).min(end));
                max_hi = max_hi.max(i64::from(*y));
            }
        }
    }
    let mut counts = vec![0u64; input.groups];
    for (l, &g) in input.group.iter().enumerate() {
        if billable
            .get(l >> 6)
            .is_some_and(|w| w & (1u64 << (l & 63)) != 0)
        {
            if let Some(c) = counts.get_mut(usize::from(g)) {
                *c += 1;
            }
        }
    }
    Ok(counts)
}
