//! The licence ledger as the seed tells it: accounts and sites, activation, daily call-home, the
//! 7/14/30-day thresholds, deactivation, reactivation, legacy keys, history, bad input, replay.

use chrono::{DateTime, Duration, TimeZone, Utc};
use keyledger::catalog::presets;
use keyledger::key::{CheckCode, Issuer, ProductKey};
use keyledger::licence::{
    Applied, CallHomeDecision, HistoryKind, Ledger, LedgerCommand, LedgerEvent, LedgerEventKind,
    LicenceError,
};
use keyledger::lifecycle::{LicenceState, LifecyclePolicy};
use keyledger::org::{AccountId, Container, OrgError, SiteId};
use keyledger::Error;
use proptest::prelude::*;

const SECRET: &[u8] = b"ledger test secret, 32 bytes....";

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 9, 1, 9, 0, 0).unwrap()
}

fn days(n: i64) -> Duration {
    Duration::days(n)
}

fn ledger() -> Ledger {
    Ledger::new(presets::storagecraft(), LifecyclePolicy::default())
}

fn issuer() -> Issuer {
    Issuer::new(0, SECRET).unwrap()
}

fn default_account() -> Container {
    Container::Account(AccountId::DEFAULT)
}

fn activate(key: ProductKey, machine: &str) -> LedgerCommand {
    LedgerCommand::Activate {
        key,
        machine: machine.into(),
        msp_name: "Best Backup MSP".into(),
        customer_name: "Acme".into(),
        computer_role: Some("file server".into()),
        edition: Some("Server".into()),
    }
}

fn call(key: ProductKey, machine: &str) -> LedgerCommand {
    LedgerCommand::CallHome {
        key,
        machine: machine.into(),
    }
}

/// A ledger with one activated ShadowProtect key on machine "m1" at t0.
fn one_active() -> (Ledger, ProductKey) {
    let mut l = ledger();
    let key = l
        .generate_keys(
            &issuer(),
            presets::SHADOWPROTECT_MSP,
            1,
            default_account(),
            t0(),
        )
        .unwrap()
        .keys[0];
    l.execute(activate(key, "m1"), t0()).unwrap();
    (l, key)
}

#[test]
fn thresholds_through_the_ledger_at_every_boundary_and_either_side() {
    let (l, key) = one_active();
    let s = |d: Duration| l.status(&key, t0() + d).unwrap().state;
    let sec = Duration::seconds(1);
    use LicenceState::*;
    assert_eq!(s(days(7) - sec), Active);
    assert_eq!(s(days(7)), Active);
    assert_eq!(s(days(7) + sec), Late);
    assert_eq!(s(days(14)), Late);
    assert_eq!(s(days(14) + sec), Disabled);
    assert_eq!(s(days(30) - sec), Disabled);
    assert_eq!(s(days(30)), Deactivated);
    let late = l.status(&key, t0() + days(8)).unwrap();
    assert_eq!(
        late.detail,
        "late: no call-home since 2026-09-01; will terminate on 2026-10-01"
    );
    assert_eq!(late.next_change, Some(t0() + days(14) + sec));
    let gone = l.status(&key, t0() + days(31)).unwrap();
    assert_eq!(
        gone.detail,
        "deactivated on 2026-10-01: no call-home for 30 days"
    );
    assert_eq!(gone.licences_in_use, 0);
}

#[test]
fn daily_call_homes_keep_a_licence_active_and_cost_one_cluster() {
    let (mut l, key) = one_active();
    for d in 1..=60 {
        let out = l.execute(call(key, "m1"), t0() + days(d)).unwrap();
        assert_eq!(out.decision, Some(CallHomeDecision::Run));
    }
    assert_eq!(
        l.status(&key, t0() + days(60)).unwrap().state,
        LicenceState::Active
    );
    let json = l.to_json().unwrap();
    assert_eq!(json.matches("\"first\"").count(), 1, "one contact cluster");
    let h = l.history(&key, t0() + days(60)).unwrap();
    let kinds: Vec<_> = h.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            HistoryKind::Generated,
            HistoryKind::Activated,
            HistoryKind::FirstCallHome,
            HistoryKind::LastCallHome
        ]
    );
    assert_eq!(h[2].at, t0() + days(1));
    assert_eq!(h[3].at, t0() + days(60));
}

#[test]
fn a_call_home_while_disabled_brings_the_licence_back() {
    let (mut l, key) = one_active();
    assert_eq!(
        l.status(&key, t0() + days(20)).unwrap().state,
        LicenceState::Disabled
    );
    let out = l.execute(call(key, "m1"), t0() + days(20)).unwrap();
    assert_eq!(out.decision, Some(CallHomeDecision::Run));
    assert_eq!(
        l.status(&key, t0() + days(20)).unwrap().state,
        LicenceState::Active
    );
    // The past keeps its Late and Disabled stretch, for billing.
    let h = &l.licence_histories(t0() + days(21))[0];
    let states: Vec<_> = h.spans.iter().map(|s| s.state).collect();
    use LicenceState::*;
    assert_eq!(states, [Active, Late, Disabled, Active]);
    assert_eq!(h.spans[3].from, t0() + days(20));
}

