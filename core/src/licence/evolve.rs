//! Events change the facts: `check` (does an event from outside fit this ledger?) and `evolve`
//! (apply a checked or decided event). Evolve cannot fail: every reference it follows was checked.

use super::events::{LedgerEvent, LedgerEventKind, LicenceId};
use super::facts::{Cluster, Job, KeyMove, KeyRecord, Licence, Pending};
use super::history::{HistoryEntry, HistoryKind};
use super::ledger::Ledger;
use super::LicenceError;
use crate::catalog::ProductId;
use crate::key::ProductKey;
use crate::org::Container;
use chrono::{DateTime, Utc};

/// A licence run's first facts: started at `at`, which counts as its first contact.
fn starting(at: DateTime<Utc>) -> (DateTime<Utc>, Vec<Cluster>) {
    (
        at,
        vec![Cluster {
            first: at,
            last: at,
        }],
    )
}

impl Ledger {
    // ----- check -----

    /// Checks that an event from outside refers to what this ledger has (so evolve cannot misfire).
    pub(super) fn check_event(&self, event: &LedgerEvent) -> Result<(), LicenceError> {
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
        let new_licence_ok = |l: &LicenceId| match l.0 as usize == self.licences.len() {
            true => Ok(()),
            false => Err(bad(format!("expected licence id {}", self.licences.len()))),
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
                new_licence_ok(licence)
            }
            E::CalledHome { licence }
            | E::DeactivationRequested { licence }
            | E::DeactivationCancelled { licence }
            | E::DeactivationFinalised { licence } => licence_ok(licence),
            E::Reactivated { licence, previous } => {
                licence_ok(previous)?;
                new_licence_ok(licence)
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
                let running = self
                    .record(key)
                    .is_ok_and(|r| r.running_job(job_type, job_name, machine).is_some());
                if running {
                    Ok(())
                } else {
                    Err(bad(format!("no such job is running on key {key}")))
                }
            }
        }
    }

    // ----- evolve -----

    /// Applies a decided event. Cannot fail: references were checked by decide or `check_event`.
    pub(super) fn evolve_event(&mut self, event: &LedgerEvent) {
        match &event.kind {
            // The bulk of a log (millions a day): kept apart from the rest, which would otherwise
            // be inlined around it.
            LedgerEventKind::CalledHome { licence } => {
                let late = self.policy.late_after_seconds;
                self.on_licence(*licence, |l| l.contact(event.at, late));
            }
            _ => self.evolve_other(event),
        }
    }

    #[inline(never)]
    fn evolve_other(&mut self, event: &LedgerEvent) {
        use LedgerEventKind as E;
        let at = event.at;
        match &event.kind {
            E::CalledHome { .. } => self.evolve_event(event),
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
            } => self.add_keys(*product, *container, keys, at),
            E::KeyMoved { key, from, to } => self.move_key(key, *from, *to, at),
            E::Activated { .. } => self.start_licence(event),
            E::DeactivationRequested { licence } => self.on_licence(*licence, |l| {
                l.pending.push(Pending {
                    from: at.max(l.activated_at),
                    until: None,
                })
            }),
            E::DeactivationCancelled { licence } => self.on_licence(*licence, |l| {
                if let Some(p) = l.pending.last_mut() {
                    p.until = Some(at);
                }
            }),
            E::DeactivationFinalised { licence } => self.on_licence(*licence, |l| {
                // A call-home stamped before the request finalises it at the request: the first
                // instant the product could be told.
                let at = l.pending.last().map_or(at, |p| at.max(p.from));
                if let Some(p) = l.pending.last_mut() {
                    p.until = Some(at);
                }
                l.finalised_at = Some(at);
            }),
            E::Reactivated { licence, previous } => self.restart_licence(*licence, *previous, at),
            E::LegacyStatusSet { key, active } => self.set_legacy_status(key, *active, at),
            E::LegacyMachineSet { key, machine } => {
                let entry =
                    HistoryEntry::new(at, HistoryKind::LegacyMachine, Some(machine.clone()));
                self.on_key(key, |r| r.notes.push(entry));
            }
            E::JobStarted {
                key,
                job_type,
                job_name,
                machine,
            } => self.on_key(key, |r| {
                r.jobs.push(Job {
                    job_type: job_type.clone(),
                    name: job_name.clone(),
                    machine: machine.clone(),
                    started_at: at,
                    ended_at: None,
                })
            }),
            E::JobEnded {
                key,
                job_type,
                job_name,
                machine,
            } => self.on_key(key, |r| {
                if let Some(i) = r.running_job(job_type, job_name, machine) {
                    if let Some(j) = r.jobs.get_mut(i) {
                        j.ended_at = Some(at.max(j.started_at));
                    }
                }
            }),
        }
    }

    fn on_licence(&mut self, licence: LicenceId, f: impl FnOnce(&mut Licence)) {
        if let Some(l) = self.licences.get_mut(licence.0 as usize) {
            f(l);
        }
    }

    fn on_key(&mut self, key: &ProductKey, f: impl FnOnce(&mut KeyRecord)) {
        if let Some(r) = self
            .idx
            .keys
            .get(key)
            .and_then(|&i| self.keys.get_mut(i as usize))
        {
            f(r);
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

    fn add_keys(
        &mut self,
        product: ProductId,
        container: Container,
        keys: &[ProductKey],
        at: DateTime<Utc>,
    ) {
        let licences = self
            .catalog
            .get(product)
            .map(|p| p.licences_per_key)
            .unwrap_or(1);
        self.keys.reserve(keys.len());
        self.idx.keys.reserve(keys.len());
        for k in keys {
            let i = self.keys.len() as u32;
            self.idx.keys.insert(*k, i);
            self.keys.push(KeyRecord {
                key: *k,
                product,
                container,
                created_at: at,
                licences,
                legacy_active: None,
                runs: Vec::new(),
                notes: Default::default(),
                moves: Default::default(),
                jobs: Default::default(),
            });
            let next = self.next_serial.entry(product.get()).or_insert(1);
            *next = (*next).max(k.serial().saturating_add(1));
        }
    }

    fn move_key(&mut self, key: &ProductKey, from: Container, to: Container, at: DateTime<Utc>) {
        self.on_key(key, |r| {
            r.moves.push(KeyMove { at, from, to });
            // The current container is where the latest move (by instant) put it.
            r.container = r.container_at(DateTime::<Utc>::MAX_UTC);
            let mut h = HistoryEntry::new(at, HistoryKind::Moved, None);
            h.detail = Some(format!("moved from {from} to {to}"));
            r.notes.push(h);
        });
    }

    fn start_licence(&mut self, event: &LedgerEvent) {
        let LedgerEventKind::Activated {
            licence,
            key,
            machine,
            msp_name,
            customer_name,
            computer_role,
            edition,
        } = &event.kind
        else {
            return;
        };
        let Some(&k) = self.idx.keys.get(key) else {
            return;
        };
        let msp = self.intern(msp_name);
        let customer = self.intern(customer_name);
        let edition = edition.as_deref().map(|e| self.intern(e));
        let (activated_at, clusters) = starting(event.at);
        self.licences.push(Licence {
            key: k,
            machine: machine.clone(),
            msp,
            customer,
            role: computer_role.clone(),
            edition,
            activated_at,
            clusters,
            first_call_home: None,
            pending: Default::default(),
            finalised_at: None,
            previous: None,
        });
        if let Some(r) = self.keys.get_mut(k as usize) {
            r.runs.push(*licence);
        }
    }

    fn restart_licence(&mut self, licence: LicenceId, previous: LicenceId, at: DateTime<Utc>) {
        let Some(prev) = self.licences.get(previous.0 as usize).cloned() else {
            return;
        };
        let k = prev.key;
        // A new run starts no earlier than the one it continues ended.
        let at = prev
            .end_instant(&self.policy, DateTime::<Utc>::MAX_UTC)
            .map_or(at, |e| e.max(at));
        let (activated_at, clusters) = starting(at);
        self.licences.push(Licence {
            activated_at,
            clusters,
            first_call_home: None,
            pending: Default::default(),
            finalised_at: None,
            previous: Some(previous),
            ..prev
        });
        if let Some(r) = self.keys.get_mut(k as usize) {
            r.runs.push(licence);
        }
    }

    fn set_legacy_status(&mut self, key: &ProductKey, active: bool, at: DateTime<Utc>) {
        let kind = if active {
            HistoryKind::LegacyActive
        } else {
            HistoryKind::LegacyDeactivated
        };
        self.on_key(key, |r| {
            r.legacy_active = Some(active);
            r.notes.push(HistoryEntry::new(at, kind, None));
        });
    }
}
