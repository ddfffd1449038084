//! The issuer: holds secrets (with ids, for rotation), makes keys and verifies their tags.

use super::{KeyError, ProductKey, KEY_VERSION, MAX_SECRET_ID, MAX_SERIAL, TAG_BITS};
use crate::catalog::ProductId;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::fmt;
use subtle::ConstantTimeEq;

/// Minimum secret length in bytes (128 bits).
pub const MIN_SECRET_LEN: usize = 16;
/// Default number of keys one generation request may ask for (the console's limit).
pub const DEFAULT_MAX_PER_REQUEST: u32 = 10;

/// The id of an issuer secret (0–15), written into every key it makes.
pub type SecretId = u8;

/// A keyed HMAC, ready to tag headers. The raw secret is not kept.
#[derive(Clone)]
struct KeyedMac {
    id: SecretId,
    mac: Hmac<Sha256>,
}

/// Makes and verifies product keys.
///
/// It holds one or more secrets by id. New keys are made under the *active* secret; keys made under
/// any secret still held keep verifying, so a secret can be rotated by adding a new one, activating
/// it, and removing the old one once its keys no longer matter.
///
/// Secrets never appear in `Debug` output, and the issuer does not implement `Serialize`: the caller
/// stores secrets where it stores secrets.
///
/// ```
/// use keyledger::key::{Issuer, KeyError};
/// use keyledger::catalog::presets;
///
/// let mut issuer = Issuer::new(0, b"old secret, 16+ bytes long")?;
/// let old_key = issuer.generate(presets::SHADOWPROTECT_MSP, 1)?;
/// issuer.add_secret(1, b"new secret, 16+ bytes long")?;
/// issuer.set_active(1)?;
/// let new_key = issuer.generate(presets::SHADOWPROTECT_MSP, 2)?;
/// issuer.verify(&old_key)?;        // still verifies while secret 0 is kept
/// issuer.verify(&new_key)?;
/// issuer.remove_secret(0)?;
/// assert_eq!(issuer.verify(&old_key), Err(KeyError::UnknownSecret { secret_id: 0 }));
/// assert!(format!("{issuer:?}").contains("redacted"));
/// # Ok::<(), KeyError>(())
/// ```
#[derive(Clone)]
pub struct Issuer {
    secrets: Vec<KeyedMac>,
    active: SecretId,
    max_per_request: u32,
}

impl fmt::Debug for Issuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<SecretId> = self.secrets.iter().map(|s| s.id).collect();
        f.debug_struct("Issuer")
            .field("secret_ids", &ids)
            .field("secrets", &"<redacted>")
            .field("active", &self.active)
            .field("max_per_request", &self.max_per_request)
            .finish()
    }
}

fn check_secret_id(id: u32) -> Result<SecretId, KeyError> {
    if id > u32::from(MAX_SECRET_ID) {
        return Err(KeyError::SecretIdOutOfRange {
            secret_id: id,
            max: MAX_SECRET_ID,
        });
    }
    Ok(id as SecretId)
}

fn keyed(id: SecretId, secret: &[u8]) -> Result<KeyedMac, KeyError> {
    if secret.len() < MIN_SECRET_LEN {
        return Err(KeyError::WeakSecret {
            len: secret.len(),
            min: MIN_SECRET_LEN,
        });
    }
    let mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(secret).map_err(|_| KeyError::WeakSecret {
            len: secret.len(),
            min: MIN_SECRET_LEN,
        })?;
    Ok(KeyedMac { id, mac })
}

impl Issuer {
    /// An issuer with one secret, active, and the default per-request limit of 10 keys.
    ///
    /// # Errors
    /// [`KeyError::SecretIdOutOfRange`] above 15; [`KeyError::WeakSecret`] below 16 bytes.
    ///
    /// ```
    /// # use keyledger::key::{Issuer, KeyError};
    /// assert!(matches!(Issuer::new(0, b"short"), Err(KeyError::WeakSecret { len: 5, .. })));
    /// assert!(Issuer::new(16, &[0; 32]).is_err());
    /// ```
    pub fn new(secret_id: u32, secret: &[u8]) -> Result<Self, KeyError> {
        let id = check_secret_id(secret_id)?;
        Ok(Issuer {
            secrets: vec![keyed(id, secret)?],
            active: id,
            max_per_request: DEFAULT_MAX_PER_REQUEST,
        })
    }

