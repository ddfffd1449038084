//! Where a licence is reported for a period (moves are facts with instants), and its ImageManager
//! jobs in a month.
//!
//! The rule for a month (see `docs/decisions/ledger.md`): the container the key was in at the last
//! instant of the month at which the licence was billable (Active or Late); for a licence not
//! billable in the month, at the month's end, or at the licence's end if that is earlier.

use super::policy::{peak, LicenceMonth};
use super::MonthBounds;
use crate::lifecycle::{LicenceHistory, LicenceState};
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeMap;

/// The instant a month is placed at for `h` (see the module docs).
pub(crate) fn month_instant(
    h: &LicenceHistory,
    b: &MonthBounds,
    m: &LicenceMonth,
) -> DateTime<Utc> {
    let last = b.end() - Duration::nanoseconds(1);
    if let Some(until) = m.intervals.iter().map(|(_, z)| *z).max() {
        return (until - Duration::nanoseconds(1)).clamp(b.start(), last);
    }
    let ended = h
        .spans
        .last()
        .filter(|s| s.state == LicenceState::Deactivated && s.until.is_none())
        .map(|s| s.from - Duration::nanoseconds(1));
    ended.map_or(last, |e| e.min(last)).max(b.start())
}

/// Account and site of `h` for the month.
pub(crate) fn month_placement(
    h: &LicenceHistory,
    b: &MonthBounds,
    m: &LicenceMonth,
) -> (String, Option<String>) {
    if h.placements.is_empty() {
        return (h.account.clone(), h.site.clone());
    }
    let (a, s) = h.placement_at(month_instant(h, b, m));
    (a.to_string(), s.map(str::to_string))
}

/// The most ImageManager jobs of each type running at once during the month.
pub(crate) fn month_jobs(h: &LicenceHistory, b: &MonthBounds) -> BTreeMap<String, u32> {
    type Interval = (DateTime<Utc>, DateTime<Utc>);
    let mut by_type: BTreeMap<&str, Vec<Interval>> = BTreeMap::new();
    for j in &h.jobs {
        let from = j.from.max(b.start());
        let until = j.until.map_or(b.end(), |u| u.min(b.end()));
        if from < until {
            by_type
                .entry(j.job_type.as_str())
                .or_default()
                .push((from, until));
        }
    }
    by_type
        .into_iter()
        .map(|(t, iv)| {
            (
                t.to_string(),
                u32::try_from(peak(iv.into_iter())).unwrap_or(u32::MAX),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::{Month, Zone};
    use crate::catalog::presets;
    use crate::lifecycle::{JobSpan, Placement, StateSpan};
    use chrono::TimeZone;

    fn at(m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, m, d, 12, 0, 0).unwrap()
    }

    fn history(spans: Vec<StateSpan>, moves: &[(DateTime<Utc>, &str)]) -> LicenceHistory {
        LicenceHistory {
            key: "6VWX-KVJH-PE9Z-D362".parse().unwrap(),
            product: presets::SHADOWPROTECT_MSP,
            edition: None,
            account: moves.last().map_or("Now", |m| m.1).into(),
            site: None,
            machine: "m".into(),
            spans,
            activations: vec![],
            deactivations: vec![],
            placements: moves
                .iter()
                .map(|(from, a)| Placement {
                    from: *from,
                    account: (*a).into(),
                    site: None,
                })
                .collect(),
            jobs: vec![],
        }
    }

    fn place(h: &LicenceHistory, month: u32) -> String {
        let b = Month::new(2026, month).unwrap().bounds(&Zone::utc());
        let m = super::super::policy::evaluate(h, &b);
        month_placement(h, &b, &m).0
    }

    #[test]
    fn a_month_goes_to_the_container_of_its_last_billable_instant() {
        let active = |from, until, state| StateSpan { from, until, state };
        // In use all along; moved from Acme to Beta on 20 Nov.
        let h = history(
            vec![active(at(10, 1), None, LicenceState::Active)],
            &[(at(9, 1), "Acme"), (at(11, 20), "Beta")],
        );
        assert_eq!(place(&h, 10), "Acme");
        assert_eq!(place(&h, 11), "Beta");
        assert_eq!(place(&h, 12), "Beta");
        // Ended on 10 Nov, moved on 20 Nov: November stays Acme's.
        let h = history(
            vec![
                active(at(10, 1), Some(at(11, 10)), LicenceState::Active),
                active(at(11, 10), None, LicenceState::Deactivated),
            ],
            &[(at(9, 1), "Acme"), (at(11, 20), "Beta")],
        );
        assert_eq!(place(&h, 11), "Acme");
        // Never billable: where it was at the month's end.
        let h = history(
            vec![active(at(9, 1), None, LicenceState::Unactivated)],
            &[(at(9, 1), "Acme"), (at(11, 20), "Beta")],
        );
        assert_eq!(place(&h, 10), "Acme");
        assert_eq!(place(&h, 11), "Beta");
        // A move exactly at the month's last billable instant's end: the earlier container held it.
        let nov_end = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        let h = history(
            vec![active(at(10, 1), None, LicenceState::Active)],
            &[(at(9, 1), "Acme"), (nov_end, "Beta")],
        );
        assert_eq!(place(&h, 11), "Acme");
        assert_eq!(place(&h, 12), "Beta");
    }

    #[test]
    fn jobs_are_counted_at_their_peak_per_type() {
        let mut h = history(vec![], &[]);
        let job = |t: &str, from, until| JobSpan {
            job_type: t.into(),
            job_name: "j".into(),
            machine: "m".into(),
            from,
            until,
        };
        h.jobs = vec![
            job("ShadowStream", at(11, 1), Some(at(11, 5))),
            job("ShadowStream", at(11, 4), None),
            job("ShadowStream", at(11, 5), None),
            job("intelligentFTP", at(10, 1), Some(at(10, 3))),
        ];
        let b = Month::new(2026, 11).unwrap().bounds(&Zone::utc());
        let j = month_jobs(&h, &b);
        assert_eq!(j.get("ShadowStream"), Some(&2));
        assert_eq!(j.get("intelligentFTP"), None);
        let b = Month::new(2026, 10).unwrap().bounds(&Zone::utc());
        assert_eq!(month_jobs(&h, &b).get("intelligentFTP"), Some(&1));
    }
}
