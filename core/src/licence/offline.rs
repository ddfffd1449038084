//! Offline machines: signed call-home certificates, and clock-rollback detection.
//!
//! A machine that cannot reach the network receives a **call-home certificate** through another
//! channel (an admin pastes it): it names the licence's key, the machine, a validity window, the id
//! of the signing key and a nonce, and is signed with Ed25519 (`ed25519-dalek`). The product verifies
//! it with the public key alone; a certificate for another machine, outside its window, signed by an
//! unknown key or altered in any byte is refused.
//!
//! # Signed bytes (version 1)
//! `b"keyledger.callhome.v1\0"` ‖ key (19 ASCII bytes) ‖ machine length (u16 BE) ‖ machine (UTF-8) ‖
//! not_before ‖ not_after ‖ issued_at (each: i64 BE seconds, u32 BE nanoseconds) ‖ signing key id (u8)
//! ‖ nonce (u64 BE). The domain prefix keeps these signatures from meaning anything elsewhere.
//!
//! # Text form
//! `klcert1.<hex of the signed bytes without the domain prefix>.<hex of the 64-byte signature>`: one
//! line an admin can paste.
//!
//! Each certificate has **exactly one** text: lower-case hexadecimal, no surrounding spaces or line
//! breaks. Any other spelling of the same bytes (upper-case or mixed-case hex, a trailing newline)
//! is refused as `offline.malformed`, like any altered byte: a verifier that accepted several
//! spellings would let one certificate pass as many (a replay list keyed by text would miss them).
//! The caller strips the line it reads before passing it.
//!
//! # Clock rollback
//! [`check_clock`] compares a `now` with the latest `now` the caller has seen for a licence (its
//! high-water mark): more than the tolerance (24 h by default) earlier is a clock rollback.
//!
//! ```
//! use keyledger::licence::offline::{CertificateIssuer, verify_certificate};
//! use keyledger::{catalog::presets, key::Issuer};
//! use chrono::{TimeZone, Utc, Duration};
//! let key = Issuer::new(0, &[1; 32])?.generate(presets::SHADOWPROTECT_MSP, 1)?;
//! let now = Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap();
//! let signer = CertificateIssuer::new(1, &[42; 32]);
//! let cert = signer.issue(key, "srv-01", now, 7 * 86_400, 99)?;
//! let text = cert.to_text();
//! let public = [(1, signer.verifying_key())];
//! let ok = verify_certificate(&public, &text, "srv-01", now + Duration::days(1))?;
//! assert_eq!(ok.key, key);
//! assert_eq!(verify_certificate(&public, &text, "srv-02", now).unwrap_err().code(), "offline.wrong_machine");
//! assert_eq!(verify_certificate(&public, &text, "srv-01", now + Duration::days(8)).unwrap_err().code(), "offline.expired");
//! # Ok::<(), keyledger::Error>(())
//! ```

use crate::key::ProductKey;
use chrono::{DateTime, Duration, TimeZone, Utc};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Default clock-rollback tolerance: 24 hours.
pub const DEFAULT_ROLLBACK_TOLERANCE_SECONDS: i64 = 86_400;
/// Shortest validity window of a certificate (1 hour).
pub const MIN_VALIDITY_SECONDS: i64 = 3_600;
/// Longest validity window of a certificate (30 days: one activation period).
pub const MAX_VALIDITY_SECONDS: i64 = 30 * 86_400;
const DOMAIN: &[u8] = b"keyledger.callhome.v1\0";
const PREFIX: &str = "klcert1.";
const MAX_MACHINE: usize = 256;

