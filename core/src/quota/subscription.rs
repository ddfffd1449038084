//! Subscriptions: resource limits, counters, users, licences and groups; the subscription-wide
//! rules (decide) and how an event of one subscription changes it (evolve: routed here, applied by
//! the rules of its noun in `user`, `licence`, `group`).

use super::book::QuotaBook;
use super::input::{check_email, check_text};
use super::{
    EmailHolder, Group, GroupId, Licence, LicenceId, LicenceType, Login, QuotaError,
    QuotaEventKind, ResellerId, Resource, User, DEFAULT_GROUP,
};
use serde::{Deserialize, Serialize, Serializer};
use std::collections::HashMap;

text_id!(
    /// A subscription's id, chosen by the caller (the control panel's subscription).
    ///
    /// ```
    /// use keyledger::quota::SubscriptionId;
    /// let id: SubscriptionId = "sub-1".into();
    /// assert_eq!(serde_json::to_string(&id).unwrap(), r#""sub-1""#);
    /// ```
    SubscriptionId
);

/// What a subscription bought. A limit of `None` is unlimited.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Limits {
    /// Desktop licences (seats).
    pub desktop_licences: Option<u64>,
    /// Server licences (seats).
    pub server_licences: Option<u64>,
    /// Desktop quota pool in GB.
    pub desktop_gb: Option<u64>,
    /// Server quota pool in GB.
    pub server_gb: Option<u64>,
    /// Whether the plan offers sync.
    pub sync_available: bool,
    /// The sync quota a user gets by default, in GB (shown; not taken from the backup pools).
    pub sync_default_quota_gb: u64,
}

impl Limits {
    /// Finite seat and GB limits, no sync.
    ///
    /// ```
    /// # use keyledger::quota::{Limits, Resource};
    /// let l = Limits::seats_and_gb(10, 100, 5, 50);
    /// assert_eq!(l.limit(Resource::DesktopGb), Some(100));
    /// assert_eq!(l.limit(Resource::ServerLicences), Some(5));
    /// assert!(!l.sync_available);
    /// ```
    pub fn seats_and_gb(
        desktop_licences: u64,
        desktop_gb: u64,
        server_licences: u64,
        server_gb: u64,
    ) -> Self {
        Limits {
            desktop_licences: Some(desktop_licences),
            server_licences: Some(server_licences),
            desktop_gb: Some(desktop_gb),
            server_gb: Some(server_gb),
            sync_available: false,
            sync_default_quota_gb: 0,
        }
    }

    /// The seed's plan (APS2 Mozy guide, Account tab): 10 desktop and 10 server licences, 100 GB of
    /// desktop and 100 GB of server quota, sync offered (default sync quota not stated: 0 GB).
    ///
    /// ```
    /// # use keyledger::quota::Limits;
    /// assert_eq!(Limits::seed_plan(), Limits::seats_and_gb(10, 100, 10, 100).with_sync(0));
    /// ```
    pub fn seed_plan() -> Self {
        Limits::seats_and_gb(10, 100, 10, 100).with_sync(0)
    }

    /// Every pool unlimited, sync offered with the given default quota.
    ///
    /// ```
    /// # use keyledger::quota::{Limits, Resource};
    /// let l = Limits::unlimited(5);
    /// assert_eq!(l.limit(Resource::DesktopLicences), None);
    /// assert!(l.sync_available);
    /// ```
    pub fn unlimited(sync_default_quota_gb: u64) -> Self {
        Limits {
            desktop_licences: None,
            server_licences: None,
            desktop_gb: None,
            server_gb: None,
            sync_available: true,
            sync_default_quota_gb,
        }
    }

    /// The same limits with sync offered.
    ///
    /// ```
    /// # use keyledger::quota::Limits;
    /// let l = Limits::seats_and_gb(1, 1, 1, 1).with_sync(2);
    /// assert!(l.sync_available);
    /// assert_eq!(l.sync_default_quota_gb, 2);
    /// ```
    pub fn with_sync(mut self, sync_default_quota_gb: u64) -> Self {
        self.sync_available = true;
        self.sync_default_quota_gb = sync_default_quota_gb;
        self
    }