    /// Adds a secret (not active until [`set_active`](Self::set_active)).
    ///
    /// # Errors
    /// [`KeyError::DuplicateSecret`], [`KeyError::SecretIdOutOfRange`], [`KeyError::WeakSecret`].
    ///
    /// ```
    /// # use keyledger::key::Issuer;
    /// let mut i = Issuer::new(0, &[1; 16])?;
    /// i.add_secret(1, &[2; 16])?;
    /// assert!(i.add_secret(1, &[3; 16]).is_err());
    /// assert_eq!(i.secret_ids(), vec![0, 1]);
    /// # Ok::<(), keyledger::key::KeyError>(())
    /// ```
    pub fn add_secret(&mut self, secret_id: u32, secret: &[u8]) -> Result<(), KeyError> {
        let id = check_secret_id(secret_id)?;
        if self.secrets.iter().any(|s| s.id == id) {
            return Err(KeyError::DuplicateSecret { secret_id: id });
        }
        self.secrets.push(keyed(id, secret)?);
        Ok(())
    }

    /// Makes a held secret the one new keys are made under.
    ///
    /// # Errors
    /// [`KeyError::UnknownSecret`] if it is not held.
    ///
    /// ```
    /// # use keyledger::key::Issuer;
    /// let mut i = Issuer::new(0, &[1; 16])?;
    /// assert!(i.set_active(4).is_err());
    /// # Ok::<(), keyledger::key::KeyError>(())
    /// ```
    pub fn set_active(&mut self, secret_id: u32) -> Result<(), KeyError> {
        let id = check_secret_id(secret_id)?;
        if !self.secrets.iter().any(|s| s.id == id) {
            return Err(KeyError::UnknownSecret { secret_id: id });
        }
        self.active = id;
        Ok(())
    }

    /// Forgets a retired secret: keys made under it no longer verify.
    ///
    /// # Errors
    /// [`KeyError::ActiveSecret`] for the active one; [`KeyError::UnknownSecret`] if not held.
    ///
    /// ```
    /// # use keyledger::key::Issuer;
    /// let mut i = Issuer::new(0, &[1; 16])?;
    /// assert_eq!(i.remove_secret(0).unwrap_err().code(), "key.active_secret");
    /// # Ok::<(), keyledger::key::KeyError>(())
    /// ```
    pub fn remove_secret(&mut self, secret_id: u32) -> Result<(), KeyError> {
        let id = check_secret_id(secret_id)?;
        if id == self.active {
            return Err(KeyError::ActiveSecret { secret_id: id });
        }
        let before = self.secrets.len();
        self.secrets.retain(|s| s.id != id);
        if self.secrets.len() == before {
            return Err(KeyError::UnknownSecret { secret_id: id });
        }
        Ok(())
    }

    /// The ids of the secrets held.
    ///
    /// ```
    /// # use keyledger::key::Issuer;
    /// assert_eq!(Issuer::new(2, &[1; 16])?.secret_ids(), vec![2]);
    /// # Ok::<(), keyledger::key::KeyError>(())
    /// ```
    pub fn secret_ids(&self) -> Vec<SecretId> {
        // Ids are 0..=15: walking them in order is ascending without a sort (a generic sort is
        // ~3 KB of the WebAssembly module for at most 16 bytes).
        (0..=MAX_SECRET_ID)
            .filter(|id| self.secrets.iter().any(|s| s.id == *id))
            .collect()
    }

    /// The active secret's id.
    ///
    /// ```
    /// # use keyledger::key::Issuer;
    /// assert_eq!(Issuer::new(2, &[1; 16])?.active_secret(), 2);
    /// # Ok::<(), keyledger::key::KeyError>(())
    /// ```
    pub fn active_secret(&self) -> SecretId {
        self.active
    }

