//! The bulk engine: per-licence partial results that are updated with batches of call-homes,
//! merged, and finished into [`BulkResult`]s. See [`Partial`].

use super::bulk::{BulkGroup, BulkInput, BulkResult};
use super::policy::{quantity, snapshot_instant};
use super::Zone;
use super::{BillingError, BillingRule, Month};
use crate::lifecycle::LifecyclePolicy;
use rust_decimal::Decimal;

// `Partial::to_bytes` / `from_bytes` (added by pybulk for Spark's shuffle).
mod bytes;

/// Bit 31 of a licence's day mask: the activation lapsed (later call-homes are ignored).
pub(super) const LAPSED: u32 = 1 << 31;
/// `first` of a licence no row has reached yet.
pub(super) const EMPTY: i32 = i32::MAX;
/// Rows per block of the hot loop: a block whose licences are all settled costs 16 bit tests.
const BLOCK: usize = 16;

/// Per-licence state of a partial: 12 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct State {
    /// First accepted call-home, seconds from the month's start (`EMPTY`: none).
    first: i32,
    /// Latest accepted call-home (before any lapse).
    last: i32,
    /// Bit d: local day d + 1 billable from the accepted call-homes; bit 31: lapsed.
    mask: u32,
}

const EMPTY_STATE: State = State {
    first: EMPTY,
    last: EMPTY,
    mask: 0,
};

/// The largest threshold the bulk path computes with (see `Ctx::new`).
const THRESHOLD_MAX: i64 = u32::MAX as i64;

/// The month, the rule and the policy a partial is computed for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Ctx {
    pub(super) month: Month,
    pub(super) zone: String,
    pub(super) rule: BillingRule,
    pub(super) origin: i64,
    /// Local day starts, seconds from `origin` (`days + 1` entries).
    pub(super) starts: Vec<i64>,
    pub(super) uniform: bool,
    /// Seconds a contact keeps the licence billable (disabled_after + 1), within ±[`THRESHOLD_MAX`].
    pub(super) late: i64,
    pub(super) lapse: i64,
    /// `Snapshot`'s instant, seconds from the month's start.
    pub(super) snap: Option<i64>,
}

impl Ctx {
    pub(super) fn new(
        month: Month,
        zone: &Zone,
        rule: BillingRule,
        policy: &LifecyclePolicy,
    ) -> Result<Ctx, BillingError> {
        rule.validate()?;
        let b = month.bounds(zone);
        let origin = b.start().timestamp();
        let starts: Vec<i64> = b
            .day_starts
            .iter()
            .map(|t| t.timestamp() - origin)
            .collect();
        let uniform = starts.windows(2).all(|w| w[1] - w[0] == 86_400);
        let snap = match rule {
            BillingRule::Snapshot { day, hour } => {
                Some(snapshot_instant(&b, day, hour).timestamp() - origin)
            }
            _ => None,
        };
        Ok(Ctx {
            month,
            zone: zone.name().to_string(),
            rule,
            origin,
            starts,
            uniform,
            // Instants are seconds from the month's start clamped to `i32` (`rel`): a threshold
            // beyond `u32::MAX` seconds reaches past every one of them, so clamping it changes no
            // answer and keeps every `instant + threshold` far from overflow.
            late: policy
                .disabled_after_seconds
                .saturating_add(1)
                .clamp(-THRESHOLD_MAX, THRESHOLD_MAX),
            lapse: policy
                .lapse_after_seconds
                .clamp(-THRESHOLD_MAX, THRESHOLD_MAX),
            snap,
        })
    }
    #[inline]
    pub(super) fn end(&self) -> i64 {
        self.starts.last().copied().unwrap_or(0)
    }
    #[inline]
    pub(super) fn days(&self) -> u32 {
        self.starts.len().saturating_sub(1) as u32
    }
    /// An instant as seconds from the month's start, clamped to `i32` (±68 years).
    #[inline]
    pub(super) fn rel(&self, t: i64) -> i32 {
        t.saturating_sub(self.origin)
            .clamp(i64::from(i32::MIN), i64::from(i32::MAX - 1)) as i32
    }
    /// 0-based local day of `t` (`0 ≤ t < end`).
    #[inline]
    pub(super) fn day(&self, t: i64) -> u32 {
        let n = self.days();
        let guess = (t / 86_400).clamp(0, i64::from(n) - 1) as usize;
        if self.uniform {
            return guess as u32;
        }
        let mut i = guess;
        while i + 1 < n as usize && self.starts.get(i + 1).is_some_and(|s| t >= *s) {
            i += 1;
        }
        while i > 0 && self.starts.get(i).is_some_and(|s| t < *s) {
            i -= 1;
        }
        i as u32
    }
    /// Days touched by `[a, z)`, clipped to the month.
    #[inline]
    pub(super) fn mask(&self, a: i64, z: i64) -> u32 {
        let a = a.max(0);
        let z = z.min(self.end());
        if a >= z {
            return 0;
        }
        let (da, dz) = (self.day(a), self.day(z - 1));
        ((2u64 << dz) - (1u64 << da)) as u32 & !LAPSED
    }
}

