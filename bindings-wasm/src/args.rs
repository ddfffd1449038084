//! Argument checks at the JS boundary.
//!
//! wasm-bindgen's own conversions trust the caller: a number passed where a `&str` is expected can
//! make the instance trap, and numbers are coerced with `>>> 0` (so `-1` becomes 4294967295 and a
//! forgotten argument becomes 0). Exports therefore take `JsValue` and check it here, throwing a
//! coded `js.bad_argument` error (fields `argument`, `expected`) for anything else.

use serde_json::Value;
use wasm_bindgen::{JsCast, JsValue};

use crate::errors::{throw, ErrorView};

/// The error for an argument of the wrong type or range, as a plain view.
pub fn bad_argument(argument: &'static str, expected: &'static str) -> ErrorView {
    ErrorView {
        code: "js.bad_argument",
        message: format!("argument `{argument}` must be {expected}"),
        fields: vec![
            ("argument", Value::from(argument)),
            ("expected", Value::from(expected)),
        ],
    }
}

/// The error for a capability this build was made without.
pub fn unsupported(what: &'static str, feature: &'static str) -> ErrorView {
    ErrorView {
        code: "js.unsupported",
        message: format!(
            "{what} are not in this build of keyledger-wasm (cargo feature `{feature}`)"
        ),
        fields: vec![("feature", Value::from(feature))],
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
    fn bad_argument_names_what_was_expected() {
        let v = bad_argument("text", "a string");
        assert_eq!(v.code, "js.bad_argument");
        assert_eq!(v.message, "argument `text` must be a string");
        assert_eq!(v.fields[0], ("argument", Value::from("text")));
    }
}
