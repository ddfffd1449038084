//! The Billing Detail report, and its recomputation when late events arrive.

use super::explain;
use super::money::{checked_sum, line_amount};
use super::policy::{evaluate, evaluate_rule, peak, quantity, term_marks, LicenceMonth};
use super::Zone;
use super::{BillingError, BillingRule, Month, MonthBounds, PriceList, Rounding};
use crate::catalog::{Catalog, ProductId};
use crate::key::ProductKey;
use crate::lifecycle::{LicenceHistory, LicenceState};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One key (one licence) in a Billing Detail table.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRow {
    /// The product key.
    pub key: ProductKey,
    /// The product.
    pub product: ProductId,
    /// Account holding the key.
    pub account: String,
    /// Site holding the key, if any.
    pub site: Option<String>,
    /// Edition found at activation.
    pub edition: Option<String>,
    /// Machine holding the licence.
    pub machine: String,
    /// First activation of this licence, if any.
    pub activated_at: Option<DateTime<Utc>>,
    /// Number of billable days (0 for perpetual licences).
    pub billable_days: u32,
    /// The billable days of the month (1-based), in order.
    pub days: Vec<u32>,
    /// Whether the key is billed this month under its product's rule.
    pub billable: bool,
    /// Which days counted and why, in one sentence.
    pub explanation: String,
    /// ImageManager keys: the most jobs of each type running at once during the month.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub jobs: BTreeMap<String, u32>,
}

/// The keys of one key type (e.g. "SP MSP ShadowProtect").
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyTable {
    /// The key type, from the catalog.
    pub key_type: String,
    /// Whether its products are perpetual (legacy), hence never billed monthly.
    pub perpetual: bool,
    /// Keys, sorted by account, site, key and machine.
    pub rows: Vec<KeyRow>,
}

/// Billed licences of one product and edition.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditionCount {
    /// Product id.
    pub product: ProductId,
    /// Product name.
    pub product_name: String,
    /// Edition.
    pub edition: Option<String>,
    /// The rule applied.
    pub rule: BillingRule,
    /// Licences billed under the rule.
    pub licences: u64,
    /// Σ billable days of the billed licences.
    pub billable_days: u64,
    /// Σ of the quantities of this product's and edition's priced lines.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub quantity: Decimal,
}

/// One priced line: an account's licences of one product and edition.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricedLine {
    /// Account.
    pub account: String,
    /// Product id.
    pub product: ProductId,
    /// Product name.
    pub product_name: String,
    /// Edition.
    pub edition: Option<String>,
    /// The rule applied.
    pub rule: BillingRule,
    /// Licences billed.
    pub licences: u64,
    /// Σ billable days of the billed licences.
    pub billable_days: u64,
    /// Units billed: licences; Σ days ÷ days in month (`Prorated`, shown to 4 places, the amount
    /// uses the exact fraction); the peak at once (`Peak`).
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub quantity: Decimal,
    /// Monthly price per unit.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub unit_price: Decimal,
    /// `unit_price × quantity`, rounded once.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub amount: Decimal,
}

/// The total of one account: the sum of its rounded lines.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountTotal {
    /// Account.
    pub account: String,
    /// Σ of its lines' amounts.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub amount: Decimal,
}

/// The Billing Detail report of one month.
///
/// Built by [`BillingDetail::build`]; see the [module example](super) for a whole report.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingDetail {
    /// The month.
    pub month: Month,
    /// IANA zone its days are counted in.
    pub time_zone: String,
    /// Currency of every amount.
    pub currency: String,
    /// The price list's default rule.
    pub rule: BillingRule,
    /// Rounding of lines.
    pub rounding: Rounding,
    /// Decimal places of amounts.
    pub scale: u32,
    /// One table per key type, in catalog order (all of them, even when empty).
    pub tables: Vec<KeyTable>,
    /// Billed licences per product and edition.
    pub counts: Vec<EditionCount>,
    /// Priced lines, by account, product and edition.
    pub lines: Vec<PricedLine>,
    /// Totals per account.
    pub account_totals: Vec<AccountTotal>,
    /// Grand total: Σ account totals.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub total: Decimal,
}

/// Whether the licence exists in the month at all: not ended before it, not started after it.
fn in_month(h: &LicenceHistory, b: &MonthBounds) -> bool {
    let started = h.spans.first().is_none_or(|s| s.from < b.end());
    let gone_before = h.spans.last().is_some_and(|s| {
        s.state == LicenceState::Deactivated && s.from <= b.start() && s.until.is_none()
    });
    started && !gone_before
}

