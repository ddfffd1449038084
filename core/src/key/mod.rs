//! Product keys: generate, parse, check for typos without the secret, verify with it.
//!
//! # Text form
//! 16 symbols of Crockford base32 shown as `XXXX-XXXX-XXXX-XXXX`. Parsing ignores dashes and spaces
//! anywhere, accepts lower case and Crockford's aliases (`O`→`0`, `I`/`L`→`1`); any other character is
//! [`KeyError::InvalidCharacter`] with its 1-based position in the text as typed.
//!
//! # Bit layout (80 bits = 16 symbols × 5 bits, most significant first)
//!
//! | bits | field | readable without the secret |
//! |---|---|---|
//! | 3 | format version (currently 1) | yes |
//! | 4 | secret id (0–15): which issuer secret made the tag, for rotation | yes |
//! | 6 | product id (0–63) | yes |
//! | 26 | serial number (0 – 67 108 863 per product) | yes |
//! | 36 | tag: HMAC-SHA256(secret, header) truncated to 36 bits | no |
//! | 5 | check symbol (the 16th symbol) | yes |
//!
//! The header is the first 39 bits (version, secret id, product, serial) packed big-endian into
//! 5 bytes; the tag is the first 36 bits of HMAC-SHA256 over those 5 bytes, keyed by the secret.
//!
//! So that the keys of one product do not all start with the same symbols, the 36 header bits below
//! the version are stored XORed with a public mix of the tag (SplitMix64's finaliser, no key). This
//! hides nothing — anyone undoes it when reading the key — it only makes keys look distinct.
//!
//! # Why it is safe against typos
//! The 16th symbol is a check symbol over GF(32) with 16 distinct non-zero weights (see
//! [`check`](self#the-typo-check)): every single wrong symbol and every swap of two adjacent symbols
//! changes the weighted sum, so the check catches all of them. The test suite proves it exhaustively.
//!
//! # The typo check
//! Symbol `i` has weight `α^(i+1)` (`α` a generator of GF(32)*) and the check symbol weight 1; the
//! check symbol makes `Σ w_i·s_i = 0`. A single error `e` at `i` adds `w_i·e ≠ 0`; an adjacent swap of
//! `a ≠ b` adds `(w_i + w_{i+1})·(a + b) ≠ 0`. A plain sum mod 32 would miss swaps.
//!
//! # Why it is hard to forge
//! Without the secret, a forger must guess a 36-bit tag: one chance in 2^36 ≈ 6.9·10^10 per try, so a
//! forger needs tens of billions of online tries (each a call-home or activation the vendor sees) for
//! an even chance. The tag is compared in constant time. HMAC-SHA256 is a RustCrypto implementation;
//! nothing here is a hand-made primitive.
//!
//! # Example
//! ```
//! use keyledger::catalog::presets;
//! use keyledger::key::{Issuer, ProductKey, check_key, CheckCode};
//!
//! let issuer = Issuer::new(0, b"an issuer secret of 32 bytes....")?;
//! let key = issuer.generate(presets::SHADOWPROTECT_MSP, 42)?;
//! let text = key.to_string();                  // e.g. "8...-....-....-...."
//! let parsed = ProductKey::parse(&text.to_lowercase())?;
//! assert_eq!(parsed, key);
//! assert_eq!(parsed.serial(), 42);
//! issuer.verify(&parsed)?;                      // genuine
//!
//! // Anyone can catch a typo without the secret:
//! let mut typo = text.clone().into_bytes();
//! typo[0] = if typo[0] == b'9' { b'8' } else { b'9' };
//! let check = check_key(&presets::storagecraft(), std::str::from_utf8(&typo).unwrap());
//! assert!(!check.usable);
//! assert!(matches!(check.code, CheckCode::Typo | CheckCode::UnsupportedVersion));
//! # Ok::<(), keyledger::key::KeyError>(())
//! ```

mod check;
mod codec;
mod issuer;
mod validate;

pub use issuer::{Issuer, SecretId, DEFAULT_MAX_PER_REQUEST, MIN_SECRET_LEN};
pub use validate::{check_key, CheckCode, KeyCheck};

use crate::catalog::ProductId;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Current key format version.
pub const KEY_VERSION: u8 = 1;
/// Largest serial number a key can carry (26 bits).
pub const MAX_SERIAL: u32 = (1 << 26) - 1;
/// Largest secret id (4 bits).
pub const MAX_SECRET_ID: u8 = 15;

