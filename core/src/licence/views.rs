//! What the console shows: key status, activation history, the name-consistency report, validation
//! against the ledger, and the licence histories billing reads.

use super::decision::CallHomeDecision;
use super::events::LicenceId;
use super::facts::{rank, KeyRecord, Licence};
use super::history::{HistoryEntry, HistoryKind};
use super::ledger::Ledger;
use super::LicenceError;
use crate::catalog::Licensing;
use crate::key::{CheckCode, Issuer, KeyCheck, ProductKey};
use crate::lifecycle::{JobSpan, LicenceHistory, LicenceState, Placement, StateSpan};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One licence (activation run) of a key, as of an instant.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenceStatus {
    /// Its id.
    pub licence: LicenceId,
    /// Machine.
    pub machine: String,
    /// MSP name given at activation.
    pub msp_name: String,
    /// Customer name given at activation.
    pub customer_name: String,
    /// Computer role.
    pub computer_role: Option<String>,
    /// Edition.
    pub edition: Option<String>,
    /// State at the instant asked.
    pub state: LicenceState,
    /// Activation instant.
    pub activated_at: DateTime<Utc>,
    /// Last successful call-home (or the activation).
    pub last_call_home: DateTime<Utc>,
    /// When the activation lapses without a call-home (while it has not ended).
    pub terminates_at: Option<DateTime<Utc>>,
    /// When the state next changes by itself, if it does.
    pub next_change: Option<DateTime<Utc>>,
    /// When it ended, if it has.
    pub ended_at: Option<DateTime<Utc>>,
    /// What the product should do now.
    pub decision: CallHomeDecision,
}

/// A running ImageManager job.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunningJob {
    /// The job's name.
    pub job_name: String,
    /// The machine it runs for.
    pub machine: String,
    /// When it started.
    pub started_at: DateTime<Utc>,
}

/// A key's ImageManager job licences of one type, as of an instant.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobUse {
    /// The job type (e.g. "ShadowStream").
    pub job_type: String,
    /// Job licences of the type the key carries.
    pub licences: u32,
    /// Jobs of the type running.
    pub in_use: u32,
    /// The running jobs, oldest first.
    pub running: Vec<RunningJob>,
}

/// The console's Product Key Detail pane.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyStatus {
    /// The 16-symbol key.
    pub key: ProductKey,
    /// Product name.
    pub product: String,
    /// Product type: the edition(s) in use, or the product name.
    pub product_type: String,
    /// License type: MSP, Legacy or ImageManager.
    pub licence_type: String,
    /// Licences the key carries.
    pub licences: u32,
    /// Licences in use (runs not ended).
    pub licences_in_use: u32,
    /// Account name.
    pub account: String,
    /// Site name, if in a site.
    pub site: Option<String>,
    /// The key's state (its liveliest licence).
    pub state: LicenceState,
    /// A sentence, e.g. "has not called home since 2026-11-02; will terminate on 2026-12-02".
    pub detail: String,
    /// When the key's state next changes by itself.
    pub next_change: Option<DateTime<Utc>>,
    /// Every licence of the key.
    pub runs: Vec<LicenceStatus>,
    /// ImageManager job licences per job type (empty for products without job licences).
    pub jobs: Vec<JobUse>,
}

/// A key whose MSP or customer name differs from the rest.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NameMismatch {
    /// The key.
    pub key: ProductKey,
    /// Machine of the activation.
    pub machine: String,
    /// Account holding the key.
    pub account: String,
    /// Name found on this key.
    pub found: String,
    /// Name most keys use.
    pub expected: String,
}

/// The name-consistency report: the MSP name should be the same on every key of the MSP, and the
/// customer name the same on every key of a client (an account).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NameReport {
    /// The MSP name most activations use.
    pub msp_name: Option<String>,
    /// Activations with another MSP name.
    pub msp_mismatches: Vec<NameMismatch>,
    /// Activations whose customer name differs from the one most keys of their account use.
    pub customer_mismatches: Vec<NameMismatch>,
}