impl BillingDetail {
    /// The Billing Detail of `month` in time zone `zone`, priced with `prices`.
    ///
    /// Every key of every history is listed (except licences deactivated before the month began
    /// and licences first seen after it). Subscription keys are billed under
    /// [`PriceList::rule_for`] their product; perpetual (legacy) keys are listed, never billed.
    ///
    /// # Errors
    /// [`BillingError::UnknownProduct`],
    /// [`BillingError::MissingPrice`] (a billed product/edition without a price),
    /// [`BillingError::MixedCurrencies`], [`BillingError::BadCurrency`], [`BillingError::Overflow`].
    ///
    /// ```
    /// use keyledger::billing::{BillingDetail, BillingRule, Month, PriceList};
    /// use keyledger::catalog::presets;
    /// let prices = PriceList::new("USD", BillingRule::AnyDay)?;
    /// let r = BillingDetail::build(&[], &presets::storagecraft(), Month::new(2026, 2)?, &keyledger::billing::Zone::utc(), &prices)?;
    /// let types: Vec<&str> = r.tables.iter().map(|t| t.key_type.as_str()).collect();
    /// assert_eq!(types, ["SP MSP ShadowProtect", "SP MSP ImageManager", "Legacy ShadowProtect", "Legacy ImageManager"]);
    /// assert!(r.total.is_zero());
    /// # Ok::<(), keyledger::billing::BillingError>(())
    /// ```
    pub fn build(
        histories: &[LicenceHistory],
        catalog: &Catalog,
        month: Month,
        zone: &Zone,
        prices: &PriceList,
    ) -> Result<BillingDetail, BillingError> {
        prices.validate()?;
        let b = month.bounds(zone);
        let mut tables: Vec<KeyTable> = Vec::new();
        for p in catalog.products() {
            if !tables.iter().any(|t| t.key_type == p.key_type) {
                tables.push(KeyTable {
                    key_type: p.key_type.clone(),
                    perpetual: !p.is_subscription(),
                    rows: Vec::new(),
                });
            }
        }
        type LineKey = (String, ProductId, Option<String>);
        let mut groups: BTreeMap<LineKey, Vec<LicenceMonth>> = BTreeMap::new();
        for h in histories {
            let product = catalog.get(h.product).ok_or(BillingError::UnknownProduct {
                product: h.product.get(),
            })?;
            if !in_month(h, &b) {
                continue;
            }
            let (m, billable, explanation) = if product.is_subscription() {
                let rule = prices.rule_for(h.product);
                rule.validate()?;
                let m = evaluate_rule(h, &b, rule);
                let billed = rule.bills(m.days(), b.days(), m.at_rule);
                let text = explain::explain(h, &b, &m, rule, billed);
                (m, billed, text)
            } else {
                let m = LicenceMonth {
                    mask: 0,
                    at_end: false,
                    at_rule: false,
                    intervals: Vec::new(),
                };
                (m, false, explain::perpetual(h, &b))
            };
            // Moves are facts with instants: the month goes to where the key was then.
            let (account, site) = if product.is_subscription() {
                super::placement::month_placement(h, &b, &m)
            } else {
                super::placement::month_placement(h, &b, &evaluate(h, &b))
            };
            let row = KeyRow {
                key: h.key,
                product: h.product,
                account: account.clone(),
                site,
                edition: h.edition.clone(),
                machine: h.machine.clone(),
                activated_at: h.activations.first().copied(),
                billable_days: m.days(),
                days: (0..32u32)
                    .filter(|d| m.mask & (1u32 << d) != 0)
                    .map(|d| d + 1)
                    .collect(),
                billable,
                explanation,
                jobs: super::placement::month_jobs(h, &b),
            };
            if let Some(t) = tables.iter_mut().find(|t| t.key_type == product.key_type) {
                t.rows.push(row);
            }
            if billable {
                groups
                    .entry((account, h.product, h.edition.clone()))
                    .or_default()
                    .push(m);
            }
        }
        for t in &mut tables {
            crate::sort::sort_by(&mut t.rows, |a, b| {
                (&a.account, &a.site, a.key, &a.machine, a.activated_at).cmp(&(
                    &b.account,
                    &b.site,
                    b.key,
                    &b.machine,
                    b.activated_at,
                ))
            });
        }
        // High-water marks of the earlier months of each line's contract term.
        let mut marks: BTreeMap<BillingRule, BTreeMap<LineKey, u64>> = BTreeMap::new();
        let hwm_rules: Vec<BillingRule> = histories
            .iter()
            .map(|h| prices.rule_for(h.product))
            .collect();
        for rule in hwm_rules {
            if matches!(rule, BillingRule::HighWaterMark { .. }) && !marks.contains_key(&rule) {
                let m = term_marks(histories, rule, month, zone, |h| {
                    let subscription = catalog.get(h.product).is_some_and(|p| p.is_subscription());
                    (subscription && prices.rule_for(h.product) == rule)
                        .then(|| (h.account.clone(), h.product, h.edition.clone()))
                })?;
                // A line billed earlier in the term is billed its mark even with no licence now.
                for k in m.keys() {
                    groups.entry(k.clone()).or_default();
                }
                marks.insert(rule, m);
            }
        }
        let mut lines = Vec::new();
        for ((account, product, edition), ms) in groups {
            let rule = prices.rule_for(product);
            let licences = ms.len() as u64;
            let billable_days: u64 = ms.iter().map(|m| u64::from(m.days())).sum();
            let mut q = quantity(rule, licences, billable_days, b.days(), || {
                peak(ms.iter().flat_map(|m| m.intervals.iter().copied()))
            })?;
            if let Some(mark) = marks
                .get(&rule)
                .and_then(|m| m.get(&(account.clone(), product, edition.clone())))
            {
                q = q.max(Decimal::from(*mark));
            }
            let product_name = catalog
                .get(product)
                .map(|p| p.name.clone())
                .unwrap_or_default();
            let unit_price = prices
                .price_of(product, edition.as_deref())
                .ok_or_else(|| BillingError::MissingPrice {
                    product: product_name.clone(),
                    edition: edition.clone(),
                })?;
            let (num, den) = if rule == BillingRule::Prorated {
                (Decimal::from(billable_days), b.days())
            } else {
                (q, 1)
            };
            let amount = line_amount(unit_price, num, den, prices.rounding, prices.scale)?;
            let shown = if rule == BillingRule::Prorated {
                Rounding::HalfUp.round(q, 4)
            } else {
                q
            };
            lines.push(PricedLine {
                account,
                product,
                product_name,
                edition,
                rule,
                licences,
                billable_days,
                quantity: shown,
                unit_price,
                amount,
            });
        }
        let mut counts: Vec<EditionCount> = Vec::new();
        for l in &lines {
            let i = match counts
                .iter()
                .position(|c| c.product == l.product && c.edition == l.edition)
            {
                Some(i) => i,
                None => {
                    counts.push(EditionCount {
                        product: l.product,
                        product_name: l.product_name.clone(),
                        edition: l.edition.clone(),
                        rule: l.rule,
                        licences: 0,
                        billable_days: 0,
                        quantity: Decimal::ZERO,
                    });
                    counts.len() - 1
                }
            };
            if let Some(c) = counts.get_mut(i) {
                c.licences += l.licences;
                c.billable_days += l.billable_days;
                c.quantity = checked_sum([c.quantity, l.quantity], "a count")?;
            }
        }
        crate::sort::sort_by(&mut counts, |a, b| {
            (a.product, &a.edition).cmp(&(b.product, &b.edition))
        });
        let mut account_totals: Vec<AccountTotal> = Vec::new();
        for l in &lines {
            match account_totals.iter_mut().find(|a| a.account == l.account) {
                Some(a) => a.amount = checked_sum([a.amount, l.amount], "an account total")?,
                None => account_totals.push(AccountTotal {
                    account: l.account.clone(),
                    amount: l.amount,
                }),
            }
        }
        let total = checked_sum(account_totals.iter().map(|a| a.amount), "the grand total")?;
        Ok(BillingDetail {
            month,
            time_zone: zone.name().to_string(),
            currency: prices.currency.clone(),
            rule: prices.rule,
            rounding: prices.rounding,
            scale: prices.scale,
            tables,
            counts,
            lines,
            account_totals,
            total,
        })
    }

