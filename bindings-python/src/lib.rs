//! The native module `keyledger._keyledger`: typed native classes over the core crate.
//!
//! Every document a user reads is a frozen native class with a getter per field (instants as aware
//! `datetime`, money as `Decimal`, enums as native enum classes); commands are methods with
//! keyword arguments. No JSON text crosses the boundary except `to_json` / `from_json` (storage).
//! Every error is a `KeyledgerError` subclass built by `keyledger._errors.from_native`; every
//! argument is read by name in `errors.rs`, so no `TypeError`, `OverflowError` or
//! `UnicodeEncodeError` escapes. No Rust panic can reach Python: every path returns a typed error.
#![forbid(unsafe_code)]

mod doc;

mod arrow;
mod bulk;
mod errors;
mod key;
mod ledger;
mod log;
mod quota;
mod reports;

use pyo3::prelude::*;

/// The generated part of `keyledger/__init__.pyi`: one stub per native document and enum
/// (checked by `bindings-python/stubs.py --check` in the test command).
#[pyfunction]
fn _stubs() -> String {
    let mut out = String::new();
    for s in key::STUBS
        .iter()
        .chain(ledger::STUBS)
        .chain(reports::STUBS)
        .chain(quota::STUBS)
        .chain(arrow::STUBS)
        .chain(bulk::STUBS)
    {
        out.push_str(s);
        out.push('\n');
    }
    out
}

/// The native module. Use the `keyledger` package, not this module.
#[pymodule]
fn _keyledger(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    key::register(m)?;
    ledger::register(m)?;
    bulk::register(m)?;
    reports::register(m)?;
    arrow::register(m)?;
    quota::register(m)?;
    m.add_function(wrap_pyfunction!(_stubs, m)?)?;
    m.add_function(wrap_pyfunction!(errors::_error_codes, m)?)?;
    Ok(())
}