fn day(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}

/// The most common name (ties: the alphabetically first), from counts.
fn majority(counts: &BTreeMap<&str, usize>) -> Option<String> {
    counts
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(n, _)| (*n).to_string())
}

impl Ledger {
    fn licence_status(&self, id: LicenceId, l: &Licence, now: DateTime<Utc>) -> LicenceStatus {
        let state = l.state_at(&self.policy, now);
        let last = l.last_contact_at(now).unwrap_or(l.activated_at);
        let ended_at = l.end_instant(&self.policy, now);
        let terminates_at = ended_at.is_none().then(|| self.policy.termination(last));
        let next_change = match state {
            LicenceState::Active | LicenceState::Late | LicenceState::Disabled => {
                self.policy.next_change(last, now)
            }
            LicenceState::PendingDeactivation => terminates_at,
            _ => None,
        };
        LicenceStatus {
            licence: id,
            machine: l.machine.clone(),
            msp_name: self.name(l.msp).to_string(),
            customer_name: self.name(l.customer).to_string(),
            computer_role: l.role.clone(),
            edition: l.edition.map(|e| self.name(e).to_string()),
            state,
            activated_at: l.activated_at,
            last_call_home: last,
            terminates_at,
            next_change,
            ended_at,
            decision: CallHomeDecision::from_state(state, self.policy.termination(last)),
        }
    }

    fn detail(&self, rec: &KeyRecord, state: LicenceState, run: Option<&LicenceStatus>) -> String {
        let days = |s: i64| s / 86_400;
        match (state, run) {
            (LicenceState::Unactivated, _) => "not activated yet".into(),
            (LicenceState::Active, None) => "active (legacy key, static status)".into(),
            (LicenceState::Deactivated, None) => "deactivated (legacy key, static status)".into(),
            (LicenceState::Active, Some(r)) => format!(
                "active: called home {} (within {} days)",
                day(r.last_call_home),
                days(self.policy.late_after_seconds)
            ),
            (LicenceState::Late, Some(r)) => format!(
                "late: no call-home since {}; will terminate on {}",
                day(r.last_call_home),
                r.terminates_at.map(day).unwrap_or_default()
            ),
            (LicenceState::Disabled, Some(r)) => format!(
                "disabled: no call-home for more than {} days (since {}); will terminate on {}",
                days(self.policy.disabled_after_seconds),
                day(r.last_call_home),
                r.terminates_at.map(day).unwrap_or_default()
            ),
            (LicenceState::PendingDeactivation, Some(r)) => {
                let since = self
                    .licences
                    .get(r.licence.0 as usize)
                    .and_then(|l| l.open_pending())
                    .map(|p| day(p.from))
                    .unwrap_or_default();
                format!("marked for deactivation on {since}; finalised at the next call-home")
            }
            (LicenceState::Deactivated, Some(r)) => {
                let finalised = self
                    .licences
                    .get(r.licence.0 as usize)
                    .and_then(|l| l.finalised_at);
                match (r.ended_at, finalised) {
                    (Some(e), Some(f)) if e == f => format!("deactivated on {}", day(e)),
                    (Some(e), _) => format!(
                        "deactivated on {}: no call-home for {} days",
                        day(e),
                        days(self.policy.lapse_after_seconds)
                    ),
                    _ => "deactivated".into(),
                }
            }
            (_, None) => format!("{} (key {})", state.label(), rec.key),
        }
    }

