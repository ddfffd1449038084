//! The bulk billing path: call-home columns in (numpy arrays or Arrow arrays, read in place),
//! per-licence results out as arrays, and the mergeable partial results (`BulkPartial`).
//!
//! A column is read without a copy when it is a contiguous numpy array of the column's dtype, or
//! an Arrow array (anything with `__arrow_c_array__` / `__arrow_c_stream__`: pyarrow arrays and
//! chunked arrays, polars Series, DuckDB results) of the column's type in one chunk. Other inputs
//! are converted once: Arrow arrays of another integer type or a timestamp type are cast (checked:
//! a value that does not fit is an `ArgumentError`), chunked arrays are concatenated, other
//! sequences go through `numpy.ascontiguousarray`. Nulls are refused. The billing itself runs
//! without the GIL.

use crate::errors::{bad_argument, bytes_arg, raise, text, to_py};
use crate::ledger::policy_arg;
use crate::reports::PyBillingRule;
use arrow_array::types::{ArrowPrimitiveType, Int64Type, UInt16Type, UInt32Type};
use arrow_array::{Array, ArrayRef, BooleanArray, StructArray, UInt8Array};
use arrow_buffer::{ArrowNativeType, ScalarBuffer};
use arrow_cast::cast::{cast_with_options, CastOptions};
use arrow_schema::{DataType, Field, TimeUnit};
use keyledger::billing::bulk::{self, BulkGroup, BulkResult};
use keyledger::billing::{BillingRule, Month};
use numpy::{PyArray1, PyArrayMethods, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyCapsule, PyDict, PyTuple};
use std::sync::Arc;

/// `py.missing_extra`: `module` (from the `extra` of the package) is needed for `what`.
pub(crate) fn missing(py: Python<'_>, extra: &str, module: &str, what: &str) -> PyErr {
    let fields = PyDict::new(py);
    let _ = fields.set_item("extra", extra);
    let _ = fields.set_item("module", module);
    raise(
        py,
        "py.missing_extra",
        &format!(
            "{module} is needed for {what}; install it with: pip install 'keyledger[{extra}]'"
        ),
        fields,
    )
}

/// One column, read in place (a numpy array or one Arrow chunk) or converted once.
enum Col<'py, T: numpy::Element + ArrowNativeType> {
    Numpy(PyReadonlyArray1<'py, T>),
    /// The values of an Arrow array (kept alive by its buffer: no copy), or converted ones.
    Arrow(ScalarBuffer<T>),
}

impl<T: numpy::Element + ArrowNativeType> Col<'_, T> {
    fn slice(&self) -> &[T] {
        match self {
            // `column` only builds this variant for contiguous arrays.
            Col::Numpy(a) => a.as_slice().unwrap_or(&[]),
            Col::Arrow(v) => v,
        }
    }
}

fn has(obj: &Bound<'_, PyAny>, name: &str) -> bool {
    obj.hasattr(name).unwrap_or(false)
}

/// An Arrow chunk as values of `A` (cast when of another type; nulls refused).
fn arrow_values<A: ArrowPrimitiveType>(
    name: &str,
    chunk: &ArrayRef,
) -> PyResult<ScalarBuffer<A::Native>> {
    let target = A::DATA_TYPE;
    let options = CastOptions {
        safe: false,
        ..Default::default()
    };
    let cast = |a: &dyn Array, to: &DataType| {
        cast_with_options(a, to, &options).map_err(|e| bad_argument(name, e))
    };
    let array: ArrayRef = match chunk.data_type() {
        t if *t == target => chunk.clone(),
        // Instants: any unit, any zone, as unix seconds.
        DataType::Timestamp(unit, zone) if target == DataType::Int64 => {
            let seconds = if *unit == TimeUnit::Second {
                chunk.clone()
            } else {
                // Same zone: only the unit changes (the values stay unix instants).
                cast(
                    chunk.as_ref(),
                    &DataType::Timestamp(TimeUnit::Second, zone.clone()),
                )?
            };
            cast(seconds.as_ref(), &DataType::Int64)?
        }
        t if t.is_integer() => cast(chunk.as_ref(), &target)?,
        t => {
            return Err(bad_argument(
                name,
                format!("expected integers ({target}), got an Arrow array of {t}"),
            ))
        }
    };
    if array.null_count() > 0 {
        return Err(bad_argument(name, "null values are not allowed"));
    }
    let values = array
        .as_any()
        .downcast_ref::<arrow_array::PrimitiveArray<A>>()
        .ok_or_else(|| bad_argument(name, format!("expected {target}")))?;
    Ok(values.values().clone())
}

