//! TypeScript declarations. Every document the exports take and return (commands, events, views,
//! reports, options, results) is declared from its Rust type by ts-rs derives (the core's `ts`
//! feature and this crate's): `tests/ts_export.rs` collects them from [`visit_all`] and the core's
//! roots, and `npm/assemble.mjs` appends them to the package's `index.d.ts`. Only the shapes that
//! are not serde documents are written here: what the binding reads with `Reflect` or builds by
//! hand (instants, typed-array columns) and the names of the generic results.
//! `tests/ts/consumer.ts` uses every export against them under `tsc --strict`.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const DOCUMENTS_TS: &str = r#"
/** An instant: a `Date`, or an ISO-8601 string with its offset (`Z` or `±hh:mm`). Out: ISO, UTC. */
export type Instant = Date | string;
/** A decimal amount as text, e.g. "43.50" (exact; never a float). */
export type Money = string;
/** Call-home columns (typed arrays, read without serde): one entry per call-home (`licence`, `at`)
 * and per licence (the rest). */
export interface BulkColumns {
    licence: Uint32Array; at: BigInt64Array; activatedAt: BigInt64Array; deactivatedAt: BigInt64Array;
    lastContactBefore: BigInt64Array; group: Uint16Array;
}
/** `billingDetail`'s result: the report, its text rendering and its CSV. */
export type BillingDetailResult = WithText<BillingDetail>;
/** `doubleBilling`'s result. */
export type DoubleBillingResult = WithText<DoubleBilling>;
/** `activationReport`'s result: the report and its CSV. */
export type ActivationReportResult = WithCsv<ActivationReport>;
"#;

/// Visits the binding's own option and result types (ts-rs derives), for `tests/ts_export.rs`.
#[cfg(feature = "ts")]
pub fn visit_all(v: &mut impl ts_rs::TypeVisitor) {
    use keyledger::billing::{ActivationReport, BillingDetail, DoubleBilling};
    use keyledger::quota::{AccountView, ResellerView};
    v.visit::<crate::key::CheckView>();
    v.visit::<crate::key::KeyView>();
    v.visit::<crate::ledger::LedgerOptions>();
    v.visit::<crate::ledger::PublicKey>();
    v.visit::<crate::billing::DetailOptions>();
    v.visit::<crate::billing::ActivationOptions>();
    v.visit::<crate::billing::TrendsOptions>();
    v.visit::<crate::billing::ExplainOptions>();
    v.visit::<crate::billing::BulkOptions>();
    v.visit::<crate::billing::TrendsWithCsv>();
    v.visit::<crate::billing::WithText<BillingDetail>>();
    v.visit::<crate::billing::WithText<DoubleBilling>>();
    v.visit::<crate::billing::WithCsv<ActivationReport>>();
    v.visit::<crate::quota::Rendered<AccountView>>();
    v.visit::<crate::quota::Rendered<ResellerView>>();
}
