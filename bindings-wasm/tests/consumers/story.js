// The story every consumer project runs against the installed package (node ESM script, Vite,
// esbuild and webpack 5 bundles in headless Chromium): a key check, a ledger story, a Billing
// Detail, a quota refusal with its coded error. Expected values are the seed's facts written out,
// not computed by the package. `run()` returns the lines it checked; it throws on the first miss.
import * as kl from 'keyledger';
import * as keys from 'keyledger/keys';

const T0 = '2026-10-01T09:00:00Z';
const plusDays = (t, days) => new Date(Date.parse(t) + days * 86400e3).toISOString();

function eq(actual, expected, what) {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

function throwsCoded(fn, code, fields, what) {
  try {
    fn();
  } catch (e) {
    eq([e instanceof Error, e.name, e.code, kl.isKeyledgerError(e)], [true, 'KeyledgerError', code, true], what);
    for (const [name, value] of Object.entries(fields)) eq(e[name], value, `${what}: ${name}`);
    return e;
  }
  throw new Error(`${what}: nothing was thrown`);
}

export function run() {
  const lines = [];
  const ok = (line) => lines.push(`ok ${line}`);
  const secret = new Uint8Array(32).fill(7);

  // Keys, from both entries.
  const issuer = new kl.Issuer(secret, 0);
  const key = issuer.generate(1, 12);
  const check = kl.checkKey(key);
  eq([check.usable, check.code, check.product, check.serial, check.key], [true, 'ok', 'ShadowProtect for MSP', 12, key], 'checkKey');
  eq(JSON.parse(JSON.stringify(check)).serial, 12, 'KeyCheck.toJSON');
  eq(new keys.Issuer(secret, 0).generate(1, 12), key, 'keyledger/keys makes the same key');
  const bad = keys.checkKey('ABCD-EFGH-JKMN-PQRU');
  eq([bad.usable, bad.code, bad.position, bad.character], [false, 'key.malformed', 19, 'U'], 'keys.checkKey of a bad symbol');
  throwsCoded(() => keys.parseKey('ABCD-EFGH-JKMN-PQRU'), 'key.malformed', { position: 19, character: 'U' }, 'keys.parseKey');
  issuer.maxPerRequest = 20;
  eq(issuer.maxPerRequest, 20, 'maxPerRequest is settable');
  eq(issuer.generateBatch(1, 100, 20).length, 20, 'a batch of 20');
  ok(`keys: ${key} is usable (${check.product}, serial 12); a bad symbol is at 19`);

  // A ledger story: activate, call home for a month, then silent: Late after 7 days.
  const ledger = new kl.Ledger();
  const made = ledger.generateKeys(issuer, 1, 2, { account: 0 }, T0).keys;
  ledger.execute({ type: 'activate', key: made[0], machine: 'pc-1', msp_name: 'MSP', customer_name: 'ACME', edition: 'Server' }, T0);
  let decision = null;
  for (let d = 1; d <= 30; d++) {
    decision = ledger.execute({ type: 'call_home', key: made[0], machine: 'pc-1' }, plusDays(T0, d)).decision;
  }
  eq(decision, { action: 'run' }, 'call-home answer');
  eq(ledger.status(made[0], plusDays(T0, 31)).state, 'active', 'state a day after the last call-home');
  eq(ledger.status(made[0], plusDays(T0, 38)).state, 'late', 'state 8 days after it');
  throwsCoded(
    () => ledger.execute({ type: 'call_home', key: 'ABCD-EFGH-JKMN-PQRU', machine: 'pc-1' }, T0),
    'key.malformed', { position: 19, character: 'U' }, 'a command with a malformed key',
  );
  ok('ledger: active after a month of call-homes, late 8 days after the last one');

  // October's Billing Detail: one Server licence at 25.00, any day.
  const prices = { currency: 'USD', rule: 'any_day', scale: 2, prices: [{ product: 1, edition: 'Server', monthly: '25.00' }] };
  const detail = kl.billingDetail(ledger.licenceHistories('2026-11-01T00:00:00Z'), { month: '2026-10', prices, zone: 'Europe/Berlin' });
  eq(detail.report.total, '25.00', 'October total');
  eq(detail.report.lines.length, 1, 'one priced line');
  ok(`billing: October total ${detail.report.total} USD`);

  // Quota: the second user over the desktop GB limit is refused with the numbers.
  const book = new kl.QuotaBook();
  book.execute({
    type: 'create_subscription', subscription: 's', company: 'ACME', admin_name: 'Ann', email: 'ann@acme.test',
    model: { kind: 'direct' },
    limits: { desktop_licences: 2, server_licences: 1, desktop_gb: 100, server_gb: 50, sync_available: false, sync_default_quota_gb: 0 },
  }, T0);
  book.execute({ type: 'create_user', subscription: 's', login: 'a@x', display_name: 'A', group: null, licence: ['desktop', 60] }, T0);
  const before = book.toJson();
  const refused = throwsCoded(
    () => book.execute({ type: 'create_user', subscription: 's', login: 'b@x', display_name: 'B', group: null, licence: ['desktop', 50] }, T0),
    'quota.limit_exceeded', {}, 'quota refusal',
  );
  eq(book.toJson(), before, 'a refusal changes nothing');
  ok(`quota: refused with ${refused.code}`);
  return lines;
}
