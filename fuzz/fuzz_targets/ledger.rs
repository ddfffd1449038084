//! Arbitrary command sequences against the licence ledger: no panic, a failed command changes
//! nothing, and replaying the events gives the same ledger.
#![no_main]

use chrono::{Duration, TimeZone, Utc};
use keyledger::catalog::presets;
use keyledger::key::{Issuer, ProductKey};
use keyledger::licence::{Ledger, LedgerCommand, LedgerEvent};
use keyledger::lifecycle::LifecyclePolicy;
use keyledger::org::{AccountId, Container, SiteId};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(issuer) = Issuer::new(0, b"fuzzing issuer secret, 32 bytes.") else {
        return;
    };
    let products = [
        presets::SHADOWPROTECT_MSP,
        presets::IMAGEMANAGER,
        presets::LEGACY_SHADOWPROTECT,
        presets::LEGACY_IMAGEMANAGER,
    ];
    let Some(t0) = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single() else {
        return;
    };
    let mut ledger = Ledger::new(presets::storagecraft(), LifecyclePolicy::default());
    let mut log: Vec<LedgerEvent> = Vec::new();
    let mut now = t0;
    let key_of = |l: &Ledger, i: u8| -> ProductKey {
        let keys: Vec<ProductKey> = l.keys().collect();
        match keys.get(usize::from(i) % keys.len().max(1)) {
            Some(k) => *k,
            None => issuer
                .generate(presets::SHADOWPROTECT_MSP, 9999)
                .unwrap_or_else(|_| unreachable!()),
        }
    };
    for chunk in data.chunks(3) {
        let (op, a, b) = (
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        );
        let before = ledger.to_json().ok();
        let result = match op % 12 {
            0 => {
                now += Duration::hours(i64::from(a) * 4);
                continue;
            }
            1 => ledger
                .generate_keys(
                    &issuer,
                    products[usize::from(a) % 4],
                    u32::from(b % 12),
                    if b & 0x80 != 0 { Container::Site(SiteId(0)) } else { Container::Account(AccountId(u32::from(a % 3))) },
                    now,
                )
                .map(|g| g.events),
            n => {
                let cmd = match n {
                    2 => LedgerCommand::CreateAccount { name: format!("A{}", a % 4), address: None, notes: None },
                    3 => LedgerCommand::CreateSite { account: AccountId(u32::from(a % 3)), name: format!("S{}", b % 3), address: None, notes: None },
                    4 => LedgerCommand::Activate {
                        key: key_of(&ledger, a),
                        machine: format!("m{}", b % 3),
                        msp_name: format!("MSP{}", b % 2),
                        customer_name: "C".into(),
                        computer_role: None,
                        edition: match b % 4 { 0 => None, 1 => Some("Server".into()), 2 => Some("IME".into()), _ => Some("bogus".into()) },
                    },
                    5 | 6 => LedgerCommand::CallHome { key: key_of(&ledger, a), machine: format!("m{}", b % 3) },
                    7 => LedgerCommand::Deactivate { key: key_of(&ledger, a), machine: (b % 2 == 0).then(|| format!("m{}", b % 3)) },
                    8 => LedgerCommand::Reactivate { key: key_of(&ledger, a), machine: None },
                    9 => LedgerCommand::MoveKey { key: key_of(&ledger, a), to: Container::Site(SiteId(u32::from(b % 3))) },
                    10 => LedgerCommand::DeleteSite { site: SiteId(u32::from(a % 3)) },
                    _ => LedgerCommand::SetLegacyStatus { key: key_of(&ledger, a), active: b % 2 == 0 },
                };
                // Out-of-order instants too: a call-home from the past.
                let at = if b & 0x40 != 0 { now - Duration::hours(i64::from(b % 50)) } else { now };
                let (account, site) = (ledger.org().next_account_id(), ledger.org().next_site_id());
                let creates = matches!(cmd, LedgerCommand::CreateAccount { .. } | LedgerCommand::CreateSite { .. });
                ledger.execute(cmd, at).map(|o| {
                    // A create names what it created: the next id, and only one thing.
                    if creates {
                        let made = (o.created_account(), o.created_site());
                        assert!(made == (Some(account), None) || made == (None, Some(site)), "{made:?}");
                    }
                    o.events
                })
            }
        };
        match result {
            Ok(events) => log.extend(events),
            Err(e) => {
                assert!(!e.code().is_empty());
                assert_eq!(ledger.to_json().ok(), before, "a failed command changed the ledger: {e}");
            }
        }
    }
    let replayed = Ledger::replay(presets::storagecraft(), LifecyclePolicy::default(), &log)
        .unwrap_or_else(|e| panic!("replay failed: {e}"));
    assert_eq!(replayed, ledger);
    let _ = ledger.statuses(now);
    let _ = ledger.licence_histories(now);
    let _ = ledger.name_consistency();
});
