//! The aggregate: commands (decide), events (evolve), replay and the stored format.

use super::partner::normalise_email;
use super::subscription::sorted_map as sorted;
use super::{
    Admin, Counters, EmailHolder, Group, GroupId, Licence, LicenceId, LicenceType, Limits,
    QuotaError, Reseller, Resource, SaleModel, StopReason, Subscription, User, DEFAULT_GROUP,
};
use crate::format::{self, FormatError};
use crate::log::{self, Aggregate, Applied, Log};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The format kind of a stored quota book (see [`crate::format`]).
pub const FORMAT_KIND: &str = "keyledger.quota";

/// Longest text input accepted (ids, names, logins, emails), in characters.
const MAX_TEXT: usize = 256;

/// What a caller asks the book to do. Every command is checked against the state first.
///
/// Asking for the state something is already in (suspending a suspended user, enabling sync that
/// is enabled, reporting the same usage again) is not an error: it returns no events.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum QuotaCommand {
    /// A subscription is bought. If `email` is in use by another partner, the subscription is
    /// created but held (not provisioned) until [`QuotaCommand::AssignAdmin`] gives a free email.
    CreateSubscription {
        /// New subscription id.
        subscription: String,
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
        subscription: String,
        /// Staff member's name.
        admin_name: String,
        /// Staff member's email, not used by any other partner.
        email: String,
    },
    /// An upgrade (or downgrade) of the limits; no limit may go below what is assigned.
    ChangeLimits {
        /// Subscription.
        subscription: String,
        /// The new limits.
        limits: Limits,
    },
    /// Enables or disables sync for the whole subscription (disabling turns it off for every user).
    SetSubscriptionSync {
        /// Subscription.
        subscription: String,
        /// On or off.
        enabled: bool,
    },
    /// Hides or shows the groups tab (direct sale only).
    SetGroupsTab {
        /// Subscription.
        subscription: String,
        /// Shown or hidden.
        visible: bool,
    },
    /// Creates a user, optionally with a first licence ("Add User and License").
    CreateUser {
        /// Subscription.
        subscription: String,
        /// Login, unique in the subscription.
        login: String,
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
        subscription: String,
        /// User.
        login: String,
    },
    /// Activates a suspended user again.
    ActivateUser {
        /// Subscription.
        subscription: String,
        /// User.
        login: String,
    },
    /// Removes a user (not while suspended), freeing all its licences.
    RemoveUser {
        /// Subscription.
        subscription: String,
        /// User.
        login: String,
    },
    /// Enables or disables sync for one user (enabling needs sync on for the subscription).
    SetUserSync {
        /// Subscription.
        subscription: String,
        /// User.
        login: String,
        /// On or off.
        enabled: bool,
    },
    /// Moves a user to an existing group (direct sale only).
    MoveUser {
        /// Subscription.
        subscription: String,
        /// User.
        login: String,
        /// Target group.
        group: GroupId,
    },
    /// Gives a user a licence with a quota; needs a free seat and free GB.
    AssignLicence {
        /// Subscription.
        subscription: String,
        /// User.
        login: String,
        /// Desktop or server.
        kind: LicenceType,
        /// Quota in GB.
        quota_gb: u64,
    },
    /// Changes a licence's quota, within the pool and not below its usage.
    ChangeQuota {
        /// Subscription.
        subscription: String,
        /// Licence.
        licence: LicenceId,
        /// New quota in GB.
        quota_gb: u64,
    },
    /// Removes a licence, freeing its seat and quota.
    RemoveLicence {
        /// Subscription.
        subscription: String,
        /// Licence.
        licence: LicenceId,
    },
    /// The service reports a licence's usage.
    RecordUsage {
        /// Subscription.
        subscription: String,
        /// Licence.
        licence: LicenceId,
        /// GB in use (at most the licence's quota).
        used_gb: u64,
    },
    /// The service reports a licence activated (or deactivated) on a machine.
    RecordActivation {
        /// Subscription.
        subscription: String,
        /// Licence.
        licence: LicenceId,
        /// Activated or not.
        activated: bool,
    },
    /// Creates a user group (direct sale only).
    CreateGroup {
        /// Subscription.
        subscription: String,
        /// Name, unique in the subscription.
        name: String,
    },
    /// Renames a group (not `Default`).
    RenameGroup {
        /// Subscription.
        subscription: String,
        /// Group.
        group: GroupId,
        /// New name.
        name: String,
    },
    /// Deletes an empty group (not `Default`); a group with users is refused.
    DeleteGroup {
        /// Subscription.
        subscription: String,
        /// Group.
        group: GroupId,
    },
    /// Recomputes the counters from the licences; records an event only if they drifted.
    Refresh {
        /// Subscription.
        subscription: String,
    },
    /// Registers a reseller.
    RegisterReseller {
        /// New reseller id.
        reseller: String,
        /// Display name.
        name: String,
        /// Login email, not used by any other partner.
        email: String,
    },
    /// The reseller cancels its own subscription: its customers' subscriptions stop working.
    CancelReseller {
        /// Reseller.
        reseller: String,
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
        subscription: String,
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
        subscription: String,
        /// The admin (email normalised).
        admin: Admin,
    },
    /// Limits changed.
    LimitsChanged {
        /// Subscription.
        subscription: String,
        /// New limits.
        limits: Limits,
    },
    /// Subscription-wide sync switched.
    SubscriptionSyncSet {
        /// Subscription.
        subscription: String,
        /// On or off.
        enabled: bool,
    },
    /// Groups tab shown or hidden.
    GroupsTabSet {
        /// Subscription.
        subscription: String,
        /// Shown.
        visible: bool,
    },
    /// A user was created.
    UserCreated {
        /// Subscription.
        subscription: String,
        /// Login.
        login: String,
        /// Display name.
        display_name: String,
        /// Group.
        group: GroupId,
    },
    /// A user was suspended.
    UserSuspended {
        /// Subscription.
        subscription: String,
        /// User.
        login: String,
    },
    /// A user was activated.
    UserActivated {
        /// Subscription.
        subscription: String,
        /// User.
        login: String,
    },
    /// A user was removed with all its licences.
    UserRemoved {
        /// Subscription.
        subscription: String,
        /// User.
        login: String,
    },
    /// A user's sync switched.
    UserSyncSet {
        /// Subscription.
        subscription: String,
        /// User.
        login: String,
        /// On or off.
        enabled: bool,
    },
    /// A user moved to another group.
    UserMoved {
        /// Subscription.
        subscription: String,
        /// User.
        login: String,
        /// New group.
        group: GroupId,
    },
    /// A licence was assigned.
    LicenceAssigned {
        /// Subscription.
        subscription: String,
        /// The new licence's id.
        licence: LicenceId,
        /// User.
        login: String,
        /// Type.
        kind: LicenceType,
        /// Quota in GB.
        quota_gb: u64,
    },
    /// A licence's quota changed.
    QuotaChanged {
        /// Subscription.
        subscription: String,
        /// Licence.
        licence: LicenceId,
        /// New quota in GB.
        quota_gb: u64,
    },
    /// A licence was removed.
    LicenceRemoved {
        /// Subscription.
        subscription: String,
        /// Licence.
        licence: LicenceId,
    },
    /// Usage was reported.
    UsageRecorded {
        /// Subscription.
        subscription: String,
        /// Licence.
        licence: LicenceId,
        /// GB in use.
        used_gb: u64,
    },
    /// Activation was reported.
    ActivationRecorded {
        /// Subscription.
        subscription: String,
        /// Licence.
        licence: LicenceId,
        /// Activated or not.
        activated: bool,
    },
    /// A group was created.
    GroupCreated {
        /// Subscription.
        subscription: String,
        /// The new group's id.
        group: GroupId,
        /// Name.
        name: String,
    },
    /// A group was renamed.
    GroupRenamed {
        /// Subscription.
        subscription: String,
        /// Group.
        group: GroupId,
        /// New name.
        name: String,
    },
    /// A group was deleted.
    GroupDeleted {
        /// Subscription.
        subscription: String,
        /// Group.
        group: GroupId,
    },
    /// A refresh found drift and replaced the stored counters.
    CountersRecomputed {
        /// Subscription.
        subscription: String,
        /// The stored counters before.
        before: Counters,
        /// The counters recomputed from the licences.
        after: Counters,
    },
    /// A reseller was registered.
    ResellerRegistered {
        /// Id.
        reseller: String,
        /// Name.
        name: String,
        /// Email (normalised).
        email: String,
    },
    /// A reseller cancelled; its customers' subscriptions stopped.
    ResellerCancelled {
        /// Reseller.
        reseller: String,
    },
}

