// Node tests of billing: Billing Detail, recompute, Activation Report, trends, explain, bulk.
import test from 'node:test';
import assert from 'node:assert/strict';
import * as kl from '../dist/keyledger/index.node.js';
import { throwsCoded, SP_MSP, IMAGEMANAGER, T0, prices, story } from './helpers.mjs';

const UNTIL = '2026-11-01T00:00:00Z';

test('Billing Detail: any-day and the StorageCraft rule, money as decimal strings, CSV', () => {
  const hs = story(kl).ledger.licenceHistories(UNTIL);
  const anyDay = kl.billingDetail(hs, { month: '2026-10', prices: prices() });
  assert.equal(anyDay.report.total, '43.50');
  assert.match(anyDay.text, /GRAND TOTAL/);
  assert.match(anyDay.csv.split('\n')[0], /^section/);
  const sc = kl.billingDetail(hs, { month: '2026-10', prices: prices({ more_than_days: 14 }), zone: 'UTC' });
  assert.equal(sc.report.total, '37.50', 'Desktop activated on the 26th: 6 days, not more than 14');
  const rows = sc.report.tables.flatMap((t) => t.rows);
  assert.ok(rows.some((r) => r.explanation.includes('≤ 14')));
  const ny = kl.billingDetail(hs, { month: '2026-10', prices: prices(), zone: 'America/New_York' });
  assert.equal(ny.report.time_zone, 'America/New_York');
});

test('billing errors are coded and name what was wrong', () => {
  const hs = story(kl).ledger.licenceHistories(UNTIL);
  throwsCoded(() => kl.billingDetail(hs, { month: '2026-13', prices: prices() }), 'js.bad_argument', { argument: 'options' });
  throwsCoded(() => kl.billingDetail(hs, { month: '2026-10', prices: prices(), zone: 'Mars/Olympus' }), 'billing.unknown_time_zone');
  const missing = { currency: 'USD', rule: 'any_day', scale: 2, prices: [{ product: SP_MSP, edition: 'Server', monthly: '1' }] };
  throwsCoded(() => kl.billingDetail(hs, { month: '2026-10', prices: missing }), 'billing.missing_price');
  throwsCoded(() => kl.billingDetail('nope', { month: '2026-10', prices: prices() }), 'js.bad_argument', { argument: 'histories' });
  throwsCoded(() => kl.validatePrices({ ...prices(), currency: 'dollars' }), 'billing.bad_currency');
  assert.equal(kl.validatePrices(prices()).rounding !== undefined, true);
});

test('recompute shows what changed', () => {
  const { ledger, keys } = story(kl);
  const earlier = kl.billingDetail(ledger.licenceHistories(UNTIL), { month: '2026-10', prices: prices() }).report;
  const cheaper = prices();
  cheaper.prices[0].monthly = '20.00';
  const again = kl.recompute(earlier, ledger.licenceHistories(UNTIL), cheaper);
  assert.equal(again.report.total, '38.50');
  assert.ok(again.diff.lines.length > 0);
  assert.ok(keys.length === 2);
});

test('Activation Report, trends and explanations', () => {
  const { ledger, keys } = story(kl);
  const hs = ledger.licenceHistories(UNTIL);
  const act = kl.activationReport(hs, { start: '2026-10-01', end: '2026-10-31' });
  const activations = act.report.rows.filter((r) => r.event === 'activated');
  assert.equal(activations.length, 3, JSON.stringify(act.report.rows.map((r) => r.event)));
  assert.match(act.csv, /\n/);
  const onlyIm = kl.activationReport(hs, { start: '2026-10-01', end: '2026-10-31', products: [IMAGEMANAGER], sort: ['serial'] });
  // ImageManager never called home: activated on the 1st, lapsed 30 days later.
  assert.deepEqual(onlyIm.report.rows.map((r) => [r.product, r.event]), [[IMAGEMANAGER, 'activated'], [IMAGEMANAGER, 'deactivated']]);
  throwsCoded(() => kl.activationReport(hs, { start: '2026-10-31', end: '2026-10-01' }), 'billing.range_reversed');
  const tr = kl.trends(hs, { last: '2026-10' });
  assert.equal(tr.trends.months.length, 12);
  const oct = tr.trends.months[11];
  assert.equal(oct.month, '2026-10');
  assert.ok(oct.points.some((p) => p.licences > 0));
  throwsCoded(() => kl.trends(hs, {}), 'js.bad_argument', { argument: 'options.last' });
  const desktop = hs.find((h) => h.key === keys[1]);
  const why = kl.explain(desktop, { month: '2026-10', rule: { more_than_days: 14 } });
  assert.equal(why.billable, false, why.text);
  assert.equal(why.days.length, 6, 'billable from the 26th to the 31st');
  assert.equal(kl.explain(desktop, { month: '2026-10' }).billable, true, 'any day');
  throwsCoded(() => kl.explain(desktop, { rule: 'any_day' }), 'js.bad_argument', { argument: 'options.month' });
});

