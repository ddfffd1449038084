// Node tests of the product-key API of the wasm package (built by bindings-wasm/test.sh into
// the package's node entry, dist/keyledger/index.node.js).
import test from 'node:test';
import assert from 'node:assert/strict';
import * as kl from '../dist/keyledger/index.node.js';
import { ALPHABET, wrongSymbol, swapAdjacent } from './keytext.mjs';
import { throwsCoded } from './helpers.mjs';

const SECRET = new Uint8Array(32).fill(7);
const OTHER_SECRET = new Uint8Array(32).fill(8);
const SP_MSP = 1;
const IMAGEMANAGER = 2;
const KEY_RE = /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/;

const CHECK_FIELDS = ['usable', 'code', 'detail', 'key', 'product', 'serial', 'position', 'character'];

test('version() is the package version', () => {
  assert.match(kl.version(), /^\d+\.\d+\.\d+/);
});

test('catalog() is the StorageCraft preset as a plain object', () => {
  const c = kl.catalog();
  assert.equal(Object.getPrototypeOf(c), Object.prototype);
  const names = c.products.map((p) => [p.id, p.name]);
  assert.deepEqual(names, [
    [1, 'ShadowProtect for MSP'],
    [2, 'ImageManager'],
    [3, 'Legacy ShadowProtect'],
    [4, 'Legacy ImageManager'],
  ]);
  const im = c.products.find((p) => p.id === IMAGEMANAGER);
  assert.deepEqual(im.job_licences.map((j) => j.count), [50, 50, 50]);
});

test('Issuer generates canonical keys that check, parse and verify', () => {
  const issuer = new kl.Issuer(SECRET);
  const key = issuer.generate(SP_MSP, 12);
  assert.match(key, KEY_RE);
  assert.equal(issuer.generate(SP_MSP, 12), key, 'deterministic');
  assert.notEqual(issuer.generate(SP_MSP, 13), key);

  const check = kl.checkKey(key);
  assert.ok(check instanceof kl.KeyCheck, 'a KeyCheck (getters over the Rust value)');
  assert.deepEqual(Object.keys(check.toJSON()).sort(), [...CHECK_FIELDS].sort());
  assert.deepEqual(JSON.parse(JSON.stringify(check)), check.toJSON());
  for (const field of CHECK_FIELDS) assert.equal(check.toJSON()[field], check[field], field);
  assert.equal(check.usable, true);
  assert.equal(check.code, 'ok');
  assert.equal(check.key, key);
  assert.equal(check.product, 'ShadowProtect for MSP');
  assert.equal(check.serial, 12);
  assert.equal(check.position, null);
  assert.equal(check.character, null);

  assert.deepEqual(kl.parseKey(key), { key, version: 1, secretId: 0, product: SP_MSP, serial: 12 });
  assert.deepEqual(issuer.verify(key), kl.parseKey(key));

  const full = issuer.check(key);
  assert.equal(full.usable, true);
  assert.match(full.detail, /genuine/);
});

test('parsing is lenient: lower case, no dashes, spaces, Crockford aliases', () => {
  const key = new kl.Issuer(SECRET).generate(IMAGEMANAGER, 99);
  const plain = key.replaceAll('-', '');
  const aliased = key.replaceAll('0', 'O').replaceAll('1', 'l');
  for (const text of [key.toLowerCase(), plain, ` ${plain.slice(0, 8)} ${plain.slice(8)} `, aliased]) {
    assert.equal(kl.parseKey(text).key, key, text);
    assert.equal(kl.checkKey(text).key, key, text);
  }
});

test('secretId is written into keys and checked', () => {
  const issuer = new kl.Issuer(SECRET, 5);
  assert.equal(issuer.activeSecret, 5);
  assert.equal(kl.parseKey(issuer.generate(SP_MSP, 1)).secretId, 5);
  throwsCoded(() => new kl.Issuer(SECRET, 16), 'key.secret_id_range', { secretId: 16, max: 15 });
  throwsCoded(() => new kl.Issuer(new Uint8Array(5)), 'key.weak_secret', { len: 5, min: 16 });
});