    /// Recomputes this report's month from new histories (late events included) and reports the
    /// difference from this, the earlier report.
    ///
    /// # Errors
    /// As [`build`](Self::build); [`BillingError::MixedCurrencies`] if `prices` is in another
    /// currency than this report.
    ///
    /// ```
    /// use keyledger::billing::{BillingDetail, BillingRule, Month, PriceList};
    /// use keyledger::catalog::presets;
    /// let prices = PriceList::new("USD", BillingRule::AnyDay)?;
    /// let c = presets::storagecraft();
    /// let before = BillingDetail::build(&[], &c, Month::new(2026, 11)?, &keyledger::billing::Zone::utc(), &prices)?;
    /// let again = before.recompute(&[], &c, &prices)?;
    /// assert!(again.diff.is_empty());
    /// let euros = PriceList::new("EUR", BillingRule::AnyDay)?;
    /// assert_eq!(before.recompute(&[], &c, &euros).unwrap_err().code(), "billing.mixed_currencies");
    /// # Ok::<(), keyledger::billing::BillingError>(())
    /// ```
    pub fn recompute(
        &self,
        histories: &[LicenceHistory],
        catalog: &Catalog,
        prices: &PriceList,
    ) -> Result<Recomputed, BillingError> {
        if prices.currency != self.currency {
            return Err(BillingError::MixedCurrencies {
                expected: self.currency.clone(),
                found: prices.currency.clone(),
            });
        }
        let report = BillingDetail::build(
            histories,
            catalog,
            self.month,
            &Zone::get(&self.time_zone)?,
            prices,
        )?;
        let diff = BillingDiff::between(self, &report)?;
        Ok(Recomputed { report, diff })
    }

