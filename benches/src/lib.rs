//! Criterion benchmarks: see `benches/README.md`.

pub mod billing_data;