/// Per-licence columns of a partial's licences, relative to the month (read once, kept cold).
#[derive(Debug, Clone, Copy)]
pub(super) struct Lic {
    /// Base contact (activation or last call-home before the month), `None`: never billable.
    pub(super) base: Option<i64>,
    /// Billing stop (deactivation), seconds from the month's start.
    pub(super) stop: i64,
}

pub(super) fn lic(ctx: &Ctx, input: &BulkInput<'_>, l: usize) -> Lic {
    let (Some(&act), Some(&deact), Some(&before)) = (
        input.activated_at.get(l),
        input.deactivated_at.get(l),
        input.last_contact_before.get(l),
    ) else {
        return Lic {
            base: None,
            stop: i64::MIN,
        };
    };
    let stop = i64::from(ctx.rel(deact));
    if act == i64::MAX {
        return Lic { base: None, stop };
    }
    let base = i64::from(ctx.rel(if before != i64::MIN && before >= act {
        before
    } else {
        act
    }));
    Lic {
        base: (base < stop).then_some(base),
        stop,
    }
}

#[inline]
pub(super) fn bit(v: &[u64], i: usize) -> bool {
    v.get(i >> 6).is_some_and(|w| w & (1u64 << (i & 63)) != 0)
}
#[inline]
pub(super) fn set(v: &mut [u64], i: usize) {
    if let Some(w) = v.get_mut(i >> 6) {
        *w |= 1u64 << (i & 63);
    }
}
#[inline]
fn clear(v: &mut [u64], i: usize) {
    if let Some(w) = v.get_mut(i >> 6) {
        *w &= !(1u64 << (i & 63));
    }
}