    fn key_status(&self, rec: &KeyRecord, now: DateTime<Utc>) -> KeyStatus {
        let product = self.catalog.get(rec.product);
        let (account, site) = self.org.names_of(rec.container);
        let runs: Vec<LicenceStatus> = rec
            .runs
            .iter()
            .filter_map(|&id| {
                let l = self.licences.get(id.0 as usize)?;
                (l.activated_at <= now).then(|| self.licence_status(id, l, now))
            })
            .collect();
        let legacy = product.is_some_and(|p| p.licensing == Licensing::Perpetual);
        let (state, best) = if legacy {
            // A legacy key's static status answers for the instant asked.
            (rec.legacy_state_at(now), None)
        } else {
            let best = runs
                .iter()
                .min_by_key(|r| (rank(r.state), std::cmp::Reverse(r.activated_at)));
            (best.map_or(LicenceState::Unactivated, |r| r.state), best)
        };
        let mut editions: Vec<String> = runs.iter().filter_map(|r| r.edition.clone()).collect();
        editions.dedup();
        KeyStatus {
            key: rec.key,
            product: product.map(|p| p.name.clone()).unwrap_or_default(),
            product_type: if editions.is_empty() {
                product.map(|p| p.name.clone()).unwrap_or_default()
            } else {
                editions.join(", ")
            },
            licence_type: product
                .map(|p| p.licence_type.label().to_string())
                .unwrap_or_default(),
            licences: rec.licences,
            licences_in_use: runs.iter().filter(|r| r.ended_at.is_none()).count() as u32,
            account,
            site,
            state,
            detail: self.detail(rec, state, best),
            next_change: best.and_then(|r| r.next_change),
            runs,
            jobs: self.job_uses(rec, now),
        }
    }

    fn job_uses(&self, rec: &KeyRecord, now: DateTime<Utc>) -> Vec<JobUse> {
        let Some(p) = self.catalog.get(rec.product) else {
            return Vec::new();
        };
        p.job_licences
            .iter()
            .map(|jl| {
                let running: Vec<RunningJob> = rec
                    .jobs
                    .iter()
                    .filter(|j| j.job_type == jl.job_type && j.running_at(now))
                    .map(|j| RunningJob {
                        job_name: j.name.clone(),
                        machine: j.machine.clone(),
                        started_at: j.started_at,
                    })
                    .collect();
                JobUse {
                    job_type: jl.job_type.clone(),
                    licences: jl.count,
                    in_use: running.len() as u32,
                    running,
                }
            })
            .collect()
    }

    /// The status of a key at `now`: the console's Product Key Detail pane.
    ///
    /// # Errors
    /// [`LicenceError::UnknownKey`].
    ///
    /// ```
    /// use keyledger::{catalog::presets, key::Issuer, lifecycle::{LifecyclePolicy, LicenceState}};
    /// use keyledger::licence::{Ledger, LedgerCommand};
    /// use keyledger::org::{AccountId, Container};
    /// use chrono::{TimeZone, Utc, Duration};
    /// let t0 = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    /// let mut l = Ledger::new(presets::storagecraft(), LifecyclePolicy::default());
    /// let key = l.generate_keys(&Issuer::new(0, &[1; 32])?, presets::SHADOWPROTECT_MSP, 1,
    ///     Container::Account(AccountId::DEFAULT), t0)?.keys[0];
    /// assert_eq!(l.status(&key, t0)?.state, LicenceState::Unactivated);
    /// l.execute(LedgerCommand::Activate { key, machine: "m".into(), msp_name: "MSP".into(),
    ///     customer_name: "C".into(), computer_role: None, edition: Some("Desktop".into()) }, t0)?;
    /// let s = l.status(&key, t0 + Duration::days(10))?;
    /// assert_eq!(s.state, LicenceState::Late);
    /// assert_eq!(s.detail, "late: no call-home since 2026-11-01; will terminate on 2026-12-01");
    /// # Ok::<(), keyledger::Error>(())
    /// ```
    pub fn status(&self, key: &ProductKey, now: DateTime<Utc>) -> Result<KeyStatus, LicenceError> {
        Ok(self.key_status(self.record(key)?, now))
    }