    /// The limit of one pool (`None`: unlimited).
    ///
    /// ```
    /// # use keyledger::quota::{Limits, Resource};
    /// assert_eq!(Limits::seats_and_gb(1, 2, 3, 4).limit(Resource::ServerGb), Some(4));
    /// ```
    pub fn limit(&self, resource: Resource) -> Option<u64> {
        match resource {
            Resource::DesktopLicences => self.desktop_licences,
            Resource::ServerLicences => self.server_licences,
            Resource::DesktopGb => self.desktop_gb,
            Resource::ServerGb => self.server_gb,
        }
    }
}

/// The counters of one licence type.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TypeCounters {
    /// Licences assigned to users.
    pub assigned_licences: u64,
    /// Licences the service reported activated.
    pub activated_licences: u64,
    /// Sum of the licences' quotas.
    pub assigned_gb: u64,
    /// Sum of the licences' usage.
    pub used_gb: u64,
}

/// The stored counters of a subscription, updated with every licence event.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Counters {
    /// Desktop licences.
    pub desktop: TypeCounters,
    /// Server licences.
    pub server: TypeCounters,
    /// Users currently suspended (lets licence operations skip the user lookup when there are none).
    pub suspended_users: u64,
}

impl Counters {
    /// The counters of one licence type.
    ///
    /// ```
    /// # use keyledger::quota::{Counters, LicenceType};
    /// assert_eq!(Counters::default().of(LicenceType::Server).assigned_gb, 0);
    /// ```
    pub fn of(&self, kind: LicenceType) -> &TypeCounters {
        match kind {
            LicenceType::Desktop => &self.desktop,
            LicenceType::Server => &self.server,
        }
    }

    pub(crate) fn of_mut(&mut self, kind: LicenceType) -> &mut TypeCounters {
        match kind {
            LicenceType::Desktop => &mut self.desktop,
            LicenceType::Server => &mut self.server,
        }
    }

    /// What is assigned from one pool.
    ///
    /// ```
    /// # use keyledger::quota::{Counters, Resource};
    /// assert_eq!(Counters::default().in_use(Resource::DesktopLicences), 0);
    /// ```
    pub fn in_use(&self, resource: Resource) -> u64 {
        match resource {
            Resource::DesktopLicences => self.desktop.assigned_licences,
            Resource::ServerLicences => self.server.assigned_licences,
            Resource::DesktopGb => self.desktop.assigned_gb,
            Resource::ServerGb => self.server.assigned_gb,
        }
    }
}

/// How the subscription was sold.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "reseller")]
pub enum SaleModel {
    /// Bought from the service provider: user groups are available.
    Direct,
    /// Bought from this reseller (by id): no user groups.
    Reseller(ResellerId),
}

/// Why a subscription stopped working.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum StopReason {
    /// Its reseller cancelled its own subscription. The customer's subscription is not cancelled.
    PartnerCancelled {
        /// The reseller.
        reseller: ResellerId,
    },
}

impl StopReason {
    /// The message the customer control panel shows.
    ///
    /// ```
    /// # use keyledger::quota::StopReason;
    /// let r = StopReason::PartnerCancelled { reseller: "r1".into() };
    /// assert!(r.message().contains("partner"));
    /// ```
    pub fn message(&self) -> String {
        match self {
            StopReason::PartnerCancelled { reseller } => format!(
                "The partner ({reseller}) has cancelled the subscription: this subscription no longer works."
            ),
        }
    }
}

/// The staff member a subscription is provisioned under.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Admin {
    /// Name.
    pub name: String,
    /// Email (normalised), unique among all partners.
    pub email: String,
}

/// A subscription: limits, counters, users, licences, groups.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    /// Caller-supplied id.
    pub id: SubscriptionId,
    /// Company name.
    pub company: String,
    /// Direct sale or through a reseller.
    pub model: SaleModel,
    /// What was bought.
    pub limits: Limits,
    /// The admin it is provisioned under; `None` while held for an email already in use.
    pub admin: Option<Admin>,
    /// The admin given at purchase (its email may have been in use).
    pub requested_admin: Admin,
    /// Set when the subscription stopped working (see [`StopReason`]).
    pub stopped: Option<StopReason>,
    /// Sync enabled for the whole subscription.
    pub sync_enabled: bool,
    /// Whether the groups tab is shown.
    pub groups_tab_visible: bool,
    /// Users by login.
    #[serde(serialize_with = "sorted_map")]
    pub users: HashMap<Login, User>,
    /// Groups, the `Default` group first.
    pub groups: Vec<Group>,
    /// The id the next group gets.
    pub next_group: GroupId,
    /// Licences by id.
    #[serde(serialize_with = "sorted_map")]
    pub licences: HashMap<LicenceId, Licence>,
    /// The id the next licence gets.
    pub next_licence: LicenceId,
    /// Stored counters (recomputed and compared by [`QuotaBook::refresh_report`](super::QuotaBook::refresh_report)).
    pub counters: Counters,
}

