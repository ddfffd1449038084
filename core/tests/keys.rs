//! Product keys as the seed tells it: generate, print, parse leniently, catch typos without the
//! secret, refuse forgeries with it.

use keyledger::catalog::{presets, Catalog, Product, ProductId};
use keyledger::key::{check_key, CheckCode, Issuer, KeyError, ProductKey, MAX_SERIAL};
use proptest::prelude::*;

const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const SECRET: &[u8] = b"integration-test secret 0123456789";

fn issuer() -> Issuer {
    Issuer::new(0, SECRET).unwrap()
}

/// Symbol text positions (indexes into the canonical 19-byte form) of the 16 symbols.
fn symbol_positions() -> Vec<usize> {
    (0..19).filter(|i| i % 5 != 4).collect()
}

/// Every single-symbol substitution at every position is caught by the public check, for many keys.
#[test]
fn exhaustive_single_symbol_errors_are_caught() {
    let issuer = issuer();
    let positions = symbol_positions();
    let mut tried = 0u64;
    for product in [presets::SHADOWPROTECT_MSP, presets::IMAGEMANAGER] {
        for serial in (0..MAX_SERIAL).step_by(MAX_SERIAL as usize / 250) {
            let key = issuer.generate(product, serial).unwrap().to_ascii();
            for &p in &positions {
                for &sym in ALPHABET {
                    if sym == key[p] {
                        continue;
                    }
                    let mut bad = key;
                    bad[p] = sym;
                    let text = std::str::from_utf8(&bad).unwrap();
                    assert_eq!(ProductKey::parse(text), Err(KeyError::Typo), "{text}");
                    tried += 1;
                }
            }
        }
    }
    assert!(tried > 200_000, "tried {tried}");
}

/// Every swap of two adjacent, different symbols is caught (adjacent in the symbol sequence,
/// across the dashes too).
#[test]
fn exhaustive_adjacent_swaps_are_caught() {
    let issuer = issuer();
    let positions = symbol_positions();
    let mut tried = 0u64;
    for serial in 0..5_000u32 {
        let key = issuer
            .generate(presets::SHADOWPROTECT_MSP, serial * 1_021)
            .unwrap()
            .to_ascii();
        for w in positions.windows(2) {
            let (a, b) = (w[0], w[1]);
            if key[a] == key[b] {
                continue;
            }
            let mut bad = key;
            bad.swap(a, b);
            let text = std::str::from_utf8(&bad).unwrap();
            assert_eq!(ProductKey::parse(text), Err(KeyError::Typo), "{text}");
            tried += 1;
        }
    }
    assert!(tried > 50_000, "tried {tried}");
}

#[test]
fn forged_keys_are_not_genuine_but_pass_the_public_check() {
    let catalog = presets::storagecraft();
    let forger = Issuer::new(0, b"a forger's own secret, 32 bytes.").unwrap();
    let forged = forger
        .generate(presets::SHADOWPROTECT_MSP, 10)
        .unwrap()
        .to_string();
    assert_eq!(check_key(&catalog, &forged).code, CheckCode::Ok);
    let c = issuer().check(&catalog, &forged);
    assert_eq!((c.usable, c.code), (false, CheckCode::NotGenuine));
    assert!(c.detail.contains("not genuine"));
}

#[test]
fn unknown_product_and_secret_are_named() {
    let mut catalog = Catalog::new();
    catalog
        .add(Product::subscription(ProductId::new(9).unwrap(), "Vault"))
        .unwrap();
    let issuer = issuer();
    let key = issuer
        .generate(presets::IMAGEMANAGER, 1)
        .unwrap()
        .to_string();
    let c = issuer.check(&catalog, &key);
    assert_eq!(c.code, CheckCode::UnknownProduct);
    assert!(c.detail.contains("product 2"), "{}", c.detail);

    let other = Issuer::new(7, SECRET).unwrap();
    let key = other.generate(ProductId::new(9).unwrap(), 1).unwrap();
    assert_eq!(
        issuer.verify(&key),
        Err(KeyError::UnknownSecret { secret_id: 7 })
    );
    assert_eq!(
        issuer.check(&catalog, &key.to_string()).code,
        CheckCode::UnknownSecret
    );
}

