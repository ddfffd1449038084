//! Writes the TypeScript declarations of every document crossing the JS boundary, derived from the
//! Rust types (ts-rs derives on the core's types, its `ts` feature, and on the binding's option and
//! result types): `cargo test -p keyledger-wasm --features ts --test ts_export`, into
//! `$KEYLEDGER_TS_OUT` (bindings-wasm/test.sh passes `build/types.d.ts`; npm/assemble.mjs appends it
//! to `index.d.ts`). The roots below are what the exports take and return; every type they refer
//! to is declared once, by its Rust name. Large integers are JS numbers, as the binding passes
//! them. `tests/ts/samples.ts` (written by `samples` below) assigns real serde output to these types
//! and test.sh compiles it with `tsc --strict`, so a declaration that drifts from the serde shape
//! fails the build.
#![cfg(feature = "ts")]

use std::any::TypeId;
use std::collections::{BTreeMap, HashSet};

use keyledger::billing::bulk::BulkResult;
use keyledger::billing::{
    ActivationReport, BillingDetail, BillingRule, DoubleBilling, Explanation, PriceList,
    Recomputed, Rounding, Trends,
};
use keyledger::catalog::Catalog;
use keyledger::key::CheckCode;
use keyledger::licence::offline::CallHomeCertificate;
use keyledger::licence::{
    Applied, Generated, HistoryEntry, KeyStatus, LedgerCommand, LedgerEvent, NameReport, Outcome,
};
use keyledger::lifecycle::{LicenceHistory, LicenceState, LifecyclePolicy, StateSpan};
use keyledger::org::{Container, Org};
use keyledger::quota::{AccountView, QuotaCommand, QuotaEvent, RefreshReport, ResellerView};
use keyledger_wasm::ts as binding;
use ts_rs::{Config, TypeVisitor, TS};

/// Collects the declaration of a type and, recursively, of every type it refers to.
struct Collect<'a> {
    cfg: &'a Config,
    seen: HashSet<TypeId>,
    /// TS name -> declaration (one per name: two Rust types of one name would clash).
    decls: BTreeMap<String, String>,
}

impl TypeVisitor for Collect<'_> {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        if !self.seen.insert(TypeId::of::<T>()) {
            return;
        }
        if T::output_path().is_some() {
            let decl = T::decl(self.cfg);
            let name = T::ident(self.cfg);
            if let Some(earlier) = self.decls.get(&name) {
                assert_eq!(
                    earlier, &decl,
                    "two Rust types are declared as `{name}`: rename one with #[ts(rename)]"
                );
            }
            self.decls.insert(name, decl);
        }
        T::visit_dependencies(self);
        T::visit_generics(self);
    }
}

/// Every declaration, sorted by name, each `export type ...`.
fn declarations() -> BTreeMap<String, String> {
    let cfg = Config::new().with_large_int("number");
    let mut c = Collect {
        cfg: &cfg,
        seen: HashSet::new(),
        decls: BTreeMap::new(),
    };
    // The documents the exports take and return (see the `unchecked_*_type`s in src/).
    c.visit::<LicenceState>();
    c.visit::<LifecyclePolicy>();
    c.visit::<StateSpan>();
    c.visit::<BillingRule>();
    c.visit::<Rounding>();
    c.visit::<CheckCode>();
    c.visit::<Catalog>();
    c.visit::<LedgerCommand>();
    c.visit::<LedgerEvent>();
    c.visit::<Applied>();
    c.visit::<Outcome>();
    c.visit::<Generated>();
    c.visit::<KeyStatus>();
    c.visit::<HistoryEntry>();
    c.visit::<NameReport>();
    c.visit::<Org>();
    c.visit::<Container>();
    c.visit::<LicenceHistory>();
    c.visit::<CallHomeCertificate>();
    c.visit::<PriceList>();
    c.visit::<BillingDetail>();
    c.visit::<DoubleBilling>();
    c.visit::<Recomputed>();
    c.visit::<ActivationReport>();
    c.visit::<Trends>();
    c.visit::<Explanation>();
    c.visit::<BulkResult>();
    c.visit::<QuotaCommand>();
    c.visit::<QuotaEvent>();
    c.visit::<AccountView>();
    c.visit::<ResellerView>();
    c.visit::<RefreshReport>();
    // The binding's own option and result objects.
    binding::visit_all(&mut c);
    c.decls
}

#[test]
fn export_declarations() {
    let decls = declarations();
    let mut out = String::from(
        "// ---- generated from the Rust types (ts-rs derives, bindings-wasm/tests/ts_export.rs) ----\n",
    );
    for (name, decl) in &decls {
        assert!(
            decl.starts_with("type "),
            "{name}: not a type alias: {decl}"
        );
        out.push_str("export ");
        out.push_str(decl);
        out.push('\n');
    }
    // The Rust aliases of one generic event type.
    out.push_str(
        "/** A stored ledger event: its position in the log, its instant, and what happened. */\n",
    );
    out.push_str("export type LedgerEvent = Event<LedgerEventKind>;\n");
    out.push_str("/** A stored quota event. */\n");
    out.push_str("export type QuotaEvent = Event<QuotaEventKind>;\n");
    // Every code an export can throw: the core's declared codes and the binding's own.
    let mut codes: Vec<&str> = keyledger::Error::CODES
        .iter()
        .chain(keyledger_wasm::errors::JS_CODES)
        .copied()
        .collect();
    codes.sort_unstable();
    codes.dedup();
    assert!(codes.contains(&"key.malformed") && codes.contains(&"js.bad_argument"));
    out.push_str(
        "/** Every stable error code a keyledger function can throw. */\nexport type ErrorCode =",
    );
    for code in &codes {
        out.push_str(&format!("\n    | \"{code}\""));
    }
    out.push_str(";\n");
    // A few shapes the serde attributes decide (internally tagged enums, renames, skipped fields).
    assert!(decls["LicenceState"].contains("\"pending_deactivation\""));
    assert!(decls["BillingRule"].contains("\"more_than_days\": number"));
    assert!(decls["CheckCode"].contains("\"key.typo\""));
    assert!(decls["LedgerCommand"].contains("\"type\": \"activate\""));
    assert!(decls["QuotaCommand"].contains("\"type\": \"create_subscription\""));
    assert!(decls["CallHomeDecision"].contains("\"action\": \"run_with_warning\""));
    if let Ok(path) = std::env::var("KEYLEDGER_TS_OUT") {
        std::fs::write(&path, out).expect("write the declarations");
    }
}
