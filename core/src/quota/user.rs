//! Service users of a subscription: the user rules (decide) and how a user event changes a
//! subscription (evolve).

use super::input::check_text;
use super::{
    GroupId, LicenceId, LicenceType, QuotaError, QuotaEventKind, Subscription, DEFAULT_GROUP,
};
use serde::{Deserialize, Serialize};

text_id!(
    /// A user's login, unique in its subscription (compared exactly).
    ///
    /// ```
    /// use keyledger::quota::Login;
    /// let login = Login::from("ann@acme.test");
    /// assert_eq!(serde_json::to_string(&login).unwrap(), r#""ann@acme.test""#);
    /// ```
    Login
);

/// A service user.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct User {
    /// Login, unique in the subscription (compared exactly).
    pub login: Login,
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

/// The decisions of the user rules.
impl Subscription {
    pub(super) fn user(&self, login: &Login) -> Result<&User, QuotaError> {
        self.users
            .get(login)
            .ok_or_else(|| QuotaError::UnknownUser {
                subscription: self.id.to_string(),
                login: login.to_string(),
            })
    }

    /// A user that exists and is not suspended (may be managed).
    pub(super) fn active_user(&self, login: &Login) -> Result<&User, QuotaError> {
        let u = self.user(login)?;
        if u.suspended {
            return Err(QuotaError::UserSuspended {
                subscription: self.id.to_string(),
                login: login.to_string(),
            });
        }
        Ok(u)
    }

    /// Creates a user with a free login in a group (not `Default`: direct sale only), and a first
    /// licence if asked: one or two events.
    pub(super) fn create_user(
        &self,
        login: &Login,
        display_name: &str,
        group: Option<GroupId>,
        licence: Option<(LicenceType, u64)>,
    ) -> Result<Vec<QuotaEventKind>, QuotaError> {
        check_text("login", login.as_str())?;
        if self.users.contains_key(login) {
            return Err(QuotaError::DuplicateLogin {
                subscription: self.id.to_string(),
                login: login.to_string(),
            });
        }
        check_text("display name", display_name)?;
        let group = group.unwrap_or(DEFAULT_GROUP);
        if group != DEFAULT_GROUP {
            self.direct_only()?;
            self.group_exists(group)?;
        }
        let mut events = Vec::with_capacity(1 + usize::from(licence.is_some()));
        events.push(QuotaEventKind::UserCreated {
            subscription: self.id.clone(),
            login: login.clone(),
            display_name: display_name.to_string(),
            group,
        });
        if let Some((kind, quota_gb)) = licence {
            self.check_assign(kind, quota_gb)?;
            events.push(self.licence_for(login, kind, quota_gb));
        }
        Ok(events)
    }

    /// Suspends a user; a suspended one is no event.
    pub(super) fn suspend_user(&self, login: &Login) -> Result<Option<QuotaEventKind>, QuotaError> {
        Ok(
            (!self.user(login)?.suspended).then(|| QuotaEventKind::UserSuspended {
                subscription: self.id.clone(),
                login: login.clone(),
            }),
        )
    }

    /// Activates a suspended user; an active one is no event.
    pub(super) fn activate_user(
        &self,
        login: &Login,
    ) -> Result<Option<QuotaEventKind>, QuotaError> {
        Ok(self
            .user(login)?
            .suspended
            .then(|| QuotaEventKind::UserActivated {
                subscription: self.id.clone(),
                login: login.clone(),
            }))
    }

    /// Removes an active user (and, by evolve, its licences).
    pub(super) fn remove_user(&self, login: &Login) -> Result<QuotaEventKind, QuotaError> {
        self.active_user(login)?;
        Ok(QuotaEventKind::UserRemoved {
            subscription: self.id.clone(),
            login: login.clone(),
        })
    }

    /// Switches an active user's sync; on needs sync on for the subscription.
    pub(super) fn set_user_sync(
        &self,
        login: &Login,
        enabled: bool,
    ) -> Result<Option<QuotaEventKind>, QuotaError> {
        let u = self.active_user(login)?;
        if enabled && !self.sync_enabled {
            return Err(QuotaError::SyncNotEnabled {
                subscription: self.id.to_string(),
            });
        }
        Ok((u.sync != enabled).then(|| QuotaEventKind::UserSyncSet {
            subscription: self.id.clone(),
            login: login.clone(),
            enabled,
        }))
    }

    /// Moves an active user to an existing group (direct sale only).
    pub(super) fn move_user(
        &self,
        login: &Login,
        group: GroupId,
    ) -> Result<Option<QuotaEventKind>, QuotaError> {
        self.direct_only()?;
        let u = self.active_user(login)?;
        self.group_exists(group)?;
        Ok((u.group != group).then(|| QuotaEventKind::UserMoved {
            subscription: self.id.clone(),
            login: login.clone(),
            group,
        }))
    }
}

/// How the user events change a subscription.
impl Subscription {
    pub(super) fn user_created(&mut self, login: &Login, display_name: &str, group: GroupId) {
        self.users.insert(
            login.clone(),
            User {
                login: login.clone(),
                display_name: display_name.to_string(),
                group,
                suspended: false,
                sync: false,
                licences: Vec::new(),
            },
        );
    }

    /// A user suspended (or activated again), counted in `suspended_users`.
    pub(super) fn user_suspended(&mut self, login: &Login, suspend: bool) {
        if let Some(u) = self.users.get_mut(login) {
            if u.suspended != suspend {
                u.suspended = suspend;
                let n = &mut self.counters.suspended_users;
                *n = if suspend {
                    n.saturating_add(1)
                } else {
                    n.saturating_sub(1)
                };
            }
        }
    }

    /// A user removed with all its licences.
    pub(super) fn user_removed(&mut self, login: &Login) {
        if let Some(u) = self.users.remove(login) {
            if u.suspended {
                self.counters.suspended_users = self.counters.suspended_users.saturating_sub(1);
            }
            for id in u.licences {
                self.licence_removed(id);
            }
        }
    }

    pub(super) fn user_sync_set(&mut self, login: &Login, enabled: bool) {
        if let Some(u) = self.users.get_mut(login) {
            u.sync = enabled;
        }
    }

    pub(super) fn user_moved(&mut self, login: &Login, group: GroupId) {
        if let Some(u) = self.users.get_mut(login) {
            u.group = group;
        }
    }
}