impl Subscription {
    /// The group with this id.
    ///
    /// ```
    /// # use keyledger::quota::*;
    /// # use chrono::{TimeZone, Utc};
    /// # let mut book = QuotaBook::new();
    /// # book.execute(QuotaCommand::CreateSubscription { subscription: "s".into(), company: "C".into(),
    /// #   admin_name: "A".into(), email: "a@x.com".into(), model: SaleModel::Direct,
    /// #   limits: Limits::unlimited(0) }, Utc.timestamp_opt(0, 0).unwrap())?;
    /// let sub = book.subscription("s").unwrap();
    /// assert_eq!(sub.group(DEFAULT_GROUP).unwrap().name, "Default");
    /// # Ok::<(), QuotaError>(())
    /// ```
    pub fn group(&self, id: GroupId) -> Option<&Group> {
        self.groups.iter().find(|g| g.id == id)
    }

    /// Recomputes the counters from the licences themselves.
    ///
    /// ```
    /// # use keyledger::quota::*;
    /// # use chrono::{TimeZone, Utc};
    /// # let mut book = QuotaBook::new();
    /// # book.execute(QuotaCommand::CreateSubscription { subscription: "s".into(), company: "C".into(),
    /// #   admin_name: "A".into(), email: "a@x.com".into(), model: SaleModel::Direct,
    /// #   limits: Limits::unlimited(0) }, Utc.timestamp_opt(0, 0).unwrap())?;
    /// let sub = book.subscription("s").unwrap();
    /// assert_eq!(sub.recompute_counters(), sub.counters);
    /// # Ok::<(), QuotaError>(())
    /// ```
    pub fn recompute_counters(&self) -> Counters {
        let mut c = Counters::default();
        for l in self.licences.values() {
            let t = c.of_mut(l.kind);
            t.assigned_licences = t.assigned_licences.saturating_add(1);
            t.activated_licences = t.activated_licences.saturating_add(u64::from(l.activated));
            t.assigned_gb = t.assigned_gb.saturating_add(l.quota_gb);
            t.used_gb = t.used_gb.saturating_add(l.used_gb);
        }
        c.suspended_users = self.users.values().filter(|u| u.suspended).count() as u64;
        c
    }
}

/// The decisions of the subscription-wide rules.
impl Subscription {
    /// Checks that `requested` more fit in a pool.
    pub(super) fn check_pool(&self, resource: Resource, requested: u64) -> Result<(), QuotaError> {
        let in_use = self.counters.in_use(resource);
        let total = in_use
            .checked_add(requested)
            .ok_or_else(|| QuotaError::Overflow {
                subscription: self.id.to_string(),
                resource,
                in_use,
                requested,
            })?;
        match self.limits.limit(resource) {
            Some(limit) if total > limit => Err(QuotaError::LimitExceeded {
                subscription: self.id.to_string(),
                resource,
                requested,
                in_use,
                limit,
                free: limit.saturating_sub(in_use),
            }),
            _ => Ok(()),
        }
    }

    /// New limits, none below what is assigned, keeping sync while it is enabled.
    pub(super) fn change_limits(
        &self,
        limits: &Limits,
    ) -> Result<Option<QuotaEventKind>, QuotaError> {
        for resource in [
            Resource::DesktopLicences,
            Resource::ServerLicences,
            Resource::DesktopGb,
            Resource::ServerGb,
        ] {
            let assigned = self.counters.in_use(resource);
            if let Some(limit) = limits.limit(resource) {
                if limit < assigned {
                    return Err(QuotaError::LimitBelowAssigned {
                        subscription: self.id.to_string(),
                        resource,
                        limit,
                        assigned,
                    });
                }
            }
        }
        if self.sync_enabled && !limits.sync_available {
            return Err(QuotaError::SyncInUse {
                subscription: self.id.to_string(),
            });
        }
        Ok(
            (&self.limits != limits).then(|| QuotaEventKind::LimitsChanged {
                subscription: self.id.clone(),
                limits: limits.clone(),
            }),
        )
    }

