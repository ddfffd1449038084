//! Commands the console and the products send, and the events they cause.

use crate::catalog::ProductId;
use crate::key::ProductKey;
use crate::org::{AccountId, Container, SiteId};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Id of a licence (an activation run): its index in the ledger.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LicenceId(pub u32);

impl fmt::Display for LicenceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// What the console or a product asks the ledger to do. The instant is the `now` passed with it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LedgerCommand {
    /// New account.
    CreateAccount {
        /// Name, unique among accounts.
        name: String,
        /// Optional address.
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional = nullable))]
        address: Option<String>,
        /// Optional notes.
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional = nullable))]
        notes: Option<String>,
    },
    /// Delete an empty account (not the Default Account).
    DeleteAccount {
        /// The account.
        account: AccountId,
    },
    /// New site in an account.
    CreateSite {
        /// The account.
        account: AccountId,
        /// Name, unique among the account's sites.
        name: String,
        /// Optional address.
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional = nullable))]
        address: Option<String>,
        /// Optional notes.
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional = nullable))]
        notes: Option<String>,
    },
    /// Move a site (with its keys) to another account.
    MoveSite {
        /// The site.
        site: SiteId,
        /// The new account.
        to: AccountId,
    },
    /// Delete an empty site.
    DeleteSite {
        /// The site.
        site: SiteId,
    },
    /// Record keys made by an issuer (see [`Ledger::generate_keys`](super::Ledger::generate_keys)).
    RecordKeys {
        /// Their product.
        product: ProductId,
        /// Where they go.
        container: Container,
        /// The keys.
        keys: Vec<ProductKey>,
    },
    /// Move a key to another account or site.
    MoveKey {
        /// The key.
        key: ProductKey,
        /// Where to.
        to: Container,
    },
    /// A product activates a key on a machine.
    Activate {
        /// The key.
        key: ProductKey,
        /// The machine's id.
        machine: String,
        /// MSP name (should be the same on every key of the MSP).
        msp_name: String,
        /// Customer name (should be the same on every key of a client).
        customer_name: String,
        /// Optional computer role.
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional = nullable))]
        computer_role: Option<String>,
        /// Edition found at activation (sets the fee).
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional = nullable))]
        edition: Option<String>,
    },
    /// The daily call-home of an activated machine.
    CallHome {
        /// The key.
        key: ProductKey,
        /// The machine.
        machine: String,
    },
    /// The MSP clicks Deactivate (all live licences of the key, or the one on `machine`).
    Deactivate {
        /// The key.
        key: ProductKey,
        /// Only this machine's licence.
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional = nullable))]
        machine: Option<String>,
    },
    /// The MSP clicks Reactivate (cancels a pending deactivation, or restarts a deactivated licence).
    Reactivate {
        /// The key.
        key: ProductKey,
        /// Only this machine's licence.
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional = nullable))]
        machine: Option<String>,
    },
    /// Set the static status of a legacy (perpetual) key.
    SetLegacyStatus {
        /// The key.
        key: ProductKey,
        /// Active (true) or Deactivated (false).
        active: bool,
    },
    /// Record the machine a legacy (perpetual) key is installed on (the double-billing report
    /// matches it with the SP MSP licences of that machine).
    SetLegacyMachine {
        /// The key.
        key: ProductKey,
        /// The machine's id.
        machine: String,
    },
    /// An ImageManager job of a type starts on a key: it takes one of the key's job licences of
    /// that type.
    StartJob {
        /// The key.
        key: ProductKey,
        /// The job type, as the catalog names it (e.g. "ShadowStream").
        job_type: String,
        /// The job's name.
        job_name: String,
        /// The machine the job runs for.
        machine: String,
    },
    /// A running ImageManager job ends: its job licence is free again.
    EndJob {
        /// The key.
        key: ProductKey,
        /// The job type.
        job_type: String,
        /// The job's name.
        job_name: String,
        /// The machine.
        machine: String,
    },
}

/// What happened.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LedgerEventKind {
    /// An account was created.
    AccountCreated {
        /// Its id.
        account: AccountId,
        /// Name.
        name: String,
        /// Address.
        address: Option<String>,
        /// Notes.
        notes: Option<String>,
    },
    /// An account was deleted.
    AccountDeleted {
        /// Its id.
        account: AccountId,
    },
    /// A site was created.
    SiteCreated {
        /// Its id.
        site: SiteId,
        /// Its account.
        account: AccountId,
        /// Name.
        name: String,
        /// Address.
        address: Option<String>,
        /// Notes.
        notes: Option<String>,
    },
    /// A site moved to another account.
    SiteMoved {
        /// The site.
        site: SiteId,
        /// Its new account.
        to: AccountId,
    },
    /// A site was deleted.
    SiteDeleted {
        /// The site.
        site: SiteId,
    },
    /// Keys were generated into a container.
    KeysGenerated {
        /// Product.
        product: ProductId,
        /// Container.
        container: Container,
        /// The keys.
        keys: Vec<ProductKey>,
    },
    /// A key moved.
    KeyMoved {
        /// The key.
        key: ProductKey,
        /// From.
        from: Container,
        /// To.
        to: Container,
    },
    /// A licence started: an activation.
    Activated {
        /// The new licence.
        licence: LicenceId,
        /// The key.
        key: ProductKey,
        /// Machine.
        machine: String,
        /// MSP name.
        msp_name: String,
        /// Customer name.
        customer_name: String,
        /// Computer role.
        computer_role: Option<String>,
        /// Edition.
        edition: Option<String>,
    },
    /// A successful call-home.
    CalledHome {
        /// The licence.
        licence: LicenceId,
    },
    /// The MSP asked for deactivation: billing stops now.
    DeactivationRequested {
        /// The licence.
        licence: LicenceId,
    },
    /// A pending deactivation was cancelled by a reactivation.
    DeactivationCancelled {
        /// The licence.
        licence: LicenceId,
    },
    /// A pending deactivation was finalised at the machine's call-home.
    DeactivationFinalised {
        /// The licence.
        licence: LicenceId,
    },
    /// A deactivated licence was brought back: a new run of the same machine.
    Reactivated {
        /// The new licence.
        licence: LicenceId,
        /// The licence it continues.
        previous: LicenceId,
    },
    /// A legacy key's static status was set.
    LegacyStatusSet {
        /// The key.
        key: ProductKey,
        /// Active or not.
        active: bool,
    },
    /// The machine a legacy key is installed on was recorded.
    LegacyMachineSet {
        /// The key.
        key: ProductKey,
        /// The machine.
        machine: String,
    },
    /// An ImageManager job started on a key.
    JobStarted {
        /// The key.
        key: ProductKey,
        /// Its type.
        job_type: String,
        /// Its name.
        job_name: String,
        /// The machine.
        machine: String,
    },
    /// A running ImageManager job ended.
    JobEnded {
        /// The key.
        key: ProductKey,
        /// Its type.
        job_type: String,
        /// Its name.
        job_name: String,
        /// The machine.
        machine: String,
    },
}

/// An event of the ledger: its id (position in the ledger's log), its instant and what happened
/// (the kernel's [`Event`](crate::log::Event) envelope).
pub type LedgerEvent = crate::log::Event<LedgerEventKind>;
