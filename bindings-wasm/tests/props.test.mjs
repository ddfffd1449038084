// Property tests (fast-check): random command sequences against the ledger and the quota book, and
// random values for every argument of every export. Whatever the input, the package answers or
// throws a coded KeyledgerError; it never traps (a trap is a WebAssembly.RuntimeError) and a refused
// command leaves the state as it was; replaying the accepted events gives the same state.
import test from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as kl from '../dist/keyledger/index.node.js';
import { SECRET, T0, prices } from './helpers.mjs';

const RUNS = Number(process.env.FC_RUNS ?? 60);

/** Calls fn; returns its value, or the error if it is a coded KeyledgerError; anything else fails. */
function coded(fn) {
  try {
    return { ok: fn() };
  } catch (e) {
    assert.ok(e instanceof Error, `threw a non-Error: ${String(e)}`);
    assert.ok(!(e instanceof WebAssembly.RuntimeError), `the instance trapped: ${e.message}`);
    assert.equal(e.name, 'KeyledgerError', `uncoded ${e.name}: ${e.message}`);
    assert.match(e.code, /^[a-z]+\.[a-z_]+$/, `code of ${e.message}`);
    return { err: e };
  }
}

const issuer = new kl.Issuer(SECRET);
const pool = issuer.generateBatch(1, 1, 4).concat(issuer.generateBatch(2, 1, 2));
const machine = fc.constantFrom('m1', 'm2', 'm3');
const key = fc.oneof(fc.constantFrom(...pool), fc.string({ maxLength: 20 }));
const ledgerCommand = fc.oneof(
  fc.record({ type: fc.constant('record_keys'), product: fc.constantFrom(1, 2, 9), container: fc.constant({ account: 0 }), keys: fc.subarray(pool, { minLength: 1 }) }),
  fc.record({
    type: fc.constant('activate'), key, machine, msp_name: fc.constantFrom('MSP', 'Other'), customer_name: fc.constant('C'),
    edition: fc.constantFrom('Server', 'Desktop', null, 'Gold'),
  }),
  fc.record({ type: fc.constant('call_home'), key, machine }),
  fc.record({ type: fc.constant('deactivate'), key, machine: fc.option(machine, { nil: null }) }),
  fc.record({ type: fc.constant('reactivate'), key, machine: fc.option(machine, { nil: null }) }),
  fc.record({ type: fc.constant('create_account'), name: fc.constantFrom('A', 'B', '') }),
  fc.record({ type: fc.constantFrom('fly', 'call_home'), extra: fc.anything() }),
);
// Steps forward in hours (sometimes backwards: the ledger must refuse or accept, never break).
const step = fc.record({ command: ledgerCommand, hours: fc.integer({ min: -24, max: 24 * 20 }) });

test('ledger: random commands answer or throw coded errors; refusals change nothing; replay equals state', () => {
  fc.assert(
    fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
      const ledger = new kl.Ledger();
      const log = [];
      let t = Date.parse(T0);
      for (const { command, hours } of steps) {
        t += hours * 3600e3;
        const before = ledger.toJson();
        const r = coded(() => ledger.execute(command, new Date(t)));
        if (r.err) assert.equal(ledger.toJson(), before, `${r.err.code} changed the state`);
        else log.push(...r.ok.events);
        coded(() => ledger.statuses(new Date(t)));
      }
      assert.equal(kl.Ledger.replay(log).toJson(), ledger.toJson());
      assert.equal(kl.Ledger.fromJson(ledger.toJson()).toJson(), ledger.toJson());
      for (const h of ledger.licenceHistories(new Date(t))) assert.ok(h.spans.length >= 1);
      const hs = ledger.licenceHistories(new Date(t));
      coded(() => kl.billingDetail(hs, { month: '2026-10', prices: prices() }));
    }),
    { numRuns: RUNS },
  );
});

const SUB = 's';
const quotaCommand = fc.oneof(
  fc.record({
    type: fc.constant('create_user'), subscription: fc.constantFrom(SUB, 'x'), login: fc.constantFrom('a', 'b', 'c', 'd'),
    display_name: fc.constant('U'), group: fc.constant(null),
    licence: fc.option(fc.tuple(fc.constantFrom('desktop', 'server'), fc.integer({ min: 0, max: 80 })), { nil: null }),
  }),
  fc.record({ type: fc.constant('assign_licence'), subscription: fc.constant(SUB), login: fc.constantFrom('a', 'b', 'c'), kind: fc.constantFrom('desktop', 'server'), quota_gb: fc.integer({ min: 0, max: 80 }) }),
  fc.record({ type: fc.constantFrom('suspend_user', 'activate_user', 'remove_user'), subscription: fc.constant(SUB), login: fc.constantFrom('a', 'b') }),
  fc.record({ type: fc.constant('change_quota'), subscription: fc.constant(SUB), licence: fc.integer({ min: 0, max: 5 }), quota_gb: fc.integer({ min: 0, max: 120 }) }),
  fc.record({ type: fc.constant('record_usage'), subscription: fc.constant(SUB), licence: fc.integer({ min: 0, max: 5 }), used_gb: fc.integer({ min: 0, max: 120 }) }),
  fc.record({ type: fc.constant('refresh'), subscription: fc.constant(SUB) }),
  fc.record({ type: fc.constant('assign_licence'), subscription: fc.constant(SUB), login: fc.constant('a'), kind: fc.constant('desktop'), quota_gb: fc.oneof(fc.double(), fc.bigInt().map(String), fc.constant(2 ** 60)) }),
);
const LIMITS = { desktop_licences: 2, server_licences: 1, desktop_gb: 100, server_gb: 50, sync_available: true, sync_default_quota_gb: 2 };