    /// Sets how many keys one [`generate_batch`](Self::generate_batch) may make (default 10).
    ///
    /// # Errors
    /// [`KeyError::ZeroLimit`] for 0.
    ///
    /// ```
    /// # use keyledger::key::Issuer;
    /// let mut i = Issuer::new(0, &[1; 16])?;
    /// i.set_max_per_request(1000)?;
    /// assert_eq!(i.max_per_request(), 1000);
    /// # Ok::<(), keyledger::key::KeyError>(())
    /// ```
    pub fn set_max_per_request(&mut self, max: u32) -> Result<(), KeyError> {
        if max == 0 {
            return Err(KeyError::ZeroLimit);
        }
        self.max_per_request = max;
        Ok(())
    }

    /// The per-request limit.
    ///
    /// ```
    /// # use keyledger::key::Issuer;
    /// assert_eq!(Issuer::new(0, &[1; 16])?.max_per_request(), 10);
    /// # Ok::<(), keyledger::key::KeyError>(())
    /// ```
    pub fn max_per_request(&self) -> u32 {
        self.max_per_request
    }

    fn active_mac(&self) -> &KeyedMac {
        // `active` is always one of the held ids: `new` sets it, `set_active` checks it and
        // `remove_secret` refuses to remove it.
        self.secrets
            .iter()
            .find(|s| s.id == self.active)
            .unwrap_or(&self.secrets[0])
    }

    fn tag(mac: &KeyedMac, header: &[u8; 5]) -> u64 {
        let mut m = mac.mac.clone();
        m.update(header);
        let out = m.finalize().into_bytes();
        let mut first = [0u8; 8];
        first.copy_from_slice(&out[..8]);
        u64::from_be_bytes(first) >> (64 - TAG_BITS)
    }

    /// Makes the key for (active secret, product, serial). Deterministic: the same inputs always give
    /// the same key.
    ///
    /// # Errors
    /// [`KeyError::SerialOutOfRange`] above [`MAX_SERIAL`](super::MAX_SERIAL).
    ///
    /// ```
    /// # use keyledger::{key::Issuer, catalog::presets};
    /// let i = Issuer::new(0, &[9; 32])?;
    /// assert_eq!(i.generate(presets::IMAGEMANAGER, 5)?, i.generate(presets::IMAGEMANAGER, 5)?);
    /// assert_ne!(i.generate(presets::IMAGEMANAGER, 5)?, i.generate(presets::IMAGEMANAGER, 6)?);
    /// # Ok::<(), keyledger::key::KeyError>(())
    /// ```
    pub fn generate(&self, product: ProductId, serial: u32) -> Result<ProductKey, KeyError> {
        if serial > MAX_SERIAL {
            return Err(KeyError::SerialOutOfRange {
                serial: u64::from(serial),
                max: MAX_SERIAL,
            });
        }
        let mac = self.active_mac();
        let unsigned = ProductKey::from_fields(KEY_VERSION, mac.id, product, serial, 0);
        let tag = Self::tag(mac, &unsigned.header_bytes());
        Ok(ProductKey::from_fields(
            KEY_VERSION,
            mac.id,
            product,
            serial,
            tag,
        ))
    }

    /// Makes `quantity` keys with consecutive serials from `first_serial`: one console request.
    ///
    /// # Errors
    /// [`KeyError::ZeroKeys`]; [`KeyError::TooManyKeys`] above the per-request limit (an error, not a
    /// truncation); [`KeyError::SerialOutOfRange`] if the last serial does not fit.
    ///
    /// ```
    /// # use keyledger::{key::{Issuer, KeyError}, catalog::presets};
    /// let i = Issuer::new(0, &[9; 32])?;
    /// assert_eq!(i.generate_batch(presets::SHADOWPROTECT_MSP, 100, 10)?.len(), 10);
    /// assert_eq!(
    ///     i.generate_batch(presets::SHADOWPROTECT_MSP, 100, 11),
    ///     Err(KeyError::TooManyKeys { requested: 11, max: 10 })
    /// );
    /// # Ok::<(), KeyError>(())
    /// ```
    pub fn generate_batch(
        &self,
        product: ProductId,
        first_serial: u32,
        quantity: u32,
    ) -> Result<Vec<ProductKey>, KeyError> {
        if quantity == 0 {
            return Err(KeyError::ZeroKeys);
        }
        if quantity > self.max_per_request {
            return Err(KeyError::TooManyKeys {
                requested: quantity,
                max: self.max_per_request,
            });
        }
        let last = u64::from(first_serial) + u64::from(quantity) - 1;
        if last > u64::from(MAX_SERIAL) {
            return Err(KeyError::SerialOutOfRange {
                serial: last,
                max: MAX_SERIAL,
            });
        }
        (first_serial..=last as u32)
            .map(|s| self.generate(product, s))
            .collect()
    }

