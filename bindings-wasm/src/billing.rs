//! Billing for JavaScript: Billing Detail, recomputation, Activation Report, trends,
//! explanations, price lists and the bulk path over typed arrays.
//!
//! The inputs are the ledger's licence histories (`ledger.licenceHistories(until)`), a month
//! (`"2026-10"`), an IANA time zone (`"UTC"` when absent) and a price list; reports come back as
//! plain objects (the Rust serde form, money as decimal strings) with their CSV text.

use crate::args::{self, document, optional_document};
use crate::errors::{output, throw, to_js};
use chrono::NaiveDate;
use keyledger::billing::{
    self, bulk, ActivationReport, ActivationSortKey, BillingDetail, BillingRule, Month, PriceList,
    Trends,
};
use keyledger::catalog::{presets, Catalog, ProductId};
use keyledger::lifecycle::{LicenceHistory, LifecyclePolicy};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

const HISTORIES: &str = "a list of licence histories (ledger.licenceHistories(until))";
const PRICES: &str = "a price list {currency, rule, scale, prices, ...}";

fn utc() -> String {
    "UTC".to_string()
}

fn histories_arg(value: &JsValue) -> Result<Vec<LicenceHistory>, JsValue> {
    document(value, "histories", HISTORIES)
}

fn catalog_or_preset(catalog: Option<Catalog>) -> Catalog {
    catalog.unwrap_or_else(presets::storagecraft)
}

/// A report with its text rendering and its CSV text.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Serialize)]
pub(crate) struct WithText<R> {
    report: R,
    text: String,
    csv: String,
}

/// A report with its CSV text.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Serialize)]
pub(crate) struct WithCsv<R> {
    report: R,
    csv: String,
}

/// Options of `billingDetail`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "BillingDetailOptions"))]
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct DetailOptions {
    month: Month,
    prices: PriceList,
    #[serde(default = "utc")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    zone: String,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    catalog: Option<Catalog>,
}

/// `billingDetail(histories, {month, prices, zone = "UTC", catalog?})`: the month's Billing
/// Detail: `{report, text, csv}` (the key tables, counts per edition, priced lines per account,
/// totals; money as decimal strings).
///
/// # Errors
/// `billing.unknown_time_zone`, `billing.unknown_month`, `billing.missing_price`,
/// `billing.mixed_currencies` and the other price-list checks, `js.bad_argument`.
#[wasm_bindgen(js_name = billingDetail, unchecked_return_type = "BillingDetailResult")]
pub fn billing_detail(
    #[wasm_bindgen(unchecked_param_type = "LicenceHistory[]")] histories: JsValue,
    #[wasm_bindgen(unchecked_param_type = "BillingDetailOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let histories = histories_arg(&histories)?;
    let o: DetailOptions = document(&options, "options", "{month, prices, zone?, catalog?}")?;
    let catalog = catalog_or_preset(o.catalog);
    let report = BillingDetail::build(
        &histories,
        &catalog,
        o.month,
        &billing::Zone::get(&o.zone).map_err(to_js)?,
        &o.prices,
    )
    .map_err(to_js)?;
    let csv = report.to_csv().map_err(to_js)?;
    output(&WithText {
        text: report.to_string(),
        report,
        csv,
    })
}

/// `doubleBilling(histories, {month, prices, zone = "UTC", catalog?})`: machines that held an
/// active legacy licence and a billed SP MSP licence in the month, with both keys, the account and
/// the overlapping days: `{report, text, csv}`.
///
/// # Errors
/// As `billingDetail`.
#[wasm_bindgen(js_name = doubleBilling, unchecked_return_type = "DoubleBillingResult")]
pub fn double_billing(
    #[wasm_bindgen(unchecked_param_type = "LicenceHistory[]")] histories: JsValue,
    #[wasm_bindgen(unchecked_param_type = "BillingDetailOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let histories = histories_arg(&histories)?;
    let o: DetailOptions = document(&options, "options", "{month, prices, zone?, catalog?}")?;
    let catalog = catalog_or_preset(o.catalog);
    let report = billing::DoubleBilling::build(
        &histories,
        &catalog,
        o.month,
        &billing::Zone::get(&o.zone).map_err(to_js)?,
        &o.prices,
    )
    .map_err(to_js)?;
    let csv = report.to_csv().map_err(to_js)?;
    output(&WithText {
        text: report.to_string(),
        report,
        csv,
    })
}

