//! The bulk billing path over numpy columns (zero-copy views); the reports are in `reports.rs`.

use crate::errors::{bad_argument, from_json, policy_arg, to_json, to_py};
use keyledger::billing::{bulk, BillingRule, Month};
use numpy::PyReadonlyArray1;
use pyo3::prelude::*;

fn month_arg(text: &str) -> PyResult<Month> {
    text.parse::<Month>().map_err(to_py)
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
        &keyledger::billing::Zone::get(zone).map_err(to_py)?,
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
    bulk::any_day_counts(
        &cols.input(groups, time_sorted)?,
        month,
        &keyledger::billing::Zone::get(zone).map_err(to_py)?,
        &policy,
    )
    .map_err(to_py)
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
    m.add_function(wrap_pyfunction!(bulk_bill, m)?)?;
    m.add_function(wrap_pyfunction!(bulk_any_day_counts, m)?)?;
    Ok(())
}