/// An event of the book: its id (its position in the book's log, from 0), the instant it was
/// decided and what happened (the kernel's [`Event`](crate::log::Event) envelope).
pub type QuotaEvent = crate::log::Event<QuotaEventKind>;

/// The events one command causes: none, one, or two (a user created with a licence).
struct Kinds(Option<QuotaEventKind>, Option<QuotaEventKind>);

/// Many subscriptions, the resellers that sell them and the partner email index.
///
/// ```
/// use keyledger::quota::{QuotaBook, QuotaCommand, Limits, SaleModel};
/// # use chrono::{TimeZone, Utc};
/// # let now = Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap();
/// let mut book = QuotaBook::new();
/// let events = book.execute(QuotaCommand::CreateSubscription {
///     subscription: "s1".into(), company: "ACME".into(), admin_name: "Ann".into(),
///     email: "ann@acme.test".into(), model: SaleModel::Direct, limits: Limits::unlimited(0),
/// }, now)?;
/// assert_eq!(QuotaBook::replay(&events)?, book);
/// # Ok::<(), keyledger::quota::QuotaError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotaBook {
    #[serde(serialize_with = "sorted")]
    pub(crate) subscriptions: HashMap<String, Subscription>,
    #[serde(serialize_with = "sorted")]
    pub(crate) resellers: HashMap<String, Reseller>,
    /// Normalised partner email → holder.
    #[serde(serialize_with = "sorted")]
    pub(crate) emails: HashMap<String, EmailHolder>,
    /// The event log: the next id and the fingerprint of every event (all are kept).
    pub(super) log: Log,
}

impl Default for QuotaBook {
    fn default() -> Self {
        QuotaBook {
            subscriptions: HashMap::new(),
            resellers: HashMap::new(),
            emails: HashMap::new(),
            log: Log::with_window(0),
        }
    }
}

fn invalid(field: &str, reason: &str) -> QuotaError {
    QuotaError::InvalidField {
        field: field.to_string(),
        reason: reason.to_string(),
    }
}

/// Checks a text input: not empty, no surrounding spaces, no control characters, not too long.
fn check_text(field: &str, value: &str) -> Result<(), QuotaError> {
    if value.trim().is_empty() {
        return Err(invalid(field, "is empty"));
    }
    if value.trim() != value {
        return Err(invalid(field, "has leading or trailing spaces"));
    }
    if value.chars().any(char::is_control) {
        return Err(invalid(field, "contains control characters"));
    }
    if value.chars().count() > MAX_TEXT {
        return Err(invalid(field, "is longer than 256 characters"));
    }
    Ok(())
}

/// Checks and normalises an email (trimmed, ASCII lower case, `local@domain`).
fn check_email(email: &str) -> Result<String, QuotaError> {
    let norm = normalise_email(email);
    check_text("email", &norm)?;
    match norm.split_once('@') {
        Some((local, domain))
            if !local.is_empty() && !domain.is_empty() && !domain.contains('@') =>
        {
            Ok(norm)
        }
        _ => Err(invalid("email", "is not of the form name@domain")),
    }
}