#[test]
fn after_the_lapse_a_call_home_is_told_deactivated_and_changes_nothing() {
    let (mut l, key) = one_active();
    let before = l.to_json().unwrap();
    let out = l.execute(call(key, "m1"), t0() + days(31)).unwrap();
    assert_eq!(out.decision, Some(CallHomeDecision::Deactivated));
    assert!(out.events.is_empty());
    assert_eq!(l.to_json().unwrap(), before);
}

#[test]
fn deactivation_is_pending_until_the_next_call_home_then_final() {
    let (mut l, key) = one_active();
    let at = t0() + days(3);
    l.execute(LedgerCommand::Deactivate { key, machine: None }, at)
        .unwrap();
    let s = l.status(&key, at).unwrap();
    assert_eq!(s.state, LicenceState::PendingDeactivation);
    assert!(!s.state.is_billable(), "billing stops at once");
    // Deactivating again is an impossible transition.
    let err = l
        .execute(LedgerCommand::Deactivate { key, machine: None }, at)
        .unwrap_err();
    assert_eq!(err.code(), "licence.nothing_to_deactivate");
    let out = l.execute(call(key, "m1"), at + days(1)).unwrap();
    assert_eq!(out.decision, Some(CallHomeDecision::Deactivated));
    let s = l.status(&key, at + days(1)).unwrap();
    assert_eq!(s.state, LicenceState::Deactivated);
    assert_eq!(s.detail, "deactivated on 2026-09-05");
    // Reactivation brings it back online at once.
    l.execute(
        LedgerCommand::Reactivate { key, machine: None },
        at + days(2),
    )
    .unwrap();
    assert_eq!(
        l.status(&key, at + days(2)).unwrap().state,
        LicenceState::Active
    );
    let kinds: Vec<_> = l
        .history(&key, at + days(2))
        .unwrap()
        .iter()
        .map(|h| h.kind)
        .collect();
    assert!(
        kinds.ends_with(&[
            HistoryKind::DeactivationRequested,
            HistoryKind::Deactivated,
            HistoryKind::Reactivated
        ]),
        "{kinds:?}"
    );
    assert_eq!(l.licence_histories(at + days(2)).len(), 2, "two runs");
}

#[test]
fn reactivating_a_pending_deactivation_cancels_it() {
    let (mut l, key) = one_active();
    l.execute(
        LedgerCommand::Deactivate { key, machine: None },
        t0() + days(1),
    )
    .unwrap();
    let out = l
        .execute(
            LedgerCommand::Reactivate { key, machine: None },
            t0() + days(2),
        )
        .unwrap();
    assert!(matches!(
        out.events[0].kind,
        LedgerEventKind::DeactivationCancelled { .. }
    ));
    assert_eq!(
        l.status(&key, t0() + days(2)).unwrap().state,
        LicenceState::Active
    );
    let err = l
        .execute(
            LedgerCommand::Reactivate { key, machine: None },
            t0() + days(2),
        )
        .unwrap_err();
    assert_eq!(err.code(), "licence.nothing_to_reactivate");
}

#[test]
fn a_key_with_n_licences_holds_at_most_n_activations() {
    let (mut l, key) = one_active();
    let err = l.execute(activate(key, "m2"), t0() + days(1)).unwrap_err();
    assert_eq!(
        err,
        Error::Licence(LicenceError::LicenceLimit {
            key,
            licences: 1,
            in_use: 1
        })
    );
    let err = l.execute(activate(key, "m1"), t0() + days(1)).unwrap_err();
    assert_eq!(err.code(), "licence.already_active");
    // Once the first licence has lapsed the seat is free.
    l.execute(activate(key, "m2"), t0() + days(31)).unwrap();
    assert_eq!(l.status(&key, t0() + days(31)).unwrap().licences_in_use, 1);
}

#[test]
fn an_older_call_home_arriving_late_never_moves_state_backwards() {
    let (mut l, key) = one_active();
    l.execute(call(key, "m1"), t0() + days(20)).unwrap();
    let now = t0() + days(21);
    let before = l.status(&key, now).unwrap();
    let states = |l: &Ledger| -> Vec<LicenceState> {
        l.licence_histories(now)[0]
            .spans
            .iter()
            .map(|s| s.state)
            .collect()
    };
    use LicenceState::*;
    assert_eq!(states(&l), [Active, Late, Disabled, Active]);
    // A call-home from day 6 arrives now.
    l.execute(call(key, "m1"), t0() + days(6)).unwrap();
    let after = l.status(&key, now).unwrap();
    assert_eq!(after.state, before.state);
    assert_eq!(after.runs[0].last_call_home, before.runs[0].last_call_home);
    // ...but it fills the past: the longest gap is now 14 days (day 6 to 20), so no Disabled stretch.
    assert_eq!(states(&l), [Active, Late, Active]);
}

