//! A [`Partial`] as bytes, to cross a shuffle (Spark, Dask, a queue) between the workers that
//! update partials and the one that merges and finishes them.
//!
//! Layout (little-endian, version 1): `b"KLP1"`, the month (`i32` year, `u8` month), the zone
//! (`u16` length, UTF-8), the rule (a tag byte and its parameters), the policy's two thresholds the
//! partial uses (`i64` seconds a contact keeps a licence billable, `i64` lapse), the licence range
//! (`u32` first, `u32` count), then per licence bitmaps (`⌈n/8⌉` bytes each: settled; rows seen;
//! `Snapshot`: billable at the snapshot; `Peak`: has closed runs), the 12-byte state (first and
//! last call-home, day mask) of each licence rows were seen for (`Peak`: and its run start, 4
//! bytes), and `Peak`'s closed runs (`u32` count, 12 bytes each). A licence no row reached costs
//! two or three bits; one seen costs 12 bytes (16 under `Peak`) and those bits.
//!
//! Decoding checks everything (lengths, month, zone, rule, licence range, run licences) before
//! allocating, so hostile bytes give [`BillingError::PartialMismatch`], never a panic or an
//! allocation larger than the input implies.

use super::{Partial, State, EMPTY_STATE};
use crate::billing::{BillingError, BillingRule, Month, Zone};
use crate::lifecycle::LifecyclePolicy;

const MAGIC: &[u8; 4] = b"KLP1";

fn bad(why: &str) -> BillingError {
    BillingError::PartialMismatch {
        why: format!("the bytes are not a keyledger partial: {why}"),
    }
}

fn put_rule(out: &mut Vec<u8>, rule: BillingRule) {
    match rule {
        BillingRule::AnyDay => out.push(0),
        BillingRule::MoreThanDays(n) => out.extend_from_slice(&[1, n]),
        BillingRule::Prorated => out.push(2),
        BillingRule::EndOfMonth => out.push(3),
        BillingRule::Peak => out.push(4),
        BillingRule::RollingWindow {
            days,
            first_month_free,
        } => {
            out.push(5);
            out.extend_from_slice(&days.to_le_bytes());
            out.push(u8::from(first_month_free));
        }
        BillingRule::Snapshot { day, hour } => out.extend_from_slice(&[6, day, hour]),
        BillingRule::HighWaterMark {
            months,
            first_month,
        } => out.extend_from_slice(&[7, months, first_month]),
    }
}

fn put_bits(out: &mut Vec<u8>, words: &[u64], n: usize) {
    let bytes = n.div_ceil(8);
    let mut k = 0;
    for w in words {
        for b in w.to_le_bytes() {
            if k < bytes {
                out.push(b);
                k += 1;
            }
        }
    }
    out.resize(out.len() + (bytes - k), 0);
}

/// A cursor over the input that fails instead of panicking.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], BillingError> {
        if self.rest.len() < n {
            return Err(bad("too short"));
        }
        let (a, b) = self.rest.split_at(n);
        self.rest = b;
        Ok(a)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], BillingError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }
    fn u8(&mut self) -> Result<u8, BillingError> {
        Ok(self.array::<1>()?[0])
    }
    fn u16(&mut self) -> Result<u16, BillingError> {
        Ok(u16::from_le_bytes(self.array()?))
    }
    fn u32(&mut self) -> Result<u32, BillingError> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    fn i32(&mut self) -> Result<i32, BillingError> {
        Ok(i32::from_le_bytes(self.array()?))
    }
    fn i64(&mut self) -> Result<i64, BillingError> {
        Ok(i64::from_le_bytes(self.array()?))
    }
    fn bits(&mut self, n: usize) -> Result<Vec<u64>, BillingError> {
        let raw = self.take(n.div_ceil(8))?;
        let mut words = vec![0u64; n.div_ceil(64)];
        for (w, chunk) in words.iter_mut().zip(raw.chunks(8)) {
            let mut b = [0u8; 8];
            if let Some(dst) = b.get_mut(..chunk.len()) {
                dst.copy_from_slice(chunk);
            }
            *w = u64::from_le_bytes(b);
        }
        // Bits past the last licence are not licences.
        let tail = n % 64;
        if tail > 0 {
            if let Some(last) = words.last_mut() {
                *last &= (1u64 << tail) - 1;
            }
        }
        Ok(words)
    }
    fn rule(&mut self) -> Result<BillingRule, BillingError> {
        Ok(match self.u8()? {
            0 => BillingRule::AnyDay,
            1 => BillingRule::MoreThanDays(self.u8()?),
            2 => BillingRule::Prorated,
            3 => BillingRule::EndOfMonth,
            4 => BillingRule::Peak,
            5 => BillingRule::RollingWindow {
                days: self.u16()?,
                first_month_free: match self.u8()? {
                    0 => false,
                    1 => true,
                    _ => return Err(bad("bad rule")),
                },
            },
            6 => BillingRule::Snapshot {
                day: self.u8()?,
                hour: self.u8()?,
            },
            7 => BillingRule::HighWaterMark {
                months: self.u8()?,
                first_month: self.u8()?,
            },
            _ => return Err(bad("unknown rule")),
        })
    }
}

