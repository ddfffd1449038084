//! Argument checks at the JS boundary.
//!
//! wasm-bindgen's own conversions trust the caller: a number passed where a `&str` is expected can
//! make the instance trap, and numbers are coerced with `>>> 0` (so `-1` becomes 4294967295 and a
//! forgotten argument becomes 0). Exports therefore take `JsValue` and check it here, throwing a
//! coded `js.bad_argument` error (fields `argument`, `expected`) for anything else.

use serde_json::Value;
use wasm_bindgen::{JsCast, JsValue};

use crate::errors::{field, throw, ErrorView};

/// The error for an argument of the wrong type or range, as a plain view.
pub fn bad_argument(argument: &'static str, expected: &'static str) -> ErrorView {
    ErrorView {
        code: "js.bad_argument",
        message: format!("argument `{argument}` must be {expected}"),
        fields: vec![field("argument", argument), field("expected", expected)],
    }
}

/// The error for a capability this build was made without.
pub fn unsupported(what: &'static str, feature: &'static str) -> ErrorView {
    ErrorView {
        code: "js.unsupported",
        message: format!(
            "{what} are not in this build of keyledger-wasm (cargo feature `{feature}`)"
        ),
        fields: vec![field("feature", feature)],
    }
}

/// A string argument.
///
/// # Errors
/// `js.bad_argument` for anything but a string.
pub fn string(value: &JsValue, argument: &'static str) -> Result<String, JsValue> {
    value
        .as_string()
        .ok_or_else(|| throw(&bad_argument(argument, "a string")))
}

/// An optional string argument (`undefined` or `null` for none).
///
/// # Errors
/// `js.bad_argument` for anything but a string, `undefined` or `null`.
pub fn optional_string(value: &JsValue, argument: &'static str) -> Result<Option<String>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    string(value, argument).map(Some)
}

/// The largest integer a JS number holds exactly (2^53 - 1).
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// The error for a JSON document argument (command, event, price list...) of the wrong shape.
pub fn bad_document(argument: &'static str, expected: &'static str, why: &str) -> ErrorView {
    let mut view = bad_argument(argument, expected);
    view.message = format!("argument `{argument}` must be {expected}: {why}");
    view
}

/// Whether JSON text may hold an integer beyond 2^53 - 1: such an integer has at least 16 digits
/// (2^53 - 1 = 9007199254740991), so text without a run of 16 digits holds none. A cheap test that
/// spares reading the text as a `Value` for almost every result.
pub fn may_hold_unsafe_integer(text: &str) -> bool {
    let mut run = 0;
    for b in text.bytes() {
        run = if b.is_ascii_digit() { run + 1 } else { 0 };
        if run >= 16 {
            return true;
        }
    }
    false
}

/// The first integer in `value` that a JS number cannot hold exactly, if any.
pub fn unsafe_integer(value: &Value) -> Option<&serde_json::Number> {
    match value {
        Value::Number(n) => {
            let safe = match (n.as_u64(), n.as_i64()) {
                (Some(u), _) => u <= MAX_SAFE_INTEGER,
                (None, Some(i)) => i.unsigned_abs() <= MAX_SAFE_INTEGER,
                // Floats: not integers of the data model (none of keyledger's fields are floats).
                _ => true,
            };
            (!safe).then_some(n)
        }
        Value::Array(items) => items.iter().find_map(unsafe_integer),
        Value::Object(map) => map.values().find_map(unsafe_integer),
        _ => None,
    }
}

/// Reads a JSON-shaped document `T` from a string of JSON text or from a plain JS value (written
/// with `JSON.stringify`, so `Date`s become ISO strings).
///
/// # Errors
/// `js.bad_argument` (fields `argument`, `expected`) when the value is not JSON-able, does not
/// have the shape of `T` (the message says what serde found wrong), or holds an integer beyond
/// 2^53 - 1.
#[cfg(feature = "full")]
pub fn document<T: serde::de::DeserializeOwned>(
    value: &JsValue,
    argument: &'static str,
    expected: &'static str,
) -> Result<T, JsValue> {
    let text = match value.as_string() {
        Some(text) => text,
        None if value.is_undefined() => {
            return Err(throw(&bad_argument(argument, expected)));
        }
        None => js_sys::JSON::stringify(value)
            .ok()
            .and_then(|s| s.as_string())
            .ok_or_else(|| throw(&bad_document(argument, expected, "not JSON-able")))?,
    };
    document_from_text(&text, argument, expected).map_err(|v| throw(&v))
}

/// The plain-Rust part of [`document`]: JSON text to `T`.
///
/// # Errors
/// As [`document`], as a view.
pub fn document_from_text<T: serde::de::DeserializeOwned>(
    text: &str,
    argument: &'static str,
    expected: &'static str,
) -> Result<T, ErrorView> {
    // The integer check reads the text as a generic `Value`; `T` is then read from the text itself,
    // so that each document type has one deserializer in the module (not one per source).
    let value: Value =
        serde_json::from_str(text).map_err(|e| bad_document(argument, expected, &e.to_string()))?;
    if let Some(n) = unsafe_integer(&value) {
        let why = format!("{n} is beyond 2^53 - 1, the largest integer a JS number holds exactly");
        return Err(bad_document(argument, expected, &why));
    }
    serde_json::from_str(text).map_err(|e| bad_document(argument, expected, &e.to_string()))
}

/// An optional JSON document: `None` for `undefined` or `null`.
///
/// # Errors
/// As [`document`].
#[cfg(feature = "full")]
pub fn optional_document<T: serde::de::DeserializeOwned>(
    value: &JsValue,
    argument: &'static str,
    expected: &'static str,
) -> Result<Option<T>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    document(value, argument, expected).map(Some)
}

