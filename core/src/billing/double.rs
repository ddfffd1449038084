//! The double-billing report: machines that held an active legacy licence and a billed
//! subscription (SP MSP) licence in the same month.
//!
//! The seed tells MSPs to deactivate the legacy ShadowProtect licences they upgrade to SP MSP "to
//! prevent double billing"; this report finds the ones they forgot. For a month, a machine is
//! listed once per pair of
//! - a **legacy** licence (a perpetual product) that was Active on some local day of the month, and
//! - a **subscription** licence of the same kind of product, on the same machine, that is billed
//!   for the month under its product's rule in the price list,
//!
//! when the two overlap on at least one local day (a day on which the legacy licence was Active and
//! the subscription licence billable at some instant). The row names both keys, the account (the
//! subscription key's, the one invoiced; the legacy key's when it differs) and the overlapping days.
//!
//! *The same kind of product*: the legacy product and the subscription product share an edition
//! (Legacy ShadowProtect and ShadowProtect for MSP share Server, SBS, Desktop; Legacy ImageManager
//! and ImageManager share IME), or one of them has no editions at all. *The same machine*: the
//! machine ids are equal ignoring case and surrounding spaces (host names are case-insensitive).
//! A legacy licence with no machine recorded cannot be matched and is never listed.
//!
//! ```
//! use keyledger::billing::{BillingRule, DoubleBilling, Month, PriceList};
//! use keyledger::catalog::presets;
//! use keyledger::lifecycle::{LicenceHistory, LicenceState, StateSpan};
//! use chrono::{TimeZone, Utc};
//!
//! let at = |m, d| Utc.with_ymd_and_hms(2026, m, d, 12, 0, 0).unwrap();
//! let history = |key: &str, product, machine: &str, spans: Vec<StateSpan>| LicenceHistory {
//!     key: key.parse().unwrap(), product, edition: None, account: "Acme".into(), site: None,
//!     machine: machine.into(), spans, activations: vec![], deactivations: vec![],
//!     placements: vec![], jobs: vec![],
//! };
//! let span = |from, until, state| StateSpan { from, until, state };
//! // The legacy key stays Active; the SP MSP key is activated on the same machine on 10 Nov.
//! let legacy = history("6YD0-9HRC-8Z1P-0M91", presets::LEGACY_SHADOWPROTECT, "srv-01",
//!     vec![span(at(1, 5), None, LicenceState::Active)]);
//! let msp = history("6VWX-KVJH-PE9Z-D362", presets::SHADOWPROTECT_MSP, "SRV-01",
//!     vec![span(at(11, 10), None, LicenceState::Active)]);
//! let prices = PriceList::new("USD", BillingRule::STORAGECRAFT)?;
//! let r = DoubleBilling::build(&[legacy, msp], &presets::storagecraft(), Month::new(2026, 11)?, &keyledger::billing::Zone::utc(), &prices)?;
//! assert_eq!(r.rows.len(), 1);
//! assert_eq!(r.rows[0].overlapping_days, 21); // 10–30 Nov
//! assert_eq!(r.rows[0].legacy_key.to_string(), "6YD0-9HRC-8Z1P-0M91");
//! # Ok::<(), keyledger::billing::BillingError>(())
//! ```

use super::layout::{or_dash, write_table};
use super::placement::month_placement;
use super::policy::evaluate;
use super::Zone;
use super::{BillingError, Month, PriceList};
use crate::catalog::{Catalog, Licensing, Product};
use crate::key::ProductKey;
use crate::lifecycle::LicenceHistory;
use serde::{Deserialize, Serialize};

