//! keyledger errors as JavaScript `Error` objects.
//!
//! Every error the binding throws is a real `Error` (`instanceof Error`), named `KeyledgerError`,
//! whose `message` is the Rust `Display` sentence, whose `code` is the stable Rust `code()` string
//! (`"key.malformed"`, `"catalog.product_id_range"`, ...) and which carries the fields of the Rust
//! variant in camelCase (`position`, `character`, `secretId`, ...). Numbers are plain JS numbers
//! (every field fits in an `f64` exactly), characters are one-character strings.
//!
//! The mapping is a plain Rust value ([`ErrorView`], its fields a [`Plain`] tree) so that it is
//! tested natively; only [`throw`] touches JavaScript. The key and catalog errors' fields are
//! written by hand (no serde_json in the key-only module); the other modules' errors go through
//! their serde form ([`serde_fields`]).

use keyledger::catalog::CatalogError;
use keyledger::format::FormatError;
use keyledger::key::KeyError;
use keyledger::Error;
use serde::Serialize;
use serde_json::Value;
use std::fmt;
use wasm_bindgen::JsValue;

use crate::plain::{set, Name, Plain};

/// The codes only the JS binding throws (argument checks, numbers JS cannot hold), on top of the
/// core's [`Error::CODES`]. The npm package's `ErrorCode` union is made of both lists
/// (`npm/assemble.mjs`), and `core/tests/error_codes.rs` checks that every `js.*` code named in
/// the repository is here.
pub const JS_CODES: &[&str] = &["js.bad_argument", "js.unsafe_integer", "js.unsupported"];

/// The `name` of every thrown error.
pub const ERROR_NAME: &str = "KeyledgerError";

/// What a thrown error carries, before it becomes a JS object.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorView {
    /// Stable code, e.g. `"key.typo"`.
    pub code: &'static str,
    /// The sentence for a person (the Rust `Display`).
    pub message: String,
    /// The fields of the Rust variant, camelCase.
    pub fields: Fields,
}

/// Names a thrown `Error` already has: a field of the same name is not copied (its fact is in the
/// `message`).
const RESERVED: [&str; 5] = ["message", "name", "code", "stack", "cause"];

/// `secret_id` -> `secretId`.
pub fn camel_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// An error with a stable code whose variant's fields serialise (every keyledger error).
///
/// The key functions throw their module's error ([`KeyApiError`]) rather than the crate-wide
/// [`Error`]: formatting an `Error` links the messages of every module (dates, amounts...), which
/// the key-only page module does not need.
pub trait Coded: fmt::Display + Serialize {
    /// The stable code, e.g. `"key.typo"`.
    fn code(&self) -> &'static str;

    /// The fields of the variant, camelCase: by default as the variant serialises (see [`view`]).
    fn fields(&self) -> Fields {
        serde_fields(self)
    }
}

/// The fields of a thrown error: camelCase names and plain values.
pub type Fields = Vec<(Name, Plain)>;

/// One field of a thrown error.
pub fn field(name: &'static str, value: impl Into<Plain>) -> (Name, Plain) {
    (Name::Borrowed(name), value.into())
}

fn key_fields(err: &KeyError) -> Fields {
    match err {
        KeyError::WrongLength { found } => vec![field("found", *found)],
        KeyError::InvalidCharacter {
            position,
            character,
        } => vec![field("position", *position), field("character", *character)],
        KeyError::UnsupportedVersion { version } => vec![field("version", *version)],
        KeyError::UnknownProduct { product } => vec![field("product", *product)],
        KeyError::UnknownSecret { secret_id }
        | KeyError::DuplicateSecret { secret_id }
        | KeyError::ActiveSecret { secret_id } => vec![field("secretId", *secret_id)],
        KeyError::TooManyKeys { requested, max } => {
            vec![field("requested", *requested), field("max", *max)]
        }
        KeyError::SerialOutOfRange { serial, max } => {
            vec![field("serial", *serial), field("max", *max)]
        }
        KeyError::WeakSecret { len, min } => vec![field("len", *len), field("min", *min)],
        KeyError::SecretIdOutOfRange { secret_id, max } => {
            vec![field("secretId", *secret_id), field("max", *max)]
        }
        _ => Vec::new(),
    }
}

