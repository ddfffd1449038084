//! Plain JS values (`null`, booleans, numbers, strings, arrays, plain objects) without serde_json.
//!
//! The results of the key and catalog functions and the fields of thrown errors are built as a
//! [`Plain`] tree, then turned into JS values with [`Plain::to_js`]: a few lines of JSON writing
//! (integers and string escapes only) and one `JSON.parse`, so no serde_json serializer and no
//! float formatting in the key-only module, and one boundary crossing per result (building the
//! object with `Reflect.set` field by field measured twice as slow per key check). The tree is
//! plain Rust, so the native tests compare it with the serde form it stands for ([`Plain`]
//! serialises like it).

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use std::borrow::Cow;
use wasm_bindgen::JsValue;

/// The name of an object's field (usually a `&'static str`).
pub type Name = Cow<'static, str>;

/// A JS value made of `null`, booleans, numbers, strings, arrays and plain objects.
#[derive(Debug, Clone, PartialEq)]
pub enum Plain {
    /// `null` (an absent fact).
    Null,
    /// A boolean.
    Bool(bool),
    /// A number (every integer of the key functions fits an `f64` exactly).
    Number(f64),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Plain>),
    /// A plain object; fields in this order.
    Object(Vec<(Name, Plain)>),
}

impl Plain {
    /// A plain object from `(name, value)` pairs.
    pub fn object<const N: usize>(fields: [(&'static str, Plain); N]) -> Plain {
        Plain::Object(
            fields
                .into_iter()
                .map(|(name, value)| (Name::Borrowed(name), value))
                .collect(),
        )
    }

    /// An array of the values of `items`.
    pub fn array<T, I: IntoIterator<Item = T>>(items: I) -> Plain
    where
        Plain: From<T>,
    {
        Plain::Array(items.into_iter().map(Plain::from).collect())
    }

    /// The JS value. An array or object is its JSON text through `JSON.parse` (one crossing), or,
    /// if it holds a number that is not a safe integer (never one of the key functions'), built
    /// value by value.
    pub fn to_js(&self) -> JsValue {
        if matches!(self, Plain::Array(_) | Plain::Object(_)) {
            let mut text = String::with_capacity(256);
            if self.write_json(&mut text) {
                if let Ok(value) = js_sys::JSON::parse(&text) {
                    return value;
                }
            }
        }
        self.build()
    }

    /// The JS value built with `Object`, `Reflect.set` and `Array` (one crossing per value).
    fn build(&self) -> JsValue {
        match self {
            Plain::Null => JsValue::NULL,
            Plain::Bool(b) => JsValue::from_bool(*b),
            Plain::Number(n) => JsValue::from_f64(*n),
            Plain::String(s) => JsValue::from_str(s),
            Plain::Array(items) => items
                .iter()
                .map(Plain::build)
                .collect::<js_sys::Array>()
                .into(),
            Plain::Object(fields) => {
                let object = js_sys::Object::new();
                for (name, value) in fields {
                    set(&object, name, &value.build());
                }
                object.into()
            }
        }
    }

    /// Appends the JSON text of the tree; `false` (text unfinished) at a number that is not a safe
    /// integer: those would need float formatting.
    pub fn write_json(&self, out: &mut String) -> bool {
        match self {
            Plain::Null => out.push_str("null"),
            Plain::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Plain::Number(n) => match safe_integer(*n) {
                Some(i) => write_integer(out, i),
                None => return false,
            },
            Plain::String(text) => write_string(out, text),
            Plain::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    if !item.write_json(out) {
                        return false;
                    }
                }
                out.push(']');
            }
            Plain::Object(fields) => {
                out.push('{');
                for (i, (name, value)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_string(out, name);
                    out.push(':');
                    if !value.write_json(out) {
                        return false;
                    }
                }
                out.push('}');
            }
        }
        true
    }
}

/// The integer `n` is, if it is one that a JS number holds exactly (and not `-0`).
fn safe_integer(n: f64) -> Option<i64> {
    const LIMIT: f64 = 9_007_199_254_740_992.0; // 2^53
    let zero_sign_kept = n != 0.0 || n.is_sign_positive();
    (n.fract() == 0.0 && n.abs() < LIMIT && zero_sign_kept).then_some(n as i64)
}

/// Decimal digits, without `core::fmt`.
fn write_integer(out: &mut String, n: i64) {
    if n < 0 {
        out.push('-');
    }
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = n.unsigned_abs();
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    out.extend(digits[at..].iter().map(|&d| char::from(d)));
}

/// A JSON string: quotes, backslashes and control characters escaped, the rest copied as is.
fn write_string(out: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    let mut copied = 0;
    for (i, b) in text.bytes().enumerate() {
        if b != b'"' && b != b'\\' && b >= 0x20 {
            continue;
        }
        // `i` is at an ASCII byte, so on a character boundary.
        out.push_str(&text[copied..i]);
        copied = i + 1;
        out.push('\\');
        if b < 0x20 {
            out.push_str("u00");
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        } else {
            out.push(char::from(b));
        }
    }
    out.push_str(&text[copied..]);
    out.push('"');
}

/// Sets a property on a fresh plain object or `Error` (which cannot fail: both are extensible and
/// have no setters for these names).
pub fn set(target: &JsValue, name: &str, value: &JsValue) {
    let _ = js_sys::Reflect::set(target, &JsValue::from_str(name), value);
}

impl From<bool> for Plain {
    fn from(b: bool) -> Self {
        Plain::Bool(b)
    }
}

macro_rules! number {
    ($($t:ty),*) => {$(
        impl From<$t> for Plain {
            fn from(n: $t) -> Self {
                Plain::Number(n as f64)
            }
        }
    )*};
}
number!(u8, u32, u64, usize);

