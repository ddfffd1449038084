//! Product keys for JavaScript: `checkKey`, `parseKey` and the `Issuer` class.
//!
//! Thin: each export calls one core function and turns its answer into a plain object (a view
//! struct below, written field by field as a [`Plain`] tree) or a coded `Error`
//! ([`crate::errors`]). The views also serialise (serde), and the tests check both forms agree.

use crate::args;
use crate::catalog::{catalog_plain, from_arg, from_json_js, preset};
use crate::errors::{coded as to_js, KeyApiError};
use crate::plain::Plain;
use keyledger::catalog::{Catalog, ProductId};
use keyledger::key::{check_key, Issuer as CoreIssuer, KeyCheck, ProductKey};
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// The answer of `checkKey` / `Issuer.check`, as JS sees it. Absent facts are `null`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "KeyCheckObject"))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckView {
    /// Whether the key may be used (without a secret: worth sending).
    pub usable: bool,
    /// `"ok"` or a key error code (`"key.typo"`, ...).
    #[cfg_attr(feature = "ts", ts(type = "CheckCode"))]
    pub code: &'static str,
    /// A sentence for a person.
    pub detail: String,
    /// The key in canonical form, when it parsed.
    pub key: Option<String>,
    /// The product's name, when the key parsed and the product is known.
    pub product: Option<String>,
    /// Serial number, when the key parsed.
    pub serial: Option<u32>,
    /// For a malformed key: 1-based position of the offending character.
    pub position: Option<usize>,
    /// For a malformed key: the offending character.
    pub character: Option<char>,
}

impl From<KeyCheck> for CheckView {
    fn from(c: KeyCheck) -> Self {
        CheckView {
            usable: c.usable,
            code: c.code.as_str(),
            detail: c.detail,
            key: c.key.map(|k| key_text(&k)),
            product: c.product,
            serial: c.serial,
            position: c.position,
            character: c.character,
        }
    }
}

impl From<CheckView> for Plain {
    /// The fields in the order of the serde form.
    fn from(v: CheckView) -> Self {
        Plain::object([
            ("usable", v.usable.into()),
            ("code", v.code.into()),
            ("detail", v.detail.into()),
            ("key", v.key.into()),
            ("product", v.product.into()),
            ("serial", v.serial.into()),
            ("position", v.position.into()),
            ("character", v.character.into()),
        ])
    }
}

/// The answer of `checkKey`, `Issuer.check` and `Ledger.validate` as JS sees it (JS class
/// `KeyCheck`): a small object whose getters read the Rust value, so that a check crosses the
/// boundary as one pointer instead of a built object or JSON text (≤ 1 µs per call, see
/// benches/README.md). The package adds `toJSON()` in JS (npm/assemble.mjs), the plain object of
/// the eight getters, which `JSON.stringify` uses.
#[wasm_bindgen(js_name = KeyCheck)]
pub struct JsKeyCheck {
    view: CheckView,
}

impl From<CheckView> for JsKeyCheck {
    fn from(view: CheckView) -> Self {
        JsKeyCheck { view }
    }
}

/// A string, or `null` for an absent fact (as the plain objects have them).
fn text_or_null(text: Option<&str>) -> JsValue {
    text.map_or(JsValue::NULL, JsValue::from_str)
}

impl JsKeyCheck {
    /// The Rust view.
    pub fn view(&self) -> &CheckView {
        &self.view
    }
}

#[wasm_bindgen(js_class = KeyCheck)]
impl JsKeyCheck {
    /// Whether the key may be used (without a secret: worth sending).
    #[wasm_bindgen(getter)]
    pub fn usable(&self) -> bool {
        self.view.usable
    }

    /// `"ok"` or a key error code (`"key.typo"`, ...).
    #[wasm_bindgen(getter, unchecked_return_type = "CheckCode")]
    pub fn code(&self) -> String {
        self.view.code.to_string()
    }

    /// A sentence for a person.
    #[wasm_bindgen(getter)]
    pub fn detail(&self) -> String {
        self.view.detail.clone()
    }

    /// The key in canonical form, when it parsed.
    #[wasm_bindgen(getter, unchecked_return_type = "string | null")]
    pub fn key(&self) -> JsValue {
        text_or_null(self.view.key.as_deref())
    }

