//! Validation as a value: may the key be used, why not, and when does that change.

use super::{Issuer, KeyError, ProductKey};
use crate::catalog::Catalog;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The stable machine-readable outcome of a key check.
///
/// The string forms ([`CheckCode::as_str`]) are the same as the error codes of [`KeyError`] and are
/// what the Python and JS bindings show.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum CheckCode {
    /// Well formed, passes the typo check, known product (and genuine, when checked with a secret).
    #[serde(rename = "ok")]
    Ok,
    /// Empty, wrong length or a character that is not a symbol.
    #[serde(rename = "key.malformed")]
    Malformed,
    /// The check symbol does not match.
    #[serde(rename = "key.typo")]
    Typo,
    /// A format version this library does not read.
    #[serde(rename = "key.unsupported_version")]
    UnsupportedVersion,
    /// A product that is not in the catalog.
    #[serde(rename = "key.unknown_product")]
    UnknownProduct,
    /// Made under a secret the issuer does not hold.
    #[serde(rename = "key.unknown_secret")]
    UnknownSecret,
    /// The tag does not match.
    #[serde(rename = "key.not_genuine")]
    NotGenuine,
    /// Genuine, but the ledger does not know the key.
    #[serde(rename = "licence.unknown_key")]
    UnknownKey,
    /// Usable, but late: no call-home for more than the late threshold (see `next_change`).
    #[serde(rename = "licence.late")]
    Late,
    /// The product's functions are disabled: no call-home for more than the disabled threshold.
    #[serde(rename = "licence.disabled")]
    Disabled,
    /// The MSP asked for deactivation; it is finalised at the next call-home.
    #[serde(rename = "licence.pending_deactivation")]
    PendingDeactivation,
    /// Deactivated (explicitly, or the activation lapsed).
    #[serde(rename = "licence.deactivated")]
    Deactivated,
}

impl CheckCode {
    /// Every check code. The `key.*` and `licence.unknown_key` ones are also error codes (in
    /// [`crate::Error::CODES`]); `licence.late`, `licence.disabled`, `licence.pending_deactivation`
    /// and `licence.deactivated` are states a check reports, not errors.
    ///
    /// ```
    /// # use keyledger::key::CheckCode;
    /// assert!(CheckCode::ALL.iter().any(|c| c.as_str() == "licence.late"));
    /// ```
    pub const ALL: [CheckCode; 12] = [
        CheckCode::Ok,
        CheckCode::Malformed,
        CheckCode::Typo,
        CheckCode::UnsupportedVersion,
        CheckCode::UnknownProduct,
        CheckCode::UnknownSecret,
        CheckCode::NotGenuine,
        CheckCode::UnknownKey,
        CheckCode::Late,
        CheckCode::Disabled,
        CheckCode::PendingDeactivation,
        CheckCode::Deactivated,
    ];

    /// The stable string code.
    ///
    /// ```
    /// # use keyledger::key::CheckCode;
    /// assert_eq!(CheckCode::Typo.as_str(), "key.typo");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            CheckCode::Ok => "ok",
            CheckCode::Malformed => "key.malformed",
            CheckCode::Typo => "key.typo",
            CheckCode::UnsupportedVersion => "key.unsupported_version",
            CheckCode::UnknownProduct => "key.unknown_product",
            CheckCode::UnknownSecret => "key.unknown_secret",
            CheckCode::NotGenuine => "key.not_genuine",
            CheckCode::UnknownKey => "licence.unknown_key",
            CheckCode::Late => "licence.late",
            CheckCode::Disabled => "licence.disabled",
            CheckCode::PendingDeactivation => "licence.pending_deactivation",
            CheckCode::Deactivated => "licence.deactivated",
        }
    }

    fn of(err: &KeyError) -> CheckCode {
        match err {
            KeyError::Typo => CheckCode::Typo,
            KeyError::UnsupportedVersion { .. } => CheckCode::UnsupportedVersion,
            KeyError::UnknownProduct { .. } => CheckCode::UnknownProduct,
            KeyError::UnknownSecret { .. } => CheckCode::UnknownSecret,
            KeyError::NotGenuine => CheckCode::NotGenuine,
            _ => CheckCode::Malformed,
        }
    }
}

/// The answer to "may this key be used?": a value, not only an error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyCheck {
    /// Whether the key may be used.
    pub usable: bool,
    /// Stable machine-readable code.
    pub code: CheckCode,
    /// A sentence for a person.
    pub detail: String,
    /// The key in canonical form, when it parsed.
    pub key: Option<ProductKey>,
    /// The product's name, when the key parsed and the product is known.
    pub product: Option<String>,
    /// Serial number, when the key parsed.
    pub serial: Option<u32>,
    /// For a malformed key: 1-based position of the offending character, if one is to blame.
    pub position: Option<usize>,
    /// For a malformed key: the offending character.
    pub character: Option<char>,
    /// The instant the answer changes, when there is one (e.g. a termination date).
    pub next_change: Option<DateTime<Utc>>,
}

impl KeyCheck {
    fn failed(err: &KeyError, key: Option<ProductKey>) -> KeyCheck {
        let (position, character) = match err {
            KeyError::InvalidCharacter {
                position,
                character,
            } => (Some(*position), Some(*character)),
            _ => (None, None),
        };
        KeyCheck {
            usable: false,
            code: CheckCode::of(err),
            detail: err.to_string(),
            key,
            product: None,
            serial: key.map(|k| k.serial()),
            position,
            character,
            next_change: None,
        }
    }
}

