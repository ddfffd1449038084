//! The one place where Rust errors become Python exceptions, and Python arguments become core
//! values.
//!
//! Every argument is read here by name, so that a wrong type, a lone surrogate, a huge or negative
//! int, a float or `None` becomes an `ArgumentError` naming the argument (never a bare
//! `TypeError`, `OverflowError` or `UnicodeEncodeError`), and a product key that does not parse
//! becomes the same `MalformedKeyError` / `TypoError` (with `position` and `character`) from every
//! entry point that takes a key.

use chrono::{DateTime, TimeZone, Utc};
use keyledger::key::{KeyError, ProductKey};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyBytes, PyDateTime, PyDict, PyFloat, PyInt, PyList, PyString};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;
use std::borrow::Cow;

static FROM_NATIVE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static EPOCH: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static DECIMAL: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The codes only the Python binding raises (argument checks and optional extras), on top of the
/// core's [`keyledger::Error::CODES`]. `core/tests/error_codes.rs` reads this list: every `py.*`
/// code named anywhere in the repository must be in it.
pub const PY_CODES: &[&str] = &["py.bad_argument", "py.naive_datetime", "py.missing_extra"];

/// Every code a keyledger exception can carry: the core's, then the binding's own
/// (`keyledger._errors.ERROR_CODES`).
#[pyfunction]
pub(crate) fn _error_codes() -> Vec<&'static str> {
    keyledger::Error::CODES
        .iter()
        .chain(PY_CODES)
        .copied()
        .collect()
}

/// Builds the Python exception for a code, a message and the error's fields.
pub(crate) fn raise(py: Python<'_>, code: &str, message: &str, fields: Bound<'_, PyDict>) -> PyErr {
    let made = FROM_NATIVE
        .get_or_try_init(py, || {
            py.import("keyledger._errors")
                .and_then(|m| m.getattr("from_native"))
                .map(Bound::unbind)
        })
        .and_then(|f| f.bind(py).call1((code, message, fields)));
    match made {
        Ok(exc) => PyErr::from_value(exc),
        // The package is always installed with the module; fall back to a plain ValueError.
        Err(_) => PyValueError::new_err(format!("{code}: {message}")),
    }
}

/// A JSON value (an error's fields, a document for `to_dict`) as plain Python objects.
pub(crate) fn value_to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_u64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else {
                PyFloat::new(py, n.as_f64().unwrap_or(f64::NAN)).into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(a) => {
            let items = a
                .iter()
                .map(|x| value_to_py(py, x))
                .collect::<PyResult<Vec<_>>>()?;
            PyList::new(py, items)?.into_any()
        }
        Value::Object(o) => {
            let d = PyDict::new(py);
            for (k, x) in o {
                d.set_item(k, value_to_py(py, x)?)?;
            }
            d.into_any()
        }
    })
}

/// A serde value as plain Python objects (`to_dict`): no JSON text on the way.
pub(crate) fn to_dict<'py, T: Serialize>(
    py: Python<'py>,
    value: &T,
) -> PyResult<Bound<'py, PyAny>> {
    let v = serde_json::to_value(value).map_err(|e| bad_argument("value", e))?;
    value_to_py(py, &v)
}

/// A serde value as JSON text (`to_json`, for storage and logs).
pub(crate) fn to_json_text<T: Serialize>(value: &T) -> PyResult<String> {
    serde_json::to_string(value).map_err(|e| bad_argument("value", e))
}

fn fields_dict<'py>(py: Python<'py>, fields: &Value) -> Bound<'py, PyDict> {
    match value_to_py(py, fields).map(|d| d.cast_into::<PyDict>()) {
        Ok(Ok(d)) => d,
        _ => PyDict::new(py),
    }
}

/// A core error as a Python exception.
pub(crate) fn to_py(e: impl Into<keyledger::Error>) -> PyErr {
    let e: keyledger::Error = e.into();
    Python::attach(|py| raise(py, e.code(), &e.to_string(), fields_dict(py, &e.fields())))
}

/// A bad argument (wrong type, out of range...) as `ArgumentError`, naming the argument.
pub(crate) fn bad_argument(argument: &str, message: impl std::fmt::Display) -> PyErr {
    Python::attach(|py| {
        let fields = PyDict::new(py);
        let _ = fields.set_item("argument", argument);
        raise(
            py,
            "py.bad_argument",
            &format!("{argument}: {message}"),
            fields,
        )
    })
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".into())
}

