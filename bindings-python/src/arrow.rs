//! Reports to Arrow: the Arrow PyCapsule interface (`__arrow_c_stream__`) on report documents, so
//! pyarrow, pandas, polars and DuckDB read a report in one call, with tz-aware timestamps
//! (`timestamp[us, UTC]`) and exact decimals (`decimal128`).
//!
//! The columns are built here from the core values and handed to pyarrow (the `arrow` extra), whose
//! table exports the stream. Without pyarrow, a `MissingExtraError` names the extra to install.

use crate::errors::raise;
use chrono::{DateTime, Utc};
use keyledger::billing::{ActivationReport, BillingDetail, Trends};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use rust_decimal::Decimal;

fn missing(py: Python<'_>, extra: &str, module: &str) -> PyErr {
    let fields = PyDict::new(py);
    let _ = fields.set_item("extra", extra);
    let _ = fields.set_item("module", module);
    raise(
        py,
        "py.missing_extra",
        &format!("{module} is needed for this; install it with: pip install 'keyledger[{extra}]'"),
        fields,
    )
}

fn pyarrow(py: Python<'_>) -> PyResult<Bound<'_, PyModule>> {
    py.import("pyarrow")
        .map_err(|_| missing(py, "arrow", "pyarrow"))
}

/// Columns by name, in order, with their Arrow types.
struct Columns<'py> {
    pa: Bound<'py, PyModule>,
    names: Vec<&'static str>,
    arrays: Vec<Bound<'py, PyAny>>,
}

impl<'py> Columns<'py> {
    fn new(py: Python<'py>) -> PyResult<Self> {
        Ok(Columns {
            pa: pyarrow(py)?,
            names: Vec::new(),
            arrays: Vec::new(),
        })
    }

    fn push<T: IntoPyObject<'py> + Clone>(
        &mut self,
        name: &'static str,
        values: Vec<T>,
        ty: Bound<'py, PyAny>,
    ) -> PyResult<()> {
        let py = self.pa.py();
        let list = PyList::new(py, values)?;
        let kw = PyDict::new(py);
        kw.set_item("type", ty)?;
        let arr = self.pa.getattr("array")?.call((list,), Some(&kw))?;
        self.names.push(name);
        self.arrays.push(arr);
        Ok(())
    }

    fn string(&mut self, name: &'static str, values: Vec<String>) -> PyResult<()> {
        let t = self.pa.getattr("string")?.call0()?;
        self.push(name, values, t)
    }
    fn opt_string(&mut self, name: &'static str, values: Vec<Option<String>>) -> PyResult<()> {
        let t = self.pa.getattr("string")?.call0()?;
        self.push(name, values, t)
    }
    fn uint(&mut self, name: &'static str, values: Vec<u64>, ty: &str) -> PyResult<()> {
        let t = self.pa.getattr(ty)?.call0()?;
        self.push(name, values, t)
    }
    fn boolean(&mut self, name: &'static str, values: Vec<bool>) -> PyResult<()> {
        let t = self.pa.getattr("bool_")?.call0()?;
        self.push(name, values, t)
    }
    fn timestamp(
        &mut self,
        name: &'static str,
        values: Vec<Option<DateTime<Utc>>>,
    ) -> PyResult<()> {
        let t = self.pa.getattr("timestamp")?.call1(("us", "UTC"))?;
        self.push(name, values, t)
    }
    fn decimal(&mut self, name: &'static str, values: Vec<Decimal>) -> PyResult<()> {
        let scale = values.iter().map(|d| d.scale()).max().unwrap_or(0);
        let t = self.pa.getattr("decimal128")?.call1((38, scale))?;
        self.push(name, values, t)
    }

    fn table(self) -> PyResult<Bound<'py, PyAny>> {
        let py = self.pa.py();
        let names = PyList::new(py, &self.names)?;
        let arrays = PyList::new(py, self.arrays)?;
        let kw = PyDict::new(py);
        kw.set_item("names", names)?;
        self.pa
            .getattr("Table")?
            .getattr("from_arrays")?
            .call((arrays,), Some(&kw))
    }
}

/// The Billing Detail's priced lines (one row per account, product and edition).
pub(crate) fn detail_table<'py>(py: Python<'py>, r: &BillingDetail) -> PyResult<Bound<'py, PyAny>> {
    let mut c = Columns::new(py)?;
    let l = &r.lines;
    c.string("month", l.iter().map(|_| r.month.to_string()).collect())?;
    c.string("currency", l.iter().map(|_| r.currency.clone()).collect())?;
    c.string("account", l.iter().map(|x| x.account.clone()).collect())?;
    c.uint(
        "product",
        l.iter().map(|x| u64::from(x.product.get())).collect(),
        "uint8",
    )?;
    c.string(
        "product_name",
        l.iter().map(|x| x.product_name.clone()).collect(),
    )?;
    c.opt_string("edition", l.iter().map(|x| x.edition.clone()).collect())?;
    c.string("rule", l.iter().map(|x| x.rule.describe()).collect())?;
    c.uint("licences", l.iter().map(|x| x.licences).collect(), "uint64")?;
    c.uint(
        "billable_days",
        l.iter().map(|x| x.billable_days).collect(),
        "uint64",
    )?;
    c.decimal("quantity", l.iter().map(|x| x.quantity).collect())?;
    c.decimal("unit_price", l.iter().map(|x| x.unit_price).collect())?;
    c.decimal("amount", l.iter().map(|x| x.amount).collect())?;
    c.table()
}