    /// Switches sync for the whole subscription; on needs a plan with sync.
    pub(super) fn set_sync(&self, enabled: bool) -> Result<Option<QuotaEventKind>, QuotaError> {
        if enabled && !self.limits.sync_available {
            return Err(QuotaError::SyncNotAvailable {
                subscription: self.id.to_string(),
            });
        }
        Ok(
            (self.sync_enabled != enabled).then(|| QuotaEventKind::SubscriptionSyncSet {
                subscription: self.id.clone(),
                enabled,
            }),
        )
    }

    /// Shows or hides the groups tab (direct sale only).
    pub(super) fn set_groups_tab(
        &self,
        visible: bool,
    ) -> Result<Option<QuotaEventKind>, QuotaError> {
        self.direct_only()?;
        Ok(
            (self.groups_tab_visible != visible).then(|| QuotaEventKind::GroupsTabSet {
                subscription: self.id.clone(),
                visible,
            }),
        )
    }

    /// Recomputes the counters; an event only if the stored ones drifted.
    pub(super) fn refresh(&self) -> Option<QuotaEventKind> {
        let after = self.recompute_counters();
        (after != self.counters).then(|| QuotaEventKind::CountersRecomputed {
            subscription: self.id.clone(),
            before: self.counters,
            after,
        })
    }
}

/// How an event of one subscription changes it.
impl Subscription {
    /// Folds in an event about this subscription (routed by [`QuotaEventKind::subscription`]).
    pub(super) fn evolve(&mut self, kind: &QuotaEventKind) {
        use QuotaEventKind as E;
        match kind {
            E::LimitsChanged { limits, .. } => self.limits = limits.clone(),
            E::SubscriptionSyncSet { enabled, .. } => self.sync_set(*enabled),
            E::GroupsTabSet { visible, .. } => self.groups_tab_visible = *visible,
            E::CountersRecomputed { after, .. } => self.counters = *after,
            E::UserCreated {
                login,
                display_name,
                group,
                ..
            } => self.user_created(login, display_name, *group),
            E::UserSuspended { login, .. } => self.user_suspended(login, true),
            E::UserActivated { login, .. } => self.user_suspended(login, false),
            E::UserRemoved { login, .. } => self.user_removed(login),
            E::UserSyncSet { login, enabled, .. } => self.user_sync_set(login, *enabled),
            E::UserMoved { login, group, .. } => self.user_moved(login, *group),
            E::LicenceAssigned {
                licence,
                login,
                kind,
                quota_gb,
                ..
            } => self.licence_assigned(*licence, login, *kind, *quota_gb),
            E::QuotaChanged {
                licence, quota_gb, ..
            } => self.quota_changed(*licence, *quota_gb),
            E::LicenceRemoved { licence, .. } => self.licence_removed(*licence),
            E::UsageRecorded {
                licence, used_gb, ..
            } => self.usage_recorded(*licence, *used_gb),
            E::ActivationRecorded {
                licence, activated, ..
            } => self.activation_recorded(*licence, *activated),
            E::GroupCreated { group, name, .. } => self.group_created(*group, name),
            E::GroupRenamed { group, name, .. } => self.group_renamed(*group, name),
            E::GroupDeleted { group, .. } => self.group_deleted(*group),
            E::SubscriptionCreated { .. }
            | E::AdminAssigned { .. }
            | E::ResellerRegistered { .. }
            | E::ResellerCancelled { .. } => {}
        }
    }

    /// Sync switched for the subscription: off turns it off for every user.
    fn sync_set(&mut self, enabled: bool) {
        self.sync_enabled = enabled;
        if !enabled {
            for u in self.users.values_mut() {
                u.sync = false;
            }
        }
    }
}

/// The subscriptions of the book: finding one for a rule, buying one.
impl QuotaBook {
    pub(super) fn sub(&self, id: &SubscriptionId) -> Result<&Subscription, QuotaError> {
        self.subscriptions
            .get(id)
            .ok_or_else(|| QuotaError::UnknownSubscription {
                subscription: id.to_string(),
            })
    }