    /// The status of every key at `now`, in generation order: the console's key list.
    ///
    /// ```
    /// # use keyledger::{catalog::presets, lifecycle::LifecyclePolicy, licence::Ledger};
    /// # use chrono::{TimeZone, Utc};
    /// let l = Ledger::new(presets::storagecraft(), LifecyclePolicy::default());
    /// assert!(l.statuses(Utc.timestamp_opt(0, 0).unwrap()).is_empty());
    /// ```
    pub fn statuses(&self, now: DateTime<Utc>) -> Vec<KeyStatus> {
        self.keys.iter().map(|r| self.key_status(r, now)).collect()
    }

    /// How many licences are in each state at `now` (a cheap pass over every licence).
    ///
    /// ```
    /// # use keyledger::{catalog::presets, lifecycle::LifecyclePolicy, licence::Ledger};
    /// # use chrono::{TimeZone, Utc};
    /// let l = Ledger::new(presets::storagecraft(), LifecyclePolicy::default());
    /// assert!(l.state_counts(Utc.timestamp_opt(0, 0).unwrap()).is_empty());
    /// ```
    pub fn state_counts(&self, now: DateTime<Utc>) -> BTreeMap<LicenceState, usize> {
        let mut out = BTreeMap::new();
        for l in &self.licences {
            *out.entry(l.state_at(&self.policy, now)).or_insert(0) += 1;
        }
        out
    }

    /// A key's activation history up to `now`, oldest first: generation, moves, activations,
    /// the first and last call-home of each licence (activation run), deactivation requests, cancellations,
    /// deactivations, lapses and reactivations.
    ///
    /// # Errors
    /// [`LicenceError::UnknownKey`].
    ///
    /// ```
    /// use keyledger::{catalog::presets, key::Issuer, lifecycle::LifecyclePolicy};
    /// use keyledger::licence::{Ledger, HistoryKind};
    /// use keyledger::org::{AccountId, Container};
    /// # use chrono::{TimeZone, Utc};
    /// let t0 = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    /// let mut l = Ledger::new(presets::storagecraft(), LifecyclePolicy::default());
    /// let key = l.generate_keys(&Issuer::new(0, &[1; 32])?, presets::SHADOWPROTECT_MSP, 1,
    ///     Container::Account(AccountId::DEFAULT), t0)?.keys[0];
    /// assert_eq!(l.history(&key, t0)?[0].kind, HistoryKind::Generated);
    /// # Ok::<(), keyledger::Error>(())
    /// ```
    pub fn history(
        &self,
        key: &ProductKey,
        now: DateTime<Utc>,
    ) -> Result<Vec<HistoryEntry>, LicenceError> {
        let rec = self.record(key)?;
        let mut out = vec![HistoryEntry::new(
            rec.created_at,
            HistoryKind::Generated,
            None,
        )];
        out.extend(rec.notes.iter().filter(|h| h.at <= now).cloned());
        for j in &rec.jobs {
            let detail = Some(format!("{} job {:?}", j.job_type, j.name));
            if j.started_at <= now {
                let mut h = HistoryEntry::new(
                    j.started_at,
                    HistoryKind::JobStarted,
                    Some(j.machine.clone()),
                );
                h.detail = detail.clone();
                out.push(h);
            }
            if let Some(e) = j.ended_at.filter(|e| *e <= now) {
                let mut h = HistoryEntry::new(e, HistoryKind::JobEnded, Some(j.machine.clone()));
                h.detail = detail;
                out.push(h);
            }
        }
        for &id in &rec.runs {
            let Some(l) = self.licences.get(id.0 as usize) else {
                continue;
            };
            let machine = Some(l.machine.clone());
            let entry = |at, kind| HistoryEntry::new(at, kind, machine.clone());
            if l.activated_at <= now {
                let kind = if l.previous.is_some() {
                    HistoryKind::Reactivated
                } else {
                    HistoryKind::Activated
                };
                out.push(entry(l.activated_at, kind));
            }
            for p in l.pending.iter().filter(|p| p.from <= now) {
                out.push(entry(p.from, HistoryKind::DeactivationRequested));
                if let Some(u) = p.until.filter(|u| *u <= now) {
                    let kind = if l.finalised_at == Some(u) {
                        HistoryKind::Deactivated
                    } else {
                        HistoryKind::DeactivationCancelled
                    };
                    out.push(entry(u, kind));
                }
            }
            if let Some(first) = l.first_call_home.filter(|f| *f <= now) {
                out.push(HistoryEntry::new(
                    first,
                    HistoryKind::FirstCallHome,
                    machine.clone(),
                ));
                let last = l.last_contact_at(now).unwrap_or(first);
                if last > first {
                    out.push(HistoryEntry::new(
                        last,
                        HistoryKind::LastCallHome,
                        machine.clone(),
                    ));
                }
            }
            if let Some(end) = l.end_instant(&self.policy, now) {
                if l.finalised_at != Some(end) {
                    out.push(HistoryEntry::new(end, HistoryKind::Lapsed, machine));
                }
            }
        }
        crate::sort::sort_by_key(&mut out, |h| h.at);
        Ok(out)
    }

