//! The licence ledger for JavaScript: the `Ledger` class, offline call-home certificates
//! (`CertificateIssuer`, `verifyCertificate`) and the clock-rollback check (`checkClock`).
//!
//! Commands, events and views are the Rust serde form (the stored JSON), as plain objects; the
//! instants the caller passes (`now`, `until`) are `Date`s or ISO strings ([`crate::time`]).

use crate::args::{self, document, optional_document};
use crate::errors::{output, to_js};
use crate::key::JsIssuer;
use crate::time::{instant, optional_instant};
use keyledger::catalog::{presets, Catalog};
use keyledger::key::ProductKey;
use keyledger::licence::{offline, Ledger, LedgerEvent, Outcome};
use keyledger::lifecycle::LifecyclePolicy;
use keyledger::org::Container;
use serde::Deserialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The options of `new Ledger(options?)` and `Ledger.replay(events, options?)`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LedgerOptions {
    /// The catalog (the StorageCraft preset when absent).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub catalog: Option<Catalog>,
    /// The 7/14/30-day thresholds, in seconds (the seed's when absent).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub policy: Option<LifecyclePolicy>,
}

impl LedgerOptions {
    fn parts(self) -> (Catalog, LifecyclePolicy) {
        (
            self.catalog.unwrap_or_else(presets::storagecraft),
            self.policy.unwrap_or_default(),
        )
    }
}

const OPTIONS: &str = "an options object {catalog?, policy?}";
const COMMAND: &str = "a ledger command {type: \"activate\" | \"call_home\" | ..., ...}";
const EVENT: &str = "a ledger event {id, at, kind}";
const EVENTS: &str = "a list of ledger events";
const CONTAINER: &str = "a container {account: id} or {site: id}";

fn key_arg(value: &JsValue, argument: &'static str) -> Result<ProductKey, JsValue> {
    let text = args::string(value, argument)?;
    ProductKey::parse(&text).map_err(to_js)
}

/// The keys a command names (`key`, and `keys` for `record_keys`), checked before the command is
/// read, so that a malformed or mistyped key in any command throws the same coded error as
/// `parseKey` (`key.malformed` with `position` and `character`, `key.typo`, ...) instead of a
/// `js.bad_argument` with the facts in its message. A command given as JSON text is read first.
///
/// # Errors
/// The key's parse error.
fn command_keys(command: &JsValue) -> Result<(), JsValue> {
    let object = match command.as_string() {
        Some(text) => match js_sys::JSON::parse(&text) {
            Ok(value) => value,
            // Not JSON: `document` says so.
            Err(_) => return Ok(()),
        },
        None => command.clone(),
    };
    if !object.is_object() {
        return Ok(());
    }
    let get = |name: &str| js_sys::Reflect::get(&object, &JsValue::from_str(name)).ok();
    if let Some(text) = get("key").and_then(|k| k.as_string()) {
        ProductKey::parse(&text).map_err(to_js)?;
    }
    if let Some(keys) = get("keys").and_then(|k| k.dyn_into::<js_sys::Array>().ok()) {
        for text in keys.iter().filter_map(|k| k.as_string()) {
            ProductKey::parse(&text).map_err(to_js)?;
        }
    }
    Ok(())
}

/// The licence ledger (JS class `Ledger`): accounts and sites, keys, licences and their events.
#[wasm_bindgen(js_name = Ledger)]
pub struct JsLedger {
    inner: Ledger,
}