/// A partial billing result of a range of licences: the state of each licence after the
/// call-homes seen so far. Update it with batches of rows ([`Partial::update`]), merge partials of
/// the same licences computed from other rows ([`Partial::merge`]: other time ranges, or the
/// adjacent licence range), and [`Partial::finish`] it into the month's [`BulkResult`]. However the
/// rows are split, the merged result equals the one-pass [`bulk::bill`](super::bulk::bill).
///
/// Rows of one licence must reach a partial in time order; partials merged for the same licences
/// must come from disjoint time ranges (which one is earlier is found per licence). Rows before a
/// licence's base contact (its activation, or its last call-home before the month), at or after
/// its deactivation, and after the month are ignored; so are rows after a lapse.
///
/// Working memory per licence: 12 bytes of state (first and last accepted call-home as `i32`
/// seconds from the month's start, a day mask with the lapse bit) and three bits; `Snapshot` one
/// more bit; `Peak` 4 more bytes (the start of the current billable run), a bit and 12 bytes per
/// extra billable run (a licence whose call-homes stop for more than 14 days and resume).
///
/// ```
/// use keyledger::billing::{bulk, BillingRule, Month};
/// use keyledger::lifecycle::LifecyclePolicy;
/// let day = 86_400;
/// const ACT: [i64; 2] = [NOV1, NOV1];
/// const NONE: [i64; 2] = [i64::MAX, i64::MAX];
/// const NEVER: [i64; 2] = [i64::MIN, i64::MIN];
/// const NOV1: i64 = 1_793_491_200; // 2026-11-01T00:00:00Z
/// fn columns<'a>(licence: &'a [u32], at: &'a [i64]) -> bulk::BulkInput<'a> {
///     bulk::BulkInput { licence, at, activated_at: &ACT, deactivated_at: &NONE,
///         last_contact_before: &NEVER, group: &[0, 0], groups: 1, time_sorted: true }
/// }
/// let (month, rule, policy) = (Month::new(2026, 11)?, BillingRule::STORAGECRAFT, LifecyclePolicy::default());
/// // The first half of the month on one worker, the second half on another.
/// let mut a = bulk::Partial::new(2, month, &keyledger::billing::Zone::utc(), rule, &policy)?;
/// a.update(&columns(&[1], &[NOV1 + 5 * day]))?;
/// let mut b = bulk::Partial::new(2, month, &keyledger::billing::Zone::utc(), rule, &policy)?;
/// b.update(&columns(&[1], &[NOV1 + 19 * day]))?;
/// a.merge(&b)?;
/// let (ls, ts) = ([1, 1], [NOV1 + 5 * day, NOV1 + 19 * day]);
/// let whole = columns(&ls, &ts);
/// let r = a.finish(&whole)?;
/// assert_eq!(r, bulk::bill(&whole, month, &keyledger::billing::Zone::utc(), rule, &policy)?);
/// assert_eq!(r.days, [15, 30]);
/// assert_eq!(r.groups[0].licences, 2);
/// # Ok::<(), keyledger::billing::BillingError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partial {
    ctx: Ctx,
    /// Index of the first licence of the range.
    first_licence: u32,
    state: Vec<State>,
    /// Licences no later row can change (lapsed, past their stop, or billable to the month's end).
    done: Vec<u64>,
    /// `Snapshot`: billable at the snapshot instant.
    snap: Vec<u64>,
    /// `Peak`: start of the current billable run.
    run_start: Vec<i32>,
    /// `Peak`: licences with closed runs in `runs`.
    closed: Vec<u64>,
    /// `Peak`: closed billable runs (licence within the range, start, end before the stop).
    runs: Vec<(u32, i32, i32)>,
}

impl Partial {
    /// An empty partial for licences `0..licences` of `month` in `zone` under `rule`.
    ///
    /// # Errors
    /// [`BillingError::BadRule`].
    ///
    /// ```
    /// use keyledger::billing::{bulk, BillingRule, Month};
    /// use keyledger::lifecycle::LifecyclePolicy;
    /// let p = bulk::Partial::new(1000, Month::new(2026, 11)?, &keyledger::billing::Zone::utc(), BillingRule::AnyDay, &LifecyclePolicy::default())?;
    /// assert_eq!(p.licences(), 0..1000);
    /// # Ok::<(), keyledger::billing::BillingError>(())
    /// ```
    pub fn new(
        licences: usize,
        month: Month,
        zone: &Zone,
        rule: BillingRule,
        policy: &LifecyclePolicy,
    ) -> Result<Partial, BillingError> {
        Partial::for_range(0, licences, month, zone, rule, policy)
    }

    /// An empty partial for licences `first..first + licences` (one range of a licence-partitioned
    /// data set). Rows name licences by their global index; the licence columns given to
    /// [`update`](Self::update) and [`finish`](Self::finish) are those of the range.
    ///
    /// # Errors
    /// As [`Partial::new`], and [`BillingError::Overflow`] when the range passes `u32::MAX`.
    ///
    /// ```
    /// use keyledger::billing::{bulk, BillingRule, Month};
    /// use keyledger::lifecycle::LifecyclePolicy;
    /// let p = bulk::Partial::for_range(5000, 1000, Month::new(2026, 11)?, &keyledger::billing::Zone::utc(), BillingRule::AnyDay, &LifecyclePolicy::default())?;
    /// assert_eq!(p.licences(), 5000..6000);
    /// # Ok::<(), keyledger::billing::BillingError>(())
    /// ```
    pub fn for_range(
        first: u32,
        licences: usize,
        month: Month,
        zone: &Zone,
        rule: BillingRule,
        policy: &LifecyclePolicy,
    ) -> Result<Partial, BillingError> {
        if u64::from(first) + licences as u64 > u64::from(u32::MAX) + 1 {
            return Err(BillingError::Overflow {
                what: "licence range".into(),
            });
        }
        let ctx = Ctx::new(month, zone, rule, policy)?;
        let words = licences.div_ceil(64);
        let peak = rule == BillingRule::Peak;
        Ok(Partial {
            first_licence: first,
            state: vec![EMPTY_STATE; licences],
            done: vec![0; words],
            snap: if ctx.snap.is_some() {
                vec![0; words]
            } else {
                Vec::new()
            },
            run_start: if peak { vec![0; licences] } else { Vec::new() },
            closed: if peak { vec![0; words] } else { Vec::new() },
            runs: Vec::new(),
            ctx,
        })
    }

