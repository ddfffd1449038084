//! The ledger's state, `decide` and `evolve`.

use super::events::{LedgerCommand, LedgerEvent, LedgerEventKind, LicenceId};
use super::views::{CallHomeDecision, HistoryEntry, HistoryKind};
use super::LicenceError;
use crate::catalog::{Catalog, ProductId};
use crate::format::{self, FormatError};
use crate::key::{Issuer, ProductKey};
use crate::lifecycle::{LicenceState, LifecyclePolicy};
use crate::log::{self, Aggregate, Applied, Log, Retention};
use crate::org::{AccountId, Container, Org, OrgError};
use crate::Error;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};

/// The `format` name of a ledger's JSON document.
pub const FORMAT_KIND: &str = "keyledger.ledger";
const EVENTS_KIND: &str = "keyledger.ledger_events";

/// A stretch of successful contacts no more than the late threshold apart: Active throughout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Cluster {
    pub(crate) first: DateTime<Utc>,
    pub(crate) last: DateTime<Utc>,
}

/// A deactivation request: from the click to its cancellation or finalisation (open while pending).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Pending {
    pub(crate) from: DateTime<Utc>,
    pub(crate) until: Option<DateTime<Utc>>,
}

/// One licence: an activation run of a key on a machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Licence {
    pub(crate) key: u32,
    pub(crate) machine: String,
    pub(crate) msp: u32,
    pub(crate) customer: u32,
    pub(crate) role: Option<String>,
    /// Interned edition name.
    pub(crate) edition: Option<u32>,
    pub(crate) activated_at: DateTime<Utc>,
    /// Sorted, disjoint; the first starts at the activation (which counts as a contact).
    pub(crate) clusters: Vec<Cluster>,
    /// The earliest call-home (the activation itself is not one).
    pub(crate) first_call_home: Option<DateTime<Utc>>,
    pub(crate) pending: Vec<Pending>,
    pub(crate) finalised_at: Option<DateTime<Utc>>,
    pub(crate) previous: Option<LicenceId>,
}

impl Licence {
    /// Records a successful contact at `at`, keeping clusters sorted and merged.
    fn contact(&mut self, at: DateTime<Utc>, late_s: i64) {
        if self.first_call_home.is_none_or(|f| at < f) {
            self.first_call_home = Some(at);
        }
        let near = |a: DateTime<Utc>, b: DateTime<Utc>| (b - a).num_seconds() <= late_s;
        // Hot path: the newest contact.
        if let Some(c) = self.clusters.last_mut() {
            if at >= c.last {
                if near(c.last, at) {
                    c.last = at;
                } else {
                    self.clusters.push(Cluster {
                        first: at,
                        last: at,
                    });
                }
                return;
            }
        }
        // An older contact arriving late: insert and merge with neighbours.
        let i = self.clusters.partition_point(|c| c.last < at);
        if let Some(c) = self.clusters.get(i) {
            if c.first <= at {
                return; // inside a cluster already
            }
        }
        self.clusters.insert(
            i,
            Cluster {
                first: at,
                last: at,
            },
        );
        let mut merged: Vec<Cluster> = Vec::with_capacity(self.clusters.len());
        for c in self.clusters.drain(..) {
            match merged.last_mut() {
                Some(m) if near(m.last, c.first) => m.last = m.last.max(c.last),
                _ => merged.push(c),
            }
        }
        self.clusters = merged;
    }

    /// The latest contact at or before `t`, if any.
    pub(crate) fn last_contact_at(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let i = self.clusters.partition_point(|c| c.first <= t);
        let c = self.clusters.get(i.checked_sub(1)?)?;
        Some(c.last.min(t))
    }

    pub(crate) fn open_pending(&self) -> Option<&Pending> {
        self.pending.last().filter(|p| p.until.is_none())
    }

    fn pending_at(&self, t: DateTime<Utc>) -> bool {
        self.pending
            .iter()
            .any(|p| p.from <= t && p.until.is_none_or(|u| t < u))
    }

    /// The licence's state at `t` (for `t` before the activation: Unactivated).
    pub(crate) fn state_at(&self, policy: &LifecyclePolicy, t: DateTime<Utc>) -> LicenceState {
        if t < self.activated_at {
            return LicenceState::Unactivated;
        }
        if self.finalised_at.is_some_and(|f| f <= t) {
            return LicenceState::Deactivated;
        }
        let derived = match self.last_contact_at(t) {
            Some(c) => policy.state_since_contact(c, t),
            None => LicenceState::Active,
        };
        if derived != LicenceState::Deactivated && self.pending_at(t) {
            return LicenceState::PendingDeactivation;
        }
        derived
    }