crate::error::coded! {
/// Errors of offline certificates and clock checks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[non_exhaustive]
pub enum OfflineError {
    /// A signing secret must be 32 bytes.
    #[code = "offline.bad_secret"]
    #[error("an Ed25519 signing secret is 32 bytes; this one has {len}")]
    BadSecret {
        /// Length given.
        len: usize,
    },
    /// A validity window out of bounds.
    #[code = "offline.bad_validity"]
    #[error("a certificate is valid for {min} to {max} seconds; {seconds} was asked")]
    BadValidity {
        /// Asked.
        seconds: i64,
        /// Minimum.
        min: i64,
        /// Maximum.
        max: i64,
    },
    /// A machine id that is empty or too long.
    #[code = "offline.bad_machine"]
    #[error("a machine id must have 1 to {max} bytes; this one has {len}")]
    BadMachine {
        /// Its length.
        len: usize,
        /// The maximum.
        max: usize,
    },
    /// The certificate text cannot be read.
    #[code = "offline.malformed"]
    #[error("the certificate is malformed: {reason}")]
    Malformed {
        /// What is wrong.
        reason: String,
    },
    /// Signed by a key the verifier does not know.
    #[code = "offline.unknown_signing_key"]
    #[error("the certificate is signed by key {key_id}, which is not among the known public keys")]
    UnknownSigningKey {
        /// The key id in the certificate.
        key_id: u8,
    },
    /// A public key that is not a valid Ed25519 point.
    #[code = "offline.bad_public_key"]
    #[error("public key {key_id} is not a valid Ed25519 key")]
    BadPublicKey {
        /// Its id.
        key_id: u8,
    },
    /// The signature does not match: the certificate was altered or forged.
    #[code = "offline.bad_signature"]
    #[error(
        "the certificate's signature does not match: it was altered or not issued by this vendor"
    )]
    BadSignature,
    /// A certificate for another machine.
    #[code = "offline.wrong_machine"]
    #[error("the certificate is for machine \"{expected}\", not \"{found}\"")]
    WrongMachine {
        /// The machine it names.
        expected: String,
        /// The machine presenting it.
        found: String,
    },
    /// Used before its window.
    #[code = "offline.not_yet_valid"]
    #[error("the certificate is not valid before {not_before} (now {now})")]
    NotYetValid {
        /// Window start.
        not_before: DateTime<Utc>,
        /// The instant given.
        now: DateTime<Utc>,
    },
    /// Used after its window.
    #[code = "offline.expired"]
    #[error("the certificate expired at {not_after} (now {now})")]
    Expired {
        /// Window end.
        not_after: DateTime<Utc>,
        /// The instant given.
        now: DateTime<Utc>,
    },
    /// The clock went back more than the tolerance.
    #[code = "offline.clock_rollback"]
    #[error("clock rollback: {now} is more than {tolerance_seconds} s before the latest instant seen, {high_water}")]
    ClockRollback {
        /// The instant given.
        now: DateTime<Utc>,
        /// The latest instant seen.
        high_water: DateTime<Utc>,
        /// The tolerance.
        tolerance_seconds: i64,
    },
}
}

impl OfflineError {}

/// What a call-home certificate says.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallHomeCertificate {
    /// The licence's product key.
    pub key: ProductKey,
    /// The machine it is for.
    pub machine: String,
    /// Valid from (inclusive).
    pub not_before: DateTime<Utc>,
    /// Valid until (exclusive).
    pub not_after: DateTime<Utc>,
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
    /// Which signing key signed it (for rotation).
    pub signing_key_id: u8,
    /// A caller-supplied nonce (the core draws no random numbers).
    #[cfg_attr(feature = "ts", ts(type = "bigint"))]
    pub nonce: u64,
}

/// A certificate and its Ed25519 signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCertificate {
    /// What is signed.
    pub certificate: CallHomeCertificate,
    /// The 64-byte signature.
    pub signature: [u8; 64],
}

fn put_time(out: &mut Vec<u8>, t: DateTime<Utc>) {
    out.extend_from_slice(&t.timestamp().to_be_bytes());
    out.extend_from_slice(&t.timestamp_subsec_nanos().to_be_bytes());
}