fn catalog_fields(err: &CatalogError) -> Fields {
    match err {
        CatalogError::ProductIdOutOfRange { id, max } => {
            vec![field("id", *id), field("max", *max)]
        }
        CatalogError::DuplicateProductId { id, existing } => {
            vec![field("id", *id), field("existing", existing)]
        }
        // Their `name` would clobber the Error's own `name`: the product name is in the message.
        _ => Vec::new(),
    }
}

fn format_fields(err: &FormatError) -> Fields {
    match err {
        // serde_json's own message is already part of the Error's `message`.
        FormatError::Corrupt { line, column, .. } => {
            vec![field("line", *line), field("column", *column)]
        }
        FormatError::WrongFormat { expected, found } => {
            vec![field("expected", expected), field("found", found)]
        }
        FormatError::FutureVersion { found, supported } => {
            vec![field("found", *found), field("supported", *supported)]
        }
        _ => Vec::new(),
    }
}

impl Coded for Error {
    fn code(&self) -> &'static str {
        Error::code(self)
    }
}

/// Fields by name, as [`serde_fields`] has them (serde_json's objects are sorted by key). An
/// insertion sort: an error has at most a few fields, and a generic sort would weigh on the
/// key-only module.
fn by_name(mut fields: Fields) -> Fields {
    for i in 1..fields.len() {
        let mut j = i;
        while j > 0 && fields[j - 1].0 > fields[j].0 {
            fields.swap(j - 1, j);
            j -= 1;
        }
    }
    fields
}

/// The key, catalog and format errors' fields are written by hand (see [`KeyApiError`]'s), in the
/// order of [`serde_fields`] (by name), which is how these errors have always been thrown when
/// not wrapped in a [`KeyApiError`] (whose fields come in declaration order).
macro_rules! coded_by_hand {
    ($($t:ty => $fields:ident),*) => {$(
        impl Coded for $t {
            fn code(&self) -> &'static str {
                <$t>::code(self)
            }

            fn fields(&self) -> Fields {
                by_name($fields(self))
            }
        }
    )*};
}
coded_by_hand!(KeyError => key_fields, CatalogError => catalog_fields, FormatError => format_fields);

/// The errors of the key and catalog functions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum KeyApiError {
    /// A product-key error.
    Key(KeyError),
    /// A catalog error.
    Catalog(CatalogError),
    /// A catalog passed as JSON could not be read.
    Format(FormatError),
}

impl fmt::Display for KeyApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyApiError::Key(e) => e.fmt(f),
            KeyApiError::Catalog(e) => e.fmt(f),
            KeyApiError::Format(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for KeyApiError {}

impl KeyApiError {
    /// The stable code of the module error.
    pub fn code(&self) -> &'static str {
        match self {
            KeyApiError::Key(e) => e.code(),
            KeyApiError::Catalog(e) => e.code(),
            KeyApiError::Format(e) => e.code(),
        }
    }
}

impl Coded for KeyApiError {
    fn code(&self) -> &'static str {
        KeyApiError::code(self)
    }

    /// Written out by hand: serde's generic path (`to_value`) costs the key-only page module
    /// ~9 KB gzipped. `every_key_api_error_has_the_serde_fields` checks both agree.
    fn fields(&self) -> Fields {
        match self {
            KeyApiError::Key(e) => key_fields(e),
            KeyApiError::Catalog(e) => catalog_fields(e),
            KeyApiError::Format(e) => format_fields(e),
        }
    }
}

impl From<KeyError> for KeyApiError {
    fn from(e: KeyError) -> Self {
        KeyApiError::Key(e)
    }
}

impl From<CatalogError> for KeyApiError {
    fn from(e: CatalogError) -> Self {
        KeyApiError::Catalog(e)
    }
}

impl From<FormatError> for KeyApiError {
    fn from(e: FormatError) -> Self {
        KeyApiError::Format(e)
    }
}

impl From<KeyApiError> for Error {
    fn from(e: KeyApiError) -> Self {
        match e {
            KeyApiError::Key(e) => e.into(),
            KeyApiError::Catalog(e) => e.into(),
            KeyApiError::Format(e) => e.into(),
        }
    }
}