test('quota: limits are never exceeded, refusals change nothing, replay equals state', () => {
  fc.assert(
    fc.property(fc.array(quotaCommand, { maxLength: 40 }), (commands) => {
      const book = new kl.QuotaBook();
      const log = book.execute(
        { type: 'create_subscription', subscription: SUB, company: 'C', admin_name: 'A', email: 'a@c.test', model: { kind: 'direct' }, limits: LIMITS },
        T0,
      );
      for (const command of commands) {
        const before = book.toJson();
        const r = coded(() => book.execute(command, T0));
        if (r.err) assert.equal(book.toJson(), before, `${r.err.code} changed the state`);
        else log.push(...r.ok);
        const { desktop, server } = book.accountView(SUB).view;
        assert.ok(desktop.assigned_licences <= 2 && server.assigned_licences <= 1, 'licence limits hold');
        assert.ok(desktop.assigned_gb <= 100 && server.assigned_gb <= 50, 'GB limits hold');
      }
      assert.deepEqual(book.refreshReport(SUB).drift, []);
      assert.equal(kl.QuotaBook.replay(log).toJson(), book.toJson());
    }),
    { numRuns: RUNS },
  );
});

test('every export, any arguments: a value or a coded Error, never a trap', () => {
  const ledger = new kl.Ledger();
  const book = new kl.QuotaBook();
  const signer = new kl.CertificateIssuer(1, new Uint8Array(32).fill(3));
  const calls = {
    checkKey: (a, b) => kl.checkKey(a, b),
    parseKey: (a) => kl.parseKey(a),
    issuerNew: (a, b) => new kl.Issuer(a, b),
    generate: (a, b) => issuer.generate(a, b),
    generateBatch: (a, b, c) => issuer.generateBatch(a, b, c),
    verify: (a) => issuer.verify(a),
    setCatalog: (a) => new kl.Issuer(SECRET).setCatalog(a),
    ledgerNew: (a) => new kl.Ledger(a),
    fromJson: (a) => kl.Ledger.fromJson(a),
    replay: (a, b) => kl.Ledger.replay(a, b),
    execute: (a, b) => ledger.execute(a, b),
    decide: (a, b) => ledger.decide(a, b),
    apply: (a) => ledger.apply(a),
    generateKeys: (a, b, c, d) => ledger.generateKeys(issuer, a, b, c, d),
    status: (a, b) => ledger.status(a, b),
    statuses: (a) => ledger.statuses(a),
    history: (a, b) => ledger.history(a, b),
    validate: (a, b) => ledger.validate(issuer, a, b),
    licenceHistories: (a) => ledger.licenceHistories(a),
    issueCertificate: (a, b, c, d, e) => ledger.issueCertificate(signer, a, b, c, d, e),
    eventsToJson: (a) => kl.eventsToJson(a),
    eventsFromJson: (a) => kl.eventsFromJson(a),
    certNew: (a, b) => new kl.CertificateIssuer(a, b),
    certIssue: (a, b, c, d, e) => signer.issue(a, b, c, d, e),
    verifyCertificate: (a, b, c, d) => kl.verifyCertificate(a, b, c, d),
    checkClock: (a, b, c) => kl.checkClock(a, b, c),
    billingDetail: (a, b) => kl.billingDetail(a, b),
    recompute: (a, b, c, d) => kl.recompute(a, b, c, d),
    activationReport: (a, b) => kl.activationReport(a, b),
    trends: (a, b) => kl.trends(a, b),
    explain: (a, b) => kl.explain(a, b),
    validatePrices: (a) => kl.validatePrices(a),
    bulkBill: (a, b) => kl.bulkBill(a, b),
    bulkAnyDayCounts: (a, b) => kl.bulkAnyDayCounts(a, b),
    quotaExecute: (a, b) => book.execute(a, b),
    quotaApply: (a) => book.apply(a),
    quotaReplay: (a) => kl.QuotaBook.replay(a),
    quotaFromJson: (a) => kl.QuotaBook.fromJson(a),
    accountView: (a) => book.accountView(a),
    resellerView: (a) => book.resellerView(a),
    refreshReport: (a) => book.refreshReport(a),
  };
  const value = fc.oneof(
    fc.anything({ withBigInt: true, withDate: true, withTypedArray: true, withNullPrototype: true }),
    fc.constantFrom(T0, '2026-10', pool[0], { account: 0 }, { month: '2026-10', prices: prices() }, [], -1, 2 ** 53, NaN),
  );
  fc.assert(
    fc.property(fc.constantFrom(...Object.keys(calls)), fc.array(value, { minLength: 0, maxLength: 6 }), (name, args) => {
      coded(() => calls[name](...args));
    }),
    { numRuns: RUNS * 20 },
  );
  // The instance is still sound afterwards.
  assert.equal(kl.checkKey(pool[0]).usable, true);
});