fn seats(kind: LicenceType) -> Resource {
    match kind {
        LicenceType::Desktop => Resource::DesktopLicences,
        LicenceType::Server => Resource::ServerLicences,
    }
}

fn gb(kind: LicenceType) -> Resource {
    match kind {
        LicenceType::Desktop => Resource::DesktopGb,
        LicenceType::Server => Resource::ServerGb,
    }
}

/// Checks that `requested` more fit in a pool.
fn check_pool(sub: &Subscription, resource: Resource, requested: u64) -> Result<(), QuotaError> {
    let in_use = sub.counters.in_use(resource);
    let total = in_use
        .checked_add(requested)
        .ok_or_else(|| QuotaError::Overflow {
            subscription: sub.id.clone(),
            resource,
            in_use,
            requested,
        })?;
    match sub.limits.limit(resource) {
        Some(limit) if total > limit => Err(QuotaError::LimitExceeded {
            subscription: sub.id.clone(),
            resource,
            requested,
            in_use,
            limit,
            free: limit.saturating_sub(in_use),
        }),
        _ => Ok(()),
    }
}

fn check_assign(sub: &Subscription, kind: LicenceType, quota_gb: u64) -> Result<(), QuotaError> {
    check_pool(sub, seats(kind), 1)?;
    check_pool(sub, gb(kind), quota_gb)
}

fn direct_only(sub: &Subscription) -> Result<(), QuotaError> {
    match sub.model {
        SaleModel::Direct => Ok(()),
        SaleModel::Reseller(_) => Err(QuotaError::GroupsNotAvailable {
            subscription: sub.id.clone(),
        }),
    }
}

fn user<'a>(sub: &'a Subscription, login: &str) -> Result<&'a User, QuotaError> {
    sub.users.get(login).ok_or_else(|| QuotaError::UnknownUser {
        subscription: sub.id.clone(),
        login: login.to_string(),
    })
}

fn active_user<'a>(sub: &'a Subscription, login: &str) -> Result<&'a User, QuotaError> {
    let u = user(sub, login)?;
    if u.suspended {
        return Err(QuotaError::UserSuspended {
            subscription: sub.id.clone(),
            login: login.to_string(),
        });
    }
    Ok(u)
}

fn licence(sub: &Subscription, id: LicenceId) -> Result<&Licence, QuotaError> {
    sub.licences
        .get(&id)
        .ok_or_else(|| QuotaError::UnknownLicence {
            subscription: sub.id.clone(),
            licence: id,
        })
}

/// A licence whose user may be managed (exists and is not suspended). Licences always belong to an
/// existing user, so the user lookup is needed only while some user is suspended.
fn managed_licence(sub: &Subscription, id: LicenceId) -> Result<&Licence, QuotaError> {
    let l = licence(sub, id)?;
    if sub.counters.suspended_users > 0 {
        active_user(sub, &l.login)?;
    }
    Ok(l)
}

fn group_exists(sub: &Subscription, group: GroupId) -> Result<(), QuotaError> {
    match sub.group(group) {
        Some(_) => Ok(()),
        None => Err(QuotaError::UnknownGroup {
            subscription: sub.id.clone(),
            group,
        }),
    }
}

fn check_group_name(
    sub: &Subscription,
    name: &str,
    except: Option<GroupId>,
) -> Result<(), QuotaError> {
    check_text("group name", name)?;
    let taken = sub
        .groups
        .iter()
        .any(|g| Some(g.id) != except && g.name.to_lowercase() == name.to_lowercase());
    if taken {
        return Err(QuotaError::DuplicateGroupName {
            subscription: sub.id.clone(),
            name: name.to_string(),
        });
    }
    Ok(())
}

fn not_default(sub: &Subscription, group: GroupId) -> Result<(), QuotaError> {
    if group == DEFAULT_GROUP {
        return Err(QuotaError::DefaultGroupFixed {
            subscription: sub.id.clone(),
        });
    }
    Ok(())
}

impl QuotaBook {
    /// An empty book.
    ///
    /// ```
    /// let book = keyledger::quota::QuotaBook::new();
    /// assert_eq!(book.next_event_id(), 0);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// The id the next event gets (= how many events the book has applied).
    ///
    /// ```
    /// assert_eq!(keyledger::quota::QuotaBook::new().next_event_id(), 0);
    /// ```
    pub fn next_event_id(&self) -> u64 {
        self.log.next_id()
    }

    /// A subscription by id.
    ///
    /// ```
    /// assert!(keyledger::quota::QuotaBook::new().subscription("nope").is_none());
    /// ```
    pub fn subscription(&self, id: &str) -> Option<&Subscription> {
        self.subscriptions.get(id)
    }

