//! Licence facts: what the ledger stores about keys and their licences, and the states derived
//! from those facts at an instant. No rule lives here (see `decide`), and nothing changes a fact
//! but `evolve`.

use super::events::LicenceId;
use super::history::{HistoryEntry, HistoryKind};
use crate::catalog::ProductId;
use crate::key::ProductKey;
use crate::lifecycle::{LicenceState, LifecyclePolicy};
use crate::org::Container;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::ops::{Deref, DerefMut};

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
    pub(crate) pending: RareVec<Pending>,
    pub(crate) finalised_at: Option<DateTime<Utc>>,
    pub(crate) previous: Option<LicenceId>,
}

impl Licence {
    /// Records a successful contact at `at`, keeping clusters sorted and merged.
    pub(super) fn contact(&mut self, at: DateTime<Utc>, late_s: i64) {
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
    pub(crate) notes: RareVec<HistoryEntry>,
    /// Moves, with their instants, in the order they were applied. Derived from the `Moved`
    /// notes (rebuilt on load), so documents keep their shape.
    #[serde(skip)]
    pub(crate) moves: RareVec<KeyMove>,
    /// ImageManager jobs, in the order they started.
    #[serde(default, skip_serializing_if = "RareVec::is_empty")]
    pub(crate) jobs: RareVec<Job>,
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

    /// The jobs of a type that have not ended.
    pub(crate) fn running_jobs<'a>(&'a self, job_type: &'a str) -> impl Iterator<Item = &'a Job> {
        self.jobs
            .iter()
            .filter(move |j| j.job_type == job_type && j.ended_at.is_none())
    }

    /// Where the running job (type, name, machine) is in `jobs`, if it is running.
    pub(crate) fn running_job(&self, job_type: &str, name: &str, machine: &str) -> Option<usize> {
        self.jobs.iter().position(|j| {
            j.job_type == job_type && j.name == name && j.machine == machine && j.ended_at.is_none()
        })
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
/// The liveliest state first: a key shows the best of its licences.
pub(crate) fn rank(s: LicenceState) -> u8 {
    match s {
        LicenceState::Active => 0,
        LicenceState::Late => 1,
        LicenceState::Disabled => 2,
        LicenceState::PendingDeactivation => 3,
        LicenceState::Deactivated => 4,
        LicenceState::Unactivated => 5,
    }
}

/// A list that is almost always empty (a licence's deactivation requests, a key's notes, moves and
/// jobs): 8 bytes in its owner instead of a `Vec`'s 24, the same JSON (an array) and the same
/// equality (by elements). With a million licences the 16 bytes saved per list are the
/// difference between a ledger that fits its memory budget and one that does not (`benches/ledger.rs`).
#[derive(Clone)]
#[expect(
    clippy::box_collection,
    reason = "the point: one pointer inline, the Vec's header on the heap only once used"
)]
pub(crate) struct RareVec<T>(Option<Box<Vec<T>>>);

impl<T> RareVec<T> {
    pub(crate) fn push(&mut self, item: T) {
        self.0.get_or_insert_with(Box::default).push(item);
    }

    /// Whether the list is empty (for serde's `skip_serializing_if`).
    pub(crate) fn is_empty(&self) -> bool {
        self.0.as_ref().is_none_or(|v| v.is_empty())
    }
}

impl<T> Default for RareVec<T> {
    fn default() -> Self {
        RareVec(None)
    }
}

impl<T> Deref for RareVec<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        self.0.as_deref().map_or(&[], Vec::as_slice)
    }
}

impl<T> DerefMut for RareVec<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        match self.0.as_deref_mut() {
            Some(v) => v.as_mut_slice(),
            None => Default::default(),
        }
    }
}

impl<'a, T> IntoIterator for &'a RareVec<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<T> FromIterator<T> for RareVec<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Vec::from_iter(iter).into()
    }
}

impl<T> From<Vec<T>> for RareVec<T> {
    fn from(v: Vec<T>) -> Self {
        RareVec((!v.is_empty()).then(|| Box::new(v)))
    }
}

impl<T: PartialEq> PartialEq for RareVec<T> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl<T: Eq> Eq for RareVec<T> {}

impl<T: fmt::Debug> fmt::Debug for RareVec<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<T: Serialize> Serialize for RareVec<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (**self).serialize(s)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for RareVec<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::deserialize(d).map(RareVec::from)
    }
}

#[cfg(test)]
mod tests {
    use super::RareVec;

    #[test]
    fn a_rare_vec_is_a_vec_in_json_and_equality_and_costs_one_pointer() {
        assert_eq!(std::mem::size_of::<RareVec<u64>>(), 8);
        let empty: RareVec<u32> = RareVec::default();
        assert_eq!(serde_json::to_string(&empty).ok(), Some("[]".into()));
        assert!(empty.is_empty() && empty.iter().next().is_none());
        let mut v: RareVec<u32> = RareVec::default();
        for i in [3, 1, 2] {
            v.push(i);
        }
        v[0] = 4;
        assert_eq!(&*v, &[4, 1, 2]);
        assert_eq!(format!("{v:?}"), "[4, 1, 2]");
        let json = serde_json::to_string(&v).unwrap_or_default();
        assert_eq!(json, "[4,1,2]");
        let back: RareVec<u32> = serde_json::from_str(&json).unwrap_or_default();
        assert_eq!(back, v);
        // An empty list read back or collected is the empty list, whichever way it was made.
        let read: RareVec<u32> = serde_json::from_str("[]").unwrap_or_else(|_| v.clone());
        assert_eq!(read, empty);
        assert_eq!(
            Vec::<u32>::new().into_iter().collect::<RareVec<u32>>(),
            empty
        );
        assert_ne!(v, empty);
    }
}
