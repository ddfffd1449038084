//! What a product is told after a call-home: the answer the ledger returns and stores with each
//! call-home [`Outcome`](super::Outcome).

use crate::lifecycle::LicenceState;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What a product does after a call-home, or what it should do now if it cannot reach the ledger.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum CallHomeDecision {
    /// Keep running.
    Run,
    /// Keep running, show a warning with the termination date.
    RunWithWarning {
        /// When the activation lapses without a call-home.
        terminates_at: DateTime<Utc>,
    },
    /// Disable the product's functions (it may still call home and recover until the termination).
    FunctionsDisabled {
        /// When the activation lapses without a call-home.
        terminates_at: DateTime<Utc>,
    },
    /// Deactivated: uninstall or re-activate.
    Deactivated,
}

impl CallHomeDecision {
    /// The decision for a licence in `state` whose activation lapses at `terminates_at`.
    ///
    /// ```
    /// # use keyledger::{licence::CallHomeDecision, lifecycle::LicenceState};
    /// # use chrono::{TimeZone, Utc};
    /// let t = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
    /// assert_eq!(CallHomeDecision::from_state(LicenceState::Late, t), CallHomeDecision::RunWithWarning { terminates_at: t });
    /// assert_eq!(CallHomeDecision::from_state(LicenceState::PendingDeactivation, t), CallHomeDecision::Deactivated);
    /// ```
    pub fn from_state(state: LicenceState, terminates_at: DateTime<Utc>) -> Self {
        match state {
            LicenceState::Active | LicenceState::Unactivated => CallHomeDecision::Run,
            LicenceState::Late => CallHomeDecision::RunWithWarning { terminates_at },
            LicenceState::Disabled => CallHomeDecision::FunctionsDisabled { terminates_at },
            LicenceState::PendingDeactivation | LicenceState::Deactivated => {
                CallHomeDecision::Deactivated
            }
        }
    }
}
