// Node tests of quota accounting (the subscription control panel).
import test from 'node:test';
import assert from 'node:assert/strict';
import * as kl from '../dist/keyledger/index.node.js';
import { throwsCoded, T0 } from './helpers.mjs';

const SUB = 'mozy-1';
const subscription = {
  type: 'create_subscription',
  subscription: SUB,
  company: 'ACME',
  admin_name: 'Ann',
  email: 'ann@acme.test',
  model: { kind: 'direct' },
  limits: { desktop_licences: 2, server_licences: 1, desktop_gb: 100, server_gb: 50, sync_available: true, sync_default_quota_gb: 2 },
};

test('quota story: users, licences, views, refusals that change nothing', () => {
  const book = new kl.QuotaBook();
  book.execute(subscription, T0);
  const events = book.execute(
    { type: 'create_user', subscription: SUB, login: 'a@x', display_name: 'A', group: null, licence: ['desktop', 60] },
    new Date(T0),
  );
  assert.equal(events[0].at, T0);
  const view = book.accountView(SUB);
  assert.match(view.text, /60/);
  assert.equal(typeof view.view, 'object');
  const before = book.toJson();
  const e = throwsCoded(
    () => book.execute({ type: 'create_user', subscription: SUB, login: 'b@x', display_name: 'B', group: null, licence: ['desktop', 50] }, T0),
    'quota.limit_exceeded',
  );
  assert.ok(Object.keys(e).length > 0, 'the numbers involved are fields');
  throwsCoded(() => book.execute({ type: 'refresh', subscription: 'nope' }, T0), 'quota.unknown_subscription');
  throwsCoded(() => book.execute({ type: 'assign_licence', subscription: SUB, login: 'a@x', kind: 'desktop', quota_gb: 2 ** 60 }, T0), 'js.bad_argument');
  assert.equal(book.toJson(), before);
  assert.deepEqual(book.refreshReport(SUB).drift ?? [], []);
  assert.equal(kl.QuotaBook.fromJson(book.toJson()).toJson(), book.toJson());
  book.execute({ type: 'register_reseller', reseller: 'r1', name: 'R', email: 'r@x.test' }, T0);
  assert.match(book.resellerView('r1').text, /R/);
  throwsCoded(() => book.resellerView('r2'), 'quota.unknown_reseller');
  assert.deepEqual(book.subscriptionIds(), [SUB]);
  assert.equal(book.decide({ type: 'refresh', subscription: SUB }, T0).length >= 0, true);
});

test('quota replay equals the state; apply reports duplicates', () => {
  const book = new kl.QuotaBook();
  const log = [...book.execute(subscription, T0)];
  log.push(...book.execute({ type: 'create_user', subscription: SUB, login: 'u', display_name: 'U', group: null, licence: ['server', 10] }, T0));
  assert.equal(kl.QuotaBook.replay(log).toJson(), book.toJson());
  assert.equal(kl.QuotaBook.replay(JSON.stringify(log)).toJson(), book.toJson());
  const copy = new kl.QuotaBook();
  assert.equal(copy.apply(log[0]), 'new');
  assert.equal(copy.apply(log[0]), 'duplicate');
  assert.equal(copy.nextEventId, 1);
  throwsCoded(() => copy.apply({ ...log[1], id: 7 }), 'quota.event_gap');
  throwsCoded(() => kl.QuotaBook.fromJson('[]'), 'format.corrupt');
});

test('quota commands are tagged `type` like the ledger\'s; the old `command` tag is refused, nothing changed', () => {
  const book = new kl.QuotaBook();
  book.execute(subscription, T0);
  const before = book.toJson();
  const e = throwsCoded(() => book.execute({ command: 'refresh', subscription: SUB }, T0), 'js.bad_argument');
  assert.match(e.message, /type/);
  assert.equal(book.toJson(), before);
  const events = book.execute({ type: 'create_group', subscription: SUB, name: 'Sales' }, T0);
  assert.equal(events[0].kind.type, 'group_created');
  assert.equal(events[0].kind.group, 1, 'ids cross as plain numbers and strings');
  assert.equal(events[0].kind.subscription, SUB);
});