#[wasm_bindgen(js_class = Ledger)]
impl JsLedger {
    /// `new Ledger(options?)`: an empty ledger (the Default Account only) with the StorageCraft
    /// preset and the 7/14/30-day thresholds unless `options.catalog` / `options.policy` say
    /// otherwise.
    ///
    /// # Errors
    /// `licence.invalid_policy`, `js.bad_argument`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_optional_param_type = "LedgerOptions")] options: JsValue,
    ) -> Result<JsLedger, JsValue> {
        let options: LedgerOptions =
            optional_document(&options, "options", OPTIONS)?.unwrap_or_default();
        let (catalog, policy) = options.parts();
        let inner = Ledger::with_policy(catalog, policy).map_err(to_js)?;
        Ok(JsLedger { inner })
    }

    /// `Ledger.fromJson(text)`: a ledger saved with `toJson()` (the versioned JSON document).
    ///
    /// # Errors
    /// `format.corrupt`, `format.wrong_format`, `format.future_version`, `js.bad_argument`.
    #[wasm_bindgen(js_name = fromJson)]
    pub fn from_json(
        #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue,
    ) -> Result<JsLedger, JsValue> {
        let text = args::string(&text, "text")?;
        Ok(JsLedger {
            inner: Ledger::from_json(&text).map_err(to_js)?,
        })
    }

    /// `toJson()`: the whole state as the versioned JSON document (text).
    ///
    /// # Errors
    /// `format.write` (never for a ledger in practice).
    #[wasm_bindgen(js_name = toJson)]
    pub fn to_json(&self) -> Result<String, JsValue> {
        self.inner.to_json().map_err(to_js)
    }

    /// `Ledger.replay(events, options?)`: the ledger that a log of events (a list of event
    /// objects, or its JSON text) produces; the same state, bit for bit, as the ledger that
    /// recorded them.
    ///
    /// # Errors
    /// `licence.event_gap`, `licence.event_conflict` and the other refusals of `apply`,
    /// `licence.invalid_policy`, `js.bad_argument`.
    pub fn replay(
        #[wasm_bindgen(unchecked_param_type = "LedgerEvent[] | string")] events: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "LedgerOptions")] options: JsValue,
    ) -> Result<JsLedger, JsValue> {
        let events: Vec<LedgerEvent> = document(&events, "events", EVENTS)?;
        let options: LedgerOptions =
            optional_document(&options, "options", OPTIONS)?.unwrap_or_default();
        let (catalog, policy) = options.parts();
        let inner = Ledger::replay(catalog, policy, &events).map_err(to_js)?;
        Ok(JsLedger { inner })
    }

    /// `execute(command, now)`: decides and applies a command; returns `{events, decision}` (the
    /// decision is set for a call-home: what the product does). A refused command changes nothing.
    ///
    /// # Errors
    /// The ledger's coded errors (`licence.unknown_key`, `licence.licence_limit`, ...),
    /// `org.*`; a malformed or mistyped key in the command throws its key error (`key.malformed`
    /// with `position` and `character`, `key.typo`, ...) as `parseKey` does; `js.bad_argument`
    /// for a command of the wrong shape or a bad `now`.
    #[wasm_bindgen(unchecked_return_type = "Outcome")]
    pub fn execute(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "LedgerCommand")] command: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Instant")] now: JsValue,
    ) -> Result<JsValue, JsValue> {
        command_keys(&command)?;
        let decided = crate::log::execute(&mut self.inner, &command, &now, COMMAND)?;
        output(&Outcome::from(decided))
    }

    /// `decide(command, now)`: the events a command would cause, without applying them.
    ///
    /// # Errors
    /// As `execute`.
    #[wasm_bindgen(unchecked_return_type = "LedgerEvent[]")]
    pub fn decide(
        &self,
        #[wasm_bindgen(unchecked_param_type = "LedgerCommand")] command: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Instant")] now: JsValue,
    ) -> Result<JsValue, JsValue> {
        command_keys(&command)?;
        crate::log::decide(&self.inner, &command, &now, COMMAND)
    }

    /// `apply(event)`: applies one stored event; `"new"`, or `"duplicate"` for an event already
    /// applied (same id, same content).
    ///
    /// # Errors
    /// `licence.event_gap`, `licence.event_conflict`, `licence.event_too_old` (a call-home id
    /// older than the ledger's redelivery window), `licence.invalid_event`, `js.bad_argument`.
    #[wasm_bindgen(unchecked_return_type = "\"new\" | \"duplicate\"")]
    pub fn apply(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "LedgerEvent")] event: JsValue,
    ) -> Result<JsValue, JsValue> {
        crate::log::apply(&mut self.inner, &event, EVENT)
    }

    /// The id the next event gets (the number of events applied).
    #[wasm_bindgen(getter = nextEventId)]
    pub fn next_event_id(&self) -> f64 {
        // Event ids count applied events: far below 2^53.
        self.inner.next_event_id() as f64
    }

    /// The number of licences (activation runs) recorded.
    #[wasm_bindgen(getter = licenceCount)]
    pub fn licence_count(&self) -> u32 {
        u32::try_from(self.inner.licence_count()).unwrap_or(u32::MAX)
    }

    /// `catalog()`: the ledger's catalog.
    ///
    /// # Errors
    /// None in practice.
    #[wasm_bindgen(unchecked_return_type = "Catalog")]
    pub fn catalog(&self) -> Result<JsValue, JsValue> {
        output(self.inner.catalog())
    }

    /// `policy()`: the life-cycle thresholds, in seconds.
    ///
    /// # Errors
    /// None in practice.
    #[wasm_bindgen(unchecked_return_type = "LifecyclePolicy")]
    pub fn policy(&self) -> Result<JsValue, JsValue> {
        output(self.inner.policy())
    }

    /// `org()`: accounts and sites.
    ///
    /// # Errors
    /// None in practice.
    #[wasm_bindgen(unchecked_return_type = "Org")]
    pub fn org(&self) -> Result<JsValue, JsValue> {
        output(self.inner.org())
    }

    /// `keys()`: every key recorded, in the order they were recorded.
    #[wasm_bindgen(unchecked_return_type = "string[]")]
    pub fn keys(&self) -> Vec<String> {
        self.inner.keys().map(|k| k.to_string()).collect()
    }

    /// `generateKeys(issuer, product, quantity, container, now)`: makes the next `quantity` keys
    /// of a product with `issuer` and records them in an account (`{account: id}`) or a site
    /// (`{site: id}`); returns `{keys, events}`.
    ///
    /// # Errors
    /// `key.too_many`, `key.zero_keys`, `licence.unknown_product`, `org.unknown_account`,
    /// `org.unknown_site`, `js.bad_argument`.
    #[wasm_bindgen(js_name = generateKeys, unchecked_return_type = "Generated")]
    pub fn generate_keys(
        &mut self,
        issuer: &JsIssuer,
        #[wasm_bindgen(unchecked_param_type = "number")] product: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] quantity: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Container")] container: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Instant")] now: JsValue,
    ) -> Result<JsValue, JsValue> {
        let product = crate::key::product_arg(&product, "product")?;
        let quantity = args::uint(&quantity, "quantity")?;
        let container: Container = document(&container, "container", CONTAINER)?;
        let now = instant(&now, "now")?;
        let out = self
            .inner
            .generate_keys(issuer.core(), product, quantity, container, now)
            .map_err(to_js)?;
        output(&out)
    }

    /// `status(key, now)`: the console's Product Key Detail pane for one key.
    ///
    /// # Errors
    /// `licence.unknown_key`, key parse errors, `js.bad_argument`.
    #[wasm_bindgen(unchecked_return_type = "KeyStatus")]
    pub fn status(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] key: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Instant")] now: JsValue,
    ) -> Result<JsValue, JsValue> {
        let key = key_arg(&key, "key")?;
        let now = instant(&now, "now")?;
        output(&self.inner.status(&key, now).map_err(to_js)?)
    }

    /// `statuses(now)`: every key's status, in key order.
    ///
    /// # Errors
    /// `js.bad_argument`.
    #[wasm_bindgen(unchecked_return_type = "KeyStatus[]")]
    pub fn statuses(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Instant")] now: JsValue,
    ) -> Result<JsValue, JsValue> {
        output(&self.inner.statuses(instant(&now, "now")?))
    }

    /// `stateCounts(now)`: how many licences are in each state, e.g. `{active: 3, late: 1}`.
    ///
    /// # Errors
    /// `js.bad_argument`.
    #[wasm_bindgen(js_name = stateCounts, unchecked_return_type = "Partial<Record<LicenceState, number>>")]
    pub fn state_counts(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Instant")] now: JsValue,
    ) -> Result<JsValue, JsValue> {
        output(&self.inner.state_counts(instant(&now, "now")?))
    }

    /// `history(key, now)`: the key's activation history, oldest first.
    ///
    /// # Errors
    /// `licence.unknown_key`, key parse errors, `js.bad_argument`.
    #[wasm_bindgen(unchecked_return_type = "HistoryEntry[]")]
    pub fn history(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] key: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Instant")] now: JsValue,
    ) -> Result<JsValue, JsValue> {
        let key = key_arg(&key, "key")?;
        let now = instant(&now, "now")?;
        output(&self.inner.history(&key, now).map_err(to_js)?)
    }

    /// `nameConsistency()`: activations whose MSP or customer name differs from the rest.
    ///
    /// # Errors
    /// None in practice.
    #[wasm_bindgen(js_name = nameConsistency, unchecked_return_type = "NameReport")]
    pub fn name_consistency(&self) -> Result<JsValue, JsValue> {
        output(&self.inner.name_consistency())
    }

    /// `validate(issuer, text, now)`: the full check of a key as a value (never throws for a bad
    /// key): form, typo, genuineness with the issuer's secrets, product, and the ledger's view
    /// (unknown to the ledger, deactivated...).
    ///
    /// # Errors
    /// `js.bad_argument` only.
    pub fn validate(
        &self,
        issuer: &JsIssuer,
        #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Instant")] now: JsValue,
    ) -> Result<crate::key::JsKeyCheck, JsValue> {
        let text = args::string(&text, "text")?;
        let now = instant(&now, "now")?;
        let check = self.inner.validate(issuer.core(), &text, now);
        Ok(crate::key::CheckView::from(check).into())
    }

    /// `licenceHistories(until)`: each licence's state spans up to `until`, the input of the
    /// billing functions.
    ///
    /// # Errors
    /// `js.bad_argument`.
    #[wasm_bindgen(js_name = licenceHistories, unchecked_return_type = "LicenceHistory[]")]
    pub fn licence_histories(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Instant")] until: JsValue,
    ) -> Result<JsValue, JsValue> {
        output(&self.inner.licence_histories(instant(&until, "until")?))
    }

    /// `issueCertificate(signer, key, machine, now, validitySeconds, nonce)`: a signed offline
    /// call-home certificate (`klcert1.…`) for a live licence of the key on `machine`.
    ///
    /// # Errors
    /// `licence.unknown_key`, `licence.not_activated`, `offline.bad_validity`, `js.bad_argument`.
    #[wasm_bindgen(js_name = issueCertificate)]
    pub fn issue_certificate(
        &self,
        signer: &JsCertificateIssuer,
        #[wasm_bindgen(unchecked_param_type = "string")] key: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] machine: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Instant")] now: JsValue,
        #[wasm_bindgen(js_name = validitySeconds, unchecked_param_type = "number")]
        validity_seconds: JsValue,
        #[wasm_bindgen(unchecked_param_type = "bigint | number")] nonce: JsValue,
    ) -> Result<String, JsValue> {
        let a = CertificateArgs::read(&key, &machine, &now, &validity_seconds, &nonce)?;
        let signed = self
            .inner
            .issue_certificate(
                &signer.inner,
                &a.key,
                &a.machine,
                a.now,
                a.validity,
                a.nonce,
            )
            .map_err(to_js)?;
        Ok(signed.to_text())
    }
}

