//! What the book checks of what comes from outside: foreign events ([`QuotaBook::apply`]) and
//! stored documents ([`QuotaBook::from_json`]).

use super::book::QuotaBook;
use super::{
    EmailHolder, GroupId, LicenceId, Login, QuotaEvent, QuotaEventKind, SaleModel, Subscription,
    SubscriptionId, DEFAULT_GROUP,
};

fn sub<'a>(book: &'a QuotaBook, id: &SubscriptionId) -> Result<&'a Subscription, String> {
    book.subscriptions
        .get(id)
        .ok_or_else(|| format!("subscription {id:?} does not exist"))
}

fn user(sub: &Subscription, login: &Login) -> Result<(), String> {
    match sub.users.contains_key(login) {
        true => Ok(()),
        false => Err(format!(
            "subscription {:?} has no user {login:?}",
            sub.id.as_str()
        )),
    }
}

fn licence(sub: &Subscription, id: LicenceId) -> Result<(), String> {
    match sub.licences.contains_key(&id) {
        true => Ok(()),
        false => Err(format!(
            "subscription {:?} has no licence {id}",
            sub.id.as_str()
        )),
    }
}

fn group(sub: &Subscription, id: GroupId) -> Result<(), String> {
    match sub.group(id) {
        Some(_) => Ok(()),
        None => Err(format!(
            "subscription {:?} has no group {id}",
            sub.id.as_str()
        )),
    }
}

fn email_free(book: &QuotaBook, email: &str, holder: &EmailHolder) -> Result<(), String> {
    match book.emails.get(email) {
        Some(h) if h != holder => Err(format!("email {email:?} is held by {h}")),
        _ => Ok(()),
    }
}

impl QuotaBook {
    /// Whether an event from outside fits the book: what it names exists, what it creates does
    /// not, and new licence and group ids are the next ones. `Err` says what does not fit.
    pub(super) fn check_event(&self, event: &QuotaEvent) -> Result<(), String> {
        use QuotaEventKind as E;
        match &event.kind {
            E::SubscriptionCreated {
                subscription,
                model,
                requested_admin,
                provisioned,
                ..
            } => {
                if self.subscriptions.contains_key(subscription) {
                    return Err(format!("subscription {subscription:?} exists already"));
                }
                if let SaleModel::Reseller(r) = model {
                    if !self.resellers.contains_key(r) {
                        return Err(format!("reseller {r:?} does not exist"));
                    }
                }
                if *provisioned && self.emails.contains_key(&requested_admin.email) {
                    return Err(format!(
                        "email {:?} is already held, so the subscription cannot be provisioned",
                        requested_admin.email
                    ));
                }
                Ok(())
            }
            E::AdminAssigned {
                subscription,
                admin,
            } => {
                sub(self, subscription)?;
                email_free(
                    self,
                    &admin.email,
                    &EmailHolder::Subscription(subscription.clone()),
                )
            }
            E::ResellerRegistered {
                reseller, email, ..
            } => {
                if self.resellers.contains_key(reseller) {
                    return Err(format!("reseller {reseller:?} exists already"));
                }
                email_free(self, email, &EmailHolder::Reseller(reseller.clone()))
            }
            E::ResellerCancelled { reseller } => match self.resellers.contains_key(reseller) {
                true => Ok(()),
                false => Err(format!("reseller {reseller:?} does not exist")),
            },
            E::LimitsChanged { subscription, .. }
            | E::SubscriptionSyncSet { subscription, .. }
            | E::GroupsTabSet { subscription, .. }
            | E::CountersRecomputed { subscription, .. } => sub(self, subscription).map(|_| ()),
            E::UserCreated {
                subscription,
                login,
                group: g,
                ..
            } => {
                let s = sub(self, subscription)?;
                if s.users.contains_key(login) {
                    return Err(format!(
                        "subscription {subscription:?} has a user {login:?} already"
                    ));
                }
                group(s, *g)
            }
            E::UserSuspended {
                subscription,
                login,
            }
            | E::UserActivated {
                subscription,
                login,
            }
            | E::UserRemoved {
                subscription,
                login,
            }
            | E::UserSyncSet {
                subscription,
                login,
                ..
            } => user(sub(self, subscription)?, login),
            E::UserMoved {
                subscription,
                login,
                group: g,
            } => {
                let s = sub(self, subscription)?;
                user(s, login)?;
                group(s, *g)
            }
            E::LicenceAssigned {
                subscription,
                licence: id,
                login,
                ..
            } => {
                let s = sub(self, subscription)?;
                user(s, login)?;
                if *id != s.next_licence {
                    return Err(format!(
                        "the next licence of subscription {subscription:?} is {}, not {id}",
                        s.next_licence
                    ));
                }
                Ok(())
            }
            E::QuotaChanged {
                subscription,
                licence: id,
                ..
            }
            | E::LicenceRemoved {
                subscription,
                licence: id,
            }
            | E::UsageRecorded {
                subscription,
                licence: id,
                ..
            }
            | E::ActivationRecorded {
                subscription,
                licence: id,
                ..
            } => licence(sub(self, subscription)?, *id),
            E::GroupCreated {
                subscription,
                group: g,
                ..
            } => {
                let s = sub(self, subscription)?;
                if *g != s.next_group {
                    return Err(format!(
                        "the next group of subscription {subscription:?} is {}, not {g}",
                        s.next_group
                    ));
                }
                Ok(())
            }
            E::GroupRenamed {
                subscription,
                group: g,
                ..
            } => group(sub(self, subscription)?, *g),
            E::GroupDeleted {
                subscription,
                group: g,
            } => {
                let s = sub(self, subscription)?;
                if *g == DEFAULT_GROUP {
                    return Err("the Default group cannot be deleted".into());
                }
                group(s, *g)?;
                match s.users.values().filter(|u| u.group == *g).count() {
                    0 => Ok(()),
                    n => Err(format!(
                        "group {g} of subscription {subscription:?} still has {n} user(s)"
                    )),
                }
            }
        }
    }