    /// The ids of all subscriptions, sorted.
    ///
    /// ```
    /// assert!(keyledger::quota::QuotaBook::new().subscription_ids().is_empty());
    /// ```
    pub fn subscription_ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self.subscriptions.keys().map(String::as_str).collect();
        ids.sort_unstable();
        ids
    }

    /// A reseller by id.
    ///
    /// ```
    /// assert!(keyledger::quota::QuotaBook::new().reseller("nope").is_none());
    /// ```
    pub fn reseller(&self, id: &str) -> Option<&Reseller> {
        self.resellers.get(id)
    }

    /// Who holds a partner email (compared trimmed and ASCII case-insensitively).
    ///
    /// ```
    /// assert!(keyledger::quota::QuotaBook::new().email_holder("a@b.c").is_none());
    /// ```
    pub fn email_holder(&self, email: &str) -> Option<&EmailHolder> {
        self.emails.get(&normalise_email(email))
    }

    fn sub(&self, id: &str) -> Result<&Subscription, QuotaError> {
        self.subscriptions
            .get(id)
            .ok_or_else(|| QuotaError::UnknownSubscription {
                subscription: id.to_string(),
            })
    }

    /// A subscription that exists and is not stopped.
    fn running_sub(&self, id: &str) -> Result<&Subscription, QuotaError> {
        let sub = self.sub(id)?;
        if let Some(StopReason::PartnerCancelled { reseller }) = &sub.stopped {
            return Err(QuotaError::SubscriptionStopped {
                subscription: id.to_string(),
                reseller: reseller.clone(),
            });
        }
        Ok(sub)
    }

    /// A subscription that exists, is not stopped and is provisioned.
    fn active_sub(&self, id: &str) -> Result<&Subscription, QuotaError> {
        let sub = self.running_sub(id)?;
        if sub.admin.is_none() {
            return Err(QuotaError::SubscriptionHeld {
                subscription: id.to_string(),
                email: sub.requested_admin.email.clone(),
            });
        }
        Ok(sub)
    }

    /// Checks a command against the book and returns the events it would cause, without changing
    /// anything. Event ids continue from [`next_event_id`](Self::next_event_id).
    ///
    /// # Errors
    /// A [`QuotaError`] naming the ids and numbers involved (unknown ids, duplicates, limits,
    /// suspended users, stopped or held subscriptions, invalid text).
    ///
    /// ```
    /// use keyledger::quota::{QuotaBook, QuotaCommand};
    /// # use chrono::{TimeZone, Utc};
    /// let book = QuotaBook::new();
    /// let err = book.decide(&QuotaCommand::Refresh { subscription: "x".into() },
    ///     Utc.timestamp_opt(0, 0).unwrap()).unwrap_err();
    /// assert_eq!(err.code(), "quota.unknown_subscription");
    /// ```
    pub fn decide(
        &self,
        command: &QuotaCommand,
        now: DateTime<Utc>,
    ) -> Result<Vec<QuotaEvent>, QuotaError> {
        Ok(log::decide(self, command, now)?.events)
    }

    /// Decides a command and applies its events: the book changes only if the command is valid.
    ///
    /// # Errors
    /// As [`decide`](Self::decide); on error the book is exactly as it was.
    ///
    /// ```
    /// use keyledger::quota::{QuotaBook, QuotaCommand};
    /// # use chrono::{TimeZone, Utc};
    /// let mut book = QuotaBook::new();
    /// let events = book.execute(QuotaCommand::RegisterReseller {
    ///     reseller: "r1".into(), name: "Reseller".into(), email: "Res@Example.com".into(),
    /// }, Utc.timestamp_opt(0, 0).unwrap())?;
    /// assert_eq!(events.len(), 1);
    /// assert_eq!(book.reseller("r1").unwrap().email, "res@example.com");
    /// # Ok::<(), keyledger::quota::QuotaError>(())
    /// ```
    pub fn execute(
        &mut self,
        command: QuotaCommand,
        now: DateTime<Utc>,
    ) -> Result<Vec<QuotaEvent>, QuotaError> {
        Ok(log::execute(self, &command, now)?.events)
    }

    /// Applies one event (from this book's log or another copy's), by the kernel's protocol
    /// ([`log::apply`]): an id applied before with the same payload is a no-op
    /// ([`Applied::Duplicate`]); an event from outside must fit the book (refer to subscriptions,
    /// users, licences, groups and resellers it has, and give the next ids of what it creates).
    ///
    /// # Errors
    /// [`QuotaError::EventConflict`] if the id was applied with another payload;
    /// [`QuotaError::EventGap`] if the id is beyond the next one; [`QuotaError::InvalidEvent`]
    /// for an event that does not fit. The book is unchanged on error.
    ///
    /// ```
    /// use keyledger::quota::{QuotaBook, QuotaCommand, Applied};
    /// # use chrono::{TimeZone, Utc};
    /// let mut source = QuotaBook::new();
    /// let events = source.execute(QuotaCommand::RegisterReseller {
    ///     reseller: "r1".into(), name: "R".into(), email: "r@x.test".into(),
    /// }, Utc.timestamp_opt(0, 0).unwrap())?;
    /// let mut copy = QuotaBook::new();
    /// assert_eq!(copy.apply(&events[0])?, Applied::New);
    /// assert_eq!(copy.apply(&events[0])?, Applied::Duplicate);
    /// assert_eq!(copy, source);
    /// # Ok::<(), keyledger::quota::QuotaError>(())
    /// ```
    pub fn apply(&mut self, event: &QuotaEvent) -> Result<Applied, QuotaError> {
        log::apply(self, event)
    }

    /// Rebuilds a book from its event log.
    ///
    /// # Errors
    /// As [`apply`](Self::apply), for the first event refused.
    ///
    /// ```
    /// use keyledger::quota::QuotaBook;
    /// assert_eq!(QuotaBook::replay(&[])?, QuotaBook::new());
    /// # Ok::<(), keyledger::quota::QuotaError>(())
    /// ```
    pub fn replay(events: &[QuotaEvent]) -> Result<Self, QuotaError> {
        log::replay(Self::new(), events)
    }

    /// Writes the book as a versioned JSON document (kind [`FORMAT_KIND`]); maps are written in
    /// key order, so the same book always gives the same text.
    ///
    /// # Errors
    /// [`FormatError::Write`] (not expected for a book).
    ///
    /// ```
    /// use keyledger::quota::QuotaBook;
    /// let text = QuotaBook::new().to_json()?;
    /// assert!(text.starts_with(r#"{"format":"keyledger.quota","version":2"#));
    /// assert_eq!(QuotaBook::from_json(&text)?, QuotaBook::new());
    /// # Ok::<(), keyledger::format::FormatError>(())
    /// ```
    pub fn to_json(&self) -> Result<String, FormatError> {
        format::to_json(FORMAT_KIND, self)
    }

    /// Reads a book written by [`to_json`](Self::to_json) (this version or an earlier one), and
    /// checks that what it read holds together (ids match their keys, every licence has its user,
    /// every user its group, every reseller customer its subscription, ...).
    ///
    /// # Errors
    /// [`FormatError::Corrupt`] (also for a book whose references do not hold),
    /// [`FormatError::WrongFormat`], [`FormatError::FutureVersion`].
    ///
    /// ```
    /// use keyledger::quota::QuotaBook;
    /// assert_eq!(QuotaBook::from_json("{").unwrap_err().code(), "format.corrupt");
    /// ```
    pub fn from_json(text: &str) -> Result<Self, FormatError> {
        let book: QuotaBook = format::from_json_migrating(FORMAT_KIND, text, migrate_v1)?;
        book.validate().map_err(|message| FormatError::Corrupt {
            line: 0,
            column: 0,
            message,
        })?;
        Ok(book)
    }

    fn decide_kinds(&self, command: &QuotaCommand) -> Result<Kinds, QuotaError> {
        use QuotaCommand as C;
        use QuotaEventKind as E;
        let one = |e: E| Ok(Kinds(Some(e), None));
        match command {
            C::CreateSubscription {
                subscription,
                company,
                admin_name,
                email,
                model,
                limits,
            } => {
                check_text("subscription id", subscription)?;
                if self.subscriptions.contains_key(subscription) {
                    return Err(QuotaError::DuplicateSubscription {
                        subscription: subscription.clone(),
                    });
                }
                check_text("company", company)?;
                check_text("admin name", admin_name)?;
                let email = check_email(email)?;
                if let SaleModel::Reseller(r) = model {
                    let reseller =
                        self.resellers
                            .get(r)
                            .ok_or_else(|| QuotaError::UnknownReseller {
                                reseller: r.clone(),
                            })?;
                    if reseller.cancelled {
                        return Err(QuotaError::ResellerCancelled {
                            reseller: r.clone(),
                        });
                    }
                }
                let provisioned = !self.emails.contains_key(&email);
                one(E::SubscriptionCreated {
                    subscription: subscription.clone(),
                    company: company.clone(),
                    model: model.clone(),
                    limits: limits.clone(),
                    requested_admin: Admin {
                        name: admin_name.clone(),
                        email,
                    },
                    provisioned,
                })
            }
            C::AssignAdmin {
                subscription,
                admin_name,
                email,
            } => {
                let sub = self.running_sub(subscription)?;
                check_text("admin name", admin_name)?;
                let email = check_email(email)?;
                match self.emails.get(&email) {
                    Some(EmailHolder::Subscription(s)) if s == subscription => {}
                    Some(holder) => {
                        return Err(QuotaError::DuplicateEmail {
                            email,
                            holder: holder.clone(),
                        })
                    }
                    None => {}
                }
                let admin = Admin {
                    name: admin_name.clone(),
                    email,
                };
                if sub.admin.as_ref() == Some(&admin) {
                    return Ok(Kinds(None, None));
                }
                one(E::AdminAssigned {
                    subscription: subscription.clone(),
                    admin,
                })
            }
            C::ChangeLimits {
                subscription,
                limits,
            } => {
                let sub = self.active_sub(subscription)?;
                for resource in [
                    Resource::DesktopLicences,
                    Resource::ServerLicences,
                    Resource::DesktopGb,
                    Resource::ServerGb,
                ] {
                    let assigned = sub.counters.in_use(resource);
                    if let Some(limit) = limits.limit(resource) {
                        if limit < assigned {
                            return Err(QuotaError::LimitBelowAssigned {
                                subscription: subscription.clone(),
                                resource,
                                limit,
                                assigned,
                            });
                        }
                    }
                }
                if sub.sync_enabled && !limits.sync_available {
                    return Err(QuotaError::SyncInUse {
                        subscription: subscription.clone(),
                    });
                }
                if &sub.limits == limits {
                    return Ok(Kinds(None, None));
                }
                one(E::LimitsChanged {
                    subscription: subscription.clone(),
                    limits: limits.clone(),
                })
            }
            C::SetSubscriptionSync {
                subscription,
                enabled,
            } => {
                let sub = self.active_sub(subscription)?;
                if *enabled && !sub.limits.sync_available {
                    return Err(QuotaError::SyncNotAvailable {
                        subscription: subscription.clone(),
                    });
                }
                if sub.sync_enabled == *enabled {
                    return Ok(Kinds(None, None));
                }
                one(E::SubscriptionSyncSet {
                    subscription: subscription.clone(),
                    enabled: *enabled,
                })
            }
            C::SetGroupsTab {
                subscription,
                visible,
            } => {
                let sub = self.active_sub(subscription)?;
                direct_only(sub)?;
                if sub.groups_tab_visible == *visible {
                    return Ok(Kinds(None, None));
                }
                one(E::GroupsTabSet {
                    subscription: subscription.clone(),
                    visible: *visible,
                })
            }
            C::CreateUser {
                subscription,
                login,
                display_name,
                group,
                licence,
            } => {
                let sub = self.active_sub(subscription)?;
                check_text("login", login)?;
                if sub.users.contains_key(login) {
                    return Err(QuotaError::DuplicateLogin {
                        subscription: subscription.clone(),
                        login: login.clone(),
                    });
                }
                check_text("display name", display_name)?;
                let group = group.unwrap_or(DEFAULT_GROUP);
                if group != DEFAULT_GROUP {
                    direct_only(sub)?;
                    group_exists(sub, group)?;
                }
                let created = E::UserCreated {
                    subscription: subscription.clone(),
                    login: login.clone(),
                    display_name: display_name.clone(),
                    group,
                };
                let mut second = None;
                if let Some((kind, quota_gb)) = *licence {
                    check_assign(sub, kind, quota_gb)?;
                    second = Some(E::LicenceAssigned {
                        subscription: subscription.clone(),
                        licence: sub.next_licence,
                        login: login.clone(),
                        kind,
                        quota_gb,
                    });
                }
                Ok(Kinds(Some(created), second))
            }
            C::SuspendUser {
                subscription,
                login,
            } => {
                let sub = self.active_sub(subscription)?;
                if user(sub, login)?.suspended {
                    return Ok(Kinds(None, None));
                }
                one(E::UserSuspended {
                    subscription: subscription.clone(),
                    login: login.clone(),
                })
            }
            C::ActivateUser {
                subscription,
                login,
            } => {
                let sub = self.active_sub(subscription)?;
                if !user(sub, login)?.suspended {
                    return Ok(Kinds(None, None));
                }
                one(E::UserActivated {
                    subscription: subscription.clone(),
                    login: login.clone(),
                })
            }
            C::RemoveUser {
                subscription,
                login,
            } => {
                let sub = self.active_sub(subscription)?;
                active_user(sub, login)?;
                one(E::UserRemoved {
                    subscription: subscription.clone(),
                    login: login.clone(),
                })
            }
            C::SetUserSync {
                subscription,
                login,
                enabled,
            } => {
                let sub = self.active_sub(subscription)?;
                let u = active_user(sub, login)?;
                if *enabled && !sub.sync_enabled {
                    return Err(QuotaError::SyncNotEnabled {
                        subscription: subscription.clone(),
                    });
                }
                if u.sync == *enabled {
                    return Ok(Kinds(None, None));
                }
                one(E::UserSyncSet {
                    subscription: subscription.clone(),
                    login: login.clone(),
                    enabled: *enabled,
                })
            }
            C::MoveUser {
                subscription,
                login,
                group,
            } => {
                let sub = self.active_sub(subscription)?;
                direct_only(sub)?;
                let u = active_user(sub, login)?;
                group_exists(sub, *group)?;
                if u.group == *group {
                    return Ok(Kinds(None, None));
                }
                one(E::UserMoved {
                    subscription: subscription.clone(),
                    login: login.clone(),
                    group: *group,
                })
            }
            C::AssignLicence {
                subscription,
                login,
                kind,
                quota_gb,
            } => {
                let sub = self.active_sub(subscription)?;
                active_user(sub, login)?;
                check_assign(sub, *kind, *quota_gb)?;
                one(E::LicenceAssigned {
                    subscription: subscription.clone(),
                    licence: sub.next_licence,
                    login: login.clone(),
                    kind: *kind,
                    quota_gb: *quota_gb,
                })
            }
            C::ChangeQuota {
                subscription,
                licence,
                quota_gb,
            } => {
                let sub = self.active_sub(subscription)?;
                let l = managed_licence(sub, *licence)?;
                if *quota_gb < l.used_gb {
                    return Err(QuotaError::QuotaBelowUsage {
                        subscription: subscription.clone(),
                        licence: *licence,
                        quota_gb: *quota_gb,
                        used_gb: l.used_gb,
                    });
                }
                if *quota_gb == l.quota_gb {
                    return Ok(Kinds(None, None));
                }
                if *quota_gb > l.quota_gb {
                    check_pool(sub, gb(l.kind), quota_gb - l.quota_gb)?;
                }
                one(E::QuotaChanged {
                    subscription: subscription.clone(),
                    licence: *licence,
                    quota_gb: *quota_gb,
                })
            }
            C::RemoveLicence {
                subscription,
                licence,
            } => {
                let sub = self.active_sub(subscription)?;
                managed_licence(sub, *licence)?;
                one(E::LicenceRemoved {
                    subscription: subscription.clone(),
                    licence: *licence,
                })
            }
            C::RecordUsage {
                subscription,
                licence: id,
                used_gb,
            } => {
                let sub = self.active_sub(subscription)?;
                let l = licence(sub, *id)?;
                if *used_gb > l.quota_gb {
                    return Err(QuotaError::UsageAboveQuota {
                        subscription: subscription.clone(),
                        licence: *id,
                        used_gb: *used_gb,
                        quota_gb: l.quota_gb,
                    });
                }
                if *used_gb == l.used_gb {
                    return Ok(Kinds(None, None));
                }
                one(E::UsageRecorded {
                    subscription: subscription.clone(),
                    licence: *id,
                    used_gb: *used_gb,
                })
            }
            C::RecordActivation {
                subscription,
                licence: id,
                activated,
            } => {
                let sub = self.active_sub(subscription)?;
                if licence(sub, *id)?.activated == *activated {
                    return Ok(Kinds(None, None));
                }
                one(E::ActivationRecorded {
                    subscription: subscription.clone(),
                    licence: *id,
                    activated: *activated,
                })
            }
            C::CreateGroup { subscription, name } => {
                let sub = self.active_sub(subscription)?;
                direct_only(sub)?;
                check_group_name(sub, name, None)?;
                if sub.next_group == GroupId::MAX {
                    return Err(invalid(
                        "group",
                        "cannot be created: every group id is used",
                    ));
                }
                one(E::GroupCreated {
                    subscription: subscription.clone(),
                    group: sub.next_group,
                    name: name.clone(),
                })
            }
            C::RenameGroup {
                subscription,
                group,
                name,
            } => {
                let sub = self.active_sub(subscription)?;
                direct_only(sub)?;
                group_exists(sub, *group)?;
                not_default(sub, *group)?;
                check_group_name(sub, name, Some(*group))?;
                if sub.group(*group).is_some_and(|g| &g.name == name) {
                    return Ok(Kinds(None, None));
                }
                one(E::GroupRenamed {
                    subscription: subscription.clone(),
                    group: *group,
                    name: name.clone(),
                })
            }
            C::DeleteGroup {
                subscription,
                group,
            } => {
                let sub = self.active_sub(subscription)?;
                direct_only(sub)?;
                group_exists(sub, *group)?;
                not_default(sub, *group)?;
                let users = sub.users.values().filter(|u| u.group == *group).count();
                if users > 0 {
                    return Err(QuotaError::GroupNotEmpty {
                        subscription: subscription.clone(),
                        group: *group,
                        users: u64::try_from(users).unwrap_or(u64::MAX),
                    });
                }
                one(E::GroupDeleted {
                    subscription: subscription.clone(),
                    group: *group,
                })
            }
            C::Refresh { subscription } => {
                let sub = self.sub(subscription)?;
                let after = sub.recompute_counters();
                if after == sub.counters {
                    return Ok(Kinds(None, None));
                }
                one(E::CountersRecomputed {
                    subscription: subscription.clone(),
                    before: sub.counters,
                    after,
                })
            }
            C::RegisterReseller {
                reseller,
                name,
                email,
            } => {
                check_text("reseller id", reseller)?;
                if self.resellers.contains_key(reseller) {
                    return Err(QuotaError::DuplicateReseller {
                        reseller: reseller.clone(),
                    });
                }
                check_text("reseller name", name)?;
                let email = check_email(email)?;
                if let Some(holder) = self.emails.get(&email) {
                    return Err(QuotaError::DuplicateEmail {
                        email,
                        holder: holder.clone(),
                    });
                }
                one(E::ResellerRegistered {
                    reseller: reseller.clone(),
                    name: name.clone(),
                    email,
                })
            }
            C::CancelReseller { reseller } => {
                let r =
                    self.resellers
                        .get(reseller)
                        .ok_or_else(|| QuotaError::UnknownReseller {
                            reseller: reseller.clone(),
                        })?;
                if r.cancelled {
                    return Ok(Kinds(None, None));
                }
                one(E::ResellerCancelled {
                    reseller: reseller.clone(),
                })
            }
        }
    }

    /// Folds one event in. Never fails: an event naming something absent changes nothing.
    fn evolve_kind(&mut self, kind: &QuotaEventKind) {
        use QuotaEventKind as E;
        match kind {
            E::SubscriptionCreated {
                subscription,
                company,
                model,
                limits,
                requested_admin,
                provisioned,
            } => {
                if *provisioned {
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
                        company: company.clone(),
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
                        next_group: DEFAULT_GROUP + 1,
                        licences: HashMap::new(),
                        next_licence: 1,
                        counters: Counters::default(),
                    },
                );
            }
            E::AdminAssigned {
                subscription,
                admin,
            } => {
                let Some(sub) = self.subscriptions.get_mut(subscription) else {
                    return;
                };
                if let Some(old) = &sub.admin {
                    if self.emails.get(&old.email)
                        == Some(&EmailHolder::Subscription(subscription.clone()))
                    {
                        self.emails.remove(&old.email);
                    }
                }
                self.emails.insert(
                    admin.email.clone(),
                    EmailHolder::Subscription(subscription.clone()),
                );
                sub.admin = Some(admin.clone());
            }
            E::ResellerRegistered {
                reseller,
                name,
                email,
            } => {
                self.emails
                    .insert(email.clone(), EmailHolder::Reseller(reseller.clone()));
                self.resellers.insert(
                    reseller.clone(),
                    Reseller {
                        id: reseller.clone(),
                        name: name.clone(),
                        email: email.clone(),
                        cancelled: false,
                        customers: Vec::new(),
                    },
                );
            }
            E::ResellerCancelled { reseller } => {
                let Some(r) = self.resellers.get_mut(reseller) else {
                    return;
                };
                r.cancelled = true;
                for c in &r.customers {
                    if let Some(sub) = self.subscriptions.get_mut(c) {
                        sub.stopped = Some(StopReason::PartnerCancelled {
                            reseller: reseller.clone(),
                        });
                    }
                }
            }
            other => {
                if let Some(sub) =
                    subscription_of(other).and_then(|id| self.subscriptions.get_mut(id))
                {
                    evolve_subscription(sub, other);
                }
            }
        }
    }
}

