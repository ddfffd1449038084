//! Error codes and messages (issue 14):
//! - every variant of every module error has an example here (checked against each enum's
//!   `VARIANTS`, so a new variant without one fails), and its message reads as a sentence;
//! - every `module.reason` code named in the bindings, the docs, the READMEs, docstrings and
//!   tests exists in [`Error::CODES`] or in a binding's own list of codes.

// Ids are written `.into()` so that the examples still build when a `String` or integer id
// becomes a newtype with a `From` (issue 14's quota ids).
#![allow(clippy::useless_conversion)]

use keyledger::billing::BillingError;
use keyledger::catalog::{presets, CatalogError};
use keyledger::chrono::{DateTime, TimeZone, Utc};
use keyledger::format::FormatError;
use keyledger::key::{CheckCode, Issuer, KeyError, ProductKey};
use keyledger::licence::offline::OfflineError;
use keyledger::licence::LicenceError;
use keyledger::org::{AccountId, Container, OrgError, SiteId};
use keyledger::quota::{EmailHolder, QuotaError, Resource};
use keyledger::Error;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn key() -> ProductKey {
    Issuer::new(0, &[7; 32])
        .and_then(|i| i.generate(presets::IMAGEMANAGER, 42))
        .expect("a key")
}

fn at(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, 9, 30, 0)
        .single()
        .expect("a date")
}

