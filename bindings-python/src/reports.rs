//! Billing reports as native documents: Billing Detail (tables, lines, totals), recomputation with
//! its diff, Activation Report, trends, explanations; price lists and billing rules.

use crate::doc::{document, py_enum};
use crate::errors::{bad_argument, items, money, to_py, u32_arg, u8_arg};
use crate::key::{catalog_ref, product_arg, PyProductKey};
use crate::ledger::PyLicenceHistory;
use chrono::{DateTime, NaiveDate, Utc};
use keyledger::billing::{
    self, AccountTotal, ActivationEvent, ActivationReport, ActivationRow, ActivationSortKey,
    BillingDetail, BillingRule, EditionCount, Explanation, KeyRow, KeyTable, Month, PriceList,
    PricedLine, Rounding, TrendMonth, TrendPoint, Trends,
};
use keyledger::billing::{
    BillingDiff, DoubleBilling, DoubleBillingRow, KeyChange, LineChange, Recomputed,
};
use keyledger::lifecycle::LicenceHistory;
use pyo3::prelude::*;
use rust_decimal::Decimal;

/// A billing rule: which licences count in a month. Made by the constructors below (the core's
/// rules and presets); compare with ``==``.
#[pyclass(frozen, eq, hash, name = "BillingRule", module = "keyledger")]
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct PyBillingRule {
    pub(crate) inner: BillingRule,
}

#[pymethods]
impl PyBillingRule {
    /// Billed if billable on any day of the month (the default).
    #[staticmethod]
    fn any_day() -> Self {
        PyBillingRule {
            inner: BillingRule::AnyDay,
        }
    }
    /// Billed if billable on more than ``days`` days of the month.
    #[staticmethod]
    fn more_than_days(days: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(PyBillingRule {
            inner: BillingRule::MoreThanDays(u8_arg(days, "days")?),
        })
    }
    /// StorageCraft's rule (the core's preset).
    #[staticmethod]
    fn storagecraft() -> Self {
        PyBillingRule {
            inner: BillingRule::STORAGECRAFT,
        }
    }
    /// Billed for the fraction of the month's days it was billable.
    #[staticmethod]
    fn prorated() -> Self {
        PyBillingRule {
            inner: BillingRule::Prorated,
        }
    }
    /// Billed if billable on the month's last day.
    #[staticmethod]
    fn end_of_month() -> Self {
        PyBillingRule {
            inner: BillingRule::EndOfMonth,
        }
    }
    /// The peak of licences billable at once.
    #[staticmethod]
    fn peak() -> Self {
        PyBillingRule {
            inner: BillingRule::Peak,
        }
    }
    /// Billed if billable at some instant of the ``days`` × 24 h before the month's end (default
    /// 31), unless deactivated before the month; with ``first_month_free``, not in the month of its
    /// first activation.
    #[staticmethod]
    #[pyo3(signature = (days=None, first_month_free=None))]
    fn rolling_window(
        days: Option<&Bound<'_, PyAny>>,
        first_month_free: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let days = match days {
            Some(d) if !d.is_none() => u16::try_from(crate::errors::u32_arg(d, "days")?)
                .map_err(|_| bad_argument("days", "the window is at most 3650 days"))?,
            _ => 31,
        };
        let first_month_free = match first_month_free {
            Some(f) if !f.is_none() => crate::errors::bool_arg(f, "first_month_free")?,
            _ => false,
        };
        checked(BillingRule::RollingWindow {
            days,
            first_month_free,
        })
    }
    /// Billed if billable ``hour`` hours after the start of local day ``day`` (the last day in
    /// shorter months).
    #[staticmethod]
    #[pyo3(signature = (day, hour=None))]
    fn snapshot(day: &Bound<'_, PyAny>, hour: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let hour = match hour {
            Some(h) if !h.is_none() => u8_arg(h, "hour")?,
            _ => 0,
        };
        checked(BillingRule::Snapshot {
            day: u8_arg(day, "day")?,
            hour,
        })
    }
    /// Billed on ≥ 1 billable day; a line bills the most licences it had in one month of the
    /// contract term (``months``: 1, 2, 3, 4, 6 or 12; a term starts in ``first_month`` each year).
    #[staticmethod]
    #[pyo3(signature = (months, first_month=None))]
    fn high_water_mark(
        months: &Bound<'_, PyAny>,
        first_month: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let first_month = match first_month {
            Some(f) if !f.is_none() => u8_arg(f, "first_month")?,
            _ => 1,
        };
        checked(BillingRule::HighWaterMark {
            months: u8_arg(months, "months")?,
            first_month,
        })
    }
    /// What the rule means, in words.
    fn describe(&self) -> String {
        self.inner.describe()
    }
    #[allow(clippy::wrong_self_convention)]
    fn to_json(&self) -> PyResult<String> {
        crate::errors::to_json_text(&self.inner)
    }
    fn __repr__(&self) -> String {
        format!("BillingRule({})", self.inner.describe())
    }
}