    /// Keys whose MSP name differs from the MSP's usual one, and keys whose customer name differs
    /// from the one most keys of their account use (latest licence of each machine).
    ///
    /// ```
    /// # use keyledger::{catalog::presets, lifecycle::LifecyclePolicy, licence::Ledger};
    /// let r = Ledger::new(presets::storagecraft(), LifecyclePolicy::default()).name_consistency();
    /// assert!(r.msp_name.is_none() && r.msp_mismatches.is_empty());
    /// ```
    pub fn name_consistency(&self) -> NameReport {
        // (key, machine, account name, msp, customer) of each machine's newest licence.
        let mut rows = Vec::new();
        for rec in &self.keys {
            let (account, _) = self.org.names_of(rec.container);
            let mut seen = std::collections::HashSet::new();
            for &id in rec.runs.iter().rev() {
                if let Some(l) = self.licences.get(id.0 as usize) {
                    if seen.insert(l.machine.as_str()) {
                        rows.push((rec.key, l, account.clone()));
                    }
                }
            }
        }
        let mut msp: BTreeMap<&str, usize> = BTreeMap::new();
        let mut customers: BTreeMap<&str, BTreeMap<&str, usize>> = BTreeMap::new();
        for (_, l, account) in &rows {
            *msp.entry(self.name(l.msp)).or_insert(0) += 1;
            *customers
                .entry(account.as_str())
                .or_default()
                .entry(self.name(l.customer))
                .or_insert(0) += 1;
        }
        let msp_name = majority(&msp);
        let expected_customer: BTreeMap<&str, String> = crate::sort::map(
            customers
                .iter()
                .filter_map(|(a, c)| Some((*a, majority(c)?))),
        );
        let mut report = NameReport {
            msp_name: msp_name.clone(),
            msp_mismatches: Vec::new(),
            customer_mismatches: Vec::new(),
        };
        for (key, l, account) in &rows {
            let mismatch = |found: &str, expected: &str| NameMismatch {
                key: *key,
                machine: l.machine.clone(),
                account: account.clone(),
                found: found.to_string(),
                expected: expected.to_string(),
            };
            if let Some(m) = &msp_name {
                if self.name(l.msp) != m {
                    report.msp_mismatches.push(mismatch(self.name(l.msp), m));
                }
            }
            if let Some(c) = expected_customer.get(account.as_str()) {
                if self.name(l.customer) != c {
                    report
                        .customer_mismatches
                        .push(mismatch(self.name(l.customer), c));
                }
            }
        }
        report
    }