fn wrong_type(argument: &str, expected: &str, obj: &Bound<'_, PyAny>) -> PyErr {
    bad_argument(
        argument,
        format!("expected {expected}, got {}", type_name(obj)),
    )
}

/// A str argument. A lone surrogate (which no UTF-8 text can hold) is an `ArgumentError` naming
/// its 1-based position.
pub(crate) fn text<'a>(obj: &'a Bound<'_, PyAny>, argument: &str) -> PyResult<Cow<'a, str>> {
    let s = obj
        .cast::<PyString>()
        .map_err(|_| wrong_type(argument, "a str", obj))?;
    s.to_str().map(Cow::Borrowed).map_err(|_| {
        let (_, surrogates) = lossy(s);
        let at = surrogates.first().map(|p| p.0).unwrap_or(0);
        bad_argument(
            argument,
            format!("position {at}: a lone surrogate is not text (no UTF-8 form)"),
        )
    })
}

/// An optional str argument (`None` allowed).
pub(crate) fn opt_text(obj: Option<&Bound<'_, PyAny>>, argument: &str) -> PyResult<Option<String>> {
    match obj {
        None => Ok(None),
        Some(o) if o.is_none() => Ok(None),
        Some(o) => text(o, argument).map(|t| Some(t.into_owned())),
    }
}

/// The text with each lone surrogate replaced by U+FFFD (one character each, so positions hold),
/// and the 1-based positions of the surrogates with the original one-character strings.
fn lossy<'py>(s: &Bound<'py, PyString>) -> (String, Vec<(usize, Bound<'py, PyAny>)>) {
    let mut out = String::new();
    let mut found = Vec::new();
    if let Ok(iter) = s.try_iter() {
        for (i, ch) in iter.flatten().enumerate() {
            match ch.cast::<PyString>().ok().and_then(|c| c.to_str().ok()) {
                Some(c) => out.push_str(c),
                None => {
                    out.push('\u{FFFD}');
                    found.push((i + 1, ch));
                }
            }
        }
    }
    (out, found)
}

/// Raises the key error for `err`, with the character as Python saw it (a lone surrogate stays
/// itself, not U+FFFD).
fn key_error(py: Python<'_>, err: KeyError, surrogates: &[(usize, Bound<'_, PyAny>)]) -> PyErr {
    let e = keyledger::Error::from(err.clone());
    let fields = fields_dict(py, &e.fields());
    let mut message = e.to_string();
    if let KeyError::InvalidCharacter { position, .. } = err {
        if let Some((_, ch)) = surrogates.iter().find(|(p, _)| *p == position) {
            let _ = fields.set_item("character", ch);
            let shown = ch.repr().map(|r| r.to_string()).unwrap_or_default();
            message = format!("key position {position}: {shown} is a lone surrogate, not a Crockford base32 symbol");
        }
    }
    raise(py, e.code(), &message, fields)
}

