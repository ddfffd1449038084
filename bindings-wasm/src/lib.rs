//! # keyledger-wasm
//!
//! The WebAssembly/JavaScript binding of the whole keyledger library, built with wasm-bindgen as
//! ES modules for node (`--target experimental-nodejs-module`) and the browser (`--target web`).
//!
//! It is thin: one file per core module ([`key`], [`catalog`], `ledger`, `billing`, `quota`), each
//! export calls the core and converts. Documents (commands, events, reports) are plain JS objects in
//! the Rust serde form; instants are `Date`s or ISO strings in, ISO strings out (`time`); errors are
//! real `Error` objects with a stable `code` and the fields of the Rust error ([`errors`]). Numbers
//! are JS numbers, refused rather than rounded beyond 2^53 − 1; a certificate nonce is a `BigInt`.
//!
//! The default feature `full` is the whole library. Built with `--no-default-features` it is
//! key-only (keys and the preset catalog), so a key-checking page does not carry the ledger,
//! billing, quota or the IANA zone database.
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
pub mod log;
pub mod plain;
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
