//! The native module `keyledger._keyledger`: a thin layer over the core crate.
//!
//! Values cross the boundary as JSON text in the core's serde shape (the Python package turns them
//! into typed objects, `datetime` and `Decimal`); instants cross as RFC 3339 strings. Every error is
//! raised through `keyledger._errors.from_native(code, message, fields_json)`, which builds the
//! right subclass of `KeyledgerError`. No Rust panic can reach Python: every path returns a
//! typed error.
#![forbid(unsafe_code)]

mod billing;
mod errors;
mod key;
mod ledger;
mod quota;

use pyo3::prelude::*;

/// The native module. Use the `keyledger` package, not this module.
#[pymodule]
fn _keyledger(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    key::register(m)?;
    ledger::register(m)?;
    billing::register(m)?;
    quota::register(m)?;
    Ok(())
}
