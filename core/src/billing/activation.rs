//! The Activation Report: activations and deactivations in a date range.

use super::BillingError;
use super::Zone;
use crate::catalog::{Catalog, ProductId};
use crate::key::ProductKey;
use crate::lifecycle::LicenceHistory;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// What happened.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivationEvent {
    /// The licence was activated (or reactivated).
    Activated,
    /// A deactivation took effect (finalised, or the activation lapsed).
    Deactivated,
}

/// A sort key of the Activation Report.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivationSortKey {
    /// Product type: catalog order of the product.
    ProductType,
    /// The date (instant) of the activation or deactivation.
    Date,
    /// The key's serial number.
    Serial,
    /// Account name, then site name.
    Account,
}

impl ActivationSortKey {
    /// The console's default order: product type, then activation date, then serial number.
    pub const DEFAULT: [ActivationSortKey; 3] = [
        ActivationSortKey::ProductType,
        ActivationSortKey::Date,
        ActivationSortKey::Serial,
    ];
}

/// One activation or deactivation.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivationRow {
    /// The key type (product type) it is reported under.
    pub key_type: String,
    /// Product id.
    pub product: ProductId,
    /// The key.
    pub key: ProductKey,
    /// Its serial number.
    pub serial: u32,
    /// Account.
    pub account: String,
    /// Site.
    pub site: Option<String>,
    /// Machine.
    pub machine: String,
    /// Edition.
    pub edition: Option<String>,
    /// Activated or deactivated.
    pub event: ActivationEvent,
    /// When.
    pub at: DateTime<Utc>,
    /// Local date in the report's zone.
    pub date: NaiveDate,
}

/// Activations and deactivations from `start` to `end` (local dates, both included).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivationReport {
    /// First day.
    pub start: NaiveDate,
    /// Last day.
    pub end: NaiveDate,
    /// IANA zone of the dates.
    pub time_zone: String,
    /// Products included (empty: all).
    pub products: Vec<ProductId>,
    /// The sort order applied.
    pub sort: Vec<ActivationSortKey>,
    /// The rows.
    pub rows: Vec<ActivationRow>,
}

impl ActivationReport {
    /// Builds the report. `products` filters product types (empty: all); `sort` gives the order
    /// (empty: [`ActivationSortKey::DEFAULT`]); ties are broken by instant, then activations before
    /// deactivations, then machine.
    ///
    /// # Errors
    /// [`BillingError::RangeEndsBeforeStart`],
    /// [`BillingError::UnknownProduct`].
    ///
    /// ```
    /// use keyledger::billing::ActivationReport;
    /// use keyledger::catalog::presets;
    /// use chrono::NaiveDate;
    /// let d = |day| NaiveDate::from_ymd_opt(2026, 11, day).unwrap();
    /// let c = presets::storagecraft();
    /// assert!(ActivationReport::build(&[], &c, d(1), d(30), &keyledger::billing::Zone::utc(), &[], &[])?.rows.is_empty());
    /// let err = ActivationReport::build(&[], &c, d(30), d(1), &keyledger::billing::Zone::utc(), &[], &[]).unwrap_err();
    /// assert_eq!(err.code(), "billing.range_reversed");
    /// # Ok::<(), keyledger::billing::BillingError>(())
    /// ```
    pub fn build(
        histories: &[LicenceHistory],
        catalog: &Catalog,
        start: NaiveDate,
        end: NaiveDate,
        zone: &Zone,
        products: &[ProductId],
        sort: &[ActivationSortKey],
    ) -> Result<ActivationReport, BillingError> {
        if end < start {
            return Err(BillingError::RangeEndsBeforeStart {
                start: start.to_string(),
                end: end.to_string(),
            });
        }
        let tz = zone;
        let mut rows = Vec::new();
        for h in histories {
            let p = catalog.get(h.product).ok_or(BillingError::UnknownProduct {
                product: h.product.get(),
            })?;
            if !products.is_empty() && !products.contains(&h.product) {
                continue;
            }
            let events = h
                .activations
                .iter()
                .map(|t| (ActivationEvent::Activated, *t))
                .chain(
                    h.deactivations
                        .iter()
                        .map(|t| (ActivationEvent::Deactivated, *t)),
                );
            for (event, at) in events {
                let date = tz.local_date(at);
                if date < start || date > end {
                    continue;
                }
                // Where the key was at that instant (moves are facts with instants).
                let (account, site) = h.placement_at(at);
                rows.push(ActivationRow {
                    key_type: p.key_type.clone(),
                    product: h.product,
                    key: h.key,
                    serial: h.key.serial(),
                    account: account.to_string(),
                    site: site.map(str::to_string),
                    machine: h.machine.clone(),
                    edition: h.edition.clone(),
                    event,
                    at,
                    date,
                });
            }
        }
        let sort: Vec<ActivationSortKey> = if sort.is_empty() {
            ActivationSortKey::DEFAULT.to_vec()
        } else {
            sort.to_vec()
        };
        crate::sort::sort_by(&mut rows, |a, b| {
            let mut o = std::cmp::Ordering::Equal;
            for k in &sort {
                o = o.then_with(|| match k {
                    ActivationSortKey::ProductType => a.product.cmp(&b.product),
                    ActivationSortKey::Date => a.at.cmp(&b.at),
                    ActivationSortKey::Serial => a.serial.cmp(&b.serial),
                    ActivationSortKey::Account => (&a.account, &a.site).cmp(&(&b.account, &b.site)),
                });
            }
            o.then_with(|| (a.at, a.event, &a.machine).cmp(&(b.at, b.event, &b.machine)))
        });
        Ok(ActivationReport {
            start,
            end,
            time_zone: zone.name().to_string(),
            products: products.to_vec(),
            sort,
            rows,
        })
    }

    /// The report as CSV, one record per row.
    ///
    /// # Errors
    /// [`BillingError::Csv`] if the writer fails.
    ///
    /// ```
    /// # use keyledger::billing::ActivationReport;
    /// # use keyledger::catalog::presets;
    /// # let d = |day| chrono::NaiveDate::from_ymd_opt(2026, 11, day).unwrap();
    /// let r = ActivationReport::build(&[], &presets::storagecraft(), d(1), d(30), &keyledger::billing::Zone::utc(), &[], &[])?;
    /// assert_eq!(r.to_csv()?, "key_type,product,key,serial,account,site,machine,edition,event,at,date\n");
    /// # Ok::<(), keyledger::billing::BillingError>(())
    /// ```
    pub fn to_csv(&self) -> Result<String, BillingError> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record([
            "key_type", "product", "key", "serial", "account", "site", "machine", "edition",
            "event", "at", "date",
        ])?;
        for r in &self.rows {
            w.write_record([
                r.key_type.clone(),
                r.product.to_string(),
                r.key.to_string(),
                r.serial.to_string(),
                r.account.clone(),
                r.site.clone().unwrap_or_default(),
                r.machine.clone(),
                r.edition.clone().unwrap_or_default(),
                match r.event {
                    ActivationEvent::Activated => "activated".to_string(),
                    ActivationEvent::Deactivated => "deactivated".to_string(),
                },
                r.at.to_rfc3339(),
                r.date.to_string(),
            ])?;
        }
        let bytes = w.into_inner().map_err(|e| BillingError::Csv {
            message: e.to_string(),
        })?;
        String::from_utf8(bytes).map_err(|e| BillingError::Csv {
            message: e.to_string(),
        })
    }
}
