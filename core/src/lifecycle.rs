//! The licence states and the thresholds that move a licence between them.
//!
//! This is the shared vocabulary of the ledger (which records what happened) and billing (which
//! counts the days a licence spent in a billable state). Both derive states through
//! [`LifecyclePolicy::state_since_contact`], so they can never disagree about a boundary.
//!
//! # Boundaries (seed policy: 7, 14, 30 days)
//! Let `e = now − last successful contact` (activation counts as a contact):
//!
//! | elapsed `e` | state |
//! |---|---|
//! | `e ≤ 7 d` (and any `e < 0`) | Active |
//! | `7 d < e ≤ 14 d` | Late (termination date shown: contact + 30 d) |
//! | `14 d < e < 30 d` | Disabled |
//! | `e ≥ 30 d` | Deactivated (the activation lapsed at contact + 30 d exactly) |
//!
//! "More than 7 days" and "more than 14 days" are strict, as the seed says; the 30-day activation
//! ends *at* its termination instant.
//!
//! ```
//! use keyledger::lifecycle::{LifecyclePolicy, LicenceState};
//! use chrono::{TimeZone, Utc, Duration};
//!
//! let p = LifecyclePolicy::default();
//! let contact = Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap();
//! assert_eq!(p.state_since_contact(contact, contact + Duration::days(7)), LicenceState::Active);
//! assert_eq!(p.state_since_contact(contact, contact + Duration::days(7) + Duration::seconds(1)), LicenceState::Late);
//! assert_eq!(p.state_since_contact(contact, contact + Duration::days(30)), LicenceState::Deactivated);
//! assert_eq!(p.termination(contact), contact + Duration::days(30));
//! ```

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Where a licence is in its life cycle.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LicenceState {
    /// Generated, never activated. Not billable.
    Unactivated,
    /// Activated, or called home within the late threshold. Billable.
    Active,
    /// No successful call-home for more than the late threshold. Billable.
    Late,
    /// No call-home for more than the disabled threshold: the product's functions are off. Not billable.
    Disabled,
    /// The MSP asked for deactivation; billing stopped; finalised at the next call-home. Not billable.
    PendingDeactivation,
    /// Deactivation finalised, or the activation lapsed. Not billable.
    Deactivated,
}

impl LicenceState {
    /// Whether a licence in this state is billed (Active and Late only).
    ///
    /// ```
    /// # use keyledger::lifecycle::LicenceState;
    /// assert!(LicenceState::Late.is_billable());
    /// assert!(!LicenceState::PendingDeactivation.is_billable());
    /// ```
    pub fn is_billable(self) -> bool {
        matches!(self, LicenceState::Active | LicenceState::Late)
    }

    /// The label the console shows.
    ///
    /// ```
    /// # use keyledger::lifecycle::LicenceState;
    /// assert_eq!(LicenceState::PendingDeactivation.label(), "Pending deactivation");
    /// ```
    pub fn label(self) -> &'static str {
        match self {
            LicenceState::Unactivated => "Unactivated",
            LicenceState::Active => "Active",
            LicenceState::Late => "Late",
            LicenceState::Disabled => "Disabled",
            LicenceState::PendingDeactivation => "Pending deactivation",
            LicenceState::Deactivated => "Deactivated",
        }
    }
}

/// The thresholds of the subscription life cycle, in seconds.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LifecyclePolicy {
    /// A licence is Late when its last contact is more than this long ago (seed: 7 days).
    pub late_after_seconds: i64,
    /// A licence is Disabled when its last contact is more than this long ago (seed: 14 days).
    pub disabled_after_seconds: i64,
    /// An activation lapses (Deactivated) this long after its last contact (seed: 30 days).
    pub lapse_after_seconds: i64,
}

const DAY: i64 = 86_400;

impl Default for LifecyclePolicy {
    /// The seed's thresholds: 7, 14 and 30 days.
    fn default() -> Self {
        LifecyclePolicy {
            late_after_seconds: 7 * DAY,
            disabled_after_seconds: 14 * DAY,
            lapse_after_seconds: 30 * DAY,
        }
    }
}

impl LifecyclePolicy {
    /// A policy from thresholds in whole days.
    ///
    /// Returns `None` unless `0 < late < disabled < lapse` (each at most 3650 days).
    ///
    /// ```
    /// # use keyledger::lifecycle::LifecyclePolicy;
    /// assert_eq!(LifecyclePolicy::from_days(7, 14, 30), Some(LifecyclePolicy::default()));
    /// assert_eq!(LifecyclePolicy::from_days(14, 7, 30), None);
    /// ```
    pub fn from_days(late: u32, disabled: u32, lapse: u32) -> Option<Self> {
        let p = LifecyclePolicy {
            late_after_seconds: i64::from(late) * DAY,
            disabled_after_seconds: i64::from(disabled) * DAY,
            lapse_after_seconds: i64::from(lapse) * DAY,
        };
        p.is_valid().then_some(p)
    }