/// A rule whose parameters the core accepts (`billing.bad_rule` otherwise).
fn checked(inner: BillingRule) -> PyResult<PyBillingRule> {
    inner.validate().map_err(crate::errors::to_py)?;
    Ok(PyBillingRule { inner })
}

const RULE_STUB: &str = "class BillingRule:\n    \"\"\"A billing rule: which licences count in a month.\"\"\"\n    @staticmethod\n    def any_day() -> BillingRule: ...\n    @staticmethod\n    def more_than_days(days: int) -> BillingRule: ...\n    @staticmethod\n    def storagecraft() -> BillingRule: ...\n    @staticmethod\n    def prorated() -> BillingRule: ...\n    @staticmethod\n    def end_of_month() -> BillingRule: ...\n    @staticmethod\n    def peak() -> BillingRule: ...\n    @staticmethod\n    def rolling_window(days: int | None = None, first_month_free: bool | None = None) -> BillingRule: ...\n    @staticmethod\n    def snapshot(day: int, hour: int | None = None) -> BillingRule: ...\n    @staticmethod\n    def high_water_mark(months: int, first_month: int | None = None) -> BillingRule: ...\n    def describe(self) -> str: ...\n    def to_json(self) -> str: ...\n    def __eq__(self, other: object, /) -> bool: ...\n    def __hash__(self) -> int: ...\n";

fn rule_arg(obj: Option<&Bound<'_, PyAny>>) -> PyResult<BillingRule> {
    match obj {
        None => Ok(BillingRule::AnyDay),
        Some(o) if o.is_none() => Ok(BillingRule::AnyDay),
        Some(o) => o
            .cast::<PyBillingRule>()
            .map(|r| r.get().inner)
            .map_err(|_| {
                bad_argument(
                    "rule",
                    "expected a BillingRule (e.g. BillingRule.storagecraft())",
                )
            }),
    }
}

py_enum!(PyRounding(Rounding) as "Rounding", "How amounts are rounded to the price list's scale." {
    HalfUp = "HALF_UP" / "HalfUp" => Rounding::HalfUp => Rounding::HalfUp,
    HalfEven = "HALF_EVEN" / "HalfEven" => Rounding::HalfEven => Rounding::HalfEven,
    Down = "DOWN" / "Down" => Rounding::Down => Rounding::Down,
    Up = "UP" / "Up" => Rounding::Up => Rounding::Up,
});

py_enum!(PyActivationEvent(ActivationEvent) as "ActivationEvent", "A row of the Activation Report: an activation or a deactivation." {
    Activated = "ACTIVATED" / "Activated" => ActivationEvent::Activated => ActivationEvent::Activated,
    Deactivated = "DEACTIVATED" / "Deactivated" => ActivationEvent::Deactivated => ActivationEvent::Deactivated,
});

py_enum!(PyActivationSortKey(ActivationSortKey) as "ActivationSortKey", "A sort key of the Activation Report." {
    ProductType = "PRODUCT_TYPE" / "ProductType" => ActivationSortKey::ProductType => ActivationSortKey::ProductType,
    Date = "DATE" / "Date" => ActivationSortKey::Date => ActivationSortKey::Date,
    Serial = "SERIAL" / "Serial" => ActivationSortKey::Serial => ActivationSortKey::Serial,
    Account = "ACCOUNT" / "Account" => ActivationSortKey::Account => ActivationSortKey::Account,
});

/// Monthly prices per product and edition, in one currency, with a billing rule.
#[pyclass(name = "PriceList", module = "keyledger")]
pub(crate) struct PyPriceList {
    inner: PriceList,
}

#[pymethods]
impl PyPriceList {
    #[new]
    #[pyo3(signature = (currency, rule=None, *, rounding=None, scale=None))]
    fn new(
        currency: &Bound<'_, PyAny>,
        rule: Option<&Bound<'_, PyAny>>,
        rounding: Option<&Bound<'_, PyAny>>,
        scale: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let mut p = PriceList::new(&crate::errors::text(currency, "currency")?, rule_arg(rule)?)
            .map_err(to_py)?;
        if let Some(r) = rounding.filter(|r| !r.is_none()) {
            p.rounding = r
                .cast::<PyRounding>()
                .map(|r| r.get().to_core())
                .map_err(|_| bad_argument("rounding", "expected a Rounding"))?;
        }
        if let Some(s) = scale.filter(|s| !s.is_none()) {
            p.scale = u32_arg(s, "scale")?;
        }
        p.validate().map_err(to_py)?;
        Ok(PyPriceList { inner: p })
    }

