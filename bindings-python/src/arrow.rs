//! Reports to Arrow, natively: the Arrow PyCapsule interface (`__arrow_c_stream__`) on report
//! documents, so pyarrow, pandas, polars and DuckDB read a report in one call, with tz-aware
//! timestamps (`timestamp[us, UTC]`) and exact decimals (`decimal128(38, s)`).
//!
//! The columns are arrow-rs arrays built here from the core values, exported through the Arrow C
//! stream interface in a PyCapsule named `arrow_array_stream`: no pyarrow is needed to export (only
//! `to_arrow()` / `to_pandas()`, which return pyarrow / pandas objects, need their extras, and raise
//! a `MissingExtraError` naming the extra without them).
//!
//! A `requested_schema` is accepted and ignored (the interface lets a producer answer with its own
//! schema when it does not cast): the report's schema is the one documented on each method.

use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::{
    ArrayRef, BooleanArray, Date32Array, Decimal128Array, Decimal256Array, RecordBatch,
    RecordBatchIterator, StringArray, TimestampMicrosecondArray, UInt32Array, UInt64Array,
    UInt8Array,
};
use arrow_buffer::i256;
use arrow_schema::{Field, Schema};
use chrono::{DateTime, NaiveDate, Utc};
use keyledger::billing::{ActivationEvent, ActivationReport, BillingDetail, KeyTable, Trends};
use pyo3::prelude::*;
use pyo3::types::PyCapsule;
use rust_decimal::Decimal;
use std::sync::Arc;

fn pyarrow(py: Python<'_>) -> PyResult<Bound<'_, PyModule>> {
    py.import("pyarrow")
        .map_err(|_| crate::bulk::missing(py, "arrow", "pyarrow", "this"))
}

/// A table's columns by name, in order, as arrow-rs arrays.
#[derive(Default)]
pub(crate) struct Columns {
    fields: Vec<Field>,
    arrays: Vec<ArrayRef>,
}

/// Days from 1970-01-01 (Arrow's `date32`).
fn days_since_epoch(d: NaiveDate) -> i32 {
    // The chrono range (about ±262 000 years) is far inside i32 days.
    let days = d.signed_duration_since(NaiveDate::default()).num_days();
    i32::try_from(days).unwrap_or(if days < 0 { i32::MIN } else { i32::MAX })
}

impl Columns {
    fn push(&mut self, name: &str, nullable: bool, array: ArrayRef) {
        self.fields
            .push(Field::new(name, array.data_type().clone(), nullable));
        self.arrays.push(array);
    }

    pub(crate) fn string<'a>(&mut self, name: &str, values: impl Iterator<Item = &'a str>) {
        self.push(
            name,
            false,
            Arc::new(values.map(Some).collect::<StringArray>()),
        );
    }

    pub(crate) fn opt_string<'a>(
        &mut self,
        name: &str,
        values: impl Iterator<Item = Option<&'a str>>,
    ) {
        self.push(name, true, Arc::new(values.collect::<StringArray>()));
    }

    pub(crate) fn u8(&mut self, name: &str, values: impl Iterator<Item = u8>) {
        self.push(name, false, Arc::new(UInt8Array::from_iter_values(values)));
    }

    pub(crate) fn u32(&mut self, name: &str, values: impl Iterator<Item = u32>) {
        self.push(name, false, Arc::new(UInt32Array::from_iter_values(values)));
    }

    pub(crate) fn u64(&mut self, name: &str, values: impl Iterator<Item = u64>) {
        self.push(name, false, Arc::new(UInt64Array::from_iter_values(values)));
    }

    pub(crate) fn boolean(&mut self, name: &str, values: impl Iterator<Item = bool>) {
        self.push(
            name,
            false,
            Arc::new(values.map(Some).collect::<BooleanArray>()),
        );
    }

    /// Instants as `timestamp[us, UTC]`; `None` is null.
    pub(crate) fn timestamp(
        &mut self,
        name: &str,
        nullable: bool,
        values: impl Iterator<Item = Option<DateTime<Utc>>>,
    ) {
        let a = values
            .map(|v| v.map(|t| t.timestamp_micros()))
            .collect::<TimestampMicrosecondArray>()
            .with_timezone("UTC");
        self.push(name, nullable, Arc::new(a));
    }

    pub(crate) fn date(&mut self, name: &str, values: impl Iterator<Item = NaiveDate>) {
        self.push(
            name,
            false,
            Arc::new(Date32Array::from_iter_values(values.map(days_since_epoch))),
        );
    }

    /// Money as exact decimals: `decimal128(38, s)` with `s` the largest scale of the column (every
    /// value rescaled to it exactly), or `decimal256(76, s)` in the rare case where a value then
    /// needs more than 38 digits. Never rounds.
    pub(crate) fn decimal(&mut self, name: &str, values: &[Decimal]) -> PyResult<()> {
        let scale = values.iter().map(|d| d.scale()).max().unwrap_or(0);
        // |mantissa| < 2^96 and scale ≤ 28, so the rescaled value is below 2^190: it fits i256.
        let ten = i256::from_i128(10);
        let scaled: Vec<i256> = values
            .iter()
            .map(|d| {
                ten.checked_pow(scale - d.scale())
                    .and_then(|p| i256::from_i128(d.mantissa()).checked_mul(p))
                    .ok_or_else(|| crate::errors::bad_argument(name, "decimal out of range"))
            })
            .collect::<PyResult<_>>()?;
        let narrow: Option<Vec<i128>> = scaled.iter().map(|v| v.to_i128()).collect();
        let limit = 10i128.pow(38);
        let scale_i8 = i8::try_from(scale).unwrap_or(i8::MAX);
        let array: ArrayRef = match narrow {
            Some(v) if v.iter().all(|x| x.unsigned_abs() < limit.unsigned_abs()) => Arc::new(
                Decimal128Array::from_iter_values(v)
                    .with_precision_and_scale(38, scale_i8)
                    .map_err(|e| crate::errors::bad_argument(name, e))?,
            ),
            _ => Arc::new(
                Decimal256Array::from_iter_values(scaled)
                    .with_precision_and_scale(76, scale_i8)
                    .map_err(|e| crate::errors::bad_argument(name, e))?,
            ),
        };
        self.push(name, false, array);
        Ok(())
    }

    fn batch(self) -> PyResult<RecordBatch> {
        let schema = Arc::new(Schema::new(self.fields));
        RecordBatch::try_new(schema, self.arrays)
            .map_err(|e| crate::errors::bad_argument("table", e))
    }
}