/// `recompute(earlier, histories, prices, catalog?)`: the same month again from corrected
/// histories or prices: `{report, diff}` (keys and lines that changed, and by how much).
///
/// # Errors
/// As `billingDetail`.
#[wasm_bindgen(unchecked_return_type = "Recomputed")]
pub fn recompute(
    #[wasm_bindgen(unchecked_param_type = "BillingDetail")] earlier: JsValue,
    #[wasm_bindgen(unchecked_param_type = "LicenceHistory[]")] histories: JsValue,
    #[wasm_bindgen(unchecked_param_type = "PriceList")] prices: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "Catalog")] catalog: JsValue,
) -> Result<JsValue, JsValue> {
    let earlier: BillingDetail = document(&earlier, "earlier", "a Billing Detail report")?;
    let histories = histories_arg(&histories)?;
    let prices: PriceList = document(&prices, "prices", PRICES)?;
    let catalog = catalog_or_preset(optional_document(&catalog, "catalog", "a catalog")?);
    output(
        &earlier
            .recompute(&histories, &catalog, &prices)
            .map_err(to_js)?,
    )
}

/// Options of `activationReport`.
#[cfg_attr(
    feature = "ts",
    derive(ts_rs::TS),
    ts(rename = "ActivationReportOptions")
)]
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct ActivationOptions {
    start: NaiveDate,
    end: NaiveDate,
    #[serde(default = "utc")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    zone: String,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    products: Vec<ProductId>,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    sort: Option<Vec<ActivationSortKey>>,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    catalog: Option<Catalog>,
}

/// `activationReport(histories, {start, end, zone = "UTC", products = [], sort?, catalog?})`:
/// activations and deactivations between two dates (`"YYYY-MM-DD"`, inclusive), of the given
/// products (all when empty), sorted by the keys given (product type, date, serial by default):
/// `{report, csv}`.
///
/// # Errors
/// `billing.unknown_time_zone`, `billing.range_reversed`, `js.bad_argument`.
#[wasm_bindgen(js_name = activationReport, unchecked_return_type = "ActivationReportResult")]
pub fn activation_report(
    #[wasm_bindgen(unchecked_param_type = "LicenceHistory[]")] histories: JsValue,
    #[wasm_bindgen(unchecked_param_type = "ActivationReportOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let histories = histories_arg(&histories)?;
    let o: ActivationOptions = document(
        &options,
        "options",
        "{start: \"YYYY-MM-DD\", end: \"YYYY-MM-DD\", zone?, products?, sort?, catalog?}",
    )?;
    let catalog = catalog_or_preset(o.catalog);
    let sort = o
        .sort
        .unwrap_or_else(|| ActivationSortKey::DEFAULT.to_vec());
    let report = ActivationReport::build(
        &histories,
        &catalog,
        o.start,
        o.end,
        &billing::Zone::get(&o.zone).map_err(to_js)?,
        &o.products,
        &sort,
    )
    .map_err(to_js)?;
    let csv = report.to_csv().map_err(to_js)?;
    output(&WithCsv { report, csv })
}

/// Options of `trends` (`last` is required: checked after reading, to name it in the error).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct TrendsOptions {
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    last: Option<Month>,
    #[serde(default = "utc")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    zone: String,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    rule: BillingRule,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    catalog: Option<Catalog>,
}

/// Options of `explain` (`month` is required: checked after reading, to name it in the error).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct ExplainOptions {
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    month: Option<Month>,
    #[serde(default = "utc")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    zone: String,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    rule: BillingRule,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    catalog: Option<Catalog>,
}

/// The trends report and its CSV.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "TrendsResult"))]
#[derive(Serialize)]
pub(crate) struct TrendsWithCsv {
    trends: Trends,
    csv: String,
}