    /// The product's name, when the key parsed and the product is known.
    #[wasm_bindgen(getter, unchecked_return_type = "string | null")]
    pub fn product(&self) -> JsValue {
        text_or_null(self.view.product.as_deref())
    }

    /// Serial number, when the key parsed.
    #[wasm_bindgen(getter, unchecked_return_type = "number | null")]
    pub fn serial(&self) -> JsValue {
        self.view.serial.map_or(JsValue::NULL, JsValue::from)
    }

    /// For a malformed key: 1-based position of the offending character.
    #[wasm_bindgen(getter, unchecked_return_type = "number | null")]
    pub fn position(&self) -> JsValue {
        self.view.position.map_or(JsValue::NULL, |p| {
            JsValue::from(u32::try_from(p).unwrap_or(u32::MAX))
        })
    }

    /// For a malformed key: the offending character.
    #[wasm_bindgen(getter, unchecked_return_type = "string | null")]
    pub fn character(&self) -> JsValue {
        let mut buf = [0; 4];
        text_or_null(self.view.character.map(|c| &*c.encode_utf8(&mut buf)))
    }
}

/// A key's canonical text, from its ASCII form (without `core::fmt`).
pub fn key_text(key: &ProductKey) -> String {
    key.to_ascii().iter().map(|&b| char::from(b)).collect()
}

/// A parsed key, as JS sees it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "ParsedKey"))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyView {
    /// Canonical text `XXXX-XXXX-XXXX-XXXX`.
    pub key: String,
    /// Key format version.
    pub version: u8,
    /// Id of the issuer secret that made it.
    pub secret_id: u8,
    /// Product id (0–63).
    pub product: u8,
    /// Serial number.
    pub serial: u32,
}

impl From<ProductKey> for KeyView {
    fn from(k: ProductKey) -> Self {
        KeyView {
            key: key_text(&k),
            version: k.version(),
            secret_id: k.secret_id(),
            product: k.product().get(),
            serial: k.serial(),
        }
    }
}

impl From<KeyView> for Plain {
    /// The fields in the order of the serde form.
    fn from(v: KeyView) -> Self {
        Plain::object([
            ("key", v.key.into()),
            ("version", v.version.into()),
            ("secretId", v.secret_id.into()),
            ("product", v.product.into()),
            ("serial", v.serial.into()),
        ])
    }
}

/// A view as a JS value.
fn js(view: impl Into<Plain>) -> JsValue {
    view.into().to_js()
}

/// A product id argument (0–63).
///
/// # Errors
/// `js.bad_argument` for a non-integer, `catalog.product_id_range` above 63.
pub fn product_arg(value: &JsValue, argument: &'static str) -> Result<ProductId, JsValue> {
    ProductId::new(args::uint(value, argument)?).map_err(to_js)
}

/// Checks a key without a secret against `catalog` (the preset when `None`).
pub fn check_view(text: &str, catalog: Option<&Catalog>) -> CheckView {
    check_key(catalog.unwrap_or_else(|| preset()), text).into()
}

/// Parses a key.
///
/// # Errors
/// The parse errors of `ProductKey::parse`.
pub fn parse_view(text: &str) -> Result<KeyView, KeyApiError> {
    Ok(ProductKey::parse(text)?.into())
}

/// `checkKey(text, catalogJson?)`: form, typo check, version and product, without any secret,
/// against the StorageCraft preset or the catalog given as JSON. Returns `{usable, code, detail,
/// key, product, serial, position, character}`; never throws for a bad key.
///
/// # Errors
/// `js.bad_argument` for a `text` that is not a string; a coded error for a `catalogJson` that is
/// not a valid catalog (`js.unsupported` in the key-only build).
#[wasm_bindgen(js_name = checkKey)]
pub fn check_key_js(
    #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue,
    #[wasm_bindgen(js_name = catalogJson, unchecked_optional_param_type = "string")]
    catalog_json: JsValue,
) -> Result<JsKeyCheck, JsValue> {
    let text = args::string(&text, "text")?;
    let catalog = from_arg(&catalog_json, "catalogJson")?;
    Ok(check_view(&text, catalog.as_ref()).into())
}