#[test]
fn legacy_keys_have_a_static_status() {
    let mut l = ledger();
    let key = l
        .generate_keys(
            &issuer(),
            presets::LEGACY_SHADOWPROTECT,
            1,
            default_account(),
            t0(),
        )
        .unwrap()
        .keys[0];
    assert_eq!(
        l.status(&key, t0()).unwrap().state,
        LicenceState::Unactivated
    );
    l.execute(LedgerCommand::SetLegacyStatus { key, active: true }, t0())
        .unwrap();
    assert_eq!(
        l.status(&key, t0() + days(400)).unwrap().state,
        LicenceState::Active
    );
    let err = l.execute(call(key, "m"), t0()).unwrap_err();
    assert_eq!(err.code(), "licence.wrong_licensing");
    let s = l.status(&key, t0()).unwrap();
    assert_eq!(s.licence_type, "Legacy");
    l.execute(
        LedgerCommand::SetLegacyStatus { key, active: false },
        t0() + days(1),
    )
    .unwrap();
    assert_eq!(
        l.status(&key, t0() + days(2)).unwrap().state,
        LicenceState::Deactivated
    );
}

#[test]
fn accounts_sites_and_moves() {
    let mut l = ledger();
    let now = t0();
    l.execute(
        LedgerCommand::CreateAccount {
            name: "Acme".into(),
            address: Some("1 Main St".into()),
            notes: None,
        },
        now,
    )
    .unwrap();
    let acme = AccountId(1);
    for name in ["Berlin", "Paris"] {
        l.execute(
            LedgerCommand::CreateSite {
                account: acme,
                name: name.into(),
                address: None,
                notes: None,
            },
            now,
        )
        .unwrap();
    }
    let err = l
        .execute(
            LedgerCommand::CreateSite {
                account: acme,
                name: "Berlin".into(),
                address: None,
                notes: None,
            },
            now,
        )
        .unwrap_err();
    assert_eq!(err.code(), "org.duplicate_name");
    // The same site name in another account is fine.
    l.execute(
        LedgerCommand::CreateSite {
            account: AccountId::DEFAULT,
            name: "Berlin".into(),
            address: None,
            notes: None,
        },
        now,
    )
    .unwrap();
    let key = l
        .generate_keys(
            &issuer(),
            presets::IMAGEMANAGER,
            2,
            Container::Site(SiteId(0)),
            now,
        )
        .unwrap()
        .keys[0];
    let s = l.status(&key, now).unwrap();
    assert_eq!(
        (s.account.as_str(), s.site.as_deref()),
        ("Acme", Some("Berlin"))
    );
    // Deleting a container that still holds anything is refused.
    let err = l
        .execute(LedgerCommand::DeleteSite { site: SiteId(0) }, now)
        .unwrap_err();
    assert_eq!(
        err,
        Error::Org(OrgError::NotEmpty {
            container: Container::Site(SiteId(0)),
            keys: 2,
            sites: 0
        })
    );
    let err = l
        .execute(LedgerCommand::DeleteAccount { account: acme }, now)
        .unwrap_err();
    assert_eq!(err.code(), "org.not_empty");
    assert_eq!(
        l.execute(
            LedgerCommand::DeleteAccount {
                account: AccountId::DEFAULT
            },
            now
        )
        .unwrap_err()
        .code(),
        "org.default_account"
    );
    // A site cannot move into an account that has a site of the same name.
    let berlin_in_default = SiteId(2);
    let err = l
        .execute(
            LedgerCommand::MoveSite {
                site: berlin_in_default,
                to: acme,
            },
            now,
        )
        .unwrap_err();
    assert_eq!(err.code(), "org.duplicate_name");
    // Move the keys out, then the site can go, and the other Berlin can move in.
    for k in l.keys().collect::<Vec<_>>() {
        l.execute(
            LedgerCommand::MoveKey {
                key: k,
                to: Container::Account(acme),
            },
            now,
        )
        .unwrap();
    }
    l.execute(LedgerCommand::DeleteSite { site: SiteId(0) }, now)
        .unwrap();
    l.execute(
        LedgerCommand::MoveSite {
            site: berlin_in_default,
            to: acme,
        },
        now,
    )
    .unwrap();
    assert_eq!(l.org().site(berlin_in_default).unwrap().account, acme);
    let err = l
        .execute(LedgerCommand::DeleteSite { site: SiteId(0) }, now)
        .unwrap_err();
    assert_eq!(err.code(), "org.unknown_site");
}

