//! What a caller asks the book ([`QuotaCommand`]) and what happened ([`QuotaEventKind`]): the
//! words of the quota book, both tagged `type` like the ledger's.

use super::{
    Admin, Counters, GroupId, LicenceId, LicenceType, Limits, Login, ResellerId, SaleModel,
    SubscriptionId,
};
use serde::{Deserialize, Serialize};

/// What a caller asks the book to do. Every command is checked against the state first.
///
/// Asking for the state something is already in (suspending a suspended user, enabling sync that
/// is enabled, reporting the same usage again) is not an error: it returns no events.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum QuotaCommand {
    /// A subscription is bought. If `email` is in use by another partner, the subscription is
    /// created but held (not provisioned) until [`QuotaCommand::AssignAdmin`] gives a free email.
    CreateSubscription {
        /// New subscription id.
        subscription: SubscriptionId,
        /// Company name.
        company: String,
        /// The buying staff member's name.
        admin_name: String,
        /// The buying staff member's email.
        email: String,
        /// Direct sale, or through a reseller.
        model: SaleModel,
        /// What was bought.
        limits: Limits,
    },
    /// Provisions the subscription under a staff member (or changes its admin).
    AssignAdmin {
        /// Subscription.
        subscription: SubscriptionId,
        /// Staff member's name.
        admin_name: String,
        /// Staff member's email, not used by any other partner.
        email: String,
    },
    /// An upgrade (or downgrade) of the limits; no limit may go below what is assigned.
    ChangeLimits {
        /// Subscription.
        subscription: SubscriptionId,
        /// The new limits.
        limits: Limits,
    },
    /// Enables or disables sync for the whole subscription (disabling turns it off for every user).
    SetSubscriptionSync {
        /// Subscription.
        subscription: SubscriptionId,
        /// On or off.
        enabled: bool,
    },
    /// Hides or shows the groups tab (direct sale only).
    SetGroupsTab {
        /// Subscription.
        subscription: SubscriptionId,
        /// Shown or hidden.
        visible: bool,
    },
    /// Creates a user, optionally with a first licence ("Add User and License").
    CreateUser {
        /// Subscription.
        subscription: SubscriptionId,
        /// Login, unique in the subscription.
        login: Login,
        /// Display name.
        display_name: String,
        /// Group; `None` is the Default group.
        group: Option<GroupId>,
        /// A first licence: type and quota in GB.
        licence: Option<(LicenceType, u64)>,
    },
    /// Suspends a user.
    SuspendUser {
        /// Subscription.
        subscription: SubscriptionId,
        /// User.
        login: Login,
    },
    /// Activates a suspended user again.
    ActivateUser {
        /// Subscription.
        subscription: SubscriptionId,
        /// User.
        login: Login,
    },
    /// Removes a user (not while suspended), freeing all its licences.
    RemoveUser {
        /// Subscription.
        subscription: SubscriptionId,
        /// User.
        login: Login,
    },
    /// Enables or disables sync for one user (enabling needs sync on for the subscription).
    SetUserSync {
        /// Subscription.
        subscription: SubscriptionId,
        /// User.
        login: Login,
        /// On or off.
        enabled: bool,
    },
    /// Moves a user to an existing group (direct sale only).
    MoveUser {
        /// Subscription.
        subscription: SubscriptionId,
        /// User.
        login: Login,
        /// Target group.
        group: GroupId,
    },
    /// Gives a user a licence with a quota; needs a free seat and free GB.
    AssignLicence {
        /// Subscription.
        subscription: SubscriptionId,
        /// User.
        login: Login,
        /// Desktop or server.
        kind: LicenceType,
        /// Quota in GB.
        quota_gb: u64,
    },
    /// Changes a licence's quota, within the pool and not below its usage.
    ChangeQuota {
        /// Subscription.
        subscription: SubscriptionId,
        /// Licence.
        licence: LicenceId,
        /// New quota in GB.
        quota_gb: u64,
    },
    /// Removes a licence, freeing its seat and quota.
    RemoveLicence {
        /// Subscription.
        subscription: SubscriptionId,
        /// Licence.
        licence: LicenceId,
    },
    /// The service reports a licence's usage.
    RecordUsage {
        /// Subscription.
        subscription: SubscriptionId,
        /// Licence.
        licence: LicenceId,
        /// GB in use (at most the licence's quota).
        used_gb: u64,
    },
    /// The service reports a licence activated (or deactivated) on a machine.
    RecordActivation {
        /// Subscription.
        subscription: SubscriptionId,
        /// Licence.
        licence: LicenceId,
        /// Activated or not.
        activated: bool,
    },
    /// Creates a user group (direct sale only).
    CreateGroup {
        /// Subscription.
        subscription: SubscriptionId,
        /// Name, unique in the subscription.
        name: String,
    },
    /// Renames a group (not `Default`).
    RenameGroup {
        /// Subscription.
        subscription: SubscriptionId,
        /// Group.
        group: GroupId,
        /// New name.
        name: String,
    },
    /// Deletes an empty group (not `Default`); a group with users is refused.
    DeleteGroup {
        /// Subscription.
        subscription: SubscriptionId,
        /// Group.
        group: GroupId,
    },
    /// Recomputes the counters from the licences; records an event only if they drifted.
    Refresh {
        /// Subscription.
        subscription: SubscriptionId,
    },
    /// Registers a reseller.
    RegisterReseller {
        /// New reseller id.
        reseller: ResellerId,
        /// Display name.
        name: String,
        /// Login email, not used by any other partner.
        email: String,
    },
    /// The reseller cancels its own subscription: its customers' subscriptions stop working.
    CancelReseller {
        /// Reseller.
        reseller: ResellerId,
    },
}