    /// Checks the key's tag against the secret it names, in constant time.
    ///
    /// # Errors
    /// [`KeyError::UnknownSecret`] if that secret is not held; [`KeyError::NotGenuine`] if the tag
    /// does not match.
    ///
    /// ```
    /// # use keyledger::{key::{Issuer, KeyError}, catalog::presets};
    /// let mine = Issuer::new(0, &[1; 32])?;
    /// let other = Issuer::new(0, &[2; 32])?;
    /// let key = other.generate(presets::SHADOWPROTECT_MSP, 7)?;
    /// assert_eq!(mine.verify(&key), Err(KeyError::NotGenuine));
    /// # Ok::<(), KeyError>(())
    /// ```
    pub fn verify(&self, key: &ProductKey) -> Result<(), KeyError> {
        let id = key.secret_id();
        let mac = self
            .secrets
            .iter()
            .find(|s| s.id == id)
            .ok_or(KeyError::UnknownSecret { secret_id: id })?;
        let expected = Self::tag(mac, &key.header_bytes());
        if bool::from(expected.to_be_bytes().ct_eq(&key.tag().to_be_bytes())) {
            Ok(())
        } else {
            Err(KeyError::NotGenuine)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::presets;

    /// The tag is the first 36 bits of HMAC-SHA256 over the 5 header bytes: the same computation
    /// a vendor can do with any HMAC library (the Python baseline does it with `hmac`).
    #[test]
    fn tag_matches_the_documented_construction() {
        let secret = b"0123456789abcdef0123456789abcdef";
        let issuer = Issuer::new(0, secret).unwrap();
        let key = issuer
            .generate(presets::SHADOWPROTECT_MSP, 123_456)
            .unwrap();
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret).unwrap();
        mac.update(&key.header_bytes());
        let digest = mac.finalize().into_bytes();
        let expected = u64::from_be_bytes(digest[..8].try_into().unwrap()) >> 28;
        assert_eq!(key.tag(), expected);
        // header: version 1, secret 0, product 1, serial 123456
        let header = (1u64 << 36) | (1u64 << 26) | 123_456;
        assert_eq!(key.header_bytes(), header.to_be_bytes()[3..]);
    }

    #[test]
    fn secret_ids_are_ascending_whatever_the_order_they_were_added_in() {
        let mut issuer = Issuer::new(9, &[5; 32]).unwrap();
        for id in [15, 3, 0, 7] {
            issuer.add_secret(id, &[6; 32]).unwrap();
        }
        issuer.set_active(3).unwrap();
        issuer.remove_secret(7).unwrap();
        assert_eq!(issuer.secret_ids(), vec![0, 3, 9, 15]);
    }

    #[test]
    fn flipping_any_tag_bit_is_not_genuine() {
        let issuer = Issuer::new(0, &[5; 32]).unwrap();
        let key = issuer.generate(presets::IMAGEMANAGER, 99).unwrap();
        for bit in 0..TAG_BITS {
            let forged = ProductKey::from_fields(
                key.version(),
                key.secret_id(),
                key.product(),
                key.serial(),
                key.tag() ^ (1 << bit),
            );
            assert_eq!(issuer.verify(&forged), Err(KeyError::NotGenuine));
        }
    }

    #[test]
    fn generate_batch_checks_range_before_making_anything() {
        let issuer = Issuer::new(0, &[5; 32]).unwrap();
        assert_eq!(
            issuer.generate_batch(presets::IMAGEMANAGER, MAX_SERIAL - 1, 3),
            Err(KeyError::SerialOutOfRange {
                serial: u64::from(MAX_SERIAL) + 1,
                max: MAX_SERIAL
            })
        );
        assert_eq!(
            issuer.generate_batch(presets::IMAGEMANAGER, 0, 0),
            Err(KeyError::ZeroKeys)
        );
    }
}
