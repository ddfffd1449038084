//! Billing bulk path: 1 M licences, ~30 M call-homes of one month (deterministic data).
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use keyledger::billing::{bulk, Month};
use keyledger::lifecycle::LifecyclePolicy;
use keyledger_benches::billing_data::{generate, RULES};
use std::hint::black_box;

fn bulk_billing(c: &mut Criterion) {
    let data = generate(1_000_000, 42);
    let input = bulk::BulkInput {
        licence: &data.licence,
        at: &data.at,
        activated_at: &data.activated_at,
        deactivated_at: &data.deactivated_at,
        last_contact_before: &data.last_contact_before,
        group: &data.group,
        groups: 3,
        time_sorted: true,
    };
    let month = Month::new(2026, 11).expect("valid month");
    let policy = LifecyclePolicy::default();
    let utc = keyledger::billing::Zone::utc();
    let mut g = c.benchmark_group("billing");
    g.sample_size(10);
    g.throughput(Throughput::Elements(data.at.len() as u64));
    g.bench_function("any_day_counts_1m_30m", |b| {
        b.iter(|| {
            bulk::any_day_counts(black_box(&input), month, &utc, &policy).expect("valid input")
        })
    });
    let unsorted = bulk::BulkInput {
        time_sorted: false,
        ..input
    };
    g.bench_function("any_day_counts_no_time_order_1m_30m", |b| {
        b.iter(|| {
            bulk::any_day_counts(black_box(&unsorted), month, &utc, &policy).expect("valid input")
        })
    });
    for (name, rule) in RULES {
        g.bench_function(format!("bulk_{name}_1m_30m"), |b| {
            b.iter(|| {
                bulk::bill(black_box(&input), month, &utc, rule, &policy).expect("valid input")
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bulk_billing);
criterion_main!(benches);
