//! `bulk::bill` in one pass without any row order: per licence the first and last call-home and
//! the days with a call-home (`min`, `max`, `bit_or`), which decide every rule exactly unless a
//! licence's call-homes leave a gap long enough that it might have lapsed (or, for `Peak`, gone
//! unbillable and come back). Those few licences are billed again from their rows with the
//! ordered fold of [`Partial`], so the answer is always exact.

use super::bulk::{validate, BulkInput, BulkResult};
use super::partial::{at_rule, bit, lic, set, Acc, Ctx, Partial};
use super::{BillingError, BillingRule, Month};
use crate::lifecycle::LifecyclePolicy;

/// Transposes a 64 × 64 bit matrix: bit `j` of row `i` becomes bit `i` of row `j`.
fn transpose(m: &mut [u64; 64]) {
    let mut j = 32usize;
    let mut mask = 0x0000_0000_FFFF_FFFFu64;
    while j != 0 {
        let mut k = 0usize;
        while k < 64 {
            let (a, b) = (m[k], m[k + j]);
            let t = ((a >> j) ^ b) & mask;
            m[k] = a ^ (t << j);
            m[k + j] = b ^ t;
            k = (k + j + 1) & !j;
        }
        j >>= 1;
        mask ^= mask << j;
    }
}

/// `x` with every set bit copied to the next `k` positions (k < 64).
#[inline]
fn smear(x: u64, k: u32) -> u64 {
    let mut out = x;
    let mut have = 0u32; // out covers shifts 0..=have
    while have < k {
        let step = (have + 1).min(k - have);
        out |= out << step;
        have += step;
    }
    out
}

/// The smallest distance in days between two consecutive call-home days for which the gap in
/// seconds can exceed `limit` (`> limit`, or `≥ limit` with `inclusive`), days at most
/// `longest` seconds long.
fn risky_distance(limit: i64, longest: i64, inclusive: bool) -> u32 {
    let mut dd = 1i64;
    while dd < 64 {
        let sup = (dd + 1) * longest; // gaps are < sup
        if (inclusive && sup > limit) || (!inclusive && sup - 1 > limit) {
            break;
        }
        dd += 1;
    }
    dd as u32
}

/// Whether two consecutive set bits of `x` are `dd` or more apart.
#[inline]
fn has_gap(x: u32, dd: u32) -> bool {
    if dd >= 32 {
        return false;
    }
    let x = u64::from(x);
    // Positions within dd - 1 after some call-home day.
    let near = smear(x << 1, dd.saturating_sub(2));
    let lowest = x & x.wrapping_neg();
    x & !near & !lowest != 0
}