#[test]
fn bad_input_is_a_typed_error_and_leaves_the_ledger_untouched() {
    let (mut l, key) = one_active();
    let other = issuer().generate(presets::SHADOWPROTECT_MSP, 500).unwrap();
    let unactivated = l
        .generate_keys(
            &issuer(),
            presets::SHADOWPROTECT_MSP,
            1,
            default_account(),
            t0() + days(1),
        )
        .unwrap()
        .keys[0];
    let before = l.to_json().unwrap();
    let cases: Vec<(LedgerCommand, DateTime<Utc>, &str)> = vec![
        (call(other, "m1"), t0(), "licence.unknown_key"),
        (
            call(unactivated, "m1"),
            t0() + days(2),
            "licence.not_activated",
        ),
        (call(key, "m9"), t0(), "licence.not_activated"),
        (
            activate(unactivated, "m1"),
            t0(),
            "licence.before_key_existed",
        ),
        (
            LedgerCommand::Activate {
                key: unactivated,
                machine: "x".into(),
                msp_name: " ".into(),
                customer_name: "c".into(),
                computer_role: None,
                edition: None,
            },
            t0() + days(2),
            "licence.empty_field",
        ),
        (
            LedgerCommand::Activate {
                key: unactivated,
                machine: "x".into(),
                msp_name: "m".into(),
                customer_name: "c".into(),
                computer_role: None,
                edition: Some("Workstation".into()),
            },
            t0() + days(2),
            "licence.unknown_edition",
        ),
        (
            LedgerCommand::MoveKey {
                key,
                to: Container::Account(AccountId(42)),
            },
            t0(),
            "org.unknown_account",
        ),
        (
            LedgerCommand::CreateAccount {
                name: "Default Account".into(),
                address: None,
                notes: None,
            },
            t0(),
            "org.duplicate_name",
        ),
        (
            LedgerCommand::RecordKeys {
                product: presets::IMAGEMANAGER,
                container: default_account(),
                keys: vec![key],
            },
            t0(),
            "licence.product_mismatch",
        ),
        (
            LedgerCommand::RecordKeys {
                product: presets::SHADOWPROTECT_MSP,
                container: default_account(),
                keys: vec![key],
            },
            t0(),
            "licence.duplicate_key",
        ),
        (
            LedgerCommand::Reactivate { key, machine: None },
            t0(),
            "licence.nothing_to_reactivate",
        ),
    ];
    for (cmd, at, code) in cases {
        let err = l.execute(cmd.clone(), at).unwrap_err();
        assert_eq!(err.code(), code, "{cmd:?}: {err}");
        assert!(!err.to_string().is_empty());
        assert_eq!(l.to_json().unwrap(), before, "{cmd:?} changed the ledger");
    }
    let err = l
        .generate_keys(
            &issuer(),
            presets::SHADOWPROTECT_MSP,
            11,
            default_account(),
            t0(),
        )
        .unwrap_err();
    assert_eq!(err.code(), "key.too_many");
    assert_eq!(l.to_json().unwrap(), before);
}

#[test]
fn corrupt_foreign_and_future_json_are_refused() {
    let (l, _) = one_active();
    let text = l.to_json().unwrap();
    assert_eq!(Ledger::from_json(&text).unwrap(), l);
    let future = text.replacen("\"version\":2", "\"version\":3", 1);
    assert_eq!(
        Ledger::from_json(&future).unwrap_err().code(),
        "format.future_version"
    );
    let foreign = text.replacen("keyledger.ledger", "keyledger.quota", 1);
    assert_eq!(
        Ledger::from_json(&foreign).unwrap_err().code(),
        "format.wrong_format"
    );
    assert_eq!(
        Ledger::from_json(&text[..text.len() / 2])
            .unwrap_err()
            .code(),
        "format.corrupt"
    );
    // Internally inconsistent: a licence pointing at a key that does not exist.
    let broken = text.replacen("\"key\":0", "\"key\":7", 1);
    assert_eq!(
        Ledger::from_json(&broken).unwrap_err().code(),
        "format.corrupt"
    );
}

