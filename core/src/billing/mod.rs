//! What the MSP is invoiced each month, computed exactly and explained.
//!
//! Billing reads [`LicenceHistory`](crate::lifecycle::LicenceHistory) values (one per licence, from
//! the ledger or built by hand) and never changes them. The pieces:
//! - [`Month`] and [`MonthBounds`]: calendar months in an IANA time zone, DST-correct day boundaries;
//!   [`Zone`]: the zones themselves, from the bundled IANA Time Zone Database.
//! - [`BillingRule`]: which licences are billed — any day (default), more than N days
//!   ([`BillingRule::STORAGECRAFT`] = more than 14), prorated, end-of-month snapshot, peak at once.
//! - [`PriceList`] and [`Rounding`]: exact decimal prices, one currency, each line rounded once.
//! - [`BillingDetail`]: the Billing Detail report, with an [`explanation`](KeyRow::explanation) per
//!   key, and [`BillingDetail::recompute`] for events that arrive after a month was reported.
//! - [`explain()`]: one licence's month — billable days, verdict and the sentence.
//! - [`ActivationReport`] and [`Trends`].
//! - [`DoubleBilling`]: machines holding an active legacy licence and a billed SP MSP licence in
//!   the same month (upgrades whose legacy licence was not deactivated).
//! - [`bulk`]: the column-oriented path for call-home logs kept in a warehouse.
//!
//! # Which days count
//! A local day of the month counts as *billable* for a licence when the licence was in a billable
//! state (Active or Late) at any instant of that day. Legacy (perpetual) products are listed in the
//! report but never billed monthly.
//!
//! ```
//! use keyledger::billing::{BillingDetail, BillingRule, Month, PriceList};
//! use keyledger::catalog::presets;
//! use keyledger::lifecycle::{LicenceHistory, LicenceState, StateSpan};
//! use chrono::{TimeZone, Utc};
//! use rust_decimal::Decimal;
//!
//! let at = |d| Utc.with_ymd_and_hms(2026, 11, d, 12, 0, 0).unwrap();
//! let h = LicenceHistory {
//!     key: "6VWX-KVJH-PE9Z-D362".parse()?,
//!     product: presets::SHADOWPROTECT_MSP,
//!     edition: Some("Server".into()),
//!     account: "Acme".into(),
//!     site: None,
//!     machine: "srv-01".into(),
//!     spans: vec![
//!         StateSpan { from: at(3), until: Some(at(18)), state: LicenceState::Active },
//!         StateSpan { from: at(18), until: Some(at(25)), state: LicenceState::Late },
//!         StateSpan { from: at(25), until: None, state: LicenceState::Disabled },
//!     ],
//!     activations: vec![at(3)],
//!     deactivations: vec![],
//!     placements: vec![],
//!     jobs: vec![],
//! };
//! let mut prices = PriceList::new("USD", BillingRule::STORAGECRAFT)?;
//! prices.set_price(presets::SHADOWPROTECT_MSP, Some("Server"), Decimal::new(2500, 2));
//! let report = BillingDetail::build(&[h], &presets::storagecraft(), Month::new(2026, 11)?, &keyledger::billing::Zone::utc(), &prices)?;
//! let row = &report.tables[0].rows[0];
//! assert_eq!(row.billable_days, 23); // 3..=25 Nov: billable at some instant of each of those days
//! assert!(row.billable);
//! assert_eq!(row.explanation, "active 3–18 Nov, late 18–25 Nov, disabled from 25 Nov: 23 billable days > 14 → billable");
//! assert_eq!(report.total, Decimal::new(2500, 2));
//! # Ok::<(), keyledger::Error>(())
//! ```

mod activation;
#[cfg(feature = "arrow")]
mod arrow;
pub mod bulk;
mod detail;
mod double;
mod explain;
mod fast;
mod layout;
pub use explain::{explain_licence as explain, Explanation};
mod money;
mod month;
mod partial;
mod placement;
mod policy;
mod trends;
mod zone;

pub use activation::{ActivationEvent, ActivationReport, ActivationRow, ActivationSortKey};
pub use detail::{
    AccountTotal, BillingDetail, BillingDiff, EditionCount, KeyChange, KeyRow, KeyTable,
    LineChange, PricedLine, Recomputed,
};
pub use double::{DoubleBilling, DoubleBillingRow};
pub use money::{Price, PriceList, ProductRule, Rounding};
pub use month::{zone, Month, MonthBounds};
pub use policy::{counts, BillingRule, EditionCounts};
pub use trends::{TrendMonth, TrendPoint, Trends};
pub use zone::Zone;