    /// A subscription that exists and is not stopped.
    pub(super) fn running_sub(&self, id: &SubscriptionId) -> Result<&Subscription, QuotaError> {
        let sub = self.sub(id)?;
        if let Some(StopReason::PartnerCancelled { reseller }) = &sub.stopped {
            return Err(QuotaError::SubscriptionStopped {
                subscription: id.to_string(),
                reseller: reseller.to_string(),
            });
        }
        Ok(sub)
    }

    /// A subscription that exists, is not stopped and is provisioned.
    pub(super) fn active_sub(&self, id: &SubscriptionId) -> Result<&Subscription, QuotaError> {
        let sub = self.running_sub(id)?;
        if sub.admin.is_none() {
            return Err(QuotaError::SubscriptionHeld {
                subscription: id.to_string(),
                email: sub.requested_admin.email.clone(),
            });
        }
        Ok(sub)
    }

    /// Buys a subscription with a new id, from a reseller that has not cancelled; it is
    /// provisioned if the admin's email is free, held otherwise.
    pub(super) fn create_subscription(
        &self,
        subscription: &SubscriptionId,
        company: &str,
        admin_name: &str,
        email: &str,
        model: &SaleModel,
        limits: &Limits,
    ) -> Result<QuotaEventKind, QuotaError> {
        check_text("subscription id", subscription.as_str())?;
        if self.subscriptions.contains_key(subscription) {
            return Err(QuotaError::DuplicateSubscription {
                subscription: subscription.to_string(),
            });
        }
        check_text("company", company)?;
        check_text("admin name", admin_name)?;
        let email = check_email(email)?;
        if let SaleModel::Reseller(r) = model {
            if self.reseller_or_err(r)?.cancelled {
                return Err(QuotaError::ResellerCancelled {
                    reseller: r.to_string(),
                });
            }
        }
        let provisioned = !self.emails.contains_key(&email);
        Ok(QuotaEventKind::SubscriptionCreated {
            subscription: subscription.clone(),
            company: company.to_string(),
            model: model.clone(),
            limits: limits.clone(),
            requested_admin: Admin {
                name: admin_name.to_string(),
                email,
            },
            provisioned,
        })
    }

    /// A subscription bought: provisioned (its email indexed) or held, listed by its reseller.
    pub(super) fn subscription_created(
        &mut self,
        subscription: &SubscriptionId,
        company: &str,
        model: &SaleModel,
        limits: &Limits,
        requested_admin: &Admin,
        provisioned: bool,
    ) {
        if provisioned {
            self.emails.insert(
                requested_admin.email.clone(),
                EmailHolder::Subscription(subscription.clone()),
            );
        }
        if let SaleModel::Reseller(r) = model {
            if let Some(r) = self.resellers.get_mut(r) {
                r.customers.push(subscription.clone());
            }
        }
        self.subscriptions.insert(
            subscription.clone(),
            Subscription {
                id: subscription.clone(),
                company: company.to_string(),
                model: model.clone(),
                limits: limits.clone(),
                admin: provisioned.then(|| requested_admin.clone()),
                requested_admin: requested_admin.clone(),
                stopped: None,
                sync_enabled: false,
                groups_tab_visible: matches!(model, SaleModel::Direct),
                users: HashMap::new(),
                groups: vec![Group {
                    id: DEFAULT_GROUP,
                    name: super::group::DEFAULT_GROUP_NAME.to_string(),
                }],
                next_group: DEFAULT_GROUP.next(),
                licences: HashMap::new(),
                next_licence: LicenceId(1),
                counters: Counters::default(),
            },
        );
    }
}

/// Serialises a hash map in key order, so the JSON text of a book is the same on every run.
pub(crate) fn sorted_map<S: Serializer, K: Ord + Serialize, V: Serialize>(
    map: &HashMap<K, V>,
    s: S,
) -> Result<S::Ok, S::Error> {
    // Entries in key order, sorted by the crate's one sort (not a BTreeMap per map type).
    let mut entries: Vec<(&K, &V)> = map.iter().collect();
    crate::sort::sort_by(&mut entries, |a, b| a.0.cmp(b.0));
    s.collect_map(entries)
}
