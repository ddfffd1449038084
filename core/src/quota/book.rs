//! The aggregate: it routes a command to the rule of its noun (decide: `subscription`, `user`,
//! `licence`, `group`, `partner`), an event to what it changes (evolve, the same nouns), an
//! event from outside to `check`; the kernel ([`crate::log`]) does the rest. Also the public face
//! (execute, apply, replay) and the stored format.

use super::partner::normalise_email;
use super::subscription::sorted_map as sorted;
use super::{
    EmailHolder, QuotaCommand, QuotaError, QuotaEvent, QuotaEventKind, Reseller, ResellerId,
    Subscription, SubscriptionId,
};
use crate::format::{self, FormatError};
use crate::log::{self, Aggregate, Applied, Log};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The format kind of a stored quota book (see [`crate::format`]).
pub const FORMAT_KIND: &str = "keyledger.quota";

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
    pub(crate) subscriptions: HashMap<SubscriptionId, Subscription>,
    #[serde(serialize_with = "sorted")]
    pub(crate) resellers: HashMap<ResellerId, Reseller>,
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
        let mut ids: Vec<&str> = self
            .subscriptions
            .keys()
            .map(SubscriptionId::as_str)
            .collect();
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

    /// Routes a command to the rule of its noun: the book's (partners, buying a subscription)
    /// or, in the subscription it names, the subscription's, a user's, a licence's, a group's.
    fn decide_kinds(&self, command: &QuotaCommand) -> Result<Vec<QuotaEventKind>, QuotaError> {
        use QuotaCommand as C;
        let one = |e: Option<QuotaEventKind>| e.into_iter().collect();
        Ok(match command {
            C::CreateSubscription {
                subscription,
                company,
                admin_name,
                email,
                model,
                limits,
            } => vec![self.create_subscription(
                subscription,
                company,
                admin_name,
                email,
                model,
                limits,
            )?],
            C::AssignAdmin {
                subscription,
                admin_name,
                email,
            } => one(self.assign_admin(subscription, admin_name, email)?),
            C::ChangeLimits {
                subscription,
                limits,
            } => one(self.active_sub(subscription)?.change_limits(limits)?),
            C::SetSubscriptionSync {
                subscription,
                enabled,
            } => one(self.active_sub(subscription)?.set_sync(*enabled)?),
            C::SetGroupsTab {
                subscription,
                visible,
            } => one(self.active_sub(subscription)?.set_groups_tab(*visible)?),
            C::CreateUser {
                subscription,
                login,
                display_name,
                group,
                licence,
            } => {
                self.active_sub(subscription)?
                    .create_user(login, display_name, *group, *licence)?
            }
            C::SuspendUser {
                subscription,
                login,
            } => one(self.active_sub(subscription)?.suspend_user(login)?),
            C::ActivateUser {
                subscription,
                login,
            } => one(self.active_sub(subscription)?.activate_user(login)?),
            C::RemoveUser {
                subscription,
                login,
            } => vec![self.active_sub(subscription)?.remove_user(login)?],
            C::SetUserSync {
                subscription,
                login,
                enabled,
            } => one(self
                .active_sub(subscription)?
                .set_user_sync(login, *enabled)?),
            C::MoveUser {
                subscription,
                login,
                group,
            } => one(self.active_sub(subscription)?.move_user(login, *group)?),
            C::AssignLicence {
                subscription,
                login,
                kind,
                quota_gb,
            } => vec![self
                .active_sub(subscription)?
                .assign_licence(login, *kind, *quota_gb)?],
            C::ChangeQuota {
                subscription,
                licence,
                quota_gb,
            } => one(self
                .active_sub(subscription)?
                .change_quota(*licence, *quota_gb)?),
            C::RemoveLicence {
                subscription,
                licence,
            } => vec![self.active_sub(subscription)?.remove_licence(*licence)?],
            C::RecordUsage {
                subscription,
                licence,
                used_gb,
            } => one(self
                .active_sub(subscription)?
                .record_usage(*licence, *used_gb)?),
            C::RecordActivation {
                subscription,
                licence,
                activated,
            } => one(self
                .active_sub(subscription)?
                .record_activation(*licence, *activated)?),
            C::CreateGroup { subscription, name } => {
                vec![self.active_sub(subscription)?.create_group(name)?]
            }
            C::RenameGroup {
                subscription,
                group,
                name,
            } => one(self.active_sub(subscription)?.rename_group(*group, name)?),
            C::DeleteGroup {
                subscription,
                group,
            } => vec![self.active_sub(subscription)?.delete_group(*group)?],
            C::Refresh { subscription } => one(self.sub(subscription)?.refresh()),
            C::RegisterReseller {
                reseller,
                name,
                email,
            } => vec![self.register_reseller(reseller, name, email)?],
            C::CancelReseller { reseller } => one(self.cancel_reseller(reseller)?),
        })
    }

    /// Routes an event to what it changes: the book (subscriptions bought, partners) or the one
    /// subscription it is about. Never fails: an event naming something absent changes nothing.
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
            } => self.subscription_created(
                subscription,
                company,
                model,
                limits,
                requested_admin,
                *provisioned,
            ),
            E::AdminAssigned {
                subscription,
                admin,
            } => self.admin_assigned(subscription, admin),
            E::ResellerRegistered {
                reseller,
                name,
                email,
            } => self.reseller_registered(reseller, name, email),
            E::ResellerCancelled { reseller } => self.reseller_cancelled(reseller),
            other => {
                if let Some(sub) = other
                    .subscription()
                    .and_then(|id| self.subscriptions.get_mut(id))
                {
                    sub.evolve(other);
                }
            }
        }
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
        Ok((self.decide_kinds(command)?, ()))
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
