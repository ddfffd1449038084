// A TypeScript consumer of every export of the package (`keyledger` and `keyledger/keys`),
// compiled by tests/consumers/run.sh against the packed package installed into a fresh project,
// with `strict` and `skipLibCheck: false`, once with node types only (tsconfig.node.json) and once
// with the DOM lib (tsconfig.dom.json). It is not run: its job is to prove the declarations
// describe the API as the node tests use it, and to fail the build when an export or a type drifts.
import * as kl from 'keyledger';
import * as keysOnly from 'keyledger/keys';
import type {
  Instant, KeyCheck, KeyCheckObject, CheckCode, ErrorCode, KeyErrorCode, ParsedKey, Catalog, KeyledgerError, LedgerCommand, LedgerEvent, Outcome, Generated,
  KeyStatus, LicenceState, HistoryEntry, NameReport, Org, LicenceHistory, LifecyclePolicy, CallHomeCertificate,
  PriceList, BillingDetailResult, Recomputed, ActivationReportResult, TrendsResult, Explanation, BulkColumns,
  BulkResult, DoubleBillingResult, QuotaCommand, QuotaEvent, Rendered, AccountView, ResellerView, RefreshReport, Money,
} from 'keyledger';

const now: Instant = new Date('2026-10-01T09:00:00Z');
const later: Instant = '2026-10-02T09:00:00Z';

// keys
const version: string = kl.version();
const preset: Catalog = kl.catalog();
const check: KeyCheck = kl.checkKey('ABCD-EFGH-JKMN-PQRS');
const checkCustom: KeyCheck = kl.checkKey('ABCD', JSON.stringify(preset));
// @ts-expect-error: a number is not a key text
kl.checkKey(42);
const issuer = new kl.Issuer(new Uint8Array(32), 0);
const key: string = issuer.generate(1, 12);
const batch: string[] = issuer.generateBatch(1, 13, 3);
const parsed: ParsedKey = kl.parseKey(key);
const verified: ParsedKey = issuer.verify(key);
const checked: KeyCheck = issuer.check(key);
const issuerCatalog: Catalog = issuer.catalog();
issuer.setCatalog(JSON.stringify(issuerCatalog));
issuer.addSecret(1, new Uint8Array(32).fill(1));
issuer.setActive(1);
issuer.removeSecret(0);
const ids: number[] = issuer.secretIds;
const active: number = issuer.activeSecret;
issuer.setMaxPerRequest(20);
issuer.maxPerRequest = 30;
const max: number = issuer.maxPerRequest;
const checkCode: CheckCode = check.code;
const plainCheck: KeyCheckObject = check.toJSON();

// keyledger/keys: the same functions, the same types
const keyCheck: KeyCheck = keysOnly.checkKey('ABCD-EFGH-JKMN-PQRS');
const keyIssuer: kl.Issuer = new keysOnly.Issuer(new Uint8Array(32), 0);
const keyParsed: ParsedKey = keysOnly.parseKey(keyIssuer.generate(1, 1));
const keyVersion: string = keysOnly.version();
const keyCatalog: Catalog = keysOnly.catalog();

// ledger
const policy: LifecyclePolicy = { late_after_seconds: 7 * 86400, disabled_after_seconds: 14 * 86400, lapse_after_seconds: 30 * 86400 };
const ledger = new kl.Ledger({ policy });
const generated: Generated = ledger.generateKeys(issuer, 1, 2, { account: 0 }, now);
const activate: LedgerCommand = {
  type: 'activate', key: generated.keys[0], machine: 'pc-1', msp_name: 'MSP', customer_name: 'ACME', edition: 'Server',
};
const outcome: Outcome = ledger.execute(activate, now);
// @ts-expect-error: "fly" is not a ledger command
const notACommand: LedgerCommand = { type: 'fly' };
const decided: LedgerEvent[] = ledger.decide({ type: 'call_home', key: generated.keys[0], machine: 'pc-1' }, later);
const applied: 'new' | 'duplicate' = ledger.apply(outcome.events[0]);
const next: number = ledger.nextEventId;
const licences: number = ledger.licenceCount;
const ledgerCatalog: Catalog = ledger.catalog();
const ledgerPolicy: LifecyclePolicy = ledger.policy();
const org: Org = ledger.org();
const keys: string[] = ledger.keys();
const status: KeyStatus = ledger.status(keys[0], later);
const state: LicenceState = status.state;
const statuses: KeyStatus[] = ledger.statuses(later);
const counts: Partial<Record<LicenceState, number>> = ledger.stateCounts(later);
const history: HistoryEntry[] = ledger.history(keys[0], later);
const names: NameReport = ledger.nameConsistency();
const validated: KeyCheck = ledger.validate(issuer, keys[0], later);
const histories: LicenceHistory[] = ledger.licenceHistories('2026-11-01T00:00:00Z');
const saved: string = ledger.toJson();
const restored = kl.Ledger.fromJson(saved);
const replayed = kl.Ledger.replay(outcome.events, { catalog: ledgerCatalog });
const eventsText: string = kl.eventsToJson(outcome.events);
const events: LedgerEvent[] = kl.eventsFromJson(eventsText);
const signer = new kl.CertificateIssuer(1, new Uint8Array(32).fill(9));
const signerId: number = signer.keyId;
const publicKey: Uint8Array = signer.verifyingKey();
const certificate: string = ledger.issueCertificate(signer, keys[0], 'pc-1', now, 86400, 42n);
const direct: string = signer.issue(keys[0], 'pc-1', now, 86400, 42);
const verifiedCert: CallHomeCertificate = kl.verifyCertificate([{ keyId: 1, key: publicKey }], certificate, 'pc-1', later);
const nonce: bigint = verifiedCert.nonce;
const highWater: string = kl.checkClock(null, now);
const highWater2: string = kl.checkClock(highWater, later, 3600);