impl CallHomeCertificate {
    /// The signed bytes after the domain prefix (see the [module docs](self)).
    fn body(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + self.machine.len());
        out.extend_from_slice(&self.key.to_ascii());
        // The machine length was checked at issue (<= 256 bytes).
        out.extend_from_slice(&(self.machine.len() as u16).to_be_bytes());
        out.extend_from_slice(self.machine.as_bytes());
        put_time(&mut out, self.not_before);
        put_time(&mut out, self.not_after);
        put_time(&mut out, self.issued_at);
        out.push(self.signing_key_id);
        out.extend_from_slice(&self.nonce.to_be_bytes());
        out
    }

    fn signed_bytes(&self) -> Vec<u8> {
        let mut msg = DOMAIN.to_vec();
        msg.extend_from_slice(&self.body());
        msg
    }

    fn from_body(b: &[u8]) -> Result<Self, OfflineError> {
        let bad = |reason: &str| OfflineError::Malformed {
            reason: reason.to_string(),
        };
        let mut r = Reader { b, at: 0 };
        let key_text = std::str::from_utf8(r.take(19).ok_or_else(|| bad("too short"))?)
            .map_err(|_| bad("the key is not text"))?;
        let key = ProductKey::parse(key_text).map_err(|e| bad(&format!("key: {e}")))?;
        let len = u16::from_be_bytes(r.array().ok_or_else(|| bad("too short"))?) as usize;
        let machine = std::str::from_utf8(r.take(len).ok_or_else(|| bad("too short"))?)
            .map_err(|_| bad("the machine id is not UTF-8"))?
            .to_string();
        let mut time = || -> Result<DateTime<Utc>, OfflineError> {
            let secs = i64::from_be_bytes(r.array().ok_or_else(|| bad("too short"))?);
            let nanos = u32::from_be_bytes(r.array().ok_or_else(|| bad("too short"))?);
            Utc.timestamp_opt(secs, nanos)
                .single()
                .ok_or_else(|| bad("an instant is out of range"))
        };
        let not_before = time()?;
        let not_after = time()?;
        let issued_at = time()?;
        let signing_key_id = r.array::<1>().ok_or_else(|| bad("too short"))?[0];
        let nonce = u64::from_be_bytes(r.array().ok_or_else(|| bad("too short"))?);
        if r.at != b.len() {
            return Err(bad("trailing bytes"));
        }
        Ok(CallHomeCertificate {
            key,
            machine,
            not_before,
            not_after,
            issued_at,
            signing_key_id,
            nonce,
        })
    }
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.b.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(s)
    }
    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }
}

fn hex(bytes: &[u8]) -> String {
    const H: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(H[usize::from(b >> 4)] as char);
        s.push(H[usize::from(b & 15)] as char);
    }
    s
}

/// Lower-case hexadecimal only: the one spelling [`hex`] writes.
fn unhex(text: &str) -> Option<Vec<u8>> {
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let t = text.as_bytes();
    if !t.len().is_multiple_of(2) {
        return None;
    }
    t.chunks_exact(2)
        .map(|p| Some((digit(p[0])? << 4) | digit(p[1])?))
        .collect()
}

impl SignedCertificate {
    /// The one-line text form `klcert1.<body hex>.<signature hex>`.
    ///
    /// ```
    /// # use keyledger::licence::offline::{CertificateIssuer, SignedCertificate};
    /// # use keyledger::{catalog::presets, key::Issuer};
    /// # use chrono::{TimeZone, Utc};
    /// # let key = Issuer::new(0, &[1; 32])?.generate(presets::SHADOWPROTECT_MSP, 1)?;
    /// # let now = Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap();
    /// let c = CertificateIssuer::new(0, &[7; 32]).issue(key, "m", now, 3600, 1)?;
    /// assert!(c.to_text().starts_with("klcert1."));
    /// assert_eq!(SignedCertificate::from_text(&c.to_text())?, c);
    /// # Ok::<(), keyledger::Error>(())
    /// ```
    pub fn to_text(&self) -> String {
        format!(
            "{PREFIX}{}.{}",
            hex(&self.certificate.body()),
            hex(&self.signature)
        )
    }

