//! Licences: a seat of one type with a quota in GB, held by a user; the licence rules (decide)
//! and how a licence event changes a subscription (evolve).

use super::{Login, QuotaError, QuotaEventKind, Resource, Subscription};
use serde::{Deserialize, Serialize};

number_id!(
    /// A licence's id in its subscription, given in order by the book (1, 2, 3, …).
    ///
    /// ```
    /// use keyledger::quota::LicenceId;
    /// assert_eq!(LicenceId(1).next(), LicenceId(2));
    /// assert_eq!(serde_json::to_string(&LicenceId(7)).unwrap(), "7");
    /// ```
    LicenceId(u64)
);

/// The two licence types the service sells.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "QuotaLicenceType"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LicenceType {
    /// Desktop backup.
    Desktop,
    /// Server backup.
    Server,
}

impl LicenceType {
    /// The pool of this type's seats.
    pub(super) fn seats(self) -> Resource {
        match self {
            LicenceType::Desktop => Resource::DesktopLicences,
            LicenceType::Server => Resource::ServerLicences,
        }
    }

    /// The pool of this type's GB.
    pub(super) fn gb(self) -> Resource {
        match self {
            LicenceType::Desktop => Resource::DesktopGb,
            LicenceType::Server => Resource::ServerGb,
        }
    }

    /// The label the control panel shows.
    ///
    /// ```
    /// # use keyledger::quota::LicenceType;
    /// assert_eq!(LicenceType::Server.label(), "Server");
    /// ```
    pub fn label(self) -> &'static str {
        match self {
            LicenceType::Desktop => "Desktop",
            LicenceType::Server => "Server",
        }
    }
}

/// A licence held by a user.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Licence {
    /// Id in the subscription.
    pub id: LicenceId,
    /// Login of the user holding it.
    pub login: Login,
    /// Desktop or server.
    pub kind: LicenceType,
    /// Quota in GB, taken from the subscription's pool of this type.
    pub quota_gb: u64,
    /// GB in use, as last reported by the service (never above `quota_gb`).
    pub used_gb: u64,
    /// Whether the service reported the licence activated on a machine.
    pub activated: bool,
}

/// The decisions of the licence rules.
impl Subscription {
    pub(super) fn licence(&self, id: LicenceId) -> Result<&Licence, QuotaError> {
        self.licences
            .get(&id)
            .ok_or_else(|| QuotaError::UnknownLicence {
                subscription: self.id.to_string(),
                licence: id,
            })
    }

    /// A licence whose user may be managed (exists and is not suspended). Licences always belong
    /// to an existing user, so the user lookup is needed only while some user is suspended.
    fn managed_licence(&self, id: LicenceId) -> Result<&Licence, QuotaError> {
        let l = self.licence(id)?;
        if self.counters.suspended_users > 0 {
            self.active_user(&l.login)?;
        }
        Ok(l)
    }

    /// A licence needs a free seat and the GB of its quota from the pools of its type.
    pub(super) fn check_assign(&self, kind: LicenceType, quota_gb: u64) -> Result<(), QuotaError> {
        self.check_pool(kind.seats(), 1)?;
        self.check_pool(kind.gb(), quota_gb)
    }

    /// The event of a new licence for `login` (checked by the caller), with the next id.
    pub(super) fn licence_for(
        &self,
        login: &Login,
        kind: LicenceType,
        quota_gb: u64,
    ) -> QuotaEventKind {
        QuotaEventKind::LicenceAssigned {
            subscription: self.id.clone(),
            licence: self.next_licence,
            login: login.clone(),
            kind,
            quota_gb,
        }
    }

    /// Gives an active user a licence: a free seat and free GB.
    pub(super) fn assign_licence(
        &self,
        login: &Login,
        kind: LicenceType,
        quota_gb: u64,
    ) -> Result<QuotaEventKind, QuotaError> {
        self.active_user(login)?;
        self.check_assign(kind, quota_gb)?;
        Ok(self.licence_for(login, kind, quota_gb))
    }

    /// Changes a quota within the pool and not below the licence's usage.
    pub(super) fn change_quota(
        &self,
        licence: LicenceId,
        quota_gb: u64,
    ) -> Result<Option<QuotaEventKind>, QuotaError> {
        let l = self.managed_licence(licence)?;
        if quota_gb < l.used_gb {
            return Err(QuotaError::QuotaBelowUsage {
                subscription: self.id.to_string(),
                licence,
                quota_gb,
                used_gb: l.used_gb,
            });
        }
        if quota_gb == l.quota_gb {
            return Ok(None);
        }
        if quota_gb > l.quota_gb {
            self.check_pool(l.kind.gb(), quota_gb - l.quota_gb)?;
        }
        Ok(Some(QuotaEventKind::QuotaChanged {
            subscription: self.id.clone(),
            licence,
            quota_gb,
        }))
    }

