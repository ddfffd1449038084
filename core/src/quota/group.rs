//! User groups (direct-sale model only; the `Default` group exists in every subscription).

use serde::{Deserialize, Serialize};

/// A group's id in its subscription. [`DEFAULT_GROUP`] is always there; new groups get the next id.
pub type GroupId = u32;

/// The id of the `Default` group, which every subscription has and which cannot be renamed or deleted.
///
/// ```
/// # use keyledger::quota::DEFAULT_GROUP;
/// assert_eq!(DEFAULT_GROUP, 0);
/// ```
pub const DEFAULT_GROUP: GroupId = 0;

/// The name of the default group.
pub(crate) const DEFAULT_GROUP_NAME: &str = "Default";

/// A user group.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Group {
    /// Id in the subscription.
    pub id: GroupId,
    /// Display name, unique in the subscription (compared case-insensitively).
    pub name: String,
}
