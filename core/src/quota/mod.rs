//! Quota accounting for a backup service sold by subscription through a hosting control panel.
//!
//! A [`QuotaBook`] holds many subscriptions, the resellers that sell some of them, and the index
//! that keeps every partner email unique. Each subscription has licence and quota pools
//! ([`Limits`]); its users hold licences ([`Licence`]) of a type ([`LicenceType`]) with a quota in
//! GB, and the book keeps the pools exact: no counter ever exceeds its limit.
//!
//! # The model
//! - [`QuotaBook::execute`] checks a [`QuotaCommand`] against the state and returns the
//!   [`QuotaEvent`]s it caused, or a [`QuotaError`] that names the numbers involved and leaves the
//!   book exactly as it was.
//! - [`QuotaBook::apply`] folds one event in (idempotent by event id); [`QuotaBook::replay`] rebuilds
//!   a book from its event log, equal to the book that produced it.
//! - Views: [`QuotaBook::account_view`] (the customer's Account tab), [`QuotaBook::reseller_view`]
//!   (the reseller's customer list in the seed's text format), [`QuotaBook::refresh_report`]
//!   (every counter recomputed from the licences, with any drift).
//! - JSON: [`QuotaBook::to_json`] / [`QuotaBook::from_json`], format kind `keyledger.quota`.
//!
//! # Quantities
//! Licences and GB are `u64`. A limit is `Option<u64>`: `None` is *unlimited*, not a magic number.
//! All arithmetic is checked; an overflow is [`QuotaError::Overflow`]. Bindings that receive signed
//! numbers convert them with [`gb_from_i64`], which refuses negatives with
//! [`QuotaError::Negative`].
//!
//! # Example
//! ```
//! use keyledger::quota::{QuotaBook, QuotaCommand, Limits, LicenceType, SaleModel};
//! use chrono::{TimeZone, Utc};
//!
//! let now = Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap();
//! let mut book = QuotaBook::new();
//! book.execute(QuotaCommand::CreateSubscription {
//!     subscription: "sub-1".into(),
//!     company: "John Doe".into(),
//!     admin_name: "John Doe".into(),
//!     email: "johndoe@example.com".into(),
//!     model: SaleModel::Direct,
//!     limits: Limits::seats_and_gb(10, 100, 10, 100),
//! }, now)?;
//! book.execute(QuotaCommand::CreateUser {
//!     subscription: "sub-1".into(),
//!     login: "first@example.com".into(),
//!     display_name: "First user".into(),
//!     group: None,
//!     licence: Some((LicenceType::Desktop, 10)),
//! }, now)?;
//! let view = book.account_view("sub-1")?;
//! assert_eq!((view.desktop.assigned_licences, view.desktop.assigned_gb), (1, 10));
//!
//! // 95 GB more do not fit in the 100 GB desktop pool: refused, nothing changed.
//! let err = book.execute(QuotaCommand::AssignLicence {
//!     subscription: "sub-1".into(),
//!     login: "first@example.com".into(),
//!     kind: LicenceType::Desktop,
//!     quota_gb: 95,
//! }, now).unwrap_err();
//! assert_eq!(err.code(), "quota.limit_exceeded");
//! assert_eq!(book.account_view("sub-1")?.desktop.assigned_gb, 10);
//! # Ok::<(), keyledger::quota::QuotaError>(())
//! ```

/// A caller-chosen text id (stored and written as the bare string, like `org::AccountId` is its
/// number): `From<&str>`/`From<String>`, shown as the text itself (`Debug` as the quoted text, so
/// a message naming `{id:?}` reads `"sub-1"`), looked up by `&str`.
macro_rules! text_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            #[doc = concat!("The id's text.\n\n```\nlet id = keyledger::quota::", stringify!($name), "::from(\"x-1\");\nassert_eq!(id.as_str(), \"x-1\");\nassert_eq!(id.to_string(), \"x-1\");\n```")]
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                $name(s.to_string())
            }
        }
        impl From<String> for $name {
            fn from(s: String) -> Self {
                $name(s)
            }
        }
        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }
        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }
        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Debug::fmt(&self.0, f)
            }
        }
    };
}