/// A column argument: see the module docs.
fn column<'py, A>(obj: &Bound<'py, PyAny>, name: &str) -> PyResult<Col<'py, A::Native>>
where
    A: ArrowPrimitiveType,
    A::Native: numpy::Element,
{
    let py = obj.py();
    // The numpy crate's type checks need numpy's C API: only when numpy can be imported.
    let numpy = py.import("numpy").ok();
    let exact = numpy
        .as_ref()
        .and_then(|_| obj.cast::<PyArray1<A::Native>>().ok());
    if let Some(a) = exact {
        if let Ok(r) = a.try_readonly() {
            if r.as_slice().is_ok() {
                return Ok(Col::Numpy(r));
            }
        }
    }
    if has(obj, "__arrow_c_array__") || has(obj, "__arrow_c_stream__") {
        let any: pyo3_arrow::input::AnyArray = obj.extract().map_err(|e| bad_argument(name, e))?;
        let chunked = any.into_chunked_array().map_err(|e| {
            let e: PyErr = e.into();
            bad_argument(name, e)
        })?;
        let chunks = chunked.chunks();
        if let [one] = chunks {
            return Ok(Col::Arrow(arrow_values::<A>(name, one)?));
        }
        let mut all = Vec::with_capacity(chunks.iter().map(|c| c.len()).sum());
        for c in chunks {
            all.extend_from_slice(&arrow_values::<A>(name, c)?);
        }
        return Ok(Col::Arrow(all.into()));
    }
    // numpy arrays of another dtype, non-contiguous ones, lists...: one conversion by numpy, then
    // a checked cast (so 70000 is refused as a uint16 bucket instead of wrapping).
    let np = numpy.ok_or_else(|| {
        missing(
            py,
            "numpy",
            "numpy",
            "bulk billing from numpy arrays or sequences",
        )
    })?;
    let arr = np
        .call_method1("ascontiguousarray", (obj,))
        .map_err(|e| bad_argument(name, e))?;
    let kind: String = arr
        .getattr("dtype")
        .and_then(|d| d.getattr("kind"))
        .and_then(|k| k.extract())
        .map_err(|e| bad_argument(name, e))?;
    if kind != "i" && kind != "u" && kind != "M" {
        return Err(bad_argument(
            name,
            format!("expected integers, got a numpy array of kind {kind:?}"),
        ));
    }
    if kind == "M" {
        // datetime64: as unix seconds.
        let secs = arr
            .call_method1("astype", ("datetime64[s]",))
            .and_then(|a| a.call_method1("astype", ("int64",)))
            .map_err(|e| bad_argument(name, e))?;
        return column::<A>(&secs, name);
    }
    // An integer array of another dtype: its values as an Arrow array, then the checked cast.
    macro_rules! via {
        ($np:ty, $arrow:ty) => {
            if let Ok(a) = arr.cast::<PyArray1<$np>>() {
                let r = a.try_readonly().map_err(|e| bad_argument(name, e))?;
                let values = r.as_slice().map_err(|e| bad_argument(name, e))?.to_vec();
                let array: ArrayRef = Arc::new(arrow_array::PrimitiveArray::<$arrow>::from(values));
                return Ok(Col::Arrow(arrow_values::<A>(name, &array)?));
            }
        };
    }
    use arrow_array::types as t;
    via!(i64, t::Int64Type);
    via!(i32, t::Int32Type);
    via!(i16, t::Int16Type);
    via!(i8, t::Int8Type);
    via!(u64, t::UInt64Type);
    via!(u32, t::UInt32Type);
    via!(u16, t::UInt16Type);
    via!(u8, t::UInt8Type);
    Err(bad_argument(
        name,
        "expected a one-dimensional array of integers",
    ))
}

