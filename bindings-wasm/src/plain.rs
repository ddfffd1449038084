//! Plain JS values written field by field (`Object` + `Reflect.set`, `Array`), without JSON.
//!
//! The results of the key and catalog functions and the fields of thrown errors are built as a
//! [`Plain`] tree, then turned into JS values with [`Plain::to_js`]: no serde_json serializer, no
//! float formatting and no `JSON.parse` in the key-only module. The tree is plain Rust, so the
//! native tests compare it with the serde form it stands for ([`Plain`] serialises like it).

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

    /// The JS value.
    pub fn to_js(&self) -> JsValue {
        match self {
            Plain::Null => JsValue::NULL,
            Plain::Bool(b) => JsValue::from_bool(*b),
            Plain::Number(n) => JsValue::from_f64(*n),
            Plain::String(s) => JsValue::from_str(s),
            Plain::Array(items) => items
                .iter()
                .map(Plain::to_js)
                .collect::<js_sys::Array>()
                .into(),
            Plain::Object(fields) => {
                let object = js_sys::Object::new();
                for (name, value) in fields {
                    set(&object, name, &value.to_js());
                }
                object.into()
            }
        }
    }
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
            Plain::Number(n) if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 => {
                if *n < 0.0 {
                    s.serialize_i64(*n as i64)
                } else {
                    s.serialize_u64(*n as u64)
                }
            }
            Plain::Number(n) => s.serialize_f64(*n),
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
    use serde_json::json;

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
