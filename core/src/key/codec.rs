//! Crockford base32 text form: 16 symbols shown as `XXXX-XXXX-XXXX-XXXX`.

use super::KeyError;

/// The 32 Crockford symbols, by value.
pub(crate) const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

const SKIP: u8 = 0xFE;
const BAD: u8 = 0xFF;

/// Byte → symbol value; `SKIP` for separators, `BAD` for anything else.
const DECODE: [u8; 256] = {
    let mut t = [BAD; 256];
    let mut v = 0;
    while v < 32 {
        let c = ALPHABET[v];
        t[c as usize] = v as u8;
        t[c.to_ascii_lowercase() as usize] = v as u8;
        v += 1;
    }
    // Crockford's aliases.
    t[b'O' as usize] = 0;
    t[b'o' as usize] = 0;
    t[b'I' as usize] = 1;
    t[b'i' as usize] = 1;
    t[b'L' as usize] = 1;
    t[b'l' as usize] = 1;
    // Separators that may be missing or doubled.
    t[b'-' as usize] = SKIP;
    t[b' ' as usize] = SKIP;
    t
};

/// Decodes text into 16 symbol values, leniently.
///
/// Dashes and spaces anywhere are ignored; case does not matter; `O`→0, `I`/`L`→1. Anything else is
/// an error naming its 1-based character position.
pub(crate) fn decode(text: &str) -> Result<[u8; 16], KeyError> {
    let mut out = [0u8; 16];
    let mut n = 0usize;
    for (i, ch) in text.chars().enumerate() {
        let v = if ch.is_ascii() {
            DECODE[ch as usize]
        } else {
            BAD
        };
        match v {
            SKIP => {}
            BAD => {
                return Err(KeyError::InvalidCharacter {
                    position: i + 1,
                    character: ch,
                })
            }
            v => {
                if n < 16 {
                    out[n] = v;
                }
                n += 1;
            }
        }
    }
    match n {
        0 => Err(KeyError::Empty),
        16 => Ok(out),
        found => Err(KeyError::WrongLength { found }),
    }
}

/// Writes 16 symbols in the canonical form `XXXX-XXXX-XXXX-XXXX` (19 bytes).
pub(crate) fn encode(symbols: &[u8; 16]) -> [u8; 19] {
    let mut out = [b'-'; 19];
    let mut j = 0;
    for (i, &s) in symbols.iter().enumerate() {
        if i > 0 && i % 4 == 0 {
            j += 1;
        }
        out[j] = ALPHABET[(s & 31) as usize];
        j += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_symbol_round_trips() {
        let symbols: [u8; 16] = core::array::from_fn(|i| (i * 2) as u8);
        let text = encode(&symbols);
        let text = std::str::from_utf8(&text).unwrap();
        assert_eq!(decode(text).unwrap(), symbols);
        assert_eq!(decode(&text.to_lowercase()).unwrap(), symbols);
    }

    #[test]
    fn aliases_and_separators() {
        let a = decode("O1L1-i000-0000-0000").unwrap();
        assert_eq!(&a[..4], &[0, 1, 1, 1]);
        assert_eq!(decode(" 0000 0000--00000000 ").unwrap(), [0; 16]);
    }

    #[test]
    fn errors_name_position_and_character() {
        assert_eq!(
            decode("0000-0U00-0000-0000"),
            Err(KeyError::InvalidCharacter {
                position: 7,
                character: 'U'
            })
        );
        assert_eq!(
            decode("0000-é"),
            Err(KeyError::InvalidCharacter {
                position: 6,
                character: 'é'
            })
        );
        assert_eq!(decode("---"), Err(KeyError::Empty));
        assert_eq!(decode("0000"), Err(KeyError::WrongLength { found: 4 }));
        assert_eq!(
            decode("00000000000000000"),
            Err(KeyError::WrongLength { found: 17 })
        );
    }
}