    /// Whether the licence has ended (finalised or lapsed) by `t`: its seat is free.
    pub(crate) fn ended_at(&self, policy: &LifecyclePolicy, t: DateTime<Utc>) -> bool {
        self.state_at(policy, t) == LicenceState::Deactivated
    }

    /// When the licence ended, if it has by `t`.
    pub(crate) fn end_instant(
        &self,
        policy: &LifecyclePolicy,
        t: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        if !self.ended_at(policy, t) {
            return None;
        }
        let lapse = self
            .last_contact_at(t)
            .map(|c| policy.termination(c))
            .filter(|l| *l <= t);
        match (self.finalised_at.filter(|f| *f <= t), lapse) {
            (Some(f), Some(l)) => Some(f.min(l)),
            (f, l) => f.or(l),
        }
    }
}

/// A key's move: a fact with its instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct KeyMove {
    pub(crate) at: DateTime<Utc>,
    pub(crate) from: Container,
    pub(crate) to: Container,
}

/// An ImageManager job on a key: from its start to its end (open while running).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Job {
    pub(crate) job_type: String,
    pub(crate) name: String,
    pub(crate) machine: String,
    pub(crate) started_at: DateTime<Utc>,
    pub(crate) ended_at: Option<DateTime<Utc>>,
}

impl Job {
    pub(crate) fn running_at(&self, t: DateTime<Utc>) -> bool {
        self.started_at <= t && self.ended_at.is_none_or(|e| e > t)
    }
}

/// One product key in the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct KeyRecord {
    pub(crate) key: ProductKey,
    pub(crate) product: ProductId,
    pub(crate) container: Container,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) licences: u32,
    /// Legacy keys: the static status, once set.
    pub(crate) legacy_active: Option<bool>,
    pub(crate) runs: Vec<LicenceId>,
    /// What cannot be derived from the licences: moves and legacy status changes.
    pub(crate) notes: Vec<HistoryEntry>,
    /// Moves, with their instants, in the order they were applied. Derived from the `Moved`
    /// notes (rebuilt on load), so documents keep their shape.
    #[serde(skip)]
    pub(crate) moves: Vec<KeyMove>,
    /// ImageManager jobs, in the order they started.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) jobs: Vec<Job>,
}

impl KeyRecord {
    /// The container the key was in at `t` (moves are facts with instants; before the first
    /// move, where it was generated).
    pub(crate) fn container_at(&self, t: DateTime<Utc>) -> Container {
        let mut moves: Vec<&KeyMove> = self.moves.iter().collect();
        crate::sort::sort_by_key(&mut moves, |m| m.at);
        let mut c = moves.first().map_or(self.container, |m| m.from);
        for m in moves.iter().filter(|m| m.at <= t) {
            c = m.to;
        }
        c
    }

    /// Every container the key was in, oldest first: `(from, container)`.
    pub(crate) fn placements(&self) -> Vec<(DateTime<Utc>, Container)> {
        let mut moves: Vec<&KeyMove> = self.moves.iter().collect();
        crate::sort::sort_by_key(&mut moves, |m| m.at);
        let mut out = vec![(
            self.created_at,
            moves.first().map_or(self.container, |m| m.from),
        )];
        for m in moves {
            match out.last_mut() {
                Some(last) if last.0 >= m.at => last.1 = m.to,
                _ => out.push((m.at, m.to)),
            }
        }
        out
    }

    /// A legacy key's static status at `t`: the last setting at or before `t` (Unactivated before
    /// the first one).
    pub(crate) fn legacy_state_at(&self, t: DateTime<Utc>) -> LicenceState {
        let mut state = LicenceState::Unactivated;
        let mut when = None;
        for n in &self.notes {
            let s = match n.kind {
                HistoryKind::LegacyActive => LicenceState::Active,
                HistoryKind::LegacyDeactivated => LicenceState::Deactivated,
                _ => continue,
            };
            // The latest instant wins; at the same instant, the later in the log.
            if n.at <= t && when.is_none_or(|w| n.at >= w) {
                state = s;
                when = Some(n.at);
            }
        }
        state
    }

    /// The machine recorded for a legacy key, if any (the latest one set).
    pub(crate) fn legacy_machine(&self) -> Option<&str> {
        self.notes
            .iter()
            .rev()
            .find(|n| n.kind == HistoryKind::LegacyMachine)
            .and_then(|n| n.machine.as_deref())
    }
}

