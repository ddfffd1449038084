//! The [`Ledger`]: its state (the facts of `facts`), the entry points, and the routing of
//! commands and events through the event-log kernel to `decide`, `check` and `evolve`.

use super::decision::CallHomeDecision;
use super::events::{LedgerCommand, LedgerEvent, LedgerEventKind, LicenceId};
use super::facts::{KeyMove, KeyRecord, Licence};
use super::history::HistoryKind;
use super::LicenceError;
use crate::catalog::{presets, Catalog, ProductId};
use crate::format::{self, FormatError};
use crate::key::{Issuer, ProductKey};
use crate::lifecycle::LifecyclePolicy;
use crate::log::{self, Aggregate, Applied, Log, Retention};
use crate::org::{AccountId, Container, Org, SiteId};
use crate::Error;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// The `format` name of a ledger's JSON document.
pub const FORMAT_KIND: &str = "keyledger.ledger";
const EVENTS_KIND: &str = "keyledger.ledger_events";

/// Look-up tables rebuilt from the state; never serialised, never compared.
#[derive(Debug, Clone, Default)]
pub(super) struct Indexes {
    pub(super) keys: HashMap<ProductKey, u32>,
    pub(super) names: HashMap<String, u32>,
    /// The ledger's clock: the latest instant of any event applied (after a load: the latest
    /// instant the state records). Commands are decided against what the ledger knows at this
    /// instant, or at their own `now` if later.
    pub(super) clock: Option<DateTime<Utc>>,
}

impl PartialEq for Indexes {
    fn eq(&self, _: &Self) -> bool {
        true // derived data: equal whenever the state is
    }
}
impl Eq for Indexes {}

/// What a command did: its events, and for a call-home the decision the product acts on.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// Events caused (already applied by [`Ledger::execute`]).
    pub events: Vec<LedgerEvent>,
    /// For a call-home: run, warn, disable or deactivated.
    pub decision: Option<CallHomeDecision>,
}

impl From<log::Decided<LedgerEventKind, Option<CallHomeDecision>>> for Outcome {
    /// What the kernel decided, as the ledger answers it.
    ///
    /// ```
    /// use keyledger::{catalog::presets, lifecycle::LifecyclePolicy, licence::{Ledger, LedgerCommand, Outcome}};
    /// # use chrono::{TimeZone, Utc};
    /// let mut l = Ledger::new(presets::storagecraft(), LifecyclePolicy::default());
    /// let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    /// let c = LedgerCommand::CreateAccount { name: "Acme".into(), address: None, notes: None };
    /// let out = Outcome::from(keyledger::log::execute(&mut l, &c, now)?);
    /// assert_eq!((out.events.len(), out.decision), (1, None));
    /// # Ok::<(), keyledger::Error>(())
    /// ```
    fn from(d: log::Decided<LedgerEventKind, Option<CallHomeDecision>>) -> Self {
        Outcome {
            events: d.events,
            decision: d.answer,
        }
    }
}

impl Outcome {
    /// The account the command created, if it created one
    /// ([`LedgerCommand::CreateAccount`]; [`Ledger::create_account`] returns it directly).
    ///
    /// ```
    /// use keyledger::licence::{Ledger, LedgerCommand};
    /// use keyledger::org::AccountId;
    /// # use chrono::{TimeZone, Utc};
    /// let mut l = Ledger::default();
    /// let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    /// let out = l.execute(LedgerCommand::CreateAccount { name: "Acme".into(), address: None, notes: None }, now)?;
    /// assert_eq!(out.created_account(), Some(AccountId(1)));
    /// assert_eq!(out.created_site(), None);
    /// # Ok::<(), keyledger::Error>(())
    /// ```
    pub fn created_account(&self) -> Option<AccountId> {
        self.events.iter().find_map(|e| match e.kind {
            LedgerEventKind::AccountCreated { account, .. } => Some(account),
            _ => None,
        })
    }

