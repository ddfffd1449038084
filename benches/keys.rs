//! Product-key benchmarks: verify (parse + typo check + HMAC tag) and generation.
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use keyledger::catalog::presets;
use keyledger::key::Issuer;
use std::hint::black_box;

fn issuer() -> Issuer {
    Issuer::new(0, b"benchmark issuer secret 32 bytes").expect("valid secret")
}

fn verify(c: &mut Criterion) {
    let issuer = issuer();
    let keys: Vec<String> = (0..1024)
        .map(|s| {
            issuer
                .generate(presets::SHADOWPROTECT_MSP, s)
                .expect("serial in range")
                .to_string()
        })
        .collect();
    let mut g = c.benchmark_group("key");
    g.throughput(Throughput::Elements(keys.len() as u64));
    g.bench_function("verify_1024", |b| {
        b.iter(|| {
            let mut ok = 0u32;
            for k in &keys {
                ok += u32::from(issuer.parse_and_verify(black_box(k)).is_ok());
            }
            assert_eq!(ok, 1024);
        })
    });
    g.finish();
}

fn generate(c: &mut Criterion) {
    let mut issuer = issuer();
    issuer.set_max_per_request(100_000).expect("non-zero");
    let mut g = c.benchmark_group("key");
    g.throughput(Throughput::Elements(100_000));
    g.bench_function("generate_batch_100k", |b| {
        b.iter_batched(
            || (),
            |()| {
                issuer
                    .generate_batch(presets::SHADOWPROTECT_MSP, 0, 100_000)
                    .expect("in range")
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group!(benches, verify, generate);
criterion_main!(benches);