    /// Validates a typed key against the issuer *and* the ledger: form, typo check, product, tag,
    /// then whether the ledger knows the key and what state it is in, with the instant of the next
    /// change when there is one.
    ///
    /// Usable: Unactivated, Active and Late (with the termination date as `next_change`). Not usable:
    /// unknown to the ledger, Disabled, PendingDeactivation, Deactivated.
    ///
    /// ```
    /// use keyledger::{catalog::presets, key::{Issuer, CheckCode}, lifecycle::LifecyclePolicy, licence::Ledger};
    /// use keyledger::org::{AccountId, Container};
    /// # use chrono::{TimeZone, Utc};
    /// let t0 = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    /// let issuer = Issuer::new(0, &[1; 32])?;
    /// let mut l = Ledger::new(presets::storagecraft(), LifecyclePolicy::default());
    /// let key = l.generate_keys(&issuer, presets::SHADOWPROTECT_MSP, 1, Container::Account(AccountId::DEFAULT), t0)?.keys[0];
    /// assert!(l.validate(&issuer, &key.to_string(), t0).usable);
    /// let other = issuer.generate(presets::SHADOWPROTECT_MSP, 999)?;
    /// assert_eq!(l.validate(&issuer, &other.to_string(), t0).code, CheckCode::UnknownKey);
    /// # Ok::<(), keyledger::Error>(())
    /// ```
    pub fn validate(&self, issuer: &Issuer, text: &str, now: DateTime<Utc>) -> KeyCheck {
        let mut check = issuer.check(&self.catalog, text);
        let Some(key) = check.key.filter(|_| check.usable) else {
            return check;
        };
        match self.status(&key, now) {
            Err(_) => {
                check.usable = false;
                check.code = CheckCode::UnknownKey;
                check.detail = format!("the key {key} is genuine but not in this ledger");
            }
            Ok(s) => {
                let (usable, code) = match s.state {
                    LicenceState::Unactivated | LicenceState::Active => (true, CheckCode::Ok),
                    LicenceState::Late => (true, CheckCode::Late),
                    LicenceState::Disabled => (false, CheckCode::Disabled),
                    LicenceState::PendingDeactivation => (false, CheckCode::PendingDeactivation),
                    LicenceState::Deactivated => (false, CheckCode::Deactivated),
                };
                check.usable = usable;
                check.code = code;
                check.detail = s.detail;
                check.next_change = s.next_change;
            }
        }
        check
    }

    /// Signs an offline call-home certificate for the licence of `key` on `machine`, valid from
    /// `now` for `validity_seconds` — only for a licence that is live (not ended, not pending
    /// deactivation) at `now`.
    ///
    /// # Errors
    /// [`LicenceError::UnknownKey`], [`LicenceError::NotActivated`] (no live licence on that
    /// machine), and the signer's [`OfflineError`](super::offline::OfflineError)s.
    ///
    /// ```
    /// use keyledger::{catalog::presets, key::Issuer, lifecycle::LifecyclePolicy};
    /// use keyledger::licence::{Ledger, LedgerCommand, offline::{CertificateIssuer, verify_certificate}};
    /// use keyledger::org::{AccountId, Container};
    /// # use chrono::{TimeZone, Utc};
    /// let t0 = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    /// let mut l = Ledger::new(presets::storagecraft(), LifecyclePolicy::default());
    /// let key = l.generate_keys(&Issuer::new(0, &[1; 32])?, presets::SHADOWPROTECT_MSP, 1,
    ///     Container::Account(AccountId::DEFAULT), t0)?.keys[0];
    /// let signer = CertificateIssuer::new(0, &[5; 32]);
    /// assert!(l.issue_certificate(&signer, &key, "m", t0, 86_400, 1).is_err()); // not activated
    /// l.execute(LedgerCommand::Activate { key, machine: "m".into(), msp_name: "MSP".into(),
    ///     customer_name: "C".into(), computer_role: None, edition: Some("Server".into()) }, t0)?;
    /// let cert = l.issue_certificate(&signer, &key, "m", t0, 86_400, 1)?;
    /// assert!(verify_certificate(&[(0, signer.verifying_key())], &cert.to_text(), "m", t0).is_ok());
    /// # Ok::<(), keyledger::Error>(())
    /// ```
    pub fn issue_certificate(
        &self,
        signer: &super::offline::CertificateIssuer,
        key: &ProductKey,
        machine: &str,
        now: DateTime<Utc>,
        validity_seconds: i64,
        nonce: u64,
    ) -> Result<super::offline::SignedCertificate, crate::Error> {
        let rec = self.record(key)?;
        // Live at `now` and at the latest instant the ledger knows: a certificate asked with an
        // old `now` is not signed for a licence that has ended since.
        let k = self.knows(now);
        let live = rec.runs.iter().rev().find_map(|id| {
            let l = self.licences.get(id.0 as usize)?;
            let ended = |t| {
                matches!(
                    l.state_at(&self.policy, t),
                    LicenceState::Deactivated | LicenceState::PendingDeactivation
                )
            };
            (l.machine == machine && l.activated_at <= now && !ended(now) && !ended(k)).then_some(l)
        });
        if live.is_none() {
            return Err(LicenceError::NotActivated {
                key: *key,
                machine: machine.to_string(),
            }
            .into());
        }
        Ok(signer.issue(*key, machine, now, validity_seconds, nonce)?)
    }

