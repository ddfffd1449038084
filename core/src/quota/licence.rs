//! Licences: a seat of one type with a quota in GB, held by a user.

use serde::{Deserialize, Serialize};

/// A licence's id in its subscription, given in order by the book (1, 2, 3, …).
pub type LicenceId = u64;

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
    pub login: String,
    /// Desktop or server.
    pub kind: LicenceType,
    /// Quota in GB, taken from the subscription's pool of this type.
    pub quota_gb: u64,
    /// GB in use, as last reported by the service (never above `quota_gb`).
    pub used_gb: u64,
    /// Whether the service reported the licence activated on a machine.
    pub activated: bool,
}
