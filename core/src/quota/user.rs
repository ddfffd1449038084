//! Service users of a subscription.

use super::{GroupId, LicenceId};
use serde::{Deserialize, Serialize};

/// A service user.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct User {
    /// Login, unique in the subscription (compared exactly).
    pub login: String,
    /// Display name.
    pub display_name: String,
    /// The user's group ([`DEFAULT_GROUP`](super::DEFAULT_GROUP) unless moved).
    pub group: GroupId,
    /// Suspended ("disabled" in the service): no management operation until activated again.
    pub suspended: bool,
    /// Sync enabled for this user (only possible while the subscription has sync enabled).
    pub sync: bool,
    /// The user's licences, in the order they were assigned.
    pub licences: Vec<LicenceId>,
}
