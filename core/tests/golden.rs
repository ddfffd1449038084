//! Golden files of the stored JSON format. The version-1 files were written by keyledger 0.1, the
//! version-2 ones by this version with `KEYLEDGER_WRITE_FIXTURES=1 cargo test -p keyledger --test
//! golden`; all are committed: every later version must keep reading them and find the same facts.

use chrono::{DateTime, Duration, TimeZone, Utc};
use keyledger::catalog::presets;
use keyledger::key::Issuer;
use keyledger::licence::{Ledger, LedgerCommand, LedgerEvent};
use keyledger::lifecycle::{LicenceState, LifecyclePolicy};
use keyledger::org::{AccountId, Container, SiteId};

const STATE: &str = "tests/fixtures/ledger-state-v1.json";
const EVENTS: &str = "tests/fixtures/ledger-events-v1.json";
const STATE_V2: &str = "tests/fixtures/ledger-state-v2.json";
const EVENTS_V2: &str = "tests/fixtures/ledger-events-v2.json";

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 9, 1, 9, 0, 0).unwrap()
}

fn exec(l: &mut Ledger, log: &mut Vec<LedgerEvent>, c: LedgerCommand, at: DateTime<Utc>) {
    log.extend(l.execute(c, at).unwrap().events);
}

/// The scenario the fixtures hold.
fn scenario() -> (Ledger, Vec<LedgerEvent>) {
    let issuer = Issuer::new(0, b"golden fixture secret, 32 bytes.").unwrap();
    let mut l = Ledger::new(presets::storagecraft(), LifecyclePolicy::default());
    let mut log = Vec::new();
    let day = |d| t0() + Duration::days(d);
    let account = |name: &str| LedgerCommand::CreateAccount {
        name: name.into(),
        address: Some("1 Harbour Road".into()),
        notes: None,
    };
    exec(&mut l, &mut log, account("Contoso"), t0());
    let site = LedgerCommand::CreateSite {
        account: AccountId(1),
        name: "Berlin".into(),
        address: None,
        notes: Some("2nd floor".into()),
    };
    exec(&mut l, &mut log, site, t0());
    let sp = l
        .generate_keys(
            &issuer,
            presets::SHADOWPROTECT_MSP,
            2,
            Container::Site(SiteId(0)),
            t0(),
        )
        .unwrap();
    log.extend(sp.events);
    let default = Container::Account(AccountId::DEFAULT);
    let lg = l
        .generate_keys(&issuer, presets::LEGACY_IMAGEMANAGER, 1, default, t0())
        .unwrap();
    log.extend(lg.events);
    let (a, b, legacy) = (sp.keys[0], sp.keys[1], lg.keys[0]);
    let act = |key, machine: &str, edition: &str| LedgerCommand::Activate {
        key,
        machine: machine.into(),
        msp_name: "Northwind".into(),
        customer_name: "Contoso".into(),
        computer_role: Some("backup".into()),
        edition: Some(edition.into()),
    };
    let call = |key, machine: &str| LedgerCommand::CallHome {
        key,
        machine: machine.into(),
    };
    exec(&mut l, &mut log, act(a, "fs01", "Server"), t0());
    exec(&mut l, &mut log, act(b, "ws07", "Desktop"), t0());
    for d in 1..=5 {
        exec(&mut l, &mut log, call(a, "fs01"), day(d));
    }
    let deactivate = LedgerCommand::Deactivate {
        key: b,
        machine: None,
    };
    exec(&mut l, &mut log, deactivate, day(2));
    exec(&mut l, &mut log, call(b, "ws07"), day(3));
    let reactivate = LedgerCommand::Reactivate {
        key: b,
        machine: None,
    };
    exec(&mut l, &mut log, reactivate, day(4));
    let legacy = LedgerCommand::SetLegacyStatus {
        key: legacy,
        active: true,
    };
    exec(&mut l, &mut log, legacy, day(1));
    let to = Container::Account(AccountId(1));
    exec(
        &mut l,
        &mut log,
        LedgerCommand::MoveKey { key: a, to },
        day(5),
    );
    (l, log)
}