/// The Billing Detail's key rows (one row per licence, every table).
pub(crate) fn detail_rows_table<'py>(
    py: Python<'py>,
    r: &BillingDetail,
) -> PyResult<Bound<'py, PyAny>> {
    let mut c = Columns::new(py)?;
    let rows: Vec<_> = r
        .tables
        .iter()
        .flat_map(|t| t.rows.iter().map(move |x| (t, x)))
        .collect();
    c.string(
        "key_type",
        rows.iter().map(|(t, _)| t.key_type.clone()).collect(),
    )?;
    c.boolean("perpetual", rows.iter().map(|(t, _)| t.perpetual).collect())?;
    c.string("key", rows.iter().map(|(_, x)| x.key.to_string()).collect())?;
    c.uint(
        "product",
        rows.iter()
            .map(|(_, x)| u64::from(x.product.get()))
            .collect(),
        "uint8",
    )?;
    c.string(
        "account",
        rows.iter().map(|(_, x)| x.account.clone()).collect(),
    )?;
    c.opt_string("site", rows.iter().map(|(_, x)| x.site.clone()).collect())?;
    c.opt_string(
        "edition",
        rows.iter().map(|(_, x)| x.edition.clone()).collect(),
    )?;
    c.string(
        "machine",
        rows.iter().map(|(_, x)| x.machine.clone()).collect(),
    )?;
    c.timestamp(
        "activated_at",
        rows.iter().map(|(_, x)| x.activated_at).collect(),
    )?;
    c.uint(
        "billable_days",
        rows.iter()
            .map(|(_, x)| u64::from(x.billable_days))
            .collect(),
        "uint32",
    )?;
    c.boolean("billable", rows.iter().map(|(_, x)| x.billable).collect())?;
    c.string(
        "explanation",
        rows.iter().map(|(_, x)| x.explanation.clone()).collect(),
    )?;
    c.table()
}

pub(crate) fn activation_table<'py>(
    py: Python<'py>,
    r: &ActivationReport,
) -> PyResult<Bound<'py, PyAny>> {
    let mut c = Columns::new(py)?;
    let rows = &r.rows;
    c.string(
        "key_type",
        rows.iter().map(|x| x.key_type.clone()).collect(),
    )?;
    c.uint(
        "product",
        rows.iter().map(|x| u64::from(x.product.get())).collect(),
        "uint8",
    )?;
    c.string("key", rows.iter().map(|x| x.key.to_string()).collect())?;
    c.uint(
        "serial",
        rows.iter().map(|x| u64::from(x.serial)).collect(),
        "uint32",
    )?;
    c.string("account", rows.iter().map(|x| x.account.clone()).collect())?;
    c.opt_string("site", rows.iter().map(|x| x.site.clone()).collect())?;
    c.string("machine", rows.iter().map(|x| x.machine.clone()).collect())?;
    c.opt_string("edition", rows.iter().map(|x| x.edition.clone()).collect())?;
    c.string(
        "event",
        rows.iter()
            .map(|x| match x.event {
                keyledger::billing::ActivationEvent::Activated => "Activated".to_string(),
                keyledger::billing::ActivationEvent::Deactivated => "Deactivated".to_string(),
            })
            .collect(),
    )?;
    c.timestamp("at", rows.iter().map(|x| Some(x.at)).collect())?;
    let t = c.pa.getattr("date32")?.call0()?;
    c.push("date", rows.iter().map(|x| x.date).collect(), t)?;
    c.table()
}

pub(crate) fn trends_table<'py>(py: Python<'py>, r: &Trends) -> PyResult<Bound<'py, PyAny>> {
    let mut c = Columns::new(py)?;
    let pts: Vec<_> = r
        .months
        .iter()
        .flat_map(|m| m.points.iter().map(move |p| (m, p)))
        .collect();
    c.string(
        "month",
        pts.iter().map(|(m, _)| m.month.to_string()).collect(),
    )?;
    c.uint(
        "product",
        pts.iter()
            .map(|(_, p)| u64::from(p.product.get()))
            .collect(),
        "uint8",
    )?;
    c.string(
        "product_name",
        pts.iter().map(|(_, p)| p.product_name.clone()).collect(),
    )?;
    c.uint(
        "licences",
        pts.iter().map(|(_, p)| p.licences).collect(),
        "uint64",
    )?;
    c.decimal("quantity", pts.iter().map(|(_, p)| p.quantity).collect())?;
    c.table()
}

fn stream<'py>(
    table: Bound<'py, PyAny>,
    requested_schema: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    table.call_method1("__arrow_c_stream__", (requested_schema,))
}

pub(crate) fn detail_stream<'py>(
    py: Python<'py>,
    r: &BillingDetail,
    s: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    stream(detail_table(py, r)?, s)
}

pub(crate) fn activation_stream<'py>(
    py: Python<'py>,
    r: &ActivationReport,
    s: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    stream(activation_table(py, r)?, s)
}

pub(crate) fn trends_stream<'py>(
    py: Python<'py>,
    r: &Trends,
    s: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    stream(trends_table(py, r)?, s)
}

/// `pyarrow.table(obj)`: reads any object with `__arrow_c_stream__`.
pub(crate) fn to_pyarrow<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let pa = pyarrow(obj.py())?;
    pa.getattr("table")?.call1((obj,))
}

/// `to_pyarrow(obj).to_pandas()`, with the `pandas` extra named when pandas is missing.
pub(crate) fn to_pandas<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = obj.py();
    py.import("pandas")
        .map_err(|_| missing(py, "pandas", "pandas"))?;
    let t = to_pyarrow(obj)?;
    // Decimals stay decimal.Decimal objects, timestamps stay tz-aware.
    t.call_method0("to_pandas")
}