    /// The report as CSV: one record per row, with a `section` column (`key`, `count`, `line`,
    /// `account_total`, `total`) so every part of the report is in one file.
    ///
    /// # Errors
    /// [`BillingError::Csv`] if the writer fails.
    ///
    /// ```
    /// use keyledger::billing::{BillingDetail, BillingRule, Month, PriceList};
    /// use keyledger::catalog::presets;
    /// let prices = PriceList::new("USD", BillingRule::AnyDay)?;
    /// let r = BillingDetail::build(&[], &presets::storagecraft(), Month::new(2026, 11)?, &keyledger::billing::Zone::utc(), &prices)?;
    /// let csv = r.to_csv()?;
    /// assert!(csv.starts_with("section,key_type,account,site,key,machine,product,edition,"));
    /// assert!(csv.ends_with("total,,,,,,,,,,,,,,0,USD,\n"));
    /// # Ok::<(), keyledger::billing::BillingError>(())
    /// ```
    pub fn to_csv(&self) -> Result<String, BillingError> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record([
            "section",
            "key_type",
            "account",
            "site",
            "key",
            "machine",
            "product",
            "edition",
            "billable_days",
            "billable",
            "rule",
            "licences",
            "quantity",
            "unit_price",
            "amount",
            "currency",
            "explanation",
        ])?;
        let opt = |s: &Option<String>| s.clone().unwrap_or_default();
        let rule = |r: BillingRule| r.describe();
        for t in &self.tables {
            for r in &t.rows {
                w.write_record([
                    "key".to_string(),
                    t.key_type.clone(),
                    r.account.clone(),
                    opt(&r.site),
                    r.key.to_string(),
                    r.machine.clone(),
                    r.product.to_string(),
                    opt(&r.edition),
                    r.billable_days.to_string(),
                    r.billable.to_string(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    r.explanation.clone(),
                ])?;
            }
        }
        for c in &self.counts {
            w.write_record([
                "count".to_string(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                c.product_name.clone(),
                opt(&c.edition),
                c.billable_days.to_string(),
                String::new(),
                rule(c.rule),
                c.licences.to_string(),
                c.quantity.to_string(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ])?;
        }
        for l in &self.lines {
            w.write_record([
                "line".to_string(),
                String::new(),
                l.account.clone(),
                String::new(),
                String::new(),
                String::new(),
                l.product_name.clone(),
                opt(&l.edition),
                l.billable_days.to_string(),
                String::new(),
                rule(l.rule),
                l.licences.to_string(),
                l.quantity.to_string(),
                l.unit_price.to_string(),
                l.amount.to_string(),
                self.currency.clone(),
                String::new(),
            ])?;
        }
        let mut money_row = |section: &str, account: &str, amount: Decimal| {
            let e = String::new;
            w.write_record([
                section.to_string(),
                e(),
                account.to_string(),
                e(),
                e(),
                e(),
                e(),
                e(),
                e(),
                e(),
                e(),
                e(),
                e(),
                e(),
                amount.to_string(),
                self.currency.clone(),
                e(),
            ])
        };
        for a in &self.account_totals {
            money_row("account_total", &a.account, a.amount)?;
        }
        money_row("total", "", self.total)?;
        let bytes = w.into_inner().map_err(|e| BillingError::Csv {
            message: e.to_string(),
        })?;
        String::from_utf8(bytes).map_err(|e| BillingError::Csv {
            message: e.to_string(),
        })
    }
}

/// A recomputed report and how it differs from the earlier one.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recomputed {
    /// The new report.
    pub report: BillingDetail,
    /// What changed.
    pub diff: BillingDiff,
}

/// A key whose billing changed between two reports of one month.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyChange {
    /// The key.
    pub key: ProductKey,
    /// The machine.
    pub machine: String,
    /// First activation of the licence.
    pub activated_at: Option<DateTime<Utc>>,
    /// Billable days before (None: not in the earlier report).
    pub days_before: Option<u32>,
    /// Billable days now (None: not in the new report).
    pub days_after: Option<u32>,
    /// Billed before.
    pub billable_before: Option<bool>,
    /// Billed now.
    pub billable_after: Option<bool>,
}

