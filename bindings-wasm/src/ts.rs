//! TypeScript declarations of the documents the whole library takes and returns (the Rust serde
//! form, i.e. the stored JSON: snake_case fields, instants as ISO strings, money as decimal
//! strings). wasm-bindgen writes them into the package's `.d.ts`; `tests/ts/consumer.ts` uses
//! every export against them under `tsc --noEmit`.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const DOCUMENTS_TS: &str = r#"
/** An instant: a `Date`, or an ISO-8601 string with its offset (`Z` or `±hh:mm`). Out: ISO, UTC. */
export type Instant = Date | string;
/** A decimal amount as text, e.g. "43.50" (exact; never a float). */
export type Money = string;

// ---- ledger ---------------------------------------------------------------------------------
export type LicenceState = "unactivated" | "active" | "late" | "disabled" | "pending_deactivation" | "deactivated";
export interface LifecyclePolicy { late_after_seconds: number; disabled_after_seconds: number; lapse_after_seconds: number; }
export interface LedgerOptions { catalog?: Catalog; policy?: LifecyclePolicy; }
/** Where a key lives: an account or a site (by id). */
export type Container = { account: number } | { site: number };
export type LedgerCommand =
    | { type: "create_account"; name: string; address?: string | null; notes?: string | null }
    | { type: "delete_account"; account: number }
    | { type: "create_site"; account: number; name: string; address?: string | null; notes?: string | null }
    | { type: "move_site"; site: number; to: number }
    | { type: "delete_site"; site: number }
    | { type: "record_keys"; product: number; container: Container; keys: string[] }
    | { type: "move_key"; key: string; to: Container }
    | { type: "activate"; key: string; machine: string; msp_name: string; customer_name: string; computer_role?: string | null; edition?: string | null }
    | { type: "call_home"; key: string; machine: string }
    | { type: "deactivate"; key: string; machine?: string | null }
    | { type: "reactivate"; key: string; machine?: string | null }
    | { type: "set_legacy_status"; key: string; active: boolean }
    | { type: "set_legacy_machine"; key: string; machine: string }
    | { type: "start_job"; key: string; job_type: string; job_name: string; machine: string }
    | { type: "end_job"; key: string; job_type: string; job_name: string; machine: string };
/** A stored ledger event: its position in the log, its instant, and what happened. */
export interface LedgerEvent { id: number; at: string; kind: { type: string; [field: string]: unknown }; }
export type CallHomeDecision =
    | { action: "run" }
    | { action: "run_with_warning"; terminates_at: string }
    | { action: "functions_disabled"; terminates_at: string }
    | { action: "deactivated" };
export interface Outcome { events: LedgerEvent[]; decision: CallHomeDecision | null; }
export interface Generated { keys: string[]; events: LedgerEvent[]; }
export interface LicenceStatus {
    licence: number; machine: string; msp_name: string; customer_name: string;
    computer_role: string | null; edition: string | null; state: LicenceState;
    activated_at: string; last_call_home: string; terminates_at: string | null;
    next_change: string | null; ended_at: string | null; decision: CallHomeDecision;
}
/** The console's Product Key Detail pane. */
export interface KeyStatus {
    key: string; product: string; product_type: string; licence_type: string;
    licences: number; licences_in_use: number; account: string; site: string | null;
    state: LicenceState; detail: string; next_change: string | null; runs: LicenceStatus[];
    /** ImageManager job licences per job type (empty for other products). */
    jobs: JobUse[];
}
export interface JobUse {
    job_type: string; licences: number; in_use: number;
    running: { job_name: string; machine: string; started_at: string }[];
}
export interface HistoryEntry { at: string; kind: string; machine: string | null; detail: string | null; }
export interface NameMismatch { key: string; machine: string; account: string; found: string; expected: string; }
export interface NameReport { msp_name: string | null; msp_mismatches: NameMismatch[]; customer_mismatches: NameMismatch[]; }
export interface Org {
    accounts: { id: number; name: string; address: string | null; notes: string | null }[];
    sites: { id: number; account: number; name: string; address: string | null; notes: string | null }[];
}
export interface StateSpan { from: string; until: string | null; state: LicenceState; }
/** One licence's state over time: the input of billing. */
export interface LicenceHistory {
    key: string; product: number; edition: string | null; account: string; site: string | null;
    machine: string; spans: StateSpan[]; activations: string[]; deactivations: string[];
    placements?: { from: string; account: string; site: string | null }[];
    jobs?: { job_type: string; job_name: string; machine: string; from: string; until: string | null }[];
}
/** A vendor public key for `verifyCertificate`. */
export interface PublicKey { keyId: number; key: Uint8Array | number[]; }
export interface CallHomeCertificate {
    key: string; machine: string; not_before: string; not_after: string; issued_at: string;
    signing_key_id: number; nonce: bigint;
}