/// What happened. Events carry every fact evolve needs; evolve never fails.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum QuotaEventKind {
    /// A subscription was bought.
    SubscriptionCreated {
        /// Id.
        subscription: SubscriptionId,
        /// Company.
        company: String,
        /// Sale model.
        model: SaleModel,
        /// Limits.
        limits: Limits,
        /// The purchasing admin (email normalised).
        requested_admin: Admin,
        /// Whether it was provisioned (the email was free) or held.
        provisioned: bool,
    },
    /// The subscription was provisioned under (or moved to) this admin.
    AdminAssigned {
        /// Subscription.
        subscription: SubscriptionId,
        /// The admin (email normalised).
        admin: Admin,
    },
    /// Limits changed.
    LimitsChanged {
        /// Subscription.
        subscription: SubscriptionId,
        /// New limits.
        limits: Limits,
    },
    /// Subscription-wide sync switched.
    SubscriptionSyncSet {
        /// Subscription.
        subscription: SubscriptionId,
        /// On or off.
        enabled: bool,
    },
    /// Groups tab shown or hidden.
    GroupsTabSet {
        /// Subscription.
        subscription: SubscriptionId,
        /// Shown.
        visible: bool,
    },
    /// A user was created.
    UserCreated {
        /// Subscription.
        subscription: SubscriptionId,
        /// Login.
        login: Login,
        /// Display name.
        display_name: String,
        /// Group.
        group: GroupId,
    },
    /// A user was suspended.
    UserSuspended {
        /// Subscription.
        subscription: SubscriptionId,
        /// User.
        login: Login,
    },
    /// A user was activated.
    UserActivated {
        /// Subscription.
        subscription: SubscriptionId,
        /// User.
        login: Login,
    },
    /// A user was removed with all its licences.
    UserRemoved {
        /// Subscription.
        subscription: SubscriptionId,
        /// User.
        login: Login,
    },
    /// A user's sync switched.
    UserSyncSet {
        /// Subscription.
        subscription: SubscriptionId,
        /// User.
        login: Login,
        /// On or off.
        enabled: bool,
    },
    /// A user moved to another group.
    UserMoved {
        /// Subscription.
        subscription: SubscriptionId,
        /// User.
        login: Login,
        /// New group.
        group: GroupId,
    },
    /// A licence was assigned.
    LicenceAssigned {
        /// Subscription.
        subscription: SubscriptionId,
        /// The new licence's id.
        licence: LicenceId,
        /// User.
        login: Login,
        /// Type.
        kind: LicenceType,
        /// Quota in GB.
        quota_gb: u64,
    },
    /// A licence's quota changed.
    QuotaChanged {
        /// Subscription.
        subscription: SubscriptionId,
        /// Licence.
        licence: LicenceId,
        /// New quota in GB.
        quota_gb: u64,
    },
    /// A licence was removed.
    LicenceRemoved {
        /// Subscription.
        subscription: SubscriptionId,
        /// Licence.
        licence: LicenceId,
    },
    /// Usage was reported.
    UsageRecorded {
        /// Subscription.
        subscription: SubscriptionId,
        /// Licence.
        licence: LicenceId,
        /// GB in use.
        used_gb: u64,
    },
    /// Activation was reported.
    ActivationRecorded {
        /// Subscription.
        subscription: SubscriptionId,
        /// Licence.
        licence: LicenceId,
        /// Activated or not.
        activated: bool,
    },
    /// A group was created.
    GroupCreated {
        /// Subscription.
        subscription: SubscriptionId,
        /// The new group's id.
        group: GroupId,
        /// Name.
        name: String,
    },
    /// A group was renamed.
    GroupRenamed {
        /// Subscription.
        subscription: SubscriptionId,
        /// Group.
        group: GroupId,
        /// New name.
        name: String,
    },
    /// A group was deleted.
    GroupDeleted {
        /// Subscription.
        subscription: SubscriptionId,
        /// Group.
        group: GroupId,
    },
    /// A refresh found drift and replaced the stored counters.
    CountersRecomputed {
        /// Subscription.
        subscription: SubscriptionId,
        /// The stored counters before.
        before: Counters,
        /// The counters recomputed from the licences.
        after: Counters,
    },
    /// A reseller was registered.
    ResellerRegistered {
        /// Id.
        reseller: ResellerId,
        /// Name.
        name: String,
        /// Email (normalised).
        email: String,
    },
    /// A reseller cancelled; its customers' subscriptions stopped.
    ResellerCancelled {
        /// Reseller.
        reseller: ResellerId,
    },
}