    /// Sets a monthly price (``edition=None``: every edition without its own price). Returns the
    /// list, for chaining.
    fn set_price<'py>(
        mut slf: PyRefMut<'py, Self>,
        product: &Bound<'_, PyAny>,
        edition: &Bound<'_, PyAny>,
        monthly: &Bound<'_, PyAny>,
    ) -> PyResult<PyRefMut<'py, Self>> {
        let product = product_arg(product)?;
        let edition = crate::errors::opt_text(Some(edition), "edition")?;
        let monthly = money(monthly, "monthly")?;
        let mut next = slf.inner.clone();
        next.set_price(product, edition.as_deref(), monthly);
        next.validate().map_err(to_py)?;
        slf.inner = next;
        Ok(slf)
    }

    /// A billing rule for one product, overriding the list's rule. Returns the list.
    fn set_rule<'py>(
        mut slf: PyRefMut<'py, Self>,
        product: &Bound<'_, PyAny>,
        rule: &Bound<'_, PyAny>,
    ) -> PyResult<PyRefMut<'py, Self>> {
        let product = product_arg(product)?;
        let rule = rule_arg(Some(rule))?;
        slf.inner.set_rule(product, rule);
        Ok(slf)
    }

    #[getter]
    fn currency(&self) -> String {
        self.inner.currency.clone()
    }
    #[getter]
    fn rule(&self) -> PyBillingRule {
        PyBillingRule {
            inner: self.inner.rule,
        }
    }
    #[getter]
    fn rounding(&self) -> PyRounding {
        self.inner.rounding.into()
    }
    #[getter]
    fn scale(&self) -> u32 {
        self.inner.scale
    }
    /// The monthly price of a product's edition (None: no price).
    #[pyo3(signature = (product, edition=None))]
    fn price_of(
        &self,
        product: &Bound<'_, PyAny>,
        edition: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Option<Decimal>> {
        let product = product_arg(product)?;
        let edition = crate::errors::opt_text(edition, "edition")?;
        Ok(self.inner.price_of(product, edition.as_deref()))
    }
    /// The rule that applies to a product.
    fn rule_for(&self, product: &Bound<'_, PyAny>) -> PyResult<PyBillingRule> {
        Ok(PyBillingRule {
            inner: self.inner.rule_for(product_arg(product)?),
        })
    }
    /// Reads a price list written by :meth:`to_json`.
    #[staticmethod]
    fn from_json(text: &Bound<'_, PyAny>) -> PyResult<Self> {
        let t = crate::errors::text(text, "text")?;
        let p: PriceList = serde_json::from_str(&t)
            .map_err(|e| to_py(keyledger::format::FormatError::from_json_error(&e)))?;
        p.validate().map_err(to_py)?;
        Ok(PyPriceList { inner: p })
    }
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        crate::errors::to_dict(py, &self.inner)
    }
    fn to_json(&self) -> PyResult<String> {
        crate::errors::to_json_text(&self.inner)
    }
    fn __repr__(&self) -> String {
        format!(
            "PriceList(currency={:?}, rule={}, prices={})",
            self.inner.currency,
            self.inner.rule.describe(),
            self.inner.prices.len()
        )
    }
}

const PRICES_STUB: &str = "class PriceList:\n    \"\"\"Monthly prices per product and edition, in one currency, with a billing rule.\"\"\"\n    def __new__(cls, currency: str, rule: BillingRule | None = None, *, rounding: Rounding | None = None, scale: int | None = None) -> Self: ...\n    def set_price(self, product: int | Product, edition: str | None, monthly: Decimal | int) -> PriceList: ...\n    def set_rule(self, product: int | Product, rule: BillingRule) -> PriceList: ...\n    @property\n    def currency(self) -> str: ...\n    @property\n    def rule(self) -> BillingRule: ...\n    @property\n    def rounding(self) -> Rounding: ...\n    @property\n    def scale(self) -> int: ...\n    def price_of(self, product: int | Product, edition: str | None = None) -> Decimal | None: ...\n    def rule_for(self, product: int | Product) -> BillingRule: ...\n    @staticmethod\n    def from_json(text: str) -> PriceList: ...\n    def to_dict(self) -> dict[str, Any]: ...\n    def to_json(self) -> str: ...\n";

fn prices_arg(obj: &Bound<'_, PyAny>) -> PyResult<PriceList> {
    obj.cast::<PyPriceList>()
        .map_err(|_| bad_argument("prices", "expected a PriceList"))?
        .try_borrow()
        .map(|p| p.inner.clone())
        .map_err(|e| bad_argument("prices", e))
}

fn histories_arg(obj: &Bound<'_, PyAny>) -> PyResult<Vec<LicenceHistory>> {
    items(obj, "histories", |x| {
        x.cast::<PyLicenceHistory>()
            .map(|h| h.get().inner.clone())
            .map_err(|_| {
                bad_argument(
                    "histories",
                    "expected LicenceHistory items (Ledger.licence_histories)",
                )
            })
    })
}

fn month_arg(obj: &Bound<'_, PyAny>, argument: &str) -> PyResult<Month> {
    crate::errors::text(obj, argument)?
        .parse::<Month>()
        .map_err(to_py)
}

