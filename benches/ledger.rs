//! Ledger benchmarks: applying call-home events to a ledger of 1 M licences, and the state of every
//! licence at one instant. Also prints the heap bytes per licence (counting allocator), and times
//! the event fingerprint (SipHash-1-3 over the kernel's byte encoding) against SHA-256 of the same
//! bytes, the choice recorded in docs/decisions/ledger.md.
use chrono::{DateTime, Duration, TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use keyledger::catalog::presets;
use keyledger::key::Issuer;
use keyledger::licence::{Ledger, LedgerCommand, LedgerEvent, LedgerEventKind, LicenceId};
use keyledger::lifecycle::LifecyclePolicy;
use keyledger::log::Fingerprint;
use keyledger::org::{AccountId, Container};
use sha2::{Digest, Sha256};
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// Counts live heap bytes, to report memory per licence.
struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator and only counts sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size(), Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        LIVE.fetch_add(new, Ordering::Relaxed);
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const N: u32 = 1_000_000;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 9, 1, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

/// A ledger with `N` ShadowProtect keys, each activated on one machine.
fn big_ledger() -> Ledger {
    let mut issuer = Issuer::new(0, b"benchmark issuer secret 32 bytes").expect("secret");
    issuer.set_max_per_request(N).expect("limit");
    let keys = issuer
        .generate_batch(presets::SHADOWPROTECT_MSP, 1, N)
        .expect("keys");
    let mut l = Ledger::new(presets::storagecraft(), LifecyclePolicy::default());
    l.execute(
        LedgerCommand::RecordKeys {
            product: presets::SHADOWPROTECT_MSP,
            container: Container::Account(AccountId::DEFAULT),
            keys: keys.clone(),
        },
        t0(),
    )
    .expect("record");
    for (i, key) in keys.into_iter().enumerate() {
        l.execute(
            LedgerCommand::Activate {
                key,
                machine: format!("m{i}"),
                msp_name: "Northwind IT Services".into(),
                customer_name: format!("Customer {}", i % 5000),
                computer_role: None,
                edition: Some(["Server", "SBS", "Desktop"][i % 3].into()),
            },
            t0(),
        )
        .expect("activate");
    }
    l
}

fn call_homes(c: &mut Criterion) {
    let before = LIVE.load(Ordering::Relaxed);
    let start = Instant::now();
    let mut ledger = big_ledger();
    let bytes = LIVE.load(Ordering::Relaxed).saturating_sub(before);
    eprintln!(
        "ledger of {N} activated licences built in {:.1?}: {} heap bytes = {:.0} bytes per licence",
        start.elapsed(),
        bytes,
        bytes as f64 / f64::from(N)
    );
    let mut day = 0i64;
    let mut g = c.benchmark_group("ledger");
    g.throughput(Throughput::Elements(u64::from(N)));
    g.sample_size(10);
    g.bench_function("apply_call_homes_1M", |b| {
        b.iter_custom(|iters| {
            let mut total = std::time::Duration::ZERO;
            for _ in 0..iters {
                day += 1;
                let at = t0() + Duration::days(day);
                let first = ledger.next_event_id();
                let events: Vec<LedgerEvent> = (0..N)
                    .map(|i| LedgerEvent {
                        id: first + u64::from(i),
                        at: at + Duration::seconds(i64::from(i % 3600)),
                        kind: LedgerEventKind::CalledHome {
                            licence: LicenceId(i),
                        },
                    })
                    .collect();
                let start = Instant::now();
                for e in &events {
                    black_box(ledger.apply(e).expect("in order"));
                }
                total += start.elapsed();
            }
            total
        })
    });
    let now = t0() + Duration::days(day + 9);
    g.bench_function("state_counts_1M", |b| {
        b.iter(|| black_box(ledger.state_counts(black_box(now))))
    });
    g.finish();
}

/// The kernel's encoding of a call-home (envelope bytes, then the kind's stored JSON), as
/// `core/tests/fingerprints.rs` checks it: the input both hashes below get.
fn call_home_bytes(e: &LedgerEvent) -> Vec<u8> {
    let mut b = Vec::with_capacity(64);
    b.extend(e.id.to_le_bytes());
    b.extend(e.at.timestamp().to_le_bytes());
    b.extend(e.at.timestamp_subsec_nanos().to_le_bytes());
    b.extend(serde_json::to_vec(&e.kind).unwrap_or_default());
    b
}

fn fingerprints(c: &mut Criterion) {
    let events: Vec<LedgerEvent> = (0..1000u32)
        .map(|i| LedgerEvent {
            id: u64::from(i) + 2_000_000,
            at: t0() + Duration::seconds(i64::from(i)),
            kind: LedgerEventKind::CalledHome {
                licence: LicenceId(i * 997),
            },
        })
        .collect();
    let bytes: Vec<Vec<u8>> = events.iter().map(call_home_bytes).collect();
    let (k0, k1) = keyledger::log::SIP_KEYS;
    // The same answer as the kernel, so the bench times the hash it uses.
    for (e, b) in events.iter().zip(&bytes) {
        let mut h = siphasher::sip::SipHasher13::new_with_keys(k0, k1);
        std::hash::Hasher::write(&mut h, b);
        assert_eq!(std::hash::Hasher::finish(&h), Fingerprint::of(e).0);
    }
    let mut g = c.benchmark_group("fingerprint");
    g.throughput(Throughput::Elements(events.len() as u64));
    g.bench_function("siphash13_call_home_1000", |b| {
        b.iter(|| {
            bytes.iter().fold(0u64, |acc, x| {
                let mut h = siphasher::sip::SipHasher13::new_with_keys(k0, k1);
                std::hash::Hasher::write(&mut h, black_box(x));
                acc ^ std::hash::Hasher::finish(&h)
            })
        })
    });
    g.bench_function("sha256_call_home_1000", |b| {
        b.iter(|| {
            bytes.iter().fold(0u64, |acc, x| {
                let d = Sha256::digest(black_box(x));
                let mut w = [0u8; 8];
                w.copy_from_slice(&d[..8]);
                acc ^ u64::from_le_bytes(w)
            })
        })
    });
    g.finish();
}

criterion_group!(benches, call_homes, fingerprints);
criterion_main!(benches);