    /// The licence indices this partial covers.
    pub fn licences(&self) -> std::ops::Range<u32> {
        self.first_licence..self.first_licence + self.state.len() as u32
    }

    /// The rule this partial is computed for.
    pub fn rule(&self) -> BillingRule {
        self.ctx.rule
    }

    fn check_columns(&self, input: &BulkInput<'_>) -> Result<(), BillingError> {
        let n = super::bulk::validate(input)?;
        if n != self.state.len() {
            return Err(BillingError::ColumnLength {
                column: "activated_at",
                expected: self.state.len(),
                found: n,
            });
        }
        Ok(())
    }

    /// Adds a batch of call-home rows (`input.licence`, `input.at`); the licence columns are those
    /// of this partial's licences.
    ///
    /// # Errors
    /// [`BillingError::ColumnLength`], [`BillingError::GroupOutOfRange`],
    /// [`BillingError::LicenceOutOfRange`] (the partial's state is then unspecified: rows before
    /// the bad one have been applied).
    ///
    /// ```
    /// use keyledger::billing::{bulk, BillingRule, Month};
    /// use keyledger::lifecycle::LifecyclePolicy;
    /// let mut p = bulk::Partial::new(1, Month::new(2026, 11)?, &keyledger::billing::Zone::utc(), BillingRule::AnyDay, &LifecyclePolicy::default())?;
    /// let input = bulk::BulkInput { licence: &[3], at: &[0], activated_at: &[0], deactivated_at: &[i64::MAX],
    ///     last_contact_before: &[i64::MIN], group: &[0], groups: 1, time_sorted: false };
    /// assert_eq!(p.update(&input).unwrap_err().code(), "billing.licence_out_of_range");
    /// # Ok::<(), keyledger::billing::BillingError>(())
    /// ```
    pub fn update(&mut self, input: &BulkInput<'_>) -> Result<(), BillingError> {
        self.check_columns(input)?;
        let n = self.state.len();
        let end = self.ctx.end();
        let (late, lapse) = (self.ctx.late, self.ctx.lapse);
        let origin = self.ctx.origin;
        // Licences whose rows need their columns: activated in the month, deactivated before its
        // end, or never billable (settled at once).
        let mut cold = vec![0u64; n.div_ceil(64)];
        for l in 0..n {
            let c = lic(&self.ctx, input, l);
            match c.base {
                None => set(&mut self.done, l),
                Some(base) if base >= 0 || c.stop < end => set(&mut cold, l),
                Some(_) => {}
            }
        }
        let peak = self.ctx.rule == BillingRule::Peak;
        let snap = self.ctx.snap;
        let first = self.first_licence;
        for (blk, (ls, ts)) in input
            .licence
            .chunks(BLOCK)
            .zip(input.at.chunks(BLOCK))
            .enumerate()
        {
            let mut pending = 0u64;
            let mut in_range = true;
            for &l in ls {
                let li = l.wrapping_sub(first) as usize;
                in_range &= li < n;
                let d = self.done.get(li >> 6).copied().unwrap_or(u64::MAX);
                pending |= !d & (1u64 << (li & 63));
            }
            if pending == 0 && in_range {
                continue;
            }
            for (k, (&l, &t)) in ls.iter().zip(ts).enumerate() {
                let li = l.wrapping_sub(first) as usize;
                let Some(s) = self.state.get_mut(li) else {
                    return Err(BillingError::LicenceOutOfRange {
                        row: blk * BLOCK + k,
                        licence: l,
                        licences: n,
                    });
                };
                if bit(&self.done, li) {
                    continue;
                }
                let t = t.saturating_sub(origin);
                let mut stop = end;
                if t < 0 || bit(&cold, li) {
                    // Cold path: rows before the month, licences activated or stopped in it.
                    let c = lic(&self.ctx, input, li);
                    let Some(base) = c.base else { continue };
                    if t < base {
                        continue;
                    }
                    stop = c.stop.min(end);
                }
                if t >= stop {
                    // Later rows of this licence are later still: nothing can change any more.
                    set(&mut self.done, li);
                    continue;
                }
                if s.first == EMPTY {
                    s.first = t as i32;
                    if peak {
                        if let Some(r) = self.run_start.get_mut(li) {
                            *r = t as i32;
                        }
                    }
                } else {
                    let last = i64::from(s.last);
                    if t < last {
                        continue;
                    }
                    if t - last >= lapse {
                        s.mask |= LAPSED;
                        set(&mut self.done, li);
                        continue;
                    }
                    if peak && t > last + late {
                        if let Some(r) = self.run_start.get_mut(li) {
                            self.runs
                                .push((li as u32, *r, s.last.saturating_add(late as i32)));
                            *r = t as i32;
                            set(&mut self.closed, li);
                        }
                    }
                }
                s.last = t as i32;
                let z = (t + late).min(stop);
                s.mask |= self.ctx.mask(t, z);
                if let Some(x) = snap {
                    if t <= x && x < z {
                        set(&mut self.snap, li);
                    }
                }
                if t + late >= end && stop >= end {
                    set(&mut self.done, li);
                }
            }
        }
        Ok(())
    }