/// The code, message and fields of an error: the fields are those of the Rust variant (as in
/// [`Error::fields`]), camelCased, nested values included as they serialise.
pub fn view<E: Coded + ?Sized>(err: &E) -> ErrorView {
    ErrorView {
        code: err.code(),
        message: err.to_string(),
        fields: err.fields(),
    }
}

/// The fields of an error as its variant serialises: `{"Variant": {fields}}` for a struct variant,
/// `"Variant"` (no fields) for a unit variant. Nested facts (a list of ids, a limit object) become
/// plain JS values, as `JSON.parse` would make them.
pub fn serde_fields<E: Serialize + ?Sized>(err: &E) -> Fields {
    match serde_json::to_value(err) {
        Ok(Value::Object(outer)) if outer.len() == 1 => match outer.into_iter().next() {
            Some((_, Value::Object(map))) => map
                .into_iter()
                .map(|(name, value)| (camel_case(&name), value))
                .filter(|(name, _)| !RESERVED.contains(&name.as_str()))
                .map(|(name, value)| (Name::Owned(name), Plain::from(value)))
                .collect(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// The JS `Error` for any keyledger error (see the [module docs](self)).
pub fn to_js(err: impl Into<Error>) -> JsValue {
    throw(&view(&err.into()))
}

/// The JS `Error` for a module error, without going through [`Error`] (see [`Coded`]).
pub fn coded(err: impl Coded) -> JsValue {
    throw(&view(&err))
}

/// The JS `Error` for a view.
pub fn throw(view: &ErrorView) -> JsValue {
    let error: JsValue = js_sys::Error::new(&view.message).into();
    set(&error, "name", &JsValue::from_str(ERROR_NAME));
    set(&error, "code", &JsValue::from_str(view.code));
    for (name, value) in &view.fields {
        set(&error, name, &value.to_js());
    }
    error
}

/// A serde value as a plain JS object, refusing (`js.unsafe_integer`, field `value` as a string)
/// to round an integer beyond 2^53 - 1 that a JS number cannot hold. The full library's results
/// go through here; in practice no result holds such a number (event ids, counts, GB and days
/// are far below it).
///
/// # Errors
/// `js.unsafe_integer`, or `format.write`.
pub fn output<T: serde::Serialize>(value: &T) -> Result<JsValue, JsValue> {
    let text = serde_json::to_string(value).map_err(|e| {
        to_js(FormatError::Write {
            message: e.to_string(),
        })
    })?;
    // Checked on the text (one serializer per type in the module, the one to_json uses too), and
    // read as a `Value` only when it has a run of digits long enough to be such an integer.
    let suspect = crate::args::may_hold_unsafe_integer(&text);
    if let Some(tree) = suspect
        .then(|| serde_json::from_str::<Value>(&text).ok())
        .flatten()
    {
        if let Some(n) = crate::args::unsafe_integer(&tree) {
            return Err(throw(&ErrorView {
                code: "js.unsafe_integer",
                message: format!("{n} is beyond 2^53 - 1 and cannot be returned as a JS number"),
                fields: vec![field("value", n.to_string())],
            }));
        }
    }
    js_sys::JSON::parse(&text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use keyledger::key::ProductKey;

    fn field_of(v: &ErrorView, name: &str) -> Option<Plain> {
        v.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    }

    #[test]
    fn every_key_api_error_has_the_serde_fields() {
        let errors: Vec<KeyApiError> = vec![
            KeyError::WrongLength { found: 3 }.into(),
            KeyError::InvalidCharacter {
                position: 2,
                character: 'U',
            }
            .into(),
            KeyError::UnsupportedVersion { version: 7 }.into(),
            KeyError::UnknownProduct { product: 9 }.into(),
            KeyError::UnknownSecret { secret_id: 3 }.into(),
            KeyError::DuplicateSecret { secret_id: 3 }.into(),
            KeyError::ActiveSecret { secret_id: 3 }.into(),
            KeyError::TooManyKeys {
                requested: 11,
                max: 10,
            }
            .into(),
            KeyError::SerialOutOfRange {
                serial: 1 << 30,
                max: 1 << 26,
            }
            .into(),
            KeyError::WeakSecret { len: 3, min: 16 }.into(),
            KeyError::SecretIdOutOfRange {
                secret_id: 99,
                max: 15,
            }
            .into(),
            KeyError::Typo.into(),
            KeyError::NotGenuine.into(),
            CatalogError::ProductIdOutOfRange { id: 64, max: 63 }.into(),
            CatalogError::DuplicateProductId {
                id: 1,
                existing: "A".into(),
            }
            .into(),
            CatalogError::BadProductName { name: "".into() }.into(),
            CatalogError::ZeroLicences { name: "B".into() }.into(),
            FormatError::Corrupt {
                line: 1,
                column: 2,
                message: "x".into(),
            }
            .into(),
            FormatError::WrongFormat {
                expected: "a".into(),
                found: "b".into(),
            }
            .into(),
            FormatError::FutureVersion {
                found: 9,
                supported: 1,
            }
            .into(),
        ];
        for err in &errors {
            let mut hand = err.fields();
            let mut generic = serde_fields(err);
            hand.sort_by(|a, b| a.0.cmp(&b.0));
            generic.sort_by(|a, b| a.0.cmp(&b.0));
            assert_eq!(hand, generic, "{err:?}");
            // Unwrapped, the module errors have exactly the serde fields, in their order.
            let unwrapped = match err {
                KeyApiError::Key(e) => (e.fields(), serde_fields(e)),
                KeyApiError::Catalog(e) => (e.fields(), serde_fields(e)),
                KeyApiError::Format(e) => (e.fields(), serde_fields(e)),
            };
            assert_eq!(unwrapped.0, unwrapped.1, "{err:?}");
        }
        // Wrapped, they come in declaration order.
        let wrapped: KeyApiError = KeyError::SecretIdOutOfRange {
            secret_id: 16,
            max: 15,
        }
        .into();
        assert_eq!(
            wrapped.fields(),
            vec![field("secretId", 16u32), field("max", 15u8)]
        );
    }

    #[test]
    fn invalid_character_carries_position_and_character() {
        let err: Error = ProductKey::parse("ABCD-EFGH-JKMN-PQRU").unwrap_err().into();
        let v = view(&err);
        assert_eq!(v.code, "key.malformed");
        assert_eq!(field_of(&v, "position"), Some(Plain::Number(19.0)));
        assert_eq!(field_of(&v, "character"), Some(Plain::from("U")));
        assert_eq!(v.fields.len(), 2);
        assert_eq!(v.message, err.to_string());
    }

    #[test]
    fn every_numeric_field_is_a_safe_js_integer() {
        let errors: Vec<Error> = vec![
            KeyError::SerialOutOfRange {
                serial: u64::from(u32::MAX) * 2,
                max: 1,
            }
            .into(),
            KeyError::WrongLength { found: 3 }.into(),
            KeyError::SecretIdOutOfRange {
                secret_id: u32::MAX,
                max: 15,
            }
            .into(),
            CatalogError::ProductIdOutOfRange { id: 64, max: 63 }.into(),
            FormatError::FutureVersion {
                found: 9,
                supported: 1,
            }
            .into(),
        ];
        for err in &errors {
            let v = view(err);
            assert!(!v.fields.is_empty(), "{err:?} has fields");
            for (name, value) in &v.fields {
                let Plain::Number(n) = value else {
                    panic!("{name} is a number")
                };
                assert!(
                    *n < 9_007_199_254_740_992.0,
                    "{name} = {n} fits an f64 exactly"
                );
            }
        }
    }

    #[test]
    fn field_names_are_camel_case_and_never_clash_with_error_properties() {
        let errors: Vec<Error> = vec![
            KeyError::UnknownSecret { secret_id: 3 }.into(),
            CatalogError::DuplicateProductId {
                id: 1,
                existing: "A".into(),
            }
            .into(),
            FormatError::Corrupt {
                line: 1,
                column: 2,
                message: "x".into(),
            }
            .into(),
        ];
        for err in &errors {
            for (name, _) in view(err).fields {
                assert!(!name.contains('_'), "{name}");
                assert!(!RESERVED.contains(&name.as_ref()));
            }
        }
        assert_eq!(
            view(&Error::from(KeyError::UnknownSecret { secret_id: 3 })).fields,
            vec![field("secretId", 3u8)]
        );
        assert_eq!(camel_case("last_contact_before"), "lastContactBefore");
    }
}