fn date_arg(obj: &Bound<'_, PyAny>, argument: &str) -> PyResult<NaiveDate> {
    if obj.cast::<pyo3::types::PyDateTime>().is_ok() || obj.cast::<pyo3::types::PyDate>().is_err() {
        return Err(bad_argument(argument, "expected a datetime.date"));
    }
    obj.extract::<NaiveDate>()
        .map_err(|e| bad_argument(argument, e))
}

document!(PyKeyRow(KeyRow) as "KeyRow", "One licence in a Billing Detail key table." {
    key: PyProductKey => "ProductKey" = |s| s.key.into();
    product: u8 => "int" = |s| s.product.get();
    account: String => "str" = |s| s.account.clone();
    site: Option<String> => "str | None" = |s| s.site.clone();
    edition: Option<String> => "str | None" = |s| s.edition.clone();
    machine: String => "str" = |s| s.machine.clone();
    activated_at: Option<DateTime<Utc>> => "datetime | None" = |s| s.activated_at;
    billable_days: u32 => "int" = |s| s.billable_days;
    days: Vec<u32> => "list[int]" = |s| s.days.clone();
    billable: bool => "bool" = |s| s.billable;
    explanation: String => "str" = |s| s.explanation.clone();
    jobs: std::collections::BTreeMap<String, u32> => "dict[str, int]" = |s| s.jobs.clone();
});

document!(PyKeyTable(KeyTable) as "KeyTable", "A Billing Detail table: the licences of one key type." {
    key_type: String => "str" = |s| s.key_type.clone();
    perpetual: bool => "bool" = |s| s.perpetual;
    rows: Vec<PyKeyRow> => "list[KeyRow]" = |s| s.rows.iter().cloned().map(Into::into).collect();
}
extra_stub "    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object: ...\n    def to_arrow(self) -> Any: ...\n";
methods {
    /// The table's rows (one per licence) as an Arrow stream (PyCapsule interface), natively:
    /// the columns of :meth:`BillingDetail.key_rows`.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(&self, py: Python<'py>, requested_schema: Option<Bound<'py, PyAny>>) -> PyResult<Bound<'py, pyo3::types::PyCapsule>> {
        let _ = requested_schema;
        crate::arrow::stream(py, crate::arrow::key_rows_columns(std::iter::once(&self.inner)))
    }
    /// The rows as a ``pyarrow.Table`` (needs the ``arrow`` extra).
    fn to_arrow<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        crate::arrow::to_pyarrow(slf.as_any())
    }
});

document!(PyEditionCount(EditionCount) as "EditionCount", "Billable licences of one product edition." {
    product: u8 => "int" = |s| s.product.get();
    product_name: String => "str" = |s| s.product_name.clone();
    edition: Option<String> => "str | None" = |s| s.edition.clone();
    rule: PyBillingRule => "BillingRule" = |s| PyBillingRule { inner: s.rule };
    licences: u64 => "int" = |s| s.licences;
    billable_days: u64 => "int" = |s| s.billable_days;
    quantity: Decimal => "Decimal" = |s| s.quantity;
});

document!(PyPricedLine(PricedLine) as "PricedLine", "A priced line: an account's licences of one product edition." {
    account: String => "str" = |s| s.account.clone();
    product: u8 => "int" = |s| s.product.get();
    product_name: String => "str" = |s| s.product_name.clone();
    edition: Option<String> => "str | None" = |s| s.edition.clone();
    rule: PyBillingRule => "BillingRule" = |s| PyBillingRule { inner: s.rule };
    licences: u64 => "int" = |s| s.licences;
    billable_days: u64 => "int" = |s| s.billable_days;
    quantity: Decimal => "Decimal" = |s| s.quantity;
    unit_price: Decimal => "Decimal" = |s| s.unit_price;
    amount: Decimal => "Decimal" = |s| s.amount;
});

document!(PyAccountTotal(AccountTotal) as "AccountTotal", "An account's total for the month." {
    account: String => "str" = |s| s.account.clone();
    amount: Decimal => "Decimal" = |s| s.amount;
});

