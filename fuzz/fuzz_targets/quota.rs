//! Fuzzes the quota book: random command sequences must never panic, a failed command must leave
//! the book unchanged, no counter may exceed its limit, refresh never finds drift, and replaying the
//! events gives the same book. Raw input is also fed to `QuotaBook::from_json`.
//!
//! Run with `cargo fuzz run quota` (nightly).
#![no_main]

use chrono::{TimeZone, Utc};
use keyledger::quota::*;
use libfuzzer_sys::arbitrary::{Result as ArbResult, Unstructured};
use libfuzzer_sys::fuzz_target;

const SUBS: [&str; 3] = ["d", "c", "h"];
const LOGINS: [&str; 4] = ["a", "b", "", "d"];

fn pick<'a>(u: &mut Unstructured, xs: &[&'a str]) -> ArbResult<String> {
    Ok(u.choose(xs)?.to_string())
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
    let sub = pick(u, &SUBS)?;
    let login = pick(u, &LOGINS)?;
    let kind = if u.arbitrary()? {
        LicenceType::Desktop
    } else {
        LicenceType::Server
    };
    let licence = u.int_in_range(0..=10)?;
    let group = u.int_in_range(0..=3)?;
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

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = QuotaBook::from_json(text);
    }
    let Some(now) = Utc.timestamp_opt(1_790_000_000, 0).single() else {
        return;
    };
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