#[test]
fn events_are_idempotent_conflicts_and_gaps_are_errors() {
    let mut src = ledger();
    let mut log: Vec<LedgerEvent> = Vec::new();
    let key = src
        .generate_keys(
            &issuer(),
            presets::SHADOWPROTECT_MSP,
            1,
            default_account(),
            t0(),
        )
        .unwrap();
    log.extend(key.events);
    let key = key.keys[0];
    log.extend(src.execute(activate(key, "m1"), t0()).unwrap().events);
    log.extend(src.execute(call(key, "m1"), t0() + days(1)).unwrap().events);
    let mut copy =
        Ledger::replay(presets::storagecraft(), LifecyclePolicy::default(), &log).unwrap();
    assert_eq!(copy, src);
    for e in &log {
        assert_eq!(copy.apply(e).unwrap(), Applied::Duplicate);
    }
    assert_eq!(copy, src);
    let mut changed = log[1].clone();
    if let LedgerEventKind::Activated { machine, .. } = &mut changed.kind {
        *machine = "other".into();
    }
    assert_eq!(
        copy.apply(&changed),
        Err(LicenceError::EventConflict { id: 1 })
    );
    let mut moved_call = log[2].clone();
    moved_call.at += days(3);
    assert_eq!(
        copy.apply(&moved_call),
        Err(LicenceError::EventConflict { id: 2 })
    );
    let mut other_licence = log[2].clone();
    other_licence.kind = LedgerEventKind::CalledHome {
        licence: keyledger::licence::LicenceId(0),
    };
    assert_eq!(
        copy.apply(&other_licence),
        Ok(Applied::Duplicate),
        "the same event"
    );
    other_licence.kind = LedgerEventKind::CalledHome {
        licence: keyledger::licence::LicenceId(1),
    };
    assert_eq!(
        copy.apply(&other_licence),
        Err(LicenceError::EventConflict { id: 2 }),
        "a call-home redelivered for another licence is a conflict"
    );
    let mut gap = log[2].clone();
    gap.id = 9;
    assert_eq!(
        copy.apply(&gap),
        Err(LicenceError::EventGap {
            expected: 3,
            found: 9
        })
    );
    assert_eq!(copy, src);
    let json = Ledger::events_to_json(&log).unwrap();
    assert_eq!(Ledger::events_from_json(&json).unwrap(), log);
}

#[test]
fn a_call_home_older_than_the_window_is_too_old_never_a_duplicate() {
    let mut l = ledger().with_event_window(3);
    let key = l
        .generate_keys(
            &issuer(),
            presets::SHADOWPROTECT_MSP,
            1,
            default_account(),
            t0(),
        )
        .unwrap()
        .keys[0];
    let activation = l.execute(activate(key, "m1"), t0()).unwrap().events;
    let mut calls = Vec::new();
    for d in 1..=5 {
        calls.extend(l.execute(call(key, "m1"), t0() + days(d)).unwrap().events);
    }
    // Ids 2..=6 are call-homes; the window holds 4, 5, 6.
    let before = l.to_json().unwrap();
    for e in &calls[..2] {
        assert_eq!(
            l.apply(e),
            Err(LicenceError::EventTooOld {
                id: e.id,
                oldest: 4
            })
        );
        let mut other = e.clone();
        other.at += days(1);
        assert_eq!(l.apply(&other).unwrap_err().code(), "licence.event_too_old");
    }
    for e in &calls[2..] {
        assert_eq!(l.apply(e), Ok(Applied::Duplicate));
        let mut other = e.clone();
        other.at += days(1);
        assert_eq!(
            l.apply(&other),
            Err(LicenceError::EventConflict { id: e.id })
        );
    }
    // Events other than call-homes are checked however old they are.
    assert_eq!(l.apply(&activation[0]), Ok(Applied::Duplicate));
    let mut other = activation[0].clone();
    other.at += days(1);
    assert_eq!(l.apply(&other), Err(LicenceError::EventConflict { id: 1 }));
    assert_eq!(l.to_json().unwrap(), before);
    let reloaded = Ledger::from_json(&before).unwrap();
    assert_eq!(reloaded, l);
    assert_eq!(reloaded.event_window(), 3);
}

#[test]
fn name_consistency_report_names_the_odd_ones() {
    let mut l = ledger();
    let keys = l
        .generate_keys(
            &issuer(),
            presets::SHADOWPROTECT_MSP,
            3,
            default_account(),
            t0(),
        )
        .unwrap()
        .keys;
    let names = [
        ("Best MSP", "Acme"),
        ("Best MSP", "Acme"),
        ("Best  MSP", "ACME Inc"),
    ];
    for (i, (k, (msp, cust))) in keys.iter().zip(names).enumerate() {
        l.execute(
            LedgerCommand::Activate {
                key: *k,
                machine: format!("m{i}"),
                msp_name: msp.into(),
                customer_name: cust.into(),
                computer_role: None,
                edition: None,
            },
            t0(),
        )
        .unwrap_err(); // ShadowProtect needs an edition
        l.execute(
            LedgerCommand::Activate {
                key: *k,
                machine: format!("m{i}"),
                msp_name: msp.into(),
                customer_name: cust.into(),
                computer_role: None,
                edition: Some("Desktop".into()),
            },
            t0(),
        )
        .unwrap();
    }
    let r = l.name_consistency();
    assert_eq!(r.msp_name.as_deref(), Some("Best MSP"));
    assert_eq!(r.msp_mismatches.len(), 1);
    assert_eq!(r.msp_mismatches[0].key, keys[2]);
    assert_eq!(r.msp_mismatches[0].found, "Best  MSP");
    assert_eq!(r.customer_mismatches.len(), 1);
    assert_eq!(r.customer_mismatches[0].expected, "Acme");
}