    /// Reads the text form (the signature is not checked here: see [`verify_certificate`]).
    /// Only the canonical text is read: lower-case hex, nothing before or after.
    ///
    /// # Errors
    /// [`OfflineError::Malformed`] naming what is wrong.
    ///
    /// ```
    /// # use keyledger::licence::offline::{CertificateIssuer, SignedCertificate};
    /// # use keyledger::{catalog::presets, key::Issuer};
    /// # use chrono::{TimeZone, Utc};
    /// # let key = Issuer::new(0, &[1; 32])?.generate(presets::SHADOWPROTECT_MSP, 1)?;
    /// # let now = Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap();
    /// assert_eq!(SignedCertificate::from_text("klcert1.zz.00").unwrap_err().code(), "offline.malformed");
    /// let text = CertificateIssuer::new(0, &[7; 32]).issue(key, "m", now, 3600, 1)?.to_text();
    /// let upper = format!("klcert1.{}", text["klcert1.".len()..].to_uppercase());
    /// assert_eq!(SignedCertificate::from_text(&upper).unwrap_err().code(), "offline.malformed");
    /// assert!(SignedCertificate::from_text(&format!("{text}\n")).is_err());
    /// # Ok::<(), keyledger::Error>(())
    /// ```
    pub fn from_text(text: &str) -> Result<Self, OfflineError> {
        let bad = |reason: &str| OfflineError::Malformed {
            reason: reason.to_string(),
        };
        let rest = text
            .strip_prefix(PREFIX)
            .ok_or_else(|| bad("it does not start with \"klcert1.\""))?;
        let (body, sig) = rest
            .split_once('.')
            .ok_or_else(|| bad("the signature part is missing"))?;
        let body = unhex(body).ok_or_else(|| bad("the body is not lower-case hexadecimal"))?;
        let sig: [u8; 64] = unhex(sig)
            .and_then(|s| s.try_into().ok())
            .ok_or_else(|| bad("the signature is not 64 bytes of lower-case hexadecimal"))?;
        let certificate = CallHomeCertificate::from_body(&body)?;
        // The signature covers these exact bytes: a body that only reads the same (a key with a
        // space for a dash, say) is not the certificate that was signed.
        if certificate.body() != body {
            return Err(bad("the body is not in canonical form"));
        }
        let signed = SignedCertificate {
            certificate,
            signature: sig,
        };
        // One text per certificate: whatever was read must be exactly what would be written.
        if signed.to_text() != text {
            return Err(bad("the text is not in canonical form"));
        }
        Ok(signed)
    }
}

impl Serialize for SignedCertificate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.to_text())
    }
}

impl<'de> Deserialize<'de> for SignedCertificate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let t = std::borrow::Cow::<'de, str>::deserialize(d)?;
        SignedCertificate::from_text(&t).map_err(serde::de::Error::custom)
    }
}

/// Signs call-home certificates. Holds an Ed25519 signing key; never shows it, never serialises.
#[derive(Clone)]
pub struct CertificateIssuer {
    key_id: u8,
    signing: SigningKey,
}

impl fmt::Debug for CertificateIssuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertificateIssuer")
            .field("key_id", &self.key_id)
            .field("signing_key", &"<redacted>")
            .finish()
    }
}

impl CertificateIssuer {
    /// A signer from a 32-byte Ed25519 secret (the caller keeps it in its vault).
    ///
    /// ```
    /// # use keyledger::licence::offline::CertificateIssuer;
    /// let s = CertificateIssuer::new(3, &[9; 32]);
    /// assert_eq!(s.key_id(), 3);
    /// assert!(format!("{s:?}").contains("redacted"));
    /// ```
    pub fn new(key_id: u8, secret: &[u8; 32]) -> Self {
        CertificateIssuer {
            key_id,
            signing: SigningKey::from_bytes(secret),
        }
    }

    /// A signer from a secret of any length (it must be 32 bytes).
    ///
    /// # Errors
    /// [`OfflineError::BadSecret`].
    ///
    /// ```
    /// # use keyledger::licence::offline::CertificateIssuer;
    /// assert!(CertificateIssuer::from_slice(0, &[1; 31]).is_err());
    /// ```
    pub fn from_slice(key_id: u8, secret: &[u8]) -> Result<Self, OfflineError> {
        let s: &[u8; 32] = secret
            .try_into()
            .map_err(|_| OfflineError::BadSecret { len: secret.len() })?;
        Ok(Self::new(key_id, s))
    }

    /// The id written into certificates.
    ///
    /// ```
    /// # use keyledger::licence::offline::CertificateIssuer;
    /// assert_eq!(CertificateIssuer::new(1, &[0; 32]).key_id(), 1);
    /// ```
    pub fn key_id(&self) -> u8 {
        self.key_id
    }

    /// The public key products verify with.
    ///
    /// ```
    /// # use keyledger::licence::offline::CertificateIssuer;
    /// assert_eq!(CertificateIssuer::new(1, &[0; 32]).verifying_key().len(), 32);
    /// ```
    pub fn verifying_key(&self) -> [u8; 32] {
        self.signing.verifying_key().to_bytes()
    }