impl QuotaEventKind {
    /// The subscription an event of one subscription is about (`None` for the book's own
    /// events: a subscription bought, an admin assigned, a reseller registered or cancelled).
    ///
    /// ```
    /// use keyledger::quota::{QuotaEventKind, SubscriptionId};
    /// let e = QuotaEventKind::GroupsTabSet { subscription: "s".into(), visible: false };
    /// assert_eq!(e.subscription(), Some(&SubscriptionId::from("s")));
    /// assert_eq!(QuotaEventKind::ResellerCancelled { reseller: "r".into() }.subscription(), None);
    /// ```
    pub fn subscription(&self) -> Option<&SubscriptionId> {
        use QuotaEventKind as E;
        match self {
            E::LimitsChanged { subscription, .. }
            | E::SubscriptionSyncSet { subscription, .. }
            | E::GroupsTabSet { subscription, .. }
            | E::UserCreated { subscription, .. }
            | E::UserSuspended { subscription, .. }
            | E::UserActivated { subscription, .. }
            | E::UserRemoved { subscription, .. }
            | E::UserSyncSet { subscription, .. }
            | E::UserMoved { subscription, .. }
            | E::LicenceAssigned { subscription, .. }
            | E::QuotaChanged { subscription, .. }
            | E::LicenceRemoved { subscription, .. }
            | E::UsageRecorded { subscription, .. }
            | E::ActivationRecorded { subscription, .. }
            | E::GroupCreated { subscription, .. }
            | E::GroupRenamed { subscription, .. }
            | E::GroupDeleted { subscription, .. }
            | E::CountersRecomputed { subscription, .. } => Some(subscription),
            E::SubscriptionCreated { .. }
            | E::AdminAssigned { .. }
            | E::ResellerRegistered { .. }
            | E::ResellerCancelled { .. } => None,
        }
    }
}

/// An event of the book: its id (its position in the book's log, from 0), the instant it was
/// decided and what happened (the kernel's [`Event`](crate::log::Event) envelope).
pub type QuotaEvent = crate::log::Event<QuotaEventKind>;
