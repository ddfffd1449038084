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

pub use super::partial::Partial;
use super::Zone;
use super::{BillingError, BillingRule, Month};
use crate::lifecycle::LifecyclePolicy;
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
/// [`BillingError::GroupOutOfRange`], [`BillingError::UnknownTimeZone`], [`BillingError::Overflow`].
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

/// The default rule's fast path: licences billed under [`BillingRule::AnyDay`], per bucket.
///
/// Same answers as [`bill`] with `AnyDay` (tested), much faster: a licence is decided by its first
/// call-home that is not before its last contact, so after that call-home each row costs one bit
/// test in a bitmap that stays in cache. Working memory per licence: a window of two `i32`,
/// the deactivation as `i32`, and two bits (12.25 bytes).
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
