//! The ledger's rules: a command, checked against the facts, becomes the events it causes (or a
//! typed error). Nothing here changes the ledger; `evolve` applies what is decided.

use super::decision::CallHomeDecision;
use super::events::{LedgerCommand, LedgerEventKind, LicenceId};
use super::facts::{rank, KeyRecord, Licence};
use super::ledger::Ledger;
use super::LicenceError;
use crate::catalog::ProductId;
use crate::key::{KeyError, ProductKey};
use crate::lifecycle::LicenceState;
use crate::log::Decision;
use crate::org::{AccountId, Container, OrgError, SiteId};
use crate::Error;
use chrono::{DateTime, Utc};
use std::collections::HashSet;

/// What a command decides: its events, and for a call-home the answer.
type Decided = Result<Decision<LedgerEventKind, Option<CallHomeDecision>>, Error>;

/// One event, no answer.
fn one(kind: LedgerEventKind) -> Decided {
    Ok((vec![kind], None))
}

/// Nothing to record, no answer (the command asks for what already is).
fn nothing() -> Decided {
    Ok((vec![], None))
}

/// Several events, no answer.
fn many(kinds: Vec<LedgerEventKind>) -> Decided {
    Ok((kinds, None))
}

fn non_empty(text: &str, field: &'static str) -> Result<String, LicenceError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(LicenceError::EmptyField { field });
    }
    Ok(t.to_string())
}

/// A trimmed optional text; blank is none.
fn optional(text: &Option<String>) -> Option<String> {
    text.as_ref()
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty())
}

/// An activation command's fields, as given.
struct Activation<'a> {
    key: &'a ProductKey,
    machine: &'a str,
    msp_name: &'a str,
    customer_name: &'a str,
    computer_role: &'a Option<String>,
    edition: &'a Option<String>,
}

/// How a command needs the key to be licensed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Licensing {
    Subscription,
    Legacy,
}

impl Ledger {
    /// Routes a command to its rule.
    pub(super) fn decide_kinds(&self, command: &LedgerCommand, now: DateTime<Utc>) -> Decided {
        use LedgerCommand as C;
        match command {
            C::CreateAccount {
                name,
                address,
                notes,
            } => self.decide_create_account(name, address, notes),
            C::DeleteAccount { account } => self.decide_delete_account(*account),
            C::CreateSite {
                account,
                name,
                address,
                notes,
            } => self.decide_create_site(*account, name, address, notes),
            C::MoveSite { site, to } => {
                self.org.check_move_site(*site, *to)?;
                one(LedgerEventKind::SiteMoved {
                    site: *site,
                    to: *to,
                })
            }
            C::DeleteSite { site } => self.decide_delete_site(*site),
            C::RecordKeys {
                product,
                container,
                keys,
            } => self.decide_record_keys(*product, *container, keys),
            C::MoveKey { key, to } => self.decide_move_key(key, *to, now),
            C::Activate {
                key,
                machine,
                msp_name,
                customer_name,
                computer_role,
                edition,
            } => self.decide_activate(
                Activation {
                    key,
                    machine,
                    msp_name,
                    customer_name,
                    computer_role,
                    edition,
                },
                now,
            ),
            C::CallHome { key, machine } => self.decide_call_home(key, machine, now),
            C::Deactivate { key, machine } => self.decide_deactivate(key, machine, now),
            C::Reactivate { key, machine } => self.decide_reactivate(key, machine, now),
            C::SetLegacyStatus { key, active } => self.decide_legacy_status(key, *active, now),
            C::SetLegacyMachine { key, machine } => self.decide_legacy_machine(key, machine, now),
            C::StartJob {
                key,
                job_type,
                job_name,
                machine,
            } => self.decide_start_job(key, job_type, job_name, machine, now),
            C::EndJob {
                key,
                job_type,
                job_name,
                machine,
            } => self.decide_end_job(key, job_type, job_name, machine, now),
        }
    }

    // ----- organisation -----

    fn decide_create_account(
        &self,
        name: &str,
        address: &Option<String>,
        notes: &Option<String>,
    ) -> Decided {
        let account = self.org.check_new_account(name)?;
        one(LedgerEventKind::AccountCreated {
            account,
            name: name.trim().to_string(),
            address: address.clone(),
            notes: notes.clone(),
        })
    }

    fn decide_create_site(
        &self,
        account: AccountId,
        name: &str,
        address: &Option<String>,
        notes: &Option<String>,
    ) -> Decided {
        let site = self.org.check_new_site(account, name)?;
        one(LedgerEventKind::SiteCreated {
            site,
            account,
            name: name.trim().to_string(),
            address: address.clone(),
            notes: notes.clone(),
        })
    }

    /// Keys held directly by a container (not through its sites).
    fn keys_in(&self, container: Container) -> usize {
        self.keys
            .iter()
            .filter(|k| k.container == container)
            .count()
    }

