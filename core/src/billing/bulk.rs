//! Billing counts straight from call-home columns, for vendors who keep call-home logs in a
//! warehouse.
//!
//! # Input
//! - Call-homes as two columns of one month: `licence[i]` (index into the licence columns) and
//!   `at[i]` (unix seconds). **Rows of one licence must be in time order** (a time-sorted warehouse
//!   export is); a call-home earlier than the licence's latest contact is ignored, and so is one
//!   after the month (earlier ones count as contacts).
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
//! One pass over the call-homes, `O(rows + licences)` time; a row whose licence can no longer
//! change costs one bit test. Working memory per licence: an 8-byte hot record (a `u32` day mask,
//! bit 31 = lapsed, and the last contact as `i32` seconds from the month's start), the
//! deactivation as a cold `i32` read only for licences deactivated in the month, two bits, and
//! the 1-byte output: **13.25 bytes**. Instants further than ±68 years from the month are
//! clamped. `Peak` needs every billable interval: it sorts the rows (`O(rows)` extra memory).
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
//! let r = bulk::bill(&input, Month::new(2026, 11)?, "UTC", BillingRule::STORAGECRAFT, &LifecyclePolicy::default())?;
//! // Licence 0: 1–15 Nov (Late until 15 Nov 00:00 inclusive); licence 1 also 20–30 Nov.
//! assert_eq!(r.days, [15, 26]);
//! assert_eq!(r.groups[0].licences, 2); // 15 > 14 and 26 > 14
//! # Ok::<(), keyledger::billing::BillingError>(())
//! ```

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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkGroup {
    /// Licences billed under the rule.
    pub licences: u64,
    /// Σ billable days of the billed licences.
    pub billable_days: u64,
    /// Quantity billed: licences, Σ days ÷ days in month (`Prorated`) or the peak (`Peak`).
    pub quantity: Decimal,
}

/// Result of [`bill`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkResult {
    /// Billable days of each licence in the month.
    pub days: Vec<u8>,
    /// Counts per bucket.
    pub groups: Vec<BulkGroup>,
}

const LAPSED: u32 = 1 << 31;

/// Day lookup for one month: unix-second day starts.
struct Days {
    starts: Vec<i64>,
    n: u32,
    uniform: bool,
}

impl Days {
    #[inline]
    fn start(&self) -> i64 {
        self.starts.first().copied().unwrap_or(0)
    }
    #[inline]
    fn end(&self) -> i64 {
        self.starts.last().copied().unwrap_or(0)
    }
    /// 0-based day of `t`, for `start ≤ t < end`.
    #[inline]
    fn day(&self, t: i64) -> u32 {
        let guess = ((t - self.start()) / 86_400).clamp(0, i64::from(self.n) - 1) as usize;
        if self.uniform {
            return guess as u32;
        }
        let mut i = guess;
        while i + 1 < self.n as usize && self.starts.get(i + 1).is_some_and(|s| t >= *s) {
            i += 1;
        }
        while i > 0 && self.starts.get(i).is_some_and(|s| t < *s) {
            i -= 1;
        }
        i as u32
    }
    /// Mask of the days touched by `[a, z)` (seconds), clipped to the month.
    #[inline]
    fn mask(&self, a: i64, z: i64) -> u32 {
        let a = a.max(self.start());
        let z = z.min(self.end());
        if a >= z {
            return 0;
        }
        let (da, dz) = (self.day(a), self.day(z - 1));
        let hi = (1u64 << (dz + 1)) - 1;
        let lo = (1u64 << da) - 1;
        (hi & !lo) as u32
    }
}