    /// Merges `other` into `self`: the same licences from other rows (another time range), or the
    /// licence range right after or before this one.
    ///
    /// # Errors
    /// [`BillingError::PartialMismatch`] when the month, zone, rule or policy differ, the
    /// licence ranges are neither equal nor adjacent, or a licence's rows overlap in time.
    ///
    /// ```
    /// use keyledger::billing::{bulk, BillingRule, Month};
    /// use keyledger::lifecycle::LifecyclePolicy;
    /// let (month, policy) = (Month::new(2026, 11)?, LifecyclePolicy::default());
    /// let mut a = bulk::Partial::for_range(0, 10, month, &keyledger::billing::Zone::utc(), BillingRule::AnyDay, &policy)?;
    /// let b = bulk::Partial::for_range(10, 5, month, &keyledger::billing::Zone::utc(), BillingRule::AnyDay, &policy)?;
    /// a.merge(&b)?;
    /// assert_eq!(a.licences(), 0..15);
    /// let c = bulk::Partial::for_range(0, 15, month, &keyledger::billing::Zone::utc(), BillingRule::Peak, &policy)?;
    /// assert_eq!(a.merge(&c).unwrap_err().code(), "billing.partial_mismatch");
    /// # Ok::<(), keyledger::billing::BillingError>(())
    /// ```
    pub fn merge(&mut self, other: &Partial) -> Result<(), BillingError> {
        if self.ctx != other.ctx {
            return Err(BillingError::PartialMismatch {
                why: "they are for different months, zones, rules or policies".into(),
            });
        }
        let (a, b) = (self.licences(), other.licences());
        if a == b {
            return self.merge_time(other);
        }
        if a.end == b.start {
            self.append(other);
            return Ok(());
        }
        if b.end == a.start {
            let mut x = other.clone();
            x.append(self);
            *self = x;
            return Ok(());
        }
        Err(BillingError::PartialMismatch {
            why: format!(
                "licences {}..{} and {}..{} are neither the same nor adjacent",
                a.start, a.end, b.start, b.end
            ),
        })
    }

    fn append(&mut self, other: &Partial) {
        let n = self.state.len();
        let m = other.state.len();
        let words = (n + m).div_ceil(64);
        let cat = |x: &[u64], y: &[u64]| -> Vec<u64> {
            if x.is_empty() && y.is_empty() {
                return Vec::new();
            }
            let mut v = x.to_vec();
            v.resize(words, 0);
            for i in 0..m {
                if bit(y, i) {
                    set(&mut v, n + i);
                }
            }
            v
        };
        self.done = cat(&self.done, &other.done);
        self.snap = cat(&self.snap, &other.snap);
        self.closed = cat(&self.closed, &other.closed);
        self.state.extend_from_slice(&other.state);
        self.run_start.extend_from_slice(&other.run_start);
        self.runs
            .extend(other.runs.iter().map(|&(l, a, z)| (l + n as u32, a, z)));
    }