/// Look-up tables rebuilt from the state; never serialised, never compared.
#[derive(Debug, Clone, Default)]
struct Indexes {
    keys: HashMap<ProductKey, u32>,
    names: HashMap<String, u32>,
    /// The ledger's clock: the latest instant of any event applied (after a load: the latest
    /// instant the state records). Commands are decided against what the ledger knows at this
    /// instant, or at their own `now` if later.
    clock: Option<DateTime<Utc>>,
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
    idx: Indexes,
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

fn non_empty(text: &str, field: &'static str) -> Result<String, LicenceError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(LicenceError::EmptyField { field });
    }
    Ok(t.to_string())
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
    fn legacy_record(
        &self,
        key: &ProductKey,
        now: DateTime<Utc>,
        operation: &'static str,
    ) -> Result<&KeyRecord, LicenceError> {
        let rec = self.record(key)?;
        if now < rec.created_at {
            return Err(LicenceError::BeforeKeyExisted {
                key: *key,
                at: now,
                created: rec.created_at,
            });
        }
        if self
            .catalog
            .get(rec.product)
            .is_none_or(|p| p.is_subscription())
        {
            return Err(LicenceError::WrongLicensing {
                key: *key,
                kind: "a subscription key",
                operation,
            });
        }
        Ok(rec)
    }

    pub(crate) fn name(&self, i: u32) -> &str {
        self.names.get(i as usize).map(String::as_str).unwrap_or("")
    }

    fn licence(&self, id: LicenceId) -> Option<&Licence> {
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
    /// An [`Error`] naming what is wrong ([`LicenceError`], [`OrgError`]).
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

    // ----- decide -----

    /// The latest instant the ledger knows of: its clock, or `now` if later. Every command is
    /// decided against this (answers follow the latest knowledge).
    pub(crate) fn knows(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        self.idx.clock.map_or(now, |c| c.max(now))
    }

    /// The runs of a key that have not ended by the latest instant known (whatever `now` is).
    fn live_runs<'a>(
        &'a self,
        rec: &'a KeyRecord,
        now: DateTime<Utc>,
    ) -> impl Iterator<Item = (LicenceId, &'a Licence)> + 'a {
        let k = self.knows(now);
        rec.runs.iter().filter_map(move |&id| {
            let l = self.licence(id)?;
            (!l.ended_at(&self.policy, k)).then_some((id, l))
        })
    }

    /// The newest run of each machine of a key (optionally one machine).
    fn latest_runs<'a>(
        &'a self,
        rec: &'a KeyRecord,
        machine: Option<&'a str>,
    ) -> Vec<(LicenceId, &'a Licence)> {
        let mut seen: HashSet<&str> = HashSet::new();
        let mut out = Vec::new();
        for &id in rec.runs.iter().rev() {
            if let Some(l) = self.licence(id) {
                if machine.is_some_and(|m| m != l.machine) {
                    continue;
                }
                if seen.insert(l.machine.as_str()) {
                    out.push((id, l));
                }
            }
        }
        out.reverse();
        out
    }

    fn subscription_record(
        &self,
        key: &ProductKey,
        now: DateTime<Utc>,
        operation: &'static str,
    ) -> Result<&KeyRecord, LicenceError> {
        let rec = self.record(key)?;
        if now < rec.created_at {
            return Err(LicenceError::BeforeKeyExisted {
                key: *key,
                at: now,
                created: rec.created_at,
            });
        }
        let subscription = self
            .catalog
            .get(rec.product)
            .is_some_and(|p| p.is_subscription());
        if !subscription {
            return Err(LicenceError::WrongLicensing {
                key: *key,
                kind: "a legacy (perpetual) key",
                operation,
            });
        }
        Ok(rec)
    }