/// `eventsToJson(events)`: a list of events as the versioned JSON document the ledger stores.
///
/// # Errors
/// `js.bad_argument` for anything but a list of events.
#[wasm_bindgen(js_name = eventsToJson)]
pub fn events_to_json(
    #[wasm_bindgen(unchecked_param_type = "LedgerEvent[]")] events: JsValue,
) -> Result<String, JsValue> {
    let events: Vec<LedgerEvent> = document(&events, "events", EVENTS)?;
    Ledger::events_to_json(&events).map_err(to_js)
}

/// `eventsFromJson(text)`: the events of a document written by `eventsToJson` (or by Rust or
/// Python).
///
/// # Errors
/// `format.corrupt`, `format.wrong_format`, `format.future_version`, `js.bad_argument`.
#[wasm_bindgen(js_name = eventsFromJson, unchecked_return_type = "LedgerEvent[]")]
pub fn events_from_json(
    #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue,
) -> Result<JsValue, JsValue> {
    let text = args::string(&text, "text")?;
    output(&Ledger::events_from_json(&text).map_err(to_js)?)
}

/// Signs offline call-home certificates with Ed25519 (JS class `CertificateIssuer`).
#[wasm_bindgen(js_name = CertificateIssuer)]
pub struct JsCertificateIssuer {
    inner: offline::CertificateIssuer,
}