impl KeyCheck {
    /// What [`Issuer::check`] answers for a genuine key of a catalog product named `product`
    /// (the bindings' batch path builds it only when it is read).
    ///
    /// ```
    /// use keyledger::{catalog::presets, key::{Issuer, KeyCheck}};
    /// let issuer = Issuer::new(0, &[1; 32])?;
    /// let key = issuer.generate(presets::IMAGEMANAGER, 3)?;
    /// let c = issuer.check(&presets::storagecraft(), &key.to_string());
    /// assert_eq!(KeyCheck::genuine(key, "ImageManager"), c);
    /// # Ok::<(), keyledger::key::KeyError>(())
    /// ```
    pub fn genuine(key: ProductKey, product: &str) -> KeyCheck {
        let detail = format!("genuine {product} key, serial {}", key.serial());
        ok(key, product.to_string(), detail)
    }
}

/// Parses and looks the product up; on failure, the error and the key if it parsed.
fn check_parsed(
    catalog: &Catalog,
    text: &str,
) -> Result<(ProductKey, String), (KeyError, Option<ProductKey>)> {
    let key = ProductKey::parse(text).map_err(|e| (e, None))?;
    let product = catalog.get(key.product()).ok_or((
        KeyError::UnknownProduct {
            product: key.product().get(),
        },
        Some(key),
    ))?;
    Ok((key, product.name.clone()))
}

fn ok(key: ProductKey, product: String, detail: String) -> KeyCheck {
    KeyCheck {
        usable: true,
        code: CheckCode::Ok,
        detail,
        key: Some(key),
        product: Some(product),
        serial: Some(key.serial()),
        position: None,
        character: None,
        next_change: None,
    }
}

/// Checks a typed key without any secret: form, typo check, version, product in the catalog.
///
/// This is what a browser form runs as the user types. `usable` here means "worth sending": only
/// [`Issuer::check`] can say the key is genuine.
///
/// ```
/// use keyledger::{catalog::presets, key::{check_key, CheckCode, Issuer}};
/// let catalog = presets::storagecraft();
/// let key = Issuer::new(0, &[1; 32])?.generate(presets::SHADOWPROTECT_MSP, 8)?.to_string();
/// assert_eq!(check_key(&catalog, &key).code, CheckCode::Ok);
///
/// let bad = check_key(&catalog, "ABCD-EFGH-JKMN-PQR!");
/// assert_eq!((bad.code, bad.position, bad.character), (CheckCode::Malformed, Some(19), Some('!')));
/// # Ok::<(), keyledger::key::KeyError>(())
/// ```
pub fn check_key(catalog: &Catalog, text: &str) -> KeyCheck {
    match check_parsed(catalog, text) {
        Ok((key, product)) => {
            let detail = format!(
                "well-formed {product} key, serial {} (genuineness needs the issuer)",
                key.serial()
            );
            ok(key, product, detail)
        }
        Err((e, key)) => KeyCheck::failed(&e, key),
    }
}

impl Issuer {
    /// Checks a typed key fully: form, typo check, version, product, and the tag.
    ///
    /// ```
    /// use keyledger::{catalog::presets, key::{CheckCode, Issuer}};
    /// let issuer = Issuer::new(0, &[1; 32])?;
    /// let forger = Issuer::new(0, &[2; 32])?;
    /// let catalog = presets::storagecraft();
    /// let real = issuer.generate(presets::IMAGEMANAGER, 3)?.to_string();
    /// let fake = forger.generate(presets::IMAGEMANAGER, 3)?.to_string();
    /// assert!(issuer.check(&catalog, &real).usable);
    /// let c = issuer.check(&catalog, &fake);
    /// assert_eq!((c.usable, c.code.as_str()), (false, "key.not_genuine"));
    /// # Ok::<(), keyledger::key::KeyError>(())
    /// ```
    pub fn check(&self, catalog: &Catalog, text: &str) -> KeyCheck {
        match check_parsed(catalog, text) {
            Ok((key, product)) => match self.verify(&key) {
                Ok(()) => KeyCheck::genuine(key, &product),
                Err(e) => {
                    let mut c = KeyCheck::failed(&e, Some(key));
                    c.product = Some(product);
                    c
                }
            },
            Err((e, key)) => KeyCheck::failed(&e, key),
        }
    }

    /// Checks many keys in one call (the batch path of the bindings).
    ///
    /// ```
    /// use keyledger::{catalog::presets, key::Issuer};
    /// let issuer = Issuer::new(0, &[1; 32])?;
    /// let keys: Vec<String> = (0..3).map(|s| issuer.generate(presets::IMAGEMANAGER, s).unwrap().to_string()).collect();
    /// let checks = issuer.check_many(&presets::storagecraft(), keys.iter().map(String::as_str));
    /// assert!(checks.iter().all(|c| c.usable));
    /// # Ok::<(), keyledger::key::KeyError>(())
    /// ```
    pub fn check_many<'a>(
        &self,
        catalog: &Catalog,
        texts: impl IntoIterator<Item = &'a str>,
    ) -> Vec<KeyCheck> {
        texts.into_iter().map(|t| self.check(catalog, t)).collect()
    }

    /// Parses and verifies a key, as the hot path does (no catalog look-up, no allocation).
    ///
    /// # Errors
    /// Any parse error, [`KeyError::UnknownSecret`], [`KeyError::NotGenuine`].
    ///
    /// ```
    /// use keyledger::{catalog::presets, key::Issuer};
    /// let issuer = Issuer::new(0, &[1; 32])?;
    /// let text = issuer.generate(presets::IMAGEMANAGER, 3)?.to_string();
    /// assert_eq!(issuer.parse_and_verify(&text)?.serial(), 3);
    /// # Ok::<(), keyledger::key::KeyError>(())
    /// ```
    pub fn parse_and_verify(&self, text: &str) -> Result<ProductKey, KeyError> {
        let key = ProductKey::parse(text)?;
        self.verify(&key)?;
        Ok(key)
    }
}
