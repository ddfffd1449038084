//! A key's activation history: the entries the ledger stores for what cannot be derived from its
//! licences (moves, legacy status changes, legacy machines) and the history views list.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Kinds of activation-history entries.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HistoryKind {
    /// The key was generated.
    Generated,
    /// The key moved to another account or site.
    Moved,
    /// A machine activated the key.
    Activated,
    /// First call-home of a licence (an activation run).
    FirstCallHome,
    /// Last call-home of a licence so far.
    LastCallHome,
    /// The MSP clicked Deactivate.
    DeactivationRequested,
    /// A reactivation cancelled a pending deactivation.
    DeactivationCancelled,
    /// A deactivation was finalised at a call-home.
    Deactivated,
    /// The activation lapsed: no call-home for the lapse period.
    Lapsed,
    /// A deactivated licence was reactivated.
    Reactivated,
    /// Legacy key set Active.
    LegacyActive,
    /// Legacy key set Deactivated.
    LegacyDeactivated,
    /// The machine a legacy key is installed on was recorded.
    LegacyMachine,
    /// An ImageManager job started (the detail names its type and name).
    JobStarted,
    /// An ImageManager job ended.
    JobEnded,
}

/// One line of a key's activation history.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// When.
    pub at: DateTime<Utc>,
    /// What.
    pub kind: HistoryKind,
    /// Which machine, when one is concerned.
    pub machine: Option<String>,
    /// More, e.g. where a key moved.
    pub detail: Option<String>,
}

impl HistoryEntry {
    pub(crate) fn new(at: DateTime<Utc>, kind: HistoryKind, machine: Option<String>) -> Self {
        HistoryEntry {
            at,
            kind,
            machine,
            detail: None,
        }
    }
}
