//! The licence ledger: what the MSP Licensing Console decides about a key after it is made.
//!
//! # Model
//! A [`Ledger`] holds the catalog, the life-cycle policy, the organisation (accounts, sites), the
//! product keys and their *licences*. A licence is one activation run of a key on one machine: it
//! starts at an activation (or a reactivation) and ends when a deactivation is finalised or the
//! activation lapses. A key with N licences holds at most N runs that have not ended.
//!
//! The ledger stores **facts**, not states: when each run was activated, the instants it called home
//! (merged into *contact clusters* `[first, last]` whose gaps are never longer than the late
//! threshold, so a machine calling home daily costs one cluster), deactivation requests and their
//! ends. The state at any instant — Active, Late, Disabled, PendingDeactivation, Deactivated — is
//! derived from those facts and `now` through [`LifecyclePolicy`](crate::lifecycle::LifecyclePolicy),
//! whose boundaries are documented in [`lifecycle`](crate::lifecycle):
//!
//! - Active while the last contact is at most 7 days old; Late after that (the console shows the
//!   termination date, last contact + 30 days); Disabled when it is more than 14 days old;
//!   Deactivated (lapsed) at exactly last contact + 30 days.
//! - Deactivate: PendingDeactivation at once (billing stops); the next call-home finalises it
//!   (Deactivated at that instant); if the machine never calls again, the run lapses as usual.
//! - Reactivate a PendingDeactivation run: the request is cancelled and the state is again derived
//!   from the contacts. Reactivate a Deactivated run: a new run starts at that instant on the same
//!   machine (billing resumes at once; it must call home within the thresholds like any run).
//! - Legacy (perpetual) keys have a static status: Active or Deactivated, set by the caller at an
//!   instant; a status query answers for the instant asked.
//! - ImageManager job licences: a job of a type starts on a key ([`LedgerCommand::StartJob`]) and
//!   ends; a start beyond the type's licences is `licence.job_limit`, other types keep their room.
//!
//! # Answers follow the latest knowledge
//! The ledger's clock is the latest instant of any event it has applied. Every command is decided
//! against what the ledger knows at that clock (or at the command's `now`, if later): a call-home
//! stamped in the past to a run that has ended since answers `deactivated` and revives nothing; an
//! activation stamped in the past counts the licences in use now (`docs/decisions/ledger.md`).
//!
//! # Events
//! Commands ([`LedgerCommand`]) are decided against the state and yield [`LedgerEvent`]s, or an
//! error with the ledger untouched. Events have ids: positions in the ledger's log (0, 1, 2…).
//! Applying an id again (the event-log kernel, [`crate::log`]) is a no-op when the payload is the
//! same and a conflict otherwise, call-homes included. The ledger keeps the fingerprint of every
//! event but call-homes forever; call-homes (the bulk of a log) are checked while they are among the
//! last [`DEFAULT_WINDOW`](crate::log::DEFAULT_WINDOW) events, and an older call-home id is refused
//! with [`LicenceError::EventTooOld`] rather than guessed (see `docs/decisions/ledger.md`). A
//! call-home older than the newest one is merged into the history (it can fill a gap in the past)
//! but never moves the current state backwards.
//!
//! ```
//! use keyledger::{catalog::presets, key::Issuer, lifecycle::{LifecyclePolicy, LicenceState}};
//! use keyledger::licence::{Ledger, LedgerCommand, CallHomeDecision};
//! use keyledger::org::{AccountId, Container};
//! use chrono::{TimeZone, Utc, Duration};
//!
//! let t0 = Utc.with_ymd_and_hms(2026, 9, 1, 9, 0, 0).unwrap();
//! let issuer = Issuer::new(0, b"an issuer secret, 32 bytes long.")?;
//! let mut ledger = Ledger::new(presets::storagecraft(), LifecyclePolicy::default());
//! let out = ledger.generate_keys(&issuer, presets::SHADOWPROTECT_MSP, 1,
//!     Container::Account(AccountId::DEFAULT), t0)?;
//! let key = out.keys[0];
//! ledger.execute(LedgerCommand::Activate {
//!     key, machine: "srv-01".into(), msp_name: "Best MSP".into(),
//!     customer_name: "Acme".into(), computer_role: None, edition: Some("Server".into()),
//! }, t0)?;
//! let call = ledger.execute(LedgerCommand::CallHome { key, machine: "srv-01".into() }, t0 + Duration::days(1))?;
//! assert_eq!(call.decision, Some(CallHomeDecision::Run));
//! assert_eq!(ledger.status(&key, t0 + Duration::days(9))?.state, LicenceState::Late);
//! # Ok::<(), keyledger::Error>(())
//! ```

