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
//!
//! ## Time and money: `chrono` and `rust_decimal`, re-exported
//! Instants in the API are [`chrono::DateTime<Utc>`](chrono::DateTime) and money is
//! [`rust_decimal::Decimal`]. Both crates are re-exported at the root, so a caller needs no
//! dependency of its own and always names the very versions keyledger was built against:
//! ```
//! use keyledger::chrono::{Duration, TimeZone, Utc};
//! use keyledger::rust_decimal::Decimal;
//! use keyledger::billing::{BillingRule, PriceList};
//! use keyledger::catalog::presets;
//! use keyledger::lifecycle::{LicenceState, LifecyclePolicy};
//!
//! let last_contact = Utc.with_ymd_and_hms(2026, 11, 3, 12, 0, 0).unwrap();
//! let policy = LifecyclePolicy::default(); // late after 7 days, disabled after 14, lapsed at 30
//! let now = last_contact + Duration::days(8);
//! assert_eq!(policy.state_since_contact(last_contact, now), LicenceState::Late);
//!
//! let mut prices = PriceList::new("USD", BillingRule::STORAGECRAFT)?;
//! prices.set_price(presets::SHADOWPROTECT_MSP, Some("Server"), Decimal::new(2500, 2)); // 25.00
//! assert_eq!(
//!     prices.price_of(presets::SHADOWPROTECT_MSP, Some("Server")),
//!     Some("25.00".parse::<Decimal>().unwrap())
//! );
//! # Ok::<(), keyledger::Error>(())
//! ```
//!
//! ## Limits a caller meets first
//! - [`key::Issuer::generate_batch`] makes at most
//!   [`key::DEFAULT_MAX_PER_REQUEST`] (10) keys per request, the console's limit; a larger request
//!   is refused with [`key::KeyError::TooManyKeys`] (`key.too_many`), never truncated. Raise it with
//!   [`key::Issuer::set_max_per_request`]:
//! ```
//! use keyledger::{catalog::presets, key::Issuer};
//!
//! let mut issuer = Issuer::new(0, b"keep this secret somewhere safe!")?;
//! assert!(issuer.generate_batch(presets::SHADOWPROTECT_MSP, 0, 10_000).is_err());
//! issuer.set_max_per_request(10_000)?;
//! assert_eq!(issuer.generate_batch(presets::SHADOWPROTECT_MSP, 0, 10_000)?.len(), 10_000);
//! # Ok::<(), keyledger::Error>(())
//! ```
//! - An issuer secret has at least [`key::MIN_SECRET_LEN`] (16) bytes; serials go up to
//!   [`key::MAX_SERIAL`].
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod billing;
pub mod catalog;
pub mod error;
pub mod format;
pub mod key;
pub mod licence;
pub mod lifecycle;
pub mod log;
pub mod org;
pub mod quota;
pub(crate) mod sort;

pub use error::Error;

/// The `chrono` this crate is built against: every instant in the API is a
/// `chrono::DateTime<chrono::Utc>`, every date a `chrono::NaiveDate`.
pub use chrono;
/// The `rust_decimal` this crate is built against: every amount of money is a
/// `rust_decimal::Decimal`.
pub use rust_decimal;

// The README's examples run as doctests, so the README a user reads on crates.io cannot drift.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