/// The licence columns.
struct Licences<'py> {
    activated_at: Col<'py, i64>,
    deactivated_at: Col<'py, i64>,
    last_contact_before: Col<'py, i64>,
    group: Option<Col<'py, u16>>,
    /// `group` absent (a partial's update): all in bucket 0.
    zeros: Vec<u16>,
}

impl<'py> Licences<'py> {
    fn read(
        activated_at: &Bound<'py, PyAny>,
        deactivated_at: &Bound<'py, PyAny>,
        last_contact_before: &Bound<'py, PyAny>,
        group: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Self> {
        let activated_at = column::<Int64Type>(activated_at, "activated_at")?;
        let zeros = if group.is_none() {
            vec![0; activated_at.slice().len()]
        } else {
            Vec::new()
        };
        Ok(Licences {
            activated_at,
            deactivated_at: column::<Int64Type>(deactivated_at, "deactivated_at")?,
            last_contact_before: column::<Int64Type>(last_contact_before, "last_contact_before")?,
            group: group
                .map(|g| column::<UInt16Type>(g, "group"))
                .transpose()?,
            zeros,
        })
    }

    fn input<'a>(
        &'a self,
        licence: &'a [u32],
        at: &'a [i64],
        groups: usize,
        time_sorted: bool,
    ) -> bulk::BulkInput<'a> {
        bulk::BulkInput {
            licence,
            at,
            activated_at: self.activated_at.slice(),
            deactivated_at: self.deactivated_at.slice(),
            last_contact_before: self.last_contact_before.slice(),
            group: self.group.as_ref().map_or(&self.zeros[..], |g| g.slice()),
            groups,
            time_sorted,
        }
    }
}

fn month_arg(obj: &Bound<'_, PyAny>) -> PyResult<Month> {
    text(obj, "month")?.parse::<Month>().map_err(to_py)
}

fn rule_arg(obj: Option<&Bound<'_, PyAny>>) -> PyResult<BillingRule> {
    match obj {
        Some(o) if !o.is_none() => o
            .cast::<PyBillingRule>()
            .map(|r| r.get().inner)
            .map_err(|_| {
                bad_argument(
                    "rule",
                    "expected a BillingRule (e.g. BillingRule.storagecraft())",
                )
            }),
        _ => Ok(BillingRule::AnyDay),
    }
}