/// `parseKey(text)`: `{key, version, secretId, product, serial}`.
///
/// # Errors
/// A coded error: `key.malformed` (with `found`, or `position` and `character`), `key.typo`,
/// `key.unsupported_version`; `js.bad_argument` for a non-string.
#[wasm_bindgen(js_name = parseKey, unchecked_return_type = "ParsedKey")]
pub fn parse_key_js(
    #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue,
) -> Result<JsValue, JsValue> {
    let text = args::string(&text, "text")?;
    Ok(js(parse_view(&text).map_err(to_js)?))
}

/// Makes and checks keys with an issuer secret (JS class `Issuer`).
#[wasm_bindgen(js_name = Issuer)]
pub struct JsIssuer {
    inner: CoreIssuer,
    catalog: Option<Catalog>,
}

/// The Rust side of the class, tested natively.
impl JsIssuer {
    /// An issuer with one secret.
    ///
    /// # Errors
    /// `key.weak_secret`, `key.secret_id_range`.
    pub fn create(secret: &[u8], secret_id: u32) -> Result<JsIssuer, KeyApiError> {
        Ok(JsIssuer {
            inner: CoreIssuer::new(secret_id, secret)?,
            catalog: None,
        })
    }

    /// The core issuer (for the ledger's `generateKeys` and `validate`).
    pub fn core(&self) -> &CoreIssuer {
        &self.inner
    }

    /// The catalog in use.
    pub fn current_catalog(&self) -> &Catalog {
        self.catalog.as_ref().unwrap_or_else(|| preset())
    }

    /// One key's text.
    ///
    /// # Errors
    /// `catalog.product_id_range`, `key.serial_range`.
    pub fn generate_text(&self, product: u32, serial: u32) -> Result<String, KeyApiError> {
        Ok(key_text(
            &self.inner.generate(ProductId::new(product)?, serial)?,
        ))
    }

    /// A batch of keys' texts.
    ///
    /// # Errors
    /// As `Issuer::generate_batch`, plus `catalog.product_id_range`.
    pub fn generate_batch_texts(
        &self,
        product: u32,
        first_serial: u32,
        quantity: u32,
    ) -> Result<Vec<String>, KeyApiError> {
        Ok(self
            .inner
            .generate_batch(ProductId::new(product)?, first_serial, quantity)?
            .iter()
            .map(key_text)
            .collect())
    }

    /// Parses and verifies.
    ///
    /// # Errors
    /// Parse errors, `key.unknown_secret`, `key.not_genuine`.
    pub fn verify_view(&self, text: &str) -> Result<KeyView, KeyApiError> {
        Ok(self.inner.parse_and_verify(text)?.into())
    }

    /// The full check against the catalog in use.
    pub fn check_view(&self, text: &str) -> CheckView {
        self.inner.check(self.current_catalog(), text).into()
    }
}

