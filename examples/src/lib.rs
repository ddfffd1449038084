//! Walk-throughs live in this package as `cargo run -p keyledger-examples --example …`.