    fn decide_kinds(
        &self,
        command: &LedgerCommand,
        now: DateTime<Utc>,
    ) -> Result<(Vec<LedgerEventKind>, Option<CallHomeDecision>), Error> {
        use LedgerCommand as C;
        use LedgerEventKind as E;
        let one = |k: E| Ok((vec![k], None));
        match command {
            C::CreateAccount {
                name,
                address,
                notes,
            } => {
                let account = self.org.check_new_account(name)?;
                one(E::AccountCreated {
                    account,
                    name: name.trim().to_string(),
                    address: address.clone(),
                    notes: notes.clone(),
                })
            }
            C::DeleteAccount { account } => {
                if *account == AccountId::DEFAULT {
                    return Err(OrgError::DefaultAccount.into());
                }
                self.org.account_of(Container::Account(*account))?;
                let sites = self.org.sites_of(*account).count();
                let keys = self
                    .keys
                    .iter()
                    .filter(|k| k.container == Container::Account(*account))
                    .count();
                if keys > 0 || sites > 0 {
                    return Err(OrgError::NotEmpty {
                        container: Container::Account(*account),
                        keys,
                        sites,
                    }
                    .into());
                }
                one(E::AccountDeleted { account: *account })
            }
            C::CreateSite {
                account,
                name,
                address,
                notes,
            } => {
                let site = self.org.check_new_site(*account, name)?;
                one(E::SiteCreated {
                    site,
                    account: *account,
                    name: name.trim().to_string(),
                    address: address.clone(),
                    notes: notes.clone(),
                })
            }
            C::MoveSite { site, to } => {
                self.org.check_move_site(*site, *to)?;
                one(E::SiteMoved {
                    site: *site,
                    to: *to,
                })
            }
            C::DeleteSite { site } => {
                self.org.account_of(Container::Site(*site))?;
                let keys = self
                    .keys
                    .iter()
                    .filter(|k| k.container == Container::Site(*site))
                    .count();
                if keys > 0 {
                    return Err(OrgError::NotEmpty {
                        container: Container::Site(*site),
                        keys,
                        sites: 0,
                    }
                    .into());
                }
                one(E::SiteDeleted { site: *site })
            }
            C::RecordKeys {
                product,
                container,
                keys,
            } => {
                if self.catalog.get(*product).is_none() {
                    return Err(LicenceError::UnknownProduct {
                        product: product.get(),
                    }
                    .into());
                }
                self.org.account_of(*container)?;
                if keys.is_empty() {
                    return Err(crate::key::KeyError::ZeroKeys.into());
                }
                let mut seen = HashSet::new();
                for k in keys {
                    if k.product() != *product {
                        return Err(LicenceError::ProductMismatch {
                            key: *k,
                            expected: product.get(),
                            found: k.product().get(),
                        }
                        .into());
                    }
                    if self.idx.keys.contains_key(k) || !seen.insert(*k) {
                        return Err(LicenceError::DuplicateKey { key: *k }.into());
                    }
                }
                one(E::KeysGenerated {
                    product: *product,
                    container: *container,
                    keys: keys.clone(),
                })
            }
            C::MoveKey { key, to } => {
                let rec = self.record(key)?;
                self.org.account_of(*to)?;
                let from = rec.container_at(now);
                if from == *to {
                    return Ok((vec![], None));
                }
                one(E::KeyMoved {
                    key: *key,
                    from,
                    to: *to,
                })
            }
            C::Activate {
                key,
                machine,
                msp_name,
                customer_name,
                computer_role,
                edition,
            } => {
                let rec = self.subscription_record(key, now, "activation through the ledger")?;
                let machine = non_empty(machine, "machine")?;
                let msp_name = non_empty(msp_name, "MSP name")?;
                let customer_name = non_empty(customer_name, "customer name")?;
                let edition = self.check_edition(rec.product, edition.as_deref())?;
                let mut in_use = 0u32;
                for (_, l) in self.live_runs(rec, now) {
                    if l.machine == machine {
                        return Err(LicenceError::AlreadyActive { key: *key, machine }.into());
                    }
                    in_use += 1;
                }
                if in_use >= rec.licences {
                    return Err(LicenceError::LicenceLimit {
                        key: *key,
                        licences: rec.licences,
                        in_use,
                    }
                    .into());
                }
                one(E::Activated {
                    licence: LicenceId(self.licences.len() as u32),
                    key: *key,
                    machine,
                    msp_name,
                    customer_name,
                    computer_role: computer_role
                        .as_ref()
                        .map(|r| r.trim().to_string())
                        .filter(|r| !r.is_empty()),
                    edition,
                })
            }
            C::CallHome { key, machine } => {
                let rec = self.subscription_record(key, now, "a call-home")?;
                let (id, l) = self
                    .latest_runs(rec, Some(machine))
                    .into_iter()
                    .next_back()
                    .ok_or_else(|| LicenceError::NotActivated {
                        key: *key,
                        machine: machine.clone(),
                    })?;
                // Decided from everything known, whatever the call-home's stamp: a run that has
                // ended by the ledger's clock stays ended (a late call-home revives nothing).
                let k = self.knows(now);
                if l.ended_at(&self.policy, k) {
                    return Ok((vec![], Some(CallHomeDecision::Deactivated)));
                }
                if l.open_pending().is_some() {
                    return Ok((
                        vec![E::DeactivationFinalised { licence: id }],
                        Some(CallHomeDecision::Deactivated),
                    ));
                }
                if now < l.activated_at {
                    // Stamped before this run began: nothing to record; answer for the run now.
                    let state = l.state_at(&self.policy, k);
                    let last = l.last_contact_at(k).unwrap_or(l.activated_at);
                    let decision =
                        CallHomeDecision::from_state(state, self.policy.termination(last));
                    return Ok((vec![], Some(decision)));
                }
                if now >= k {
                    // The usual case, in order: a successful call-home renews the activation.
                    return Ok((
                        vec![E::CalledHome { licence: id }],
                        Some(CallHomeDecision::Run),
                    ));
                }
                // Delivered late into a live run: recorded (it may fill a gap), and the answer is
                // the run's state at the latest instant known, with this contact.
                let mut with = l.clone();
                with.contact(now, self.policy.late_after_seconds);
                let state = with.state_at(&self.policy, k);
                let last = with.last_contact_at(k).unwrap_or(with.activated_at);
                let decision = CallHomeDecision::from_state(state, self.policy.termination(last));
                Ok((vec![E::CalledHome { licence: id }], Some(decision)))
            }
            C::Deactivate { key, machine } => {
                let rec = self.subscription_record(key, now, "deactivation")?;
                let kinds: Vec<E> = self
                    .live_runs(rec, now)
                    .filter(|(_, l)| machine.as_deref().is_none_or(|m| m == l.machine))
                    .filter(|(_, l)| l.open_pending().is_none())
                    .map(|(licence, _)| E::DeactivationRequested { licence })
                    .collect();
                if kinds.is_empty() {
                    return Err(LicenceError::NothingToDeactivate {
                        key: *key,
                        machine: machine.clone(),
                    }
                    .into());
                }
                Ok((kinds, None))
            }
            C::Reactivate { key, machine } => {
                let rec = self.subscription_record(key, now, "reactivation")?;
                let mut in_use = self.live_runs(rec, now).count() as u32;
                let mut next = self.licences.len() as u32;
                let mut kinds = Vec::new();
                let k = self.knows(now);
                for (id, l) in self.latest_runs(rec, machine.as_deref()) {
                    if l.ended_at(&self.policy, k) {
                        if in_use >= rec.licences {
                            return Err(LicenceError::LicenceLimit {
                                key: *key,
                                licences: rec.licences,
                                in_use,
                            }
                            .into());
                        }
                        in_use += 1;
                        kinds.push(E::Reactivated {
                            licence: LicenceId(next),
                            previous: id,
                        });
                        next += 1;
                    } else if l.open_pending().is_some() {
                        kinds.push(E::DeactivationCancelled { licence: id });
                    }
                }
                if kinds.is_empty() {
                    return Err(LicenceError::NothingToReactivate {
                        key: *key,
                        machine: machine.clone(),
                    }
                    .into());
                }
                Ok((kinds, None))
            }
            C::SetLegacyStatus { key, active } => {
                let rec = self.legacy_record(key, now, "a static legacy status")?;
                if rec.legacy_active == Some(*active) {
                    return Ok((vec![], None));
                }
                one(E::LegacyStatusSet {
                    key: *key,
                    active: *active,
                })
            }
            C::SetLegacyMachine { key, machine } => {
                let rec = self.legacy_record(
                    key,
                    now,
                    "a legacy machine (activations name the machine)",
                )?;
                let machine = non_empty(machine, "machine")?;
                if rec.legacy_machine() == Some(machine.as_str()) {
                    return Ok((vec![], None));
                }
                one(E::LegacyMachineSet { key: *key, machine })
            }
            C::StartJob {
                key,
                job_type,
                job_name,
                machine,
            } => {
                let (rec, licences) = self.job_type_of(key, job_type, now)?;
                let job_name = non_empty(job_name, "job name")?;
                let machine = non_empty(machine, "machine")?;
                let k = self.knows(now);
                let state = self.key_state_at(rec, k);
                if !matches!(state, LicenceState::Active | LicenceState::Late) {
                    return Err(LicenceError::KeyNotInUse {
                        key: *key,
                        state: state.label().to_string(),
                    }
                    .into());
                }
                let mut in_use = 0u32;
                for j in rec
                    .jobs
                    .iter()
                    .filter(|j| j.job_type == *job_type && j.ended_at.is_none())
                {
                    if j.name == job_name && j.machine == machine {
                        return Err(LicenceError::JobAlreadyRunning {
                            key: *key,
                            job_type: job_type.clone(),
                            job_name,
                            machine,
                        }
                        .into());
                    }
                    in_use += 1;
                }
                if in_use >= licences {
                    return Err(LicenceError::JobLimit {
                        key: *key,
                        job_type: job_type.clone(),
                        licences,
                        in_use,
                    }
                    .into());
                }
                one(E::JobStarted {
                    key: *key,
                    job_type: job_type.clone(),
                    job_name,
                    machine,
                })
            }
            C::EndJob {
                key,
                job_type,
                job_name,
                machine,
            } => {
                let (rec, _) = self.job_type_of(key, job_type, now)?;
                let (name, m) = (job_name.trim(), machine.trim());
                let running = rec.jobs.iter().any(|j| {
                    j.job_type == *job_type
                        && j.ended_at.is_none()
                        && j.name == name
                        && j.machine == m
                });
                if !running {
                    return Err(LicenceError::JobNotRunning {
                        key: *key,
                        job_type: job_type.clone(),
                        job_name: name.to_string(),
                        machine: m.to_string(),
                    }
                    .into());
                }
                one(E::JobEnded {
                    key: *key,
                    job_type: job_type.clone(),
                    job_name: name.to_string(),
                    machine: m.to_string(),
                })
            }
        }
    }

