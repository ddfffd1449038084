// The package's key-only entry (keyledger/keys: the module built without default features): it
// checks keys and refuses catalogs passed as JSON with a coded error.
import test from 'node:test';
import assert from 'node:assert/strict';
import { checkKey, parseKey, catalog, Issuer } from '../dist/keyledger/keys.node.js';

test('the key-only module checks keys like the full one', () => {
  const issuer = new Issuer(new Uint8Array(32).fill(3));
  const key = issuer.generate(2, 77);
  const c = checkKey(key);
  assert.deepEqual([c.usable, c.product, c.serial], [true, 'ImageManager', 77]);
  assert.equal(parseKey(key).serial, 77);
  assert.equal(issuer.check(key).usable, true);
  assert.equal(catalog().products.length, 4);
  assert.equal(checkKey('ABCDEFU').position, 7);
});

test('the key-only module refuses JSON catalogs with js.unsupported', () => {
  const json = JSON.stringify(catalog());
  for (const call of [() => checkKey('x', json), () => new Issuer(new Uint8Array(32)).setCatalog(json)]) {
    assert.throws(call, (e) => e instanceof Error && e.code === 'js.unsupported' && e.feature === 'catalog-json');
  }
});