    fn merge_time(&mut self, other: &Partial) -> Result<(), BillingError> {
        let (late, lapse) = (self.ctx.late, self.ctx.lapse);
        let peak = self.ctx.rule == BillingRule::Peak;
        // Runs of `other` (or of `self`) dropped because their licence lapsed before them.
        let mut drop_self = Vec::new();
        let mut drop_other = vec![0u64; if peak { other.done.len() } else { 0 }];
        for l in 0..self.state.len() {
            let (Some(x), Some(&y)) = (self.state.get(l).copied(), other.state.get(l)) else {
                continue;
            };
            if bit(&other.done, l) {
                set(&mut self.done, l);
            }
            if y.first == EMPTY {
                if peak && bit(&other.closed, l) {
                    set(&mut self.closed, l);
                }
                continue;
            }
            let other_snap = bit(&other.snap, l);
            let other_closed = bit(&other.closed, l);
            let other_run = other.run_start.get(l).copied().unwrap_or(0);
            if x.first == EMPTY {
                if let Some(s) = self.state.get_mut(l) {
                    *s = y;
                }
                if other_snap {
                    set(&mut self.snap, l);
                }
                if peak {
                    if let Some(r) = self.run_start.get_mut(l) {
                        *r = other_run;
                    }
                    if other_closed {
                        set(&mut self.closed, l);
                    }
                }
                continue;
            }
            // `e` is the earlier of the two, `z` the later.
            let self_first = x.first <= y.first;
            let (e, z) = if self_first { (x, y) } else { (y, x) };
            let (e_run, z_run, z_closed, e_closed) = if self_first {
                (
                    self.run_start.get(l).copied().unwrap_or(0),
                    other_run,
                    other_closed,
                    bit(&self.closed, l),
                )
            } else {
                (
                    other_run,
                    self.run_start.get(l).copied().unwrap_or(0),
                    bit(&self.closed, l),
                    other_closed,
                )
            };
            let gap = i64::from(z.first) - i64::from(e.last);
            let merged = if e.mask & LAPSED != 0 || gap >= lapse {
                // The later part is ignored: the activation lapsed before it.
                if peak {
                    if self_first {
                        set(&mut drop_other, l);
                    } else {
                        drop_self.push(l as u32);
                    }
                }
                set(&mut self.done, l);
                let snap_e = if self_first {
                    bit(&self.snap, l)
                } else {
                    other_snap
                };
                if snap_e {
                    set(&mut self.snap, l);
                } else {
                    clear(&mut self.snap, l);
                }
                if peak {
                    if let Some(r) = self.run_start.get_mut(l) {
                        *r = e_run;
                    }
                    if e_closed {
                        set(&mut self.closed, l);
                    } else {
                        clear(&mut self.closed, l);
                    }
                }
                State {
                    first: e.first,
                    last: e.last,
                    mask: e.mask | LAPSED,
                }
            } else if gap < 0 {
                return Err(BillingError::PartialMismatch {
                    why: format!(
                        "the call-homes of licence {} overlap in time",
                        self.first_licence as usize + l
                    ),
                });
            } else {
                if other_snap {
                    set(&mut self.snap, l);
                }
                if peak {
                    let joined = gap <= late;
                    if !joined || z_closed {
                        self.runs
                            .push((l as u32, e_run, e.last.saturating_add(late as i32)));
                        set(&mut self.closed, l);
                    }
                    if e_closed || z_closed {
                        set(&mut self.closed, l);
                    }
                    if let Some(r) = self.run_start.get_mut(l) {
                        *r = if joined && !z_closed { e_run } else { z_run };
                    }
                }
                State {
                    first: e.first,
                    last: z.last,
                    mask: e.mask | z.mask,
                }
            };
            if let Some(s) = self.state.get_mut(l) {
                *s = merged;
            }
        }
        if peak {
            if !drop_self.is_empty() {
                drop_self.sort_unstable();
                self.runs.retain(|r| drop_self.binary_search(&r.0).is_err());
            }
            self.runs.extend(
                other
                    .runs
                    .iter()
                    .filter(|r| !bit(&drop_other, r.0 as usize))
                    .copied(),
            );
        }
        Ok(())
    }