#[test]
fn validation_against_the_ledger() {
    let (mut l, key) = one_active();
    let iss = issuer();
    let text = key.to_string();
    let v = |l: &Ledger, at| l.validate(&iss, &text, at);
    assert_eq!(v(&l, t0()).code, CheckCode::Ok);
    let late = v(&l, t0() + days(8));
    assert_eq!((late.usable, late.code), (true, CheckCode::Late));
    assert_eq!(
        late.next_change,
        Some(t0() + days(14) + Duration::seconds(1))
    );
    assert_eq!(v(&l, t0() + days(15)).code, CheckCode::Disabled);
    assert_eq!(v(&l, t0() + days(31)).code, CheckCode::Deactivated);
    l.execute(
        LedgerCommand::Deactivate { key, machine: None },
        t0() + days(1),
    )
    .unwrap();
    let p = v(&l, t0() + days(1));
    assert_eq!((p.usable, p.code), (false, CheckCode::PendingDeactivation));
    assert_eq!(
        l.validate(&iss, "nonsense", t0()).code,
        CheckCode::Malformed
    );
}

#[test]
fn licence_histories_cover_every_key() {
    let (mut l, key) = one_active();
    l.generate_keys(
        &issuer(),
        presets::LEGACY_IMAGEMANAGER,
        1,
        default_account(),
        t0(),
    )
    .unwrap();
    l.generate_keys(&issuer(), presets::IMAGEMANAGER, 1, default_account(), t0())
        .unwrap();
    l.execute(
        LedgerCommand::Deactivate { key, machine: None },
        t0() + days(2),
    )
    .unwrap();
    let hs = l.licence_histories(t0() + days(40));
    assert_eq!(hs.len(), 3);
    let sp = &hs[0];
    let states: Vec<_> = sp.spans.iter().map(|s| s.state).collect();
    // Pending from day 2; never called again, so it lapses at day 30.
    assert_eq!(
        states,
        [
            LicenceState::Active,
            LicenceState::PendingDeactivation,
            LicenceState::Deactivated
        ]
    );
    assert_eq!(sp.deactivations, vec![t0() + days(30)]);
    for h in &hs {
        for w in h.spans.windows(2) {
            assert_eq!(w[0].until, Some(w[1].from), "contiguous");
            assert_ne!(w[0].state, w[1].state, "merged");
        }
        assert_eq!(h.spans.last().unwrap().until, None);
    }
}

// ---------- property tests: random command sequences ----------

/// The kernel's properties on a log and the ledger it made: any prefix applied twice changes
/// nothing; every event's id with any other payload (another instant, another event's kind) is a
/// conflict, call-homes included, and changes nothing.
fn kernel_properties(
    log: &[LedgerEvent],
    full: &Ledger,
    any_cut: prop::sample::Index,
) -> Result<(), TestCaseError> {
    let fresh = || Ledger::new(presets::storagecraft(), LifecyclePolicy::default());
    let any_cut = any_cut.index(log.len() + 1);
    for cut in [0, any_cut, log.len() / 2, log.len()] {
        let mut l = fresh();
        for e in &log[..cut] {
            prop_assert_eq!(l.apply(e), Ok(Applied::New));
        }
        let once = l.to_json().unwrap();
        for e in &log[..cut] {
            prop_assert_eq!(l.apply(e), Ok(Applied::Duplicate));
        }
        prop_assert_eq!(l.to_json().unwrap(), once);
        for e in &log[cut..] {
            prop_assert_eq!(l.apply(e), Ok(Applied::New));
        }
        prop_assert_eq!(&l, full);
    }
    let mut l = full.clone();
    let before = l.to_json().unwrap();
    for (i, e) in log.iter().enumerate() {
        let later = LedgerEvent {
            at: e.at + Duration::milliseconds(1),
            ..e.clone()
        };
        prop_assert_eq!(
            l.apply(&later),
            Err(LicenceError::EventConflict { id: e.id })
        );
        let other = &log[(i + 1) % log.len()];
        if other.kind != e.kind {
            let swapped = LedgerEvent {
                kind: other.kind.clone(),
                ..e.clone()
            };
            prop_assert_eq!(
                l.apply(&swapped),
                Err(LicenceError::EventConflict { id: e.id })
            );
        }
    }
    prop_assert_eq!(l.to_json().unwrap(), before);
    Ok(())
}

