//! The fingerprint encoding is part of the stored format (version 2): fingerprints of a fixed
//! list of events are pinned here as literal hex, so any drift of the encoding, the hash or its
//! keys (a compiler, serde, serde_json or chrono upgrade, a reordered field) fails this test.

use chrono::{DateTime, TimeZone, Utc};
use keyledger::catalog::presets;
use keyledger::key::ProductKey;
use keyledger::licence::{LedgerEvent, LedgerEventKind, LicenceId};
use keyledger::log::{Event, Fingerprint};
use keyledger::org::{AccountId, Container, SiteId};
use keyledger::quota::{
    Admin, Counters, LicenceType, Limits, QuotaEvent, QuotaEventKind, SaleModel,
};

fn at(secs: i64, nanos: u32) -> DateTime<Utc> {
    Utc.timestamp_opt(secs, nanos).single().unwrap()
}

fn ledger_events() -> Vec<LedgerEvent> {
    let key = ProductKey::parse("4B1H-2VR3-NFNB-2Q7P").unwrap();
    let kinds = vec![
        LedgerEventKind::AccountCreated {
            account: AccountId(1),
            name: "Contoso".into(),
            address: Some("1 Harbour Road".into()),
            notes: None,
        },
        LedgerEventKind::SiteCreated {
            site: SiteId(0),
            account: AccountId(1),
            name: "Berlin".into(),
            address: None,
            notes: Some("2nd floor".into()),
        },
        LedgerEventKind::KeysGenerated {
            product: presets::SHADOWPROTECT_MSP,
            container: Container::Site(SiteId(0)),
            keys: vec![key],
        },
        LedgerEventKind::Activated {
            licence: LicenceId(0),
            key,
            machine: "fs01".into(),
            msp_name: "Northwind".into(),
            customer_name: "Contoso".into(),
            computer_role: None,
            edition: Some("Server".into()),
        },
        LedgerEventKind::CalledHome {
            licence: LicenceId(0),
        },
        LedgerEventKind::KeyMoved {
            key,
            from: Container::Site(SiteId(0)),
            to: Container::Account(AccountId(1)),
        },
        LedgerEventKind::LegacyStatusSet { key, active: true },
    ];
    kinds
        .into_iter()
        .enumerate()
        .map(|(i, kind)| Event {
            id: i as u64,
            at: at(
                1_788_253_200 + 86_400 * i as i64,
                250_000_000 * (i as u32 % 2),
            ),
            kind,
        })
        .collect()
}

fn quota_events() -> Vec<QuotaEvent> {
    let kinds = vec![
        QuotaEventKind::SubscriptionCreated {
            subscription: "acme".into(),
            company: "ACME Ltd".into(),
            model: SaleModel::Reseller("r1".into()),
            limits: Limits::seats_and_gb(10, 100, 2, 50).with_sync(5),
            requested_admin: Admin {
                name: "Ann".into(),
                email: "ann@acme.test".into(),
            },
            provisioned: true,
        },
        QuotaEventKind::UserCreated {
            subscription: "acme".into(),
            login: "ann".into(),
            display_name: "Ann A.".into(),
            group: keyledger::quota::GroupId(0),
        },
        QuotaEventKind::LicenceAssigned {
            subscription: "acme".into(),
            licence: keyledger::quota::LicenceId(1),
            login: "ann".into(),
            kind: LicenceType::Desktop,
            quota_gb: 20,
        },
        QuotaEventKind::CountersRecomputed {
            subscription: "acme".into(),
            before: Counters::default(),
            after: Counters::default(),
        },
    ];
    kinds
        .into_iter()
        .enumerate()
        .map(|(i, kind)| Event {
            id: 100 + i as u64,
            at: at(1_788_253_200 + i as i64, 0),
            kind,
        })
        .collect()
}

fn hex<K: serde::Serialize>(events: &[Event<K>]) -> Vec<String> {
    events
        .iter()
        .map(|e| Fingerprint::of(e).to_string())
        .collect()
}

#[test]
fn fingerprints_are_pinned() {
    let ledger = hex(&ledger_events());
    let quota = hex(&quota_events());
    println!("{ledger:?}\n{quota:?}");
    assert_eq!(
        ledger,
        [
            "99a1675cecf2cdec",
            "a37e8aad69f294e4",
            "e4b0db13cd424632",
            "4f1c8c75aa7344aa",
            "d9876965bc0687a9",
            "90516d13a795b0a5",
            "527db7e592773aef",
        ]
    );
    assert_eq!(
        quota,
        [
            "b2d05144f7c297b7",
            "6c504e403f6a5cba",
            "b8e50600d2cf62dd",
            "14b74b5bcdd63372",
        ]
    );
}

/// The documented encoding, written out by hand here (envelope bytes, then the kind's stored JSON
/// typed as text) and hashed with SipHash-1-3 directly: the kernel must give the same value.
#[test]
fn the_encoding_is_the_documented_one() {
    use siphasher::sip::SipHasher13;
    use std::hash::Hasher;
    let (k0, k1) = keyledger::log::SIP_KEYS;
    let by_hand = |bytes: &[u8]| {
        let mut h = SipHasher13::new_with_keys(k0, k1);
        h.write(bytes);
        h.finish()
    };
    let envelope = |e: &LedgerEvent| {
        let mut b = Vec::new();
        b.extend(e.id.to_le_bytes());
        b.extend(e.at.timestamp().to_le_bytes());
        b.extend(e.at.timestamp_subsec_nanos().to_le_bytes());
        b
    };
    let events = ledger_events();
    // id 4: a call-home.
    let e = &events[4];
    let mut b = envelope(e);
    b.extend(br#"{"type":"called_home","licence":0}"#);
    assert_eq!(Fingerprint::of(e).0, by_hand(&b));
    // id 0: strings and options.
    let e = &events[0];
    let mut b = envelope(e);
    b.extend(
        br#"{"type":"account_created","account":1,"name":"Contoso","address":"1 Harbour Road","notes":null}"#,
    );
    assert_eq!(Fingerprint::of(e).0, by_hand(&b));
}

#[test]
fn every_field_is_in_the_fingerprint() {
    // Changing any part of an event (id, seconds, nanoseconds, a field, an Option) changes it.
    let e = ledger_events().remove(3);
    let f = Fingerprint::of(&e);
    let mut variants = vec![
        Event { id: 4, ..e.clone() },
        Event {
            at: at(e.at.timestamp() + 1, 0),
            ..e.clone()
        },
        Event {
            at: at(e.at.timestamp(), 1),
            ..e.clone()
        },
    ];
    for change in 0..3 {
        let mut x = e.clone();
        if let LedgerEventKind::Activated {
            machine,
            computer_role,
            edition,
            ..
        } = &mut x.kind
        {
            match change {
                0 => machine.push('x'),
                1 => *computer_role = Some(String::new()),
                _ => *edition = None,
            }
        }
        variants.push(x);
    }
    for v in variants {
        assert_ne!(Fingerprint::of(&v), f, "{v:?}");
    }
    // Moving a byte from one string to the next changes it too (strings are delimited).
    let a = Event {
        id: 0,
        at: at(0, 0),
        kind: ("ab".to_string(), "c".to_string()),
    };
    let b = Event {
        kind: ("a".to_string(), "bc".to_string()),
        ..a.clone()
    };
    assert_ne!(Fingerprint::of(&a), Fingerprint::of(&b));
}