    /// Signs a certificate for `key` on `machine`, valid from `now` for `validity_seconds`.
    ///
    /// # Errors
    /// [`OfflineError::BadValidity`] outside 1 hour..=30 days; [`OfflineError::BadMachine`].
    ///
    /// ```
    /// # use keyledger::licence::offline::CertificateIssuer;
    /// # use keyledger::{catalog::presets, key::Issuer};
    /// # use chrono::{TimeZone, Utc};
    /// # let key = Issuer::new(0, &[1; 32])?.generate(presets::SHADOWPROTECT_MSP, 1)?;
    /// # let now = Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap();
    /// let s = CertificateIssuer::new(0, &[7; 32]);
    /// assert_eq!(s.issue(key, "m", now, 60, 1).unwrap_err().code(), "offline.bad_validity");
    /// # Ok::<(), keyledger::Error>(())
    /// ```
    pub fn issue(
        &self,
        key: ProductKey,
        machine: &str,
        now: DateTime<Utc>,
        validity_seconds: i64,
        nonce: u64,
    ) -> Result<SignedCertificate, OfflineError> {
        if !(MIN_VALIDITY_SECONDS..=MAX_VALIDITY_SECONDS).contains(&validity_seconds) {
            return Err(OfflineError::BadValidity {
                seconds: validity_seconds,
                min: MIN_VALIDITY_SECONDS,
                max: MAX_VALIDITY_SECONDS,
            });
        }
        if machine.is_empty() || machine.len() > MAX_MACHINE {
            return Err(OfflineError::BadMachine {
                len: machine.len(),
                max: MAX_MACHINE,
            });
        }
        let certificate = CallHomeCertificate {
            key,
            machine: machine.to_string(),
            not_before: now,
            not_after: now + Duration::seconds(validity_seconds),
            issued_at: now,
            signing_key_id: self.key_id,
            nonce,
        };
        let signature = self.signing.sign(&certificate.signed_bytes()).to_bytes();
        Ok(SignedCertificate {
            certificate,
            signature,
        })
    }
}

/// Verifies a certificate's text with the public keys alone, for `machine` at `now`.
///
/// # Errors
/// [`OfflineError::Malformed`], [`OfflineError::UnknownSigningKey`], [`OfflineError::BadPublicKey`],
/// [`OfflineError::BadSignature`], [`OfflineError::WrongMachine`], [`OfflineError::NotYetValid`],
/// [`OfflineError::Expired`].
///
/// ```
/// use keyledger::licence::offline::{CertificateIssuer, verify_certificate};
/// # use keyledger::{catalog::presets, key::Issuer};
/// # use chrono::{TimeZone, Utc};
/// # let key = Issuer::new(0, &[1; 32])?.generate(presets::SHADOWPROTECT_MSP, 1)?;
/// # let now = Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap();
/// let text = CertificateIssuer::new(2, &[7; 32]).issue(key, "m", now, 3600, 1)?.to_text();
/// let other = CertificateIssuer::new(2, &[8; 32]).verifying_key();
/// assert_eq!(verify_certificate(&[(2, other)], &text, "m", now).unwrap_err().code(), "offline.bad_signature");
/// # Ok::<(), keyledger::Error>(())
/// ```
pub fn verify_certificate(
    public_keys: &[(u8, [u8; 32])],
    text: &str,
    machine: &str,
    now: DateTime<Utc>,
) -> Result<CallHomeCertificate, OfflineError> {
    let signed = SignedCertificate::from_text(text)?;
    let c = signed.certificate;
    let key_id = c.signing_key_id;
    let (_, public) = public_keys
        .iter()
        .find(|(id, _)| *id == key_id)
        .ok_or(OfflineError::UnknownSigningKey { key_id })?;
    let vk = VerifyingKey::from_bytes(public).map_err(|_| OfflineError::BadPublicKey { key_id })?;
    vk.verify_strict(&c.signed_bytes(), &Signature::from_bytes(&signed.signature))
        .map_err(|_| OfflineError::BadSignature)?;
    if c.machine != machine {
        return Err(OfflineError::WrongMachine {
            expected: c.machine,
            found: machine.to_string(),
        });
    }
    if now < c.not_before {
        return Err(OfflineError::NotYetValid {
            not_before: c.not_before,
            now,
        });
    }
    if now >= c.not_after {
        return Err(OfflineError::Expired {
            not_after: c.not_after,
            now,
        });
    }
    Ok(c)
}