#[derive(Debug, Clone)]
enum Op {
    CreateAccount(u8),
    CreateSite(u8, u8),
    Generate(u8, u8, bool),
    Activate(u8, u8),
    CallHome(u8, u8),
    Deactivate(u8),
    Reactivate(u8),
    MoveKey(u8, u8),
    DeleteSite(u8),
    DeleteAccount(u8),
    Legacy(u8, bool),
    LegacyMachine(u8, u8),
    MoveSite(u8, u8),
    StartJob(u8, u8, u8),
    EndJob(u8, u8, u8),
    Wait(u16),
}

/// Job types: two of the preset ImageManager's, and one no product has.
const JOB_TYPES: [&str; 3] = ["ShadowStream", "intelligentFTP", "Bogus"];

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u8..4).prop_map(Op::CreateAccount),
        (0u8..4, 0u8..3).prop_map(|(a, s)| Op::CreateSite(a, s)),
        (0u8..4, 1u8..4, any::<bool>()).prop_map(|(p, q, s)| Op::Generate(p, q, s)),
        (0u8..16, 0u8..3).prop_map(|(k, m)| Op::Activate(k, m)),
        (0u8..16, 0u8..3).prop_map(|(k, m)| Op::CallHome(k, m)),
        (0u8..16).prop_map(Op::Deactivate),
        (0u8..16).prop_map(Op::Reactivate),
        (0u8..16, 0u8..4).prop_map(|(k, a)| Op::MoveKey(k, a)),
        (0u8..4).prop_map(Op::DeleteSite),
        (0u8..4).prop_map(Op::DeleteAccount),
        (0u8..16, any::<bool>()).prop_map(|(k, a)| Op::Legacy(k, a)),
        (0u8..16, 0u8..3).prop_map(|(k, m)| Op::LegacyMachine(k, m)),
        (0u8..4, 0u8..4).prop_map(|(s, a)| Op::MoveSite(s, a)),
        (0u8..16, 0u8..3, 0u8..4).prop_map(|(k, t, n)| Op::StartJob(k, t, n)),
        (0u8..16, 0u8..3, 0u8..4).prop_map(|(k, t, n)| Op::EndJob(k, t, n)),
        (0u16..24 * 20).prop_map(Op::Wait),
    ]
}