/// An amount that changed: a line (product set) or an account total (product None).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineChange {
    /// Account.
    pub account: String,
    /// Product of the line; None for an account total.
    pub product: Option<ProductId>,
    /// Edition of the line.
    pub edition: Option<String>,
    /// Amount before (0 if absent).
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub before: Decimal,
    /// Amount now (0 if absent).
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub after: Decimal,
    /// `after − before`.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub delta: Decimal,
}

/// The difference between two reports of one month.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingDiff {
    /// Keys whose billable days or billable flag changed (or appeared, or disappeared).
    pub keys: Vec<KeyChange>,
    /// Lines whose amount changed.
    pub lines: Vec<LineChange>,
    /// Account totals that changed.
    pub accounts: Vec<LineChange>,
    /// Grand total before.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub total_before: Decimal,
    /// Grand total now.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub total_after: Decimal,
    /// `total_after − total_before`.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub total_delta: Decimal,
}

impl BillingDiff {
    /// Whether nothing changed.
    ///
    /// ```
    /// # use keyledger::billing::BillingDiff;
    /// # use rust_decimal::Decimal;
    /// let d = BillingDiff { keys: vec![], lines: vec![], accounts: vec![],
    ///     total_before: Decimal::ONE, total_after: Decimal::ONE, total_delta: Decimal::ZERO };
    /// assert!(d.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
            && self.lines.is_empty()
            && self.accounts.is_empty()
            && self.total_delta.is_zero()
    }

    fn between(old: &BillingDetail, new: &BillingDetail) -> Result<BillingDiff, BillingError> {
        type Id = (ProductKey, String, Option<DateTime<Utc>>);
        let rows = |r: &BillingDetail| -> BTreeMap<Id, (u32, bool)> {
            crate::sort::map(r.tables.iter().flat_map(|t| t.rows.iter()).map(|k| {
                (
                    (k.key, k.machine.clone(), k.activated_at),
                    (k.billable_days, k.billable),
                )
            }))
        };
        let (a, b) = (rows(old), rows(new));
        let mut keys = Vec::new();
        let ids = crate::sort::set(a.keys().chain(b.keys()));
        for id in ids {
            let (x, y) = (a.get(id), b.get(id));
            if x != y {
                keys.push(KeyChange {
                    key: id.0,
                    machine: id.1.clone(),
                    activated_at: id.2,
                    days_before: x.map(|v| v.0),
                    days_after: y.map(|v| v.0),
                    billable_before: x.map(|v| v.1),
                    billable_after: y.map(|v| v.1),
                });
            }
        }
        type LineId = (String, Option<ProductId>, Option<String>);
        let amounts = |r: &BillingDetail, lines: bool| -> BTreeMap<LineId, Decimal> {
            if lines {
                crate::sort::map(r.lines.iter().map(|l| {
                    (
                        (l.account.clone(), Some(l.product), l.edition.clone()),
                        l.amount,
                    )
                }))
            } else {
                crate::sort::map(
                    r.account_totals
                        .iter()
                        .map(|t| ((t.account.clone(), None, None), t.amount)),
                )
            }
        };
        let changes = |lines: bool| -> Result<Vec<LineChange>, BillingError> {
            let (a, b) = (amounts(old, lines), amounts(new, lines));
            let ids = crate::sort::set(a.keys().chain(b.keys()));
            let mut out = Vec::new();
            for id in ids {
                let before = a.get(id).copied().unwrap_or(Decimal::ZERO);
                let after = b.get(id).copied().unwrap_or(Decimal::ZERO);
                if before != after || a.contains_key(id) != b.contains_key(id) {
                    out.push(LineChange {
                        account: id.0.clone(),
                        product: id.1,
                        edition: id.2.clone(),
                        before,
                        after,
                        delta: after.checked_sub(before).ok_or(BillingError::Overflow {
                            what: "a difference".into(),
                        })?,
                    });
                }
            }
            Ok(out)
        };
        Ok(BillingDiff {
            keys,
            lines: changes(true)?,
            accounts: changes(false)?,
            total_before: old.total,
            total_after: new.total,
            total_delta: new
                .total
                .checked_sub(old.total)
                .ok_or(BillingError::Overflow {
                    what: "the total difference".into(),
                })?,
        })
    }
}