fn usize_arg(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<usize> {
    Ok(crate::errors::u32_arg(obj, name)? as usize)
}

fn bool_opt(obj: Option<&Bound<'_, PyAny>>, name: &str) -> PyResult<bool> {
    match obj {
        Some(b) if !b.is_none() => crate::errors::bool_arg(b, name),
        _ => Ok(false),
    }
}

crate::doc::document!(PyBulkGroup(BulkGroup) as "BulkGroup", "The bulk counts of one bucket (product/edition)." {
    licences: u64 => "int" = |s| s.licences;
    billable_days: u64 => "int" = |s| s.billable_days;
    quantity: rust_decimal::Decimal => "Decimal" = |s| s.quantity;
});

/// Per-licence days and billed flags: numpy arrays (moved, not copied) when numpy is installed.
enum PerLicence {
    Numpy {
        days: Py<PyArray1<u8>>,
        billed: Py<PyArray1<bool>>,
    },
    Plain {
        days: Vec<u8>,
        billed: Vec<bool>,
    },
}

/// The result of bulk billing: per licence its billable days and whether it is billed (numpy
/// arrays, indexed like the licence columns), and per bucket the counts. It also exports itself
/// through the Arrow PyCapsule interface (`pyarrow.record_batch(result)`: columns `days` uint8,
/// `billed` bool).
#[pyclass(frozen, name = "BulkResult", module = "keyledger")]
pub(crate) struct PyBulkResult {
    per: PerLicence,
    groups: Vec<BulkGroup>,
}

impl PyBulkResult {
    fn new(py: Python<'_>, r: BulkResult) -> Self {
        let per = if py.import("numpy").is_ok() {
            PerLicence::Numpy {
                days: PyArray1::from_vec(py, r.days).unbind(),
                billed: PyArray1::from_vec(py, r.billed).unbind(),
            }
        } else {
            PerLicence::Plain {
                days: r.days,
                billed: r.billed,
            }
        };
        PyBulkResult {
            per,
            groups: r.groups,
        }
    }

    fn with_per<T>(&self, py: Python<'_>, f: impl FnOnce(&[u8], &[bool]) -> T) -> PyResult<T> {
        match &self.per {
            PerLicence::Numpy { days, billed } => {
                let d = days
                    .bind(py)
                    .try_readonly()
                    .map_err(|e| bad_argument("days", e))?;
                let b = billed
                    .bind(py)
                    .try_readonly()
                    .map_err(|e| bad_argument("billed", e))?;
                Ok(f(
                    d.as_slice().map_err(|e| bad_argument("days", e))?,
                    b.as_slice().map_err(|e| bad_argument("billed", e))?,
                ))
            }
            PerLicence::Plain { days, billed } => Ok(f(days, billed)),
        }
    }
}

pub(crate) const RESULT_STUB: &str = "class BulkResult:
    \"\"\"The result of bulk billing: per licence (numpy arrays indexed like the licence columns) and per bucket.\"\"\"
    @property
    def days(self) -> numpy.typing.NDArray[numpy.uint8]: ...
    @property
    def billed(self) -> numpy.typing.NDArray[numpy.bool_]: ...
    @property
    def groups(self) -> list[BulkGroup]: ...
    def __len__(self) -> int: ...
    def __arrow_c_array__(self, requested_schema: object | None = None) -> tuple[object, object]: ...
";

#[pymethods]
impl PyBulkResult {
    /// Billable days of each licence (numpy `uint8`, one per licence).
    #[getter]
    fn days<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match &self.per {
            PerLicence::Numpy { days, .. } => Ok(days.bind(py).clone().into_any()),
            PerLicence::Plain { .. } => Err(missing(py, "numpy", "numpy", "per-licence arrays")),
        }
    }
    /// Whether each licence is billed under the rule (numpy `bool`).
    #[getter]
    fn billed<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match &self.per {
            PerLicence::Numpy { billed, .. } => Ok(billed.bind(py).clone().into_any()),
            PerLicence::Plain { .. } => Err(missing(py, "numpy", "numpy", "per-licence arrays")),
        }
    }
    /// The counts per bucket.
    #[getter]
    fn groups(&self) -> Vec<PyBulkGroup> {
        self.groups.iter().cloned().map(Into::into).collect()
    }
    fn __len__(&self, py: Python<'_>) -> PyResult<usize> {
        self.with_per(py, |d, _| d.len())
    }
    /// The per-licence columns (`days` uint8, `billed` bool) as an Arrow struct array, through the
    /// Arrow PyCapsule interface.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_array__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyCapsule>>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let (days, billed) = self.with_per(py, |d, b| {
            (UInt8Array::from(d.to_vec()), BooleanArray::from(b.to_vec()))
        })?;
        let fields = vec![
            Arc::new(Field::new("days", DataType::UInt8, false)),
            Arc::new(Field::new("billed", DataType::Boolean, false)),
        ];
        let array = StructArray::new(
            fields.clone().into(),
            vec![Arc::new(days) as ArrayRef, Arc::new(billed) as ArrayRef],
            None,
        );
        let field = Arc::new(Field::new("", array.data_type().clone(), false));
        pyo3_arrow::ffi::to_array_pycapsules(py, field, &array, requested_schema)
            .map_err(|e| e.into())
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let n = self.with_per(py, |d, _| d.len())?;
        let g: Vec<String> = self
            .groups
            .iter()
            .map(|g| format!("({}, {}, {})", g.licences, g.billable_days, g.quantity))
            .collect();
        Ok(format!(
            "BulkResult({n} licences, groups (licences, billable_days, quantity): [{}])",
            g.join(", ")
        ))
    }
}

