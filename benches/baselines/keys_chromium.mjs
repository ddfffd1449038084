// Key checks per second in headless Chromium (playwright-core, /usr/bin/chromium), through the npm
// package's browser entries as the pages load them (www/node_modules/keyledger, unpacked by
// bindings-wasm/test.sh): keys.browser.js (keyledger/keys, the key-check page's) and
// index.browser.js (the whole library, the demo console's). Run bindings-wasm/test.sh first.
// Usage: node benches/baselines/keys_chromium.mjs [seconds per case, default 2]
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const www = path.join(root, 'bindings-wasm', 'www');
const { chromium } = createRequire(path.join(root, 'bindings-wasm', 'package.json'))('playwright-core');
const seconds = Number(process.argv[2] ?? 2);
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };

const server = http.createServer((req, res) => {
  const file = path.join(www, decodeURIComponent(new URL(req.url, 'http://x').pathname));
  if (!file.startsWith(www) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
  fs.createReadStream(file).pipe(res);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}/`;
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'keyledger-bench-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(base + 'index.html');
  for (const pkg of ['keys.browser.js', 'index.browser.js']) {
    const lines = await page.evaluate(async ([pkg, seconds]) => {
      const kl = await import(`/node_modules/keyledger/${pkg}`);
      const issuer = new kl.Issuer(new TextEncoder().encode('benchmark issuer secret 32 bytes'));
      issuer.setMaxPerRequest(1024);
      const keys = issuer.generateBatch(1, 0, 1024);
      const out = [];
      let sink = 0;
      const bench = (name, fn) => {
        for (let i = 0; i < 3; i++) fn();
        // As keys_wasm.mjs: the best round of 1024 calls and the mean over all rounds.
        let rounds = 0;
        let best = Infinity;
        const start = performance.now();
        let now = start;
        while (now - start < seconds * 1000) {
          fn();
          rounds += 1;
          const after = performance.now();
          best = Math.min(best, ((after - now) * 1e6) / keys.length);
          now = after;
        }
        const ns = ((now - start) * 1e6) / (rounds * keys.length);
        out.push(`${pkg.padEnd(17)} ${name.padEnd(40)} best ${best.toFixed(0).padStart(6)} ns/key  mean ${ns.toFixed(0).padStart(6)} ns/key`);
      };
      bench('checkKey(text)      (no secret, object)', () => { for (const k of keys) sink += kl.checkKey(k).usable ? 1 : 0; });
      bench('checkKey + usable, code, serial read', () => { for (const k of keys) { const c = kl.checkKey(k); sink += c.usable && c.code === 'ok' ? c.serial : 0; } });
      bench('issuer.check(text)  (HMAC tag, object)', () => { for (const k of keys) sink += issuer.check(k).usable ? 1 : 0; });
      bench('issuer.verify(text) (HMAC tag, object)', () => { for (const k of keys) sink += issuer.verify(k).serial >= 0 ? 1 : 0; });
      if (sink === 0) throw new Error('nothing was checked');
      return out;
    }, [pkg, seconds]);
    for (const line of lines) console.log(line);
  }
  console.log(`Chromium ${context.browser()?.version() ?? ''}`.trim());
} finally {
  await context.close();
  server.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