#[test]
fn version_1_fixtures_keep_loading_with_the_same_facts() {
    let state = std::fs::read_to_string(STATE).unwrap();
    let events = std::fs::read_to_string(EVENTS).unwrap();
    assert!(state.starts_with(r#"{"format":"keyledger.ledger","version":1,"#));
    let loaded = Ledger::from_json(state.trim_end()).unwrap();
    let log = Ledger::events_from_json(events.trim_end()).unwrap();
    let replayed =
        Ledger::replay(presets::storagecraft(), LifecyclePolicy::default(), &log).unwrap();
    // Version 1's fingerprints came from a hash that was not stable: the loaded ledger keeps none
    // and checks no event before its next id; all else is the fold of the stored events.
    assert_eq!(loaded.next_event_id(), log.len() as u64);
    assert_eq!(
        without_log(&replayed),
        without_log(&loaded),
        "the stored state is the fold of the stored events"
    );
    let again = log[3].clone();
    assert_eq!(
        loaded.clone().apply(&again).unwrap_err().code(),
        "licence.event_too_old"
    );
    assert_eq!(
        replayed.clone().apply(&again),
        Ok(keyledger::licence::Applied::Duplicate)
    );

    // The facts the fixture holds, read through the public API.
    let now = t0() + Duration::days(6);
    let st = loaded.statuses(now);
    let summary: Vec<(String, LicenceState, String)> = st
        .iter()
        .map(|s| (s.product.clone(), s.state, s.account.clone()))
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                "ShadowProtect for MSP".into(),
                LicenceState::Active,
                "Contoso".into()
            ),
            (
                "ShadowProtect for MSP".into(),
                LicenceState::Active,
                "Contoso".into()
            ),
            (
                "Legacy ImageManager".into(),
                LicenceState::Active,
                "Default Account".into()
            ),
        ]
    );
    assert_eq!(
        st[0].site, None,
        "moved from the Berlin site to the account on day 5"
    );
    assert_eq!(st[1].site.as_deref(), Some("Berlin"));
    assert_eq!(st[0].runs[0].last_call_home, t0() + Duration::days(5));
    assert_eq!(
        st[1].runs.len(),
        2,
        "deactivated on day 3, reactivated on day 4"
    );
    assert_eq!(loaded.licence_histories(now).len(), 4);
    // And this version writes the same facts again, but for the field that 0.1 renamed
    // (`license_type` is read as `licence_type`, one spelling in identifiers) and the log.
    let mut v1: serde_json::Value = serde_json::from_str(
        &state
            .trim_end()
            .replace("\"license_type\"", "\"licence_type\""),
    )
    .unwrap();
    let data = v1["data"].as_object_mut().unwrap();
    data.remove("next_event");
    data.remove("fingerprints");
    assert_eq!(without_log(&loaded), v1["data"]);
}

/// A ledger's stored data without its `log` (fingerprints and next id).
fn without_log(l: &Ledger) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_str(&l.to_json().unwrap()).unwrap();
    let mut data = v["data"].take();
    data.as_object_mut().unwrap().remove("log");
    data
}

#[test]
fn version_2_fixtures_keep_loading_and_equal_their_replay() {
    if std::env::var_os("KEYLEDGER_WRITE_FIXTURES").is_some() {
        let (l, log) = scenario();
        std::fs::write(STATE_V2, l.to_json().unwrap() + "\n").unwrap();
        std::fs::write(EVENTS_V2, Ledger::events_to_json(&log).unwrap() + "\n").unwrap();
    }
    let state = std::fs::read_to_string(STATE_V2).unwrap();
    let events = std::fs::read_to_string(EVENTS_V2).unwrap();
    assert!(state.starts_with(r#"{"format":"keyledger.ledger","version":2,"#));
    let loaded = Ledger::from_json(state.trim_end()).unwrap();
    let log = Ledger::events_from_json(events.trim_end()).unwrap();
    let replayed =
        Ledger::replay(presets::storagecraft(), LifecyclePolicy::default(), &log).unwrap();
    assert_eq!(
        replayed, loaded,
        "the stored state is the fold of the stored events"
    );
    assert_eq!(loaded.to_json().unwrap(), state.trim_end());
    // Every stored event, call-homes included, is a duplicate of itself and a conflict with
    // another instant.
    let mut l = loaded;
    for e in &log {
        assert_eq!(l.apply(e), Ok(keyledger::licence::Applied::Duplicate));
        let moved = LedgerEvent {
            at: e.at + Duration::seconds(1),
            ..e.clone()
        };
        assert_eq!(
            l.apply(&moved).unwrap_err().code(),
            "licence.event_conflict"
        );
    }
    // The scenario of this version is the one stored.
    assert_eq!(scenario().1, log);
}