// ---- billing --------------------------------------------------------------------------------
export type BillingRule = "any_day" | { more_than_days: number } | "prorated" | "end_of_month" | "peak";
export type Rounding = "half_up" | "half_even" | "up" | "down";
export interface PriceList {
    currency: string; rule: BillingRule; scale: number;
    prices: { product: number; edition: string | null; monthly: Money | number; currency?: string }[];
    product_rules?: { product: number; rule: BillingRule }[];
    rounding?: Rounding;
}
export interface KeyRow {
    key: string; product: number; account: string; site: string | null; edition: string | null;
    machine: string; activated_at: string | null; billable_days: number; days: number[];
    billable: boolean; explanation: string;
    /** ImageManager keys: the most jobs of each type running at once in the month. */
    jobs?: { [job_type: string]: number };
}
export interface PricedLine {
    account: string; product: number; product_name: string; edition: string | null; rule: BillingRule;
    licences: number; billable_days: number; quantity: Money; unit_price: Money; amount: Money;
}
export interface BillingDetail {
    month: string; time_zone: string; currency: string; rule: BillingRule; rounding: Rounding; scale: number;
    tables: { key_type: string; perpetual: boolean; rows: KeyRow[] }[];
    counts: { product: number; product_name: string; edition: string | null; rule: BillingRule; licences: number; billable_days: number; quantity: Money }[];
    lines: PricedLine[];
    account_totals: { account: string; amount: Money }[];
    total: Money;
}
export interface BillingDetailOptions { month: string; prices: PriceList; zone?: string; catalog?: Catalog; }
export interface BillingDetailResult { report: BillingDetail; text: string; csv: string; }
export interface DoubleBillingRow {
    machine: string; account: string; site: string | null; legacy_account: string | null;
    legacy_key: string; legacy_product: string; msp_key: string; msp_product: string;
    edition: string | null; days: number[]; overlapping_days: number; explanation: string;
}
export interface DoubleBilling { month: string; time_zone: string; rows: DoubleBillingRow[]; }
export interface DoubleBillingResult { report: DoubleBilling; text: string; csv: string; }
export interface Change { account: string; product: number | null; edition: string | null; before: Money; after: Money; delta: Money; }
export interface Recomputed {
    report: BillingDetail;
    diff: { keys: { [field: string]: unknown }[]; lines: Change[]; accounts: Change[]; total_before: Money; total_after: Money; total_delta: Money };
}
export type ActivationSortKey = "product_type" | "date" | "serial" | "account";
export interface ActivationReportOptions {
    start: string; end: string; zone?: string; products?: number[]; sort?: ActivationSortKey[]; catalog?: Catalog;
}
export interface ActivationRow {
    key_type: string; product: number; key: string; serial: number; account: string; site: string | null;
    machine: string; edition: string | null; event: "activated" | "deactivated"; at: string;
}
export interface ActivationReport { start: string; end: string; time_zone: string; products: number[]; sort: ActivationSortKey[]; rows: ActivationRow[]; }
export interface ActivationReportResult { report: ActivationReport; csv: string; }
export interface TrendsOptions { last: string; zone?: string; rule?: BillingRule; catalog?: Catalog; }
export interface TrendMonth { month: string; points: { product: number; product_name: string; licences: number; quantity: Money }[]; }
export interface TrendsResult { trends: { time_zone: string; rule: BillingRule; months: TrendMonth[] }; csv: string; }
export interface ExplainOptions { month: string; zone?: string; rule?: BillingRule; catalog?: Catalog; }
export interface Explanation { month: string; rule: BillingRule; days: number[]; at_end: boolean; billable: boolean; text: string; }
/** Call-home columns: one entry per call-home (`licence`, `at`) and per licence (the rest). */
export interface BulkColumns {
    licence: Uint32Array; at: BigInt64Array; activatedAt: BigInt64Array; deactivatedAt: BigInt64Array;
    lastContactBefore: BigInt64Array; group: Uint16Array;
}
export interface BulkOptions { groups: number; month: string; zone?: string; rule?: BillingRule; timeSorted?: boolean; policy?: LifecyclePolicy; }
export interface BulkResult { days: number[]; groups: { licences: number; billable_days: number; quantity: Money }[]; }