/// A 64-bit unsigned integer: a `BigInt` (any value of 0..2^64) or a safe-integer number.
///
/// # Errors
/// `js.bad_argument` for anything else.
#[cfg(feature = "full")]
pub fn u64_arg(value: &JsValue, argument: &'static str) -> Result<u64, JsValue> {
    const EXPECTED: &str = "a BigInt in 0..2^64 or a whole number in 0..2^53";
    if value.is_bigint() {
        return u64::try_from(value.clone()).map_err(|_| throw(&bad_argument(argument, EXPECTED)));
    }
    value
        .as_f64()
        .filter(|n| n.fract() == 0.0 && (0.0..=MAX_SAFE_INTEGER as f64).contains(n))
        .map(|n| n as u64)
        .ok_or_else(|| throw(&bad_argument(argument, EXPECTED)))
}

/// A signed integer argument that a JS number holds exactly (seconds, tolerances).
///
/// # Errors
/// `js.bad_argument` for anything else.
#[cfg(feature = "full")]
pub fn int(value: &JsValue, argument: &'static str) -> Result<i64, JsValue> {
    value
        .as_f64()
        .filter(|n| n.fract() == 0.0 && n.abs() <= MAX_SAFE_INTEGER as f64)
        .map(|n| n as i64)
        .ok_or_else(|| throw(&bad_argument(argument, "a whole number within ±(2^53 - 1)")))
}

/// Whether `n` is an integer that fits a `u32`.
pub fn as_u32(n: f64) -> Option<u32> {
    (n.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&n)).then_some(n as u32)
}

/// A non-negative integer argument (0 to 4 294 967 295).
///
/// # Errors
/// `js.bad_argument` for anything else (including `undefined`, strings, negative or fractional
/// numbers).
pub fn uint(value: &JsValue, argument: &'static str) -> Result<u32, JsValue> {
    value
        .as_f64()
        .and_then(as_u32)
        .ok_or_else(|| throw(&bad_argument(argument, "a non-negative integer")))
}

/// An optional integer argument: `default` for `undefined`.
///
/// # Errors
/// As [`uint`].
pub fn optional_uint(
    value: &JsValue,
    argument: &'static str,
    default: u32,
) -> Result<u32, JsValue> {
    if value.is_undefined() {
        return Ok(default);
    }
    uint(value, argument)
}

/// Bytes from a `Uint8Array`.
///
/// # Errors
/// `js.bad_argument` for anything else.
pub fn bytes(value: &JsValue, argument: &'static str) -> Result<Vec<u8>, JsValue> {
    value
        .dyn_ref::<js_sys::Uint8Array>()
        .map(js_sys::Uint8Array::to_vec)
        .ok_or_else(|| throw(&bad_argument(argument, "a Uint8Array")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_whole_numbers_in_range_are_u32() {
        assert_eq!(as_u32(0.0), Some(0));
        assert_eq!(as_u32(4_294_967_295.0), Some(u32::MAX));
        for bad in [-1.0, 0.5, 4_294_967_296.0, f64::NAN, f64::INFINITY] {
            assert_eq!(as_u32(bad), None, "{bad}");
        }
    }

    #[test]
    fn documents_refuse_integers_a_js_number_cannot_hold() {
        let ok: Value =
            document_from_text(r#"{"a":[9007199254740991]}"#, "x", "an object").unwrap();
        assert_eq!(ok["a"][0], 9_007_199_254_740_991_u64);
        let err = document_from_text::<Value>(r#"{"a":[9007199254740992]}"#, "x", "an object")
            .unwrap_err();
        assert_eq!(err.code, "js.bad_argument");
        assert!(err.message.contains("9007199254740992"), "{}", err.message);
        assert!(document_from_text::<Value>("[-9007199254740992]", "x", "a list").is_err());
    }

    #[test]
    fn the_digit_run_test_never_misses_an_unsafe_integer() {
        for n in [MAX_SAFE_INTEGER + 1, u64::MAX, 10_000_000_000_000_000] {
            let text = format!(r#"{{"a":[1,{n}]}}"#);
            assert!(may_hold_unsafe_integer(&text), "{text}");
            let value: Value = serde_json::from_str(&text).unwrap();
            assert!(unsafe_integer(&value).is_some());
        }
        assert!(!may_hold_unsafe_integer(
            r#"{"id":9007199254740,"t":"2026-10-01T00:00:00Z"}"#
        ));
        let negative = format!("[-{}]", MAX_SAFE_INTEGER + 1);
        assert!(may_hold_unsafe_integer(&negative));
    }

    #[test]
    fn documents_say_what_serde_found_wrong() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct T {
            n: u32,
        }
        let err = document_from_text::<T>(r#"{"m":1}"#, "command", "a command").unwrap_err();
        assert!(
            err.message
                .starts_with("argument `command` must be a command: missing field `n`"),
            "{}",
            err.message
        );
        assert_eq!(err.fields[1], field("expected", "a command"));
    }

    #[test]
    fn bad_argument_names_what_was_expected() {
        let v = bad_argument("text", "a string");
        assert_eq!(v.code, "js.bad_argument");
        assert_eq!(v.message, "argument `text` must be a string");
        assert_eq!(v.fields[0], field("argument", "text"));
        let u = unsupported("catalogs passed as JSON", "catalog-json");
        assert_eq!(
            u.message,
            "catalogs passed as JSON are not in this build of keyledger-wasm (cargo feature `catalog-json`)"
        );
        assert_eq!(u.fields, vec![field("feature", "catalog-json")]);
    }
}