/// One value of every variant of every module error, with realistic facts.
fn examples() -> Vec<Error> {
    let k = key();
    let mut all: Vec<Error> = Vec::new();
    all.extend(
        [
            KeyError::Empty,
            KeyError::WrongLength { found: 15 },
            KeyError::InvalidCharacter {
                position: 19,
                character: 'U',
            },
            KeyError::Typo,
            KeyError::UnsupportedVersion { version: 2 },
            KeyError::UnknownProduct { product: 40 },
            KeyError::UnknownSecret { secret_id: 3 },
            KeyError::NotGenuine,
            KeyError::TooManyKeys {
                requested: 20_000,
                max: 10_000,
            },
            KeyError::ZeroKeys,
            KeyError::SerialOutOfRange {
                serial: 1 << 27,
                max: (1 << 26) - 1,
            },
            KeyError::WeakSecret { len: 8, min: 16 },
            KeyError::SecretIdOutOfRange {
                secret_id: 16,
                max: 15,
            },
            KeyError::DuplicateSecret { secret_id: 2 },
            KeyError::ActiveSecret { secret_id: 2 },
            KeyError::ZeroLimit,
        ]
        .map(Error::from),
    );
    all.extend(
        [
            CatalogError::ProductIdOutOfRange { id: 64, max: 63 },
            CatalogError::DuplicateProductId {
                id: 1,
                existing: "ShadowProtect".into(),
            },
            CatalogError::BadProductName { name: "".into() },
            CatalogError::ZeroLicences {
                name: "ImageManager".into(),
            },
        ]
        .map(Error::from),
    );
    all.extend(
        [
            OrgError::UnknownAccount {
                account: AccountId(4),
            },
            OrgError::UnknownSite { site: SiteId(9) },
            OrgError::DuplicateName {
                what: "site",
                name: "Berlin".into(),
                parent: "account \"Acme\"".into(),
            },
            OrgError::EmptyName { what: "account" },
            OrgError::NotEmpty {
                container: Container::Account(AccountId(4)),
                keys: 2,
                sites: 1,
            },
            OrgError::DefaultAccount,
        ]
        .map(Error::from),
    );
    let licence = [
        LicenceError::UnknownKey { key: k },
        LicenceError::UnknownLicence { licence: 12 },
        LicenceError::UnknownProduct { product: 40 },
        LicenceError::DuplicateKey { key: k },
        LicenceError::ProductMismatch {
            key: k,
            expected: 1,
            found: 2,
        },
        LicenceError::NotActivated {
            key: k,
            machine: "srv-01".into(),
        },
        LicenceError::AlreadyActive {
            key: k,
            machine: "srv-01".into(),
        },
        LicenceError::LicenceLimit {
            key: k,
            licences: 2,
            in_use: 2,
        },
        LicenceError::UnknownEdition {
            product: "ShadowProtect".into(),
            edition: "Gold".into(),
            editions: "Server, Desktop".into(),
        },
        LicenceError::UnknownEdition {
            product: "ShadowProtect".into(),
            edition: "".into(),
            editions: "Server, Desktop".into(),
        },
        LicenceError::NothingToDeactivate {
            key: k,
            machine: Some("srv-01".into()),
        },
        LicenceError::NothingToDeactivate {
            key: k,
            machine: None,
        },
        LicenceError::NothingToReactivate {
            key: k,
            machine: Some("srv-01".into()),
        },
        LicenceError::NothingToReactivate {
            key: k,
            machine: None,
        },
        LicenceError::WrongLicensing {
            key: k,
            kind: "a legacy (perpetual) key",
            operation: "activate",
        },
        LicenceError::BeforeKeyExisted {
            key: k,
            at: at(1),
            created: at(2),
        },
        LicenceError::EmptyField { field: "machine" },
        LicenceError::EventConflict { id: 7 },
        LicenceError::EventGap {
            expected: 8,
            found: 10,
        },
        LicenceError::EventTooOld { id: 3, oldest: 900 },
        LicenceError::InvalidEvent {
            id: 8,
            reason: "licence 12 does not exist".into(),
        },
        LicenceError::InvalidPolicy,
        LicenceError::UnknownJobType {
            key: k,
            job_type: "replication".into(),
            types: "backup, restore".into(),
        },
        LicenceError::UnknownJobType {
            key: k,
            job_type: "replication".into(),
            types: "".into(),
        },
        LicenceError::JobLimit {
            key: k,
            job_type: "backup".into(),
            licences: 1,
            in_use: 1,
        },
        LicenceError::JobAlreadyRunning {
            key: k,
            job_type: "backup".into(),
            job_name: "nightly".into(),
            machine: "srv-01".into(),
        },
        LicenceError::JobNotRunning {
            key: k,
            job_type: "backup".into(),
            job_name: "nightly".into(),
            machine: "srv-01".into(),
        },
        LicenceError::KeyNotInUse {
            key: k,
            state: "Deactivated".into(),
        },
    ];
    all.extend(licence.map(Error::from));
    all.extend(
        [
            OfflineError::BadSecret { len: 16 },
            OfflineError::BadValidity {
                seconds: 0,
                min: 1,
                max: 2_592_000,
            },
            OfflineError::BadMachine { len: 0, max: 256 },
            OfflineError::Malformed {
                reason: "it does not start with \"klcert1.\"".into(),
            },
            OfflineError::UnknownSigningKey { key_id: 3 },
            OfflineError::BadPublicKey { key_id: 3 },
            OfflineError::BadSignature,
            OfflineError::WrongMachine {
                expected: "srv-01".into(),
                found: "srv-02".into(),
            },
            OfflineError::NotYetValid {
                not_before: at(2),
                now: at(1),
            },
            OfflineError::Expired {
                not_after: at(1),
                now: at(2),
            },
            OfflineError::ClockRollback {
                now: at(1),
                high_water: at(2),
                tolerance_seconds: 300,
            },
        ]
        .map(Error::from),
    );
    all.extend(
        [
            FormatError::Corrupt {
                line: 1,
                column: 2,
                message: "expected value at line 1 column 2".into(),
            },
            FormatError::WrongFormat {
                expected: "keyledger.ledger".into(),
                found: "keyledger.quota".into(),
            },
            FormatError::FutureVersion {
                found: 9,
                supported: 2,
            },
            FormatError::Write {
                message: "key must be a string".into(),
            },
        ]
        .map(Error::from),
    );
    let sub = || "acme-1".to_string();
    let quota = [
        QuotaError::UnknownSubscription {
            subscription: sub().into(),
        },
        QuotaError::DuplicateSubscription {
            subscription: sub().into(),
        },
        QuotaError::UnknownUser {
            subscription: sub().into(),
            login: "ann".into(),
        },
        QuotaError::DuplicateLogin {
            subscription: sub().into(),
            login: "ann".into(),
        },
        QuotaError::UserSuspended {
            subscription: sub().into(),
            login: "ann".into(),
        },
        QuotaError::UnknownGroup {
            subscription: sub().into(),
            group: 3u32.into(),
        },
        QuotaError::DuplicateGroupName {
            subscription: sub().into(),
            name: "Sales".into(),
        },
        QuotaError::DefaultGroupFixed {
            subscription: sub().into(),
        },
        QuotaError::GroupNotEmpty {
            subscription: sub().into(),
            group: 3u32.into(),
            users: 2,
        },
        QuotaError::GroupsNotAvailable {
            subscription: sub().into(),
        },
        QuotaError::UnknownLicence {
            subscription: sub().into(),
            licence: 5u64.into(),
        },
        QuotaError::LimitExceeded {
            subscription: sub().into(),
            resource: Resource::ServerGb,
            requested: 10,
            in_use: 95,
            limit: 100,
            free: 5,
        },
        QuotaError::LimitBelowAssigned {
            subscription: sub().into(),
            resource: Resource::DesktopLicences,
            limit: 2,
            assigned: 3,
        },
        QuotaError::QuotaBelowUsage {
            subscription: sub().into(),
            licence: 5u64.into(),
            quota_gb: 10,
            used_gb: 12,
        },
        QuotaError::UsageAboveQuota {
            subscription: sub().into(),
            licence: 5u64.into(),
            used_gb: 12,
            quota_gb: 10,
        },
        QuotaError::Overflow {
            subscription: sub().into(),
            resource: Resource::DesktopGb,
            in_use: u64::MAX,
            requested: 1,
        },
        QuotaError::Negative {
            field: "quota_gb".into(),
            value: -5,
        },
        QuotaError::InvalidField {
            field: "login".into(),
            reason: "is empty".into(),
        },
        QuotaError::SyncNotAvailable {
            subscription: sub().into(),
        },
        QuotaError::SyncNotEnabled {
            subscription: sub().into(),
        },
        QuotaError::SyncInUse {
            subscription: sub().into(),
        },
        QuotaError::DuplicateEmail {
            email: "it@acme.example".into(),
            holder: EmailHolder::Reseller("r-1".into()),
        },
        QuotaError::SubscriptionHeld {
            subscription: sub().into(),
            email: "it@acme.example".into(),
        },
        QuotaError::SubscriptionStopped {
            subscription: sub().into(),
            reseller: "r-1".into(),
        },
        QuotaError::UnknownReseller {
            reseller: "r-1".into(),
        },
        QuotaError::DuplicateReseller {
            reseller: "r-1".into(),
        },
        QuotaError::ResellerCancelled {
            reseller: "r-1".into(),
        },
        QuotaError::EventConflict { id: 7 },
        QuotaError::EventGap {
            expected: 8,
            found: 10,
        },
        QuotaError::EventTooOld { id: 3, oldest: 900 },
        QuotaError::InvalidEvent {
            id: 8,
            reason: "subscription acme-1 does not exist".into(),
        },
    ];
    all.extend(quota.map(Error::from));
    all.extend(
        [
            BillingError::UnknownMonth {
                text: "2026-13".into(),
            },
            BillingError::UnknownTimeZone {
                name: "Mars/Olympus".into(),
            },
            BillingError::BadCurrency { code: "eur".into() },
            BillingError::MixedCurrencies {
                expected: "EUR".into(),
                found: "USD".into(),
            },
            BillingError::MissingPrice {
                product: "ShadowProtect".into(),
                edition: Some("Server".into()),
            },
            BillingError::MissingPrice {
                product: "ImageManager".into(),
                edition: None,
            },
            BillingError::UnknownProduct { product: 40 },
            BillingError::BadAmount {
                what: "the price".into(),
                value: "-1.00".into(),
            },
            BillingError::RangeEndsBeforeStart {
                start: "2026-11".into(),
                end: "2026-10".into(),
            },
            BillingError::Overflow {
                what: "the month's total".into(),
            },
            BillingError::ColumnLength {
                column: "machine",
                expected: 3,
                found: 2,
            },
            BillingError::LicenceOutOfRange {
                row: 4,
                licence: 9,
                licences: 3,
            },
            BillingError::GroupOutOfRange {
                licence: 2,
                group: 7,
                groups: 4,
            },
            BillingError::Unsorted { row: 1024 },
            BillingError::BadRule {
                rule: "any day, at least 0 days".into(),
                why: "a licence is billed after at least 1 day".into(),
            },
            BillingError::PartialMismatch {
                why: "they are for different months".into(),
            },
            BillingError::ColumnType {
                column: "at",
                expected: "Int64",
                found: "Utf8".into(),
            },
            BillingError::NullValue {
                column: "licence",
                row: 3,
            },
            BillingError::Csv {
                message: "the writer was closed".into(),
            },
        ]
        .map(Error::from),
    );
    all
}

