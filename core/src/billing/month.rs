//! Calendar months in an IANA time zone.

use super::zone::Zone;
use super::BillingError;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A calendar month (year 1900–9999). Serialises as `"YYYY-MM"`.
///
/// ```
/// use keyledger::billing::Month;
/// let m: Month = "2026-02".parse()?;
/// assert_eq!(m.days(), 28);
/// assert_eq!(m.next().to_string(), "2026-03");
/// assert_eq!(Month::new(2024, 2)?.days(), 29);
/// # Ok::<(), keyledger::billing::BillingError>(())
/// ```
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "string"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Month {
    year: i32,
    month: u32,
}

impl Month {
    /// The month `month` (1–12) of `year` (1900–9999).
    ///
    /// # Errors
    /// [`BillingError::UnknownMonth`] outside those ranges.
    ///
    /// ```
    /// # use keyledger::billing::Month;
    /// assert_eq!(Month::new(2026, 11)?.to_string(), "2026-11");
    /// assert!(Month::new(2026, 0).is_err());
    /// # Ok::<(), keyledger::billing::BillingError>(())
    /// ```
    pub fn new(year: i32, month: u32) -> Result<Self, BillingError> {
        if !(1900..=9999).contains(&year) || !(1..=12).contains(&month) {
            return Err(BillingError::UnknownMonth {
                text: format!("{year}-{month:02}"),
            });
        }
        Ok(Month { year, month })
    }

    /// The year.
    ///
    /// ```
    /// # use keyledger::billing::Month;
    /// assert_eq!(Month::new(2026, 11)?.year(), 2026);
    /// # Ok::<(), keyledger::billing::BillingError>(())
    /// ```
    pub fn year(self) -> i32 {
        self.year
    }

    /// The month number, 1–12.
    ///
    /// ```
    /// # use keyledger::billing::Month;
    /// assert_eq!(Month::new(2026, 11)?.month(), 11);
    /// # Ok::<(), keyledger::billing::BillingError>(())
    /// ```
    pub fn month(self) -> u32 {
        self.month
    }

    /// The first day of the month.
    ///
    /// ```
    /// # use keyledger::billing::Month;
    /// assert_eq!(Month::new(2026, 11)?.first_day().to_string(), "2026-11-01");
    /// # Ok::<(), keyledger::billing::BillingError>(())
    /// ```
    pub fn first_day(self) -> NaiveDate {
        // Valid by construction (1900..=9999, 1..=12); the fallback is never taken.
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    /// The month containing `date`.
    ///
    /// # Errors
    /// [`BillingError::UnknownMonth`] for years outside 1900–9999.
    ///
    /// ```
    /// # use keyledger::billing::Month;
    /// let d = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    /// assert_eq!(Month::of(d)?.to_string(), "2026-11");
    /// # Ok::<(), keyledger::billing::BillingError>(())
    /// ```
    pub fn of(date: NaiveDate) -> Result<Self, BillingError> {
        Month::new(date.year(), date.month())
    }

    /// Number of days: 28, 29, 30 or 31.
    ///
    /// ```
    /// # use keyledger::billing::Month;
    /// assert_eq!(Month::new(1900, 2)?.days(), 28);
    /// assert_eq!(Month::new(2000, 2)?.days(), 29);
    /// # Ok::<(), keyledger::billing::BillingError>(())
    /// ```
    pub fn days(self) -> u32 {
        match self.month {
            4 | 6 | 9 | 11 => 30,
            2 if (self.year % 4 == 0 && self.year % 100 != 0) || self.year % 400 == 0 => 29,
            2 => 28,
            _ => 31,
        }
    }

    /// The following month (December 9999 stays put).
    ///
    /// ```
    /// # use keyledger::billing::Month;
    /// assert_eq!(Month::new(2026, 12)?.next(), Month::new(2027, 1)?);
    /// # Ok::<(), keyledger::billing::BillingError>(())
    /// ```
    pub fn next(self) -> Month {
        let (y, m) = if self.month == 12 {
            (self.year + 1, 1)
        } else {
            (self.year, self.month + 1)
        };
        Month::new(y, m).unwrap_or(self)
    }

    /// The previous month (January 1900 stays put).
    ///
    /// ```
    /// # use keyledger::billing::Month;
    /// assert_eq!(Month::new(2027, 1)?.prev(), Month::new(2026, 12)?);
    /// # Ok::<(), keyledger::billing::BillingError>(())
    /// ```
    pub fn prev(self) -> Month {
        let (y, m) = if self.month == 1 {
            (self.year - 1, 12)
        } else {
            (self.year, self.month - 1)
        };
        Month::new(y, m).unwrap_or(self)
    }

    /// The month's local day boundaries in the IANA zone `zone`.
    ///
    /// ```
    /// # use keyledger::billing::{Month, Zone};
    /// // Europe/Berlin leaves summer time on 25 Oct 2026: that day lasts 25 hours.
    /// let b = Month::new(2026, 10)?.bounds(&Zone::get("Europe/Berlin")?);
    /// assert_eq!(b.day_starts.len(), 32);
    /// assert_eq!((b.day_starts[25] - b.day_starts[24]).num_hours(), 25);
    /// assert_eq!(b.start().to_rfc3339(), "2026-09-30T22:00:00+00:00");
    /// # Ok::<(), keyledger::billing::BillingError>(())
    /// ```
    pub fn bounds(self, zone: &Zone) -> MonthBounds {
        let zone = zone.clone();
        let first = self.first_day();
        let day_starts = (0..=self.days())
            .map(|d| zone.day_start(first + Duration::days(i64::from(d))))
            .collect();
        MonthBounds {
            month: self,
            zone,
            day_starts,
        }
    }
}

/// The IANA time zone named `name` (see [`Zone::get`]).
///
/// # Errors
/// [`BillingError::UnknownTimeZone`].
///
/// ```
/// use keyledger::billing::zone;
/// assert!(zone("Europe/Berlin").is_ok());
/// assert_eq!(zone("Mars/Olympus").unwrap_err().code(), "billing.unknown_time_zone");
/// ```
pub fn zone(name: &str) -> Result<Zone, BillingError> {
    Zone::get(name)
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl std::str::FromStr for Month {
    type Err = BillingError;
    fn from_str(s: &str) -> Result<Self, BillingError> {
        let bad = || BillingError::UnknownMonth {
            text: s.to_string(),
        };
        let (y, m) = s.trim().split_once('-').ok_or_else(bad)?;
        let y: i32 = y.parse().map_err(|_| bad())?;
        let m: u32 = m.parse().map_err(|_| bad())?;
        Month::new(y, m).map_err(|_| bad())
    }
}

impl TryFrom<String> for Month {
    type Error = BillingError;
    fn try_from(s: String) -> Result<Self, BillingError> {
        s.parse()
    }
}

impl From<Month> for String {
    fn from(m: Month) -> String {
        m.to_string()
    }
}

/// A month's day boundaries in a time zone: `day_starts[d]` is the first instant of local day
/// `d + 1`; the last entry is the first instant of the next month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthBounds {
    /// The month.
    pub month: Month,
    /// The zone.
    pub zone: Zone,
    /// `days + 1` instants, strictly increasing.
    pub day_starts: Vec<DateTime<Utc>>,
}

impl MonthBounds {
    /// First instant of the month.
    ///
    /// ```
    /// # use keyledger::billing::{Month, Zone};
    /// let b = Month::new(2026, 11)?.bounds(&Zone::utc());
    /// assert_eq!(b.start().to_rfc3339(), "2026-11-01T00:00:00+00:00");
    /// # Ok::<(), keyledger::billing::BillingError>(())
    /// ```
    pub fn start(&self) -> DateTime<Utc> {
        self.day_starts.first().copied().unwrap_or_default()
    }