/// Checks `now` against the latest instant seen for a licence; returns the new high-water mark.
///
/// # Errors
/// [`OfflineError::ClockRollback`] when `now` is more than `tolerance_seconds` before `high_water`.
///
/// ```
/// use keyledger::licence::offline::{check_clock, DEFAULT_ROLLBACK_TOLERANCE_SECONDS as TOL};
/// use chrono::{TimeZone, Utc, Duration};
/// let hw = Utc.with_ymd_and_hms(2026, 11, 10, 0, 0, 0).unwrap();
/// assert_eq!(check_clock(Some(hw), hw - Duration::hours(24), TOL)?, hw);       // within 24 h: fine
/// assert!(check_clock(Some(hw), hw - Duration::hours(24) - Duration::seconds(1), TOL).is_err());
/// assert_eq!(check_clock(None, hw, TOL)?, hw);
/// # Ok::<(), keyledger::licence::offline::OfflineError>(())
/// ```
pub fn check_clock(
    high_water: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    tolerance_seconds: i64,
) -> Result<DateTime<Utc>, OfflineError> {
    match high_water {
        Some(hw) if hw - now > Duration::seconds(tolerance_seconds) => {
            Err(OfflineError::ClockRollback {
                now,
                high_water: hw,
                tolerance_seconds,
            })
        }
        Some(hw) => Ok(hw.max(now)),
        None => Ok(now),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::presets;
    use crate::key::Issuer;

    fn setup() -> (CertificateIssuer, SignedCertificate, DateTime<Utc>) {
        let key = Issuer::new(0, &[1; 32])
            .unwrap()
            .generate(presets::SHADOWPROTECT_MSP, 5)
            .unwrap();
        let now = Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap();
        let s = CertificateIssuer::new(4, &[3; 32]);
        let c = s.issue(key, "srv-01", now, 86_400, 7).unwrap();
        (s, c, now)
    }

    #[test]
    fn window_edges_either_side() {
        let (s, c, now) = setup();
        let pk = [(4, s.verifying_key())];
        let t = c.to_text();
        let sec = Duration::seconds(1);
        assert!(verify_certificate(&pk, &t, "srv-01", now).is_ok());
        assert_eq!(
            verify_certificate(&pk, &t, "srv-01", now - sec)
                .unwrap_err()
                .code(),
            "offline.not_yet_valid"
        );
        assert!(verify_certificate(&pk, &t, "srv-01", now + Duration::days(1) - sec).is_ok());
        assert_eq!(
            verify_certificate(&pk, &t, "srv-01", now + Duration::days(1))
                .unwrap_err()
                .code(),
            "offline.expired"
        );
    }

    #[test]
    fn every_altered_byte_is_refused_never_a_panic() {
        let (s, c, now) = setup();
        let pk = [(4, s.verifying_key())];
        let t = c.to_text();
        for i in 0..t.len() {
            for rep in ['0', 'f', 'x'] {
                let mut b: Vec<char> = t.chars().collect();
                if b[i] == rep {
                    continue;
                }
                b[i] = rep;
                let altered: String = b.into_iter().collect();
                assert!(
                    verify_certificate(&pk, &altered, "srv-01", now).is_err(),
                    "accepted {altered}"
                );
            }
        }
    }

    #[test]
    fn unknown_key_rotation_and_secret_hygiene() {
        let (s, c, now) = setup();
        let t = c.to_text();
        assert_eq!(
            verify_certificate(&[(1, s.verifying_key())], &t, "srv-01", now)
                .unwrap_err()
                .code(),
            "offline.unknown_signing_key"
        );
        let newer = CertificateIssuer::new(5, &[6; 32]);
        let both = [(4, s.verifying_key()), (5, newer.verifying_key())];
        assert!(verify_certificate(&both, &t, "srv-01", now).is_ok());
        let t2 = newer
            .issue(c.certificate.key, "srv-01", now, 3600, 8)
            .unwrap()
            .to_text();
        assert!(verify_certificate(&both, &t2, "srv-01", now).is_ok());
        let debug = format!("{s:?}");
        assert!(!debug.contains("[3, 3"), "{debug}");
        assert_eq!(
            serde_json::from_str::<SignedCertificate>(&serde_json::to_string(&c).unwrap()).unwrap(),
            c
        );
    }

    /// The seed's admin pastes the certificate from a mail client that upper-cased it: the same
    /// bytes in another spelling are refused like an altered byte, so one certificate has one text.
    #[test]
    fn one_spelling_per_certificate() {
        let (s, c, now) = setup();
        let pk = [(4, s.verifying_key())];
        let t = c.to_text();
        assert!(verify_certificate(&pk, &t, "srv-01", now).is_ok());
        let tail = &t[PREFIX.len()..];
        let (body, sig) = tail.split_once('.').unwrap();
        let first_letter = |x: &str| x.find(|ch: char| ch.is_ascii_lowercase()).unwrap();
        let mut variants = vec![
            format!("{PREFIX}{}", tail.to_uppercase()),
            format!("{PREFIX}{}.{sig}", body.to_uppercase()),
            format!("{PREFIX}{body}.{}", sig.to_uppercase()),
            format!("{t}\n"),
            format!(" {t}"),
            format!("{t} "),
            format!("KLCERT1.{tail}"),
        ];
        // One letter upper-cased in the body and one in the signature: a single-byte respelling.
        let i = PREFIX.len() + first_letter(body);
        variants.push(format!(
            "{}{}{}",
            &t[..i],
            t[i..=i].to_uppercase(),
            &t[i + 1..]
        ));
        let j = PREFIX.len() + body.len() + 1 + first_letter(sig);
        variants.push(format!(
            "{}{}{}",
            &t[..j],
            t[j..=j].to_uppercase(),
            &t[j + 1..]
        ));
        for v in &variants {
            assert_ne!(v, &t);
            let e = verify_certificate(&pk, v, "srv-01", now).unwrap_err();
            assert_eq!(e.code(), "offline.malformed", "{v:?}");
            assert!(SignedCertificate::from_text(v).is_err(), "{v:?}");
            assert!(serde_json::from_value::<SignedCertificate>(serde_json::json!(v)).is_err());
        }
    }

    #[test]
    fn every_upper_case_letter_and_every_insertion_is_refused() {
        let (s, c, now) = setup();
        let pk = [(4, s.verifying_key())];
        let t = c.to_text();
        let chars: Vec<char> = t.chars().collect();
        for i in 0..chars.len() {
            for rep in ['A', 'F', 'a', '9', ' '] {
                if chars[i] == rep {
                    continue;
                }
                let mut b = chars.clone();
                b[i] = rep;
                let altered: String = b.into_iter().collect();
                assert!(
                    verify_certificate(&pk, &altered, "srv-01", now).is_err(),
                    "{altered}"
                );
            }
            let mut inserted = chars.clone();
            inserted.insert(i, '0');
            let inserted: String = inserted.into_iter().collect();
            assert!(
                verify_certificate(&pk, &inserted, "srv-01", now).is_err(),
                "{inserted}"
            );
            let mut removed = chars.clone();
            removed.remove(i);
            let removed: String = removed.into_iter().collect();
            assert!(
                verify_certificate(&pk, &removed, "srv-01", now).is_err(),
                "{removed}"
            );
        }
    }

    proptest::proptest! {
        /// Whatever text is accepted is the canonical text of what it reads.
        #[test]
        fn accepted_text_is_canonical(flips in proptest::collection::vec((0usize..400, proptest::bool::ANY), 0..4)) {
            let (_, c, _) = setup();
            let mut b: Vec<char> = c.to_text().chars().collect();
            for (i, up) in flips {
                let i = i % b.len();
                b[i] = if up { b[i].to_ascii_uppercase() } else { b[i].to_ascii_lowercase() };
            }
            let text: String = b.into_iter().collect();
            if let Ok(read) = SignedCertificate::from_text(&text) {
                proptest::prop_assert_eq!(read.to_text(), text);
            }
        }

        #[test]
        fn arbitrary_text_never_panics(text in ".*") {
            let _ = SignedCertificate::from_text(&text);
            let _ = SignedCertificate::from_text(&format!("klcert1.{text}"));
        }
    }
}