    /// The month's result for this partial's licences (`input`: their licence columns; the rows
    /// are not read).
    ///
    /// # Errors
    /// [`BillingError::ColumnLength`], [`BillingError::GroupOutOfRange`], [`BillingError::Overflow`].
    pub fn finish(&self, input: &BulkInput<'_>) -> Result<BulkResult, BillingError> {
        self.check_columns(input)?;
        let mut acc = Acc::new(&self.ctx, self.state.len(), input.groups);
        self.finish_into(input, &mut acc, |l| l);
        acc.result()
    }

    /// Adds this partial's licences to `acc`, licence `l` of the partial as `to(l)` in `acc`.
    pub(super) fn finish_into(
        &self,
        input: &BulkInput<'_>,
        acc: &mut Acc,
        to: impl Fn(usize) -> usize,
    ) {
        let ctx = &self.ctx;
        let (late, lapse) = (ctx.late, ctx.lapse);
        let peak = ctx.rule == BillingRule::Peak;
        let mut runs = if peak { self.runs.clone() } else { Vec::new() };
        runs.sort_unstable();
        let mut next_run = 0usize;
        let mut scratch: Vec<(i64, i64)> = Vec::new();
        for l in 0..self.state.len() {
            let c = lic(ctx, input, l);
            let own_from = next_run;
            while runs.get(next_run).is_some_and(|r| r.0 as usize == l) {
                next_run += 1;
            }
            let Some(base) = c.base else { continue };
            let st = self.state.get(l).copied().unwrap_or(EMPTY_STATE);
            let stop = c.stop;
            let end_of = |x: i64| (x + late).min(stop);
            let mut mask = ctx.mask(base, end_of(base));
            let mut snap = ctx.snap.is_some_and(|x| base <= x && x < end_of(base));
            let mut last = base;
            scratch.clear();
            if st.first != EMPTY && i64::from(st.first) - base < lapse {
                mask |= st.mask & !LAPSED;
                snap |= bit(&self.snap, l);
                last = i64::from(st.last);
                if peak {
                    let closed = bit(&self.closed, l);
                    let joined = i64::from(st.first) <= base + late;
                    if !joined || closed {
                        scratch.push((base, base + late));
                    }
                    scratch.extend(
                        runs.get(own_from..next_run)
                            .unwrap_or(&[])
                            .iter()
                            .map(|r| (i64::from(r.1), i64::from(r.2))),
                    );
                    let start = if joined && !closed {
                        base
                    } else {
                        i64::from(self.run_start.get(l).copied().unwrap_or(0))
                    };
                    scratch.push((start, last + late));
                }
            } else if peak {
                scratch.push((base, base + late));
            }
            let act = input.activated_at.get(l).copied().unwrap_or(i64::MAX);
            let g = usize::from(input.group.get(l).copied().unwrap_or(0));
            let at = at_rule(ctx, last, stop, act, snap);
            acc.licence(to(l), g, mask, at, &mut scratch, stop);
        }
    }
}

/// Whether a licence whose latest accepted contact is `last` is billable at `ctx`'s rule instant
/// or window (see [`BillingRule::bills`]); `snap`: billable at the snapshot.
pub(super) fn at_rule(ctx: &Ctx, last: i64, stop: i64, act: i64, snap: bool) -> bool {
    let end = ctx.end();
    let end_of = (last + ctx.late).min(stop);
    match ctx.rule {
        BillingRule::EndOfMonth => last < end && end - 1 < end_of,
        BillingRule::Snapshot { .. } => snap,
        BillingRule::RollingWindow {
            days,
            first_month_free,
        } => {
            let from = end - i64::from(days) * 86_400;
            let gone = stop <= 0 || last + ctx.lapse <= 0;
            let new = first_month_free && act >= ctx.origin && act - ctx.origin < end;
            !gone && last < end && end_of > from && !new
        }
        _ => false,
    }
}