#[wasm_bindgen(js_class = CertificateIssuer)]
impl JsCertificateIssuer {
    /// `new CertificateIssuer(keyId, secret)`: a signing key from its 32 secret bytes.
    ///
    /// # Errors
    /// `offline.bad_secret`, `js.bad_argument` (a `keyId` above 255, a secret that is not a
    /// `Uint8Array`).
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(js_name = keyId, unchecked_param_type = "number")] key_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] secret: JsValue,
    ) -> Result<JsCertificateIssuer, JsValue> {
        let key_id = key_id_arg(&key_id, "keyId")?;
        let secret = args::bytes(&secret, "secret")?;
        Ok(JsCertificateIssuer {
            inner: offline::CertificateIssuer::from_slice(key_id, &secret).map_err(to_js)?,
        })
    }

    /// The id of this signing key.
    #[wasm_bindgen(getter = keyId)]
    pub fn key_id(&self) -> u8 {
        self.inner.key_id()
    }

    /// `verifyingKey()`: the 32-byte public key products check certificates with.
    #[wasm_bindgen(js_name = verifyingKey)]
    pub fn verifying_key(&self) -> Vec<u8> {
        self.inner.verifying_key().to_vec()
    }

    /// `issue(key, machine, now, validitySeconds, nonce)`: a certificate without asking a ledger.
    ///
    /// # Errors
    /// `offline.bad_validity`, key parse errors, `js.bad_argument`.
    pub fn issue(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] key: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] machine: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Instant")] now: JsValue,
        #[wasm_bindgen(js_name = validitySeconds, unchecked_param_type = "number")]
        validity_seconds: JsValue,
        #[wasm_bindgen(unchecked_param_type = "bigint | number")] nonce: JsValue,
    ) -> Result<String, JsValue> {
        let a = CertificateArgs::read(&key, &machine, &now, &validity_seconds, &nonce)?;
        let signed = self
            .inner
            .issue(a.key, &a.machine, a.now, a.validity, a.nonce)
            .map_err(to_js)?;
        Ok(signed.to_text())
    }
}