/// The subscription an event of a single subscription is about.
fn subscription_of(kind: &QuotaEventKind) -> Option<&str> {
    use QuotaEventKind as E;
    match kind {
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

/// Takes a licence out of the subscription and its user, freeing its seat and GB.
fn drop_licence(sub: &mut Subscription, id: LicenceId) {
    if let Some(l) = sub.licences.remove(&id) {
        let c = sub.counters.of_mut(l.kind);
        c.assigned_licences = c.assigned_licences.saturating_sub(1);
        c.activated_licences = c.activated_licences.saturating_sub(u64::from(l.activated));
        c.assigned_gb = c.assigned_gb.saturating_sub(l.quota_gb);
        c.used_gb = c.used_gb.saturating_sub(l.used_gb);
        if let Some(u) = sub.users.get_mut(&l.login) {
            u.licences.retain(|x| *x != id);
        }
    }
}

fn evolve_subscription(sub: &mut Subscription, kind: &QuotaEventKind) {
    use QuotaEventKind as E;
    match kind {
        E::LimitsChanged { limits, .. } => sub.limits = limits.clone(),
        E::SubscriptionSyncSet { enabled, .. } => {
            sub.sync_enabled = *enabled;
            if !*enabled {
                for u in sub.users.values_mut() {
                    u.sync = false;
                }
            }
        }
        E::GroupsTabSet { visible, .. } => sub.groups_tab_visible = *visible,
        E::UserCreated {
            login,
            display_name,
            group,
            ..
        } => {
            sub.users.insert(
                login.clone(),
                User {
                    login: login.clone(),
                    display_name: display_name.clone(),
                    group: *group,
                    suspended: false,
                    sync: false,
                    licences: Vec::new(),
                },
            );
        }
        E::UserSuspended { login, .. } | E::UserActivated { login, .. } => {
            let suspend = matches!(kind, E::UserSuspended { .. });
            if let Some(u) = sub.users.get_mut(login) {
                if u.suspended != suspend {
                    u.suspended = suspend;
                    let n = &mut sub.counters.suspended_users;
                    *n = if suspend {
                        n.saturating_add(1)
                    } else {
                        n.saturating_sub(1)
                    };
                }
            }
        }
        E::UserRemoved { login, .. } => {
            if let Some(u) = sub.users.remove(login) {
                if u.suspended {
                    sub.counters.suspended_users = sub.counters.suspended_users.saturating_sub(1);
                }
                for id in u.licences {
                    drop_licence(sub, id);
                }
            }
        }
        E::UserSyncSet { login, enabled, .. } => {
            if let Some(u) = sub.users.get_mut(login) {
                u.sync = *enabled;
            }
        }
        E::UserMoved { login, group, .. } => {
            if let Some(u) = sub.users.get_mut(login) {
                u.group = *group;
            }
        }
        E::LicenceAssigned {
            licence,
            login,
            kind,
            quota_gb,
            ..
        } => {
            let Some(u) = sub.users.get_mut(login) else {
                return;
            };
            if sub.licences.contains_key(licence) {
                return;
            }
            u.licences.push(*licence);
            sub.licences.insert(
                *licence,
                Licence {
                    id: *licence,
                    login: login.clone(),
                    kind: *kind,
                    quota_gb: *quota_gb,
                    used_gb: 0,
                    activated: false,
                },
            );
            let c = sub.counters.of_mut(*kind);
            c.assigned_licences = c.assigned_licences.saturating_add(1);
            c.assigned_gb = c.assigned_gb.saturating_add(*quota_gb);
            sub.next_licence = sub.next_licence.max(licence.saturating_add(1));
        }
        E::QuotaChanged {
            licence, quota_gb, ..
        } => {
            if let Some(l) = sub.licences.get_mut(licence) {
                let c = sub.counters.of_mut(l.kind);
                c.assigned_gb = c
                    .assigned_gb
                    .saturating_sub(l.quota_gb)
                    .saturating_add(*quota_gb);
                l.quota_gb = *quota_gb;
            }
        }
        E::LicenceRemoved { licence, .. } => drop_licence(sub, *licence),
        E::UsageRecorded {
            licence, used_gb, ..
        } => {
            if let Some(l) = sub.licences.get_mut(licence) {
                let c = sub.counters.of_mut(l.kind);
                c.used_gb = c.used_gb.saturating_sub(l.used_gb).saturating_add(*used_gb);
                l.used_gb = *used_gb;
            }
        }
        E::ActivationRecorded {
            licence, activated, ..
        } => {
            if let Some(l) = sub.licences.get_mut(licence) {
                if l.activated != *activated {
                    let c = sub.counters.of_mut(l.kind);
                    c.activated_licences = if *activated {
                        c.activated_licences.saturating_add(1)
                    } else {
                        c.activated_licences.saturating_sub(1)
                    };
                    l.activated = *activated;
                }
            }
        }
        E::GroupCreated { group, name, .. } => {
            if sub.group(*group).is_none() {
                sub.groups.push(Group {
                    id: *group,
                    name: name.clone(),
                });
            }
            sub.next_group = sub.next_group.max(group.saturating_add(1));
        }
        E::GroupRenamed { group, name, .. } => {
            if let Some(g) = sub.groups.iter_mut().find(|g| g.id == *group) {
                g.name = name.clone();
            }
        }
        E::GroupDeleted { group, .. } => sub.groups.retain(|g| g.id != *group),
        E::CountersRecomputed { after, .. } => sub.counters = *after,
        E::SubscriptionCreated { .. }
        | E::AdminAssigned { .. }
        | E::ResellerRegistered { .. }
        | E::ResellerCancelled { .. } => {}
    }
}

impl Aggregate for QuotaBook {
    type Kind = QuotaEventKind;
    type Command = QuotaCommand;
    type Answer = ();
    type CommandError = QuotaError;
    type EventError = QuotaError;

    fn log(&self) -> &Log {
        &self.log
    }
    fn log_mut(&mut self) -> &mut Log {
        &mut self.log
    }
    fn decide(
        &self,
        command: &QuotaCommand,
        _now: DateTime<Utc>,
    ) -> Result<(Vec<QuotaEventKind>, ()), QuotaError> {
        let Kinds(first, second) = self.decide_kinds(command)?;
        Ok((first.into_iter().chain(second).collect(), ()))
    }
    fn check(&self, event: &QuotaEvent) -> Result<(), QuotaError> {
        self.check_event(event)
            .map_err(|reason| QuotaError::InvalidEvent {
                id: event.id,
                reason,
            })
    }
    fn evolve(&mut self, event: &QuotaEvent) {
        self.evolve_kind(&event.kind);
    }
}

/// Version 1 kept one fingerprint per event from a hash that was not stable across compiler
/// versions: the migrated log continues at the next id and checks no earlier one.
fn migrate_v1(version: u32, data: &mut serde_json::Value) -> Result<(), String> {
    if version != 1 {
        return Ok(());
    }
    let obj = data.as_object_mut().ok_or("a quota book is an object")?;
    let next = obj
        .remove("fingerprints")
        .and_then(|v| v.as_array().map(Vec::len))
        .ok_or("a version-1 quota book has a list of fingerprints")?;
    // The stored form of `Log::continuing_at(next, window)`.
    let window = 0;
    obj.insert(
        "log".into(),
        serde_json::json!({"next": next, "checked_from": next, "kept": [], "window": window, "recent": []}),
    );
    Ok(())
}