/// A built table, exported as often as asked (DuckDB scans an object more than once).
#[pyclass(frozen, name = "ArrowTable", module = "keyledger")]
pub(crate) struct PyArrowTable {
    batch: RecordBatch,
}

impl PyArrowTable {
    pub(crate) fn new(columns: Columns) -> PyResult<Self> {
        Ok(PyArrowTable {
            batch: columns.batch()?,
        })
    }
}

/// The stream capsule of one record batch.
fn stream_capsule<'py>(py: Python<'py>, batch: &RecordBatch) -> PyResult<Bound<'py, PyCapsule>> {
    let schema = batch.schema();
    let reader = RecordBatchIterator::new(vec![Ok(batch.clone())], schema);
    let stream = FFI_ArrowArrayStream::new(Box::new(reader));
    // Dropping the capsule unconsumed releases the stream (FFI_ArrowArrayStream's Drop); a
    // consumer that takes it moves the struct out and leaves a released one behind.
    PyCapsule::new_with_value(py, stream, c"arrow_array_stream")
}

#[pymethods]
impl PyArrowTable {
    /// The table as an Arrow C stream (PyCapsule interface): ``pyarrow.table(t)``,
    /// ``polars.DataFrame(t)``, ``duckdb.sql("select * from t")``.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        stream_capsule(py, &self.batch)
    }

    /// The number of rows.
    #[getter]
    fn num_rows(&self) -> usize {
        self.batch.num_rows()
    }

    /// The column names, in order.
    #[getter]
    fn column_names(&self) -> Vec<String> {
        self.batch
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    }

    /// As a ``pyarrow.Table`` (needs the ``arrow`` extra).
    fn to_arrow<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        to_pyarrow(slf.as_any())
    }

    /// As a ``pandas.DataFrame`` (needs the ``pandas`` extra).
    fn to_pandas<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        to_pandas(slf.as_any())
    }

    fn __len__(&self) -> usize {
        self.batch.num_rows()
    }

    fn __repr__(&self) -> String {
        let cols: Vec<String> = self
            .batch
            .schema()
            .fields()
            .iter()
            .map(|f| format!("{}: {}", f.name(), f.data_type()))
            .collect();
        format!(
            "ArrowTable({} rows; {})",
            self.batch.num_rows(),
            cols.join(", ")
        )
    }
}