/// The arguments of both ways to issue a certificate.
struct CertificateArgs {
    key: ProductKey,
    machine: String,
    now: chrono::DateTime<chrono::Utc>,
    validity: i64,
    nonce: u64,
}

impl CertificateArgs {
    fn read(
        key: &JsValue,
        machine: &JsValue,
        now: &JsValue,
        validity_seconds: &JsValue,
        nonce: &JsValue,
    ) -> Result<Self, JsValue> {
        Ok(CertificateArgs {
            key: key_arg(key, "key")?,
            machine: args::string(machine, "machine")?,
            now: instant(now, "now")?,
            validity: args::int(validity_seconds, "validitySeconds")?,
            nonce: args::u64_arg(nonce, "nonce")?,
        })
    }
}

fn key_id_arg(value: &JsValue, argument: &'static str) -> Result<u8, JsValue> {
    let n = args::uint(value, argument)?;
    u8::try_from(n)
        .map_err(|_| crate::errors::throw(&args::bad_argument(argument, "an integer in 0..=255")))
}

/// A public key of `verifyCertificate`'s list.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct PublicKey {
    key_id: u8,
    #[cfg_attr(feature = "ts", ts(type = "Uint8Array | number[]"))]
    key: Vec<u8>,
}

/// `verifyCertificate(publicKeys, text, machine, now)`: checks a certificate against the vendor's
/// public keys (`[{keyId, key: Uint8Array | number[]}]`) for this machine at `now`; returns what
/// it says, with `nonce` as a `BigInt` (a 64-bit value).
///
/// # Errors
/// `offline.malformed`, `offline.bad_signature`, `offline.unknown_signing_key`,
/// `offline.wrong_machine`, `offline.not_yet_valid`, `offline.expired`, `js.bad_argument`.
#[wasm_bindgen(js_name = verifyCertificate, unchecked_return_type = "CallHomeCertificate")]
pub fn verify_certificate(
    #[wasm_bindgen(js_name = publicKeys, unchecked_param_type = "PublicKey[]")]
    public_keys: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] machine: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Instant")] now: JsValue,
) -> Result<JsValue, JsValue> {
    let keys = public_keys_arg(&public_keys)?;
    let text = args::string(&text, "text")?;
    let machine = args::string(&machine, "machine")?;
    let now = instant(&now, "now")?;
    let c = offline::verify_certificate(&keys, &text, &machine, now).map_err(to_js)?;
    let nonce = c.nonce;
    // Written without the nonce (a u64 that may pass 2^53), which is then set as a BigInt.
    let mut tree = serde_json::to_value(&c).unwrap_or_default();
    if let Some(map) = tree.as_object_mut() {
        map.remove("nonce");
    }
    let object = output(&tree)?;
    // The nonce is any 64-bit value: a BigInt, never a rounded number.
    let _ = js_sys::Reflect::set(&object, &"nonce".into(), &JsValue::from(nonce));
    Ok(object)
}