/// (module error, variant name, that enum's variants) of an example.
fn variant_of(e: &Error) -> (&'static str, &'static str, &'static [&'static str]) {
    match e {
        Error::Key(e) => ("KeyError", e.variant(), KeyError::VARIANTS),
        Error::Catalog(e) => ("CatalogError", e.variant(), CatalogError::VARIANTS),
        Error::Org(e) => ("OrgError", e.variant(), OrgError::VARIANTS),
        Error::Licence(e) => ("LicenceError", e.variant(), LicenceError::VARIANTS),
        Error::Offline(e) => ("OfflineError", e.variant(), OfflineError::VARIANTS),
        Error::Format(e) => ("FormatError", e.variant(), FormatError::VARIANTS),
        Error::Quota(e) => ("QuotaError", e.variant(), QuotaError::VARIANTS),
        Error::Billing(e) => ("BillingError", e.variant(), BillingError::VARIANTS),
        other => panic!("a module error this test does not know: {other:?}"),
    }
}

#[test]
fn every_variant_of_every_error_has_an_example() {
    let mut covered: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut declared: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for e in examples() {
        let (module, variant, variants) = variant_of(&e);
        covered.entry(module).or_default().insert(variant);
        declared
            .entry(module)
            .or_default()
            .extend(variants.iter().copied());
    }
    assert_eq!(covered.len(), 8, "an example of each module error");
    for (module, variants) in &declared {
        let missing: Vec<_> = variants.difference(&covered[module]).collect();
        assert!(missing.is_empty(), "{module}: no example of {missing:?}");
    }
    // And every code is reached by some example (a new module error fails here too).
    let reached: BTreeSet<&str> = examples().iter().map(|e| e.code()).collect();
    let all: BTreeSet<&str> = Error::CODES.iter().copied().collect();
    assert_eq!(reached, all);
}