const TAG_BITS: u32 = 36;
const SERIAL_BITS: u32 = 26;
const PRODUCT_BITS: u32 = 6;
const SECRET_BITS: u32 = 4;
const TAG_MASK: u64 = (1 << TAG_BITS) - 1;

/// A public, keyless mix of the tag XORed onto the 36 header bits below the version, so that keys
/// of one product do not all start alike. It hides nothing: anyone can undo it (SplitMix64's
/// finaliser).
const fn spread(tag: u64) -> u64 {
    let mut z = tag.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)) & ((1 << 36) - 1)
}

crate::error::coded! {
/// Errors of the key module.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize)]
#[non_exhaustive]
pub enum KeyError {
    /// Nothing but separators (or nothing at all) was given.
    #[code = "key.malformed"]
    #[error("the key is empty: expected 16 symbols like XXXX-XXXX-XXXX-XXXX")]
    Empty,
    /// Not 16 symbols once separators are removed.
    #[code = "key.malformed"]
    #[error("the key has {found} symbols; a key has 16 (XXXX-XXXX-XXXX-XXXX)")]
    WrongLength {
        /// How many symbols were found.
        found: usize,
    },
    /// A character that is neither a Crockford symbol nor a separator.
    #[code = "key.malformed"]
    #[error("key position {position}: {character:?} is not a Crockford base32 symbol")]
    InvalidCharacter {
        /// 1-based position of the character in the text as given.
        position: usize,
        /// The character.
        character: char,
    },
    /// The check symbol does not match: a symbol is mistyped or two are swapped.
    #[code = "key.typo"]
    #[error("the key does not pass the typo check: a symbol is mistyped or two are swapped")]
    Typo,
    /// The key is of a format this version does not know.
    #[code = "key.unsupported_version"]
    #[error(
        "key format version {version} is not supported (this library reads version {KEY_VERSION})"
    )]
    UnsupportedVersion {
        /// The version read from the key.
        version: u8,
    },
    /// The product id in the key is not in the catalog.
    #[code = "key.unknown_product"]
    #[error("the key is for product {product}, which is not in the catalog")]
    UnknownProduct {
        /// The product id read from the key.
        product: u8,
    },
    /// The key names a secret id the issuer does not hold.
    #[code = "key.unknown_secret"]
    #[error("the key was made under secret id {secret_id}, which this issuer does not hold")]
    UnknownSecret {
        /// The secret id read from the key.
        secret_id: u8,
    },
    /// The tag does not match: the key was not made by this issuer.
    #[code = "key.not_genuine"]
    #[error("the key is not genuine: its authentication tag does not match")]
    NotGenuine,
    /// A generation request above the per-request limit.
    #[code = "key.too_many"]
    #[error("{requested} keys were requested; at most {max} can be generated per request")]
    TooManyKeys {
        /// Keys requested.
        requested: u32,
        /// The limit.
        max: u32,
    },
    /// A generation request for zero keys.
    #[code = "key.zero_keys"]
    #[error("a generation request must ask for at least one key")]
    ZeroKeys,
    /// A serial number beyond what the key can hold.
    #[code = "key.serial_range"]
    #[error("serial {serial} is out of range: serials go from 0 to {max}")]
    SerialOutOfRange {
        /// The serial (or the last serial of a range).
        serial: u64,
        /// The largest serial.
        max: u32,
    },
    /// A secret shorter than the minimum.
    #[code = "key.weak_secret"]
    #[error("an issuer secret must be at least {min} bytes long; this one has {len}")]
    WeakSecret {
        /// Length given.
        len: usize,
        /// Minimum length.
        min: usize,
    },
    /// A secret id beyond 15.
    #[code = "key.secret_id_range"]
    #[error("secret id {secret_id} is out of range: ids go from 0 to {max}")]
    SecretIdOutOfRange {
        /// The id given.
        secret_id: u32,
        /// The largest id.
        max: u8,
    },
    /// A secret id that the issuer already holds.
    #[code = "key.duplicate_secret"]
    #[error("the issuer already holds a secret with id {secret_id}")]
    DuplicateSecret {
        /// The id.
        secret_id: u8,
    },
    /// Removing the secret that new keys are made with.
    #[code = "key.active_secret"]
    #[error("secret id {secret_id} is the active secret; activate another before removing it")]
    ActiveSecret {
        /// The id.
        secret_id: u8,
    },
    /// A per-request limit of zero.
    #[code = "key.zero_limit"]
    #[error("the per-request limit must be at least 1")]
    ZeroLimit,
}
}

impl KeyError {}