// ---- quota ----------------------------------------------------------------------------------
export interface Limits {
    desktop_licences: number | null; server_licences: number | null; desktop_gb: number | null; server_gb: number | null;
    sync_available: boolean; sync_default_quota_gb: number;
}
export type LicenceType = "desktop" | "server";
export type QuotaCommand =
    | { command: "create_subscription"; subscription: string; company: string; admin_name: string; email: string; model: { kind: "direct" } | { kind: "reseller"; reseller: string }; limits: Limits }
    | { command: "assign_admin"; subscription: string; admin_name: string; email: string }
    | { command: "change_limits"; subscription: string; limits: Limits }
    | { command: "set_subscription_sync"; subscription: string; enabled: boolean }
    | { command: "set_groups_tab"; subscription: string; visible: boolean }
    | { command: "create_user"; subscription: string; login: string; display_name: string; group: number | null; licence: [LicenceType, number] | null }
    | { command: "suspend_user" | "activate_user" | "remove_user"; subscription: string; login: string }
    | { command: "set_user_sync"; subscription: string; login: string; enabled: boolean }
    | { command: "move_user"; subscription: string; login: string; group: number }
    | { command: "assign_licence"; subscription: string; login: string; kind: LicenceType; quota_gb: number }
    | { command: "change_quota"; subscription: string; licence: number; quota_gb: number }
    | { command: "remove_licence"; subscription: string; licence: number }
    | { command: "record_usage"; subscription: string; licence: number; used_gb: number }
    | { command: "record_activation"; subscription: string; licence: number; activated: boolean }
    | { command: "create_group"; subscription: string; name: string }
    | { command: "rename_group"; subscription: string; group: number; name: string }
    | { command: "delete_group"; subscription: string; group: number }
    | { command: "refresh"; subscription: string }
    | { command: "register_reseller"; reseller: string; name: string; email: string }
    | { command: "cancel_reseller"; reseller: string };
export interface QuotaEvent { id: number; at: string; kind: { type: string; [field: string]: unknown }; }
export interface PoolView { assigned_licences: number; activated_licences: number; licence_limit: number | null; assigned_gb: number; used_gb: number; gb_limit: number | null; }
export interface AccountView {
    subscription: string; company: string; admin: [string, string] | null; notice: string | null;
    sync_available: boolean; sync_enabled: boolean; sync_default_quota_gb: number; groups_tab_visible: boolean;
    users: number; desktop: PoolView; server: PoolView;
}
export interface ResellerView { reseller: string; name: string; email: string; cancelled: boolean; customers: { [field: string]: unknown }[]; }
export interface RefreshReport { subscription: string; stored: unknown; recomputed: unknown; drift: { [field: string]: unknown }[]; }
/** A view and its text rendering. */
export interface Rendered<V> { view: V; text: string; }
"#;