fn required(month: Option<Month>, name: &'static str) -> Result<Month, JsValue> {
    month.ok_or_else(|| throw(&args::bad_argument(name, "a month \"YYYY-MM\"")))
}

/// `trends(histories, {last, zone = "UTC", rule = "any_day", catalog?})`: billable licences
/// per product for each of the twelve months ending with `last`: `{trends, csv}`.
///
/// # Errors
/// `billing.unknown_time_zone`, `billing.unknown_month`, `js.bad_argument`.
#[wasm_bindgen(unchecked_return_type = "TrendsResult")]
pub fn trends(
    #[wasm_bindgen(unchecked_param_type = "LicenceHistory[]")] histories: JsValue,
    #[wasm_bindgen(unchecked_param_type = "TrendsOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let histories = histories_arg(&histories)?;
    let o: TrendsOptions = document(&options, "options", "{last, zone?, rule?, catalog?}")?;
    let last = required(o.last, "options.last")?;
    let catalog = catalog_or_preset(o.catalog);
    let trends = Trends::build(
        &histories,
        &catalog,
        last,
        &billing::Zone::get(&o.zone).map_err(to_js)?,
        o.rule,
    )
    .map_err(to_js)?;
    let csv = trends.to_csv().map_err(to_js)?;
    output(&TrendsWithCsv { trends, csv })
}

/// `explain(history, {month, zone = "UTC", rule = "any_day", catalog?})`: why one licence is or
/// is not billed in a month, day by day.
///
/// # Errors
/// `billing.unknown_time_zone`, `billing.unknown_month`, `js.bad_argument`.
#[wasm_bindgen(unchecked_return_type = "Explanation")]
pub fn explain(
    #[wasm_bindgen(unchecked_param_type = "LicenceHistory")] history: JsValue,
    #[wasm_bindgen(unchecked_param_type = "ExplainOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let history: LicenceHistory = document(&history, "history", "a licence history")?;
    let o: ExplainOptions = document(&options, "options", "{month, zone?, rule?, catalog?}")?;
    let month = required(o.month, "options.month")?;
    let catalog = catalog_or_preset(o.catalog);
    output(
        &billing::explain(
            &history,
            &catalog,
            month,
            &billing::Zone::get(&o.zone).map_err(to_js)?,
            o.rule,
        )
        .map_err(to_js)?,
    )
}

/// `validatePrices(prices)`: checks a price list and returns it normalised (defaults filled in).
///
/// # Errors
/// `billing.bad_currency`, `billing.mixed_currencies`, `billing.bad_amount`,
/// `js.bad_argument`.
#[wasm_bindgen(js_name = validatePrices, unchecked_return_type = "PriceList")]
pub fn validate_prices(
    #[wasm_bindgen(unchecked_param_type = "PriceList")] prices: JsValue,
) -> Result<JsValue, JsValue> {
    let prices: PriceList = document(&prices, "prices", PRICES)?;
    prices.validate().map_err(to_js)?;
    output(&prices)
}

/// The columns of the bulk path, copied out of typed arrays.
struct Columns {
    licence: Vec<u32>,
    at: Vec<i64>,
    activated_at: Vec<i64>,
    deactivated_at: Vec<i64>,
    last_contact_before: Vec<i64>,
    group: Vec<u16>,
}

fn column<T: JsCast>(
    columns: &JsValue,
    name: &'static str,
    argument: &'static str,
    expected: &'static str,
) -> Result<T, JsValue> {
    js_sys::Reflect::get(columns, &name.into())
        .ok()
        .and_then(|v| v.dyn_into::<T>().ok())
        .ok_or_else(|| throw(&args::bad_argument(argument, expected)))
}

