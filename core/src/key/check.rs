//! The public typo check: one check symbol over GF(32).
//!
//! Symbols are elements of GF(2^5) (polynomial x^5 + x^2 + 1). Position `i` (0-based, left to right)
//! has weight `w_i`: `α^(i+1)` for the 15 payload symbols and `1` for the check symbol, where `α`
//! generates the multiplicative group (order 31), so all 16 weights are distinct and non-zero. The
//! check symbol makes `Σ w_i·s_i = 0`.
//!
//! - A single wrong symbol changes the sum by `w_i·e` with `e ≠ 0`: non-zero, always caught.
//! - Swapping adjacent different symbols `a`, `b` changes it by `(w_i + w_{i+1})·(a + b)`: both
//!   factors are non-zero (distinct weights, `a ≠ b`), always caught.
//!
//! A random corruption passes with probability 1/32.

const POLY: u16 = 0b10_0101; // x^5 + x^2 + 1

const fn build_tables() -> ([u8; 32], [u8; 62]) {
    let mut log = [0u8; 32];
    let mut exp = [0u8; 62];
    let mut x: u16 = 1;
    let mut i = 0;
    while i < 31 {
        exp[i] = x as u8;
        exp[i + 31] = x as u8;
        log[x as usize] = i as u8;
        x <<= 1;
        if x & 0b10_0000 != 0 {
            x ^= POLY;
        }
        i += 1;
    }
    (log, exp)
}

const TABLES: ([u8; 32], [u8; 62]) = build_tables();
const LOG: [u8; 32] = TABLES.0;
const EXP: [u8; 62] = TABLES.1;

/// Multiplication in GF(32).
pub(crate) const fn gf_mul(a: u8, b: u8) -> u8 {
    if a == 0 || b == 0 {
        return 0;
    }
    EXP[LOG[a as usize] as usize + LOG[b as usize] as usize]
}

/// The weight of each of the 16 positions.
pub(crate) const WEIGHTS: [u8; 16] = {
    let mut w = [0u8; 16];
    let mut i = 0;
    while i < 15 {
        w[i] = EXP[i + 1];
        i += 1;
    }
    w[15] = 1;
    w
};

/// `MUL[i][s] = WEIGHTS[i] · s`: one table look-up per symbol on the hot path.
const MUL: [[u8; 32]; 16] = {
    let mut t = [[0u8; 32]; 16];
    let mut i = 0;
    while i < 16 {
        let mut s = 0;
        while s < 32 {
            t[i][s] = gf_mul(WEIGHTS[i], s as u8);
            s += 1;
        }
        i += 1;
    }
    t
};

/// The weighted sum `Σ w_i·s_i` of the first `n` symbols (addition in GF(32) is XOR).
pub(crate) fn weighted_sum(symbols: &[u8]) -> u8 {
    symbols
        .iter()
        .zip(MUL.iter())
        .fold(0u8, |acc, (&s, row)| acc ^ row[(s & 31) as usize])
}

/// The check symbol for 15 payload symbols (weight of the check position is 1).
pub(crate) fn check_symbol(payload: &[u8; 15]) -> u8 {
    weighted_sum(payload)
}

/// Whether 16 symbols pass the check.
pub(crate) fn passes(symbols: &[u8; 16]) -> bool {
    weighted_sum(symbols) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_are_distinct_and_nonzero() {
        for (i, wi) in WEIGHTS.iter().enumerate() {
            assert_ne!(*wi, 0);
            for (j, wj) in WEIGHTS[..i].iter().enumerate() {
                assert_ne!(wi, wj, "weights {i} and {j}");
            }
        }
    }

    #[test]
    fn field_axioms_hold_for_every_pair() {
        for a in 0..32u8 {
            assert_eq!(gf_mul(a, 1), a);
            for b in 0..32u8 {
                assert_eq!(gf_mul(a, b), gf_mul(b, a));
                if a != 0 && b != 0 {
                    assert_ne!(gf_mul(a, b), 0, "no zero divisors");
                }
                for c in 0..32u8 {
                    assert_eq!(gf_mul(a, b ^ c), gf_mul(a, b) ^ gf_mul(a, c));
                }
            }
        }
    }

    #[test]
    fn check_symbol_makes_sum_zero() {
        let payload: [u8; 15] = core::array::from_fn(|i| (i as u8 * 7 + 3) % 32);
        let mut all = [0u8; 16];
        all[..15].copy_from_slice(&payload);
        all[15] = check_symbol(&payload);
        assert!(passes(&all));
        all[3] ^= 1;
        assert!(!passes(&all));
    }
}
