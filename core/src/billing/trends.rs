//! Trends: billable counts per product for each of the last 12 months.

use super::policy::counts;
use super::Zone;
use super::{BillingError, BillingRule, Month};
use crate::catalog::{Catalog, ProductId};
use crate::lifecycle::LicenceHistory;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// One product in one month.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrendPoint {
    /// Product id.
    pub product: ProductId,
    /// Product name.
    pub product_name: String,
    /// Licences billed under the rule.
    pub licences: u64,
    /// The billed quantity (see [`BillingRule`]; equals `licences` for day-count rules).
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub quantity: Decimal,
}

/// One month of the trend.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrendMonth {
    /// The month.
    pub month: Month,
    /// Every subscription product of the catalog, in catalog order (zeros included).
    pub points: Vec<TrendPoint>,
}

/// Billable counts per product over the 12 months ending with (and including) `last`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trends {
    /// IANA zone the months are counted in.
    pub time_zone: String,
    /// The rule applied.
    pub rule: BillingRule,
    /// Oldest month first.
    pub months: Vec<TrendMonth>,
}

impl Trends {
    /// Computes the trend. Under `Peak`, a product's quantity is the sum of its editions' peaks.
    ///
    /// # Errors
    /// [`BillingError::UnknownProduct`],
    /// [`BillingError::Overflow`].
    ///
    /// ```
    /// use keyledger::billing::{Trends, BillingRule, Month};
    /// use keyledger::catalog::presets;
    /// let t = Trends::build(&[], &presets::storagecraft(), Month::new(2026, 11)?, &keyledger::billing::Zone::utc(), BillingRule::AnyDay)?;
    /// assert_eq!(t.months.len(), 12);
    /// assert_eq!(t.months[0].month.to_string(), "2025-12");
    /// assert_eq!(t.months[0].points.len(), 2); // the two subscription products
    /// # Ok::<(), keyledger::billing::BillingError>(())
    /// ```
    pub fn build(
        histories: &[LicenceHistory],
        catalog: &Catalog,
        last: Month,
        zone: &Zone,
        rule: BillingRule,
    ) -> Result<Trends, BillingError> {
        let mut months = Vec::with_capacity(12);
        let mut m = last;
        for _ in 0..11 {
            m = m.prev();
        }
        for _ in 0..12 {
            let c = counts(histories, catalog, m, zone, rule)?;
            let mut points = Vec::new();
            for p in catalog.products().iter().filter(|p| p.is_subscription()) {
                let mut point = TrendPoint {
                    product: p.id,
                    product_name: p.name.clone(),
                    licences: 0,
                    quantity: Decimal::ZERO,
                };
                for (_, e) in c
                    .range((p.id, None)..)
                    .take_while(|((id, _), _)| *id == p.id)
                {
                    point.licences += e.licences;
                    point.quantity =
                        point
                            .quantity
                            .checked_add(e.quantity)
                            .ok_or(BillingError::Overflow {
                                what: "a trend count".into(),
                            })?;
                }
                points.push(point);
            }
            months.push(TrendMonth { month: m, points });
            if m == last {
                break;
            }
            m = m.next();
        }
        Ok(Trends {
            time_zone: zone.name().to_string(),
            rule,
            months,
        })
    }

    /// The trend as CSV: `month,product,licences,quantity`.
    ///
    /// # Errors
    /// [`BillingError::Csv`] if the writer fails.
    ///
    /// ```
    /// # use keyledger::billing::{Trends, BillingRule, Month};
    /// # use keyledger::catalog::presets;
    /// let t = Trends::build(&[], &presets::storagecraft(), Month::new(2026, 11)?, &keyledger::billing::Zone::utc(), BillingRule::AnyDay)?;
    /// assert!(t.to_csv()?.starts_with("month,product,licences,quantity\n2025-12,ShadowProtect for MSP,0,0\n"));
    /// # Ok::<(), keyledger::billing::BillingError>(())
    /// ```
    pub fn to_csv(&self) -> Result<String, BillingError> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(["month", "product", "licences", "quantity"])?;
        for m in &self.months {
            for p in &m.points {
                w.write_record([
                    m.month.to_string(),
                    p.product_name.clone(),
                    p.licences.to_string(),
                    p.quantity.to_string(),
                ])?;
            }
        }
        let bytes = w.into_inner().map_err(|e| BillingError::Csv {
            message: e.to_string(),
        })?;
        String::from_utf8(bytes).map_err(|e| BillingError::Csv {
            message: e.to_string(),
        })
    }
}