test('bulk path over typed arrays equals the history path, and refuses bad columns', () => {
  // Two licences: #0 activated before the month and calling home daily; #1 never activated.
  const day = 86400n;
  const start = BigInt(Date.parse('2026-11-01T00:00:00Z') / 1000);
  const at = [];
  const licence = [];
  for (let d = 0n; d < 30n; d++) {
    at.push(start + d * day + 3600n);
    licence.push(0);
  }
  const columns = {
    licence: Uint32Array.from(licence),
    at: BigInt64Array.from(at),
    activatedAt: BigInt64Array.from([start - 10n * day, 2n ** 63n - 1n]),
    deactivatedAt: BigInt64Array.from([2n ** 63n - 1n, 2n ** 63n - 1n]),
    lastContactBefore: BigInt64Array.from([start - day, -(2n ** 63n)]),
    group: Uint16Array.from([0, 1]),
  };
  assert.deepEqual(kl.bulkAnyDayCounts(columns, { groups: 2, month: '2026-11' }), [1, 0]);
  const r = kl.bulkBill(columns, { groups: 2, month: '2026-11', rule: 'prorated', timeSorted: true });
  assert.equal(r.days[0], 30);
  assert.equal(r.groups[0].licences, 1);
  throwsCoded(() => kl.bulkBill({ ...columns, at: Float64Array.from([1]) }, { groups: 2, month: '2026-11' }), 'js.bad_argument', {
    argument: 'columns.at',
  });
  throwsCoded(() => kl.bulkBill({ ...columns, group: Uint16Array.from([0]) }, { groups: 2, month: '2026-11' }), 'billing.column_length');
});

test('doubleBilling: a machine with an active legacy licence and a billed SP MSP licence', () => {
  const history = (key, product, machine, from) => ({
    key, product, edition: null, account: 'Acme', site: null, machine,
    spans: [{ from, until: null, state: 'active' }], activations: [], deactivations: [],
  });
  const legacy = history('6YD0-9HRC-8Z1P-0M91', 3, 'srv-01', '2026-01-05T12:00:00Z');
  const msp = history('6VWX-KVJH-PE9Z-D362', SP_MSP, 'SRV-01', '2026-11-10T12:00:00Z');
  const storagecraft = { currency: 'USD', rule: { more_than_days: 14 }, scale: 2, prices: [] };
  const r = kl.doubleBilling([legacy, msp], { month: '2026-11', prices: storagecraft });
  assert.equal(r.report.rows.length, 1);
  assert.equal(r.report.rows[0].overlapping_days, 21, '10-30 November');
  assert.equal(r.report.rows[0].legacy_key, '6YD0-9HRC-8Z1P-0M91');
  assert.equal(r.report.rows[0].msp_key, '6VWX-KVJH-PE9Z-D362');
  assert.match(r.text, /6YD0-9HRC-8Z1P-0M91/);
  assert.ok(r.csv.split('\n').length >= 2);
  assert.equal(kl.doubleBilling([legacy], { month: '2026-11', prices: storagecraft }).report.rows.length, 0);
  throwsCoded(() => kl.doubleBilling([legacy, msp], { month: '2026-11', prices: storagecraft, zone: 'Mars/Base' }), 'billing.unknown_time_zone');
});
