// Node tests of the ledger, offline certificates and the clock check (the package's node entry).
import test from 'node:test';
import assert from 'node:assert/strict';
import * as kl from '../dist/keyledger/index.node.js';
import { throwsCoded, SECRET, SP_MSP, T0, plusDays, story } from './helpers.mjs';

test('activation, call-home decisions and the 7/14/30-day states', () => {
  const issuer = new kl.Issuer(SECRET);
  const ledger = new kl.Ledger();
  const { keys, events } = ledger.generateKeys(issuer, SP_MSP, 1, { account: 0 }, new Date(T0));
  assert.equal(events.length, 1);
  assert.equal(events[0].at, T0, 'ISO out, the same instant as the Date in');
  const [key] = keys;
  const out = ledger.execute(
    { type: 'activate', key, machine: 'pc-1', msp_name: 'MSP', customer_name: 'ACME', edition: 'Server' },
    T0,
  );
  assert.equal(out.events[0].kind.type, 'activated');
  const home = ledger.execute({ type: 'call_home', key, machine: 'pc-1' }, plusDays(T0, 1));
  assert.deepEqual(home.decision, { action: 'run' });
  const state = (days) => ledger.status(key, plusDays(T0, 1 + days)).state;
  assert.equal(state(7), 'active', '7 days is not yet late');
  assert.equal(state(7.01), 'late');
  assert.equal(state(14.01), 'disabled');
  assert.equal(state(30.01), 'deactivated');
  const late = ledger.status(key, plusDays(T0, 9));
  assert.equal(late.runs[0].terminates_at, plusDays(T0, 31).replace('.000Z', 'Z'));
  assert.deepEqual(ledger.stateCounts(plusDays(T0, 9)), { late: 1 });
  assert.equal(ledger.statuses(T0).length, 1);
  assert.deepEqual(ledger.keys(), [key]);
  assert.equal(ledger.licenceCount, 1);
  assert.equal(ledger.nextEventId, 3);
});

test('deactivate, reactivate and history; refused commands change nothing', () => {
  const { ledger, keys } = story(kl);
  const now = plusDays(T0, 31);
  ledger.execute({ type: 'deactivate', key: keys[0] }, now);
  assert.equal(ledger.status(keys[0], now).state, 'pending_deactivation');
  ledger.execute({ type: 'reactivate', key: keys[0] }, now);
  assert.equal(ledger.status(keys[0], now).state, 'active');
  const kinds = ledger.history(keys[0], now).map((h) => h.kind);
  assert.ok(kinds.includes('deactivation_requested') && kinds.includes('deactivation_cancelled'), kinds.join());
  const before = ledger.toJson();
  throwsCoded(
    () => ledger.execute({ type: 'activate', key: keys[0], machine: 'other', msp_name: 'MSP', customer_name: 'C', edition: 'Server' }, now),
    'licence.licence_limit',
  );
  throwsCoded(() => ledger.execute({ type: 'call_home', key: keys[0], machine: 'nobody' }, now), 'licence.not_activated');
  throwsCoded(() => ledger.execute({ type: 'fly' }, now), 'js.bad_argument', { argument: 'command' });
  throwsCoded(() => ledger.execute({ type: 'call_home', key: keys[0], machine: 'a' }, '2026-10-01'), 'js.bad_argument', {
    argument: 'now',
  });
  throwsCoded(() => ledger.execute({ type: 'call_home', key: keys[0], machine: 'a' }, new Date('nope')), 'js.bad_argument');
  throwsCoded(() => ledger.status('ABCD', now), 'key.malformed', { found: 4 });
  assert.equal(ledger.toJson(), before);
});

test('accounts, sites, moves and the name-consistency report', () => {
  const issuer = new kl.Issuer(SECRET);
  const ledger = new kl.Ledger();
  const acct = ledger.execute({ type: 'create_account', name: 'Client A' }, T0).events[0];
  const account = acct.kind.account;
  const site = ledger.execute({ type: 'create_site', account, name: 'HQ' }, T0).events[0].kind.site;
  const { keys } = ledger.generateKeys(issuer, SP_MSP, 2, { site }, T0);
  ledger.execute({ type: 'activate', key: keys[0], machine: 'a', msp_name: 'MSP', customer_name: 'A', edition: 'Server' }, T0);
  ledger.execute({ type: 'activate', key: keys[1], machine: 'b', msp_name: 'MSP2', customer_name: 'A', edition: 'Server' }, T0);
  const st = ledger.status(keys[0], T0);
  assert.deepEqual([st.account, st.site], ['Client A', 'HQ']);
  assert.equal(ledger.org().accounts.length, 2);
  const names = ledger.nameConsistency();
  assert.equal(names.msp_mismatches.length, 1);
  throwsCoded(() => ledger.execute({ type: 'create_account', name: 'Client A' }, T0), 'org.duplicate_name');
  throwsCoded(() => ledger.generateKeys(issuer, SP_MSP, 1, { site: 99 }, T0), 'org.unknown_site');
  throwsCoded(() => ledger.generateKeys(issuer, 64, 1, { account: 0 }, T0), 'catalog.product_id_range');
  throwsCoded(() => ledger.generateKeys(issuer, SP_MSP, 1, 'nowhere', T0), 'js.bad_argument', { argument: 'container' });
});