/// One machine holding an active legacy licence and a billed subscription licence in the month.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoubleBillingRow {
    /// The machine (as the subscription licence names it).
    pub machine: String,
    /// Account of the subscription key (the one invoiced).
    pub account: String,
    /// Site of the subscription key, if any.
    pub site: Option<String>,
    /// Account of the legacy key, when it differs from [`account`](Self::account).
    pub legacy_account: Option<String>,
    /// The legacy key.
    pub legacy_key: ProductKey,
    /// The legacy product's name.
    pub legacy_product: String,
    /// The subscription key.
    pub msp_key: ProductKey,
    /// The subscription product's name.
    pub msp_product: String,
    /// The subscription licence's edition.
    pub edition: Option<String>,
    /// Local days of the month (1-based) on which both were held, in order.
    pub days: Vec<u32>,
    /// Number of those days.
    pub overlapping_days: u32,
    /// "active legacy licence 1–30 Nov; SP MSP licence billable 10–30 Nov: 21 days of both".
    pub explanation: String,
}

/// The double-billing report of one month: machines that held an active legacy licence and a billed
/// subscription (SP MSP) licence of the same kind of product in the same month, with both keys, the
/// account and the overlapping days. See [`DoubleBilling::build`].
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoubleBilling {
    /// The month.
    pub month: Month,
    /// IANA zone its days are counted in.
    pub time_zone: String,
    /// One row per (legacy licence, subscription licence) pair, by account, machine and keys.
    pub rows: Vec<DoubleBillingRow>,
}

/// Whether upgrading from `legacy` to `msp` is plausible: they share an edition, or one has none.
fn same_kind(legacy: &Product, msp: &Product) -> bool {
    legacy.editions.is_empty()
        || msp.editions.is_empty()
        || legacy.editions.iter().any(|e| msp.editions.contains(e))
}

fn same_machine(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    !a.is_empty() && a.eq_ignore_ascii_case(b)
}

/// "3–5, 9, 20–30 Nov": 1-based days as ranges.
fn day_ranges(days: &[u32], month: Month) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < days.len() {
        let mut j = i;
        while j + 1 < days.len() && days[j + 1] == days[j] + 1 {
            j += 1;
        }
        parts.push(if i == j {
            days[i].to_string()
        } else {
            format!("{}–{}", days[i], days[j])
        });
        i = j + 1;
    }
    let mon = MONTHS
        .get(month.month().saturating_sub(1) as usize)
        .copied()
        .unwrap_or("");
    format!("{} {mon}", parts.join(", "))
}

/// 1-based days from a mask whose bit `d` is local day `d + 1`.
fn mask_days(mask: u32) -> Vec<u32> {
    (0..31)
        .filter(|d| mask & (1u32 << d) != 0)
        .map(|d| d + 1)
        .collect()
}

