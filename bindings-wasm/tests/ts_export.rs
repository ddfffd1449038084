//! Writes the TypeScript declarations derived from the core's Rust types (ts-rs, the core's `ts`
//! feature) for the npm package: `cargo test -p keyledger-wasm --features ts --test ts_export`,
//! into `$KEYLEDGER_TS_OUT` (bindings-wasm/test.sh passes `build/types.d.ts`; npm/assemble.mjs
//! appends it to `index.d.ts`). Large integers are JS numbers, as the binding passes them.
#![cfg(feature = "ts")]

use keyledger::billing::{BillingRule, Rounding};
use keyledger::key::CheckCode;
use keyledger::lifecycle::{LicenceState, LifecyclePolicy, StateSpan};
use ts_rs::{Config, TS};

#[test]
fn export_declarations() {
    let cfg = Config::new().with_large_int("number");
    let decls = [
        LicenceState::decl(&cfg),
        LifecyclePolicy::decl(&cfg),
        StateSpan::decl(&cfg),
        BillingRule::decl(&cfg),
        Rounding::decl(&cfg),
        CheckCode::decl(&cfg),
    ];
    let mut out = String::from(
        "// ---- generated from the Rust types (ts-rs, bindings-wasm/tests/ts_export.rs) ----\n",
    );
    for decl in &decls {
        assert!(decl.starts_with("type "), "{decl}");
        out.push_str("export ");
        out.push_str(decl);
        out.push('\n');
    }
    // The serde shapes the hand-written documents rely on.
    assert!(
        decls[0].contains("\"pending_deactivation\""),
        "{}",
        decls[0]
    );
    assert!(
        decls[3].contains("\"more_than_days\": number"),
        "{}",
        decls[3]
    );
    assert!(decls[5].contains("\"key.typo\""), "{}", decls[5]);
    assert!(
        decls[1].contains("late_after_seconds: number"),
        "{}",
        decls[1]
    );
    if let Ok(path) = std::env::var("KEYLEDGER_TS_OUT") {
        std::fs::write(&path, out).expect("write the declarations");
    }
}
