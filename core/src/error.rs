//! The crate's error: one variant per module error, each with a stable [`code`](Error::code).

use crate::billing::BillingError;
use crate::catalog::CatalogError;
use crate::format::FormatError;
use crate::key::KeyError;
use crate::licence::offline::OfflineError;
use crate::licence::LicenceError;
use crate::org::OrgError;
use crate::quota::QuotaError;

/// Any error keyledger returns. Each module has its own error enum; this one composes them, so a
/// caller can use `?` across modules and still match on the module's error.
///
/// ```
/// use keyledger::{Error, key::ProductKey};
/// let err: Error = ProductKey::parse("nope").unwrap_err().into();
/// assert_eq!(err.code(), "key.malformed");
/// assert!(matches!(err, Error::Key(_)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum Error {
    /// A product-key error.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// A catalog error.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// An accounts-and-sites error.
    #[error(transparent)]
    Org(#[from] OrgError),
    /// A licence-ledger error.
    #[error(transparent)]
    Licence(#[from] LicenceError),
    /// An offline-certificate or clock error.
    #[error(transparent)]
    Offline(#[from] OfflineError),
    /// A stored-format error.
    #[error(transparent)]
    Format(#[from] FormatError),
    /// A quota-accounting error.
    #[error(transparent)]
    Quota(#[from] QuotaError),
    /// A billing error.
    #[error(transparent)]
    Billing(#[from] BillingError),
}

impl Error {
    /// Stable machine-readable code (`module.reason`), the same in Python and JavaScript.
    ///
    /// ```
    /// use keyledger::{Error, key::KeyError};
    /// assert_eq!(Error::from(KeyError::Typo).code(), "key.typo");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            Error::Key(e) => e.code(),
            Error::Catalog(e) => e.code(),
            Error::Format(e) => e.code(),
            Error::Org(e) => e.code(),
            Error::Licence(e) => e.code(),
            Error::Offline(e) => e.code(),
            Error::Quota(e) => e.code(),
            Error::Billing(e) => e.code(),
        }
    }

    /// The facts the error carries (ids, numbers, positions) as a JSON object, for the bindings:
    /// the fields of the module error's variant, named as in Rust.
    ///
    /// ```
    /// use keyledger::{Error, key::KeyError};
    /// let e = Error::from(KeyError::InvalidCharacter { position: 7, character: 'U' });
    /// assert_eq!(e.fields()["position"], 7);
    /// assert_eq!(e.fields()["character"], "U");
    /// assert!(Error::from(KeyError::Typo).fields().as_object().unwrap().is_empty());
    /// ```
    pub fn fields(&self) -> serde_json::Value {
        match serde_json::to_value(self) {
            // Struct variants serialise as {"Variant": {fields}}; unit variants as "Variant".
            Ok(serde_json::Value::Object(outer)) if outer.len() == 1 => outer
                .into_iter()
                .next()
                .map(|(_, inner)| match inner {
                    serde_json::Value::Object(_) => inner,
                    _ => serde_json::Value::Object(Default::default()),
                })
                .unwrap_or_default(),
            _ => serde_json::Value::Object(Default::default()),
        }
    }
}