impl DoubleBilling {
    /// The double-billing report of `month` in time zone `zone`: which subscription licences are
    /// billed follows `prices`' rule for their product, as in the Billing Detail.
    ///
    /// # Errors
    /// [`BillingError::UnknownProduct`] (a history names a product the catalog does not have).
    ///
    /// ```
    /// use keyledger::billing::{BillingRule, DoubleBilling, Month, PriceList};
    /// use keyledger::catalog::presets;
    /// let prices = PriceList::new("USD", BillingRule::AnyDay)?;
    /// let r = DoubleBilling::build(&[], &presets::storagecraft(), Month::new(2026, 11)?, &keyledger::billing::Zone::utc(), &prices)?;
    /// assert!(r.rows.is_empty());
    /// assert!(keyledger::billing::Zone::get("Mars/Base").is_err());
    /// # Ok::<(), keyledger::billing::BillingError>(())
    /// ```
    pub fn build(
        histories: &[LicenceHistory],
        catalog: &Catalog,
        month: Month,
        zone: &Zone,
        prices: &PriceList,
    ) -> Result<Self, BillingError> {
        let b = month.bounds(zone);
        let product = |h: &LicenceHistory| {
            catalog.get(h.product).ok_or(BillingError::UnknownProduct {
                product: h.product.get(),
            })
        };
        // Each history once: its product, and the days it counts (legacy: Active; subscription:
        // billable, and only when the licence is billed this month).
        let mut legacy = Vec::new();
        let mut billed = Vec::new();
        for h in histories {
            let p = product(h)?;
            let m = evaluate(h, &b);
            if m.mask == 0 || h.machine.trim().is_empty() {
                continue;
            }
            match p.licensing {
                Licensing::Perpetual => legacy.push((h, p, m.mask, m)),
                Licensing::Subscription => {
                    if prices
                        .rule_for(h.product)
                        .bills(m.days(), b.days(), m.at_end)
                    {
                        billed.push((h, p, m.mask, m));
                    }
                }
            }
        }
        let mut rows = Vec::new();
        for (s, sp, smask, sm) in &billed {
            for (l, lp, lmask, lm) in &legacy {
                if !same_machine(&l.machine, &s.machine) || !same_kind(lp, sp) {
                    continue;
                }
                let both = lmask & smask;
                if both == 0 {
                    continue;
                }
                let days = mask_days(both);
                let explanation = format!(
                    "active legacy licence {}; {} licence billable {}: {} day{} of both",
                    day_ranges(&mask_days(*lmask), month),
                    sp.key_type,
                    day_ranges(&mask_days(*smask), month),
                    days.len(),
                    if days.len() == 1 { "" } else { "s" }
                );
                let (account, site) = month_placement(s, &b, sm);
                let (legacy_account, _) = month_placement(l, &b, lm);
                rows.push(DoubleBillingRow {
                    machine: s.machine.clone(),
                    account: account.clone(),
                    site,
                    legacy_account: (legacy_account != account).then_some(legacy_account),
                    legacy_key: l.key,
                    legacy_product: lp.name.clone(),
                    msp_key: s.key,
                    msp_product: sp.name.clone(),
                    edition: s.edition.clone(),
                    overlapping_days: days.len() as u32,
                    days,
                    explanation,
                });
            }
        }
        crate::sort::sort_by_key(&mut rows, |r| {
            (
                r.account.clone(),
                r.machine.to_ascii_lowercase(),
                r.legacy_key.to_string(),
                r.msp_key.to_string(),
            )
        });
        Ok(DoubleBilling {
            month,
            time_zone: zone.name().to_string(),
            rows,
        })
    }

