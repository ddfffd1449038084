// Key checks per second in node through the npm package's node entries (bindings-wasm/dist/keyledger,
// built by bindings-wasm/test.sh): the whole library (index.node.js) and keyledger/keys
// (keys.node.js), to compare with the native criterion bench `key/verify_1024`.
// Usage: node benches/baselines/keys_wasm.mjs [seconds per case, default 2]
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dist = path.join(root, 'bindings-wasm', 'dist', 'keyledger');
const seconds = Number(process.argv[2] ?? 2);
for (const entry of ['index.node.js', 'keys.node.js']) {
const kl = await import(pathToFileURL(path.join(dist, entry)).href);
console.log(`-- ${entry}`);

const issuer = new kl.Issuer(new TextEncoder().encode('benchmark issuer secret 32 bytes'));
issuer.setMaxPerRequest(1024);
const keys = issuer.generateBatch(1, 0, 1024);

function bench(name, fn) {
  for (let i = 0; i < 3; i++) fn(); // warm up
  // Rounds of 1024 calls for `seconds`: the mean over all of them (GC and a shared machine's
  // preemptions included) and the best round (what a quiet machine gives; the figure the issue's
  // budget is judged on in benches/README.md, with the mean beside it).
  let rounds = 0;
  let best = Infinity;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(seconds * 1e9));
  let now = start;
  while (now < deadline) {
    fn();
    rounds += 1;
    const after = process.hrtime.bigint();
    best = Math.min(best, Number(after - now) / keys.length);
    now = after;
  }
  const ns = Number(now - start) / (rounds * keys.length);
  console.log(`${name.padEnd(48)} best ${best.toFixed(0).padStart(6)} ns/key  mean ${ns.toFixed(0).padStart(6)} ns/key`);
}

let sink = 0;
bench('checkKey(text)        (no secret, object)', () => {
  for (const k of keys) sink += kl.checkKey(k).usable ? 1 : 0;
});
bench('checkKey(text) + usable, code, serial read', () => {
  for (const k of keys) {
    const c = kl.checkKey(k);
    sink += c.usable && c.code === 'ok' ? c.serial : 0;
  }
});
bench('issuer.check(text)    (HMAC tag, object)', () => {
  for (const k of keys) sink += issuer.check(k).usable ? 1 : 0;
});
bench('issuer.verify(text)   (HMAC tag, object)', () => {
  for (const k of keys) sink += issuer.verify(k).serial >= 0 ? 1 : 0;
});
bench('issuer.generate(1, serial)', () => {
  for (let s = 0; s < keys.length; s++) sink += issuer.generate(1, s).length;
});
if (sink === 0) throw new Error('nothing was checked');
}