#[wasm_bindgen(js_class = Issuer)]
impl JsIssuer {
    /// `new Issuer(secretBytes, secretId = 0)`: an issuer holding one secret (a `Uint8Array` of at
    /// least 16 bytes), active, with the StorageCraft preset as its catalog and a limit of 10 keys
    /// per batch.
    ///
    /// # Errors
    /// `key.weak_secret` (`len`, `min`), `key.secret_id_range` (`secretId`, `max`),
    /// `js.bad_argument`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(js_name = secretBytes, unchecked_param_type = "Uint8Array")] secret: JsValue,
        #[wasm_bindgen(js_name = secretId, unchecked_optional_param_type = "number")]
        secret_id: JsValue,
    ) -> Result<JsIssuer, JsValue> {
        let secret = args::bytes(&secret, "secretBytes")?;
        let secret_id = args::optional_uint(&secret_id, "secretId", 0)?;
        JsIssuer::create(&secret, secret_id).map_err(to_js)
    }

    /// `generate(product, serial)`: the key text for a product id and serial.
    ///
    /// # Errors
    /// `catalog.product_id_range`, `key.serial_range`, `js.bad_argument`.
    pub fn generate(
        &self,
        #[wasm_bindgen(unchecked_param_type = "number")] product: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] serial: JsValue,
    ) -> Result<String, JsValue> {
        let product = args::uint(&product, "product")?;
        let serial = args::uint(&serial, "serial")?;
        self.generate_text(product, serial).map_err(to_js)
    }

    /// `generateBatch(product, firstSerial, quantity)`: consecutive serials, one request.
    ///
    /// # Errors
    /// `key.zero_keys`, `key.too_many` (`requested`, `max`), `key.serial_range`,
    /// `catalog.product_id_range`, `js.bad_argument`.
    #[wasm_bindgen(js_name = generateBatch, unchecked_return_type = "string[]")]
    pub fn generate_batch(
        &self,
        #[wasm_bindgen(unchecked_param_type = "number")] product: JsValue,
        #[wasm_bindgen(js_name = firstSerial, unchecked_param_type = "number")]
        first_serial: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] quantity: JsValue,
    ) -> Result<JsValue, JsValue> {
        let product = args::uint(&product, "product")?;
        let first_serial = args::uint(&first_serial, "firstSerial")?;
        let quantity = args::uint(&quantity, "quantity")?;
        let texts = self
            .generate_batch_texts(product, first_serial, quantity)
            .map_err(to_js)?;
        Ok(js(Plain::array(texts)))
    }

    /// `verify(text)`: the parsed key (`{key, version, secretId, product, serial}`) if genuine.
    ///
    /// # Errors
    /// Parse errors, `key.unknown_secret` (`secretId`), `key.not_genuine`, `js.bad_argument`.
    #[wasm_bindgen(unchecked_return_type = "ParsedKey")]
    pub fn verify(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue,
    ) -> Result<JsValue, JsValue> {
        let text = args::string(&text, "text")?;
        Ok(js(self.verify_view(&text).map_err(to_js)?))
    }

    /// `check(text, catalogJson?)`: like `checkKey`, plus the tag; `usable` means genuine and of a
    /// known product, against the catalog given (as Python's `check(text, catalog)`) or the
    /// issuer's own.
    ///
    /// # Errors
    /// `js.bad_argument` for a non-string; a coded error for a `catalogJson` that is not a valid
    /// catalog (`js.unsupported` in the key-only build); never for a bad key.
    pub fn check(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue,
        #[wasm_bindgen(js_name = catalogJson, unchecked_optional_param_type = "string")]
        catalog_json: JsValue,
    ) -> Result<JsKeyCheck, JsValue> {
        let text = args::string(&text, "text")?;
        let view = match from_arg(&catalog_json, "catalogJson")? {
            Some(catalog) => CheckView::from(self.inner.check(&catalog, &text)),
            None => self.check_view(&text),
        };
        Ok(view.into())
    }

    /// `catalog()`: the catalog in use, as a plain object.
    #[wasm_bindgen(unchecked_return_type = "Catalog")]
    pub fn catalog(&self) -> JsValue {
        js(catalog_plain(self.current_catalog()))
    }

    /// `setCatalog(json)`: checks keys against this catalog (JSON of the shape `catalog()` returns).
    ///
    /// # Errors
    /// `format.corrupt`, a catalog error, `js.bad_argument`; the catalog in use is then unchanged.
    /// `js.unsupported` in a build without the `catalog-json` feature (the key-check page's).
    #[wasm_bindgen(js_name = setCatalog)]
    pub fn set_catalog(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string")] json: JsValue,
    ) -> Result<(), JsValue> {
        let json = args::string(&json, "json")?;
        self.catalog = Some(from_json_js(&json)?);
        Ok(())
    }

    /// `addSecret(secretId, secretBytes)`: holds another secret (not active yet).
    ///
    /// # Errors
    /// `key.duplicate_secret`, `key.secret_id_range`, `key.weak_secret`, `js.bad_argument`.
    #[wasm_bindgen(js_name = addSecret)]
    pub fn add_secret(
        &mut self,
        #[wasm_bindgen(js_name = secretId, unchecked_param_type = "number")] secret_id: JsValue,
        #[wasm_bindgen(js_name = secretBytes, unchecked_param_type = "Uint8Array")] secret: JsValue,
    ) -> Result<(), JsValue> {
        let secret_id = args::uint(&secret_id, "secretId")?;
        let secret = args::bytes(&secret, "secretBytes")?;
        self.inner.add_secret(secret_id, &secret).map_err(to_js)
    }

    /// `setActive(secretId)`: new keys are made under this secret.
    ///
    /// # Errors
    /// `key.unknown_secret`, `key.secret_id_range`, `js.bad_argument`.
    #[wasm_bindgen(js_name = setActive)]
    pub fn set_active(
        &mut self,
        #[wasm_bindgen(js_name = secretId, unchecked_param_type = "number")] secret_id: JsValue,
    ) -> Result<(), JsValue> {
        let secret_id = args::uint(&secret_id, "secretId")?;
        self.inner.set_active(secret_id).map_err(to_js)
    }

    /// `removeSecret(secretId)`: keys made under it no longer verify.
    ///
    /// # Errors
    /// `key.active_secret`, `key.unknown_secret`, `key.secret_id_range`, `js.bad_argument`.
    #[wasm_bindgen(js_name = removeSecret)]
    pub fn remove_secret(
        &mut self,
        #[wasm_bindgen(js_name = secretId, unchecked_param_type = "number")] secret_id: JsValue,
    ) -> Result<(), JsValue> {
        let secret_id = args::uint(&secret_id, "secretId")?;
        self.inner.remove_secret(secret_id).map_err(to_js)
    }

    /// `secretIds`: the ids held, ascending, as an array of numbers (a getter, as Python's
    /// `secret_ids` property).
    #[wasm_bindgen(getter = secretIds, unchecked_return_type = "number[]")]
    pub fn secret_ids(&self) -> JsValue {
        js(Plain::array(self.inner.secret_ids()))
    }

    /// `activeSecret`: the id new keys are made under.
    #[wasm_bindgen(getter = activeSecret)]
    pub fn active_secret(&self) -> u32 {
        u32::from(self.inner.active_secret())
    }

    /// `maxPerRequest`: how many keys one `generateBatch` may make (default 10).
    #[wasm_bindgen(getter = maxPerRequest)]
    pub fn max_per_request(&self) -> u32 {
        self.inner.max_per_request()
    }

    /// `maxPerRequest = n`: settable, as in Python (`issuer.max_per_request = n`).
    ///
    /// # Errors
    /// `key.zero_limit`, `js.bad_argument`; the limit is then unchanged.
    #[wasm_bindgen(setter = maxPerRequest)]
    pub fn set_max_per_request_prop(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "number")] max: JsValue,
    ) -> Result<(), JsValue> {
        self.set_max_per_request(max)
    }

    /// `setMaxPerRequest(n)`: the same as assigning `maxPerRequest`.
    ///
    /// # Errors
    /// `key.zero_limit`, `js.bad_argument`.
    #[wasm_bindgen(js_name = setMaxPerRequest)]
    pub fn set_max_per_request(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "number")] max: JsValue,
    ) -> Result<(), JsValue> {
        let max = args::uint(&max, "max")?;
        self.inner.set_max_per_request(max).map_err(to_js)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keyledger::catalog::presets;

    fn issuer() -> JsIssuer {
        JsIssuer::create(&[7; 32], 0).unwrap()
    }

    #[test]
    fn check_view_of_a_valid_key_names_product_and_serial() {
        let text = issuer().generate_text(1, 12).unwrap();
        let v = check_view(&text.to_lowercase(), None);
        assert!(v.usable);
        assert_eq!(v.code, "ok");
        assert_eq!(v.key.as_deref(), Some(text.as_str()));
        assert_eq!(v.product.as_deref(), Some("ShadowProtect for MSP"));
        assert_eq!(v.serial, Some(12));
        let json = serde_json::to_value(&v).unwrap();
        for field in [
            "usable",
            "code",
            "detail",
            "key",
            "product",
            "serial",
            "position",
            "character",
        ] {
            assert!(json.get(field).is_some(), "{field} is always present");
        }
        assert!(json["position"].is_null());
    }

    #[test]
    fn key_check_class_getters_read_the_view() {
        // The getters returning `JsValue` (null for absent facts) need a JS host: the node
        // tests read them; here, the ones that are plain Rust values and the view they read.
        let bad: JsKeyCheck = check_view("ABCD-EFGH-JKMN-PQRU", None).into();
        assert_eq!(
            (bad.usable(), bad.code()),
            (false, "key.malformed".to_string())
        );
        assert_eq!(
            (bad.view().position, bad.view().character),
            (Some(19), Some('U'))
        );
        let text = issuer().generate_text(1, 12).unwrap();
        let good: JsKeyCheck = issuer().check_view(&text).into();
        assert_eq!((good.usable(), good.code()), (true, "ok".to_string()));
        assert_eq!(good.view().key.as_deref(), Some(text.as_str()));
        assert_eq!(good.detail(), good.view().detail);
    }

    #[test]
    fn check_view_of_a_bad_character_says_where() {
        let v = check_view("ABCD-EFGH-JKMN-PQRU", None);
        assert_eq!(
            (v.usable, v.code, v.position, v.character),
            (false, "key.malformed", Some(19), Some('U'))
        );
        assert_eq!(serde_json::to_value(&v).unwrap()["character"], "U");
    }

    /// What JS receives (the `Plain` tree) is the serde form of the view, field order included.
    #[test]
    fn views_are_written_as_their_serde_form() {
        let i = issuer();
        let good = i.generate_text(1, 12).unwrap();
        let unknown = i.generate_text(9, 5).unwrap();
        let forged = JsIssuer::create(&[8; 32], 0)
            .unwrap()
            .generate_text(2, 3)
            .unwrap();
        let mut checks = vec![i.check_view(&good), i.check_view(&forged)];
        for text in [
            good.as_str(),
            unknown.as_str(),
            "",
            "ABCD-EFGH",
            "ABCD-EF!H-JKMN-PQRS",
            "ABCD-É",
            "0000-0000-0000-0000",
        ] {
            checks.push(check_view(text, None));
        }
        for v in checks {
            let serde = serde_json::to_string(&v).unwrap();
            assert_eq!(serde_json::to_string(&Plain::from(v)).unwrap(), serde);
        }
        let parsed = parse_view(&good).unwrap();
        assert_eq!(
            serde_json::to_string(&Plain::from(parsed.clone())).unwrap(),
            serde_json::to_string(&parsed).unwrap()
        );
        assert_eq!(key_text(&ProductKey::parse(&good).unwrap()), good);
        assert_eq!(
            serde_json::to_string(&Plain::array(i.core().secret_ids())).unwrap(),
            "[0]"
        );
    }

    #[test]
    fn parse_view_matches_the_core() {
        let text = issuer().generate_text(2, 99).unwrap();
        let v = parse_view(&text).unwrap();
        let core = ProductKey::parse(&text).unwrap();
        assert_eq!(
            (v.version, v.secret_id, v.product, v.serial),
            (
                core.version(),
                core.secret_id(),
                core.product().get(),
                core.serial()
            )
        );
        let json = serde_json::to_value(&v).unwrap();
        assert_eq!(json["secretId"], 0);
        assert_eq!(parse_view("").unwrap_err().code(), "key.malformed");
    }

    #[test]
    fn issuer_checks_against_its_own_catalog() {
        let mut i = issuer();
        let text = i
            .generate_text(presets::IMAGEMANAGER.get().into(), 3)
            .unwrap();
        assert!(i.check_view(&text).usable);
        i.catalog = Some(Catalog::new());
        assert_eq!(i.check_view(&text).code, "key.unknown_product");
        assert_eq!(i.verify_view(&text).unwrap().serial, 3);
    }

    #[test]
    fn issuer_errors_keep_their_codes() {
        let i = issuer();
        assert_eq!(
            i.generate_text(64, 1).unwrap_err().code(),
            "catalog.product_id_range"
        );
        assert_eq!(
            i.generate_batch_texts(1, 0, 11).unwrap_err().code(),
            "key.too_many"
        );
        let other = JsIssuer::create(&[8; 32], 0).unwrap();
        let forged = other.generate_text(1, 1).unwrap();
        assert_eq!(
            i.verify_view(&forged).unwrap_err().code(),
            "key.not_genuine"
        );
        assert_eq!(
            JsIssuer::create(b"short", 0).err().map(|e| e.code()),
            Some("key.weak_secret")
        );
    }
}
