//! Partners (the admin emails of subscriptions, unique across the book) and resellers.

use serde::{Deserialize, Serialize};

/// Who holds a partner email in the book.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum EmailHolder {
    /// The admin of a subscription.
    Subscription(String),
    /// A reseller.
    Reseller(String),
}

impl std::fmt::Display for EmailHolder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EmailHolder::Subscription(id) => write!(f, "subscription {id:?}"),
            EmailHolder::Reseller(id) => write!(f, "reseller {id:?}"),
        }
    }
}

/// A reseller: sells subscriptions to its customers and sees them in its reseller view.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Reseller {
    /// Caller-supplied id.
    pub id: String,
    /// Display name ("Reseller Mozy Test").
    pub name: String,
    /// Login email (normalised), unique among all partners.
    pub email: String,
    /// Whether the reseller cancelled its own subscription (its customers' subscriptions stop).
    pub cancelled: bool,
    /// Its customers' subscription ids, in the order they were bought.
    pub customers: Vec<String>,
}

/// Normalises a partner email for the uniqueness check: trimmed, ASCII lower case.
pub(crate) fn normalise_email(email: &str) -> String {
    email.trim().to_ascii_lowercase()
}
