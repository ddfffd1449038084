//! The key parser never panics on any bytes, and whatever parses formats back to the canonical form.
#![no_main]

use keyledger::catalog::presets;
use keyledger::key::{check_key, ProductKey};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match ProductKey::parse(&text) {
        Ok(key) => {
            let canonical = key.to_string();
            assert_eq!(canonical.len(), 19);
            assert_eq!(ProductKey::parse(&canonical), Ok(key));
            assert_eq!(canonical, ProductKey::parse(&canonical).map(|k| k.to_string()).unwrap_or_default());
        }
        Err(e) => {
            assert!(!e.to_string().is_empty());
            assert!(e.code().starts_with("key."));
        }
    }
    let check = check_key(&presets::storagecraft(), &text);
    assert_eq!(check.usable, check.code.as_str() == "ok");
});