impl Columns {
    fn read(columns: &JsValue) -> Result<Columns, JsValue> {
        const I64: &str = "a BigInt64Array";
        let i64s = |name, argument| -> Result<Vec<i64>, JsValue> {
            Ok(column::<js_sys::BigInt64Array>(columns, name, argument, I64)?.to_vec())
        };
        Ok(Columns {
            licence: column::<js_sys::Uint32Array>(
                columns,
                "licence",
                "columns.licence",
                "a Uint32Array",
            )?
            .to_vec(),
            at: i64s("at", "columns.at")?,
            activated_at: i64s("activatedAt", "columns.activatedAt")?,
            deactivated_at: i64s("deactivatedAt", "columns.deactivatedAt")?,
            last_contact_before: i64s("lastContactBefore", "columns.lastContactBefore")?,
            group: column::<js_sys::Uint16Array>(
                columns,
                "group",
                "columns.group",
                "a Uint16Array",
            )?
            .to_vec(),
        })
    }

    fn input(&self, groups: usize, time_sorted: bool) -> bulk::BulkInput<'_> {
        bulk::BulkInput {
            licence: &self.licence,
            at: &self.at,
            activated_at: &self.activated_at,
            deactivated_at: &self.deactivated_at,
            last_contact_before: &self.last_contact_before,
            group: &self.group,
            groups,
            time_sorted,
        }
    }
}

/// Options of the bulk functions.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct BulkOptions {
    groups: u16,
    month: Month,
    #[serde(default = "utc")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    zone: String,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    rule: BillingRule,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    time_sorted: bool,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    policy: Option<LifecyclePolicy>,
}

const BULK_OPTIONS: &str = "{groups, month, zone?, rule?, timeSorted?, policy?}";

fn bulk_args(
    columns: &JsValue,
    options: &JsValue,
) -> Result<(Columns, BulkOptions, LifecyclePolicy), JsValue> {
    let cols = Columns::read(columns)?;
    let o: BulkOptions = document(options, "options", BULK_OPTIONS)?;
    let policy = o.policy.unwrap_or_default();
    Ok((cols, o, policy))
}

/// `bulkBill(columns, {groups, month, zone = "UTC", rule = "any_day", timeSorted = false,
/// policy?})`: the month's bill straight from call-home columns — `licence` (`Uint32Array`, one
/// per call-home), `at` (`BigInt64Array`, Unix seconds), and per licence `activatedAt`,
/// `deactivatedAt` (`BigInt64Array`, `2n**63n-1n` for never), `lastContactBefore`
/// (`BigInt64Array`, `-(2n**63n)` for none) and `group` (`Uint16Array`, `< groups`). Returns
/// `{days, groups: [{licences, billable_days, quantity}]}`, the same counts as the history path.
///
/// # Errors
/// `billing.column_length`, `billing.unsorted`, `billing.unknown_time_zone`, `js.bad_argument`.
#[wasm_bindgen(js_name = bulkBill, unchecked_return_type = "BulkResult")]
pub fn bulk_bill(
    #[wasm_bindgen(unchecked_param_type = "BulkColumns")] columns: JsValue,
    #[wasm_bindgen(unchecked_param_type = "BulkOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let (cols, o, policy) = bulk_args(&columns, &options)?;
    let input = cols.input(usize::from(o.groups), o.time_sorted);
    output(
        &bulk::bill(
            &input,
            o.month,
            &billing::Zone::get(&o.zone).map_err(to_js)?,
            o.rule,
            &policy,
        )
        .map_err(to_js)?,
    )
}

/// `bulkAnyDayCounts(columns, {groups, month, zone = "UTC", timeSorted = false, policy?})`: the
/// fast path of the default rule: licences billed per group (a `number[]`).
///
/// # Errors
/// As `bulkBill`.
#[wasm_bindgen(js_name = bulkAnyDayCounts, unchecked_return_type = "number[]")]
pub fn bulk_any_day_counts(
    #[wasm_bindgen(unchecked_param_type = "BulkColumns")] columns: JsValue,
    #[wasm_bindgen(unchecked_param_type = "BulkOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let (cols, o, policy) = bulk_args(&columns, &options)?;
    let input = cols.input(usize::from(o.groups), o.time_sorted);
    output(
        &bulk::any_day_counts(
            &input,
            o.month,
            &billing::Zone::get(&o.zone).map_err(to_js)?,
            &policy,
        )
        .map_err(to_js)?,
    )
}