test('generateBatch: consecutive serials, the per-request limit is an error', () => {
  const issuer = new kl.Issuer(SECRET);
  const keys = issuer.generateBatch(SP_MSP, 100, 10);
  assert.ok(Array.isArray(keys));
  assert.deepEqual(keys.map((k) => kl.parseKey(k).serial), [100, 101, 102, 103, 104, 105, 106, 107, 108, 109]);
  assert.equal(keys[3], issuer.generate(SP_MSP, 103));
  assert.equal(issuer.maxPerRequest, 10);
  throwsCoded(() => issuer.generateBatch(SP_MSP, 0, 11), 'key.too_many', { requested: 11, max: 10 });
  throwsCoded(() => issuer.generateBatch(SP_MSP, 0, 0), 'key.zero_keys');
  issuer.setMaxPerRequest(1000);
  assert.equal(issuer.generateBatch(SP_MSP, 0, 1000).length, 1000);
  throwsCoded(() => issuer.setMaxPerRequest(0), 'key.zero_limit');
  throwsCoded(() => issuer.generateBatch(SP_MSP, 67108863, 2), 'key.serial_range', { serial: 67108864, max: 67108863 });
  throwsCoded(() => issuer.generate(SP_MSP, 67108864), 'key.serial_range');
  throwsCoded(() => issuer.generate(64, 1), 'catalog.product_id_range', { id: 64, max: 63 });
});

test('secret rotation: add, activate, remove', () => {
  const issuer = new kl.Issuer(SECRET, 0);
  const old = issuer.generate(SP_MSP, 1);
  issuer.addSecret(1, OTHER_SECRET);
  throwsCoded(() => issuer.addSecret(1, OTHER_SECRET), 'key.duplicate_secret', { secretId: 1 });
  issuer.setActive(1);
  const fresh = issuer.generate(SP_MSP, 2);
  assert.equal(kl.parseKey(fresh).secretId, 1);
  assert.deepEqual(issuer.secretIds, [0, 1]);
  issuer.verify(old);
  throwsCoded(() => issuer.removeSecret(1), 'key.active_secret', { secretId: 1 });
  issuer.removeSecret(0);
  throwsCoded(() => issuer.removeSecret(0), 'key.unknown_secret', { secretId: 0 });
  throwsCoded(() => issuer.verify(old), 'key.unknown_secret', { secretId: 0 });
  assert.equal(issuer.check(old).code, 'key.unknown_secret');
  throwsCoded(() => issuer.setActive(7), 'key.unknown_secret', { secretId: 7 });
});

test('malformed keys: empty, wrong length, invalid character with its position', () => {
  for (const empty of ['', '   ', '----']) {
    throwsCoded(() => kl.parseKey(empty), 'key.malformed');
    const c = kl.checkKey(empty);
    assert.equal(c.code, 'key.malformed');
    assert.equal(c.usable, false);
  }
  throwsCoded(() => kl.parseKey('ABCD-EFGH'), 'key.malformed', { found: 8 });
  throwsCoded(() => kl.parseKey('ABCD-EFGH-JKMN-PQRU'), 'key.malformed', { position: 19, character: 'U' });
  const c = kl.checkKey('ABCD-EF!H-JKMN-PQRS');
  assert.deepEqual([c.usable, c.code, c.position, c.character], [false, 'key.malformed', 8, '!']);
  assert.match(c.detail, /position 8/);
  // Non-ASCII: the position counts characters as typed.
  assert.equal(kl.checkKey('ABCD-É').position, 6);
  assert.equal(kl.checkKey('ABCD-É').character, 'É');
});

test('every single wrong symbol and every adjacent swap is a typo', () => {
  const issuer = new kl.Issuer(SECRET);
  for (const serial of [0, 1, 12, 4242, 67108863]) {
    const key = issuer.generate(SP_MSP, serial);
    for (let i = 0; i < key.length; i++) {
      if (key[i] === '-') continue;
      const typo = wrongSymbol(key, i);
      assert.equal(kl.checkKey(typo).code, 'key.typo', `${typo} (symbol at ${i + 1})`);
      throwsCoded(() => kl.parseKey(typo), 'key.typo');
    }
    for (let i = 0; i + 1 < key.length; i++) {
      const a = key[i];
      const b = key[i + 1] === '-' ? key[i + 2] : key[i + 1];
      if (a === '-' || a === b) continue;
      const j = key[i + 1] === '-' ? i + 2 : i + 1;
      const swapped = key.slice(0, i) + b + key.slice(i + 1, j) + a + key.slice(j + 1);
      assert.equal(kl.checkKey(swapped).code, 'key.typo', `${swapped} (swap at ${i + 1})`);
    }
  }
  assert.equal(kl.checkKey(swapAdjacent(issuer.generate(SP_MSP, 3))).code, 'key.typo');
});