fn public_keys_arg(value: &JsValue) -> Result<Vec<(u8, [u8; 32])>, JsValue> {
    const EXPECTED: &str = "a list of {keyId, key} with 32-byte keys";
    // Uint8Arrays do not survive JSON.stringify as arrays: convert them first.
    let list = js_sys::Array::is_array(value)
        .then(|| js_sys::Array::from(value))
        .ok_or_else(|| crate::errors::throw(&args::bad_argument("publicKeys", EXPECTED)))?;
    let plain = js_sys::Array::new();
    for item in list.iter() {
        let copy = js_sys::Object::new();
        let key_id = js_sys::Reflect::get(&item, &"keyId".into()).unwrap_or(JsValue::UNDEFINED);
        let key = js_sys::Reflect::get(&item, &"key".into()).unwrap_or(JsValue::UNDEFINED);
        let key: JsValue = match key.dyn_ref::<js_sys::Uint8Array>() {
            Some(bytes) => js_sys::Array::from(bytes).into(),
            None => key,
        };
        let _ = js_sys::Reflect::set(&copy, &"keyId".into(), &key_id);
        let _ = js_sys::Reflect::set(&copy, &"key".into(), &key);
        plain.push(&copy);
    }
    let keys: Vec<PublicKey> = document(&plain.into(), "publicKeys", EXPECTED)?;
    keys.into_iter()
        .map(|k| {
            <[u8; 32]>::try_from(k.key.as_slice())
                .map(|bytes| (k.key_id, bytes))
                .map_err(|_| crate::errors::throw(&args::bad_argument("publicKeys", EXPECTED)))
        })
        .collect()
}

/// `checkClock(highWater, now, toleranceSeconds = 86400)`: refuses a clock set back more than
/// the tolerance below the highest instant seen (`highWater`, `null` the first time); returns the
/// new high-water mark (ISO).
///
/// # Errors
/// `offline.clock_rollback`, `js.bad_argument`.
#[wasm_bindgen(js_name = checkClock)]
pub fn check_clock(
    #[wasm_bindgen(js_name = highWater, unchecked_param_type = "Instant | null")]
    high_water: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Instant")] now: JsValue,
    #[wasm_bindgen(js_name = toleranceSeconds, unchecked_optional_param_type = "number")]
    tolerance_seconds: JsValue,
) -> Result<String, JsValue> {
    let high_water = optional_instant(&high_water, "highWater")?;
    let now = instant(&now, "now")?;
    let tolerance = if tolerance_seconds.is_undefined() {
        offline::DEFAULT_ROLLBACK_TOLERANCE_SECONDS
    } else {
        args::int(&tolerance_seconds, "toleranceSeconds")?
    };
    let t = offline::check_clock(high_water, now, tolerance).map_err(to_js)?;
    Ok(crate::time::iso(t))
}