    /// The key's record and its job licences of `job_type`.
    fn job_type_of(
        &self,
        key: &ProductKey,
        job_type: &str,
        now: DateTime<Utc>,
    ) -> Result<(&KeyRecord, u32), LicenceError> {
        let rec = self.record(key)?;
        if now < rec.created_at {
            return Err(LicenceError::BeforeKeyExisted {
                key: *key,
                at: now,
                created: rec.created_at,
            });
        }
        let jobs = self
            .catalog
            .get(rec.product)
            .map(|p| p.job_licences.as_slice())
            .unwrap_or_default();
        match jobs.iter().find(|j| j.job_type == job_type) {
            Some(j) => Ok((rec, j.count)),
            None => Err(LicenceError::UnknownJobType {
                key: *key,
                job_type: job_type.to_string(),
                types: jobs
                    .iter()
                    .map(|j| j.job_type.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    /// A key's state at `t`: a legacy key's static status, else its liveliest licence.
    pub(crate) fn key_state_at(&self, rec: &KeyRecord, t: DateTime<Utc>) -> LicenceState {
        let legacy = self
            .catalog
            .get(rec.product)
            .is_some_and(|p| !p.is_subscription());
        if legacy {
            return rec.legacy_state_at(t);
        }
        rec.runs
            .iter()
            .filter_map(|id| self.licence(*id))
            .filter(|l| l.activated_at <= t)
            .map(|l| l.state_at(&self.policy, t))
            .min_by_key(|s| super::views::rank(*s))
            .unwrap_or(LicenceState::Unactivated)
    }

    fn check_edition(
        &self,
        product: ProductId,
        edition: Option<&str>,
    ) -> Result<Option<String>, LicenceError> {
        let p = self
            .catalog
            .get(product)
            .ok_or(LicenceError::UnknownProduct {
                product: product.get(),
            })?;
        let edition = edition.map(str::trim).filter(|e| !e.is_empty());
        match (edition, p.editions.as_slice()) {
            (None, []) => Ok(None),
            (None, [only]) => Ok(Some(only.clone())),
            (Some(e), list) if list.is_empty() || list.iter().any(|x| x == e) => {
                Ok(Some(e.to_string()))
            }
            (e, list) => Err(LicenceError::UnknownEdition {
                product: p.name.clone(),
                edition: e.unwrap_or("").to_string(),
                editions: list.join(", "),
            }),
        }
    }

    // ----- evolve -----

    /// Checks that an event from outside refers to what this ledger has (so evolve cannot misfire).
    fn check_event(&self, event: &LedgerEvent) -> Result<(), LicenceError> {
        use LedgerEventKind as E;
        let bad = |reason: String| LicenceError::InvalidEvent {
            id: event.id,
            reason,
        };
        let licence_ok = |l: &LicenceId| {
            self.licence(*l)
                .map(|_| ())
                .ok_or_else(|| bad(format!("licence {l} does not exist")))
        };
        let key_ok = |k: &ProductKey| {
            self.record(k)
                .map(|_| ())
                .map_err(|_| bad(format!("key {k} is not in the ledger")))
        };
        let container_ok = |c: &Container| {
            self.org
                .account_of(*c)
                .map(|_| ())
                .map_err(|e| bad(e.to_string()))
        };
        match &event.kind {
            E::AccountCreated { account, .. } => {
                let expected = self.org.next_account_id();
                if *account != expected {
                    return Err(bad(format!("expected account id {}", expected.0)));
                }
                Ok(())
            }
            E::AccountDeleted { account } => container_ok(&Container::Account(*account)),
            E::SiteCreated { site, account, .. } => {
                container_ok(&Container::Account(*account))?;
                let expected = self.org.next_site_id();
                if *site != expected {
                    return Err(bad(format!("expected site id {}", expected.0)));
                }
                Ok(())
            }
            E::SiteMoved { site, to } => {
                container_ok(&Container::Site(*site))?;
                container_ok(&Container::Account(*to))
            }
            E::SiteDeleted { site } => container_ok(&Container::Site(*site)),
            E::KeysGenerated {
                product,
                container,
                keys,
            } => {
                container_ok(container)?;
                if self.catalog.get(*product).is_none() {
                    return Err(bad(format!("product {product} is not in the catalog")));
                }
                match keys.iter().find(|k| self.idx.keys.contains_key(k)) {
                    Some(k) => Err(bad(format!("key {k} is already in the ledger"))),
                    None => Ok(()),
                }
            }
            E::KeyMoved { key, to, .. } => {
                key_ok(key)?;
                container_ok(to)
            }
            E::Activated { licence, key, .. } => {
                key_ok(key)?;
                if licence.0 as usize != self.licences.len() {
                    return Err(bad(format!("expected licence id {}", self.licences.len())));
                }
                Ok(())
            }
            E::CalledHome { licence }
            | E::DeactivationRequested { licence }
            | E::DeactivationCancelled { licence }
            | E::DeactivationFinalised { licence } => licence_ok(licence),
            E::Reactivated { licence, previous } => {
                licence_ok(previous)?;
                if licence.0 as usize != self.licences.len() {
                    return Err(bad(format!("expected licence id {}", self.licences.len())));
                }
                Ok(())
            }
            E::LegacyStatusSet { key, .. }
            | E::LegacyMachineSet { key, .. }
            | E::JobStarted { key, .. } => key_ok(key),
            E::JobEnded {
                key,
                job_type,
                job_name,
                machine,
            } => {
                key_ok(key)?;
                let running = self.record(key).is_ok_and(|r| {
                    r.jobs.iter().any(|j| {
                        j.job_type == *job_type
                            && j.name == *job_name
                            && j.machine == *machine
                            && j.ended_at.is_none()
                    })
                });
                if running {
                    Ok(())
                } else {
                    Err(bad(format!("no such job is running on key {key}")))
                }
            }
        }
    }

    fn intern(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.idx.names.get(name) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(name.to_string());
        self.idx.names.insert(name.to_string(), i);
        i
    }

    fn push_note(&mut self, key: u32, entry: HistoryEntry) {
        if let Some(r) = self.keys.get_mut(key as usize) {
            r.notes.push(entry);
        }
    }

    /// Applies a decided event. Cannot fail: references were checked by decide or `check_event`.
    fn evolve_event(&mut self, event: &LedgerEvent) {
        use LedgerEventKind as E;
        let at = event.at;
        match &event.kind {
            E::CalledHome { licence } => {
                let late = self.policy.late_after_seconds;
                if let Some(l) = self.licences.get_mut(licence.0 as usize) {
                    l.contact(at, late);
                }
            }
            E::AccountCreated {
                account,
                name,
                address,
                notes,
            } => self
                .org
                .add_account(*account, name.clone(), address.clone(), notes.clone()),
            E::AccountDeleted { account } => self.org.remove(Container::Account(*account)),
            E::SiteCreated {
                site,
                account,
                name,
                address,
                notes,
            } => self.org.add_site(
                *site,
                *account,
                name.clone(),
                address.clone(),
                notes.clone(),
            ),
            E::SiteMoved { site, to } => self.org.move_site(*site, *to),
            E::SiteDeleted { site } => self.org.remove(Container::Site(*site)),
            E::KeysGenerated {
                product,
                container,
                keys,
            } => {
                let licences = self
                    .catalog
                    .get(*product)
                    .map(|p| p.licences_per_key)
                    .unwrap_or(1);
                for k in keys {
                    let i = self.keys.len() as u32;
                    self.idx.keys.insert(*k, i);
                    self.keys.push(KeyRecord {
                        key: *k,
                        product: *product,
                        container: *container,
                        created_at: at,
                        licences,
                        legacy_active: None,
                        runs: Vec::new(),
                        notes: Vec::new(),
                        moves: Vec::new(),
                        jobs: Vec::new(),
                    });
                    let next = self.next_serial.entry(product.get()).or_insert(1);
                    *next = (*next).max(k.serial().saturating_add(1));
                }
            }
            E::KeyMoved { key, from, to } => {
                if let Some(&i) = self.idx.keys.get(key) {
                    if let Some(r) = self.keys.get_mut(i as usize) {
                        r.container = *to;
                        r.moves.push(KeyMove {
                            at,
                            from: *from,
                            to: *to,
                        });
                        // The current container is where the latest move (by instant) put it.
                        r.container = r.container_at(DateTime::<Utc>::MAX_UTC);
                    }
                    let detail = format!("moved from {from} to {to}");
                    let mut h = HistoryEntry::new(at, HistoryKind::Moved, None);
                    h.detail = Some(detail);
                    self.push_note(i, h);
                }
            }
            E::Activated {
                licence,
                key,
                machine,
                msp_name,
                customer_name,
                computer_role,
                edition,
            } => {
                let Some(&k) = self.idx.keys.get(key) else {
                    return;
                };
                let msp = self.intern(msp_name);
                let customer = self.intern(customer_name);
                let edition = edition.as_deref().map(|e| self.intern(e));
                self.licences.push(Licence {
                    key: k,
                    machine: machine.clone(),
                    msp,
                    customer,
                    role: computer_role.clone(),
                    edition,
                    activated_at: at,
                    clusters: vec![Cluster {
                        first: at,
                        last: at,
                    }],
                    first_call_home: None,
                    pending: Vec::new(),
                    finalised_at: None,
                    previous: None,
                });
                if let Some(r) = self.keys.get_mut(k as usize) {
                    r.runs.push(*licence);
                }
            }
            E::DeactivationRequested { licence } => {
                self.on_licence(*licence, |l| {
                    l.pending.push(Pending {
                        from: at.max(l.activated_at),
                        until: None,
                    })
                });
            }
            E::DeactivationCancelled { licence } => {
                self.on_licence(*licence, |l| {
                    if let Some(p) = l.pending.last_mut() {
                        p.until = Some(at);
                    }
                });
            }
            E::DeactivationFinalised { licence } => {
                self.on_licence(*licence, |l| {
                    // A call-home stamped before the request finalises it at the request: the
                    // first instant the product could be told.
                    let at = l.pending.last().map_or(at, |p| at.max(p.from));
                    if let Some(p) = l.pending.last_mut() {
                        p.until = Some(at);
                    }
                    l.finalised_at = Some(at);
                });
            }
            E::Reactivated { licence, previous } => {
                let Some(prev) = self.licences.get(previous.0 as usize).cloned() else {
                    return;
                };
                let k = prev.key;
                // A new run starts no earlier than the one it continues ended.
                let at = prev
                    .end_instant(&self.policy, DateTime::<Utc>::MAX_UTC)
                    .map_or(at, |e| e.max(at));
                self.licences.push(Licence {
                    activated_at: at,
                    clusters: vec![Cluster {
                        first: at,
                        last: at,
                    }],
                    first_call_home: None,
                    pending: Vec::new(),
                    finalised_at: None,
                    previous: Some(*previous),
                    ..prev
                });
                if let Some(r) = self.keys.get_mut(k as usize) {
                    r.runs.push(*licence);
                }
            }
            E::LegacyStatusSet { key, active } => {
                if let Some(&i) = self.idx.keys.get(key) {
                    if let Some(r) = self.keys.get_mut(i as usize) {
                        r.legacy_active = Some(*active);
                    }
                    let kind = if *active {
                        HistoryKind::LegacyActive
                    } else {
                        HistoryKind::LegacyDeactivated
                    };
                    self.push_note(i, HistoryEntry::new(at, kind, None));
                }
            }
            E::LegacyMachineSet { key, machine } => {
                if let Some(&i) = self.idx.keys.get(key) {
                    let entry =
                        HistoryEntry::new(at, HistoryKind::LegacyMachine, Some(machine.clone()));
                    self.push_note(i, entry);
                }
            }
            E::JobStarted {
                key,
                job_type,
                job_name,
                machine,
            } => {
                if let Some(r) = self
                    .idx
                    .keys
                    .get(key)
                    .and_then(|&i| self.keys.get_mut(i as usize))
                {
                    r.jobs.push(Job {
                        job_type: job_type.clone(),
                        name: job_name.clone(),
                        machine: machine.clone(),
                        started_at: at,
                        ended_at: None,
                    });
                }
            }
            E::JobEnded {
                key,
                job_type,
                job_name,
                machine,
            } => {
                if let Some(r) = self
                    .idx
                    .keys
                    .get(key)
                    .and_then(|&i| self.keys.get_mut(i as usize))
                {
                    if let Some(j) = r.jobs.iter_mut().find(|j| {
                        j.job_type == *job_type
                            && j.name == *job_name
                            && j.machine == *machine
                            && j.ended_at.is_none()
                    }) {
                        j.ended_at = Some(at.max(j.started_at));
                    }
                }
            }
        }
    }

    fn on_licence(&mut self, licence: LicenceId, f: impl FnOnce(&mut Licence)) {
        if let Some(l) = self.licences.get_mut(licence.0 as usize) {
            f(l);
        }
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