    /// The site the command created, if it created one ([`LedgerCommand::CreateSite`];
    /// [`Ledger::create_site`] returns it directly).
    ///
    /// ```
    /// use keyledger::licence::{Ledger, LedgerCommand};
    /// use keyledger::org::AccountId;
    /// # use chrono::{TimeZone, Utc};
    /// let mut l = Ledger::default();
    /// let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    /// let cmd = LedgerCommand::CreateSite { account: AccountId::DEFAULT, name: "HQ".into(), address: None, notes: None };
    /// let site = l.execute(cmd, now)?.created_site().expect("a site");
    /// assert_eq!(l.org().site(site).map(|s| s.name.as_str()), Some("HQ"));
    /// # Ok::<(), keyledger::Error>(())
    /// ```
    pub fn created_site(&self) -> Option<SiteId> {
        self.events.iter().find_map(|e| match e.kind {
            LedgerEventKind::SiteCreated { site, .. } => Some(site),
            _ => None,
        })
    }

    /// The licences (activation runs) the command started: one for an activation, one per
    /// restarted run for a reactivation, none otherwise.
    ///
    /// ```
    /// use keyledger::{catalog::presets, key::Issuer, licence::{Ledger, LedgerCommand, LicenceId}};
    /// use keyledger::org::{AccountId, Container};
    /// # use chrono::{TimeZone, Utc};
    /// let mut l = Ledger::default();
    /// let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    /// let issuer = Issuer::new(0, &[7; 32])?;
    /// let key = l.generate_keys(&issuer, presets::SHADOWPROTECT_MSP, 1, Container::Account(AccountId::DEFAULT), now)?.keys[0];
    /// let out = l.execute(LedgerCommand::Activate {
    ///     key, machine: "srv-01".into(), msp_name: "MSP".into(), customer_name: "Acme".into(),
    ///     computer_role: None, edition: Some("Server".into()),
    /// }, now)?;
    /// assert_eq!(out.created_licences(), vec![LicenceId(0)]);
    /// # Ok::<(), keyledger::Error>(())
    /// ```
    pub fn created_licences(&self) -> Vec<LicenceId> {
        self.events
            .iter()
            .filter_map(|e| match e.kind {
                LedgerEventKind::Activated { licence, .. }
                | LedgerEventKind::Reactivated { licence, .. } => Some(licence),
                _ => None,
            })
            .collect()
    }
}

/// Keys made by [`Ledger::generate_keys`] and the events that recorded them.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Generated {
    /// The new keys.
    pub keys: Vec<ProductKey>,
    /// The events (one `KeysGenerated`).
    pub events: Vec<LedgerEvent>,
}

/// The licence ledger. See the [module docs](super).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ledger {
    pub(crate) catalog: Catalog,
    pub(crate) policy: LifecyclePolicy,
    pub(crate) org: Org,
    pub(crate) keys: Vec<KeyRecord>,
    pub(crate) licences: Vec<Licence>,
    /// Interned MSP and customer names.
    pub(crate) names: Vec<String>,
    /// Next serial to give, per product id.
    pub(crate) next_serial: BTreeMap<u8, u32>,
    /// The event log: next id and fingerprints (call-homes only while recent).
    pub(crate) log: Log,
    #[serde(skip)]
    pub(super) idx: Indexes,
}

impl Default for Ledger {
    /// An empty ledger over the preset catalog ([`presets::storagecraft`]) and the default
    /// life-cycle policy (late after 7 days, disabled after 14, lapsed at 30).
    ///
    /// ```
    /// use keyledger::{catalog::presets, lifecycle::LifecyclePolicy, licence::Ledger};
    /// assert_eq!(Ledger::default(), Ledger::new(presets::storagecraft(), LifecyclePolicy::default()));
    /// ```
    fn default() -> Self {
        Ledger::new(presets::storagecraft(), LifecyclePolicy::default())
    }
}

/// `account 3` / `site 2`: a container as [`Container`]'s `Display` writes it.
fn parse_container(text: &str) -> Option<Container> {
    let (kind, id) = text.split_once(' ')?;
    let id: u32 = id.parse().ok()?;
    match kind {
        "account" => Some(Container::Account(AccountId(id))),
        "site" => Some(Container::Site(crate::org::SiteId(id))),
        _ => None,
    }
}

