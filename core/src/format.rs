//! The versioned JSON format of everything keyledger stores.
//!
//! Stored documents (a ledger's state, an event log, a quota book) are wrapped in an envelope:
//!
//! ```json
//! {"format": "keyledger.ledger", "version": 1, "data": { ... }}
//! ```
//!
//! - `format` names what the document is, so a quota book is never read as a ledger;
//! - `version` is the format version it was written with. This library reads every version up to
//!   [`FORMAT_VERSION`] (older ones through migrations, when there are any) and refuses later ones
//!   with [`FormatError::FutureVersion`] rather than guessing.
//!
//! Version history:
//! - 1: first published format.
//! - 2: event fingerprints over an explicit byte encoding (SipHash-1-3, see [`crate::log`]); the
//!   ledger and the quota book keep them in one `log` object. A version-1 ledger or quota book
//!   loads with a log that continues at its next id and checks no earlier one (its fingerprints
//!   came from a hash that was not stable across compiler versions). Event logs are unchanged.
//!
//! ```
//! use keyledger::format::{to_json, from_json, FormatError};
//! let text = to_json("keyledger.example", &vec![1, 2, 3])?;
//! assert_eq!(text, r#"{"format":"keyledger.example","version":2,"data":[1,2,3]}"#);
//! assert_eq!(from_json::<Vec<u32>>("keyledger.example", &text)?, vec![1, 2, 3]);
//! assert!(matches!(from_json::<Vec<u32>>("keyledger.other", &text), Err(FormatError::WrongFormat { .. })));
//! # Ok::<(), FormatError>(())
//! ```

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The format version this library writes.
pub const FORMAT_VERSION: u32 = 2;

crate::error::coded! {
/// Errors reading or writing the stored format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize)]
#[non_exhaustive]
pub enum FormatError {
    /// The text is not JSON of the expected shape.
    #[code = "format.corrupt"]
    #[error("corrupt JSON at line {line}, column {column}: {message}")]
    Corrupt {
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// What serde_json said.
        message: String,
    },
    /// The document is of another kind.
    #[code = "format.wrong_format"]
    #[error("expected a \"{expected}\" document, found \"{found}\"")]
    WrongFormat {
        /// The format asked for.
        expected: String,
        /// The format found.
        found: String,
    },
    /// Written by a later version of keyledger.
    #[code = "format.future_version"]
    #[error("format version {found} is newer than this library reads (up to {supported}); upgrade keyledger")]
    FutureVersion {
        /// Version found.
        found: u32,
        /// Latest version this library reads.
        supported: u32,
    },
    /// Serialising failed (a value serde cannot write as JSON).
    #[code = "format.write"]
    #[error("could not write JSON: {message}")]
    Write {
        /// What serde_json said.
        message: String,
    },
}
}

impl FormatError {
    /// A [`FormatError::Corrupt`] from a serde_json error.
    ///
    /// ```
    /// # use keyledger::format::FormatError;
    /// let e = serde_json::from_str::<u32>("x").unwrap_err();
    /// assert_eq!(FormatError::from_json_error(&e).code(), "format.corrupt");
    /// ```
    pub fn from_json_error(e: &serde_json::Error) -> Self {
        FormatError::Corrupt {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        }
    }
}

#[derive(Serialize)]
struct EnvelopeOut<'a, T> {
    format: &'a str,
    version: u32,
    data: &'a T,
}

#[derive(Deserialize)]
struct EnvelopeHeader {
    format: String,
    version: u32,
}

#[derive(Deserialize)]
struct EnvelopeIn<T> {
    data: T,
}

/// Writes `value` as a versioned document of kind `format`.
///
/// # Errors
/// [`FormatError::Write`] if serde cannot write the value as JSON (e.g. a map with non-string keys).
///
/// ```
/// let text = keyledger::format::to_json("keyledger.example", &"hi")?;
/// assert!(text.contains(r#""version":2"#));
/// # Ok::<(), keyledger::format::FormatError>(())
/// ```
pub fn to_json<T: Serialize>(format: &str, value: &T) -> Result<String, FormatError> {
    serde_json::to_string(&EnvelopeOut {
        format,
        version: FORMAT_VERSION,
        data: value,
    })
    .map_err(|e| FormatError::Write {
        message: e.to_string(),
    })
}

/// Reads a versioned document of kind `format`, checking kind and version before the data.
///
/// # Errors
/// [`FormatError::Corrupt`], [`FormatError::WrongFormat`], [`FormatError::FutureVersion`].
///
/// ```
/// use keyledger::format::{from_json, FormatError};
/// let future = r#"{"format":"keyledger.example","version":99,"data":1}"#;
/// assert_eq!(
///     from_json::<u32>("keyledger.example", future),
///     Err(FormatError::FutureVersion { found: 99, supported: 2 })
/// );
/// ```
pub fn from_json<T: DeserializeOwned>(format: &str, text: &str) -> Result<T, FormatError> {
    from_json_migrating(format, text, |_, _| Ok(()))
}

/// [`from_json`] with a migration: a document older than [`FORMAT_VERSION`] is read as JSON,
/// `migrate(version, data)` brings its data to the current shape, then it is decoded.
pub(crate) fn from_json_migrating<T: DeserializeOwned>(
    format: &str,
    text: &str,
    migrate: impl FnOnce(u32, &mut serde_json::Value) -> Result<(), String>,
) -> Result<T, FormatError> {
    let header: EnvelopeHeader =
        serde_json::from_str(text).map_err(|e| FormatError::from_json_error(&e))?;
    if header.format != format {
        return Err(FormatError::WrongFormat {
            expected: format.to_string(),
            found: header.format,
        });
    }
    if header.version > FORMAT_VERSION {
        return Err(FormatError::FutureVersion {
            found: header.version,
            supported: FORMAT_VERSION,
        });
    }
    if header.version < FORMAT_VERSION {
        let corrupt = |message: String| FormatError::Corrupt {
            line: 0,
            column: 0,
            message,
        };
        let doc: EnvelopeIn<serde_json::Value> =
            serde_json::from_str(text).map_err(|e| FormatError::from_json_error(&e))?;
        let mut data = doc.data;
        migrate(header.version, &mut data).map_err(corrupt)?;
        // Back to text and decoded like a current document: decoding `T` from a `Value` would
        // compile a second copy of every `Deserialize` (tens of KiB in the wasm module).
        let text = serde_json::to_string(&data).map_err(|e| corrupt(e.to_string()))?;
        return serde_json::from_str(&text).map_err(|e| corrupt(e.to_string()));
    }
    let doc: EnvelopeIn<T> =
        serde_json::from_str(text).map_err(|e| FormatError::from_json_error(&e))?;
    Ok(doc.data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_fields_and_garbage_are_corrupt_not_panics() {
        for text in ["", "null", "[]", "{}", r#"{"format":"x"}"#, "\u{0}"] {
            let e = from_json::<u32>("x", text).unwrap_err();
            assert_eq!(e.code(), "format.corrupt", "{text:?}");
        }
        let e = from_json::<u32>("x", r#"{"format":"x","version":2,"data":"s"}"#).unwrap_err();
        assert!(matches!(e, FormatError::Corrupt { line: 1, .. }), "{e:?}");
    }
}
