//! The one place where Rust errors become Python exceptions, and arguments become core values.

use chrono::{DateTime, Utc};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Builds the Python exception for a code, a message and the error's fields (a JSON object).
pub(crate) fn raise(py: Python<'_>, code: &str, message: &str, fields: &str) -> PyErr {
    let made = py
        .import("keyledger._errors")
        .and_then(|m| m.getattr("from_native"))
        .and_then(|f| f.call1((code, message, fields)));
    match made {
        Ok(exc) => PyErr::from_value(exc),
        // The package is always installed with the module; fall back to a plain ValueError.
        Err(_) => PyValueError::new_err(format!("{code}: {message}")),
    }
}

/// A core error as a Python exception.
pub(crate) fn to_py(e: impl Into<keyledger::Error>) -> PyErr {
    let e: keyledger::Error = e.into();
    Python::attach(|py| raise(py, e.code(), &e.to_string(), &e.fields().to_string()))
}

/// A bad argument (wrong JSON shape, bad instant...) as `ArgumentError`.
pub(crate) fn bad_argument(argument: &str, message: impl std::fmt::Display) -> PyErr {
    let fields = serde_json::json!({ "argument": argument }).to_string();
    Python::attach(|py| {
        raise(
            py,
            "py.bad_argument",
            &format!("{argument}: {message}"),
            &fields,
        )
    })
}

/// Reads a JSON argument in the core's serde shape.
pub(crate) fn from_json<T: DeserializeOwned>(argument: &str, text: &str) -> PyResult<T> {
    serde_json::from_str(text).map_err(|e| bad_argument(argument, e))
}

/// Writes a core value as JSON for the Python layer.
pub(crate) fn to_json<T: Serialize>(value: &T) -> PyResult<String> {
    serde_json::to_string(value).map_err(|e| bad_argument("result", e))
}

/// Reads an RFC 3339 instant (the Python layer sends aware datetimes in this form).
pub(crate) fn instant(argument: &str, text: &str) -> PyResult<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            bad_argument(
                argument,
                format!("{text:?} is not an RFC 3339 instant ({e})"),
            )
        })
}

/// A life-cycle policy from JSON (`None`: the seed's 7/14/30 days).
pub(crate) fn policy_arg(policy: Option<&str>) -> PyResult<keyledger::lifecycle::LifecyclePolicy> {
    match policy {
        Some(p) => from_json("policy", p),
        None => Ok(keyledger::lifecycle::LifecyclePolicy::default()),
    }
}