impl Ledger {
    /// An empty ledger (only the Default Account) for a catalog and a life-cycle policy.
    ///
    /// ```
    /// use keyledger::{catalog::presets, lifecycle::LifecyclePolicy, licence::Ledger};
    /// let ledger = Ledger::new(presets::storagecraft(), LifecyclePolicy::default());
    /// assert_eq!(ledger.org().accounts().count(), 1);
    /// ```
    pub fn new(catalog: Catalog, policy: LifecyclePolicy) -> Self {
        Ledger {
            catalog,
            policy,
            org: Org::default(),
            keys: Vec::new(),
            licences: Vec::new(),
            names: Vec::new(),
            next_serial: BTreeMap::new(),
            log: Log::default(),
            idx: Indexes::default(),
        }
    }

    /// A ledger with a policy that is checked first.
    ///
    /// # Errors
    /// [`LicenceError::InvalidPolicy`] unless `0 < late < disabled < lapse <= 10 years`.
    ///
    /// ```
    /// use keyledger::{catalog::presets, lifecycle::LifecyclePolicy, licence::Ledger};
    /// let bad = LifecyclePolicy { late_after_seconds: 5, disabled_after_seconds: 4, lapse_after_seconds: 9 };
    /// assert!(Ledger::with_policy(presets::storagecraft(), bad).is_err());
    /// ```
    pub fn with_policy(catalog: Catalog, policy: LifecyclePolicy) -> Result<Self, LicenceError> {
        if !policy.is_valid() {
            return Err(LicenceError::InvalidPolicy);
        }
        Ok(Self::new(catalog, policy))
    }

    /// The same ledger checking redelivered call-homes against the last `window` events (default
    /// [`log::DEFAULT_WINDOW`], 8 bytes each once full); events other than call-homes are always
    /// checked. A call-home id older than the window is [`LicenceError::EventTooOld`].
    ///
    /// ```
    /// use keyledger::{catalog::presets, lifecycle::LifecyclePolicy, licence::Ledger};
    /// let l = Ledger::new(presets::storagecraft(), LifecyclePolicy::default()).with_event_window(1000);
    /// assert_eq!(l.event_window(), 1000);
    /// ```
    pub fn with_event_window(mut self, window: usize) -> Self {
        self.log = self.log.resized(window);
        self
    }

    /// How many recent events' fingerprints the ledger keeps (see
    /// [`with_event_window`](Self::with_event_window)).
    ///
    /// ```
    /// # use keyledger::{catalog::presets, lifecycle::LifecyclePolicy, licence::Ledger};
    /// let l = Ledger::new(presets::storagecraft(), LifecyclePolicy::default());
    /// assert_eq!(l.event_window(), keyledger::log::DEFAULT_WINDOW);
    /// ```
    pub fn event_window(&self) -> usize {
        self.log.window()
    }

    /// The catalog.
    ///
    /// ```
    /// # use keyledger::{catalog::presets, lifecycle::LifecyclePolicy, licence::Ledger};
    /// let l = Ledger::new(presets::storagecraft(), LifecyclePolicy::default());
    /// assert_eq!(l.catalog().products().len(), 4);
    /// ```
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The life-cycle policy.
    ///
    /// ```
    /// # use keyledger::{catalog::presets, lifecycle::LifecyclePolicy, licence::Ledger};
    /// let l = Ledger::new(presets::storagecraft(), LifecyclePolicy::default());
    /// assert_eq!(l.policy(), &LifecyclePolicy::default());
    /// ```
    pub fn policy(&self) -> &LifecyclePolicy {
        &self.policy
    }

    /// Accounts and sites.
    ///
    /// ```
    /// # use keyledger::{catalog::presets, lifecycle::LifecyclePolicy, licence::Ledger};
    /// let l = Ledger::new(presets::storagecraft(), LifecyclePolicy::default());
    /// assert_eq!(l.org().sites().count(), 0);
    /// ```
    pub fn org(&self) -> &Org {
        &self.org
    }

