// Shared by the node tests of the whole library (the package's node entry, dist/keyledger).
import assert from 'node:assert/strict';

/** Runs `fn`, asserts it throws a KeyledgerError with `code` and the given fields; returns it. */
export function throwsCoded(fn, code, fields = {}) {
  let caught;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught !== undefined, `expected a ${code} error, nothing was thrown`);
  assert.ok(caught instanceof Error, `thrown value is an Error: ${caught}`);
  assert.equal(caught.name, 'KeyledgerError', String(caught));
  assert.equal(caught.code, code, caught.message);
  assert.ok(typeof caught.message === 'string' && caught.message.length > 0);
  for (const [name, value] of Object.entries(fields)) {
    assert.deepEqual(caught[name], value, `field ${name} of ${code}`);
  }
  return caught;
}

export const SECRET = new Uint8Array(32).fill(7);
export const SP_MSP = 1;
export const IMAGEMANAGER = 2;
export const T0 = '2026-10-01T09:00:00Z';

/** `t` plus `days` days, as an ISO string. */
export function plusDays(t, days) {
  return new Date(Date.parse(t) + days * 86400e3).toISOString();
}

/** Price list: ShadowProtect Server 25.00, Desktop 6.00, ImageManager 12.50 a month. */
export function prices(rule = 'any_day') {
  return {
    currency: 'USD',
    rule,
    scale: 2,
    prices: [
      { product: SP_MSP, edition: 'Server', monthly: '25.00' },
      { product: SP_MSP, edition: 'Desktop', monthly: '6.00' },
      { product: IMAGEMANAGER, edition: null, monthly: '12.50' },
    ],
  };
}

/** The billing story of the Python tests: two ShadowProtect keys and one ImageManager key. */
export function story(kl) {
  const issuer = new kl.Issuer(SECRET);
  const ledger = new kl.Ledger();
  const { keys } = ledger.generateKeys(issuer, SP_MSP, 2, { account: 0 }, T0);
  const [im] = ledger.generateKeys(issuer, IMAGEMANAGER, 1, { account: 0 }, T0).keys;
  const activate = (key, machine, edition, now) =>
    ledger.execute({ type: 'activate', key, machine, msp_name: 'MSP', customer_name: 'C', edition }, now);
  activate(keys[0], 'a', 'Server', T0);
  activate(keys[1], 'b', 'Desktop', plusDays(T0, 25));
  activate(im, 'c', null, T0);
  for (let d = 1; d <= 30; d++) {
    ledger.execute({ type: 'call_home', key: keys[0], machine: 'a' }, plusDays(T0, d));
  }
  return { issuer, ledger, keys, im };
}