#[test]
fn codes_are_module_dot_reason_unique_and_match_their_module() {
    let prefixes = [
        (KeyError::CODES, "key."),
        (CatalogError::CODES, "catalog."),
        (OrgError::CODES, "org."),
        (LicenceError::CODES, "licence."),
        (OfflineError::CODES, "offline."),
        (FormatError::CODES, "format."),
        (QuotaError::CODES, "quota."),
        (BillingError::CODES, "billing."),
    ];
    for (codes, prefix) in prefixes {
        for code in codes {
            assert!(code.starts_with(prefix), "{code} starts with {prefix}");
            assert!(is_code_shape(code), "{code} is module.reason in snake case");
            assert!(Error::CODES.contains(code), "{code} is in Error::CODES");
        }
    }
    let distinct: BTreeSet<_> = Error::CODES.iter().collect();
    assert_eq!(distinct.len(), Error::CODES.len(), "each code once");
    for e in examples() {
        let (_, variant, variants) = variant_of(&e);
        assert!(variants.contains(&variant));
    }
}

fn is_code_shape(code: &str) -> bool {
    let mut parts = code.split('.');
    let ok = |p: Option<&str>| {
        p.is_some_and(|p| {
            !p.is_empty()
                && p.starts_with(|c: char| c.is_ascii_lowercase())
                && p.chars().all(|c| c.is_ascii_lowercase() || c == '_')
        })
    };
    ok(parts.next()) && ok(parts.next()) && parts.next().is_none()
}

/// What a message must not look like: Rust `Debug` output, format artefacts, loose ends.
fn message_faults(message: &str) -> Vec<String> {
    let mut faults = Vec::new();
    for bad in [
        "Some(", "None", " )", "( ", ": )", ": ,", "\\\"", "\\'", "\\u{", "{", "}", "  ", "\"\"",
        " ,", " ;", " :", "..",
    ] {
        if message.contains(bad) {
            faults.push(format!("contains {bad:?}"));
        }
    }
    // A Debug-printed struct or newtype (`GroupId(3)`, `Resource::ServerGb`): an identifier in
    // CamelCase right before '(' or "::".
    let chars: Vec<char> = message.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if *c == '(' || (*c == ':' && chars.get(i + 1) == Some(&':')) {
            let word: String = chars[..i]
                .iter()
                .rev()
                .take_while(|c| c.is_alphanumeric() || **c == '_')
                .collect();
            let camel = word.chars().last().is_some_and(|c| c.is_uppercase())
                && word.chars().any(|c| c.is_lowercase());
            if camel {
                faults.push(format!(
                    "Debug-like {:?}",
                    word.chars().rev().collect::<String>()
                ));
            }
        }
    }
    match chars.first() {
        Some(c) if c.is_alphanumeric() => {}
        _ => faults.push("does not start with a word".into()),
    }
    if message.ends_with(char::is_whitespace) || message.ends_with(['.', ',', ';', ':']) {
        faults.push("ends with a space or punctuation".into());
    }
    if message.len() < 12 {
        faults.push("too short to be a sentence".into());
    }
    faults
}

