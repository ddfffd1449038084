//! keyledger errors as JavaScript `Error` objects.
//!
//! Every error the binding throws is a real `Error` (`instanceof Error`), named `KeyledgerError`,
//! whose `message` is the Rust `Display` sentence, whose `code` is the stable Rust `code()` string
//! (`"key.malformed"`, `"catalog.product_id_range"`, ...) and which carries the fields of the Rust
//! variant in camelCase (`position`, `character`, `secretId`, ...). Numbers are plain JS numbers
//! (every field fits in an `f64` exactly), characters are one-character strings.
//!
//! The mapping is a plain Rust value ([`ErrorView`]) so that it is tested natively; only
//! [`to_js`] touches JavaScript.

use keyledger::catalog::CatalogError;
use keyledger::format::FormatError;
use keyledger::key::KeyError;
use keyledger::Error;
use serde_json::Value;
use wasm_bindgen::JsValue;

/// The `name` of every thrown error.
pub const ERROR_NAME: &str = "KeyledgerError";

/// What a thrown error carries, before it becomes a JS object.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorView {
    /// Stable code, e.g. `"key.typo"`.
    pub code: &'static str,
    /// The sentence for a person (the Rust `Display`).
    pub message: String,
    /// The fields of the Rust variant, camelCase, in declaration order.
    pub fields: Vec<(&'static str, Value)>,
}

fn num(n: impl Into<u64>) -> Value {
    Value::from(n.into())
}

fn size(n: usize) -> Value {
    Value::from(n as u64)
}

fn key_fields(err: &KeyError) -> Vec<(&'static str, Value)> {
    match err {
        KeyError::WrongLength { found } => vec![("found", size(*found))],
        KeyError::InvalidCharacter {
            position,
            character,
        } => vec![
            ("position", size(*position)),
            ("character", Value::from(character.to_string())),
        ],
        KeyError::UnsupportedVersion { version } => vec![("version", num(*version))],
        KeyError::UnknownProduct { product } => vec![("product", num(*product))],
        KeyError::UnknownSecret { secret_id }
        | KeyError::DuplicateSecret { secret_id }
        | KeyError::ActiveSecret { secret_id } => vec![("secretId", num(*secret_id))],
        KeyError::TooManyKeys { requested, max } => {
            vec![("requested", num(*requested)), ("max", num(*max))]
        }
        KeyError::SerialOutOfRange { serial, max } => {
            vec![("serial", num(*serial)), ("max", num(*max))]
        }
        KeyError::WeakSecret { len, min } => vec![("len", size(*len)), ("min", size(*min))],
        KeyError::SecretIdOutOfRange { secret_id, max } => {
            vec![("secretId", num(*secret_id)), ("max", num(*max))]
        }
        _ => Vec::new(),
    }
}

fn catalog_fields(err: &CatalogError) -> Vec<(&'static str, Value)> {
    match err {
        CatalogError::ProductIdOutOfRange { id, max } => {
            vec![("id", num(*id)), ("max", num(*max))]
        }
        CatalogError::DuplicateProductId { id, existing } => {
            vec![
                ("id", num(*id)),
                ("existing", Value::from(existing.as_str())),
            ]
        }
        CatalogError::BadProductName { name } | CatalogError::ZeroLicences { name } => {
            vec![("name", Value::from(name.as_str()))]
        }
        _ => Vec::new(),
    }
}

fn format_fields(err: &FormatError) -> Vec<(&'static str, Value)> {
    match err {
        // serde_json's own message is already part of the Error's `message`.
        FormatError::Corrupt { line, column, .. } => {
            vec![("line", size(*line)), ("column", size(*column))]
        }
        FormatError::WrongFormat { expected, found } => vec![
            ("expected", Value::from(expected.as_str())),
            ("found", Value::from(found.as_str())),
        ],
        FormatError::FutureVersion { found, supported } => {
            vec![("found", num(*found)), ("supported", num(*supported))]
        }
        _ => Vec::new(),
    }
}

/// The code, message and fields of an error.
pub fn view(err: &Error) -> ErrorView {
    let fields = match err {
        Error::Key(e) => key_fields(e),
        Error::Catalog(e) => catalog_fields(e),
        Error::Format(e) => format_fields(e),
        _ => Vec::new(),
    };
    ErrorView {
        code: err.code(),
        message: err.to_string(),
        fields,
    }
}

fn field_to_js(value: &Value) -> JsValue {
    match value {
        Value::Number(n) => n.as_f64().map_or(JsValue::NULL, JsValue::from_f64),
        Value::String(s) => JsValue::from_str(s),
        Value::Bool(b) => JsValue::from_bool(*b),
        _ => JsValue::NULL,
    }
}

/// The JS `Error` for a keyledger error (see the [module docs](self)).
pub fn to_js(err: impl Into<Error>) -> JsValue {
    throw(&view(&err.into()))
}

/// The JS `Error` for a view.
pub fn throw(view: &ErrorView) -> JsValue {
    let error = js_sys::Error::new(&view.message);
    error.set_name(ERROR_NAME);
    // Setting a property on a fresh, extensible Error object cannot fail.
    let _ = js_sys::Reflect::set(&error, &"code".into(), &view.code.into());
    for (name, value) in &view.fields {
        let _ = js_sys::Reflect::set(&error, &(*name).into(), &field_to_js(value));
    }
    error.into()
}

/// A serde value as a plain JS object (through `JSON.parse`: one crossing, no class wrappers).
///
/// # Errors
/// A coded `format.write` error if the value cannot be written as JSON (never for the binding's
/// own views).
pub fn plain<T: serde::Serialize>(value: &T) -> Result<JsValue, JsValue> {
    let text = serde_json::to_string(value).map_err(|e| {
        to_js(FormatError::Write {
            message: e.to_string(),
        })
    })?;
    js_sys::JSON::parse(&text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use keyledger::key::ProductKey;

    #[test]
    fn invalid_character_carries_position_and_character() {
        let err: Error = ProductKey::parse("ABCD-EFGH-JKMN-PQRU").unwrap_err().into();
        let v = view(&err);
        assert_eq!(v.code, "key.malformed");
        assert_eq!(
            v.fields,
            vec![
                ("position", Value::from(19)),
                ("character", Value::from("U"))
            ]
        );
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
                let n = value
                    .as_u64()
                    .unwrap_or_else(|| panic!("{name} is a number"));
                assert!(n < (1 << 53), "{name} = {n} fits an f64 exactly");
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
                assert!(!["message", "name", "code", "stack", "cause"].contains(&name));
            }
        }
        assert_eq!(
            view(&KeyError::UnknownSecret { secret_id: 3 }.into()).fields,
            vec![("secretId", Value::from(3))]
        );
    }
}
