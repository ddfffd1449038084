// Node tests of issue 20 through the generic execute path: ImageManager job licences, legacy keys
// at an instant and their machine, and the double-billing report (the package's node entry).
import test from 'node:test';
import assert from 'node:assert/strict';
import * as kl from '../dist/keyledger/index.node.js';
import { throwsCoded, SECRET, SP_MSP, IMAGEMANAGER, T0, plusDays } from './helpers.mjs';

const LEGACY_SP = 3;

test('the 51st ShadowStream job is refused with the numbers; other types keep their room', () => {
  const issuer = new kl.Issuer(SECRET);
  const ledger = new kl.Ledger();
  const [key] = ledger.generateKeys(issuer, IMAGEMANAGER, 1, { account: 0 }, T0).keys;
  ledger.execute({ type: 'activate', key, machine: 'im-1', msp_name: 'MSP', customer_name: 'ACME' }, T0);
  const start = (job_type, job_name, machine) =>
    ledger.execute({ type: 'start_job', key, job_type, job_name, machine }, plusDays(T0, 1));
  for (let n = 1; n <= 50; n++) {
    const out = start('ShadowStream', `stream-${n}`, `srv-${n}`);
    assert.equal(out.events[0].kind.type, 'job_started');
  }
  const e = throwsCoded(() => start('ShadowStream', 'stream-51', 'srv-51'), 'licence.job_limit', {
    jobType: 'ShadowStream', licences: 50, inUse: 50,
  });
  assert.match(e.message, /50/);
  start('intelligentFTP', 'offsite', 'srv-1');
  const jobs = ledger.status(key, plusDays(T0, 2)).jobs;
  assert.deepEqual(jobs.map((j) => [j.job_type, j.in_use, j.licences]), [
    ['intelligentFTP', 1, 50], ['ShadowStream', 50, 50], ['HeadStart Restore', 0, 50],
  ]);
  ledger.execute({ type: 'end_job', key, job_type: 'ShadowStream', job_name: 'stream-7', machine: 'srv-7' }, plusDays(T0, 3));
  start('ShadowStream', 'stream-51', 'srv-51');
  throwsCoded(() => start('Shadowstream', 'x', 'm'), 'licence.unknown_job_type');
});

test('a legacy key answers for the instant; a forgotten legacy licence shows as double billing', () => {
  const issuer = new kl.Issuer(SECRET);
  const ledger = new kl.Ledger();
  const [legacy] = ledger.generateKeys(issuer, LEGACY_SP, 1, { account: 0 }, T0).keys;
  const [sp] = ledger.generateKeys(issuer, SP_MSP, 1, { account: 0 }, T0).keys;
  ledger.execute({ type: 'set_legacy_status', key: legacy, active: true }, T0);
  ledger.execute({ type: 'set_legacy_machine', key: legacy, machine: 'hq-backup' }, T0);
  ledger.execute({ type: 'set_legacy_status', key: legacy, active: false }, plusDays(T0, 20));
  assert.equal(ledger.status(legacy, plusDays(T0, 19)).state, 'active');
  assert.equal(ledger.status(legacy, plusDays(T0, 21)).state, 'deactivated');
  ledger.execute({ type: 'activate', key: sp, machine: 'HQ-BACKUP', msp_name: 'MSP', customer_name: 'ACME', edition: 'Server' }, plusDays(T0, 10));
  const prices = {
    currency: 'USD', rule: 'any_day', scale: 2,
    prices: [{ product: SP_MSP, edition: 'Server', monthly: '25.00' }],
  };
  const { report, text, csv } = kl.doubleBilling(ledger.licenceHistories(plusDays(T0, 25)), { month: '2026-10', prices });
  assert.equal(report.rows.length, 1);
  const row = report.rows[0];
  assert.deepEqual([row.legacy_key, row.msp_key, row.account], [legacy, sp, 'Default Account']);
  assert.equal(row.overlapping_days, 11, '11-21 Oct');
  assert.match(text, /hq-backup|HQ-BACKUP/);
  assert.ok(csv.includes(legacy));
});
