//! # keyledger
//!
//! Licensing and subscription bookkeeping for software vendors, MSPs and resellers: product keys,
//! the life of each licence, what to bill each month, and who holds which seats and how much quota.
//!
//! ## The model
//! keyledger **decides**; the caller does the I/O. There is no clock, no randomness, no file and no
//! network in this crate:
//! - time comes in as an argument (`now`, a UTC instant);
//! - commands are checked against the current state and either return the events they cause or a
//!   typed error, leaving the state exactly as it was;
//! - state is the fold of its events, so replaying the stored event log reproduces it bit for bit;
//! - everything (state, events, reports) serialises with serde.
//!
//! ## Modules
//! - [`catalog`]: products, editions, job types, and the seed preset ([`catalog::presets`]).
//! - [`key`]: product keys — deterministic generation from an issuer secret, lenient parsing, a
//!   public typo check, a truncated HMAC tag, validation as a value.
//! - [`org`]: accounts and sites, the containers of product keys.
//! - [`licence`]: the licence ledger — activation, daily call-home, the 7/14/30-day thresholds,
//!   deactivation, reactivation, legacy keys, activation history, status views, validation.
//! - [`lifecycle`]: licence states and the 7/14/30-day thresholds, shared by ledger and billing.
//! - [`quota`]: subscriptions with licence and GB pools, users, licences, groups, sync, partners and
//!   resellers, kept exactly within what was bought (decide/evolve, replay, views).
//! - [`format`](mod@format): the versioned JSON envelope of stored documents.
//! - [`billing`]: what the MSP is invoiced each month (Billing Detail, Activation Report, trends,
//!   a bulk path for call-home columns), exact decimal money, every decision explained.
//! - [`error`]: the crate's [`Error`], composed of one error enum per module, each with a stable code.
//!
//! ## Quick start
//! ```
//! use keyledger::{catalog::presets, key::Issuer};
//!
//! let catalog = presets::storagecraft();
//! let issuer = Issuer::new(0, b"keep this secret somewhere safe!")?;
//! for key in issuer.generate_batch(presets::SHADOWPROTECT_MSP, 1, 3)? {
//!     let check = issuer.check(&catalog, &key.to_string());
//!     assert!(check.usable, "{}", check.detail);
//! }
//! # Ok::<(), keyledger::Error>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod billing;
pub mod catalog;
pub mod error;
pub mod format;
pub(crate) mod hash;
pub mod key;
pub mod licence;
pub mod lifecycle;
pub mod org;
pub mod quota;
pub(crate) mod sort;

pub use error::Error;
