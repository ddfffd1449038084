//! Criterion benchmarks: see `benches/README.md`.
