//! The crate's error: one variant per module error, each with a stable [`code`](Error::code).

use crate::billing::BillingError;
use crate::catalog::CatalogError;
use crate::format::FormatError;
use crate::key::KeyError;
use crate::licence::offline::OfflineError;
use crate::licence::LicenceError;
use crate::org::OrgError;
use crate::quota::QuotaError;

/// Declares a module's error enum with each variant's stable code written next to it, as
/// `#[code = ...]` (a `module.reason` string, e.g. `"key.typo"`) after the variant's doc comment.
/// It writes the enum as given (the `code` attribute removed) and, on it:
/// - `code(&self)`: the variant's code;
/// - `CODES`: each variant's code in declaration order (variants may share a code);
/// - `VARIANTS`: each variant's name in declaration order, and `variant(&self)`, so that tests can
///   check that a list of examples covers every variant.
///
/// The enum's body is not indented inside the macro, so that it reads (and merges) like a plain
/// enum; rustfmt leaves macro bodies alone.
macro_rules! coded {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $(
                $(#[doc = $doc:literal])*
                #[code = $code:literal]
                $(#[$attr:meta])*
                $variant:ident $({ $($field:tt)* })?
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis enum $name {
            $(
                $(#[doc = $doc])*
                $(#[$attr])*
                $variant $({ $($field)* })?,
            )*
        }

        impl $name {
            /// Each variant's stable code (`module.reason`, the same in Python and JavaScript),
            /// in declaration order. Variants may share a code.
            #[doc = concat!("```\nuse keyledger::Error;\nfor code in keyledger::", $crate::error::coded!(@path $name), "::CODES {\n    assert!(Error::CODES.contains(code));\n}\n```")]
            pub const CODES: &'static [&'static str] = &[$($code),*];

            /// Each variant's name, in declaration order (for tests and tools).
            #[doc = concat!("```\nlet names = keyledger::", $crate::error::coded!(@path $name), "::VARIANTS;\nassert!(!names.is_empty());\n```")]
            pub const VARIANTS: &'static [&'static str] = &[$(stringify!($variant)),*];

            /// Stable machine-readable code (`module.reason`), the same in Python and JavaScript;
            /// declared next to the variant.
            #[doc = concat!("```\nuse keyledger::", $crate::error::coded!(@path $name), " as E;\nassert_eq!(E::CODES.len(), E::VARIANTS.len());\n```")]
            pub fn code(&self) -> &'static str {
                match self {
                    $(Self::$variant { .. } => $code,)*
                }
            }

            /// The variant's name, one of [`Self::VARIANTS`].
            pub fn variant(&self) -> &'static str {
                match self {
                    $(Self::$variant { .. } => stringify!($variant),)*
                }
            }
        }
    };
    (@path KeyError) => { "key::KeyError" };
    (@path CatalogError) => { "catalog::CatalogError" };
    (@path OrgError) => { "org::OrgError" };
    (@path LicenceError) => { "licence::LicenceError" };
    (@path OfflineError) => { "licence::offline::OfflineError" };
    (@path FormatError) => { "format::FormatError" };
    (@path QuotaError) => { "quota::QuotaError" };
    (@path BillingError) => { "billing::BillingError" };
}
pub(crate) use coded;

/// The module errors, in the order of [`Error`]'s variants.
const MODULE_CODES: &[&[&str]] = &[
    KeyError::CODES,
    CatalogError::CODES,
    OrgError::CODES,
    LicenceError::CODES,
    OfflineError::CODES,
    FormatError::CODES,
    QuotaError::CODES,
    BillingError::CODES,
];

const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Whether `code` comes before position (`list`, `item`) in [`MODULE_CODES`].
const fn seen_before(code: &str, list: usize, item: usize) -> bool {
    let mut i = 0;
    while i <= list {
        let codes = MODULE_CODES[i];
        let end = if i == list { item } else { codes.len() };
        let mut j = 0;
        while j < end {
            if same(codes[j], code) {
                return true;
            }
            j += 1;
        }
        i += 1;
    }
    false
}

/// The distinct codes of [`MODULE_CODES`], in order: the count, then the list.
const fn distinct<const N: usize>() -> [&'static str; N] {
    let mut out = [""; N];
    let mut n = 0;
    let mut i = 0;
    while i < MODULE_CODES.len() {
        let mut j = 0;
        while j < MODULE_CODES[i].len() {
            let code = MODULE_CODES[i][j];
            if !seen_before(code, i, j) {
                if n < N {
                    out[n] = code;
                }
                n += 1;
            }
            j += 1;
        }
        i += 1;
    }
    assert!(n == N, "the count of distinct codes is N");
    out
}

const fn count_distinct() -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < MODULE_CODES.len() {
        let mut j = 0;
        while j < MODULE_CODES[i].len() {
            if !seen_before(MODULE_CODES[i][j], i, j) {
                n += 1;
            }
            j += 1;
        }
        i += 1;
    }
    n
}

const DISTINCT: usize = count_distinct();
const ALL_CODES: [&str; DISTINCT] = distinct::<DISTINCT>();

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
    /// Every code a keyledger error can have, once each: the module errors' codes in the order of
    /// [`Error`]'s variants, each module's in declaration order. The bindings add their own
    /// argument codes (`py.*`, `js.*`) to this list.
    ///
    /// ```
    /// use keyledger::{Error, key::KeyError};
    /// assert!(Error::CODES.contains(&"key.typo"));
    /// assert!(Error::CODES.contains(&Error::from(KeyError::Empty).code()));
    /// assert_eq!(Error::CODES.iter().filter(|c| **c == "key.malformed").count(), 1);
    /// ```
    pub const CODES: &'static [&'static str] = &ALL_CODES;

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