crate::error::coded! {
/// Errors of the billing module.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize)]
#[non_exhaustive]
pub enum BillingError {
    /// A month that does not exist or is out of the supported range (years 1900–9999).
    #[code = "billing.unknown_month"]
    #[error("there is no month \"{text}\": give a year from 1900 to 9999 and a month from 1 to 12, e.g. \"2026-11\"")]
    UnknownMonth {
        /// What was given.
        text: String,
    },
    /// A time-zone name that is not in the IANA database.
    #[code = "billing.unknown_time_zone"]
    #[error("unknown time zone \"{name}\": use an IANA name such as \"UTC\" or \"Europe/Berlin\"")]
    UnknownTimeZone {
        /// The name given.
        name: String,
    },
    /// A currency code that is not three capital letters.
    #[code = "billing.bad_currency"]
    #[error("currency code \"{code}\" is not an ISO 4217 code of three capital letters")]
    BadCurrency {
        /// The code given.
        code: String,
    },
    /// Amounts in more than one currency were combined.
    #[code = "billing.mixed_currencies"]
    #[error("mixed currencies: expected {expected}, found {found}; one report uses one currency")]
    MixedCurrencies {
        /// The currency of the price list or earlier report.
        expected: String,
        /// The other currency.
        found: String,
    },
    /// A licence is billed but the price list has no price for its product and edition.
    #[code = "billing.missing_price"]
    #[error("the price list has no price for \"{product}\" {}, which is billed this month; add one", edition.as_ref().map(|e| format!("edition \"{e}\"")).unwrap_or_else(|| "without an edition".into()))]
    MissingPrice {
        /// Product name.
        product: String,
        /// Edition (None: licences without an edition).
        edition: Option<String>,
    },
    /// A licence names a product the catalog does not have.
    #[code = "billing.unknown_product"]
    #[error("product id {product} is not in the catalog")]
    UnknownProduct {
        /// The product id.
        product: u8,
    },
    /// A price that is negative, or a rounding scale beyond 28 decimal places.
    #[code = "billing.bad_amount"]
    #[error("{what} is out of range: {value}")]
    BadAmount {
        /// What was wrong.
        what: String,
        /// The value given.
        value: String,
    },
    /// A date range whose end is before its start.
    #[code = "billing.range_reversed"]
    #[error("the range ends ({end}) before it starts ({start})")]
    RangeEndsBeforeStart {
        /// Start given.
        start: String,
        /// End given.
        end: String,
    },
    /// An amount too large for exact decimal arithmetic (about 7.9 × 10²⁸).
    #[code = "billing.overflow"]
    #[error("amount overflow computing {what}: the numbers are too large to compute exactly")]
    Overflow {
        /// What was being computed.
        what: String,
    },
    /// Bulk input columns of different lengths.
    #[code = "billing.column_length"]
    #[error("bulk column {column} has {found} entries; expected {expected}")]
    ColumnLength {
        /// The column's name.
        column: &'static str,
        /// Entries expected.
        expected: usize,
        /// Entries found.
        found: usize,
    },
    /// A bulk call-home names a licence index beyond the licence columns.
    #[code = "billing.licence_out_of_range"]
    #[error("call-home row {row} names licence {licence}, but there are only {licences} licences")]
    LicenceOutOfRange {
        /// Row of the call-home.
        row: usize,
        /// Licence index given.
        licence: u32,
        /// Number of licences.
        licences: usize,
    },
    /// A bulk licence's bucket is not below the number of buckets.
    #[code = "billing.group_out_of_range"]
    #[error("licence {licence} is in bucket {group}, but there are only {groups} buckets")]
    GroupOutOfRange {
        /// Licence index.
        licence: usize,
        /// Its bucket.
        group: u16,
        /// Number of buckets.
        groups: usize,
    },
    /// Bulk rows promised to be time-sorted are not.
    #[code = "billing.unsorted"]
    #[error(
        "bulk rows are not sorted by time near row {row}; sort them or set time_sorted to false"
    )]
    Unsorted {
        /// First row of the block where the order breaks.
        row: usize,
    },
    /// A billing rule whose parameters are out of range.
    #[code = "billing.bad_rule"]
    #[error("billing rule \"{rule}\" is not valid: {why}")]
    BadRule {
        /// The rule, described.
        rule: String,
        /// What is wrong.
        why: String,
    },
    /// A bulk column given as an Arrow array of another type.
    #[code = "billing.column_type"]
    #[error("bulk column {column} is an Arrow {found} array; expected {expected}")]
    ColumnType {
        /// The column's name.
        column: &'static str,
        /// The Arrow type expected.
        expected: &'static str,
        /// The Arrow type given.
        found: String,
    },
    /// A null in a bulk column (columns hold values; "none" is a sentinel such as `i64::MAX`).
    #[code = "billing.null_value"]
    #[error("bulk column {column} has a null at row {row}; give a value (see the column's documentation for \"none\")")]
    NullValue {
        /// The column's name.
        column: &'static str,
        /// The row.
        row: usize,
    },
    /// Partial results that cannot be merged.
    #[code = "billing.partial_mismatch"]
    #[error("these partial results cannot be merged: {why}")]
    PartialMismatch {
        /// What differs.
        why: String,
    },
    /// The CSV writer failed.
    #[code = "billing.csv"]
    #[error("CSV output failed: {message}")]
    Csv {
        /// What the writer said.
        message: String,
    },
}
}

impl BillingError {}

impl From<csv::Error> for BillingError {
    fn from(e: csv::Error) -> Self {
        BillingError::Csv {
            message: e.to_string(),
        }
    }
}

#[cfg(test)]
mod tests;