#[test]
fn bad_input_is_a_typed_error() {
    let cases: &[(&str, KeyError)] = &[
        ("", KeyError::Empty),
        ("  - -", KeyError::Empty),
        ("ABCD", KeyError::WrongLength { found: 4 }),
        ("ABCD-EFGH-JKMN-PQRS-T", KeyError::WrongLength { found: 17 }),
        (
            "ABCD-EFGH-JKMN-PQRÜ",
            KeyError::InvalidCharacter {
                position: 19,
                character: 'Ü',
            },
        ),
        (
            "ABCD\tEFGH-JKMN-PQRS",
            KeyError::InvalidCharacter {
                position: 5,
                character: '\t',
            },
        ),
        (
            "ABCD-EFGH-JKMN-PQR\0",
            KeyError::InvalidCharacter {
                position: 19,
                character: '\0',
            },
        ),
    ];
    for (text, err) in cases {
        assert_eq!(&ProductKey::parse(text).unwrap_err(), err, "{text:?}");
        assert_eq!(err.code(), "key.malformed");
    }
    let msg = KeyError::InvalidCharacter {
        position: 5,
        character: '\t',
    }
    .to_string();
    assert_eq!(
        msg,
        "key position 5: '\\t' is not a Crockford base32 symbol"
    );
}

#[test]
fn secret_never_appears_in_debug_errors_or_serde() {
    let secret = b"SUPER-SECRET-MATERIAL-0123456789";
    let mut issuer = Issuer::new(0, secret).unwrap();
    issuer
        .add_secret(1, b"SECOND-SECRET-MATERIAL-012345678")
        .unwrap();
    let catalog = presets::storagecraft();
    let key = issuer.generate(presets::IMAGEMANAGER, 5).unwrap();
    let mut texts = vec![
        format!("{issuer:?}"),
        format!("{issuer:#?}"),
        format!("{key:?} {key}"),
        serde_json::to_string(&key).unwrap(),
        serde_json::to_string(&issuer.check(&catalog, &key.to_string())).unwrap(),
    ];
    for err in [
        issuer.add_secret(1, secret).unwrap_err(),
        Issuer::new(0, b"SUPER").unwrap_err(),
        issuer.remove_secret(0).unwrap_err(),
    ] {
        texts.push(err.to_string());
        texts.push(format!("{err:?}"));
    }
    for t in texts {
        for s in ["SUPER-SECRET", "SECOND-SECRET", "SUPER\""] {
            assert!(!t.contains(s), "secret leaked in {t}");
        }
        // Nor as bytes in Debug form.
        assert!(
            !t.contains("83, 85, 80, 69, 82"),
            "secret bytes leaked in {t}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// generate → format → parse round-trips, in any accepted spelling.
    #[test]
    fn generate_format_parse_round_trips(product in 0u32..64, serial in 0..=MAX_SERIAL, lower in any::<bool>(), strip in any::<bool>()) {
        let issuer = issuer();
        let key = issuer.generate(ProductId::new(product).unwrap(), serial).unwrap();
        let mut text = key.to_string();
        if lower { text = text.to_lowercase(); }
        if strip { text = text.replace('-', " "); }
        let parsed = ProductKey::parse(&text).unwrap();
        prop_assert_eq!(parsed, key);
        prop_assert_eq!(parsed.serial(), serial);
        prop_assert_eq!(parsed.product().get() as u32, product);
        prop_assert!(issuer.verify(&parsed).is_ok());
        // Crockford aliases read as their symbols.
        let aliased = key.to_string().replace('0', "o").replace('1', "l");
        prop_assert_eq!(ProductKey::parse(&aliased).unwrap(), key);
    }

    /// Arbitrary text never panics, and whatever parses formats back to a canonical form that
    /// parses to the same key.
    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        if let Ok(key) = ProductKey::parse(&text) {
            prop_assert_eq!(ProductKey::parse(&key.to_string()).unwrap(), key);
        }
        let _ = check_key(&presets::storagecraft(), &text);
    }

    /// Random 16-symbol strings pass the typo check about 1 time in 32, never more often than chance
    /// allows by a wide margin (this guards against a check that accepts everything).
    #[test]
    fn random_symbols_mostly_fail(symbols in proptest::collection::vec(0usize..32, 16)) {
        let text: String = symbols.iter().map(|&s| ALPHABET[s] as char).collect();
        match ProductKey::parse(&text) {
            Ok(k) => prop_assert_eq!(k.to_string().replace('-', ""), text),
            Err(e) => {
                let expected = matches!(e, KeyError::Typo | KeyError::UnsupportedVersion { .. });
                prop_assert!(expected, "unexpected error {:?}", e);
            }
        }
    }
}

#[test]
fn exactly_one_check_symbol_completes_a_payload() {
    let issuer = issuer();
    for serial in [0, 1, 77, MAX_SERIAL] {
        let key = issuer
            .generate(presets::IMAGEMANAGER, serial)
            .unwrap()
            .to_ascii();
        let passing = ALPHABET
            .iter()
            .filter(|&&last| {
                let mut k = key;
                k[18] = last;
                ProductKey::parse(std::str::from_utf8(&k).unwrap()).is_ok()
            })
            .count();
        assert_eq!(passing, 1, "serial {serial}");
    }
}
