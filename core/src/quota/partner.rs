//! Partners (the admin emails of subscriptions, unique across the book) and resellers: the
//! partner rules (decide) and how a partner event changes the book (evolve).

use super::book::QuotaBook;
use super::input::{check_email, check_text};
use super::{Admin, QuotaError, QuotaEventKind, StopReason, SubscriptionId};
use serde::{Deserialize, Serialize};

text_id!(
    /// A reseller's id, chosen by the caller.
    ///
    /// ```
    /// use keyledger::quota::ResellerId;
    /// assert_eq!(ResellerId::from("r1"), "r1");
    /// ```
    ResellerId
);

/// Who holds a partner email in the book.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum EmailHolder {
    /// The admin of a subscription.
    Subscription(SubscriptionId),
    /// A reseller.
    Reseller(ResellerId),
}

impl std::fmt::Display for EmailHolder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EmailHolder::Subscription(id) => write!(f, "subscription {:?}", id.as_str()),
            EmailHolder::Reseller(id) => write!(f, "reseller {:?}", id.as_str()),
        }
    }
}

/// A reseller: sells subscriptions to its customers and sees them in its reseller view.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Reseller {
    /// Caller-supplied id.
    pub id: ResellerId,
    /// Display name ("Reseller Mozy Test").
    pub name: String,
    /// Login email (normalised), unique among all partners.
    pub email: String,
    /// Whether the reseller cancelled its own subscription (its customers' subscriptions stop).
    pub cancelled: bool,
    /// Its customers' subscription ids, in the order they were bought.
    pub customers: Vec<SubscriptionId>,
}

/// Normalises a partner email for the uniqueness check: trimmed, ASCII lower case.
pub(crate) fn normalise_email(email: &str) -> String {
    email.trim().to_ascii_lowercase()
}

/// The decisions of the partner rules.
impl QuotaBook {
    /// An email no partner holds, or that `holder` holds already.
    fn free_email(&self, email: String, holder: &EmailHolder) -> Result<String, QuotaError> {
        match self.emails.get(&email) {
            Some(h) if h != holder => Err(QuotaError::DuplicateEmail {
                email,
                holder: h.clone(),
            }),
            _ => Ok(email),
        }
    }

    /// Provisions a running subscription under a staff member with a free email (or moves it).
    pub(super) fn assign_admin(
        &self,
        subscription: &SubscriptionId,
        admin_name: &str,
        email: &str,
    ) -> Result<Option<QuotaEventKind>, QuotaError> {
        let sub = self.running_sub(subscription)?;
        check_text("admin name", admin_name)?;
        let holder = EmailHolder::Subscription(subscription.clone());
        let email = self.free_email(check_email(email)?, &holder)?;
        let admin = Admin {
            name: admin_name.to_string(),
            email,
        };
        if sub.admin.as_ref() == Some(&admin) {
            return Ok(None);
        }
        Ok(Some(QuotaEventKind::AdminAssigned {
            subscription: subscription.clone(),
            admin,
        }))
    }

    /// Registers a reseller with a new id and a free email.
    pub(super) fn register_reseller(
        &self,
        reseller: &ResellerId,
        name: &str,
        email: &str,
    ) -> Result<QuotaEventKind, QuotaError> {
        check_text("reseller id", reseller.as_str())?;
        if self.resellers.contains_key(reseller) {
            return Err(QuotaError::DuplicateReseller {
                reseller: reseller.to_string(),
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
        Ok(QuotaEventKind::ResellerRegistered {
            reseller: reseller.clone(),
            name: name.to_string(),
            email,
        })
    }

    /// A reseller cancels its own subscription; a cancelled one is no event.
    pub(super) fn cancel_reseller(
        &self,
        reseller: &ResellerId,
    ) -> Result<Option<QuotaEventKind>, QuotaError> {
        let r = self.reseller_or_err(reseller)?;
        Ok((!r.cancelled).then(|| QuotaEventKind::ResellerCancelled {
            reseller: reseller.clone(),
        }))
    }

    pub(super) fn reseller_or_err(
        &self,
        reseller: &ResellerId,
    ) -> Result<&super::Reseller, QuotaError> {
        self.resellers
            .get(reseller)
            .ok_or_else(|| QuotaError::UnknownReseller {
                reseller: reseller.to_string(),
            })
    }
}

/// How the partner events change the book.
impl QuotaBook {
    /// The subscription's admin (and its email in the index) is `admin`.
    pub(super) fn admin_assigned(&mut self, subscription: &SubscriptionId, admin: &Admin) {
        let Some(sub) = self.subscriptions.get_mut(subscription) else {
            return;
        };
        let holder = EmailHolder::Subscription(subscription.clone());
        if let Some(old) = &sub.admin {
            if self.emails.get(&old.email) == Some(&holder) {
                self.emails.remove(&old.email);
            }
        }
        self.emails.insert(admin.email.clone(), holder);
        sub.admin = Some(admin.clone());
    }

    pub(super) fn reseller_registered(&mut self, reseller: &ResellerId, name: &str, email: &str) {
        self.emails
            .insert(email.to_string(), EmailHolder::Reseller(reseller.clone()));
        self.resellers.insert(
            reseller.clone(),
            Reseller {
                id: reseller.clone(),
                name: name.to_string(),
                email: email.to_string(),
                cancelled: false,
                customers: Vec::new(),
            },
        );
    }

    /// A reseller cancelled: its customers' subscriptions stop.
    pub(super) fn reseller_cancelled(&mut self, reseller: &ResellerId) {
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
}