mod decide;
mod decision;
mod events;
mod evolve;
mod facts;
mod history;
mod ledger;
pub mod offline;
mod views;

pub use crate::log::Applied;
pub use decision::CallHomeDecision;
pub use events::{LedgerCommand, LedgerEvent, LedgerEventKind, LicenceId};
pub use history::{HistoryEntry, HistoryKind};
pub use ledger::{Generated, Ledger, Outcome, FORMAT_KIND};
pub use views::{JobUse, KeyStatus, LicenceStatus, NameMismatch, NameReport, RunningJob};

use crate::key::ProductKey;
use chrono::{DateTime, Utc};

crate::error::coded! {
/// Errors of the licence ledger.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize)]
#[non_exhaustive]
pub enum LicenceError {
    /// The key is not in the ledger.
    #[code = "licence.unknown_key"]
    #[error("product key {key} is not in the ledger")]
    UnknownKey {
        /// The key.
        key: ProductKey,
    },
    /// A licence id that does not exist.
    #[code = "licence.unknown_licence"]
    #[error("licence {licence} does not exist")]
    UnknownLicence {
        /// The id.
        licence: u32,
    },
    /// A product that is not in the catalog.
    #[code = "licence.unknown_product"]
    #[error("product {product} is not in the catalog")]
    UnknownProduct {
        /// The product id.
        product: u8,
    },
    /// A key recorded twice.
    #[code = "licence.duplicate_key"]
    #[error("product key {key} is already in the ledger")]
    DuplicateKey {
        /// The key.
        key: ProductKey,
    },
    /// The key's product differs from the product named with it.
    #[code = "licence.product_mismatch"]
    #[error("product key {key} is for product {found}, not {expected}")]
    ProductMismatch {
        /// The key.
        key: ProductKey,
        /// Product named in the command.
        expected: u8,
        /// Product in the key.
        found: u8,
    },
    /// The key has no live licence on that machine.
    #[code = "licence.not_activated"]
    #[error("product key {key} is not activated on machine \"{machine}\"")]
    NotActivated {
        /// The key.
        key: ProductKey,
        /// The machine.
        machine: String,
    },
    /// The machine already holds a live licence of the key.
    #[code = "licence.already_active"]
    #[error("product key {key} is already active on machine \"{machine}\"")]
    AlreadyActive {
        /// The key.
        key: ProductKey,
        /// The machine.
        machine: String,
    },
    /// Every licence of the key is in use.
    #[code = "licence.licence_limit"]
    #[error("product key {key} holds {licences} licence(s) and all {in_use} are in use; deactivate one first")]
    LicenceLimit {
        /// The key.
        key: ProductKey,
        /// Licences the key carries.
        licences: u32,
        /// Licences in use.
        in_use: u32,
    },
    /// An edition the product does not have.
    #[code = "licence.unknown_edition"]
    #[error("product \"{product}\" {} (its editions: {editions})", if edition.is_empty() { "has several editions: name one".to_string() } else { format!("has no edition \"{edition}\"") })]
    UnknownEdition {
        /// Product name.
        product: String,
        /// Edition given.
        edition: String,
        /// The product's editions, comma-separated.
        editions: String,
    },
    /// Deactivating what is already deactivated.
    #[code = "licence.nothing_to_deactivate"]
    #[error("product key {key} has no active licence to deactivate{}", machine.as_ref().map(|m| format!(" on machine \"{m}\"")).unwrap_or_default())]
    NothingToDeactivate {
        /// The key.
        key: ProductKey,
        /// The machine named, if any.
        machine: Option<String>,
    },
    /// Reactivating what is neither deactivated nor pending.
    #[code = "licence.nothing_to_reactivate"]
    #[error("product key {key} has no deactivated or pending licence to reactivate{}", machine.as_ref().map(|m| format!(" on machine \"{m}\"")).unwrap_or_default())]
    NothingToReactivate {
        /// The key.
        key: ProductKey,
        /// The machine named, if any.
        machine: Option<String>,
    },
    /// A subscription operation on a legacy key, or the reverse.
    #[code = "licence.wrong_licensing"]
    #[error("product key {key} is {kind}: {operation} is not possible")]
    WrongLicensing {
        /// The key.
        key: ProductKey,
        /// "a legacy (perpetual) key" or "a subscription key".
        kind: &'static str,
        /// What was attempted.
        operation: &'static str,
    },
    /// An instant before the key existed.
    #[code = "licence.before_key_existed"]
    #[error("{at} is before product key {key} was generated ({created})")]
    BeforeKeyExisted {
        /// The key.
        key: ProductKey,
        /// The instant given.
        at: DateTime<Utc>,
        /// When the key was generated.
        created: DateTime<Utc>,
    },
    /// A required text field is empty.
    #[code = "licence.empty_field"]
    #[error("{field} must not be empty")]
    EmptyField {
        /// The field.
        field: &'static str,
    },
    /// An event id applied before with another payload.
    #[code = "licence.event_conflict"]
    #[error("event {id} was already applied with a different payload")]
    EventConflict {
        /// The id.
        id: u64,
    },
    /// An event id beyond the next one.
    #[code = "licence.event_gap"]
    #[error("event {found} cannot be applied yet: the next event is {expected}")]
    EventGap {
        /// Next id expected.
        expected: u64,
        /// Id found.
        found: u64,
    },
    /// An event id applied before whose payload is older than the ledger can check (a call-home
    /// beyond the recent window, or any event before a version-1 document was loaded).
    #[code = "licence.event_too_old"]
    #[error("event {id} was applied before, but its payload is older than the ledger keeps (it checks from event {oldest}): it can be told neither from a duplicate nor from a conflict, and nothing was changed")]
    EventTooOld {
        /// The id.
        id: u64,
        /// The oldest id whose payload every event can be checked against.
        oldest: u64,
    },
    /// An event that refers to things the ledger does not have.
    #[code = "licence.invalid_event"]
    #[error("event {id} does not fit this ledger: {reason}")]
    InvalidEvent {
        /// The id.
        id: u64,
        /// What is wrong.
        reason: String,
    },
    /// An invalid life-cycle policy.
    #[code = "licence.invalid_policy"]
    #[error("the life-cycle policy needs 0 < late < disabled < lapse <= 10 years")]
    InvalidPolicy,
    /// A job type the key's product has no job licences for.
    #[code = "licence.unknown_job_type"]
    #[error("product key {key} has no job licences of type \"{job_type}\" ({})", if types.is_empty() { "it has no job licences".to_string() } else { format!("its job types: {types}") })]
    UnknownJobType {
        /// The key.
        key: ProductKey,
        /// The type given.
        job_type: String,
        /// The product's job types, comma-separated (empty: none).
        types: String,
    },
    /// Every job licence of the type is in use.
    #[code = "licence.job_limit"]
    #[error("product key {key} holds {licences} {job_type} job licences and all {in_use} are in use; end a {job_type} job first")]
    JobLimit {
        /// The key.
        key: ProductKey,
        /// The job type.
        job_type: String,
        /// Job licences of the type the key carries.
        licences: u32,
        /// Jobs of the type running.
        in_use: u32,
    },
    /// The same job (type, name, machine) is already running on the key.
    #[code = "licence.job_already_running"]
    #[error("{job_type} job \"{job_name}\" for machine \"{machine}\" is already running on product key {key}")]
    JobAlreadyRunning {
        /// The key.
        key: ProductKey,
        /// The job type.
        job_type: String,
        /// The job's name.
        job_name: String,
        /// The machine.
        machine: String,
    },
    /// Ending a job that is not running.
    #[code = "licence.job_not_running"]
    #[error(
        "no {job_type} job \"{job_name}\" for machine \"{machine}\" is running on product key {key}"
    )]
    JobNotRunning {
        /// The key.
        key: ProductKey,
        /// The job type.
        job_type: String,
        /// The job's name.
        job_name: String,
        /// The machine.
        machine: String,
    },
    /// Jobs need a key in use: an activated subscription key, or a legacy key set Active.
    #[code = "licence.key_not_in_use"]
    #[error("product key {key} is {state}: jobs start only on a key in use")]
    KeyNotInUse {
        /// The key.
        key: ProductKey,
        /// Its state, e.g. "Deactivated".
        state: String,
    },
}
}

impl From<crate::log::LogError> for LicenceError {
    fn from(e: crate::log::LogError) -> Self {
        use crate::log::LogError as L;
        match e {
            L::Conflict { id } => LicenceError::EventConflict { id },
            L::Gap { expected, found } => LicenceError::EventGap { expected, found },
            L::TooOld { id, oldest } => LicenceError::EventTooOld { id, oldest },
        }
    }
}

impl LicenceError {}
