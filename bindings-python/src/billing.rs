//! Billing: Billing Detail, recomputation, Activation Report, trends, explanations, bulk path.

use crate::errors::{bad_argument, from_json, policy_arg, to_json, to_py};
use crate::key::catalog_arg;
use chrono::NaiveDate;
use keyledger::billing::{
    self, bulk, ActivationReport, ActivationSortKey, BillingDetail, BillingRule, Month, PriceList,
    Trends,
};
use keyledger::catalog::ProductId;
use keyledger::lifecycle::LicenceHistory;
use numpy::PyReadonlyArray1;
use pyo3::prelude::*;
use serde_json::json;

fn month_arg(text: &str) -> PyResult<Month> {
    text.parse::<Month>().map_err(to_py)
}

fn date_arg(argument: &str, text: &str) -> PyResult<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|e| bad_argument(argument, format!("{text:?} is not a YYYY-MM-DD date ({e})")))
}

fn histories_arg(text: &str) -> PyResult<Vec<LicenceHistory>> {
    from_json("histories", text)
}

/// Billing Detail: JSON `{report, text, csv}`.
#[pyfunction]
fn billing_detail(
    histories: &str,
    catalog: Option<&str>,
    month: &str,
    zone: &str,
    prices: &str,
) -> PyResult<String> {
    let prices: PriceList = from_json("prices", prices)?;
    let r = BillingDetail::build(
        &histories_arg(histories)?,
        &catalog_arg(catalog)?,
        month_arg(month)?,
        zone,
        &prices,
    )
    .map_err(to_py)?;
    let csv = r.to_csv().map_err(to_py)?;
    to_json(&json!({ "report": r, "text": r.to_string(), "csv": csv }))
}

/// Recomputes an earlier Billing Detail (JSON) from new histories: JSON `{report, diff}`.
#[pyfunction]
fn recompute(
    earlier: &str,
    histories: &str,
    catalog: Option<&str>,
    prices: &str,
) -> PyResult<String> {
    let earlier: BillingDetail = from_json("earlier", earlier)?;
    let prices: PriceList = from_json("prices", prices)?;
    let r = earlier
        .recompute(&histories_arg(histories)?, &catalog_arg(catalog)?, &prices)
        .map_err(to_py)?;
    to_json(&r)
}

/// Activation Report: JSON `{report, csv}`.
#[pyfunction]
#[pyo3(signature = (histories, catalog, start, end, zone, products, sort))]
fn activation_report(
    histories: &str,
    catalog: Option<&str>,
    start: &str,
    end: &str,
    zone: &str,
    products: Vec<u32>,
    sort: &str,
) -> PyResult<String> {
    let products = products
        .into_iter()
        .map(|p| ProductId::new(p).map_err(to_py))
        .collect::<PyResult<Vec<_>>>()?;
    let sort: Vec<ActivationSortKey> = from_json("sort", sort)?;
    let r = ActivationReport::build(
        &histories_arg(histories)?,
        &catalog_arg(catalog)?,
        date_arg("start", start)?,
        date_arg("end", end)?,
        zone,
        &products,
        &sort,
    )
    .map_err(to_py)?;
    let csv = r.to_csv().map_err(to_py)?;
    to_json(&json!({ "report": r, "csv": csv }))
}

/// Twelve-month trends ending at `last`: JSON `{trends, csv}`.
#[pyfunction]
fn trends(
    histories: &str,
    catalog: Option<&str>,
    last: &str,
    zone: &str,
    rule: &str,
) -> PyResult<String> {
    let rule: BillingRule = from_json("rule", rule)?;
    let t = Trends::build(
        &histories_arg(histories)?,
        &catalog_arg(catalog)?,
        month_arg(last)?,
        zone,
        rule,
    )
    .map_err(to_py)?;
    let csv = t.to_csv().map_err(to_py)?;
    to_json(&json!({ "trends": t, "csv": csv }))
}

/// Why one licence is (not) billed in a month: JSON Explanation.
#[pyfunction]
fn explain(
    history: &str,
    catalog: Option<&str>,
    month: &str,
    zone: &str,
    rule: &str,
) -> PyResult<String> {
    let history: LicenceHistory = from_json("history", history)?;
    let rule: BillingRule = from_json("rule", rule)?;
    let e = billing::explain(
        &history,
        &catalog_arg(catalog)?,
        month_arg(month)?,
        zone,
        rule,
    )
    .map_err(to_py)?;
    to_json(&e)
}