    /// Whether a stored book holds together. `Err` says what does not.
    pub(super) fn validate(&self) -> Result<(), String> {
        for (id, s) in &self.subscriptions {
            if *id != s.id {
                return Err(format!("subscription {id:?} is stored as {:?}", s.id));
            }
            s.validate()?;
            if let SaleModel::Reseller(r) = &s.model {
                let known = self
                    .resellers
                    .get(r)
                    .is_some_and(|r| r.customers.contains(id));
                if !known {
                    return Err(format!(
                        "subscription {id:?} is sold by reseller {r:?}, which does not list it"
                    ));
                }
            }
        }
        for (id, r) in &self.resellers {
            if *id != r.id {
                return Err(format!("reseller {id:?} is stored as {:?}", r.id));
            }
            if let Some(c) = r
                .customers
                .iter()
                .find(|c| !self.subscriptions.contains_key(c.as_str()))
            {
                return Err(format!(
                    "reseller {id:?} lists subscription {c:?}, which does not exist"
                ));
            }
        }
        for (email, holder) in &self.emails {
            let held = match holder {
                EmailHolder::Subscription(s) => self
                    .subscriptions
                    .get(s)
                    .and_then(|s| s.admin.as_ref())
                    .is_some_and(|a| a.email == *email),
                EmailHolder::Reseller(r) => {
                    self.resellers.get(r).is_some_and(|r| r.email == *email)
                }
            };
            if !held {
                return Err(format!(
                    "email {email:?} is said to be held by {holder}, which does not hold it"
                ));
            }
        }
        Ok(())
    }
}

impl Subscription {
    /// Whether a stored subscription holds together. `Err` says what does not.
    pub(super) fn validate(&self) -> Result<(), String> {
        let id = &self.id;
        if self.group(DEFAULT_GROUP).is_none() {
            return Err(format!("subscription {id:?} has no Default group"));
        }
        for (i, g) in self.groups.iter().enumerate() {
            if self.groups.iter().skip(i + 1).any(|h| h.id == g.id) {
                return Err(format!("subscription {id:?} has group {} twice", g.id));
            }
            if g.id >= self.next_group {
                return Err(format!(
                    "subscription {id:?} has group {} but gives {} next",
                    g.id, self.next_group
                ));
            }
        }
        for (login, u) in &self.users {
            if *login != u.login {
                return Err(format!(
                    "user {login:?} of {id:?} is stored as {:?}",
                    u.login
                ));
            }
            if self.group(u.group).is_none() {
                return Err(format!(
                    "user {login:?} of {id:?} is in a group that does not exist"
                ));
            }
            for l in &u.licences {
                if self.licences.get(l).is_none_or(|x| x.login != *login) {
                    return Err(format!(
                        "user {login:?} of {id:?} lists licence {l}, which is not theirs"
                    ));
                }
            }
        }
        for (n, l) in &self.licences {
            if *n != l.id {
                return Err(format!("licence {n} of {id:?} is stored as {}", l.id));
            }
            if l.id >= self.next_licence {
                return Err(format!(
                    "subscription {id:?} has licence {} but gives {} next",
                    l.id, self.next_licence
                ));
            }
            if !self
                .users
                .get(&l.login)
                .is_some_and(|u| u.licences.contains(n))
            {
                return Err(format!(
                    "licence {n} of {id:?} is held by {:?}, who does not list it",
                    l.login
                ));
            }
        }
        Ok(())
    }
}