    /// Removes a licence of an active user.
    pub(super) fn remove_licence(&self, licence: LicenceId) -> Result<QuotaEventKind, QuotaError> {
        self.managed_licence(licence)?;
        Ok(QuotaEventKind::LicenceRemoved {
            subscription: self.id.clone(),
            licence,
        })
    }

    /// Records a usage report, never above the licence's quota.
    pub(super) fn record_usage(
        &self,
        licence: LicenceId,
        used_gb: u64,
    ) -> Result<Option<QuotaEventKind>, QuotaError> {
        let l = self.licence(licence)?;
        if used_gb > l.quota_gb {
            return Err(QuotaError::UsageAboveQuota {
                subscription: self.id.to_string(),
                licence,
                used_gb,
                quota_gb: l.quota_gb,
            });
        }
        if used_gb == l.used_gb {
            return Ok(None);
        }
        Ok(Some(QuotaEventKind::UsageRecorded {
            subscription: self.id.clone(),
            licence,
            used_gb,
        }))
    }

    /// Records an activation report.
    pub(super) fn record_activation(
        &self,
        licence: LicenceId,
        activated: bool,
    ) -> Result<Option<QuotaEventKind>, QuotaError> {
        if self.licence(licence)?.activated == activated {
            return Ok(None);
        }
        Ok(Some(QuotaEventKind::ActivationRecorded {
            subscription: self.id.clone(),
            licence,
            activated,
        }))
    }
}

/// How the licence events change a subscription.
impl Subscription {
    pub(super) fn licence_assigned(
        &mut self,
        licence: LicenceId,
        login: &Login,
        kind: LicenceType,
        quota_gb: u64,
    ) {
        let Some(u) = self.users.get_mut(login) else {
            return;
        };
        if self.licences.contains_key(&licence) {
            return;
        }
        u.licences.push(licence);
        self.licences.insert(
            licence,
            Licence {
                id: licence,
                login: login.clone(),
                kind,
                quota_gb,
                used_gb: 0,
                activated: false,
            },
        );
        let c = self.counters.of_mut(kind);
        c.assigned_licences = c.assigned_licences.saturating_add(1);
        c.assigned_gb = c.assigned_gb.saturating_add(quota_gb);
        self.next_licence = self.next_licence.max(licence.next());
    }

    pub(super) fn quota_changed(&mut self, licence: LicenceId, quota_gb: u64) {
        if let Some(l) = self.licences.get_mut(&licence) {
            let c = self.counters.of_mut(l.kind);
            c.assigned_gb = c
                .assigned_gb
                .saturating_sub(l.quota_gb)
                .saturating_add(quota_gb);
            l.quota_gb = quota_gb;
        }
    }

    /// Takes a licence out of the subscription and its user, freeing its seat and GB.
    pub(super) fn licence_removed(&mut self, licence: LicenceId) {
        if let Some(l) = self.licences.remove(&licence) {
            let c = self.counters.of_mut(l.kind);
            c.assigned_licences = c.assigned_licences.saturating_sub(1);
            c.activated_licences = c.activated_licences.saturating_sub(u64::from(l.activated));
            c.assigned_gb = c.assigned_gb.saturating_sub(l.quota_gb);
            c.used_gb = c.used_gb.saturating_sub(l.used_gb);
            if let Some(u) = self.users.get_mut(&l.login) {
                u.licences.retain(|x| *x != licence);
            }
        }
    }

    pub(super) fn usage_recorded(&mut self, licence: LicenceId, used_gb: u64) {
        if let Some(l) = self.licences.get_mut(&licence) {
            let c = self.counters.of_mut(l.kind);
            c.used_gb = c.used_gb.saturating_sub(l.used_gb).saturating_add(used_gb);
            l.used_gb = used_gb;
        }
    }

    pub(super) fn activation_recorded(&mut self, licence: LicenceId, activated: bool) {
        if let Some(l) = self.licences.get_mut(&licence) {
            if l.activated != activated {
                let c = self.counters.of_mut(l.kind);
                c.activated_licences = if activated {
                    c.activated_licences.saturating_add(1)
                } else {
                    c.activated_licences.saturating_sub(1)
                };
                l.activated = activated;
            }
        }
    }
}