impl Partial {
    /// This partial as bytes (see [`Partial::from_bytes`]): 12 bytes per licence rows were seen
    /// for (16 under `Peak`), 2–3 bits per licence, plus a header of about 40 bytes.
    ///
    /// ```
    /// use keyledger::billing::{bulk, BillingRule, Month};
    /// use keyledger::lifecycle::LifecyclePolicy;
    /// let nov1 = 1_793_491_200; // 2026-11-01T00:00:00Z
    /// let month = Month::new(2026, 11)?;
    /// let mut p = bulk::Partial::new(2, month, &keyledger::billing::Zone::utc(), BillingRule::AnyDay, &LifecyclePolicy::default())?;
    /// p.update(&bulk::BulkInput { licence: &[1], at: &[nov1 + 5], activated_at: &[nov1, nov1],
    ///     deactivated_at: &[i64::MAX; 2], last_contact_before: &[i64::MIN; 2], group: &[0, 0],
    ///     groups: 1, time_sorted: false })?;
    /// let bytes = p.to_bytes();
    /// assert_eq!(bulk::Partial::from_bytes(&bytes)?, p);
    /// assert!(bytes.len() < 60);
    /// # Ok::<(), keyledger::billing::BillingError>(())
    /// ```
    pub fn to_bytes(&self) -> Vec<u8> {
        let n = self.state.len();
        let peak = self.ctx.rule == BillingRule::Peak;
        let seen: Vec<bool> = (0..n)
            .map(|l| {
                self.state.get(l).is_some_and(|s| *s != EMPTY_STATE)
                    || (peak && self.run_start.get(l).is_some_and(|r| *r != 0))
            })
            .collect();
        let count = seen.iter().filter(|s| **s).count();
        let mut out =
            Vec::with_capacity(48 + n.div_ceil(8) * 4 + count * 16 + self.runs.len() * 12);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.ctx.month.year().to_le_bytes());
        out.push(self.ctx.month.month() as u8);
        let zone = self.ctx.zone.as_bytes();
        out.extend_from_slice(&(zone.len().min(usize::from(u16::MAX)) as u16).to_le_bytes());
        out.extend_from_slice(zone.get(..usize::from(u16::MAX)).unwrap_or(zone));
        put_rule(&mut out, self.ctx.rule);
        out.extend_from_slice(&self.ctx.late.to_le_bytes());
        out.extend_from_slice(&self.ctx.lapse.to_le_bytes());
        out.extend_from_slice(&self.first_licence.to_le_bytes());
        out.extend_from_slice(&(n as u32).to_le_bytes());
        put_bits(&mut out, &self.done, n);
        let mut seen_words = vec![0u64; n.div_ceil(64)];
        for (l, s) in seen.iter().enumerate() {
            if *s {
                super::set(&mut seen_words, l);
            }
        }
        put_bits(&mut out, &seen_words, n);
        if self.ctx.snap.is_some() {
            put_bits(&mut out, &self.snap, n);
        }
        if peak {
            put_bits(&mut out, &self.closed, n);
        }
        for (l, s) in self.state.iter().enumerate() {
            if !seen.get(l).copied().unwrap_or(false) {
                continue;
            }
            out.extend_from_slice(&s.first.to_le_bytes());
            out.extend_from_slice(&s.last.to_le_bytes());
            out.extend_from_slice(&s.mask.to_le_bytes());
            if peak {
                let r = self.run_start.get(l).copied().unwrap_or(0);
                out.extend_from_slice(&r.to_le_bytes());
            }
        }
        if peak {
            out.extend_from_slice(&(self.runs.len() as u32).to_le_bytes());
            for &(l, a, z) in &self.runs {
                out.extend_from_slice(&l.to_le_bytes());
                out.extend_from_slice(&a.to_le_bytes());
                out.extend_from_slice(&z.to_le_bytes());
            }
        }
        out
    }

    /// The partial [`Partial::to_bytes`] wrote.
    ///
    /// # Errors
    /// [`BillingError::PartialMismatch`] when the bytes are not such a partial (truncated, trailing
    /// bytes, another version, a bad month, zone or rule); nothing is allocated beyond what the
    /// input's length implies.
    ///
    /// ```
    /// use keyledger::billing::bulk;
    /// assert_eq!(bulk::Partial::from_bytes(b"KLP1").unwrap_err().code(), "billing.partial_mismatch");
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Partial, BillingError> {
        let mut r = Reader { rest: bytes };
        if r.take(4)? != MAGIC {
            return Err(bad("no KLP1 header"));
        }
        let year = r.i32()?;
        let month = Month::new(year, u32::from(r.u8()?))?;
        let zone_len = usize::from(r.u16()?);
        let zone =
            std::str::from_utf8(r.take(zone_len)?).map_err(|_| bad("the zone is not UTF-8"))?;
        let rule = r.rule()?;
        let late = r.i64()?;
        let lapse = r.i64()?;
        let first = r.u32()?;
        let n = r.u32()? as usize;
        let peak = rule == BillingRule::Peak;
        let snap_rule = matches!(rule, BillingRule::Snapshot { .. });
        let maps = 2 + usize::from(snap_rule) + usize::from(peak);
        // Before allocating anything per licence: the bitmaps must be there.
        if r.rest.len() < maps * n.div_ceil(8) {
            return Err(bad("too short for its licences"));
        }
        let policy = LifecyclePolicy {
            late_after_seconds: late.saturating_sub(1),
            disabled_after_seconds: late.saturating_sub(1),
            lapse_after_seconds: lapse,
        };
        let zone = Zone::get(zone).map_err(|_| bad("the zone is not a known time zone"))?;
        let mut p = Partial::for_range(first, n, month, &zone, rule, &policy)?;
        // The thresholds a policy can have (`LifecyclePolicy::from_days`: at most 3650 days).
        let most = 3650 * 86_400 + 1;
        if !(1..=most).contains(&late) || !(1..=most).contains(&lapse) || p.ctx.late != late {
            return Err(bad("bad policy"));
        }
        p.done = r.bits(n)?;
        let seen = r.bits(n)?;
        if snap_rule {
            p.snap = r.bits(n)?;
        }
        if peak {
            p.closed = r.bits(n)?;
        }
        let per = if peak { 16 } else { 12 };
        let count = seen.iter().map(|w| w.count_ones() as usize).sum::<usize>();
        if r.rest.len() < count * per {
            return Err(bad("too short for its states"));
        }
        for l in 0..n {
            if !super::bit(&seen, l) {
                continue;
            }
            let s = State {
                first: r.i32()?,
                last: r.i32()?,
                mask: r.u32()?,
            };
            if let Some(x) = p.state.get_mut(l) {
                *x = s;
            }
            if peak {
                let start = r.i32()?;
                if let Some(x) = p.run_start.get_mut(l) {
                    *x = start;
                }
            }
        }
        if peak {
            let runs = r.u32()? as usize;
            if r.rest.len() != runs * 12 {
                return Err(bad("bad run count"));
            }
            p.runs.reserve(runs);
            for _ in 0..runs {
                let (l, a, z) = (r.u32()?, r.i32()?, r.i32()?);
                if l as usize >= n {
                    return Err(bad("a run of a licence outside the range"));
                }
                p.runs.push((l, a, z));
            }
        }
        if !r.rest.is_empty() {
            return Err(bad("trailing bytes"));
        }
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::bulk::{self, BulkInput};
    use proptest::prelude::*;

    const NOV1: i64 = 1_793_491_200;
    const DAY: i64 = 86_400;

    fn rules() -> Vec<BillingRule> {
        vec![
            BillingRule::AnyDay,
            BillingRule::STORAGECRAFT,
            BillingRule::Prorated,
            BillingRule::EndOfMonth,
            BillingRule::Peak,
            BillingRule::ROLLING_31,
            BillingRule::RollingWindow {
                days: 10,
                first_month_free: true,
            },
            BillingRule::Snapshot { day: 15, hour: 12 },
            BillingRule::HighWaterMark {
                months: 3,
                first_month: 1,
            },
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Bytes and back give the same partial, which then merges and finishes like the original.
        #[test]
        fn round_trip(rows in proptest::collection::vec((0u32..6, 0i64..40), 0..60), rule in 0usize..9, first in 0u32..3) {
            let rule = rules()[rule];
            let n = 6;
            let mut rows: Vec<(u32, i64)> = rows.into_iter().map(|(l, d)| (l + first, NOV1 + (d - 5) * DAY / 2)).collect();
            rows.sort_by_key(|r| r.1);
            let (ls, ts): (Vec<u32>, Vec<i64>) = rows.into_iter().unzip();
            let act = [NOV1 - 40 * DAY, NOV1 + 3 * DAY, NOV1 - DAY, NOV1, i64::MAX, NOV1 - 3 * DAY];
            let input = BulkInput { licence: &ls, at: &ts, activated_at: &act,
                deactivated_at: &[i64::MAX, i64::MAX, NOV1 + 20 * DAY, i64::MAX, i64::MAX, i64::MAX],
                last_contact_before: &[NOV1 - 2 * DAY, i64::MIN, i64::MIN, i64::MIN, i64::MIN, NOV1 - DAY],
                group: &[0, 1, 0, 1, 0, 0], groups: 2, time_sorted: true };
            let mut p = bulk::Partial::for_range(first, n, Month::new(2026, 11).unwrap(), &Zone::get("Europe/Paris").unwrap(), rule, &LifecyclePolicy::default()).unwrap();
            p.update(&input).unwrap();
            let bytes = p.to_bytes();
            let q = bulk::Partial::from_bytes(&bytes).unwrap();
            prop_assert_eq!(&q, &p);
            prop_assert_eq!(q.finish(&input).unwrap(), p.finish(&input).unwrap());
            // Every strict prefix and every one-byte corruption is refused or decodes: never a panic.
            // (A sample of the positions: each decode builds the month's calendar.)
            for k in (0..bytes.len()).step_by(3) {
                prop_assert!(bulk::Partial::from_bytes(&bytes[..k]).is_err());
                let mut c = bytes.clone();
                c[k] ^= 0x5a;
                let _ = bulk::Partial::from_bytes(&c);
            }
            let mut longer = bytes.clone();
            longer.push(0);
            prop_assert!(bulk::Partial::from_bytes(&longer).is_err());
        }

        /// Arbitrary bytes never panic.
        #[test]
        fn hostile(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let mut b = MAGIC.to_vec();
            b.extend_from_slice(&bytes);
            let _ = bulk::Partial::from_bytes(&b);
            let _ = bulk::Partial::from_bytes(&bytes);
        }
    }

    #[test]
    fn a_huge_count_is_refused_before_allocating() {
        let p = bulk::Partial::new(
            0,
            Month::new(2026, 11).unwrap(),
            &Zone::utc(),
            BillingRule::AnyDay,
            &LifecyclePolicy::default(),
        )
        .unwrap();
        let mut b = p.to_bytes();
        let at = b.len() - 4;
        b[at..].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(
            bulk::Partial::from_bytes(&b).unwrap_err().code(),
            "billing.partial_mismatch"
        );
    }
}