    /// Whether `0 < late < disabled < lapse ≤ 10 years`.
    ///
    /// ```
    /// # use keyledger::lifecycle::LifecyclePolicy;
    /// assert!(LifecyclePolicy::default().is_valid());
    /// ```
    pub fn is_valid(&self) -> bool {
        0 < self.late_after_seconds
            && self.late_after_seconds < self.disabled_after_seconds
            && self.disabled_after_seconds < self.lapse_after_seconds
            && self.lapse_after_seconds <= 3650 * DAY
    }

    /// The state at `now` of a running activation whose last successful contact was `last_contact`
    /// (no deactivation pending). See the [module docs](self) for the exact boundaries.
    ///
    /// ```
    /// # use keyledger::lifecycle::{LifecyclePolicy, LicenceState};
    /// # use chrono::{TimeZone, Utc, Duration};
    /// let p = LifecyclePolicy::default();
    /// let c = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    /// assert_eq!(p.state_since_contact(c, c + Duration::days(14)), LicenceState::Late);
    /// assert_eq!(p.state_since_contact(c, c + Duration::days(15)), LicenceState::Disabled);
    /// ```
    pub fn state_since_contact(
        &self,
        last_contact: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> LicenceState {
        let e = (now - last_contact).num_seconds();
        if e <= self.late_after_seconds {
            LicenceState::Active
        } else if e <= self.disabled_after_seconds {
            LicenceState::Late
        } else if e < self.lapse_after_seconds {
            LicenceState::Disabled
        } else {
            LicenceState::Deactivated
        }
    }

    /// The instant an activation lapses if there is no further contact: `last_contact + lapse`.
    ///
    /// ```
    /// # use keyledger::lifecycle::LifecyclePolicy;
    /// # use chrono::{TimeZone, Utc};
    /// let c = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    /// assert_eq!(LifecyclePolicy::default().termination(c).to_rfc3339(), "2026-12-01T00:00:00+00:00");
    /// ```
    pub fn termination(&self, last_contact: DateTime<Utc>) -> DateTime<Utc> {
        last_contact + Duration::seconds(self.lapse_after_seconds)
    }

    /// The instant the state derived from `last_contact` next changes after `now`, if it does.
    ///
    /// ```
    /// # use keyledger::lifecycle::LifecyclePolicy;
    /// # use chrono::{TimeZone, Utc, Duration};
    /// let p = LifecyclePolicy::default();
    /// let c = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    /// // Active now: Late begins one second after the 7-day mark.
    /// assert_eq!(p.next_change(c, c), Some(c + Duration::days(7) + Duration::seconds(1)));
    /// assert_eq!(p.next_change(c, c + Duration::days(40)), None);
    /// ```
    pub fn next_change(
        &self,
        last_contact: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let at = |s: i64| last_contact + Duration::seconds(s);
        match self.state_since_contact(last_contact, now) {
            LicenceState::Active => Some(at(self.late_after_seconds + 1)),
            LicenceState::Late => Some(at(self.disabled_after_seconds + 1)),
            LicenceState::Disabled => Some(at(self.lapse_after_seconds)),
            _ => None,
        }
    }
}

/// A stretch of time a licence spent in one state: `[from, until)`, `until = None` meaning "still".
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateSpan {
    /// First instant in this state.
    pub from: DateTime<Utc>,
    /// First instant no longer in this state, if known.
    pub until: Option<DateTime<Utc>>,
    /// The state.
    pub state: LicenceState,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn every_boundary_and_the_instants_either_side() {
        let p = LifecyclePolicy::default();
        let c = Utc.with_ymd_and_hms(2026, 3, 1, 9, 30, 0).unwrap();
        let s = |secs: i64| p.state_since_contact(c, c + Duration::seconds(secs));
        use LicenceState::*;
        assert_eq!(s(-5), Active);
        assert_eq!(s(0), Active);
        assert_eq!(s(7 * DAY - 1), Active);
        assert_eq!(s(7 * DAY), Active);
        assert_eq!(s(7 * DAY + 1), Late);
        assert_eq!(s(14 * DAY), Late);
        assert_eq!(s(14 * DAY + 1), Disabled);
        assert_eq!(s(30 * DAY - 1), Disabled);
        assert_eq!(s(30 * DAY), Deactivated);
        assert_eq!(s(30 * DAY + 1), Deactivated);
    }

    #[test]
    fn next_change_is_the_first_instant_of_the_next_state() {
        let p = LifecyclePolicy::default();
        let c = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
        let mut now = c;
        let mut seen = vec![p.state_since_contact(c, now)];
        while let Some(next) = p.next_change(c, now) {
            assert_ne!(
                p.state_since_contact(c, next - Duration::seconds(1)),
                p.state_since_contact(c, next)
            );
            now = next;
            seen.push(p.state_since_contact(c, now));
        }
        use LicenceState::*;
        assert_eq!(seen, vec![Active, Late, Disabled, Deactivated]);
    }
}

/// One licence (one activation run of a key on one machine, or one legacy key) as billing and the
/// activation report see it: who holds it, and the states it went through.
///
/// The ledger produces these ([`spans`](Self::spans) ordered, contiguous, non-overlapping); billing
/// and the activation report only read them, so they can also be built by hand or from a warehouse.
///
/// ```
/// use keyledger::lifecycle::{LicenceHistory, LicenceState, StateSpan};
/// use keyledger::catalog::presets;
/// use chrono::{TimeZone, Utc};
/// let from = Utc.with_ymd_and_hms(2026, 11, 3, 0, 0, 0).unwrap();
/// let h = LicenceHistory {
///     key: "6VWX-KVJH-PE9Z-D362".parse()?,
///     product: presets::SHADOWPROTECT_MSP,
///     edition: Some("Server".into()),
///     account: "Default Account".into(),
///     site: None,
///     machine: "srv-01".into(),
///     spans: vec![StateSpan { from, until: None, state: LicenceState::Active }],
///     activations: vec![from],
///     deactivations: vec![],
///     placements: vec![],
///     jobs: vec![],
/// };
/// assert_eq!(serde_json::from_str::<LicenceHistory>(&serde_json::to_string(&h).unwrap()).unwrap(), h);
/// # Ok::<(), keyledger::key::KeyError>(())
/// ```
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenceHistory {
    /// The product key.
    pub key: crate::key::ProductKey,
    /// Its product.
    pub product: crate::catalog::ProductId,
    /// Edition found at activation (sets the fee), if any.
    pub edition: Option<String>,
    /// Name of the account holding the key.
    pub account: String,
    /// Name of the site holding the key, if it is in a site.
    pub site: Option<String>,
    /// The machine holding this licence (empty for a key never activated).
    pub machine: String,
    /// The states, in order: contiguous, non-overlapping, the last one possibly open.
    pub spans: Vec<StateSpan>,
    /// Instants this licence was activated or reactivated.
    pub activations: Vec<DateTime<Utc>>,
    /// Instants a deactivation took effect (finalised, or the activation lapsed).
    pub deactivations: Vec<DateTime<Utc>>,
    /// Where the key was over time, oldest first, when it moved (moves are facts with instants):
    /// each placement holds from its instant to the next one's. Empty: always in
    /// [`account`](Self::account) / [`site`](Self::site), which name where the key is now.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub placements: Vec<Placement>,
    /// ImageManager jobs run on the key (kept on the key's latest licence), with their instants.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub jobs: Vec<JobSpan>,
}

/// Where a key was from an instant on (until the next placement).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Placement {
    /// From this instant.
    pub from: DateTime<Utc>,
    /// Account name.
    pub account: String,
    /// Site name, if in a site.
    pub site: Option<String>,
}