#[test]
fn every_message_reads_as_a_sentence() {
    let mut bad = Vec::new();
    for e in examples() {
        let message = e.to_string();
        let faults = message_faults(&message);
        if !faults.is_empty() {
            bad.push(format!("{} {message:?}: {}", e.code(), faults.join(", ")));
        }
    }
    assert!(
        bad.is_empty(),
        "messages that are not sentences:\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_message_check_can_fail() {
    for bad in [
        "edition Some(\"Server\")",
        "no group GroupId(3) in subscription \"a\"",
        "resource Resource::ServerGb is full",
        "product \"a\\\"b\" is unknown",
        "{\"x\": 1} is not a thing",
        "the key is empty ",
        "missing {name} here",
        "edition None is unknown",
    ] {
        assert!(!message_faults(bad).is_empty(), "{bad:?} is refused");
    }
    assert!(message_faults("the key is empty: expected 16 symbols").is_empty());
}

// ---- every code named in the repository exists --------------------------------------------------

/// Codes each binding adds to the core's (arguments and conversions), read from the binding's
/// own declared list.
fn binding_codes(root: &Path) -> BTreeSet<String> {
    let mut codes = BTreeSet::new();
    for (file, list) in [
        ("bindings-python/src/errors.rs", "PY_CODES"),
        ("bindings-wasm/src/errors.rs", "JS_CODES"),
    ] {
        let text = std::fs::read_to_string(root.join(file)).expect(file);
        let start = text
            .find(&format!("pub const {list}: &[&str] = &["))
            .unwrap_or_else(|| panic!("{file} declares {list}"));
        let body = &text[start..];
        let body = &body[..body.find("];").expect("the list ends")];
        for quoted in body.split('"').skip(1).step_by(2) {
            codes.insert(quoted.to_string());
        }
    }
    codes
}

/// The module prefixes a code can have: the core's and the bindings'.
const PREFIXES: [&str; 11] = [
    "key", "catalog", "org", "licence", "offline", "format", "quota", "billing", "log", "py", "js",
];
/// Spellings of a module that are not (or no longer) a prefix: a `license.x` is a stale code.
const STALE_PREFIXES: [&str; 2] = ["license", "licensing"];

/// Text files of the repository that may name codes.
fn text_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                let skip = name.starts_with('.')
                    || matches!(
                        name.as_str(),
                        "target"
                            | "node_modules"
                            | "fixtures"
                            | "pkg"
                            | "dist"
                            | "build"
                            | "__pycache__"
                    );
                if !skip {
                    stack.push(path);
                }
            } else if [
                ".rs", ".py", ".pyi", ".md", ".ts", ".mts", ".js", ".mjs", ".html", ".toml", ".txt",
            ]
            .iter()
            .any(|ext| name.ends_with(ext))
                && name != "CHANGELOG.md"
            {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// `prefix.reason` tokens in a text: a known prefix right after a non-identifier character, a
/// dot, and a snake-case reason that is not followed by more of a path or a call.
fn named_codes(text: &str, prefixes: &[&str]) -> Vec<(usize, String)> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    for prefix in prefixes {
        let needle = format!("{prefix}.");
        let mut from = 0;
        while let Some(i) = text[from..].find(&needle) {
            let start = from + i;
            from = start + needle.len();
            let before = start.checked_sub(1).map(|b| bytes[b]);
            if before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.') {
                continue;
            }
            let rest = &text[from..];
            let len = rest
                .bytes()
                .take_while(|b| b.is_ascii_lowercase() || *b == b'_' || b.is_ascii_digit())
                .count();
            let reason = &rest[..len];
            let after = rest.as_bytes().get(len).copied();
            // Not a code: a path or a method (`key.code()`, `licence.state.x`), a file
            // (`log.rs`), a capitalised name, or an empty reason.
            let line_start = text[..start].rfind('\n').map_or(0, |n| n + 1);
            let previous_line = text[..line_start.saturating_sub(1)]
                .rfind('\n')
                .map_or(0, |n| n + 1);
            if reason.is_empty()
                || FILE_EXTENSIONS.contains(&reason)
                || rest.as_bytes().get(len).is_some_and(u8::is_ascii_digit)
                || reason.bytes().any(|b| b.is_ascii_digit())
                || text[previous_line..start].contains("not a code")
                || !reason.starts_with(|c: char| c.is_ascii_lowercase())
                || matches!(
                    after,
                    Some(b'(' | b'.' | b'[' | b'/' | b'-') | Some(b'A'..=b'Z')
                )
                || (before != Some(b'"') && before != Some(b'\'') && before != Some(b'`'))
            {
                continue;
            }
            // Quoted: the closing quote must match the opening one.
            let quote = before.unwrap_or(b'"');
            if after != Some(quote) {
                continue;
            }
            let line = text[..start].matches('\n').count() + 1;
            found.push((line, format!("{prefix}.{reason}")));
        }
    }
    found
}

