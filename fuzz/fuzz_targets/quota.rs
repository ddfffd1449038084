//! Fuzzes the quota book: random command sequences must never panic, a failed command must leave
//! the book unchanged, no counter may exceed its limit, refresh never finds drift, and replaying the
//! events gives the same book. Raw input is also fed to `QuotaBook::from_json`, and, read as a
//! list of events, applied to the set-up book: an event refused changes nothing, and a book that
//! took foreign events still holds together (it reads back).
//!
//! Run with `cargo fuzz run quota` (nightly).
#![no_main]

use chrono::{TimeZone, Utc};
use keyledger::quota::*;
use libfuzzer_sys::arbitrary::{Result as ArbResult, Unstructured};
use libfuzzer_sys::fuzz_target;

const SUBS: [&str; 3] = ["d", "c", "h"];
const LOGINS: [&str; 4] = ["a", "b", "", "d"];

/// One of the texts, as text or as a text id (a subscription, a login, a reseller).
fn pick<T: From<String>>(u: &mut Unstructured, xs: &[&str]) -> ArbResult<T> {
    Ok(T::from(u.choose(xs)?.to_string()))
}

fn limit(u: &mut Unstructured) -> ArbResult<Option<u64>> {
    Ok(if u.ratio(1, 5)? {
        None
    } else {
        Some(u.int_in_range(0..=120)?)
    })
}

fn big(u: &mut Unstructured) -> ArbResult<u64> {
    // Mostly small quantities, sometimes near u64::MAX to reach the overflow checks.
    Ok(if u.ratio(1, 16)? {
        u64::MAX - u.int_in_range(0..=3)?
    } else {
        u.int_in_range(0..=80)?
    })
}

fn command(u: &mut Unstructured) -> ArbResult<QuotaCommand> {
    use QuotaCommand as C;
    let sub: SubscriptionId = pick(u, &SUBS)?;
    let login: Login = pick(u, &LOGINS)?;
    let kind = if u.arbitrary()? {
        LicenceType::Desktop
    } else {
        LicenceType::Server
    };
    let licence = LicenceId(u.int_in_range(0..=10)?);
    let group = GroupId(u.int_in_range(0..=3)?);
    Ok(match u.int_in_range(0..=19)? {
        0 => C::CreateUser {
            subscription: sub,
            display_name: "User".into(),
            login,
            group: if u.arbitrary()? { Some(group) } else { None },
            licence: if u.arbitrary()? {
                Some((kind, big(u)?))
            } else {
                None
            },
        },
        1 => C::AssignLicence {
            subscription: sub,
            login,
            kind,
            quota_gb: big(u)?,
        },
        2 => C::ChangeQuota {
            subscription: sub,
            licence,
            quota_gb: big(u)?,
        },
        3 => C::RemoveLicence {
            subscription: sub,
            licence,
        },
        4 => C::RecordUsage {
            subscription: sub,
            licence,
            used_gb: big(u)?,
        },
        5 => C::RecordActivation {
            subscription: sub,
            licence,
            activated: u.arbitrary()?,
        },
        6 => C::SuspendUser {
            subscription: sub,
            login,
        },
        7 => C::ActivateUser {
            subscription: sub,
            login,
        },
        8 => C::RemoveUser {
            subscription: sub,
            login,
        },
        9 => C::SetUserSync {
            subscription: sub,
            login,
            enabled: u.arbitrary()?,
        },
        10 => C::SetSubscriptionSync {
            subscription: sub,
            enabled: u.arbitrary()?,
        },
        11 => C::SetGroupsTab {
            subscription: sub,
            visible: u.arbitrary()?,
        },
        12 => C::MoveUser {
            subscription: sub,
            login,
            group,
        },
        13 => C::CreateGroup {
            subscription: sub,
            name: pick(u, &["G1", "g1", "Default", " "])?,
        },
        14 => C::RenameGroup {
            subscription: sub,
            group,
            name: pick(u, &["G1", "G2"])?,
        },
        15 => C::DeleteGroup {
            subscription: sub,
            group,
        },
        16 => C::ChangeLimits {
            subscription: sub,
            limits: Limits {
                desktop_licences: limit(u)?,
                server_licences: limit(u)?,
                desktop_gb: limit(u)?,
                server_gb: limit(u)?,
                sync_available: u.arbitrary()?,
                sync_default_quota_gb: u.int_in_range(0..=9)?,
            },
        },
        17 => C::AssignAdmin {
            subscription: sub,
            admin_name: "Admin".into(),
            email: pick(u, &["d@x.test", "new@x.test", "r@x.test", "bad"])?,
        },
        18 => C::Refresh { subscription: sub },
        _ => C::CancelReseller {
            reseller: pick(u, &["r", "nope"])?,
        },
    })
}