/// The result being assembled: days, billed flags, bucket counts and `Peak`'s events.
pub(super) struct Acc {
    rule: BillingRule,
    end: i64,
    days_in_month: u32,
    days: Vec<u8>,
    billed: Vec<bool>,
    groups: Vec<BulkGroup>,
    /// Peak: per bucket, runs open at the month's start, and `2 × instant + (1: start, 0: end)`.
    open: Vec<i64>,
    events: Vec<Vec<i64>>,
    /// Each licence's day mask, when asked for ([`Acc::keep_masks`]: explanations).
    pub(super) masks: Option<Vec<u32>>,
}

impl Acc {
    pub(super) fn new(ctx: &Ctx, licences: usize, groups: usize) -> Acc {
        let peak = ctx.rule == BillingRule::Peak;
        Acc {
            rule: ctx.rule,
            end: ctx.end(),
            days_in_month: ctx.days(),
            days: vec![0; licences],
            billed: vec![false; licences],
            groups: (0..groups)
                .map(|_| BulkGroup {
                    licences: 0,
                    billable_days: 0,
                    quantity: Decimal::ZERO,
                })
                .collect(),
            open: vec![0; if peak { groups } else { 0 }],
            events: vec![Vec::new(); if peak { groups } else { 0 }],
            masks: None,
        }
    }

    /// Keeps each licence's day mask in [`Acc::masks`].
    pub(super) fn keep_masks(&mut self) {
        self.masks = Some(vec![0; self.days.len()]);
    }

    /// One licence: its day mask, whether billable at the rule's instant, and (`Peak`) its
    /// billable runs `[from, until)` before clipping to the month and to `stop` (reordered).
    pub(super) fn licence(
        &mut self,
        l: usize,
        g: usize,
        mask: u32,
        at_rule: bool,
        runs: &mut [(i64, i64)],
        stop: i64,
    ) {
        let d = (mask & !LAPSED).count_ones();
        if let Some(m) = self.masks.as_mut().and_then(|m| m.get_mut(l)) {
            *m = mask & !LAPSED;
        }
        if let Some(x) = self.days.get_mut(l) {
            *x = d as u8;
        }
        if !self.rule.bills(d, self.days_in_month, at_rule) {
            return;
        }
        if let Some(b) = self.billed.get_mut(l) {
            *b = true;
        }
        if let Some(gr) = self.groups.get_mut(g) {
            gr.licences += 1;
            gr.billable_days += u64::from(d);
        }
        let end = self.end;
        let (Some(ev), Some(open)) = (self.events.get_mut(g), self.open.get_mut(g)) else {
            return;
        };
        runs.sort_unstable();
        let mut emit = |a: i64, z: i64| {
            let (a, z) = (a.max(0), z.min(stop).min(end));
            if a >= z {
                return;
            }
            if a == 0 {
                *open += 1;
            } else {
                ev.push(a * 2 + 1);
            }
            if z < end {
                ev.push(z * 2);
            }
        };
        let mut cur: Option<(i64, i64)> = None;
        for &(a, z) in runs.iter() {
            cur = match cur {
                Some((ca, cz)) if a <= cz => Some((ca, cz.max(z))),
                Some((ca, cz)) => {
                    emit(ca, cz);
                    Some((a, z))
                }
                None => Some((a, z)),
            };
        }
        if let Some((ca, cz)) = cur {
            emit(ca, cz);
        }
    }

    pub(super) fn result(mut self) -> Result<BulkResult, BillingError> {
        for gr in &mut self.groups {
            gr.quantity = quantity(
                self.rule,
                gr.licences,
                gr.billable_days,
                self.days_in_month,
                || 0,
            )?;
        }
        if self.rule == BillingRule::Peak {
            for ((gr, mut ev), open) in self.groups.iter_mut().zip(self.events).zip(self.open) {
                // Ends (even keys) sort before starts at the same instant: [from, until).
                ev.sort_unstable();
                let (mut now, mut max) = (open, open);
                for e in ev {
                    now += if e & 1 == 1 { 1 } else { -1 };
                    max = max.max(now);
                }
                gr.quantity = Decimal::from(max.max(0));
            }
        }
        Ok(BulkResult {
            days: self.days,
            billed: self.billed,
            groups: self.groups,
        })
    }
}