impl From<&str> for Plain {
    fn from(s: &str) -> Self {
        Plain::String(s.to_owned())
    }
}

impl From<&String> for Plain {
    fn from(s: &String) -> Self {
        Plain::String(s.clone())
    }
}

impl From<String> for Plain {
    fn from(s: String) -> Self {
        Plain::String(s)
    }
}

/// A character is a one-character string.
impl From<char> for Plain {
    fn from(c: char) -> Self {
        Plain::String(c.to_string())
    }
}

/// `None` is `null`.
impl<T> From<Option<T>> for Plain
where
    Plain: From<T>,
{
    fn from(value: Option<T>) -> Self {
        value.map_or(Plain::Null, Plain::from)
    }
}

/// A JSON value as it would come out of `JSON.parse` (objects keep serde_json's key order).
impl From<serde_json::Value> for Plain {
    fn from(value: serde_json::Value) -> Self {
        use serde_json::Value;
        match value {
            Value::Null => Plain::Null,
            Value::Bool(b) => Plain::Bool(b),
            Value::Number(n) => n.as_f64().map_or(Plain::Null, Plain::Number),
            Value::String(s) => Plain::String(s),
            Value::Array(items) => Plain::array(items),
            Value::Object(map) => Plain::Object(
                map.into_iter()
                    .map(|(name, value)| (Name::Owned(name), value.into()))
                    .collect(),
            ),
        }
    }
}

/// As JSON: what the value looks like to JS (whole numbers as integers), for comparisons with the
/// serde form in tests.
impl Serialize for Plain {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Plain::Null => s.serialize_unit(),
            Plain::Bool(b) => s.serialize_bool(*b),
            Plain::Number(n) => match safe_integer(*n) {
                Some(i) if i < 0 => s.serialize_i64(i),
                Some(i) => s.serialize_u64(i.unsigned_abs()),
                None => s.serialize_f64(*n),
            },
            Plain::String(text) => s.serialize_str(text),
            Plain::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Plain::Object(fields) => {
                let mut map = s.serialize_map(Some(fields.len()))?;
                for (name, value) in fields {
                    map.serialize_entry(name.as_ref(), value)?;
                }
                map.end()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    /// Strings made of the characters JSON escaping is about: controls, quotes, backslashes,
    /// characters beyond the BMP and the line separators JSON allows raw.
    const HARD: &str = "[\\x00-\\x1f\"\\\\/a\u{7f}\u{e9}\u{1F600}\u{2028}\u{2029}]{0,24}";

    proptest! {
        /// Any string (as a value and as a field name) and any safe integer come back exactly as
        /// written, read by a real JSON parser.
        #[test]
        fn any_string_and_safe_integer_read_back(
            text in prop_oneof![any::<String>(), HARD],
            name in prop_oneof![any::<String>(), HARD],
            n in -9_007_199_254_740_991i64..=9_007_199_254_740_991,
        ) {
            let p = Plain::Object(vec![
                (Name::Owned(name.clone()), Plain::String(text.clone())),
                (Name::Borrowed("n"), Plain::Number(n as f64)),
            ]);
            let mut out = String::new();
            prop_assert!(p.write_json(&mut out));
            let read: serde_json::Value = serde_json::from_str(&out).unwrap();
            prop_assert_eq!(read.get(name.as_str()).and_then(|v| v.as_str()), Some(text.as_str()));
            prop_assert_eq!(read.get("n").and_then(|v| v.as_i64()), Some(n));
        }
    }

    #[test]
    fn serialises_as_the_json_it_stands_for() {
        let p = Plain::object([
            ("n", 3u32.into()),
            ("big", u64::from(u32::MAX).into()),
            ("none", Option::<u32>::None.into()),
            ("c", 'é'.into()),
            ("list", Plain::array(["a", "b"])),
        ]);
        assert_eq!(
            serde_json::to_string(&p).unwrap(),
            r#"{"n":3,"big":4294967295,"none":null,"c":"é","list":["a","b"]}"#
        );
    }

    /// The JSON text `to_js` parses reads back as the value's serde form.
    #[test]
    fn json_text_reads_back_as_the_serde_form() {
        let odd = "quote \" backslash \\ controls \u{0}\u{7}\n\t\r\u{1f} del \u{7f} é 😀 \u{2028}";
        let p = Plain::object([
            ("s", odd.into()),
            (
                "n",
                Plain::array([0u64, 1, 9, 10, 4_294_967_295, 9_007_199_254_740_991]),
            ),
            ("neg", Plain::Number(-12.0)),
            ("t", true.into()),
            ("f", false.into()),
            ("none", Plain::Null),
            ("empty", Plain::Array(Vec::new())),
            ("nested", Plain::object([("k\"ey", 'x'.into())])),
            ("o", Plain::Object(Vec::new())),
        ]);
        let mut text = String::new();
        assert!(p.write_json(&mut text));
        let read: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(read, serde_json::to_value(&p).unwrap(), "{text}");
        assert!(text.starts_with(r#"{"s":"quote \" backslash \\ controls \u0000\u0007\u000a"#));
        for n in [0.5, f64::NAN, f64::INFINITY, -0.0, 9_007_199_254_740_992.0] {
            assert!(
                !Plain::Array(vec![Plain::Number(n)]).write_json(&mut String::new()),
                "{n}"
            );
        }
    }

    #[test]
    fn json_values_convert_like_json_parse() {
        let value = json!({"b": [1, 2.5, -3], "a": {"x": null, "y": true}});
        let p = Plain::from(value.clone());
        assert_eq!(serde_json::to_value(&p).unwrap(), value);
        match p {
            Plain::Object(fields) => assert_eq!(fields[0].0, "a", "serde_json's key order"),
            other => panic!("{other:?}"),
        }
    }
}