test('state and events round-trip; replay equals the state; apply is idempotent', () => {
  const { ledger, keys } = story(kl);
  const copy = kl.Ledger.fromJson(ledger.toJson());
  assert.equal(copy.toJson(), ledger.toJson());
  const events = [];
  const replayed = new kl.Ledger();
  // Rebuild from the decisions of a second ledger, event by event.
  const second = new kl.Ledger();
  const issuer = new kl.Issuer(SECRET);
  events.push(...second.generateKeys(issuer, SP_MSP, 1, { account: 0 }, T0).events);
  events.push(...second.execute({ type: 'activate', key: second.keys()[0], machine: 'm', msp_name: 'M', customer_name: 'C', edition: 'Desktop' }, T0).events);
  for (const e of events) assert.equal(replayed.apply(e), 'new');
  assert.equal(replayed.apply(events[0]), 'duplicate');
  assert.equal(replayed.toJson(), second.toJson());
  assert.equal(kl.Ledger.replay(events).toJson(), second.toJson());
  const text = kl.eventsToJson(events);
  assert.deepEqual(kl.eventsFromJson(text), events);
  assert.equal(kl.Ledger.replay(kl.eventsFromJson(text)).toJson(), second.toJson());
  throwsCoded(() => replayed.apply({ ...events[1], id: 5 }), 'licence.event_gap');
  throwsCoded(() => kl.Ledger.fromJson('{nope'), 'format.corrupt');
  throwsCoded(() => kl.eventsFromJson(42), 'js.bad_argument');
  assert.ok(ledger.decide({ type: 'call_home', key: keys[0], machine: 'a' }, plusDays(T0, 31)).length >= 1);
  assert.equal(ledger.catalog().products.length, 4);
  assert.deepEqual(ledger.policy(), { late_after_seconds: 604800, disabled_after_seconds: 1209600, lapse_after_seconds: 2592000 });
  throwsCoded(
    () => new kl.Ledger({ policy: { late_after_seconds: 5, disabled_after_seconds: 4, lapse_after_seconds: 9 } }),
    'licence.invalid_policy',
  );
  throwsCoded(() => new kl.Ledger({ colour: 'red' }), 'js.bad_argument', { argument: 'options' });
});

test('validate: a key as a value against the secret and the ledger', () => {
  const { ledger, issuer, keys } = story(kl);
  const ok = ledger.validate(issuer, keys[0], plusDays(T0, 2));
  assert.equal(ok.usable, true, ok.detail);
  const other = new kl.Issuer(SECRET).generate(SP_MSP, 999);
  const unknown = ledger.validate(issuer, other, T0);
  assert.equal(unknown.usable, false);
  assert.equal(ledger.validate(issuer, 'nope', T0).code, 'key.malformed');
  assert.equal(ledger.licenceHistories(plusDays(T0, 40)).length, 3);
});