/// The text of a key argument, or (for text with lone surrogates) the text with U+FFFD in their
/// places and the surrogates themselves.
pub(crate) enum KeyText<'a, 'py> {
    Clean(Cow<'a, str>),
    Surrogates(String, Vec<(usize, Bound<'py, PyAny>)>),
}

impl KeyText<'_, '_> {
    pub(crate) fn as_str(&self) -> &str {
        match self {
            KeyText::Clean(c) => c,
            KeyText::Surrogates(s, _) => s,
        }
    }

    /// The Python form of the character at a 1-based position if it was a lone surrogate.
    pub(crate) fn surrogate_at(&self, position: usize) -> Option<Py<PyAny>> {
        match self {
            KeyText::Clean(_) => None,
            KeyText::Surrogates(_, found) => found
                .iter()
                .find(|(p, _)| *p == position)
                .map(|(_, c)| c.clone().unbind()),
        }
    }
}

/// The text of a key argument (a str or a `ProductKey`); lone surrogates are kept apart so that
/// the key check reports them as malformed characters at their position.
pub(crate) fn key_text<'a, 'py>(
    obj: &'a Bound<'py, PyAny>,
    argument: &str,
) -> PyResult<KeyText<'a, 'py>> {
    if let Ok(k) = obj.cast::<crate::key::PyProductKey>() {
        return Ok(KeyText::Clean(Cow::Owned(k.get().inner.to_string())));
    }
    let s = obj
        .cast::<PyString>()
        .map_err(|_| wrong_type(argument, "a str or a ProductKey", obj))?;
    match s.to_str() {
        Ok(c) => Ok(KeyText::Clean(Cow::Borrowed(c))),
        Err(_) => {
            let (text, found) = lossy(s);
            Ok(KeyText::Surrogates(text, found))
        }
    }
}

/// A product key argument: a `ProductKey`, or a str parsed leniently. A str that does not parse
/// raises the key error (`MalformedKeyError` with `position` and `character`, `TypoError`, ...),
/// the same from every entry point.
pub(crate) fn key(obj: &Bound<'_, PyAny>, argument: &str) -> PyResult<ProductKey> {
    if let Ok(k) = obj.cast::<crate::key::PyProductKey>() {
        return Ok(k.get().inner);
    }
    let s = obj
        .cast::<PyString>()
        .map_err(|_| wrong_type(argument, "a str or a ProductKey", obj))?;
    match s.to_str() {
        Ok(c) => ProductKey::parse(c).map_err(|e| key_error(obj.py(), e, &[])),
        Err(_) => {
            let (text, found) = lossy(s);
            ProductKey::parse(&text).map_err(|e| key_error(obj.py(), e, &found))
        }
    }
}

/// An int argument in `[min, max]`: bools, floats, `None` and other types are refused, and an
/// int of any size out of the range is an `ArgumentError` (never an `OverflowError`).
pub(crate) fn int_in(
    obj: &Bound<'_, PyAny>,
    argument: &str,
    min: i128,
    max: i128,
) -> PyResult<i128> {
    if obj.is_instance_of::<PyBool>() || !obj.is_instance_of::<PyInt>() {
        return Err(wrong_type(argument, "an int", obj));
    }
    match obj.extract::<i128>() {
        Ok(v) if (min..=max).contains(&v) => Ok(v),
        _ => Err(bad_argument(
            argument,
            format!(
                "{} is out of range ({min} to {max})",
                obj.repr()
                    .map(|r| r.to_string())
                    .unwrap_or_else(|_| "the value".into())
            ),
        )),
    }
}

pub(crate) fn u32_arg(obj: &Bound<'_, PyAny>, argument: &str) -> PyResult<u32> {
    int_in(obj, argument, 0, i128::from(u32::MAX)).map(|v| v as u32)
}

pub(crate) fn u64_arg(obj: &Bound<'_, PyAny>, argument: &str) -> PyResult<u64> {
    int_in(obj, argument, 0, i128::from(u64::MAX)).map(|v| v as u64)
}

pub(crate) fn u8_arg(obj: &Bound<'_, PyAny>, argument: &str) -> PyResult<u8> {
    int_in(obj, argument, 0, 255).map(|v| v as u8)
}

pub(crate) fn i64_arg(obj: &Bound<'_, PyAny>, argument: &str) -> PyResult<i64> {
    int_in(obj, argument, i128::from(i64::MIN), i128::from(i64::MAX)).map(|v| v as i64)
}

pub(crate) fn opt_u64(obj: Option<&Bound<'_, PyAny>>, argument: &str) -> PyResult<Option<u64>> {
    match obj {
        None => Ok(None),
        Some(o) if o.is_none() => Ok(None),
        Some(o) => u64_arg(o, argument).map(Some),
    }
}

pub(crate) fn bool_arg(obj: &Bound<'_, PyAny>, argument: &str) -> PyResult<bool> {
    obj.cast::<PyBool>()
        .map(|b| b.is_true())
        .map_err(|_| wrong_type(argument, "a bool", obj))
}

/// A bytes-like argument (bytes or bytearray).
pub(crate) fn bytes_arg(obj: &Bound<'_, PyAny>, argument: &str) -> PyResult<Vec<u8>> {
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    if let Ok(b) = obj.cast::<pyo3::types::PyByteArray>() {
        return Ok(b.to_vec());
    }
    Err(wrong_type(argument, "bytes", obj))
}

/// Money: a `decimal.Decimal` or an int (floats are refused: they cannot hold cents exactly).
pub(crate) fn money(obj: &Bound<'_, PyAny>, argument: &str) -> PyResult<Decimal> {
    let py = obj.py();
    let cls = DECIMAL.get_or_try_init(py, || {
        py.import("decimal")
            .and_then(|m| m.getattr("Decimal"))
            .map(Bound::unbind)
    })?;
    if obj.is_instance_of::<PyFloat>() {
        return Err(bad_argument(argument, "use Decimal, not float, for money"));
    }
    let is_int = obj.is_instance_of::<PyInt>() && !obj.is_instance_of::<PyBool>();
    if !is_int && !obj.is_instance(cls.bind(py))? {
        return Err(wrong_type(argument, "a Decimal", obj));
    }
    let s = obj.str()?;
    let t = s.to_cow()?;
    t.parse::<Decimal>()
        .or_else(|_| Decimal::from_scientific(&t))
        .map_err(|e| {
            bad_argument(
                argument,
                format!("{t} is not an amount keyledger can hold ({e})"),
            )
        })
}

/// An instant: a timezone-aware `datetime` (any tzinfo whose `utcoffset` is defined). A naive
/// datetime raises `NaiveDatetimeError`; anything else `ArgumentError`.
pub(crate) fn instant(obj: &Bound<'_, PyAny>, argument: &str) -> PyResult<DateTime<Utc>> {
    let py = obj.py();
    if obj.cast::<PyDateTime>().is_err() {
        return Err(wrong_type(argument, "a timezone-aware datetime", obj));
    }
    let epoch = EPOCH.get_or_try_init(py, || {
        let utc = py.import("datetime")?.getattr("timezone")?.getattr("utc")?;
        PyDateTime::new(py, 1970, 1, 1, 0, 0, 0, 0, Some(&utc.cast_into()?))
            .map(|d| d.into_any().unbind())
    })?;
    // Aware minus aware is exact (days, seconds, microseconds); naive minus aware is a TypeError.
    let delta = match obj.sub(epoch.bind(py)) {
        Ok(d) => d,
        Err(_) => {
            let fields = PyDict::new(py);
            let _ = fields.set_item("argument", argument);
            return Err(raise(
                py,
                "py.naive_datetime",
                &format!(
                    "{argument}: the datetime has no time zone; pass an aware datetime \
                     (e.g. datetime.now(timezone.utc))"
                ),
                fields,
            ));
        }
    };
    let days: i64 = delta.getattr("days")?.extract()?;
    let seconds: i64 = delta.getattr("seconds")?.extract()?;
    let micros: i64 = delta.getattr("microseconds")?.extract()?;
    let secs = days * 86_400 + seconds;
    Utc.timestamp_opt(secs, (micros * 1000) as u32)
        .single()
        .ok_or_else(|| bad_argument(argument, "the instant is out of range"))
}

pub(crate) fn opt_instant(
    obj: Option<&Bound<'_, PyAny>>,
    argument: &str,
) -> PyResult<Option<DateTime<Utc>>> {
    match obj {
        None => Ok(None),
        Some(o) if o.is_none() => Ok(None),
        Some(o) => instant(o, argument).map(Some),
    }
}

/// A list (or any iterable) argument, item by item.
pub(crate) fn items<'py, T>(
    obj: &Bound<'py, PyAny>,
    argument: &str,
    mut each: impl FnMut(&Bound<'py, PyAny>) -> PyResult<T>,
) -> PyResult<Vec<T>> {
    if obj.is_instance_of::<PyString>() || obj.is_instance_of::<PyBytes>() {
        return Err(wrong_type(argument, "a list", obj));
    }
    if let Ok(list) = obj.cast::<PyList>() {
        let mut out = Vec::with_capacity(list.len());
        for x in list.iter() {
            out.push(each(&x)?);
        }
        return Ok(out);
    }
    let iter = obj
        .try_iter()
        .map_err(|_| wrong_type(argument, "a list", obj))?;
    let mut out = Vec::new();
    for x in iter {
        let x = x.map_err(|e| bad_argument(argument, e))?;
        out.push(each(&x)?);
    }
    Ok(out)
}
