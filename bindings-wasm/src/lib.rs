//! # keyledger-wasm
//!
//! The WebAssembly/JavaScript binding of keyledger, built with wasm-bindgen for node
//! (`--target nodejs`) and the browser (`--target web`).
//!
//! It is thin: one file per core module, each export calls the core and converts. Results are
//! plain JS objects; errors are real `Error` objects with a stable `code` and the fields of the
//! Rust error ([`errors`]). Integers at the boundary are `u32` or smaller, never `BigInt`.
//!
//! The default build is key-only (keys and catalog), so a key-checking page stays small; the
//! `full` feature is where the bindings of ledger, billing and quota go.
//!
//! ```
//! use keyledger_wasm::key::{check_view, JsIssuer};
//! let issuer = JsIssuer::create(&[7; 32], 0)?;
//! let key = issuer.generate_text(1, 12)?;
//! let check = check_view(&key, None);
//! assert_eq!((check.usable, check.serial), (true, Some(12)));
//! # Ok::<(), keyledger::Error>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod args;
#[cfg(feature = "full")]
pub mod billing;
pub mod catalog;
pub mod errors;
pub mod key;
#[cfg(feature = "full")]
pub mod ledger;
#[cfg(feature = "full")]
pub mod quota;
#[cfg(feature = "full")]
pub mod time;
#[cfg(feature = "full")]
pub mod ts;

use wasm_bindgen::prelude::*;

/// `version()`: the version of this package (the same as the keyledger core it wraps).
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