document!(PyBillingDetail(BillingDetail) as "BillingDetail", "The Billing Detail Report of a month: key tables, counts, priced lines and totals (Decimal)." {
    month: String => "str" = |s| s.month.to_string();
    time_zone: String => "str" = |s| s.time_zone.clone();
    currency: String => "str" = |s| s.currency.clone();
    rule: PyBillingRule => "BillingRule" = |s| PyBillingRule { inner: s.rule };
    rounding: PyRounding => "Rounding" = |s| s.rounding.into();
    scale: u32 => "int" = |s| s.scale;
    tables: Vec<PyKeyTable> => "list[KeyTable]" = |s| s.tables.iter().cloned().map(Into::into).collect();
    counts: Vec<PyEditionCount> => "list[EditionCount]" = |s| s.counts.iter().cloned().map(Into::into).collect();
    lines: Vec<PyPricedLine> => "list[PricedLine]" = |s| s.lines.iter().cloned().map(Into::into).collect();
    account_totals: Vec<PyAccountTotal> => "list[AccountTotal]" = |s| s.account_totals.iter().cloned().map(Into::into).collect();
    total: Decimal => "Decimal" = |s| s.total;
}
extra_stub "    def to_csv(self) -> str: ...\n    @staticmethod\n    def from_json(text: str) -> BillingDetail: ...\n    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object: ...\n    def to_arrow(self) -> Any: ...\n    def to_pandas(self) -> Any: ...\n    def key_rows(self) -> ArrowTable: ...\n    def rows_to_arrow(self) -> Any: ...\n";
methods {
    /// The report as CSV text.
    fn to_csv(&self) -> PyResult<String> {
        self.inner.to_csv().map_err(to_py)
    }
    fn __str__(&self) -> String {
        self.inner.to_string()
    }
    /// Reads a report written by :meth:`to_json` (for :func:`recompute` later).
    #[staticmethod]
    fn from_json(text: &Bound<'_, PyAny>) -> PyResult<Self> {
        let t = crate::errors::text(text, "text")?;
        serde_json::from_str::<BillingDetail>(&t)
            .map(Self::from)
            .map_err(|e| to_py(keyledger::format::FormatError::from_json_error(&e)))
    }
    /// The priced lines as an Arrow stream (PyCapsule interface), built natively: pyarrow,
    /// pandas, polars and DuckDB read it in one call (decimals as ``decimal128(38, s)``).
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(&self, py: Python<'py>, requested_schema: Option<Bound<'py, PyAny>>) -> PyResult<Bound<'py, pyo3::types::PyCapsule>> {
        let _ = requested_schema;
        crate::arrow::stream(py, crate::arrow::detail_columns(&self.inner)?)
    }
    /// The priced lines as a ``pyarrow.Table`` (needs the ``arrow`` extra).
    fn to_arrow<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        crate::arrow::to_pyarrow(slf.as_any())
    }
    /// The priced lines as a ``pandas.DataFrame`` (needs the ``pandas`` extra).
    fn to_pandas<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        crate::arrow::to_pandas(slf.as_any())
    }
    /// The key rows of every table (one row per licence) as a native :class:`ArrowTable`
    /// (``activated_at`` as ``timestamp[us, UTC]``); no extra needed.
    fn key_rows(&self) -> PyResult<crate::arrow::PyArrowTable> {
        crate::arrow::PyArrowTable::new(crate::arrow::key_rows_columns(self.inner.tables.iter()))
    }
    /// The key rows of every table as a ``pyarrow.Table`` (needs the ``arrow`` extra).
    fn rows_to_arrow<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let t = Bound::new(py, self.key_rows()?)?;
        crate::arrow::to_pyarrow(t.as_any())
    }
});

document!(PyKeyChange(KeyChange) as "KeyChange", "A licence whose billing changed on recomputation." {
    key: PyProductKey => "ProductKey" = |s| s.key.into();
    machine: String => "str" = |s| s.machine.clone();
    activated_at: Option<DateTime<Utc>> => "datetime | None" = |s| s.activated_at;
    days_before: Option<u32> => "int | None" = |s| s.days_before;
    days_after: Option<u32> => "int | None" = |s| s.days_after;
    billable_before: Option<bool> => "bool | None" = |s| s.billable_before;
    billable_after: Option<bool> => "bool | None" = |s| s.billable_after;
});

document!(PyLineChange(LineChange) as "LineChange", "A priced line or account total that changed on recomputation." {
    account: String => "str" = |s| s.account.clone();
    product: Option<u8> => "int | None" = |s| s.product.map(|p| p.get());
    edition: Option<String> => "str | None" = |s| s.edition.clone();
    before: Decimal => "Decimal" = |s| s.before;
    after: Decimal => "Decimal" = |s| s.after;
    delta: Decimal => "Decimal" = |s| s.delta;
});

document!(PyBillingDiff(BillingDiff) as "BillingDiff", "What changed between a reported month and its recomputation (amounts are Decimal)." {
    keys: Vec<PyKeyChange> => "list[KeyChange]" = |s| s.keys.iter().cloned().map(Into::into).collect();
    lines: Vec<PyLineChange> => "list[LineChange]" = |s| s.lines.iter().cloned().map(Into::into).collect();
    accounts: Vec<PyLineChange> => "list[LineChange]" = |s| s.accounts.iter().cloned().map(Into::into).collect();
    total_before: Decimal => "Decimal" = |s| s.total_before;
    total_after: Decimal => "Decimal" = |s| s.total_after;
    total_delta: Decimal => "Decimal" = |s| s.total_delta;
});

document!(PyRecomputed(Recomputed) as "Recomputed", "A reported month recomputed after late events: the new report and the diff." {
    report: PyBillingDetail => "BillingDetail" = |s| s.report.clone().into();
    diff: PyBillingDiff => "BillingDiff" = |s| s.diff.clone().into();
});