fn setup(book: &mut QuotaBook, log: &mut Vec<QuotaEvent>, now: chrono::DateTime<Utc>) {
    let cmds = [
        QuotaCommand::RegisterReseller {
            reseller: "r".into(),
            name: "R".into(),
            email: "r@x.test".into(),
        },
        QuotaCommand::CreateSubscription {
            subscription: "d".into(),
            company: "D".into(),
            admin_name: "A".into(),
            email: "d@x.test".into(),
            model: SaleModel::Direct,
            limits: Limits::seats_and_gb(3, 100, 2, 50).with_sync(5),
        },
        QuotaCommand::CreateSubscription {
            subscription: "c".into(),
            company: "C".into(),
            admin_name: "A".into(),
            email: "c@x.test".into(),
            model: SaleModel::Reseller("r".into()),
            limits: Limits::unlimited(1),
        },
        QuotaCommand::CreateSubscription {
            subscription: "h".into(),
            company: "H".into(),
            admin_name: "A".into(),
            email: "D@X.test".into(),
            model: SaleModel::Direct,
            limits: Limits::seats_and_gb(2, 40, 2, 40),
        },
    ];
    for c in cmds {
        if let Ok(events) = book.execute(c, now) {
            log.extend(events);
        }
    }
}

fn check(book: &QuotaBook) {
    for id in book.subscription_ids() {
        let Some(sub) = book.subscription(id) else {
            continue;
        };
        for r in [
            Resource::DesktopLicences,
            Resource::ServerLicences,
            Resource::DesktopGb,
            Resource::ServerGb,
        ] {
            if let Some(limit) = sub.limits.limit(r) {
                assert!(sub.counters.in_use(r) <= limit, "{id} {r} over its limit");
            }
        }
        let report = book.refresh_report(id).expect("subscription exists");
        assert!(report.drift.is_empty(), "{report:?}");
    }
}

/// Foreign events (from the raw input) applied to the set-up book.
fn foreign(text: &str, now: chrono::DateTime<Utc>) {
    // An event log as stored (`keyledger.quota_events`, as in the golden fixtures).
    let Ok(events) =
        keyledger::format::from_json::<Vec<QuotaEvent>>("keyledger.quota_events", text)
    else {
        return;
    };
    let mut book = QuotaBook::new();
    setup(&mut book, &mut Vec::new(), now);
    for e in &events {
        let before = book.to_json().expect("writes");
        if book.apply(e).is_err() {
            assert_eq!(
                book.to_json().expect("writes"),
                before,
                "a refused event changed the book"
            );
        }
    }
    let text = book.to_json().expect("writes");
    assert_eq!(
        QuotaBook::from_json(&text).expect("a book of accepted events reads back"),
        book
    );
}

fuzz_target!(|data: &[u8]| {
    let Some(now) = Utc.timestamp_opt(1_790_000_000, 0).single() else {
        return;
    };
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = QuotaBook::from_json(text);
        foreign(text, now);
    }
    let mut u = Unstructured::new(data);
    let mut book = QuotaBook::new();
    let mut log = Vec::new();
    setup(&mut book, &mut log, now);
    while let Ok(c) = command(&mut u) {
        let before = book.clone();
        match book.execute(c, now) {
            Ok(events) => log.extend(events),
            Err(e) => {
                assert_eq!(book, before, "failed command changed the book: {e}");
                assert!(e.code().starts_with("quota."));
            }
        }
        check(&book);
        if u.is_empty() {
            break;
        }
    }
    assert_eq!(QuotaBook::replay(&log).expect("own log replays"), book);
    let text = book.to_json().expect("writes");
    assert_eq!(QuotaBook::from_json(&text).expect("reads back"), book);
});