fn nth_key(l: &Ledger, i: u8) -> ProductKey {
    let keys: Vec<_> = l.keys().collect();
    keys.get(i as usize % keys.len().max(1))
        .copied()
        .unwrap_or_else(|| issuer().generate(presets::SHADOWPROTECT_MSP, 4000).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn random_sequences_replay_to_the_same_state_and_failures_change_nothing(ops in proptest::collection::vec(op(), 1..60), cut in any::<prop::sample::Index>()) {
        let iss = issuer();
        let mut l = ledger();
        let mut log: Vec<LedgerEvent> = Vec::new();
        let mut now = t0();
        let products = [presets::SHADOWPROTECT_MSP, presets::IMAGEMANAGER, presets::LEGACY_SHADOWPROTECT, presets::LEGACY_IMAGEMANAGER];
        for op in ops {
            let before = l.to_json().unwrap();
            let result: Result<Vec<LedgerEvent>, Error> = match op {
                Op::Wait(h) => { now += Duration::hours(i64::from(h)); continue; }
                Op::Generate(p, q, site) => {
                    let c = if site { Container::Site(SiteId(0)) } else { default_account() };
                    l.generate_keys(&iss, products[p as usize % 4], u32::from(q), c, now).map(|g| g.events)
                }
                other => {
                    let cmd = match other {
                        Op::CreateAccount(a) => LedgerCommand::CreateAccount { name: format!("A{a}"), address: None, notes: None },
                        Op::CreateSite(a, s) => LedgerCommand::CreateSite { account: AccountId(u32::from(a)), name: format!("S{s}"), address: None, notes: None },
                        Op::Activate(k, m) => LedgerCommand::Activate { key: nth_key(&l, k), machine: format!("m{m}"), msp_name: "MSP".into(), customer_name: format!("C{m}"), computer_role: None, edition: Some(["Server", "IME"][m as usize % 2].into()) },
                        Op::CallHome(k, m) => call(nth_key(&l, k), &format!("m{m}")),
                        Op::Deactivate(k) => LedgerCommand::Deactivate { key: nth_key(&l, k), machine: None },
                        Op::Reactivate(k) => LedgerCommand::Reactivate { key: nth_key(&l, k), machine: None },
                        Op::MoveKey(k, a) => LedgerCommand::MoveKey { key: nth_key(&l, k), to: Container::Account(AccountId(u32::from(a))) },
                        Op::DeleteSite(s) => LedgerCommand::DeleteSite { site: SiteId(u32::from(s)) },
                        Op::DeleteAccount(a) => LedgerCommand::DeleteAccount { account: AccountId(u32::from(a)) },
                        Op::Legacy(k, a) => LedgerCommand::SetLegacyStatus { key: nth_key(&l, k), active: a },
                        Op::LegacyMachine(k, m) => LedgerCommand::SetLegacyMachine { key: nth_key(&l, k), machine: format!("m{m}") },
                        Op::MoveSite(s, a) => LedgerCommand::MoveSite { site: SiteId(u32::from(s)), to: AccountId(u32::from(a)) },
                        Op::StartJob(k, t, n) => LedgerCommand::StartJob { key: nth_key(&l, k), job_type: JOB_TYPES[t as usize % 3].into(), job_name: format!("j{n}"), machine: format!("m{}", n % 2) },
                        Op::EndJob(k, t, n) => LedgerCommand::EndJob { key: nth_key(&l, k), job_type: JOB_TYPES[t as usize % 3].into(), job_name: format!("j{n}"), machine: format!("m{}", n % 2) },
                        Op::Wait(_) | Op::Generate(..) => unreachable!(),
                    };
                    let decided = l.decide(&cmd, now);
                    let executed = l.execute(cmd, now).map(|o| o.events);
                    prop_assert_eq!(decided.is_ok(), executed.is_ok());
                    if let (Ok(d), Ok(e)) = (&decided, &executed) { prop_assert_eq!(d, e); }
                    executed
                }
            };
            match result {
                Ok(events) => log.extend(events),
                Err(e) => {
                    prop_assert!(!e.code().is_empty());
                    prop_assert_eq!(l.to_json().unwrap(), before, "a failed command changed the ledger");
                }
            }
            // Invariant: no key holds more live licences than it carries.
            for s in l.statuses(now) {
                prop_assert!(s.licences_in_use <= s.licences);
            }
        }
        let replayed = Ledger::replay(presets::storagecraft(), LifecyclePolicy::default(), &log).unwrap();
        prop_assert_eq!(&replayed, &l);
        prop_assert_eq!(replayed.to_json().unwrap(), l.to_json().unwrap());
        kernel_properties(&log, &l, cut)?;
        prop_assert_eq!(Ledger::from_json(&l.to_json().unwrap()).unwrap(), l.clone());
        for h in l.licence_histories(now) {
            for w in h.spans.windows(2) {
                prop_assert_eq!(w[0].until, Some(w[1].from));
            }
        }
    }
}

/// Names for the typed-API property: two distinct, one blank, one that trims to the first.
const NAMES: [&str; 4] = ["Acme", "Beta", " ", " Acme "];

proptest! {
    /// `create_account` / `create_site` return the id their event created and do exactly what
    /// `execute` of the same command does; a refused one changes nothing, byte for byte.
    #[test]
    fn create_account_and_site_return_what_their_events_created(ops in proptest::collection::vec((any::<bool>(), 0u32..4, 0usize..4), 1..30)) {
        let (mut typed, mut raw) = (ledger(), ledger());
        for (site, a, n) in ops {
            let before = typed.to_json().unwrap();
            let name = NAMES[n];
            let (got, out) = if site {
                let account = AccountId(a);
                let cmd = LedgerCommand::CreateSite { account, name: name.into(), address: None, notes: Some("n".into()) };
                let got = typed.create_site(account, name, None, Some("n"), t0());
                let out = raw.execute(cmd, t0());
                if let (Ok(id), Ok(o)) = (&got, &out) {
                    prop_assert_eq!(Some(*id), o.created_site());
                    prop_assert_eq!(typed.org().account_of(Container::Site(*id)), Ok(account));
                }
                (got.map(|s| s.0), out)
            } else {
                let got = typed.create_account(name, Some("addr"), None, t0());
                let cmd = LedgerCommand::CreateAccount { name: name.into(), address: Some("addr".into()), notes: None };
                let out = raw.execute(cmd, t0());
                if let (Ok(id), Ok(o)) = (&got, &out) {
                    prop_assert_eq!(Some(*id), o.created_account());
                    prop_assert_eq!(typed.org().account(*id).map(|x| x.name.as_str()), Some(name.trim()));
                }
                (got.map(|a| a.0), out)
            };
            match (got, out) {
                (Ok(_), Ok(o)) => prop_assert_eq!(o.events.len(), 1),
                (Err(e), Err(f)) => {
                    prop_assert_eq!(e, f);
                    prop_assert_eq!(typed.to_json().unwrap(), before);
                }
                (g, o) => prop_assert!(false, "typed {:?} but execute {:?}", g, o),
            }
            prop_assert_eq!(&typed, &raw);
        }
    }
}