document!(PyActivationRow(ActivationRow) as "ActivationRow", "One activation or deactivation in the Activation Report." {
    key_type: String => "str" = |s| s.key_type.clone();
    product: u8 => "int" = |s| s.product.get();
    key: PyProductKey => "ProductKey" = |s| s.key.into();
    serial: u32 => "int" = |s| s.serial;
    account: String => "str" = |s| s.account.clone();
    site: Option<String> => "str | None" = |s| s.site.clone();
    machine: String => "str" = |s| s.machine.clone();
    edition: Option<String> => "str | None" = |s| s.edition.clone();
    event: PyActivationEvent => "ActivationEvent" = |s| s.event.into();
    at: DateTime<Utc> => "datetime" = |s| s.at;
    date: NaiveDate => "date" = |s| s.date;
});

document!(PyActivationReport(ActivationReport) as "ActivationReport", "Activations and deactivations between two dates." {
    start: NaiveDate => "date" = |s| s.start;
    end: NaiveDate => "date" = |s| s.end;
    time_zone: String => "str" = |s| s.time_zone.clone();
    products: Vec<u32> => "list[int]" = |s| s.products.iter().map(|p| u32::from(p.get())).collect();
    sort: Vec<PyActivationSortKey> => "list[ActivationSortKey]" = |s| s.sort.iter().map(|k| (*k).into()).collect();
    rows: Vec<PyActivationRow> => "list[ActivationRow]" = |s| s.rows.iter().cloned().map(Into::into).collect();
}
extra_stub "    def to_csv(self) -> str: ...\n    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object: ...\n    def to_arrow(self) -> Any: ...\n    def to_pandas(self) -> Any: ...\n";
methods {
    /// The report as CSV text.
    fn to_csv(&self) -> PyResult<String> {
        self.inner.to_csv().map_err(to_py)
    }
    /// The rows as an Arrow stream (PyCapsule interface).
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(&self, py: Python<'py>, requested_schema: Option<Bound<'py, PyAny>>) -> PyResult<Bound<'py, pyo3::types::PyCapsule>> {
        let _ = requested_schema;
        crate::arrow::stream(py, crate::arrow::activation_columns(&self.inner))
    }
    /// The rows as a ``pyarrow.Table`` (needs the ``arrow`` extra).
    fn to_arrow<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        crate::arrow::to_pyarrow(slf.as_any())
    }
    /// The rows as a ``pandas.DataFrame`` (needs the ``pandas`` extra).
    fn to_pandas<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        crate::arrow::to_pandas(slf.as_any())
    }
});

document!(PyTrendPoint(TrendPoint) as "TrendPoint", "Billable licences of one product in one month." {
    product: u8 => "int" = |s| s.product.get();
    product_name: String => "str" = |s| s.product_name.clone();
    licences: u64 => "int" = |s| s.licences;
    quantity: Decimal => "Decimal" = |s| s.quantity;
});

document!(PyTrendMonth(TrendMonth) as "TrendMonth", "One month of the trends." {
    month: String => "str" = |s| s.month.to_string();
    points: Vec<PyTrendPoint> => "list[TrendPoint]" = |s| s.points.iter().cloned().map(Into::into).collect();
});

document!(PyTrends(Trends) as "Trends", "Billable counts per product over twelve months." {
    time_zone: String => "str" = |s| s.time_zone.clone();
    rule: PyBillingRule => "BillingRule" = |s| PyBillingRule { inner: s.rule };
    months: Vec<PyTrendMonth> => "list[TrendMonth]" = |s| s.months.iter().cloned().map(Into::into).collect();
}
extra_stub "    def to_csv(self) -> str: ...\n    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object: ...\n    def to_arrow(self) -> Any: ...\n    def to_pandas(self) -> Any: ...\n";
methods {
    /// The trends as CSV text.
    fn to_csv(&self) -> PyResult<String> {
        self.inner.to_csv().map_err(to_py)
    }
    /// One row per (month, product) as an Arrow stream (PyCapsule interface).
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(&self, py: Python<'py>, requested_schema: Option<Bound<'py, PyAny>>) -> PyResult<Bound<'py, pyo3::types::PyCapsule>> {
        let _ = requested_schema;
        crate::arrow::stream(py, crate::arrow::trends_columns(&self.inner)?)
    }
    /// As a ``pyarrow.Table`` (needs the ``arrow`` extra).
    fn to_arrow<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        crate::arrow::to_pyarrow(slf.as_any())
    }
    /// As a ``pandas.DataFrame`` (needs the ``pandas`` extra).
    fn to_pandas<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        crate::arrow::to_pandas(slf.as_any())
    }
});

document!(PyDoubleBillingRow(DoubleBillingRow) as "DoubleBillingRow", "A machine that held an active legacy licence and a billed SP MSP licence in the month." {
    machine: String => "str" = |s| s.machine.clone();
    account: String => "str" = |s| s.account.clone();
    site: Option<String> => "str | None" = |s| s.site.clone();
    legacy_account: Option<String> => "str | None" = |s| s.legacy_account.clone();
    legacy_key: PyProductKey => "ProductKey" = |s| s.legacy_key.into();
    legacy_product: String => "str" = |s| s.legacy_product.clone();
    msp_key: PyProductKey => "ProductKey" = |s| s.msp_key.into();
    msp_product: String => "str" = |s| s.msp_product.clone();
    edition: Option<String> => "str | None" = |s| s.edition.clone();
    days: Vec<u32> => "list[int]" = |s| s.days.clone();
    overlapping_days: u32 => "int" = |s| s.overlapping_days;
    explanation: String => "str" = |s| s.explanation.clone();
});