    /// The id the next event will get.
    ///
    /// ```
    /// # use keyledger::{catalog::presets, lifecycle::LifecyclePolicy, licence::Ledger};
    /// assert_eq!(Ledger::new(presets::storagecraft(), LifecyclePolicy::default()).next_event_id(), 0);
    /// ```
    pub fn next_event_id(&self) -> u64 {
        self.log.next_id()
    }

    /// Number of licences (activation runs) ever started.
    ///
    /// ```
    /// # use keyledger::{catalog::presets, lifecycle::LifecyclePolicy, licence::Ledger};
    /// assert_eq!(Ledger::new(presets::storagecraft(), LifecyclePolicy::default()).licence_count(), 0);
    /// ```
    pub fn licence_count(&self) -> usize {
        self.licences.len()
    }

    /// The keys in the ledger, in the order they were generated.
    ///
    /// ```
    /// # use keyledger::{catalog::presets, lifecycle::LifecyclePolicy, licence::Ledger};
    /// assert_eq!(Ledger::new(presets::storagecraft(), LifecyclePolicy::default()).keys().count(), 0);
    /// ```
    pub fn keys(&self) -> impl Iterator<Item = ProductKey> + '_ {
        self.keys.iter().map(|k| k.key)
    }

    pub(crate) fn key_index(&self, key: &ProductKey) -> Result<u32, LicenceError> {
        self.idx
            .keys
            .get(key)
            .copied()
            .ok_or(LicenceError::UnknownKey { key: *key })
    }

    pub(crate) fn record(&self, key: &ProductKey) -> Result<&KeyRecord, LicenceError> {
        let i = self.key_index(key)?;
        self.keys
            .get(i as usize)
            .ok_or(LicenceError::UnknownKey { key: *key })
    }

    /// The record of a perpetual (legacy) key that existed at `now`, for `operation`.
    pub(crate) fn name(&self, i: u32) -> &str {
        self.names.get(i as usize).map(String::as_str).unwrap_or("")
    }

    pub(super) fn licence(&self, id: LicenceId) -> Option<&Licence> {
        self.licences.get(id.0 as usize)
    }

    /// The next serial that [`generate_keys`](Self::generate_keys) gives for a product (from 1).
    ///
    /// ```
    /// # use keyledger::{catalog::presets, lifecycle::LifecyclePolicy, licence::Ledger};
    /// let l = Ledger::new(presets::storagecraft(), LifecyclePolicy::default());
    /// assert_eq!(l.next_serial(presets::IMAGEMANAGER), 1);
    /// ```
    pub fn next_serial(&self, product: ProductId) -> u32 {
        self.next_serial.get(&product.get()).copied().unwrap_or(1)
    }

    /// Creates an account and returns its id ([`LedgerCommand::CreateAccount`], executed).
    ///
    /// # Errors
    /// [`OrgError::EmptyName`](crate::org::OrgError::EmptyName),
    /// [`OrgError::DuplicateName`](crate::org::OrgError::DuplicateName); the ledger is unchanged
    /// on error.
    ///
    /// ```
    /// use keyledger::licence::Ledger;
    /// # use chrono::{TimeZone, Utc};
    /// let mut l = Ledger::default();
    /// let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    /// let acme = l.create_account("Acme", Some("1 Main St"), None, now)?;
    /// assert_eq!(l.org().account(acme).map(|a| a.name.as_str()), Some("Acme"));
    /// assert_eq!(l.create_account("Acme", None, None, now).unwrap_err().code(), "org.duplicate_name");
    /// # Ok::<(), keyledger::Error>(())
    /// ```
    pub fn create_account(
        &mut self,
        name: &str,
        address: Option<&str>,
        notes: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<AccountId, Error> {
        let command = LedgerCommand::CreateAccount {
            name: name.to_string(),
            address: address.map(str::to_string),
            notes: notes.map(str::to_string),
        };
        // The id decide gives the new account (it checks the same way).
        let account = self.org.check_new_account(name)?;
        self.execute(command, now)?;
        Ok(account)
    }

    /// Creates a site in an account and returns its id ([`LedgerCommand::CreateSite`], executed).
    ///
    /// # Errors
    /// [`OrgError::UnknownAccount`](crate::org::OrgError::UnknownAccount) for an account that
    /// does not exist, an empty or duplicate name; the ledger is unchanged on error.
    ///
    /// ```
    /// use keyledger::licence::Ledger;
    /// use keyledger::org::{AccountId, Container};
    /// # use chrono::{TimeZone, Utc};
    /// let mut l = Ledger::default();
    /// let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    /// let acme = l.create_account("Acme", None, None, now)?;
    /// let berlin = l.create_site(acme, "Berlin", None, None, now)?;
    /// assert_eq!(l.org().account_of(Container::Site(berlin))?, acme);
    /// assert!(l.create_site(AccountId(99), "Paris", None, None, now).is_err());
    /// # Ok::<(), keyledger::Error>(())
    /// ```
    pub fn create_site(
        &mut self,
        account: AccountId,
        name: &str,
        address: Option<&str>,
        notes: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<SiteId, Error> {
        let command = LedgerCommand::CreateSite {
            account,
            name: name.to_string(),
            address: address.map(str::to_string),
            notes: notes.map(str::to_string),
        };
        // The id decide gives the new site (it checks the same way).
        let site = self.org.check_new_site(account, name)?;
        self.execute(command, now)?;
        Ok(site)
    }

    /// Makes `quantity` keys of a product with the issuer (next serials) and records them in a
    /// container: one console request.
    ///
    /// # Errors
    /// The issuer's limits ([`KeyError::TooManyKeys`](crate::key::KeyError::TooManyKeys), ...),
    /// an unknown product or container. The ledger is unchanged on error.
    ///
    /// ```
    /// use keyledger::{catalog::presets, key::Issuer, lifecycle::LifecyclePolicy, licence::Ledger};
    /// use keyledger::org::{AccountId, Container};
    /// # use chrono::{TimeZone, Utc};
    /// let issuer = Issuer::new(0, &[1; 32])?;
    /// let mut l = Ledger::new(presets::storagecraft(), LifecyclePolicy::default());
    /// let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    /// let g = l.generate_keys(&issuer, presets::IMAGEMANAGER, 3, Container::Account(AccountId::DEFAULT), now)?;
    /// assert_eq!(g.keys.iter().map(|k| k.serial()).collect::<Vec<_>>(), vec![1, 2, 3]);
    /// assert!(l.generate_keys(&issuer, presets::IMAGEMANAGER, 11, Container::Account(AccountId::DEFAULT), now).is_err());
    /// # Ok::<(), keyledger::Error>(())
    /// ```
    pub fn generate_keys(
        &mut self,
        issuer: &Issuer,
        product: ProductId,
        quantity: u32,
        container: Container,
        now: DateTime<Utc>,
    ) -> Result<Generated, Error> {
        if self.catalog.get(product).is_none() {
            return Err(LicenceError::UnknownProduct {
                product: product.get(),
            }
            .into());
        }
        self.org.account_of(container)?;
        let keys = issuer.generate_batch(product, self.next_serial(product), quantity)?;
        let out = self.execute(
            LedgerCommand::RecordKeys {
                product,
                container,
                keys: keys.clone(),
            },
            now,
        )?;
        Ok(Generated {
            keys,
            events: out.events,
        })
    }

    /// Checks a command against the state and returns the events it would cause. Never mutates.
    ///
    /// # Errors
    /// An [`Error`] naming what is wrong ([`LicenceError`], [`OrgError`](crate::org::OrgError)).
    ///
    /// ```
    /// use keyledger::{catalog::presets, lifecycle::LifecyclePolicy, licence::{Ledger, LedgerCommand}};
    /// # use chrono::{TimeZone, Utc};
    /// let l = Ledger::new(presets::storagecraft(), LifecyclePolicy::default());
    /// let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    /// let events = l.decide(&LedgerCommand::CreateAccount { name: "Acme".into(), address: None, notes: None }, now)?;
    /// assert_eq!(events.len(), 1);
    /// assert_eq!(l.org().accounts().count(), 1); // unchanged
    /// # Ok::<(), keyledger::Error>(())
    /// ```
    pub fn decide(
        &self,
        command: &LedgerCommand,
        now: DateTime<Utc>,
    ) -> Result<Vec<LedgerEvent>, Error> {
        Ok(log::decide(self, command, now)?.events)
    }

    /// Decides a command and applies its events: the ledger changes only if the command is valid.
    ///
    /// # Errors
    /// As [`decide`](Self::decide); on error the ledger is exactly as it was.
    ///
    /// ```
    /// use keyledger::{catalog::presets, lifecycle::LifecyclePolicy, licence::{Ledger, LedgerCommand}};
    /// # use chrono::{TimeZone, Utc};
    /// let mut l = Ledger::new(presets::storagecraft(), LifecyclePolicy::default());
    /// let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    /// l.execute(LedgerCommand::CreateAccount { name: "Acme".into(), address: None, notes: None }, now)?;
    /// let err = l.execute(LedgerCommand::CreateAccount { name: "Acme".into(), address: None, notes: None }, now).unwrap_err();
    /// assert_eq!(err.code(), "org.duplicate_name");
    /// # Ok::<(), keyledger::Error>(())
    /// ```
    pub fn execute(
        &mut self,
        command: LedgerCommand,
        now: DateTime<Utc>,
    ) -> Result<Outcome, Error> {
        Ok(log::execute(self, &command, now)?.into())
    }

    /// Applies one event (from this ledger's log or another copy's), by the kernel's protocol
    /// ([`log::apply`]).
    ///
    /// An id below the next one is checked against what was applied: the same payload is a no-op
    /// ([`Applied::Duplicate`]), another payload is a conflict, call-homes included. The ledger
    /// keeps the fingerprint of every event but call-homes forever, and of call-homes while they
    /// are among the last [`log::DEFAULT_WINDOW`] events; an older call-home id is
    /// [`LicenceError::EventTooOld`].
    ///
    /// # Errors
    /// [`LicenceError::EventConflict`], [`LicenceError::EventGap`], [`LicenceError::EventTooOld`],
    /// [`LicenceError::InvalidEvent`]. The ledger is unchanged on error.
    ///
    /// ```
    /// use keyledger::{catalog::presets, lifecycle::LifecyclePolicy, licence::{Ledger, LedgerCommand, Applied}};
    /// # use chrono::{TimeZone, Utc};
    /// let mut a = Ledger::new(presets::storagecraft(), LifecyclePolicy::default());
    /// let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    /// let out = a.execute(LedgerCommand::CreateAccount { name: "Acme".into(), address: None, notes: None }, now)?;
    /// let mut b = Ledger::new(presets::storagecraft(), LifecyclePolicy::default());
    /// assert_eq!(b.apply(&out.events[0])?, Applied::New);
    /// assert_eq!(b.apply(&out.events[0])?, Applied::Duplicate);
    /// assert_eq!(a, b);
    /// # Ok::<(), keyledger::Error>(())
    /// ```
    pub fn apply(&mut self, event: &LedgerEvent) -> Result<Applied, LicenceError> {
        log::apply(self, event)
    }

    /// Rebuilds a ledger from its event log.
    ///
    /// # Errors
    /// As [`apply`](Self::apply), for a log out of order or not made for this catalog.
    ///
    /// ```
    /// use keyledger::{catalog::presets, lifecycle::LifecyclePolicy, licence::Ledger};
    /// let l = Ledger::replay(presets::storagecraft(), LifecyclePolicy::default(), &[])?;
    /// assert_eq!(l, Ledger::new(presets::storagecraft(), LifecyclePolicy::default()));
    /// # Ok::<(), keyledger::licence::LicenceError>(())
    /// ```
    pub fn replay(
        catalog: Catalog,
        policy: LifecyclePolicy,
        events: &[LedgerEvent],
    ) -> Result<Self, LicenceError> {
        log::replay(Ledger::new(catalog, policy), events)
    }

    /// Writes the ledger as a versioned JSON document (kind [`FORMAT_KIND`]).
    ///
    /// # Errors
    /// [`FormatError::Write`] (not expected).
    ///
    /// ```
    /// use keyledger::{catalog::presets, lifecycle::LifecyclePolicy, licence::Ledger};
    /// let l = Ledger::new(presets::storagecraft(), LifecyclePolicy::default());
    /// assert_eq!(Ledger::from_json(&l.to_json()?)?, l);
    /// # Ok::<(), keyledger::format::FormatError>(())
    /// ```
    pub fn to_json(&self) -> Result<String, FormatError> {
        format::to_json(FORMAT_KIND, self)
    }

    /// Reads a ledger written by [`to_json`](Self::to_json) (this version or an earlier one).
    ///
    /// # Errors
    /// [`FormatError::Corrupt`] (also for a document whose internal references do not hold),
    /// [`FormatError::WrongFormat`], [`FormatError::FutureVersion`].
    ///
    /// ```
    /// use keyledger::licence::Ledger;
    /// assert_eq!(Ledger::from_json("[]").unwrap_err().code(), "format.corrupt");
    /// ```
    pub fn from_json(text: &str) -> Result<Self, FormatError> {
        let mut l: Ledger = format::from_json_migrating(FORMAT_KIND, text, migrate_v1)?;
        l.rebuild_indexes()
            .map_err(|message| FormatError::Corrupt {
                line: 0,
                column: 0,
                message,
            })?;
        Ok(l)
    }

    /// Writes an event log as a versioned JSON document.
    ///
    /// # Errors
    /// [`FormatError::Write`] (not expected).
    ///
    /// ```
    /// use keyledger::licence::Ledger;
    /// assert_eq!(Ledger::events_from_json(&Ledger::events_to_json(&[])?)?, vec![]);
    /// # Ok::<(), keyledger::format::FormatError>(())
    /// ```
    pub fn events_to_json(events: &[LedgerEvent]) -> Result<String, FormatError> {
        format::to_json(EVENTS_KIND, &events)
    }

    /// Reads an event log written by [`events_to_json`](Self::events_to_json).
    ///
    /// # Errors
    /// [`FormatError`] for corrupt, foreign or future documents.
    ///
    /// ```
    /// use keyledger::licence::Ledger;
    /// assert!(Ledger::events_from_json("{}").is_err());
    /// ```
    pub fn events_from_json(text: &str) -> Result<Vec<LedgerEvent>, FormatError> {
        format::from_json(EVENTS_KIND, text)
    }

    fn rebuild_indexes(&mut self) -> Result<(), String> {
        let mut idx = Indexes::default();
        for (i, k) in self.keys.iter().enumerate() {
            if idx.keys.insert(k.key, i as u32).is_some() {
                return Err(format!("key {} appears twice", k.key));
            }
            for r in &k.runs {
                if self.licences.get(r.0 as usize).map(|l| l.key) != Some(i as u32) {
                    return Err(format!(
                        "key {} names licence {r} which is not its own",
                        k.key
                    ));
                }
            }
        }
        for (i, n) in self.names.iter().enumerate() {
            idx.names.insert(n.clone(), i as u32);
        }
        // The clock: the latest instant the state records.
        let mut clock: Option<DateTime<Utc>> = None;
        let mut see = |t: DateTime<Utc>| clock = Some(clock.map_or(t, |c| c.max(t)));
        for k in &self.keys {
            see(k.created_at);
            k.notes.iter().for_each(|n| see(n.at));
            for j in &k.jobs {
                see(j.started_at);
                j.ended_at.into_iter().for_each(&mut see);
            }
        }
        for l in &self.licences {
            see(l.activated_at);
            l.clusters.iter().for_each(|c| see(c.last));
            for p in &l.pending {
                see(p.from);
                p.until.into_iter().for_each(&mut see);
            }
        }
        idx.clock = clock;
        // Moves as facts, from the history notes that record them.
        for k in &mut self.keys {
            {
                k.moves = k
                    .notes
                    .iter()
                    .filter(|n| n.kind == HistoryKind::Moved)
                    .filter_map(|n| {
                        let d = n.detail.as_deref()?.strip_prefix("moved from ")?;
                        let (from, to) = d.split_once(" to ")?;
                        Some(KeyMove {
                            at: n.at,
                            from: parse_container(from)?,
                            to: parse_container(to)?,
                        })
                    })
                    .collect();
            }
        }
        for (i, l) in self.licences.iter().enumerate() {
            if l.key as usize >= self.keys.len()
                || l.msp as usize >= self.names.len()
                || l.customer as usize >= self.names.len()
                || l.clusters.is_empty()
            {
                return Err(format!("licence {i} refers to missing data"));
            }
        }
        if !self.policy.is_valid() {
            return Err("invalid life-cycle policy".into());
        }
        self.idx = idx;
        Ok(())
    }
}

impl Aggregate for Ledger {
    type Kind = LedgerEventKind;
    type Command = LedgerCommand;
    type Answer = Option<CallHomeDecision>;
    type CommandError = Error;
    type EventError = LicenceError;

    fn log(&self) -> &Log {
        &self.log
    }
    fn log_mut(&mut self) -> &mut Log {
        &mut self.log
    }
    fn decide(
        &self,
        command: &LedgerCommand,
        now: DateTime<Utc>,
    ) -> Result<(Vec<LedgerEventKind>, Self::Answer), Error> {
        self.decide_kinds(command, now)
    }
    fn check(&self, event: &LedgerEvent) -> Result<(), LicenceError> {
        self.check_event(event)
    }
    fn evolve(&mut self, event: &LedgerEvent) {
        self.idx.clock = Some(self.idx.clock.map_or(event.at, |c| c.max(event.at)));
        self.evolve_event(event);
    }
    /// A call-home's JSON written by hand (the bulk of a log; the same bytes as serde_json's,
    /// checked by the `call_home_json_is_serde_json` test).
    fn encode(kind: &LedgerEventKind, out: &mut Vec<u8>) {
        match kind {
            LedgerEventKind::CalledHome { licence } => {
                out.extend_from_slice(br#"{"type":"called_home","licence":"#);
                let mut digits = [0u8; 10];
                let mut n = licence.0;
                let mut i = digits.len();
                loop {
                    i -= 1;
                    digits[i] = b'0' + (n % 10) as u8;
                    n /= 10;
                    if n == 0 {
                        break;
                    }
                }
                out.extend_from_slice(digits.get(i..).unwrap_or_default());
                out.push(b'}');
            }
            other => log::write_json(other, out),
        }
    }
    /// Call-homes (millions a day) are checked while recent; everything else always.
    fn retention(kind: &LedgerEventKind) -> Retention {
        match kind {
            LedgerEventKind::CalledHome { .. } => Retention::Recent,
            _ => Retention::Kept,
        }
    }
}

/// Version 1 kept `next_event` and fingerprints of a hash that was not stable across compiler
/// versions: the migrated log continues at `next_event` and checks no earlier id.
fn migrate_v1(version: u32, data: &mut serde_json::Value) -> Result<(), String> {
    if version != 1 {
        return Ok(());
    }
    let obj = data.as_object_mut().ok_or("a ledger is an object")?;
    let next = obj
        .remove("next_event")
        .and_then(|v| v.as_u64())
        .ok_or("a version-1 ledger has a numeric next_event")?;
    obj.remove("fingerprints");
    // The stored form of `Log::continuing_at(next, window)`.
    let window = log::DEFAULT_WINDOW;
    obj.insert(
        "log".into(),
        serde_json::json!({"next": next, "checked_from": next, "kept": [], "window": window, "recent": []}),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_home_json_is_serde_json() {
        for n in [
            0,
            1,
            9,
            10,
            99,
            100,
            12_345,
            999_999_999,
            u32::MAX - 1,
            u32::MAX,
        ] {
            let kind = LedgerEventKind::CalledHome {
                licence: LicenceId(n),
            };
            let mut fast = Vec::new();
            <Ledger as Aggregate>::encode(&kind, &mut fast);
            assert_eq!(fast, serde_json::to_vec(&kind).unwrap_or_default(), "{n}");
        }
    }
}