/// One ImageManager job on a key: `[from, until)`, `until = None` while it runs.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobSpan {
    /// The job type (e.g. "ShadowStream").
    pub job_type: String,
    /// The job's name.
    pub job_name: String,
    /// The machine it runs for.
    pub machine: String,
    /// Started.
    pub from: DateTime<Utc>,
    /// Ended, if it has.
    pub until: Option<DateTime<Utc>>,
}

impl LicenceHistory {
    /// The account and site the key was in at `t` (before the first placement: the first one).
    ///
    /// ```
    /// use keyledger::lifecycle::{LicenceHistory, Placement};
    /// use keyledger::catalog::presets;
    /// use chrono::{TimeZone, Utc};
    /// let at = |m| Utc.with_ymd_and_hms(2026, m, 1, 0, 0, 0).unwrap();
    /// let place = |m, a: &str| Placement { from: at(m), account: a.into(), site: None };
    /// let h = LicenceHistory {
    ///     key: "6VWX-KVJH-PE9Z-D362".parse()?, product: presets::SHADOWPROTECT_MSP,
    ///     edition: None, account: "Beta".into(), site: None, machine: "m".into(),
    ///     spans: vec![], activations: vec![], deactivations: vec![],
    ///     placements: vec![place(1, "Acme"), place(12, "Beta")], jobs: vec![],
    /// };
    /// assert_eq!(h.placement_at(at(10)), ("Acme", None));
    /// assert_eq!(h.placement_at(at(12)), ("Beta", None));
    /// # Ok::<(), keyledger::key::KeyError>(())
    /// ```
    pub fn placement_at(&self, t: DateTime<Utc>) -> (&str, Option<&str>) {
        let i = self.placements.partition_point(|p| p.from <= t);
        match self.placements.get(i.saturating_sub(1)) {
            Some(p) => (p.account.as_str(), p.site.as_deref()),
            None => (self.account.as_str(), self.site.as_deref()),
        }
    }
}