    /// One [`LicenceHistory`] per licence, covering up to `until`, for billing and the activation
    /// report. Account and site are the key's current ones. A key never activated gives one
    /// history with a single Unactivated span; a legacy key one history from its static statuses.
    ///
    /// ```
    /// use keyledger::{catalog::presets, key::Issuer, lifecycle::{LifecyclePolicy, LicenceState}};
    /// use keyledger::licence::{Ledger, LedgerCommand};
    /// use keyledger::org::{AccountId, Container};
    /// use chrono::{TimeZone, Utc, Duration};
    /// let t0 = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    /// let mut l = Ledger::new(presets::storagecraft(), LifecyclePolicy::default());
    /// let key = l.generate_keys(&Issuer::new(0, &[1; 32])?, presets::SHADOWPROTECT_MSP, 1,
    ///     Container::Account(AccountId::DEFAULT), t0)?.keys[0];
    /// l.execute(LedgerCommand::Activate { key, machine: "m".into(), msp_name: "MSP".into(),
    ///     customer_name: "C".into(), computer_role: None, edition: Some("Server".into()) }, t0)?;
    /// let h = &l.licence_histories(t0 + Duration::days(40))[0];
    /// let states: Vec<_> = h.spans.iter().map(|s| s.state).collect();
    /// assert_eq!(states, [LicenceState::Active, LicenceState::Late, LicenceState::Disabled, LicenceState::Deactivated]);
    /// assert_eq!(h.deactivations, vec![t0 + Duration::days(30)]);
    /// # Ok::<(), keyledger::Error>(())
    /// ```
    pub fn licence_histories(&self, until: DateTime<Utc>) -> Vec<LicenceHistory> {
        let mut out = Vec::new();
        for rec in &self.keys {
            if rec.created_at > until {
                continue;
            }
            let (account, site) = self.org.names_of(rec.container);
            // Moves are facts with instants: reports place each licence where the key was then.
            let placements: Vec<Placement> = if rec.moves.is_empty() {
                Vec::new()
            } else {
                rec.placements()
                    .into_iter()
                    .filter(|(from, _)| *from <= until)
                    .map(|(from, c)| {
                        let (account, site) = self.org.names_of(c);
                        Placement {
                            from,
                            account,
                            site,
                        }
                    })
                    .collect()
            };
            let base = |machine: String, edition: Option<String>| LicenceHistory {
                key: rec.key,
                product: rec.product,
                edition,
                account: account.clone(),
                site: site.clone(),
                machine,
                spans: Vec::new(),
                activations: Vec::new(),
                deactivations: Vec::new(),
                placements: placements.clone(),
                jobs: Vec::new(),
            };
            let jobs: Vec<JobSpan> = rec
                .jobs
                .iter()
                .filter(|j| j.started_at <= until)
                .map(|j| JobSpan {
                    job_type: j.job_type.clone(),
                    job_name: j.name.clone(),
                    machine: j.machine.clone(),
                    from: j.started_at,
                    until: j.ended_at.filter(|e| *e <= until),
                })
                .collect();
            let legacy = self
                .catalog
                .get(rec.product)
                .is_some_and(|p| p.licensing == Licensing::Perpetual);
            if legacy {
                let machine = rec.legacy_machine().unwrap_or_default().to_string();
                let mut h = base(machine, None);
                h.jobs = jobs;
                let mut points = vec![(rec.created_at, LicenceState::Unactivated)];
                let mut notes: Vec<&HistoryEntry> =
                    rec.notes.iter().filter(|e| e.at <= until).collect();
                crate::sort::sort_by_key(&mut notes, |e| e.at);
                for e in notes {
                    match e.kind {
                        HistoryKind::LegacyActive => {
                            points.push((e.at, LicenceState::Active));
                            h.activations.push(e.at);
                        }
                        HistoryKind::LegacyDeactivated => {
                            points.push((e.at, LicenceState::Deactivated));
                            h.deactivations.push(e.at);
                        }
                        _ => {}
                    }
                }
                h.spans = spans_from_points(points);
                out.push(h);
                continue;
            }
            let runs: Vec<&Licence> = rec
                .runs
                .iter()
                .filter_map(|id| self.licences.get(id.0 as usize))
                .filter(|l| l.activated_at <= until)
                .collect();
            if runs.is_empty() {
                let mut h = base(String::new(), None);
                h.jobs = jobs;
                h.spans = vec![StateSpan {
                    from: rec.created_at,
                    until: None,
                    state: LicenceState::Unactivated,
                }];
                out.push(h);
                continue;
            }
            let last = runs.len().saturating_sub(1);
            let mut jobs = Some(jobs);
            for (i, l) in runs.into_iter().enumerate() {
                let mut h = base(
                    l.machine.clone(),
                    l.edition.map(|e| self.name(e).to_string()),
                );
                h.activations.push(l.activated_at);
                h.deactivations.extend(l.end_instant(&self.policy, until));
                h.spans = self.run_spans(l, until);
                if i == last {
                    h.jobs = jobs.take().unwrap_or_default();
                }
                out.push(h);
            }
        }
        out
    }