/// Checks a price list (JSON) and returns it normalised.
#[pyfunction]
fn validate_prices(prices: &str) -> PyResult<String> {
    let p: PriceList = from_json("prices", prices)?;
    p.validate().map_err(to_py)?;
    to_json(&p)
}

fn slice<'a, T: numpy::Element>(
    argument: &str,
    array: &'a PyReadonlyArray1<'_, T>,
) -> PyResult<&'a [T]> {
    array
        .as_slice()
        .map_err(|_| bad_argument(argument, "the array must be contiguous"))
}

/// The bulk path's columns: zero-copy views of numpy arrays.
struct Columns<'py> {
    licence: PyReadonlyArray1<'py, u32>,
    at: PyReadonlyArray1<'py, i64>,
    activated_at: PyReadonlyArray1<'py, i64>,
    deactivated_at: PyReadonlyArray1<'py, i64>,
    last_contact_before: PyReadonlyArray1<'py, i64>,
    group: PyReadonlyArray1<'py, u16>,
}

impl Columns<'_> {
    fn input(&self, groups: usize, time_sorted: bool) -> PyResult<bulk::BulkInput<'_>> {
        Ok(bulk::BulkInput {
            licence: slice("licence", &self.licence)?,
            at: slice("at", &self.at)?,
            activated_at: slice("activated_at", &self.activated_at)?,
            deactivated_at: slice("deactivated_at", &self.deactivated_at)?,
            last_contact_before: slice("last_contact_before", &self.last_contact_before)?,
            group: slice("group", &self.group)?,
            groups,
            time_sorted,
        })
    }
}

/// Bulk billing under any rule: JSON BulkResult. `columns` is the tuple (licence u32, at i64,
/// activated_at i64, deactivated_at i64, last_contact_before i64, group u16) of numpy arrays.
#[pyfunction]
#[pyo3(signature = (columns, groups, month, zone, rule, time_sorted=false, policy=None))]
fn bulk_bill(
    columns: ColumnTuple<'_>,
    groups: usize,
    month: &str,
    zone: &str,
    rule: &str,
    time_sorted: bool,
    policy: Option<&str>,
) -> PyResult<String> {
    let cols = Columns::from(columns);
    let (month, rule, policy) = (
        month_arg(month)?,
        from_json::<BillingRule>("rule", rule)?,
        policy_arg(policy)?,
    );
    let r = bulk::bill(
        &cols.input(groups, time_sorted)?,
        month,
        zone,
        rule,
        &policy,
    )
    .map_err(to_py)?;
    to_json(&r)
}

/// Bulk billing, default rule (any day), the fast path: licences billed per group.
#[pyfunction]
#[pyo3(signature = (columns, groups, month, zone, time_sorted=false, policy=None))]
fn bulk_any_day_counts(
    columns: ColumnTuple<'_>,
    groups: usize,
    month: &str,
    zone: &str,
    time_sorted: bool,
    policy: Option<&str>,
) -> PyResult<Vec<u64>> {
    let cols = Columns::from(columns);
    let (month, policy) = (month_arg(month)?, policy_arg(policy)?);
    bulk::any_day_counts(&cols.input(groups, time_sorted)?, month, zone, &policy).map_err(to_py)
}

type ColumnTuple<'py> = (
    PyReadonlyArray1<'py, u32>,
    PyReadonlyArray1<'py, i64>,
    PyReadonlyArray1<'py, i64>,
    PyReadonlyArray1<'py, i64>,
    PyReadonlyArray1<'py, i64>,
    PyReadonlyArray1<'py, u16>,
);

impl<'py> From<ColumnTuple<'py>> for Columns<'py> {
    fn from(c: ColumnTuple<'py>) -> Self {
        Columns {
            licence: c.0,
            at: c.1,
            activated_at: c.2,
            deactivated_at: c.3,
            last_contact_before: c.4,
            group: c.5,
        }
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(billing_detail, m)?)?;
    m.add_function(wrap_pyfunction!(recompute, m)?)?;
    m.add_function(wrap_pyfunction!(activation_report, m)?)?;
    m.add_function(wrap_pyfunction!(trends, m)?)?;
    m.add_function(wrap_pyfunction!(explain, m)?)?;
    m.add_function(wrap_pyfunction!(validate_prices, m)?)?;
    m.add_function(wrap_pyfunction!(bulk_bill, m)?)?;
    m.add_function(wrap_pyfunction!(bulk_any_day_counts, m)?)?;
    Ok(())
}