/// A well-formed product key that passed the typo check.
///
/// Parsing checks the form, the check symbol and the version; it does not check the tag (that needs
/// the secret: [`Issuer::verify`]) nor the catalog ([`check_key`]). Serialises as its text form.
///
/// ```
/// use keyledger::key::{Issuer, ProductKey};
/// use keyledger::catalog::presets;
/// let issuer = Issuer::new(3, &[7u8; 32])?;
/// let key = issuer.generate(presets::IMAGEMANAGER, 1_000_000)?;
/// assert_eq!(key.product(), presets::IMAGEMANAGER);
/// assert_eq!(key.secret_id(), 3);
/// assert_eq!(ProductKey::parse(&key.to_string().replace('-', ""))?, key);
/// # Ok::<(), keyledger::key::KeyError>(())
/// ```
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "string"))]
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProductKey {
    /// 80 bits: 75 payload bits then the 5-bit check symbol.
    bits: u128,
}

impl ProductKey {
    /// Parses the text form, leniently (see the [module docs](self)).
    ///
    /// # Errors
    /// [`KeyError::Empty`], [`KeyError::WrongLength`], [`KeyError::InvalidCharacter`] (with position
    /// and character), [`KeyError::Typo`], [`KeyError::UnsupportedVersion`].
    ///
    /// ```
    /// # use keyledger::key::{ProductKey, KeyError};
    /// let err = ProductKey::parse("ABCD-EFGH-JKMN-PQRU").unwrap_err();
    /// assert_eq!(err, KeyError::InvalidCharacter { position: 19, character: 'U' });
    /// assert_eq!(err.to_string(), "key position 19: 'U' is not a Crockford base32 symbol");
    /// ```
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let symbols = codec::decode(text)?;
        if !check::passes(&symbols) {
            return Err(KeyError::Typo);
        }
        let bits = symbols
            .iter()
            .fold(0u128, |acc, &s| (acc << 5) | u128::from(s));
        let key = ProductKey { bits };
        if key.version() != KEY_VERSION {
            return Err(KeyError::UnsupportedVersion {
                version: key.version(),
            });
        }
        Ok(key)
    }

    /// Builds a key from its fields, computing the check symbol. Fields are masked to their widths.
    pub(crate) fn from_fields(
        version: u8,
        secret_id: u8,
        product: ProductId,
        serial: u32,
        tag: u64,
    ) -> Self {
        let tag = tag & TAG_MASK;
        let header = Self::header(version, secret_id, product, serial) ^ spread(tag);
        let payload = (u128::from(header) << TAG_BITS) | u128::from(tag);
        let mut symbols = [0u8; 15];
        for (i, s) in symbols.iter_mut().enumerate() {
            *s = ((payload >> (5 * (14 - i))) & 31) as u8;
        }
        let check = check::check_symbol(&symbols);
        ProductKey {
            bits: (payload << 5) | u128::from(check),
        }
    }

    /// The 39-bit header (version, secret id, product, serial).
    fn header(version: u8, secret_id: u8, product: ProductId, serial: u32) -> u64 {
        let mut h = u64::from(version & 7);
        h = (h << SECRET_BITS) | u64::from(secret_id & MAX_SECRET_ID);
        h = (h << PRODUCT_BITS) | u64::from(product.get());
        (h << SERIAL_BITS) | u64::from(serial & MAX_SERIAL)
    }

    fn payload(&self) -> u128 {
        self.bits >> 5
    }

    /// The header in clear (the stored form is spread with the tag; see the module docs).
    fn header_bits(&self) -> u64 {
        ((self.payload() >> TAG_BITS) as u64) ^ spread(self.tag())
    }

    /// The 5 bytes the tag is computed over.
    pub(crate) fn header_bytes(&self) -> [u8; 5] {
        let h = self.header_bits().to_be_bytes();
        [h[3], h[4], h[5], h[6], h[7]]
    }

    /// Format version.
    ///
    /// ```
    /// # use keyledger::key::{Issuer, KEY_VERSION};
    /// let k = Issuer::new(0, &[1; 32])?.generate(keyledger::catalog::presets::IMAGEMANAGER, 9)?;
    /// assert_eq!(k.version(), KEY_VERSION);
    /// # Ok::<(), keyledger::key::KeyError>(())
    /// ```
    pub fn version(&self) -> u8 {
        (self.header_bits() >> (SERIAL_BITS + PRODUCT_BITS + SECRET_BITS)) as u8 & 7
    }

    /// Id of the issuer secret that made the tag.
    ///
    /// ```
    /// # use keyledger::key::Issuer;
    /// let k = Issuer::new(12, &[1; 32])?.generate(keyledger::catalog::presets::IMAGEMANAGER, 9)?;
    /// assert_eq!(k.secret_id(), 12);
    /// # Ok::<(), keyledger::key::KeyError>(())
    /// ```
    pub fn secret_id(&self) -> u8 {
        (self.header_bits() >> (SERIAL_BITS + PRODUCT_BITS)) as u8 & MAX_SECRET_ID
    }

    /// Product id.
    ///
    /// ```
    /// # use keyledger::{key::Issuer, catalog::presets};
    /// let k = Issuer::new(0, &[1; 32])?.generate(presets::LEGACY_IMAGEMANAGER, 9)?;
    /// assert_eq!(k.product(), presets::LEGACY_IMAGEMANAGER);
    /// # Ok::<(), keyledger::key::KeyError>(())
    /// ```
    pub fn product(&self) -> ProductId {
        ProductId::from_bits((self.header_bits() >> SERIAL_BITS) as u8)
    }

    /// Serial number.
    ///
    /// ```
    /// # use keyledger::{key::{Issuer, MAX_SERIAL}, catalog::presets};
    /// let k = Issuer::new(0, &[1; 32])?.generate(presets::IMAGEMANAGER, MAX_SERIAL)?;
    /// assert_eq!(k.serial(), MAX_SERIAL);
    /// # Ok::<(), keyledger::key::KeyError>(())
    /// ```
    pub fn serial(&self) -> u32 {
        (self.header_bits() as u32) & MAX_SERIAL
    }

    /// The 36-bit tag (not secret by itself; it is part of the key's text).
    pub(crate) fn tag(&self) -> u64 {
        (self.payload() as u64) & TAG_MASK
    }

    /// The 16 symbol values.
    fn symbols(&self) -> [u8; 16] {
        core::array::from_fn(|i| ((self.bits >> (5 * (15 - i))) & 31) as u8)
    }

    /// The canonical text as 19 ASCII bytes, without allocating.
    ///
    /// ```
    /// # use keyledger::{key::Issuer, catalog::presets};
    /// let k = Issuer::new(0, &[1; 32])?.generate(presets::IMAGEMANAGER, 9)?;
    /// assert_eq!(k.to_ascii().as_slice(), k.to_string().as_bytes());
    /// # Ok::<(), keyledger::key::KeyError>(())
    /// ```
    pub fn to_ascii(&self) -> [u8; 19] {
        codec::encode(&self.symbols())
    }
}