    /// The states of a run from its activation up to `until` (last span open).
    fn run_spans(&self, l: &Licence, until: DateTime<Utc>) -> Vec<StateSpan> {
        let mut pts = vec![l.activated_at];
        for c in &l.clusters {
            pts.push(c.first);
            let mut t = c.last;
            while let Some(next) = self.policy.next_change(c.last, t) {
                pts.push(next);
                t = next;
            }
        }
        for p in &l.pending {
            pts.push(p.from);
            pts.extend(p.until);
        }
        pts.extend(l.finalised_at);
        pts.retain(|t| *t >= l.activated_at && *t <= until);
        pts.sort_unstable();
        pts.dedup();
        spans_from_points(
            pts.into_iter()
                .map(|t| (t, l.state_at(&self.policy, t)))
                .collect(),
        )
    }
}

/// Spans from (instant, state) points in time order: equal neighbours merge, the last stays open.
fn spans_from_points(points: Vec<(DateTime<Utc>, LicenceState)>) -> Vec<StateSpan> {
    let mut spans: Vec<StateSpan> = Vec::new();
    for (t, s) in points {
        match spans.last_mut() {
            Some(last) if last.state == s => {}
            Some(last) if last.from == t => last.state = s,
            Some(last) => {
                last.until = Some(t);
                spans.push(StateSpan {
                    from: t,
                    until: None,
                    state: s,
                });
            }
            None => spans.push(StateSpan {
                from: t,
                until: None,
                state: s,
            }),
        }
    }
    // Merging may leave equal neighbours after a same-instant overwrite; fold them.
    let mut merged: Vec<StateSpan> = Vec::with_capacity(spans.len());
    for s in spans {
        match merged.last_mut() {
            Some(m) if m.state == s.state => m.until = s.until,
            _ => merged.push(s),
        }
    }
    merged
}
