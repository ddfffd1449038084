//! User groups (direct-sale model only; the `Default` group exists in every subscription): the
//! group rules (decide) and how a group event changes a subscription (evolve).

use super::input::{check_text, invalid};
use super::{QuotaError, QuotaEventKind, Subscription};
use serde::{Deserialize, Serialize};

number_id!(
    /// A group's id in its subscription. [`DEFAULT_GROUP`] is always there; new groups get the
    /// next id.
    ///
    /// ```
    /// use keyledger::quota::{GroupId, DEFAULT_GROUP};
    /// assert_eq!(DEFAULT_GROUP.next(), GroupId(1));
    /// assert_eq!(serde_json::to_string(&GroupId(3)).unwrap(), "3");
    /// ```
    GroupId(u32)
);

/// The id of the `Default` group, which every subscription has and which cannot be renamed or deleted.
///
/// ```
/// # use keyledger::quota::{DEFAULT_GROUP, GroupId};
/// assert_eq!(DEFAULT_GROUP, GroupId(0));
/// ```
pub const DEFAULT_GROUP: GroupId = GroupId(0);

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

/// The decisions of the group rules.
impl Subscription {
    /// Groups are managed in the direct-sale model only.
    pub(super) fn direct_only(&self) -> Result<(), QuotaError> {
        match self.model {
            super::SaleModel::Direct => Ok(()),
            super::SaleModel::Reseller(_) => Err(QuotaError::GroupsNotAvailable {
                subscription: self.id.to_string(),
            }),
        }
    }

    pub(super) fn group_exists(&self, group: GroupId) -> Result<(), QuotaError> {
        match self.group(group) {
            Some(_) => Ok(()),
            None => Err(QuotaError::UnknownGroup {
                subscription: self.id.to_string(),
                group,
            }),
        }
    }

    /// A group name is unique in the subscription, case-insensitively (`except` the group renamed).
    fn check_group_name(&self, name: &str, except: Option<GroupId>) -> Result<(), QuotaError> {
        check_text("group name", name)?;
        let taken = self
            .groups
            .iter()
            .any(|g| Some(g.id) != except && g.name.to_lowercase() == name.to_lowercase());
        if taken {
            return Err(QuotaError::DuplicateGroupName {
                subscription: self.id.to_string(),
                name: name.to_string(),
            });
        }
        Ok(())
    }

    /// The `Default` group cannot be renamed or deleted.
    fn not_default(&self, group: GroupId) -> Result<(), QuotaError> {
        if group == DEFAULT_GROUP {
            return Err(QuotaError::DefaultGroupFixed {
                subscription: self.id.to_string(),
            });
        }
        Ok(())
    }

    /// A group managed by the groups tab: direct sale, exists, not `Default`.
    fn editable_group(&self, group: GroupId) -> Result<(), QuotaError> {
        self.direct_only()?;
        self.group_exists(group)?;
        self.not_default(group)
    }

    /// Creates a group with the next id and a free name.
    pub(super) fn create_group(&self, name: &str) -> Result<QuotaEventKind, QuotaError> {
        self.direct_only()?;
        self.check_group_name(name, None)?;
        if self.next_group == GroupId(u32::MAX) {
            return Err(invalid(
                "group",
                "cannot be created: every group id is used",
            ));
        }
        Ok(QuotaEventKind::GroupCreated {
            subscription: self.id.clone(),
            group: self.next_group,
            name: name.to_string(),
        })
    }

    /// Renames a group (not `Default`) to a free name; the same name is no event.
    pub(super) fn rename_group(
        &self,
        group: GroupId,
        name: &str,
    ) -> Result<Option<QuotaEventKind>, QuotaError> {
        self.editable_group(group)?;
        self.check_group_name(name, Some(group))?;
        if self.group(group).is_some_and(|g| g.name == name) {
            return Ok(None);
        }
        Ok(Some(QuotaEventKind::GroupRenamed {
            subscription: self.id.clone(),
            group,
            name: name.to_string(),
        }))
    }

    /// Deletes an empty group (not `Default`).
    pub(super) fn delete_group(&self, group: GroupId) -> Result<QuotaEventKind, QuotaError> {
        self.editable_group(group)?;
        let users = self.users.values().filter(|u| u.group == group).count();
        if users > 0 {
            return Err(QuotaError::GroupNotEmpty {
                subscription: self.id.to_string(),
                group,
                users: u64::try_from(users).unwrap_or(u64::MAX),
            });
        }
        Ok(QuotaEventKind::GroupDeleted {
            subscription: self.id.clone(),
            group,
        })
    }
}

/// How the group events change a subscription.
impl Subscription {
    pub(super) fn group_created(&mut self, group: GroupId, name: &str) {
        if self.group(group).is_none() {
            self.groups.push(Group {
                id: group,
                name: name.to_string(),
            });
        }
        self.next_group = self.next_group.max(group.next());
    }

    pub(super) fn group_renamed(&mut self, group: GroupId, name: &str) {
        if let Some(g) = self.groups.iter_mut().find(|g| g.id == group) {
            g.name = name.to_string();
        }
    }

    pub(super) fn group_deleted(&mut self, group: GroupId) {
        self.groups.retain(|g| g.id != group);
    }
}