/// A plain-text rendering for consoles and examples: one table per key type, then counts, lines
/// and totals.
impl std::fmt::Display for BillingDetail {
    /// The report as text: every table laid out from its contents, `-` where a value does not
    /// exist (no site, no edition).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use super::layout::{or_dash, write_table};
        writeln!(
            f,
            "Billing Detail {} ({}; rule: {}; {})",
            self.month,
            self.time_zone,
            self.rule.describe(),
            self.currency
        )?;
        for t in &self.tables {
            let kind = if t.perpetual {
                " (perpetual, not billed monthly)"
            } else {
                ""
            };
            writeln!(f, "\n{}{} — keys: {}", t.key_type, kind, t.rows.len())?;
            if t.rows.is_empty() {
                continue;
            }
            let with_jobs = t.rows.iter().any(|r| !r.jobs.is_empty());
            let rows: Vec<Vec<String>> = t
                .rows
                .iter()
                .map(|r| {
                    let jobs: Vec<String> =
                        r.jobs.iter().map(|(t, n)| format!("{t} {n}")).collect();
                    let mut cells = vec![
                        r.key.to_string(),
                        r.account.clone(),
                        or_dash(r.site.as_deref()),
                        or_dash(r.edition.as_deref()),
                        or_dash(Some(&r.machine)),
                        if t.perpetual {
                            "-".to_string()
                        } else {
                            r.billable_days.to_string()
                        },
                        if t.perpetual {
                            "perpetual"
                        } else if r.billable {
                            "billable"
                        } else {
                            "not billable"
                        }
                        .to_string(),
                        r.explanation.clone(),
                    ];
                    if with_jobs {
                        cells.insert(7, or_dash(Some(&jobs.join(", "))));
                    }
                    cells
                })
                .collect();
            let mut header = vec![
                "product key",
                "account",
                "site",
                "edition",
                "machine",
                "days",
                "billed",
                "why",
            ];
            if with_jobs {
                header.insert(7, "jobs at peak");
            }
            write_table(f, &header, &rows, &[5])?;
        }
        writeln!(f, "\nBillable licences per product and edition")?;
        let rows: Vec<Vec<String>> = self
            .counts
            .iter()
            .map(|c| {
                vec![
                    c.product_name.clone(),
                    or_dash(c.edition.as_deref()),
                    c.licences.to_string(),
                    c.quantity.to_string(),
                ]
            })
            .collect();
        write_table(
            f,
            &["product", "edition", "licences", "quantity"],
            &rows,
            &[2, 3],
        )?;
        writeln!(f, "\nPriced lines ({})", self.currency)?;
        let mut rows: Vec<Vec<String>> = self
            .lines
            .iter()
            .map(|l| {
                vec![
                    l.account.clone(),
                    l.product_name.clone(),
                    or_dash(l.edition.as_deref()),
                    l.quantity.to_string(),
                    l.unit_price.to_string(),
                    l.amount.to_string(),
                ]
            })
            .collect();
        for a in &self.account_totals {
            rows.push(vec![
                format!("total {}", a.account),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                a.amount.to_string(),
            ]);
        }
        rows.push(vec![
            "GRAND TOTAL".into(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            self.total.to_string(),
        ]);
        write_table(
            f,
            &[
                "account",
                "product",
                "edition",
                "quantity",
                "unit price",
                "amount",
            ],
            &rows,
            &[3, 4, 5],
        )
    }
}