test('offline certificates: issue, verify, refuse; the clock check', () => {
  const { ledger, keys } = story(kl);
  const signer = new kl.CertificateIssuer(1, new Uint8Array(32).fill(9));
  assert.equal(signer.keyId, 1);
  const publicKeys = [{ keyId: 1, key: signer.verifyingKey() }];
  const now = plusDays(T0, 2);
  const big = 2n ** 64n - 1n;
  const text = ledger.issueCertificate(signer, keys[0], 'a', now, 7 * 86400, big);
  assert.match(text, /^klcert1\./);
  const cert = kl.verifyCertificate(publicKeys, text, 'a', plusDays(T0, 3));
  assert.equal(cert.key, keys[0]);
  assert.equal(cert.nonce, big, 'a 64-bit nonce comes back exactly, as a BigInt');
  throwsCoded(() => kl.verifyCertificate(publicKeys, text, 'b', plusDays(T0, 3)), 'offline.wrong_machine');
  throwsCoded(() => kl.verifyCertificate(publicKeys, text, 'a', plusDays(T0, 20)), 'offline.expired');
  const flipped = text.slice(0, -1) + (text.endsWith('0') ? '1' : '0');
  throwsCoded(() => kl.verifyCertificate(publicKeys, flipped, 'a', plusDays(T0, 3)), 'offline.bad_signature');
  throwsCoded(() => ledger.issueCertificate(signer, keys[0], 'a', now, 60, 1), 'offline.bad_validity');
  throwsCoded(() => ledger.issueCertificate(signer, keys[0], 'a', now, 7 * 86400, -1), 'js.bad_argument', { argument: 'nonce' });
  throwsCoded(() => ledger.issueCertificate(signer, keys[0], 'a', now, 7 * 86400, 2 ** 53), 'js.bad_argument');
  assert.match(signer.issue(keys[1], 'x', now, 3600, 7), /^klcert1\./);
  throwsCoded(() => kl.verifyCertificate([{ keyId: 1, key: new Uint8Array(3) }], text, 'a', now), 'js.bad_argument');
  throwsCoded(() => new kl.CertificateIssuer(256, new Uint8Array(32)), 'js.bad_argument', { argument: 'keyId' });
  throwsCoded(() => new kl.CertificateIssuer(1, new Uint8Array(31)), 'offline.bad_secret');

  const hw = kl.checkClock(null, T0);
  assert.equal(hw, T0);
  assert.equal(kl.checkClock(hw, new Date(Date.parse(T0) - 3600e3)), T0, 'within the tolerance');
  throwsCoded(() => kl.checkClock(hw, plusDays(T0, -2)), 'offline.clock_rollback');
  assert.equal(kl.checkClock(hw, plusDays(T0, -2), 3 * 86400), T0);
});

// Issue 20, item 6: every entry point that takes a key reports the key's own typed error, with the
// same code and fields as parseKey (position and character for a bad symbol), not js.bad_argument.
test('a malformed or mistyped key in any command throws the same coded error as parseKey', async () => {
  const { wrongSymbol } = await import('./keytext.mjs');
  const issuer = new kl.Issuer(SECRET);
  const ledger = new kl.Ledger();
  const [key] = ledger.generateKeys(issuer, SP_MSP, 1, { account: 0 }, T0).keys;
  ledger.execute({ type: 'activate', key, machine: 'pc-1', msp_name: 'MSP', customer_name: 'C', edition: 'Server' }, T0);
  const before = ledger.toJson();
  const badSymbol = `${key.slice(0, 18)}U`; // 'U' is not a Crockford symbol: position 19
  const typo = wrongSymbol(key, 3);
  const asParseKey = (text) => {
    try {
      kl.parseKey(text);
    } catch (e) {
      return e;
    }
    throw new Error(`${text} parsed`);
  };
  const expected = [
    [badSymbol, 'key.malformed', { position: 19, character: 'U' }],
    [typo, 'key.typo', {}],
    ['ABCD', 'key.malformed', { found: 4 }],
  ];
  for (const [text, code, fields] of expected) {
    const reference = asParseKey(text);
    assert.equal(reference.code, code, `parseKey(${text})`);
    const commands = [
      { type: 'activate', key: text, machine: 'pc-2', msp_name: 'MSP', customer_name: 'C', edition: 'Server' },
      { type: 'call_home', key: text, machine: 'pc-1' },
      { type: 'deactivate', key: text, machine: 'pc-1' },
      { type: 'reactivate', key: text, machine: 'pc-1' },
      { type: 'move_key', key: text, to: { account: 0 } },
      { type: 'set_legacy_status', key: text, active: false },
      { type: 'record_keys', product: SP_MSP, container: { account: 0 }, keys: [key, text] },
    ];
    for (const command of commands) {
      for (const [how, run] of [['execute', () => ledger.execute(command, T0)], ['decide', () => ledger.decide(command, T0)],
        ['execute (JSON text)', () => ledger.execute(JSON.stringify(command), T0)]]) {
        const e = throwsCoded(run, code, fields);
        assert.equal(e.message, reference.message, `${how} ${command.type}: the same message as parseKey`);
        for (const name of ['position', 'character', 'found']) assert.equal(e[name], reference[name], `${how} ${command.type}: ${name}`);
      }
    }
    for (const [what, run] of [
      ['status', () => ledger.status(text, T0)],
      ['history', () => ledger.history(text, T0)],
      ['issueCertificate', () => ledger.issueCertificate(new kl.CertificateIssuer(1, new Uint8Array(32).fill(9)), text, 'pc-1', T0, 86400, 1n)],
    ]) {
      const e = throwsCoded(run, code, fields);
      assert.equal(e.message, reference.message, what);
    }
    const check = ledger.validate(issuer, text, T0);
    assert.equal(check.code, code, 'validate answers with the same code');
    if (code === 'key.malformed' && fields.position) assert.deepEqual([check.position, check.character], [19, 'U']);
  }
  assert.equal(ledger.toJson(), before, 'refused commands change nothing');
});