/// Checks the column lengths and the buckets; returns the number of licences.
fn validate(input: &BulkInput<'_>) -> Result<usize, BillingError> {
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
/// let err = bulk::bill(&input, Month::new(2026, 11)?, "UTC", BillingRule::AnyDay, &LifecyclePolicy::default());
/// assert_eq!(err.unwrap_err().code(), "billing.licence_out_of_range");
/// # Ok::<(), keyledger::billing::BillingError>(())
/// ```
pub fn bill(
    input: &BulkInput<'_>,
    month: Month,
    zone: &str,
    rule: BillingRule,
    policy: &LifecyclePolicy,
) -> Result<BulkResult, BillingError> {
    let n = validate(input)?;
    let b = month.bounds(zone)?;
    let origin = b.start().timestamp();
    let starts: Vec<i64> = b
        .day_starts
        .iter()
        .map(|t| t.timestamp() - origin)
        .collect();
    let uniform = starts.windows(2).all(|w| w[1] - w[0] == 86_400);
    let days = Days {
        starts,
        n: b.days(),
        uniform,
    };
    let late = policy.disabled_after_seconds.saturating_add(1);
    let lapse = policy.lapse_after_seconds;
    // Instants relative to the month's start, as i32 (±68 years; further is clamped).
    let rel = |t: i64| {
        t.saturating_sub(origin)
            .clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
    };

    let month_end = rel(origin + days.end());
    // Hot working memory: 8 bytes per licence (mask + last contact); deactivations stay cold.
    let stops: Vec<i32> = input.deactivated_at.iter().map(|&d| rel(d)).collect();
    let mut work: Vec<Work> = input
        .activated_at
        .iter()
        .zip(input.last_contact_before)
        .zip(&stops)
        .map(|((&act, &before), &stop)| {
            if act == i64::MAX {
                return Work {
                    mask: LAPSED,
                    last: i32::MAX,
                };
            }
            let base = rel(if before != i64::MIN && before >= act {
                before
            } else {
                act
            });
            if base >= stop {
                return Work {
                    mask: LAPSED,
                    last: base,
                };
            }
            let z = i64::from(base).saturating_add(late).min(i64::from(stop));
            Work {
                mask: days.mask(i64::from(base), z),
                last: base,
            }
        })
        .collect();
    // A licence is settled when no later row can change its result: lapsed, never active, or
    // billable from its last contact to the month's end with no deactivation in the month.
    let end_rel = days.end();
    let settled = |w: &Work, stop: i32| {
        w.mask & LAPSED != 0
            || (i64::from(stop) >= end_rel && i64::from(w.last).saturating_add(late) >= end_rel)
    };
    // Licences deactivated before the month's end: only their rows read `stops` (kept cold).
    let mut has_stop = vec![0u64; n.div_ceil(64)];
    let mut done = vec![0u64; n.div_ceil(64)];
    for (l, (w, &stop)) in work.iter().zip(&stops).enumerate() {
        if let (Some(d), Some(h)) = (done.get_mut(l >> 6), has_stop.get_mut(l >> 6)) {
            if settled(w, stop) {
                *d |= 1u64 << (l & 63);
            }
            if i64::from(stop) < end_rel {
                *h |= 1u64 << (l & 63);
            }
        }
    }
    const BLOCK: usize = 16;
    for (blk, (ls, ts)) in input
        .licence
        .chunks(BLOCK)
        .zip(input.at.chunks(BLOCK))
        .enumerate()
    {
        let mut pending = 0u64;
        let mut max_l = 0u32;
        for &l in ls {
            let li = l as usize;
            let d = done.get(li >> 6).copied().unwrap_or(u64::MAX);
            pending |= !d & (1u64 << (li & 63));
            max_l = max_l.max(l);
        }
        if pending == 0 && (max_l as usize) < n {
            continue;
        }
        for (k, (&l, &t)) in ls.iter().zip(ts).enumerate() {
            let li = l as usize;
            let (Some(w), Some(d)) = (work.get_mut(li), done.get_mut(li >> 6)) else {
                return Err(BillingError::LicenceOutOfRange {
                    row: blk * BLOCK + k,
                    licence: l,
                    licences: n,
                });
            };
            let bit = 1u64 << (li & 63);
            if *d & bit != 0 {
                continue;
            }
            let stop = if has_stop.get(li >> 6).is_some_and(|h| h & bit != 0) {
                stops.get(li).copied().unwrap_or(i32::MAX)
            } else {
                i32::MAX
            };
            let t = rel(t);
            if t >= stop || t >= month_end {
                // Later rows of this licence are later still: nothing can change any more.
                *d |= bit;
                continue;
            }
            if t < w.last || w.mask & LAPSED != 0 {
                continue;
            }
            if i64::from(t).saturating_sub(i64::from(w.last)) >= lapse {
                w.mask |= LAPSED;
                *d |= bit;
                continue;
            }
            w.last = t;
            let z = i64::from(t).saturating_add(late).min(i64::from(stop));
            w.mask |= days.mask(i64::from(t), z);
            if settled(w, stop) {
                *d |= bit;
            }
        }
    }

    let last_second = days.end() - 1;
    let mut out_days = vec![0u8; n];
    let mut groups: Vec<BulkGroup> = (0..input.groups)
        .map(|_| BulkGroup {
            licences: 0,
            billable_days: 0,
            quantity: Decimal::ZERO,
        })
        .collect();
    let mut billed = if rule == BillingRule::Peak {
        vec![false; n]
    } else {
        Vec::new()
    };
    for (l, ((w, &g), o)) in work
        .iter()
        .zip(input.group)
        .zip(out_days.iter_mut())
        .enumerate()
    {
        let d = (w.mask & !LAPSED).count_ones();
        *o = d as u8;
        let (c, stop) = (
            i64::from(w.last),
            i64::from(stops.get(l).copied().unwrap_or(i32::MAX)),
        );
        let at_end = c <= last_second && last_second < stop && last_second - c < late;
        if rule.bills(d, days.n, at_end) {
            if let Some(gr) = groups.get_mut(usize::from(g)) {
                gr.licences += 1;
                gr.billable_days += u64::from(d);
            }
            if let Some(x) = billed.get_mut(l) {
                *x = true;
            }
        }
    }
    drop(work);
    for gr in &mut groups {
        gr.quantity = super::policy::quantity(rule, gr.licences, gr.billable_days, days.n, || 0)?;
    }
    if rule == BillingRule::Peak {
        let peaks = peaks(input, &days, origin, &billed, late, lapse);
        for (gr, p) in groups.iter_mut().zip(peaks) {
            gr.quantity = Decimal::from(p);
        }
    }
    Ok(BulkResult {
        days: out_days,
        groups,
    })
}

/// Per-licence working state of the pass.
#[derive(Clone, Copy)]
struct Work {
    /// Bit d: day d+1 billable; bit 31: lapsed or never active in the month.
    mask: u32,
    /// Last contact, seconds from the month's start.
    last: i32,
}

/// Peak per bucket: every billable interval of the billed licences, swept in time order.
fn peaks(
    input: &BulkInput<'_>,
    days: &Days,
    origin: i64,
    billed: &[bool],
    late: i64,
    lapse: i64,
) -> Vec<u64> {
    let mut rows: Vec<(u32, i64)> = input
        .licence
        .iter()
        .zip(input.at)
        .filter(|(l, _)| billed.get(**l as usize).copied().unwrap_or(false))
        .map(|(l, t)| (*l, *t))
        .collect();
    rows.sort_unstable();
    let mut events: Vec<Vec<(i64, i8)>> = vec![Vec::new(); input.groups];
    let mut push = |g: u16, a: i64, z: i64| {
        let (a, z) = (a.max(origin + days.start()), z.min(origin + days.end()));
        if a < z {
            if let Some(e) = events.get_mut(usize::from(g)) {
                e.push((a, 1));
                e.push((z, -1));
            }
        }
    };
    let mut i = 0;
    for (l, &is_billed) in billed.iter().enumerate() {
        if !is_billed {
            continue;
        }
        let (Some(&act), Some(&deact), Some(&before), Some(&g)) = (
            input.activated_at.get(l),
            input.deactivated_at.get(l),
            input.last_contact_before.get(l),
            input.group.get(l),
        ) else {
            continue;
        };
        let mut c = if before != i64::MIN && before >= act {
            before
        } else {
            act
        };
        let mut lapsed = false;
        // The current billable run [run_a, run_z).
        let (mut run_a, mut run_z) = (c, c.saturating_add(late).min(deact));
        while let Some(&(rl, t)) = rows.get(i) {
            if rl as usize != l {
                break;
            }
            i += 1;
            if lapsed || t < c || t >= origin + days.end() {
                continue;
            }
            if t.saturating_sub(c) >= lapse {
                lapsed = true;
                continue;
            }
            c = t;
            let z = t.saturating_add(late).min(deact);
            if t <= run_z {
                run_z = run_z.max(z);
            } else {
                push(g, run_a, run_z);
                run_a = t;
                run_z = z;
            }
        }
        push(g, run_a, run_z);
    }
    events
        .into_iter()
        .map(|mut e| {
            e.sort_unstable();
            let (mut now, mut max) = (0i64, 0i64);
            for (_, d) in e {
                now += i64::from(d);
                max = max.max(now);
            }
            max as u64
        })
        .collect()
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
/// let counts = bulk::any_day_counts(&input, month, "UTC", &LifecyclePolicy::default())?;
/// assert_eq!(counts, [0, 1]);
/// let full = bulk::bill(&input, month, "UTC", BillingRule::AnyDay, &LifecyclePolicy::default())?;
/// assert_eq!(full.groups.iter().map(|g| g.licences).collect::<Vec<_>>(), counts);
/// # Ok::<(), keyledger::billing::BillingError>(())
/// ```
pub fn any_day_counts(
    input: &BulkInput<'_>,
    month: Month,
    zone: &str,
    policy: &LifecyclePolicy,
) -> Result<Vec<u64>, BillingError> {
    let n = validate(input)?;
    let b = month.bounds(zone)?;
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