/// The six columns of `bulk_bill` and `bulk_any_day_counts`, read once (zero-copy where they can be).
struct Rows<'py> {
    licence: Col<'py, u32>,
    at: Col<'py, i64>,
    licences: Licences<'py>,
}

impl<'py> Rows<'py> {
    /// `[licence, at, activated_at, deactivated_at, last_contact_before, group]`.
    fn read(columns: [&Bound<'py, PyAny>; 6]) -> PyResult<Self> {
        let [licence, at, activated_at, deactivated_at, last_contact_before, group] = columns;
        Ok(Rows {
            licence: column::<UInt32Type>(licence, "licence")?,
            at: column::<Int64Type>(at, "at")?,
            licences: Licences::read(
                activated_at,
                deactivated_at,
                last_contact_before,
                Some(group),
            )?,
        })
    }

    fn input(&self, groups: usize, time_sorted: bool) -> bulk::BulkInput<'_> {
        self.licences
            .input(self.licence.slice(), self.at.slice(), groups, time_sorted)
    }
}

/// Bulk billing under any rule. See `keyledger.bulk_bill`.
#[pyfunction]
#[pyo3(signature = (licence, at, activated_at, deactivated_at, last_contact_before, group, groups, month, *, zone=None, rule=None, time_sorted=None, policy=None))]
#[allow(clippy::too_many_arguments)]
fn bulk_bill(
    py: Python<'_>,
    licence: &Bound<'_, PyAny>,
    at: &Bound<'_, PyAny>,
    activated_at: &Bound<'_, PyAny>,
    deactivated_at: &Bound<'_, PyAny>,
    last_contact_before: &Bound<'_, PyAny>,
    group: &Bound<'_, PyAny>,
    groups: &Bound<'_, PyAny>,
    month: &Bound<'_, PyAny>,
    zone: Option<&Bound<'_, PyAny>>,
    rule: Option<&Bound<'_, PyAny>>,
    time_sorted: Option<&Bound<'_, PyAny>>,
    policy: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyBulkResult> {
    let (groups, month, zone, rule) = (
        usize_arg(groups, "groups")?,
        month_arg(month)?,
        crate::reports::zone_arg(zone)?,
        rule_arg(rule)?,
    );
    let cols = Rows::read([
        licence,
        at,
        activated_at,
        deactivated_at,
        last_contact_before,
        group,
    ])?;
    let input = cols.input(groups, bool_opt(time_sorted, "time_sorted")?);
    let policy = policy_arg(policy)?;
    let r = py
        .detach(|| bulk::bill(&input, month, &zone, rule, &policy))
        .map_err(to_py)?;
    Ok(PyBulkResult::new(py, r))
}

/// Bulk billing, default rule (any day), the fast path: licences billed per group.
#[pyfunction]
#[pyo3(signature = (licence, at, activated_at, deactivated_at, last_contact_before, group, groups, month, *, zone=None, time_sorted=None, policy=None))]
#[allow(clippy::too_many_arguments)]
fn bulk_any_day_counts(
    py: Python<'_>,
    licence: &Bound<'_, PyAny>,
    at: &Bound<'_, PyAny>,
    activated_at: &Bound<'_, PyAny>,
    deactivated_at: &Bound<'_, PyAny>,
    last_contact_before: &Bound<'_, PyAny>,
    group: &Bound<'_, PyAny>,
    groups: &Bound<'_, PyAny>,
    month: &Bound<'_, PyAny>,
    zone: Option<&Bound<'_, PyAny>>,
    time_sorted: Option<&Bound<'_, PyAny>>,
    policy: Option<&Bound<'_, PyAny>>,
) -> PyResult<Vec<u64>> {
    let (groups, month, zone) = (
        usize_arg(groups, "groups")?,
        month_arg(month)?,
        crate::reports::zone_arg(zone)?,
    );
    let cols = Rows::read([
        licence,
        at,
        activated_at,
        deactivated_at,
        last_contact_before,
        group,
    ])?;
    let input = cols.input(groups, bool_opt(time_sorted, "time_sorted")?);
    let policy = policy_arg(policy)?;
    py.detach(|| bulk::any_day_counts(&input, month, &zone, &policy))
        .map_err(to_py)
}

/// A partial bulk result over a range of licences (the core's `bulk::Partial`): update it with
/// batches of call-home rows, merge partials of other rows or of the adjacent licence range, and
/// finish it into a `BulkResult`. However the rows are split, the merged result equals
/// `bulk_bill` over all of them. Picklable, and `to_bytes()` / `BulkPartial.from_bytes()` for a
/// shuffle (12 bytes per licence rows were seen for, 2–3 bits per other licence).
///
/// Rows of one licence must reach a partial in time order (sort a batch by time); partials merged
/// for the same licences must come from disjoint time ranges.
#[pyclass(name = "BulkPartial", module = "keyledger")]
#[derive(Clone)]
pub(crate) struct PyBulkPartial {
    inner: bulk::Partial,
}

pub(crate) const PARTIAL_STUB: &str = "class BulkPartial:
    \"\"\"A mergeable partial bulk result over licences ``first .. first + licences``.\"\"\"
    def __new__(cls, licences: int, month: str, *, zone: str | None = None, rule: BillingRule | None = None, first: int | None = None, policy: LifecyclePolicy | None = None) -> Self: ...
    @property
    def first(self) -> int: ...
    @property
    def licences(self) -> int: ...
    @property
    def rule(self) -> BillingRule: ...
    def update(self, licence: Any, at: Any, activated_at: Any, deactivated_at: Any, last_contact_before: Any) -> None: ...
    def merge(self, other: BulkPartial) -> None: ...
    def finish(self, activated_at: Any, deactivated_at: Any, last_contact_before: Any, group: Any, groups: int) -> BulkResult: ...
    def to_bytes(self) -> bytes: ...
    @staticmethod
    def from_bytes(data: bytes) -> BulkPartial: ...
    def copy(self) -> BulkPartial: ...
    def __reduce__(self) -> tuple[Any, tuple[bytes]]: ...
    def __eq__(self, other: object, /) -> bool: ...
";

#[pymethods]
impl PyBulkPartial {
    #[new]
    #[pyo3(signature = (licences, month, *, zone=None, rule=None, first=None, policy=None))]
    fn new(
        licences: &Bound<'_, PyAny>,
        month: &Bound<'_, PyAny>,
        zone: Option<&Bound<'_, PyAny>>,
        rule: Option<&Bound<'_, PyAny>>,
        first: Option<&Bound<'_, PyAny>>,
        policy: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let first = match first {
            Some(f) if !f.is_none() => crate::errors::u32_arg(f, "first")?,
            _ => 0,
        };
        let inner = bulk::Partial::for_range(
            first,
            usize_arg(licences, "licences")?,
            month_arg(month)?,
            &crate::reports::zone_arg(zone)?,
            rule_arg(rule)?,
            &policy_arg(policy)?,
        )
        .map_err(to_py)?;
        Ok(PyBulkPartial { inner })
    }

    /// Index of the first licence of the range.
    #[getter]
    fn first(&self) -> u32 {
        self.inner.licences().start
    }
    /// Number of licences of the range.
    #[getter]
    fn licences(&self) -> usize {
        self.inner.licences().len()
    }
    /// The rule the partial is computed for.
    #[getter]
    fn rule(&self) -> PyBillingRule {
        PyBillingRule {
            inner: self.inner.rule(),
        }
    }

    /// Adds a batch of call-home rows (``licence``: global licence index, ``at``: unix seconds;
    /// each licence's rows in time order) with the range's licence columns.
    fn update(
        &mut self,
        py: Python<'_>,
        licence: &Bound<'_, PyAny>,
        at: &Bound<'_, PyAny>,
        activated_at: &Bound<'_, PyAny>,
        deactivated_at: &Bound<'_, PyAny>,
        last_contact_before: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let ls = column::<UInt32Type>(licence, "licence")?;
        let ts = column::<Int64Type>(at, "at")?;
        let lic = Licences::read(activated_at, deactivated_at, last_contact_before, None)?;
        let input = lic.input(ls.slice(), ts.slice(), 1, false);
        // On error the partial is left as it was.
        let mut next = self.inner.clone();
        py.detach(|| next.update(&input)).map_err(to_py)?;
        self.inner = next;
        Ok(())
    }

    /// Merges ``other`` (the same licences from other rows, or the adjacent licence range).
    fn merge(&mut self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<()> {
        let other = other
            .cast::<PyBulkPartial>()
            .map_err(|_| bad_argument("other", "expected a BulkPartial"))?
            .try_borrow()
            .map_err(|_| bad_argument("other", "a partial cannot be merged with itself"))?;
        let mut next = self.inner.clone();
        let o = &other.inner;
        py.detach(|| next.merge(o)).map_err(to_py)?;
        self.inner = next;
        Ok(())
    }

    /// The month's result for the range's licences (their licence columns).
    fn finish(
        &self,
        py: Python<'_>,
        activated_at: &Bound<'_, PyAny>,
        deactivated_at: &Bound<'_, PyAny>,
        last_contact_before: &Bound<'_, PyAny>,
        group: &Bound<'_, PyAny>,
        groups: &Bound<'_, PyAny>,
    ) -> PyResult<PyBulkResult> {
        let groups = usize_arg(groups, "groups")?;
        let lic = Licences::read(
            activated_at,
            deactivated_at,
            last_contact_before,
            Some(group),
        )?;
        let input = lic.input(&[], &[], groups, false);
        let inner = &self.inner;
        let r = py.detach(|| inner.finish(&input)).map_err(to_py)?;
        Ok(PyBulkResult::new(py, r))
    }

    /// The partial as bytes (for a shuffle or storage).
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.to_bytes())
    }

    /// The partial ``to_bytes`` wrote.
    #[staticmethod]
    fn from_bytes(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        let b = bytes_arg(data, "data")?;
        Ok(PyBulkPartial {
            inner: bulk::Partial::from_bytes(&b).map_err(to_py)?,
        })
    }

    /// An independent copy.
    fn copy(&self) -> Self {
        self.clone()
    }

    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
        let py = slf.py();
        let from = slf.get_type().getattr("from_bytes")?;
        Ok((from, (slf.borrow().to_bytes(py),)))
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<PyBulkPartial>()
            .is_ok_and(|o| o.try_borrow().is_ok_and(|o| o.inner == self.inner))
    }

    fn __repr__(&self) -> String {
        let r = self.inner.licences();
        format!(
            "BulkPartial(licences {}..{}, rule {})",
            r.start,
            r.end,
            self.inner.rule().describe()
        )
    }
}

pub(crate) const STUBS: &[&str] = &[PyBulkGroup::STUB, RESULT_STUB, PARTIAL_STUB];

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(bulk_bill, m)?)?;
    m.add_function(wrap_pyfunction!(bulk_any_day_counts, m)?)?;
    m.add_class::<PyBulkGroup>()?;
    m.add_class::<PyBulkResult>()?;
    m.add_class::<PyBulkPartial>()?;
    Ok(())
}
