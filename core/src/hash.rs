//! A stable, platform-independent 64-bit hash for event fingerprints (not cryptographic).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::hash::{Hash, Hasher};

/// A word-at-a-time multiply-xor hash with every integer written little-endian and `usize` as 64
/// bits, so a fingerprint is the same on every platform (native and wasm32) and every run. It
/// detects accidental conflicts (a replayed id with another payload); it is not cryptographic.
pub(crate) struct StableHasher(u64);

impl StableHasher {
    /// A hasher starting from `seed`.
    pub(crate) const fn new(seed: u64) -> Self {
        StableHasher(seed)
    }

    const K: u64 = 0x9e37_79b9_7f4a_7c15;

    fn mix(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(23) ^ word).wrapping_mul(Self::K);
    }
}

impl Hasher for StableHasher {
    fn finish(&self) -> u64 {
        // SplitMix64's finaliser.
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.mix(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        // The length byte keeps "ab" and "ab\0" apart.
        self.mix(u64::from_le_bytes(w) ^ ((rest.len() as u64) << 59));
    }
    fn write_u8(&mut self, i: u8) {
        self.mix(u64::from(i));
    }
    fn write_u16(&mut self, i: u16) {
        self.mix(u64::from(i));
    }
    fn write_u32(&mut self, i: u32) {
        self.mix(u64::from(i));
    }
    fn write_u64(&mut self, i: u64) {
        self.mix(i);
    }
    fn write_u128(&mut self, i: u128) {
        self.mix(i as u64);
        self.mix((i >> 64) as u64);
    }
    fn write_usize(&mut self, i: usize) {
        self.mix(i as u64);
    }
    fn write_i8(&mut self, i: i8) {
        self.mix(i as u64);
    }
    fn write_i16(&mut self, i: i16) {
        self.mix(i as u64);
    }
    fn write_i32(&mut self, i: i32) {
        self.mix(i as u64);
    }
    fn write_i64(&mut self, i: i64) {
        self.mix(i as u64);
    }
    fn write_i128(&mut self, i: i128) {
        self.write_u128(i as u128);
    }
    fn write_isize(&mut self, i: isize) {
        self.mix(i as u64);
    }
}

/// The fingerprint of a value: [`StableHasher`] over its `Hash`, from `seed`.
pub(crate) fn fingerprint<T: Hash + ?Sized>(seed: u64, value: &T) -> u64 {
    let mut h = StableHasher::new(seed);
    value.hash(&mut h);
    h.finish()
}

/// A `u64` written in JSON as a 16-digit hex string, so JavaScript readers lose no bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Hex64(pub(crate) u64);

impl Serialize for Hex64 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format_args!("{:016x}", self.0))
    }
}

impl<'de> Deserialize<'de> for Hex64 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let t = std::borrow::Cow::<'de, str>::deserialize(d)?;
        u64::from_str_radix(&t, 16)
            .map(Hex64)
            .map_err(|_| serde::de::Error::custom(format!("bad fingerprint {t:?}")))
    }
}
