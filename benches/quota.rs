//! Quota benchmarks: one subscription with 100 000 users, each holding a desktop licence; quota
//! edits, usage reports and licence assign/remove pairs through `QuotaBook::execute`
//! (decide + apply, including building the command and recording the event fingerprint).
use chrono::{DateTime, TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use keyledger::quota::{LicenceId, LicenceType, Limits, QuotaBook, QuotaCommand, SaleModel};
use std::hint::black_box;

const USERS: u64 = 100_000;
const BATCH: u64 = 1_000;
const SUB: &str = "bench-subscription";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0)
        .single()
        .expect("valid instant")
}

/// 100 000 users with one 2 GB desktop licence each (licence ids 1..=100 000).
fn book() -> QuotaBook {
    let mut book = QuotaBook::new();
    let limits = Limits {
        desktop_licences: Some(2 * USERS),
        server_licences: Some(10),
        desktop_gb: Some(4 * USERS),
        server_gb: Some(100),
        sync_available: false,
        sync_default_quota_gb: 0,
    };
    book.execute(
        QuotaCommand::CreateSubscription {
            subscription: SUB.into(),
            company: "Bench".into(),
            admin_name: "Bench".into(),
            email: "bench@example.com".into(),
            model: SaleModel::Direct,
            limits,
        },
        now(),
    )
    .expect("subscription");
    for i in 0..USERS {
        book.execute(
            QuotaCommand::CreateUser {
                subscription: SUB.into(),
                login: format!("user{i:06}@example.com").into(),
                display_name: format!("User {i}"),
                group: None,
                licence: Some((LicenceType::Desktop, 2)),
            },
            now(),
        )
        .expect("user");
    }
    book
}

/// Spreads consecutive operations over the licences (a full-period walk of 1..=USERS).
fn licence_of(k: u64) -> u64 {
    (k.wrapping_mul(7_919) % USERS) + 1
}

fn quota_ops(c: &mut Criterion) {
    let now = now();
    let mut g = c.benchmark_group("quota");
    g.throughput(Throughput::Elements(BATCH));

    let mut b1 = book();
    let mut high = vec![false; USERS as usize + 1];
    let mut k = 0u64;
    g.bench_function("change_quota_100k_users", |b| {
        b.iter(|| {
            for _ in 0..BATCH {
                let licence = licence_of(k);
                k += 1;
                let slot = &mut high[licence as usize];
                *slot = !*slot;
                let quota_gb = if *slot { 3 } else { 2 };
                let ev = b1
                    .execute(
                        QuotaCommand::ChangeQuota {
                            subscription: SUB.into(),
                            licence: LicenceId(licence),
                            quota_gb,
                        },
                        now,
                    )
                    .expect("fits");
                black_box(ev);
            }
        })
    });
    drop(b1);

    let mut b2 = book();
    let mut k = 0u64;
    g.bench_function("record_usage_100k_users", |b| {
        b.iter(|| {
            for _ in 0..BATCH {
                let licence = licence_of(k);
                k += 1;
                let used_gb = 1 + (k / USERS) % 2;
                let ev = b2
                    .execute(
                        QuotaCommand::RecordUsage {
                            subscription: SUB.into(),
                            licence: LicenceId(licence),
                            used_gb,
                        },
                        now,
                    )
                    .expect("within quota");
                black_box(ev);
            }
        })
    });
    drop(b2);

    let mut b3 = book();
    let mut k = 0u64;
    g.throughput(Throughput::Elements(2 * BATCH));
    g.bench_function("assign_then_remove_licence_100k_users", |b| {
        b.iter(|| {
            for _ in 0..BATCH {
                let login = format!("user{:06}@example.com", k % USERS);
                k += 1;
                let ev = b3
                    .execute(
                        QuotaCommand::AssignLicence {
                            subscription: SUB.into(),
                            login: login.into(),
                            kind: LicenceType::Desktop,
                            quota_gb: 1,
                        },
                        now,
                    )
                    .expect("free seat");
                let licence = match ev.first().map(|e| &e.kind) {
                    Some(keyledger::quota::QuotaEventKind::LicenceAssigned { licence, .. }) => {
                        *licence
                    }
                    _ => unreachable!("assign emits LicenceAssigned"),
                };
                let ev = b3
                    .execute(
                        QuotaCommand::RemoveLicence {
                            subscription: SUB.into(),
                            licence,
                        },
                        now,
                    )
                    .expect("removable");
                black_box(ev);
            }
        })
    });
    g.finish();
}

criterion_group!(benches, quota_ops);
criterion_main!(benches);