impl fmt::Display for ProductKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ascii = self.to_ascii();
        // The alphabet and '-' are ASCII, so this never fails.
        f.write_str(std::str::from_utf8(&ascii).map_err(|_| fmt::Error)?)
    }
}

impl fmt::Debug for ProductKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ProductKey({self})")
    }
}

impl std::str::FromStr for ProductKey {
    type Err = KeyError;
    fn from_str(s: &str) -> Result<Self, KeyError> {
        ProductKey::parse(s)
    }
}

impl Serialize for ProductKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ProductKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(d)?;
        ProductKey::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_round_trip_through_bits() {
        for (v, s, p, serial, tag) in [
            (1u8, 0u8, 0u8, 0u32, 0u64),
            (1, 15, 63, MAX_SERIAL, TAG_MASK),
            (1, 5, 2, 12345, 0xA_BCDE_F012),
        ] {
            let k = ProductKey::from_fields(v, s, ProductId::from_bits(p), serial, tag);
            assert_eq!(
                (
                    k.version(),
                    k.secret_id(),
                    k.product().get(),
                    k.serial(),
                    k.tag()
                ),
                (v, s, p, serial, tag)
            );
            assert_eq!(ProductKey::parse(&k.to_string()).unwrap(), k);
        }
    }

    #[test]
    fn other_version_is_refused() {
        let k = ProductKey::from_fields(2, 0, ProductId::from_bits(1), 1, 1);
        assert_eq!(
            ProductKey::parse(&k.to_string()),
            Err(KeyError::UnsupportedVersion { version: 2 })
        );
    }

    #[test]
    fn serde_is_the_text_form() {
        let k = ProductKey::from_fields(1, 0, ProductId::from_bits(1), 77, 99);
        let json = serde_json::to_string(&k).unwrap();
        assert_eq!(json, format!("\"{k}\""));
        assert_eq!(serde_json::from_str::<ProductKey>(&json).unwrap(), k);
        assert!(serde_json::from_str::<ProductKey>("\"0000\"").is_err());
    }
}