document!(PyDoubleBilling(DoubleBilling) as "DoubleBilling", "Machines billed twice in a month: an active legacy licence beside a billed SP MSP licence (deactivate the legacy one)." {
    month: String => "str" = |s| s.month.to_string();
    time_zone: String => "str" = |s| s.time_zone.clone();
    rows: Vec<PyDoubleBillingRow> => "list[DoubleBillingRow]" = |s| s.rows.iter().cloned().map(Into::into).collect();
}
extra_stub "    def to_csv(self) -> str: ...\n";
methods {
    /// The report as CSV text.
    fn to_csv(&self) -> PyResult<String> {
        self.inner.to_csv().map_err(to_py)
    }
    fn __str__(&self) -> String {
        self.inner.to_string()
    }
});

/// The double-billing check of ``month``: machines with an active legacy licence and a billed SP MSP
/// licence (the seed's "deactivate legacy licences you upgrade").
#[pyfunction]
#[pyo3(signature = (histories, month, prices, *, zone=None, catalog=None))]
fn double_billing(
    histories: &Bound<'_, PyAny>,
    month: &Bound<'_, PyAny>,
    prices: &Bound<'_, PyAny>,
    zone: Option<&Bound<'_, PyAny>>,
    catalog: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyDoubleBilling> {
    let c = catalog_ref(catalog, "catalog")?;
    DoubleBilling::build(
        &histories_arg(histories)?,
        &c,
        month_arg(month, "month")?,
        &zone_arg(zone)?,
        &prices_arg(prices)?,
    )
    .map(Into::into)
    .map_err(to_py)
}

document!(PyExplanation(Explanation) as "Explanation", "Which days of a month counted for one licence, and why." {
    month: String => "str" = |s| s.month.to_string();
    rule: PyBillingRule => "BillingRule" = |s| PyBillingRule { inner: s.rule };
    days: Vec<u32> => "list[int]" = |s| s.days.clone();
    at_end: bool => "bool" = |s| s.at_end;
    billable: bool => "bool" = |s| s.billable;
    text: String => "str" = |s| s.text.clone();
});

/// A time zone argument (an IANA name; `None` is UTC).
pub(crate) fn zone_arg(obj: Option<&Bound<'_, PyAny>>) -> PyResult<keyledger::billing::Zone> {
    match obj {
        Some(z) if !z.is_none() => keyledger::billing::Zone::get(&crate::errors::text(z, "zone")?)
            .map_err(crate::errors::to_py),
        _ => Ok(keyledger::billing::Zone::utc()),
    }
}

/// The Billing Detail of ``month`` ("YYYY-MM") from licence histories.
#[pyfunction]
#[pyo3(signature = (histories, month, prices, *, zone=None, catalog=None))]
fn billing_detail(
    histories: &Bound<'_, PyAny>,
    month: &Bound<'_, PyAny>,
    prices: &Bound<'_, PyAny>,
    zone: Option<&Bound<'_, PyAny>>,
    catalog: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyBillingDetail> {
    let c = catalog_ref(catalog, "catalog")?;
    BillingDetail::build(
        &histories_arg(histories)?,
        &c,
        month_arg(month, "month")?,
        &zone_arg(zone)?,
        &prices_arg(prices)?,
    )
    .map(Into::into)
    .map_err(to_py)
}

/// Recomputes a reported month after late events: the new report and what changed.
#[pyfunction]
#[pyo3(signature = (earlier, histories, prices, *, catalog=None))]
fn recompute(
    earlier: &Bound<'_, PyAny>,
    histories: &Bound<'_, PyAny>,
    prices: &Bound<'_, PyAny>,
    catalog: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyRecomputed> {
    let earlier = earlier
        .cast::<PyBillingDetail>()
        .map_err(|_| bad_argument("earlier", "expected a BillingDetail"))?;
    let c = catalog_ref(catalog, "catalog")?;
    earlier
        .get()
        .inner
        .recompute(&histories_arg(histories)?, &c, &prices_arg(prices)?)
        .map(Into::into)
        .map_err(to_py)
}

/// Activations and deactivations between two dates.
#[pyfunction]
#[pyo3(signature = (histories, start, end, *, zone=None, products=None, sort=None, catalog=None))]
#[allow(clippy::too_many_arguments)]
fn activation_report(
    histories: &Bound<'_, PyAny>,
    start: &Bound<'_, PyAny>,
    end: &Bound<'_, PyAny>,
    zone: Option<&Bound<'_, PyAny>>,
    products: Option<&Bound<'_, PyAny>>,
    sort: Option<&Bound<'_, PyAny>>,
    catalog: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyActivationReport> {
    let products = match products {
        Some(p) if !p.is_none() => items(p, "products", product_arg)?,
        _ => Vec::new(),
    };
    let sort = match sort {
        Some(s) if !s.is_none() => items(s, "sort", |k| {
            k.cast::<PyActivationSortKey>()
                .map(|k| k.get().to_core())
                .map_err(|_| bad_argument("sort", "expected ActivationSortKey items"))
        })?,
        _ => Vec::new(),
    };
    let c = catalog_ref(catalog, "catalog")?;
    ActivationReport::build(
        &histories_arg(histories)?,
        &c,
        date_arg(start, "start")?,
        date_arg(end, "end")?,
        &zone_arg(zone)?,
        &products,
        &sort,
    )
    .map(Into::into)
    .map_err(to_py)
}

/// Billable counts per product for the 12 months ending at ``last`` ("YYYY-MM").
#[pyfunction]
#[pyo3(signature = (histories, last, *, zone=None, rule=None, catalog=None))]
fn trends(
    histories: &Bound<'_, PyAny>,
    last: &Bound<'_, PyAny>,
    zone: Option<&Bound<'_, PyAny>>,
    rule: Option<&Bound<'_, PyAny>>,
    catalog: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyTrends> {
    let c = catalog_ref(catalog, "catalog")?;
    Trends::build(
        &histories_arg(histories)?,
        &c,
        month_arg(last, "last")?,
        &zone_arg(zone)?,
        rule_arg(rule)?,
    )
    .map(Into::into)
    .map_err(to_py)
}

/// Which days of ``month`` counted for one licence, and why.
#[pyfunction]
#[pyo3(signature = (history, month, *, zone=None, rule=None, catalog=None))]
fn explain(
    history: &Bound<'_, PyAny>,
    month: &Bound<'_, PyAny>,
    zone: Option<&Bound<'_, PyAny>>,
    rule: Option<&Bound<'_, PyAny>>,
    catalog: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyExplanation> {
    let h = history
        .cast::<PyLicenceHistory>()
        .map_err(|_| bad_argument("history", "expected a LicenceHistory"))?;
    let c = catalog_ref(catalog, "catalog")?;
    billing::explain(
        &h.get().inner,
        &c,
        month_arg(month, "month")?,
        &zone_arg(zone)?,
        rule_arg(rule)?,
    )
    .map(Into::into)
    .map_err(to_py)
}

pub(crate) const STUBS: &[&str] = &[
    RULE_STUB,
    PyRounding::STUB,
    PyActivationEvent::STUB,
    PyActivationSortKey::STUB,
    PRICES_STUB,
    PyKeyRow::STUB,
    PyKeyTable::STUB,
    PyEditionCount::STUB,
    PyPricedLine::STUB,
    PyAccountTotal::STUB,
    PyBillingDetail::STUB,
    PyKeyChange::STUB,
    PyLineChange::STUB,
    PyBillingDiff::STUB,
    PyRecomputed::STUB,
    PyActivationRow::STUB,
    PyActivationReport::STUB,
    PyTrendPoint::STUB,
    PyTrendMonth::STUB,
    PyTrends::STUB,
    PyExplanation::STUB,
    PyDoubleBillingRow::STUB,
    PyDoubleBilling::STUB,
];

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyBillingRule>()?;
    m.add_class::<PyRounding>()?;
    m.add_class::<PyActivationEvent>()?;
    m.add_class::<PyActivationSortKey>()?;
    m.add_class::<PyPriceList>()?;
    m.add_class::<PyKeyRow>()?;
    m.add_class::<PyKeyTable>()?;
    m.add_class::<PyEditionCount>()?;
    m.add_class::<PyPricedLine>()?;
    m.add_class::<PyAccountTotal>()?;
    m.add_class::<PyBillingDetail>()?;
    m.add_class::<PyKeyChange>()?;
    m.add_class::<PyLineChange>()?;
    m.add_class::<PyBillingDiff>()?;
    m.add_class::<PyRecomputed>()?;
    m.add_class::<PyActivationRow>()?;
    m.add_class::<PyActivationReport>()?;
    m.add_class::<PyTrendPoint>()?;
    m.add_class::<PyTrendMonth>()?;
    m.add_class::<PyTrends>()?;
    m.add_class::<PyExplanation>()?;
    m.add_class::<PyDoubleBillingRow>()?;
    m.add_class::<PyDoubleBilling>()?;
    m.add_function(wrap_pyfunction!(double_billing, m)?)?;
    m.add_function(wrap_pyfunction!(billing_detail, m)?)?;
    m.add_function(wrap_pyfunction!(recompute, m)?)?;
    m.add_function(wrap_pyfunction!(activation_report, m)?)?;
    m.add_function(wrap_pyfunction!(trends, m)?)?;
    m.add_function(wrap_pyfunction!(explain, m)?)?;
    Ok(())
}