test('a key from another issuer is well-formed but not genuine', () => {
  const mine = new kl.Issuer(SECRET);
  const forged = new kl.Issuer(OTHER_SECRET).generate(SP_MSP, 12);
  assert.equal(kl.checkKey(forged).usable, true, 'without the secret it looks fine');
  const c = mine.check(forged);
  assert.deepEqual([c.usable, c.code, c.product, c.serial], [false, 'key.not_genuine', 'ShadowProtect for MSP', 12]);
  throwsCoded(() => mine.verify(forged), 'key.not_genuine');
});

test('unknown product: checks say so, a custom catalog can know it', () => {
  const issuer = new kl.Issuer(SECRET);
  const key = issuer.generate(9, 5);
  const c = kl.checkKey(key);
  assert.deepEqual([c.usable, c.code, c.key, c.serial, c.product], [false, 'key.unknown_product', key, 5, null]);
  assert.equal(issuer.check(key).code, 'key.unknown_product');

  const catalog = kl.catalog();
  catalog.products.push({ ...catalog.products[0], id: 9, name: 'Cloud Vault', key_type: 'Cloud Vault' });
  const json = JSON.stringify(catalog);
  const known = kl.checkKey(key, json);
  assert.deepEqual([known.usable, known.product], [true, 'Cloud Vault']);
  issuer.setCatalog(json);
  assert.equal(issuer.check(key).usable, true);
  assert.equal(issuer.catalog().products.length, 5);
  assert.equal(kl.catalog().products.length, 4, 'the preset is untouched');
});

test('bad catalogs are coded errors and leave the issuer catalog unchanged', () => {
  const issuer = new kl.Issuer(SECRET);
  throwsCoded(() => kl.checkKey('x', '{not json'), 'format.corrupt', { line: 1, column: 2 });
  const dup = kl.catalog();
  dup.products.push({ ...dup.products[0], name: 'Other' });
  throwsCoded(() => issuer.setCatalog(JSON.stringify(dup)), 'catalog.duplicate_product', { id: 1, existing: 'ShadowProtect for MSP' });
  const big = kl.catalog();
  big.products[0].id = 64;
  throwsCoded(() => issuer.setCatalog(JSON.stringify(big)), 'format.corrupt');
  assert.equal(issuer.catalog().products.length, 4);
});

test('wrong argument types are coded errors, never a trap or a silent coercion', () => {
  const issuer = new kl.Issuer(SECRET);
  throwsCoded(() => kl.parseKey(5), 'js.bad_argument', { argument: 'text', expected: 'a string' });
  throwsCoded(() => kl.parseKey(undefined), 'js.bad_argument');
  throwsCoded(() => kl.checkKey(null), 'js.bad_argument');
  throwsCoded(() => kl.checkKey('x', 5), 'js.bad_argument', { argument: 'catalogJson' });
  throwsCoded(() => new kl.Issuer('a string secret, long enough'), 'js.bad_argument', { argument: 'secretBytes' });
  throwsCoded(() => new kl.Issuer(SECRET, -1), 'js.bad_argument', { argument: 'secretId' });
  throwsCoded(() => issuer.generate(SP_MSP), 'js.bad_argument', { argument: 'serial' });
  throwsCoded(() => issuer.generate(SP_MSP, -1), 'js.bad_argument');
  throwsCoded(() => issuer.generate(SP_MSP, 1.5), 'js.bad_argument');
  throwsCoded(() => issuer.generate('1', 1), 'js.bad_argument', { argument: 'product' });
  throwsCoded(() => issuer.generateBatch(SP_MSP, 0), 'js.bad_argument', { argument: 'quantity' });
  // The instance is still fine afterwards.
  assert.equal(kl.checkKey(issuer.generate(SP_MSP, 1)).usable, true);
});

test('random text: checkKey never throws, parseKey throws only coded errors', () => {
  const issuer = new kl.Issuer(SECRET);
  const chars = ALPHABET + ALPHABET.toLowerCase() + '-  OIL!éU€😀\u0000';
  let seed = 12345;
  const rand = (n) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const codes = new Set();
  for (let n = 0; n < 3000; n++) {
    const len = rand(24);
    let text = '';
    for (let i = 0; i < len; i++) text += [...chars][rand([...chars].length)];
    const c = kl.checkKey(text);
    codes.add(c.code);
    assert.equal(typeof c.detail, 'string');
    const ic = issuer.check(text);
    assert.equal(ic.usable && !c.usable, false);
    try {
      kl.parseKey(text);
    } catch (e) {
      assert.ok(e instanceof Error && typeof e.code === 'string' && e.code.startsWith('key.'), String(e));
    }
  }
  assert.ok(codes.has('key.malformed'), [...codes].join(','));
});