pub(crate) const STUBS: &[&str] = &["class ArrowTable:
    \"\"\"A table built natively from a report, read through the Arrow PyCapsule interface.\"\"\"
    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object: ...
    @property
    def num_rows(self) -> int: ...
    @property
    def column_names(self) -> list[str]: ...
    def to_arrow(self) -> Any: ...
    def to_pandas(self) -> Any: ...
    def __len__(self) -> int: ...
"];

fn rule_text(r: &keyledger::billing::BillingRule) -> String {
    r.describe()
}

/// The Billing Detail's priced lines (one row per account, product and edition): `month`,
/// `currency`, `account`, `product` (uint8), `product_name`, `edition` (nullable), `rule`,
/// `licences`, `billable_days` (uint64), `quantity`, `unit_price`, `amount` (decimal128).
pub(crate) fn detail_columns(r: &BillingDetail) -> PyResult<Columns> {
    let mut c = Columns::default();
    let l = &r.lines;
    let month = r.month.to_string();
    c.string("month", l.iter().map(|_| month.as_str()));
    c.string("currency", l.iter().map(|_| r.currency.as_str()));
    c.string("account", l.iter().map(|x| x.account.as_str()));
    c.u8("product", l.iter().map(|x| x.product.get()));
    c.string("product_name", l.iter().map(|x| x.product_name.as_str()));
    c.opt_string("edition", l.iter().map(|x| x.edition.as_deref()));
    let rules: Vec<String> = l.iter().map(|x| rule_text(&x.rule)).collect();
    c.string("rule", rules.iter().map(String::as_str));
    c.u64("licences", l.iter().map(|x| x.licences));
    c.u64("billable_days", l.iter().map(|x| x.billable_days));
    let col =
        |f: fn(&keyledger::billing::PricedLine) -> Decimal| l.iter().map(f).collect::<Vec<_>>();
    c.decimal("quantity", &col(|x| x.quantity))?;
    c.decimal("unit_price", &col(|x| x.unit_price))?;
    c.decimal("amount", &col(|x| x.amount))?;
    Ok(c)
}

/// Key rows (one per licence) of some key tables: `key_type`, `perpetual`, `key`, `product`
/// (uint8), `account`, `site`, `edition` (nullable), `machine`, `activated_at`
/// (timestamp[us, UTC], nullable), `billable_days` (uint32), `billable`, `explanation`.
pub(crate) fn key_rows_columns<'a>(tables: impl Iterator<Item = &'a KeyTable>) -> Columns {
    let rows: Vec<_> = tables
        .flat_map(|t| t.rows.iter().map(move |x| (t, x)))
        .collect();
    let mut c = Columns::default();
    c.string("key_type", rows.iter().map(|(t, _)| t.key_type.as_str()));
    c.boolean("perpetual", rows.iter().map(|(t, _)| t.perpetual));
    let keys: Vec<String> = rows.iter().map(|(_, x)| x.key.to_string()).collect();
    c.string("key", keys.iter().map(String::as_str));
    c.u8("product", rows.iter().map(|(_, x)| x.product.get()));
    c.string("account", rows.iter().map(|(_, x)| x.account.as_str()));
    c.opt_string("site", rows.iter().map(|(_, x)| x.site.as_deref()));
    c.opt_string("edition", rows.iter().map(|(_, x)| x.edition.as_deref()));
    c.string("machine", rows.iter().map(|(_, x)| x.machine.as_str()));
    c.timestamp(
        "activated_at",
        true,
        rows.iter().map(|(_, x)| x.activated_at),
    );
    c.u32("billable_days", rows.iter().map(|(_, x)| x.billable_days));
    c.boolean("billable", rows.iter().map(|(_, x)| x.billable));
    c.string(
        "explanation",
        rows.iter().map(|(_, x)| x.explanation.as_str()),
    );
    c
}