    fn decide_delete_account(&self, account: AccountId) -> Decided {
        if account == AccountId::DEFAULT {
            return Err(OrgError::DefaultAccount.into());
        }
        let container = Container::Account(account);
        self.org.account_of(container)?;
        let sites = self.org.sites_of(account).count();
        let keys = self.keys_in(container);
        if keys > 0 || sites > 0 {
            return Err(OrgError::NotEmpty {
                container,
                keys,
                sites,
            }
            .into());
        }
        one(LedgerEventKind::AccountDeleted { account })
    }

    fn decide_delete_site(&self, site: SiteId) -> Decided {
        let container = Container::Site(site);
        self.org.account_of(container)?;
        let keys = self.keys_in(container);
        if keys > 0 {
            return Err(OrgError::NotEmpty {
                container,
                keys,
                sites: 0,
            }
            .into());
        }
        one(LedgerEventKind::SiteDeleted { site })
    }

    // ----- keys -----

    fn decide_record_keys(
        &self,
        product: ProductId,
        container: Container,
        keys: &[ProductKey],
    ) -> Decided {
        if self.catalog.get(product).is_none() {
            return Err(LicenceError::UnknownProduct {
                product: product.get(),
            }
            .into());
        }
        self.org.account_of(container)?;
        if keys.is_empty() {
            return Err(KeyError::ZeroKeys.into());
        }
        let mut seen = HashSet::new();
        for k in keys {
            if k.product() != product {
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
        one(LedgerEventKind::KeysGenerated {
            product,
            container,
            keys: keys.to_vec(),
        })
    }

    fn decide_move_key(&self, key: &ProductKey, to: Container, now: DateTime<Utc>) -> Decided {
        let rec = self.record(key)?;
        self.org.account_of(to)?;
        let from = rec.container_at(now);
        if from == to {
            return nothing();
        }
        one(LedgerEventKind::KeyMoved {
            key: *key,
            from,
            to,
        })
    }

    /// The record of a key that existed at `now`.
    fn existing_record(
        &self,
        key: &ProductKey,
        now: DateTime<Utc>,
    ) -> Result<&KeyRecord, LicenceError> {
        let rec = self.record(key)?;
        if now < rec.created_at {
            return Err(LicenceError::BeforeKeyExisted {
                key: *key,
                at: now,
                created: rec.created_at,
            });
        }
        Ok(rec)
    }

    /// The record of a key that existed at `now` and is licensed as `operation` needs.
    fn licensed_record(
        &self,
        key: &ProductKey,
        now: DateTime<Utc>,
        licensing: Licensing,
        operation: &'static str,
    ) -> Result<&KeyRecord, LicenceError> {
        let rec = self.existing_record(key, now)?;
        let subscription = self
            .catalog
            .get(rec.product)
            .is_some_and(|p| p.is_subscription());
        match (licensing, subscription) {
            (Licensing::Subscription, true) | (Licensing::Legacy, false) => Ok(rec),
            (Licensing::Subscription, false) => Err(LicenceError::WrongLicensing {
                key: *key,
                kind: "a legacy (perpetual) key",
                operation,
            }),
            (Licensing::Legacy, true) => Err(LicenceError::WrongLicensing {
                key: *key,
                kind: "a subscription key",
                operation,
            }),
        }
    }

    // ----- licences -----

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

    fn decide_activate(&self, a: Activation<'_>, now: DateTime<Utc>) -> Decided {
        let key = a.key;
        let rec = self.licensed_record(
            key,
            now,
            Licensing::Subscription,
            "activation through the ledger",
        )?;
        let machine = non_empty(a.machine, "machine")?;
        let msp_name = non_empty(a.msp_name, "MSP name")?;
        let customer_name = non_empty(a.customer_name, "customer name")?;
        let edition = self.check_edition(rec.product, a.edition.as_deref())?;
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
        one(LedgerEventKind::Activated {
            licence: LicenceId(self.licences.len() as u32),
            key: *key,
            machine,
            msp_name,
            customer_name,
            computer_role: optional(a.computer_role),
            edition,
        })
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

    fn decide_call_home(&self, key: &ProductKey, machine: &str, now: DateTime<Utc>) -> Decided {
        use LedgerEventKind as E;
        let rec = self.licensed_record(key, now, Licensing::Subscription, "a call-home")?;
        let (id, l) = self
            .latest_runs(rec, Some(machine))
            .into_iter()
            .next_back()
            .ok_or_else(|| LicenceError::NotActivated {
                key: *key,
                machine: machine.to_string(),
            })?;
        // Decided from everything known, whatever the call-home's stamp: a run that has ended by
        // the ledger's clock stays ended (a late call-home revives nothing).
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
            return Ok((vec![], Some(self.answer(l, k))));
        }
        if now >= k {
            // The usual case, in order: a successful call-home renews the activation.
            return Ok((
                vec![E::CalledHome { licence: id }],
                Some(CallHomeDecision::Run),
            ));
        }
        // Delivered late into a live run: recorded (it may fill a gap), and the answer is the
        // run's state at the latest instant known, with this contact.
        let mut with = l.clone();
        with.contact(now, self.policy.late_after_seconds);
        Ok((
            vec![E::CalledHome { licence: id }],
            Some(self.answer(&with, k)),
        ))
    }

    /// What a licence's product is told at `t`.
    fn answer(&self, l: &Licence, t: DateTime<Utc>) -> CallHomeDecision {
        let state = l.state_at(&self.policy, t);
        let last = l.last_contact_at(t).unwrap_or(l.activated_at);
        CallHomeDecision::from_state(state, self.policy.termination(last))
    }

    fn decide_deactivate(
        &self,
        key: &ProductKey,
        machine: &Option<String>,
        now: DateTime<Utc>,
    ) -> Decided {
        let rec = self.licensed_record(key, now, Licensing::Subscription, "deactivation")?;
        let kinds: Vec<LedgerEventKind> = self
            .live_runs(rec, now)
            .filter(|(_, l)| machine.as_deref().is_none_or(|m| m == l.machine))
            .filter(|(_, l)| l.open_pending().is_none())
            .map(|(licence, _)| LedgerEventKind::DeactivationRequested { licence })
            .collect();
        if kinds.is_empty() {
            return Err(LicenceError::NothingToDeactivate {
                key: *key,
                machine: machine.clone(),
            }
            .into());
        }
        many(kinds)
    }

    fn decide_reactivate(
        &self,
        key: &ProductKey,
        machine: &Option<String>,
        now: DateTime<Utc>,
    ) -> Decided {
        use LedgerEventKind as E;
        let rec = self.licensed_record(key, now, Licensing::Subscription, "reactivation")?;
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
        many(kinds)
    }

    // ----- legacy keys -----

    fn decide_legacy_status(&self, key: &ProductKey, active: bool, now: DateTime<Utc>) -> Decided {
        let rec = self.licensed_record(key, now, Licensing::Legacy, "a static legacy status")?;
        if rec.legacy_active == Some(active) {
            return nothing();
        }
        one(LedgerEventKind::LegacyStatusSet { key: *key, active })
    }

    fn decide_legacy_machine(
        &self,
        key: &ProductKey,
        machine: &str,
        now: DateTime<Utc>,
    ) -> Decided {
        let rec = self.licensed_record(
            key,
            now,
            Licensing::Legacy,
            "a legacy machine (activations name the machine)",
        )?;
        let machine = non_empty(machine, "machine")?;
        if rec.legacy_machine() == Some(machine.as_str()) {
            return nothing();
        }
        one(LedgerEventKind::LegacyMachineSet { key: *key, machine })
    }

    // ----- ImageManager jobs -----

    /// The key's record and its job licences of `job_type`.
    fn job_type_of(
        &self,
        key: &ProductKey,
        job_type: &str,
        now: DateTime<Utc>,
    ) -> Result<(&KeyRecord, u32), LicenceError> {
        let rec = self.existing_record(key, now)?;
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

    fn decide_start_job(
        &self,
        key: &ProductKey,
        job_type: &str,
        job_name: &str,
        machine: &str,
        now: DateTime<Utc>,
    ) -> Decided {
        let (rec, licences) = self.job_type_of(key, job_type, now)?;
        let job_name = non_empty(job_name, "job name")?;
        let machine = non_empty(machine, "machine")?;
        let state = self.key_state_at(rec, self.knows(now));
        if !matches!(state, LicenceState::Active | LicenceState::Late) {
            return Err(LicenceError::KeyNotInUse {
                key: *key,
                state: state.label().to_string(),
            }
            .into());
        }
        let mut in_use = 0u32;
        for j in rec.running_jobs(job_type) {
            if j.name == job_name && j.machine == machine {
                return Err(LicenceError::JobAlreadyRunning {
                    key: *key,
                    job_type: job_type.to_string(),
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
                job_type: job_type.to_string(),
                licences,
                in_use,
            }
            .into());
        }
        one(LedgerEventKind::JobStarted {
            key: *key,
            job_type: job_type.to_string(),
            job_name,
            machine,
        })
    }

    fn decide_end_job(
        &self,
        key: &ProductKey,
        job_type: &str,
        job_name: &str,
        machine: &str,
        now: DateTime<Utc>,
    ) -> Decided {
        let (rec, _) = self.job_type_of(key, job_type, now)?;
        let (job_name, machine) = (job_name.trim().to_string(), machine.trim().to_string());
        if rec.running_job(job_type, &job_name, &machine).is_none() {
            return Err(LicenceError::JobNotRunning {
                key: *key,
                job_type: job_type.to_string(),
                job_name,
                machine,
            }
            .into());
        }
        one(LedgerEventKind::JobEnded {
            key: *key,
            job_type: job_type.to_string(),
            job_name,
            machine,
        })
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
            .min_by_key(|s| rank(*s))
            .unwrap_or(LicenceState::Unactivated)
    }
}