    /// The report as CSV: one line per row, the overlapping days as a list `3;4;5`.
    ///
    /// # Errors
    /// [`BillingError::Csv`] (not expected).
    ///
    /// ```
    /// use keyledger::billing::{BillingRule, DoubleBilling, Month, PriceList};
    /// use keyledger::catalog::presets;
    /// let prices = PriceList::new("USD", BillingRule::AnyDay)?;
    /// let r = DoubleBilling::build(&[], &presets::storagecraft(), Month::new(2026, 11)?, &keyledger::billing::Zone::utc(), &prices)?;
    /// assert!(r.to_csv()?.starts_with("month,account,site,machine,"));
    /// # Ok::<(), keyledger::billing::BillingError>(())
    /// ```
    pub fn to_csv(&self) -> Result<String, BillingError> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record([
            "month",
            "account",
            "site",
            "machine",
            "legacy_key",
            "legacy_product",
            "legacy_account",
            "msp_key",
            "msp_product",
            "edition",
            "overlapping_days",
            "days",
        ])?;
        for r in &self.rows {
            let days: Vec<String> = r.days.iter().map(u32::to_string).collect();
            w.write_record([
                self.month.to_string(),
                r.account.clone(),
                r.site.clone().unwrap_or_default(),
                r.machine.clone(),
                r.legacy_key.to_string(),
                r.legacy_product.clone(),
                r.legacy_account.clone().unwrap_or_default(),
                r.msp_key.to_string(),
                r.msp_product.clone(),
                r.edition.clone().unwrap_or_default(),
                r.overlapping_days.to_string(),
                days.join(";"),
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

impl std::fmt::Display for DoubleBilling {
    /// The report as a table laid out from its contents.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "Double billing {} ({}): machines holding an active legacy licence and a billed SP MSP licence — {}",
            self.month,
            self.time_zone,
            self.rows.len()
        )?;
        if self.rows.is_empty() {
            return writeln!(f, "  none");
        }
        let rows: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|r| {
                vec![
                    r.account.clone(),
                    or_dash(r.site.as_deref()),
                    r.machine.clone(),
                    r.legacy_key.to_string(),
                    r.msp_key.to_string(),
                    or_dash(r.edition.as_deref()),
                    r.overlapping_days.to_string(),
                    day_ranges(&r.days, self.month),
                ]
            })
            .collect();
        write_table(
            f,
            &[
                "account",
                "site",
                "machine",
                "legacy key",
                "SP MSP key",
                "edition",
                "days",
                "overlap",
            ],
            &rows,
            &[6],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::BillingRule;
    use crate::catalog::{presets, ProductId};
    use crate::lifecycle::{LicenceState, StateSpan};
    use chrono::{DateTime, TimeZone, Utc};

    fn at(m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, m, d, 12, 0, 0).unwrap()
    }

    fn key(product: ProductId, serial: u32) -> ProductKey {
        crate::key::Issuer::new(0, &[3; 32])
            .unwrap()
            .generate(product, serial)
            .unwrap()
    }

    type Span = (DateTime<Utc>, Option<DateTime<Utc>>, LicenceState);

    fn h(
        product: ProductId,
        serial: u32,
        account: &str,
        machine: &str,
        spans: &[Span],
    ) -> LicenceHistory {
        LicenceHistory {
            key: key(product, serial),
            product,
            edition: Some("Server".into()),
            account: account.into(),
            site: None,
            machine: machine.into(),
            spans: spans
                .iter()
                .map(|&(from, until, state)| StateSpan { from, until, state })
                .collect(),
            activations: vec![],
            deactivations: vec![],
            placements: vec![],
            jobs: vec![],
        }
    }

    fn report(hs: &[LicenceHistory], rule: BillingRule) -> DoubleBilling {
        let prices = PriceList::new("USD", rule).unwrap();
        DoubleBilling::build(
            hs,
            &presets::storagecraft(),
            Month::new(2026, 11).unwrap(),
            &Zone::utc(),
            &prices,
        )
        .unwrap()
    }

    use LicenceState::{Active, Deactivated, Unactivated};

    #[test]
    fn forgotten_legacy_licence_is_listed_with_both_keys_and_the_days() {
        let legacy = h(
            presets::LEGACY_SHADOWPROTECT,
            1,
            "Acme",
            "srv-01",
            &[
                (at(1, 1), Some(at(11, 20)), Active),
                (at(11, 20), None, Deactivated),
            ],
        );
        let msp = h(
            presets::SHADOWPROTECT_MSP,
            1,
            "Acme",
            "srv-01",
            &[(at(11, 3), None, Active)],
        );
        let r = report(&[legacy.clone(), msp.clone()], BillingRule::STORAGECRAFT);
        assert_eq!(r.rows.len(), 1);
        let row = &r.rows[0];
        assert_eq!((row.legacy_key, row.msp_key), (legacy.key, msp.key));
        assert_eq!(row.account, "Acme");
        assert_eq!(row.legacy_account, None);
        // Legacy active 1–20 Nov (deactivated at noon on the 20th), SP MSP billable 3–30 Nov.
        assert_eq!(row.days, (3..=20).collect::<Vec<_>>());
        assert_eq!(row.overlapping_days, 18);
        assert!(row.explanation.contains("1–20 Nov"), "{}", row.explanation);
        let text = r.to_string();
        assert!(
            text.contains("3–20 Nov") && text.contains("srv-01"),
            "{text}"
        );
        let csv = r.to_csv().unwrap();
        assert_eq!(csv.lines().count(), 2, "{csv}");
        assert!(csv.contains(&legacy.key.to_string()) && csv.contains(&msp.key.to_string()));
    }

    #[test]
    fn a_clean_upgrade_and_other_machines_are_not_listed() {
        // Legacy deactivated on 5 Nov, SP MSP from 6 Nov: no day of both.
        let legacy = h(
            presets::LEGACY_SHADOWPROTECT,
            1,
            "Acme",
            "srv-01",
            &[
                (at(1, 1), Some(at(11, 5)), Active),
                (at(11, 5), None, Deactivated),
            ],
        );
        let msp = h(
            presets::SHADOWPROTECT_MSP,
            1,
            "Acme",
            "srv-01",
            &[(at(11, 6), None, Active)],
        );
        assert!(report(&[legacy.clone(), msp], BillingRule::AnyDay)
            .rows
            .is_empty());
        // Another machine.
        let other = h(
            presets::SHADOWPROTECT_MSP,
            2,
            "Acme",
            "srv-02",
            &[(at(11, 1), None, Active)],
        );
        assert!(report(&[legacy.clone(), other], BillingRule::AnyDay)
            .rows
            .is_empty());
        // Another kind of product: a legacy ShadowProtect key and an ImageManager key.
        let mut im = h(
            presets::IMAGEMANAGER,
            1,
            "Acme",
            "srv-01",
            &[(at(11, 1), None, Active)],
        );
        im.edition = Some("IME".into());
        assert!(report(&[legacy, im], BillingRule::AnyDay).rows.is_empty());
    }

    #[test]
    fn only_billed_subscription_licences_count_under_the_rule() {
        let legacy = h(
            presets::LEGACY_SHADOWPROTECT,
            1,
            "Acme",
            "SRV-01 ",
            &[(at(1, 1), None, Active)],
        );
        // SP MSP active 20–30 Nov: 11 days, billed under any-day, not under more-than-14.
        let msp = h(
            presets::SHADOWPROTECT_MSP,
            1,
            "Beta",
            "srv-01",
            &[(at(11, 20), None, Active)],
        );
        let any = report(&[legacy.clone(), msp.clone()], BillingRule::AnyDay);
        assert_eq!(any.rows.len(), 1);
        assert_eq!(any.rows[0].overlapping_days, 11);
        assert_eq!(any.rows[0].legacy_account.as_deref(), Some("Acme"));
        assert_eq!(any.rows[0].account, "Beta");
        assert!(report(&[legacy, msp], BillingRule::STORAGECRAFT)
            .rows
            .is_empty());
    }

    #[test]
    fn legacy_not_active_or_without_machine_is_not_listed() {
        let msp = h(
            presets::SHADOWPROTECT_MSP,
            1,
            "Acme",
            "srv-01",
            &[(at(11, 1), None, Active)],
        );
        let unset = h(
            presets::LEGACY_SHADOWPROTECT,
            1,
            "Acme",
            "srv-01",
            &[(at(1, 1), None, Unactivated)],
        );
        assert!(report(&[unset, msp.clone()], BillingRule::AnyDay)
            .rows
            .is_empty());
        let nowhere = h(
            presets::LEGACY_SHADOWPROTECT,
            2,
            "Acme",
            "",
            &[(at(1, 1), None, Active)],
        );
        assert!(report(&[nowhere, msp], BillingRule::AnyDay).rows.is_empty());
    }

    #[test]
    fn unknown_product_is_an_error() {
        let mut x = h(
            presets::SHADOWPROTECT_MSP,
            1,
            "Acme",
            "m",
            &[(at(11, 1), None, Active)],
        );
        x.product = ProductId::new(60).unwrap();
        let prices = PriceList::new("USD", BillingRule::AnyDay).unwrap();
        let e = DoubleBilling::build(
            &[x],
            &presets::storagecraft(),
            Month::new(2026, 11).unwrap(),
            &Zone::utc(),
            &prices,
        )
        .unwrap_err();
        assert_eq!(e.code(), "billing.unknown_product");
    }
}