pub(super) fn bill(
    input: &BulkInput<'_>,
    month: Month,
    zone: &str,
    rule: BillingRule,
    policy: &LifecyclePolicy,
) -> Result<BulkResult, BillingError> {
    let n = validate(input)?;
    let ctx = Ctx::new(month, zone, rule, policy)?;
    let (end, late, lapse, origin) = (ctx.end(), ctx.late, ctx.lapse, ctx.origin);
    let peak = rule == BillingRule::Peak;
    // In a month of 24-hour days with a whole-day policy, a call-home on day d is billable on days
    // d..=d + spread: the day mask follows from the call-home days.
    let derive = ctx.uniform && late > 0 && (late - 1) % 86_400 == 0;
    let spread = ((late - 1) / 86_400).clamp(0, 63) as u32;
    let longest = ctx
        .starts
        .windows(2)
        .map(|w| w[1] - w[0])
        .max()
        .unwrap_or(86_400);
    let lapse_dd = risky_distance(lapse, longest, true);
    let break_dd = risky_distance(late, longest, false);
    let gap_dd = if peak {
        lapse_dd.min(break_dd)
    } else {
        lapse_dd
    };
    if gap_dd <= 1 {
        // Policies shorter than two days: call-homes of one day may already lapse. Ordered fold.
        let mut p = Partial::new(n, month, zone, rule, policy)?;
        let mut rows: Vec<(u32, i64)> = input
            .licence
            .iter()
            .copied()
            .zip(input.at.iter().copied())
            .collect();
        rows.sort_unstable();
        let licence: Vec<u32> = rows.iter().map(|r| r.0).collect();
        let at: Vec<i64> = rows.iter().map(|r| r.1).collect();
        p.update(&BulkInput {
            licence: &licence,
            at: &at,
            ..*input
        })?;
        return p.finish(input);
    }

    let words = n.div_ceil(64);
    let days_n = ctx.days() as usize;
    // Bitmap per local day: the licences with a call-home that day (time-sorted rows touch one
    // 128 KB bitmap per day per million licences, which stays in cache).
    let mut on_day = vec![0u64; words * days_n];
    let mut imask = if derive { Vec::new() } else { vec![0u32; n] };
    let snap = ctx.snap.unwrap_or(i64::MIN);
    // Cold: never billable, activated in the month, or stopped before its end; their rows read
    // the licence columns. Exact: licences billed again with the ordered fold.
    let mut cold = vec![0u64; words];
    let mut exact = vec![0u64; words];
    // The accepting window [from, until) of each cold licence (empty: never billable), found by
    // rank in the cold bitmap: all of it stays in cache.
    let mut windows: Vec<(i64, i64)> = Vec::new();
    let mut rank = vec![0u32; words];
    for l in 0..n {
        if l & 63 == 0 {
            if let Some(r) = rank.get_mut(l >> 6) {
                *r = windows.len() as u32;
            }
        }
        let c = lic(&ctx, input, l);
        match c.base {
            Some(base) if base < 0 && c.stop >= end => {}
            Some(base) => {
                set(&mut cold, l);
                windows.push((base, c.stop.min(end)));
            }
            None => {
                set(&mut cold, l);
                windows.push((0, 0));
            }
        }
    }
    // One call-home row, any case.
    macro_rules! row {
        ($i:expr, $l:expr, $t:expr) => {{
            let (i, l, t): (usize, u32, i64) = ($i, $l, $t);
            let li = l as usize;
            if li >= n {
                return Err(BillingError::LicenceOutOfRange {
                    row: i,
                    licence: l,
                    licences: n,
                });
            }
            let t = t.saturating_sub(origin);
            let mut stop = end;
            let mut keep = true;
            if (t as u64) >= (end as u64) || bit(&cold, li) {
                let (from, until) = if bit(&cold, li) {
                    let word = cold.get(li >> 6).copied().unwrap_or(0);
                    let below = word & ((1u64 << (li & 63)) - 1);
                    let k = rank.get(li >> 6).copied().unwrap_or(0) as usize
                        + below.count_ones() as usize;
                    windows.get(k).copied().unwrap_or((0, 0))
                } else {
                    (i64::MIN, end)
                };
                if t < from || t >= until {
                    keep = false;
                } else if t < 0 {
                    // A call-home before the month (after the base contact): rare, billed exactly.
                    set(&mut exact, li);
                    keep = false;
                }
                stop = until;
            }
            if keep {
                let d = ctx.day(t) as usize;
                if let Some(w) = on_day.get_mut(d * words + (li >> 6)) {
                    *w |= 1u64 << (li & 63);
                }
                if !derive {
                    if let Some(m) = imask.get_mut(li) {
                        *m |= ctx.mask(t, (t + late).min(stop));
                    }
                }
            }
        }};
    }
    // The hot path in blocks of rows in one 24-hour day of the month (a time-sorted export stays
    // within one day for a million rows): one bit set per row in the day's bitmap, which stays in
    // cache; rows of cold licences and blocks that straddle days take the general path.
    const B: usize = 32;
    let mut done_rows = 0usize;
    if derive {
        let (mut day_lo, mut day_hi, mut day_base) = (0i64, 0i64, 0usize);
        let fits = |ls: &[u32], ts: &[i64], lo: i64, hi: i64| {
            let mut ok = true;
            for (&l, &t) in ls.iter().zip(ts) {
                let t = t.wrapping_sub(origin);
                ok &= (l as usize) < n && t >= lo && t < hi;
            }
            ok
        };
        for (blk, (ls, ts)) in input
            .licence
            .chunks_exact(B)
            .zip(input.at.chunks_exact(B))
            .enumerate()
        {
            let mut ok = fits(ls, ts, day_lo, day_hi);
            if !ok {
                let t0 = ts.first().map_or(-1, |t| t.wrapping_sub(origin));
                if (t0 as u64) < (end as u64) {
                    day_lo = (t0 / 86_400) * 86_400;
                    day_hi = day_lo + 86_400;
                    day_base = (t0 / 86_400) as usize * words;
                    ok = fits(ls, ts, day_lo, day_hi);
                }
            }
            if ok {
                // Rows of cold licences too: their bits are filtered when the licence is finished
                // (days before the activation, after the stop).
                for &l in ls {
                    let li = l as usize;
                    if let Some(w) = on_day.get_mut(day_base + (li >> 6)) {
                        *w |= 1u64 << (li & 63);
                    }
                }
            } else {
                for (k, (&l, &t)) in ls.iter().zip(ts).enumerate() {
                    row!(blk * B + k, l, t);
                }
            }
            done_rows += B;
        }
    }
    for (i, (&l, &t)) in input
        .licence
        .iter()
        .zip(input.at)
        .enumerate()
        .skip(done_rows)
    {
        row!(i, l, t);
    }

    let mut acc = Acc::new(&ctx, n, input.groups);
    let mut again: Vec<u32> = Vec::new();
    let mut runs: Vec<(i64, i64)> = Vec::with_capacity(4);
    let month_mask = ((1u64 << ctx.days()) - 1) as u32;
    let day_start = |d: u32| ctx.starts.get(d as usize).copied().unwrap_or(end);
    let uses_last = matches!(
        rule,
        BillingRule::EndOfMonth | BillingRule::RollingWindow { .. }
    );
    let snapping = ctx.snap.is_some();
    let (mut snap_inside, mut snap_edge) = (0u32, 0u32);
    if snapping {
        let lo = snap - late + 1;
        for d in 0..ctx.days() {
            let (a, z) = (day_start(d), day_start(d + 1) - 1);
            if a >= lo && z <= snap {
                snap_inside |= 1 << d;
            } else if z >= lo && a <= snap {
                snap_edge |= 1 << d;
            }
        }
    }
    let mut block = [0u64; 64];
    for w in 0..words {
        // The call-home days of the word's 64 licences: a 64 × 64 bit transpose.
        block.fill(0);
        for (d, row) in block.iter_mut().enumerate().take(days_n) {
            *row = on_day.get(d * words + w).copied().unwrap_or(0);
        }
        transpose(&mut block);
        for (b, &row) in block.iter().enumerate() {
            let l = w * 64 + b;
            if l >= n {
                break;
            }
            let mut cm = row as u32;
            let c = lic(&ctx, input, l);
            let Some(base) = c.base else { continue };
            if bit(&exact, l) {
                again.push(l as u32);
                continue;
            }
            let stop = c.stop;
            // Bits set by the block path for rows before the base contact or after the stop.
            if base >= end || stop <= 0 {
                cm = 0;
            } else {
                if base >= 0 {
                    cm &= !(((1u64 << ctx.day(base)) - 1) as u32);
                }
                if stop < end {
                    let ds = ctx.day(stop - 1);
                    cm &= ((2u64 << ds) - 1) as u32;
                    if stop != day_start(ds + 1) && cm & (1 << ds) != 0 {
                        // A call-home on the stop's day: before or after the stop?
                        again.push(l as u32);
                        continue;
                    }
                }
            }
            let end_of = |x: i64| (x + late).min(stop);
            let mut mask = ctx.mask(base, end_of(base));
            let mut on = base <= snap && snap < end_of(base);
            let mut last = base;
            runs.clear();
            let mut contacts = false;
            if cm != 0 {
                let (df, dl) = (cm.trailing_zeros(), 31 - cm.leading_zeros());
                let (first_lo, first_hi) = (day_start(df), day_start(df + 1) - 1);
                let (last_lo, last_hi) = (day_start(dl), day_start(dl + 1) - 1);
                let lapsed = (first_lo - base >= lapse, first_hi - base >= lapse);
                if lapsed.0 != lapsed.1 || (!lapsed.0 && has_gap(cm, gap_dd)) {
                    again.push(l as u32);
                    continue;
                }
                if !lapsed.0 {
                    contacts = true;
                    mask |= if derive {
                        let mut m = smear(u64::from(cm), spread) as u32 & month_mask;
                        if stop < end {
                            let d = ctx.day(stop - 1);
                            m &= ((2u64 << d) - 1) as u32;
                        }
                        m
                    } else {
                        imask.get(l).copied().unwrap_or(0)
                    };
                    if snapping && snap < stop {
                        // A call-home in (snap − late, snap] on a day wholly inside: billable at
                        // the snapshot; only on the two edge days: not known from the days.
                        if cm & snap_inside != 0 {
                            on = true;
                        } else if !on && cm & snap_edge != 0 {
                            again.push(l as u32);
                            continue;
                        }
                    }
                    last = last_lo;
                    let act = input.activated_at.get(l).copied().unwrap_or(i64::MAX);
                    if uses_last
                        && at_rule(&ctx, last_lo, stop, act, on)
                            != at_rule(&ctx, last_hi, stop, act, on)
                    {
                        again.push(l as u32);
                        continue;
                    }
                    if peak {
                        let run_end = |x: i64| (x + late).min(stop).min(end);
                        if first_hi > base + late || run_end(last_lo) != run_end(last_hi) {
                            again.push(l as u32);
                            continue;
                        }
                        runs.push((base, run_end(last_lo)));
                    }
                }
            }
            if peak && !contacts {
                runs.push((base, base + late));
            }
            let act = input.activated_at.get(l).copied().unwrap_or(i64::MAX);
            let g = usize::from(input.group.get(l).copied().unwrap_or(0));
            let at = at_rule(&ctx, last, stop, act, on);
            acc.licence(l, g, mask, at, &mut runs, stop);
        }
    }
    drop(on_day);
    drop(imask);
    if !again.is_empty() {
        // The few licences the aggregate cannot decide: their rows, in time order, folded.
        let mut rows: Vec<(u32, i64)> = Vec::new();
        let mut pick = vec![0u64; words];
        for &l in &again {
            set(&mut pick, l as usize);
        }
        for (&l, &t) in input.licence.iter().zip(input.at) {
            if bit(&pick, l as usize) {
                if let Ok(k) = again.binary_search(&l) {
                    rows.push((k as u32, t));
                }
            }
        }
        rows.sort_unstable();
        let col = |v: &[i64]| -> Vec<i64> {
            again
                .iter()
                .map(|&l| v.get(l as usize).copied().unwrap_or(0))
                .collect()
        };
        let (act, deact, before) = (
            col(input.activated_at),
            col(input.deactivated_at),
            col(input.last_contact_before),
        );
        let group: Vec<u16> = again
            .iter()
            .map(|&l| input.group.get(l as usize).copied().unwrap_or(0))
            .collect();
        let licence: Vec<u32> = rows.iter().map(|r| r.0).collect();
        let at: Vec<i64> = rows.iter().map(|r| r.1).collect();
        let sub = BulkInput {
            licence: &licence,
            at: &at,
            activated_at: &act,
            deactivated_at: &deact,
            last_contact_before: &before,
            group: &group,
            groups: input.groups,
            time_sorted: false,
        };
        let mut p = Partial::new(again.len(), month, zone, rule, policy)?;
        p.update(&sub)?;
        p.finish_into(&sub, &mut acc, |k| {
            again.get(k).map_or(usize::MAX, |&l| l as usize)
        });
    }
    acc.result()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn transpose_moves_bit_j_of_row_i_to_bit_i_of_row_j(bits in proptest::collection::vec((0usize..64, 0usize..64), 0..80)) {
            let mut m = [0u64; 64];
            for &(i, j) in &bits {
                m[i] |= 1u64 << j;
            }
            let mut t = m;
            transpose(&mut t);
            for (i, row) in m.iter().enumerate() {
                for (j, col) in t.iter().enumerate() {
                    prop_assert_eq!((row >> j) & 1, (col >> i) & 1);
                }
            }
        }

        #[test]
        fn gaps_between_call_home_days(x in any::<u32>(), dd in 2u32..33) {
            let days: Vec<u32> = (0..32).filter(|d| x & (1 << d) != 0).collect();
            let want = days.windows(2).any(|w| w[1] - w[0] >= dd);
            prop_assert_eq!(has_gap(x, dd), want);
        }

        #[test]
        fn smear_copies_each_bit_k_places_up(x in any::<u32>(), k in 0u32..40) {
            let want = (0..=k).fold(0u64, |m, j| m | (u64::from(x) << j));
            prop_assert_eq!(smear(u64::from(x), k), want);
        }
    }
}
