//! `bulk::bill` in one pass without any row order: per licence the first and last call-home and
//! the days with a call-home (`min`, `max`, `bit_or`), which decide every rule exactly unless a
//! licence's call-homes leave a gap long enough that it might have lapsed (or, for `Peak`, gone
//! unbillable and come back). Those few licences are billed again from their rows with the
//! ordered fold of [`Partial`], so the answer is always exact.

use super::bulk::{validate, BulkInput, BulkResult};
use super::partial::{at_rule, bit, lic, set, Acc, Ctx, Partial};
use super::Zone;
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

/// The snapshot window `(snap − late, snap]`'s edge days that it covers only in part: the day of
/// its first second (with that second) and the snapshot's own day (with the snapshot), when they
/// are two different days of the month. `None` for a day not needed or when the edges fall on one
/// day (its licences are billed from their rows).
#[allow(clippy::type_complexity)]
fn snapshot_edges(
    ctx: &Ctx,
    snap: i64,
    late: i64,
    snapping: bool,
) -> (Option<(u32, i64)>, Option<(u32, i64)>) {
    if !snapping {
        return (None, None);
    }
    let end = ctx.end();
    let lo = snap.saturating_sub(late).saturating_add(1);
    let day_start = |d: u32| ctx.starts.get(d as usize).copied().unwrap_or(end);
    let lower = (lo > 0 && lo < end)
        .then(|| ctx.day(lo))
        .filter(|&d| day_start(d) != lo)
        .map(|d| (d, lo));
    let upper = (snap >= 0 && snap < end)
        .then(|| ctx.day(snap))
        .filter(|&d| day_start(d + 1) - 1 != snap)
        .map(|d| (d, snap));
    match (lower, upper) {
        (Some((a, _)), Some((b, _))) if a == b => (None, None),
        x => x,
    }
}