// billing
const prices: PriceList = { currency: 'USD', rule: { more_than_days: 14 }, scale: 2, prices: [{ product: 1, edition: 'Server', monthly: '25.00' }] };
const normalised: PriceList = kl.validatePrices(prices);
const detail: BillingDetailResult = kl.billingDetail(histories, { month: '2026-10', prices, zone: 'Europe/Berlin' });
const total: Money = detail.report.total;
const again: Recomputed = kl.recompute(detail.report, histories, prices, ledgerCatalog);
const activations: ActivationReportResult = kl.activationReport(histories, { start: '2026-10-01', end: '2026-10-31', sort: ['date'] });
const trends: TrendsResult = kl.trends(histories, { last: '2026-10', rule: 'any_day' });
const why: Explanation = kl.explain(histories[0], { month: '2026-10' });
const double: DoubleBillingResult = kl.doubleBilling(histories, { month: '2026-10', prices });
const overlap: number | undefined = double.report.rows[0]?.overlapping_days;
const job: LedgerCommand = { type: 'start_job', key: keys[0], job_type: 'ShadowStream', job_name: 'nightly', machine: 'pc-1' };
const jobsInUse: number | undefined = status.jobs[0]?.in_use;
const columns: BulkColumns = {
  licence: new Uint32Array(0), at: new BigInt64Array(0), activatedAt: new BigInt64Array(0),
  deactivatedAt: new BigInt64Array(0), lastContactBefore: new BigInt64Array(0), group: new Uint16Array(0),
};
const bulk: BulkResult = kl.bulkBill(columns, { groups: 1, month: '2026-10', rule: 'prorated' });
const perGroup: number[] = kl.bulkAnyDayCounts(columns, { groups: 1, month: '2026-10', timeSorted: true });

// quota
const book = new kl.QuotaBook();
const create: QuotaCommand = {
  type: 'create_subscription', subscription: 's', company: 'ACME', admin_name: 'Ann', email: 'ann@acme.test',
  model: { kind: 'direct' },
  limits: { desktop_licences: 2, server_licences: 1, desktop_gb: 100, server_gb: 50, sync_available: false, sync_default_quota_gb: 0 },
};
const quotaEvents: QuotaEvent[] = book.execute(create, now);
const wouldBe: QuotaEvent[] = book.decide({ type: 'refresh', subscription: 's' }, now);
const quotaApplied: 'new' | 'duplicate' = new kl.QuotaBook().apply(quotaEvents[0]);
const quotaNext: number = book.nextEventId;
const subscriptions: string[] = book.subscriptionIds();
const account: Rendered<AccountView> = book.accountView('s');
const reseller: Rendered<ResellerView> = book.resellerView('r');
const refresh: RefreshReport = book.refreshReport('s');
const bookText: string = book.toJson();
const bookAgain = kl.QuotaBook.fromJson(bookText);
const bookReplayed = kl.QuotaBook.replay(quotaEvents);

// errors: narrowed on `code`, the fields are typed
try {
  kl.parseKey('nope');
} catch (e) {
  if (kl.isKeyledgerError(e)) {
    const err: KeyledgerError = e;
    const code: ErrorCode = err.code;
    if (err.code === 'key.malformed') {
      const at: number | undefined = err.position;
      const what: string | undefined = err.character;
    } else if (err.code === 'key.too_many') {
      const limit: number = err.max;
    } else if (err.code === 'quota.limit_exceeded') {
      const facts: unknown = err['requested'];
    }
    // @ts-expect-error: not a code
    const wrong: ErrorCode = 'key.nope';
    const keyCode: KeyErrorCode = 'key.typo';
  }
}

// Every binding is used (noUnusedLocals is off; this keeps editors quiet about the values).
export const used = [
  version, check, checkCustom, batch, parsed, verified, checked, ids, active, max, applied, next, licences,
  ledgerPolicy, org, state, statuses, counts, history, names, validated, restored, replayed, events, signerId,
  direct, nonce, highWater2, normalised, total, again, activations, trends, why, bulk, perGroup, wouldBe,
  quotaApplied, quotaNext, notACommand, subscriptions, account, reseller, refresh, bookAgain, bookReplayed, decided,
  double, overlap, job, jobsInUse, checkCode, plainCheck, keyCheck, keyParsed, keyVersion, keyCatalog,
];