/// The Activation Report's rows: `key_type`, `product` (uint8), `key`, `serial` (uint32),
/// `account`, `site` (nullable), `machine`, `edition` (nullable), `event` (`"Activated"` /
/// `"Deactivated"`), `at` (timestamp[us, UTC]), `date` (date32, in the report's time zone).
pub(crate) fn activation_columns(r: &ActivationReport) -> Columns {
    let rows = &r.rows;
    let mut c = Columns::default();
    c.string("key_type", rows.iter().map(|x| x.key_type.as_str()));
    c.u8("product", rows.iter().map(|x| x.product.get()));
    let keys: Vec<String> = rows.iter().map(|x| x.key.to_string()).collect();
    c.string("key", keys.iter().map(String::as_str));
    c.u32("serial", rows.iter().map(|x| x.serial));
    c.string("account", rows.iter().map(|x| x.account.as_str()));
    c.opt_string("site", rows.iter().map(|x| x.site.as_deref()));
    c.string("machine", rows.iter().map(|x| x.machine.as_str()));
    c.opt_string("edition", rows.iter().map(|x| x.edition.as_deref()));
    c.string(
        "event",
        rows.iter().map(|x| match x.event {
            ActivationEvent::Activated => "Activated",
            ActivationEvent::Deactivated => "Deactivated",
        }),
    );
    c.timestamp("at", false, rows.iter().map(|x| Some(x.at)));
    c.date("date", rows.iter().map(|x| x.date));
    c
}

/// The trends, one row per (month, product): `month`, `product` (uint8), `product_name`,
/// `licences` (uint64), `quantity` (decimal128).
pub(crate) fn trends_columns(r: &Trends) -> PyResult<Columns> {
    let pts: Vec<_> = r
        .months
        .iter()
        .flat_map(|m| m.points.iter().map(move |p| (m, p)))
        .collect();
    let months: Vec<String> = pts.iter().map(|(m, _)| m.month.to_string()).collect();
    let mut c = Columns::default();
    c.string("month", months.iter().map(String::as_str));
    c.u8("product", pts.iter().map(|(_, p)| p.product.get()));
    c.string(
        "product_name",
        pts.iter().map(|(_, p)| p.product_name.as_str()),
    );
    c.u64("licences", pts.iter().map(|(_, p)| p.licences));
    let q: Vec<Decimal> = pts.iter().map(|(_, p)| p.quantity).collect();
    c.decimal("quantity", &q)?;
    Ok(c)
}

/// The stream capsule of a table built from columns (`__arrow_c_stream__` of a report).
pub(crate) fn stream<'py>(py: Python<'py>, columns: Columns) -> PyResult<Bound<'py, PyCapsule>> {
    stream_capsule(py, &columns.batch()?)
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
        .map_err(|_| crate::bulk::missing(py, "pandas", "pandas", "this"))?;
    let t = to_pyarrow(obj)?;
    // Decimals stay decimal.Decimal objects, timestamps stay tz-aware.
    t.call_method0("to_pandas")
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyArrowTable>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::Array;
    use arrow_schema::{DataType, TimeUnit};

    #[test]
    fn decimals_are_rescaled_exactly_and_widen_when_38_digits_do_not_fit() {
        let mut c = Columns::default();
        c.decimal("a", &[Decimal::new(1050, 2), Decimal::new(3, 0)])
            .unwrap();
        let a = c.arrays[0]
            .as_any()
            .downcast_ref::<Decimal128Array>()
            .unwrap();
        assert_eq!(a.data_type(), &DataType::Decimal128(38, 2));
        assert_eq!(a.values().to_vec(), vec![1050, 300]);
        // 29 digits at scale 0 beside one at scale 28: 57 digits, only decimal256 holds them.
        c.decimal("b", &[Decimal::MAX, Decimal::new(1, 28)])
            .unwrap();
        assert_eq!(c.arrays[1].data_type(), &DataType::Decimal256(76, 28));
    }

    #[test]
    fn timestamps_are_utc_microseconds_and_dates_days() {
        let mut c = Columns::default();
        let t = DateTime::<Utc>::from_timestamp(86_400, 5_000).unwrap();
        c.timestamp("t", true, [Some(t), None].into_iter());
        c.date(
            "d",
            [NaiveDate::from_ymd_opt(1970, 1, 3).unwrap()].into_iter(),
        );
        assert_eq!(
            c.arrays[0].data_type(),
            &DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
        );
        let ts = c.arrays[0]
            .as_any()
            .downcast_ref::<TimestampMicrosecondArray>()
            .unwrap();
        assert_eq!((ts.value(0), ts.is_null(1)), (86_400_000_005, true));
        let d = c.arrays[1].as_any().downcast_ref::<Date32Array>().unwrap();
        assert_eq!(d.value(0), 2);
    }
}