/// `log.rs`, `licence.md`...: file names, not codes.
const FILE_EXTENSIONS: [&str; 13] = [
    "rs", "py", "pyi", "md", "ts", "js", "mjs", "json", "toml", "txt", "html", "wasm", "typed",
];

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the repository root")
        .to_path_buf()
}

#[test]
fn every_code_named_in_the_repository_exists() {
    let root = repo_root();
    let known: BTreeSet<String> = Error::CODES
        .iter()
        .map(|c| c.to_string())
        .chain(CheckCode::ALL.iter().map(|c| c.as_str().to_string()))
        .chain(binding_codes(&root))
        .collect();
    let mut unknown = Vec::new();
    let mut named = 0usize;
    let mut prefixes: Vec<&str> = PREFIXES.to_vec();
    prefixes.extend(STALE_PREFIXES);
    for file in text_files(&root) {
        // This file names stale codes on purpose (to show the scan finds them).
        if file.ends_with("core/tests/error_codes.rs") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        for (line, code) in named_codes(&text, &prefixes) {
            named += 1;
            if !known.contains(&code) {
                let shown = file.strip_prefix(&root).unwrap_or(&file).display();
                unknown.push(format!("{shown}:{line}: {code}"));
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "codes named but not declared (core Error::CODES, PY_CODES, JS_CODES):\n{}",
        unknown.join("\n")
    );
    // The scan does find codes (so that it can fail): the bindings and docs name many.
    assert!(named > 100, "only {named} codes named in the repository");
}

#[test]
fn the_scan_finds_quoted_codes_and_skips_paths() {
    let text = "raise(\"billing.unknown_zone\"); `license.all_licences_in_use`; 'key.typo';\n\
                key.code(); licence.state.x; see log.rs; \"quota.Book\"; x.key.typo";
    let found: Vec<String> = named_codes(
        text,
        &["billing", "license", "key", "licence", "log", "quota"],
    )
    .into_iter()
    .map(|(_, c)| c)
    .collect();
    assert_eq!(
        found,
        [
            "billing.unknown_zone",
            "license.all_licences_in_use",
            "key.typo"
        ]
    );
}

/// Every `#[code = "..."]` written in core/src is one of `Error::CODES` and every code is written
/// so: no declaration outside the `coded!` enums, none lost by the macro (the npm `ErrorCode` union
/// and Python's `ERROR_CODES` are generated from `Error::CODES`).
#[test]
fn the_declarations_in_the_source_are_exactly_the_codes() {
    let root = repo_root();
    let mut declared = BTreeSet::new();
    for file in text_files(&root.join("core").join("src")) {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        for piece in text.split("#[code = \"").skip(1) {
            if let Some((code, rest)) = piece.split_once('"') {
                if rest.starts_with(']') {
                    declared.insert(code.to_string());
                }
            }
        }
    }
    let codes: BTreeSet<String> = Error::CODES.iter().map(|c| c.to_string()).collect();
    assert_eq!(declared, codes);
}

#[test]
fn check_codes_that_are_errors_are_error_codes() {
    for c in CheckCode::ALL {
        let code = c.as_str();
        if code.starts_with("key.") || code == "licence.unknown_key" {
            assert!(Error::CODES.contains(&code), "{code}");
        }
    }
}

#[test]
fn each_binding_declares_its_own_codes() {
    let codes = binding_codes(&repo_root());
    for code in [
        "py.bad_argument",
        "py.naive_datetime",
        "py.missing_extra",
        "js.bad_argument",
    ] {
        assert!(codes.contains(code), "{code}");
    }
    for code in &codes {
        assert!(is_code_shape(code), "{code}");
        assert!(code.starts_with("py.") || code.starts_with("js."), "{code}");
        assert!(!Error::CODES.contains(&code.as_str()));
    }
}