/// A number id given in order by the book (stored and written as the bare number).
macro_rules! number_id {
    ($(#[$meta:meta])* $name:ident($int:ty)) => {
        $(#[$meta])*
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub $int);

        impl $name {
            #[doc = concat!("The id after this one (saturating at the largest).\n\n```\nuse keyledger::quota::", stringify!($name), ";\nassert_eq!(", stringify!($name), "(1).next(), ", stringify!($name), "(2));\n```")]
            pub fn next(self) -> Self {
                $name(self.0.saturating_add(1))
            }
        }
        impl From<$int> for $name {
            fn from(n: $int) -> Self {
                $name(n)
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

mod book;
mod check;
mod events;
mod group;
mod input;
mod licence;
mod partner;
mod subscription;
mod user;
mod views;

pub use crate::log::Applied;
pub use book::{QuotaBook, FORMAT_KIND};
pub use events::{QuotaCommand, QuotaEvent, QuotaEventKind};
pub use group::{Group, GroupId, DEFAULT_GROUP};
pub use licence::{Licence, LicenceId, LicenceType};
pub use partner::{EmailHolder, Reseller, ResellerId};
pub use subscription::{
    Admin, Counters, Limits, SaleModel, StopReason, Subscription, SubscriptionId, TypeCounters,
};
pub use user::{Login, User};
pub use views::{AccountView, CustomerLine, Drift, Gauge, RefreshReport, ResellerView, TypeUsage};

use serde::{Deserialize, Serialize};

/// A pool of a subscription: seats or GB of one licence type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resource {
    /// Desktop licences (seats).
    DesktopLicences,
    /// Server licences (seats).
    ServerLicences,
    /// Desktop quota in GB.
    DesktopGb,
    /// Server quota in GB.
    ServerGb,
}

impl Resource {
    /// The pool's name as the account view shows it.
    ///
    /// ```
    /// # use keyledger::quota::Resource;
    /// assert_eq!(Resource::ServerGb.label(), "server quota (GB)");
    /// ```
    pub fn label(self) -> &'static str {
        match self {
            Resource::DesktopLicences => "desktop licences",
            Resource::ServerLicences => "server licences",
            Resource::DesktopGb => "desktop quota (GB)",
            Resource::ServerGb => "server quota (GB)",
        }
    }
}

impl std::fmt::Display for Resource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// Converts a signed quantity from a binding (Python int, JS number) to GB, refusing negatives.
///
/// # Errors
/// [`QuotaError::Negative`] with the value, if it is below zero.
///
/// ```
/// use keyledger::quota::{gb_from_i64, QuotaError};
/// assert_eq!(gb_from_i64("quota_gb", 25), Ok(25));
/// assert_eq!(
///     gb_from_i64("quota_gb", -5),
///     Err(QuotaError::Negative { field: "quota_gb".into(), value: -5 })
/// );
/// ```
pub fn gb_from_i64(field: &str, value: i64) -> Result<u64, QuotaError> {
    u64::try_from(value).map_err(|_| QuotaError::Negative {
        field: field.to_string(),
        value,
    })
}

crate::error::coded! {
/// Errors of quota accounting. Each names the ids and numbers involved; none changes the book.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize)]
#[non_exhaustive]
pub enum QuotaError {
    /// No subscription has this id.
    #[code = "quota.unknown_subscription"]
    #[error("unknown subscription \"{subscription}\"")]
    UnknownSubscription {
        /// The id asked for.
        subscription: String,
    },
    /// A subscription with this id exists already.
    #[code = "quota.duplicate_subscription"]
    #[error("subscription \"{subscription}\" exists already; choose another id")]
    DuplicateSubscription {
        /// The id in use.
        subscription: String,
    },
    /// No user has this login in the subscription.
    #[code = "quota.unknown_user"]
    #[error("no user with login \"{login}\" in subscription \"{subscription}\"")]
    UnknownUser {
        /// The subscription.
        subscription: String,
        /// The login asked for.
        login: String,
    },
    /// The login is taken in this subscription.
    #[code = "quota.duplicate_login"]
    #[error("login \"{login}\" is already used in subscription \"{subscription}\"; choose another")]
    DuplicateLogin {
        /// The subscription.
        subscription: String,
        /// The login in use.
        login: String,
    },
    /// The user is suspended: activate it first.
    #[code = "quota.user_suspended"]
    #[error(
        "user \"{login}\" of subscription \"{subscription}\" is suspended; activate the user first"
    )]
    UserSuspended {
        /// The subscription.
        subscription: String,
        /// The suspended user.
        login: String,
    },
    /// No group has this id in the subscription.
    #[code = "quota.unknown_group"]
    #[error("no group {group} in subscription \"{subscription}\"")]
    UnknownGroup {
        /// The subscription.
        subscription: String,
        /// The group id asked for.
        group: GroupId,
    },
    /// Another group of the subscription has this name.
    #[code = "quota.duplicate_group_name"]
    #[error("a group named \"{name}\" exists already in subscription \"{subscription}\"")]
    DuplicateGroupName {
        /// The subscription.
        subscription: String,
        /// The name in use.
        name: String,
    },
    /// The `Default` group cannot be renamed or deleted.
    #[code = "quota.default_group_fixed"]
    #[error("the Default group of subscription \"{subscription}\" cannot be renamed or deleted")]
    DefaultGroupFixed {
        /// The subscription.
        subscription: String,
    },
    /// A group that still has users cannot be deleted.
    #[code = "quota.group_not_empty"]
    #[error("group {group} of subscription \"{subscription}\" still has {users} user(s); move them to another group first")]
    GroupNotEmpty {
        /// The subscription.
        subscription: String,
        /// The group.
        group: GroupId,
        /// How many users it still has.
        users: u64,
    },
    /// Groups are managed in the direct-sale model only.
    #[code = "quota.groups_not_available"]
    #[error("subscription \"{subscription}\" is sold by a reseller: user groups are available in the direct-sale model only")]
    GroupsNotAvailable {
        /// The subscription.
        subscription: String,
    },
    /// No licence has this id in the subscription.
    #[code = "quota.unknown_licence"]
    #[error("no licence {licence} in subscription \"{subscription}\"")]
    UnknownLicence {
        /// The subscription.
        subscription: String,
        /// The licence id asked for.
        licence: LicenceId,
    },
    /// A pool has not enough left for the request.
    #[code = "quota.limit_exceeded"]
    #[error("{resource} of subscription \"{subscription}\": {requested} requested but {in_use} of {limit} are in use ({free} free); buy more or free some")]
    LimitExceeded {
        /// The subscription.
        subscription: String,
        /// The pool.
        resource: Resource,
        /// What the operation needs on top of what is in use.
        requested: u64,
        /// What is in use now.
        in_use: u64,
        /// The pool's limit.
        limit: u64,
        /// `limit - in_use`.
        free: u64,
    },
    /// A new limit would be below what is already assigned.
    #[code = "quota.limit_below_assigned"]
    #[error("{resource} of subscription \"{subscription}\" cannot be lowered to {limit}: {assigned} are assigned; free some first")]
    LimitBelowAssigned {
        /// The subscription.
        subscription: String,
        /// The pool.
        resource: Resource,
        /// The limit asked for.
        limit: u64,
        /// What is assigned now.
        assigned: u64,
    },
    /// A licence quota cannot go below what the licence already uses.
    #[code = "quota.quota_below_usage"]
    #[error("licence {licence} of subscription \"{subscription}\" already uses {used_gb} GB; its quota cannot be set to {quota_gb} GB")]
    QuotaBelowUsage {
        /// The subscription.
        subscription: String,
        /// The licence.
        licence: LicenceId,
        /// The quota asked for.
        quota_gb: u64,
        /// What the licence uses.
        used_gb: u64,
    },
    /// A usage report above the licence's quota (the service enforces quotas, so this is inconsistent).
    #[code = "quota.usage_above_quota"]
    #[error("licence {licence} of subscription \"{subscription}\" has a quota of {quota_gb} GB; a usage of {used_gb} GB cannot be recorded")]
    UsageAboveQuota {
        /// The subscription.
        subscription: String,
        /// The licence.
        licence: LicenceId,
        /// The usage reported.
        used_gb: u64,
        /// The licence's quota.
        quota_gb: u64,
    },
    /// A sum would not fit in 64 bits.
    #[code = "quota.overflow"]
    #[error("{resource} of subscription \"{subscription}\": {in_use} + {requested} overflows")]
    Overflow {
        /// The subscription.
        subscription: String,
        /// The pool.
        resource: Resource,
        /// What is in use.
        in_use: u64,
        /// What was added.
        requested: u64,
    },
    /// A quantity from a binding was negative.
    #[code = "quota.negative"]
    #[error("{field} cannot be negative (got {value})")]
    Negative {
        /// Which input.
        field: String,
        /// The value given.
        value: i64,
    },
    /// A text input is empty or too long.
    #[code = "quota.invalid_field"]
    #[error("{field} {reason}")]
    InvalidField {
        /// Which input.
        field: String,
        /// What is wrong with it ("is empty", "is longer than 256 characters", ...).
        reason: String,
    },
    /// The subscription does not offer sync.
    #[code = "quota.sync_not_available"]
    #[error("subscription \"{subscription}\" does not offer sync; upgrade to a plan with sync")]
    SyncNotAvailable {
        /// The subscription.
        subscription: String,
    },
    /// Per-user sync needs sync enabled for the whole subscription.
    #[code = "quota.sync_not_enabled"]
    #[error(
        "sync is disabled for subscription \"{subscription}\"; enable it for the subscription first"
    )]
    SyncNotEnabled {
        /// The subscription.
        subscription: String,
    },
    /// Sync cannot be withdrawn from a subscription while it is enabled.
    #[code = "quota.sync_in_use"]
    #[error("sync is enabled in subscription \"{subscription}\"; disable it before removing sync from the plan")]
    SyncInUse {
        /// The subscription.
        subscription: String,
    },
    /// The email belongs to another partner.
    #[code = "quota.duplicate_email"]
    #[error("email \"{email}\" is already used by {holder}; give another staff member's email")]
    DuplicateEmail {
        /// The email (normalised).
        email: String,
        /// Who holds it.
        holder: EmailHolder,
    },
    /// The subscription waits for an admin email not used by any other partner.
    #[code = "quota.subscription_held"]
    #[error("subscription \"{subscription}\" is not provisioned: email \"{email}\" is in use; assign a staff member with another email")]
    SubscriptionHeld {
        /// The subscription.
        subscription: String,
        /// The email that was in use.
        email: String,
    },
    /// The subscription's reseller cancelled: the subscription no longer works.
    #[code = "quota.subscription_stopped"]
    #[error("subscription \"{subscription}\" is stopped: the partner \"{reseller}\" cancelled its subscription")]
    SubscriptionStopped {
        /// The subscription.
        subscription: String,
        /// The reseller that cancelled.
        reseller: String,
    },
    /// No reseller has this id.
    #[code = "quota.unknown_reseller"]
    #[error("unknown reseller \"{reseller}\"")]
    UnknownReseller {
        /// The id asked for.
        reseller: String,
    },
    /// A reseller with this id exists already.
    #[code = "quota.duplicate_reseller"]
    #[error("reseller \"{reseller}\" exists already; choose another id")]
    DuplicateReseller {
        /// The id in use.
        reseller: String,
    },
    /// The reseller cancelled its subscription.
    #[code = "quota.reseller_cancelled"]
    #[error("reseller \"{reseller}\" has cancelled its subscription")]
    ResellerCancelled {
        /// The reseller.
        reseller: String,
    },
    /// An event id was applied before with a different payload.
    #[code = "quota.event_conflict"]
    #[error("event {id} was already applied with a different payload")]
    EventConflict {
        /// The event id.
        id: u64,
    },
    /// An event arrived out of order: events are applied in id order, without gaps.
    #[code = "quota.event_gap"]
    #[error("event {found} cannot be applied: the next event is {expected}")]
    EventGap {
        /// The id the book expects next.
        expected: u64,
        /// The id given.
        found: u64,
    },
    /// An event id applied before whose payload the book no longer has (any event before a
    /// version-1 document was loaded): it can be told neither from a duplicate nor a conflict.
    #[code = "quota.event_too_old"]
    #[error("event {id} was applied before, but its payload is older than the book keeps (it checks from event {oldest}): it can be told neither from a duplicate nor from a conflict, and nothing was changed")]
    EventTooOld {
        /// The event id.
        id: u64,
        /// The oldest id the book can check.
        oldest: u64,
    },
    /// An event from outside that does not fit the book (it names a subscription, user, licence,
    /// group or reseller the book does not have, or creates one it has).
    #[code = "quota.invalid_event"]
    #[error("event {id} does not fit this quota book: {reason}")]
    InvalidEvent {
        /// The event id.
        id: u64,
        /// What does not fit.
        reason: String,
    },
}
}

impl From<crate::log::LogError> for QuotaError {
    fn from(e: crate::log::LogError) -> Self {
        use crate::log::LogError as L;
        match e {
            L::Conflict { id } => QuotaError::EventConflict { id },
            L::Gap { expected, found } => QuotaError::EventGap { expected, found },
            L::TooOld { id, oldest } => QuotaError::EventTooOld { id, oldest },
        }
    }
}

impl QuotaError {}