    /// First instant after the month (start of the next month).
    ///
    /// ```
    /// # use keyledger::billing::{Month, Zone};
    /// let b = Month::new(2026, 12)?.bounds(&Zone::utc());
    /// assert_eq!(b.end().to_rfc3339(), "2027-01-01T00:00:00+00:00");
    /// # Ok::<(), keyledger::billing::BillingError>(())
    /// ```
    pub fn end(&self) -> DateTime<Utc> {
        self.day_starts.last().copied().unwrap_or_default()
    }

    /// Number of days in the month.
    ///
    /// ```
    /// # use keyledger::billing::{Month, Zone};
    /// assert_eq!(Month::new(2026, 11)?.bounds(&Zone::utc()).days(), 30);
    /// # Ok::<(), keyledger::billing::BillingError>(())
    /// ```
    pub fn days(&self) -> u32 {
        self.month.days()
    }

    /// The 0-based local day of the month holding `t`, if `t` is in the month.
    ///
    /// ```
    /// # use keyledger::billing::{Month, Zone};
    /// # use chrono::{TimeZone, Utc};
    /// let b = Month::new(2026, 11)?.bounds(&Zone::get("America/New_York")?);
    /// // 2 Nov 03:00 UTC is still 1 Nov in New York (UTC−5 after 1 Nov 2026).
    /// assert_eq!(b.day_of(Utc.with_ymd_and_hms(2026, 11, 2, 3, 0, 0).unwrap()), Some(0));
    /// assert_eq!(b.day_of(Utc.with_ymd_and_hms(2026, 10, 31, 3, 0, 0).unwrap()), None);
    /// # Ok::<(), keyledger::billing::BillingError>(())
    /// ```
    pub fn day_of(&self, t: DateTime<Utc>) -> Option<u32> {
        if t < self.start() || t >= self.end() {
            return None;
        }
        let i = self.day_starts.partition_point(|s| *s <= t);
        u32::try_from(i.checked_sub(1)?).ok()
    }

    /// The local date of instant `t`.
    pub(crate) fn local_date(&self, t: DateTime<Utc>) -> NaiveDate {
        self.zone.local_date(t)
    }
}