pub(super) fn bill(
    input: &BulkInput<'_>,
    month: Month,
    zone: &Zone,
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
    let uses_last = matches!(
        rule,
        BillingRule::EndOfMonth | BillingRule::RollingWindow { .. }
    );
    let snapping = ctx.snap.is_some();
    // Days where a threshold the rule needs falls inside the day, so that the call-home days
    // alone do not decide it; the rows of those days set a bit per licence: whether one of its
    // call-homes that day is on the threshold's side that counts (a bitmap that stays in cache).
    // - EndOfMonth, RollingWindow: the day of the threshold for the last call-home (billable at
    //   the month's end iff the last call-home is at or after `end − late`; in the window iff at or
    //   after `from − late + 1`): "a call-home that day at or after the threshold".
    // - Snapshot: the window `(snap − late, snap]`'s first day ("a call-home at or after its first
    //   second") and the snapshot's day ("a call-home at or before the snapshot").
    let threshold = match rule {
        BillingRule::EndOfMonth => Some(end.saturating_sub(late)),
        BillingRule::RollingWindow { days, .. } => Some(
            (end - i64::from(days) * 86_400)
                .saturating_sub(late)
                .saturating_add(1),
        ),
        _ => None,
    };
    let inside_day = |x: i64| {
        (x > 0 && x < end)
            .then(|| ctx.day(x))
            .filter(|&d| ctx.starts.get(d as usize) != Some(&x))
            .map(|d| (d, x))
    };
    let watch_last = threshold.and_then(inside_day);
    let (edge_lo, edge_hi) = snapshot_edges(&ctx, snap, late, snapping);
    // (day, at or after) and (day, at or before).
    let watch = [watch_last.or(edge_lo), edge_hi];
    let mut w_after = vec![0u64; if watch[0].is_some() { words } else { 0 }];
    let mut w_before = vec![0u64; if watch[1].is_some() { words } else { 0 }];
    let (after_t, before_t) = (
        watch[0].map_or(i64::MAX, |w| w.1),
        watch[1].map_or(i64::MIN, |w| w.1),
    );
    let watch_days = watch.map(|w| w.map_or(usize::MAX, |w| w.0 as usize));
    // Per day, the first and the last row index with a row of that day (rows of the day lie in
    // between): the second pass for Peak reads only the rows up to the day it needs.
    let mut day_rows = vec![(usize::MAX, 0usize); days_n];
    macro_rules! hooks {
        ($li:expr, $t:expr, $d:expr) => {{
            let (li, t, d): (usize, i64, usize) = ($li, $t, $d);
            if d == watch_days[0] && t >= after_t {
                set(&mut w_after, li);
            }
            if d == watch_days[1] && t <= before_t {
                set(&mut w_before, li);
            }
        }};
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
                if let Some(r) = day_rows.get_mut(d) {
                    *r = (r.0.min(i), r.1.max(i + 1));
                }
                hooks!(li, t, d);
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
        let (mut day_lo, mut day_hi, mut day) = (0i64, 0i64, 0usize);
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
                    day = (t0 / 86_400) as usize;
                    ok = fits(ls, ts, day_lo, day_hi);
                }
            }
            if ok {
                let day_base = day * words;
                // Rows of cold licences too: their bits are filtered when the licence is finished
                // (days before the activation, after the stop).
                for &l in ls {
                    let li = l as usize;
                    if let Some(w) = on_day.get_mut(day_base + (li >> 6)) {
                        *w |= 1u64 << (li & 63);
                    }
                }
                if let Some(r) = day_rows.get_mut(day) {
                    *r = (r.0.min(blk * B), r.1.max(blk * B + B));
                }
                if watch_days.contains(&day) {
                    for (&l, &t) in ls.iter().zip(ts) {
                        hooks!(l as usize, t.wrapping_sub(origin), day);
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
    // Whether some licence in `again` needs all rows read, or else the last day whose rows are.
    let (mut full_scan, mut scan_day) = (false, 0usize);
    let mut runs: Vec<(i64, i64)> = Vec::with_capacity(4);
    let month_mask = ((1u64 << ctx.days()) - 1) as u32;
    let day_start = |d: u32| ctx.starts.get(d as usize).copied().unwrap_or(end);
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
    let edge_bits = edge_lo.map_or(0u32, |(d, _)| 1 << d) | edge_hi.map_or(0u32, |(d, _)| 1 << d);
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
                full_scan = true;
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
                        full_scan = true;
                        continue;
                    }
                }
            }
            let end_of = |x: i64| x.saturating_add(late).min(stop);
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
                    full_scan = true;
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
                            // The edge days' earliest/latest call-home decide it, for licences
                            // whose rows are all accepted (not cold).
                            let resolved = !bit(&cold, l) && cm & snap_edge & !edge_bits == 0;
                            if !resolved {
                                again.push(l as u32);
                                full_scan = true;
                                continue;
                            }
                            let lo_in = edge_lo
                                .is_some_and(|(d, _)| cm & (1 << d) != 0 && bit(&w_after, l));
                            let hi_in = edge_hi
                                .is_some_and(|(d, _)| cm & (1 << d) != 0 && bit(&w_before, l));
                            on = lo_in || hi_in;
                        }
                    }
                    // On the watched day: the last call-home's side of the threshold, given as
                    // the threshold or the second before (the rule reads nothing else of it).
                    let exact_last = watch_last.filter(|w| w.0 == dl && !bit(&cold, l)).map(|w| {
                        if bit(&w_after, l) {
                            w.1
                        } else {
                            w.1 - 1
                        }
                    });
                    last = exact_last.unwrap_or(last_lo);
                    let act = input.activated_at.get(l).copied().unwrap_or(i64::MAX);
                    if uses_last
                        && exact_last.is_none()
                        && at_rule(&ctx, last_lo, stop, act, on)
                            != at_rule(&ctx, last_hi, stop, act, on)
                    {
                        again.push(l as u32);
                        full_scan = true;
                        continue;
                    }
                    if peak {
                        let run_end = |x: i64| (x + late).min(stop).min(end);
                        if first_hi > base + late {
                            again.push(l as u32);
                            full_scan = true;
                            continue;
                        }
                        if exact_last.is_none() && run_end(last_lo) != run_end(last_hi) {
                            // Its rows are all on days up to `dl`.
                            again.push(l as u32);
                            scan_day = scan_day.max(dl as usize);
                            continue;
                        }
                        runs.push((base, run_end(last)));
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
    drop(w_after);
    drop(w_before);
    if !again.is_empty() {
        // The few licences the aggregate cannot decide: their rows, in time order, folded.
        let mut rows: Vec<(u32, i64)> = Vec::new();
        let mut pick = vec![0u64; words];
        for &l in &again {
            set(&mut pick, l as usize);
        }
        // Rows up to the last one of `scan_day` when no licence needs all of them.
        let upto = if full_scan {
            input.licence.len()
        } else {
            day_rows
                .iter()
                .take(scan_day + 1)
                .map(|r| r.1)
                .max()
                .unwrap_or(0)
                .min(input.licence.len())
        };
        let (ls_all, ts_all) = (
            input.licence.get(..upto).unwrap_or(input.licence),
            input.at.get(..upto).unwrap_or(input.at),
        );
        // One bit test per row in a bitmap that stays in cache; a hit's index in `again` is its
        // rank in the bitmap (`again` is in licence order).
        let mut prank = vec![0u32; words];
        let mut total = 0u32;
        for (r, w) in prank.iter_mut().zip(&pick) {
            *r = total;
            total += w.count_ones();
        }
        // The instants are read only for the hits (the licence column is a third of the bytes).
        for (i, &l) in ls_all.iter().enumerate() {
            let li = l as usize;
            let w = pick.get(li >> 6).copied().unwrap_or(0);
            if (w >> (li & 63)) & 1 != 0 {
                let below = (w & ((1u64 << (li & 63)) - 1)).count_ones();
                let k = prank.get(li >> 6).copied().unwrap_or(0) + below;
                rows.push((k, ts_all.get(i).copied().unwrap_or(i64::MAX)));
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
