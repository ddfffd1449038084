// Loads each consumer bundle (a folder with index.html) in headless Chromium and fails on a story
// that does not pass, on any console error, page exception, failed request or HTTP error.
// Usage: node bundles.mjs name=dir...   Prints "ok|FAIL name" and "N passed, N failed".
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.wasm': 'application/wasm', '.css': 'text/css' };

function serve(root) {
  const server = http.createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url, 'http://127.0.0.1').pathname);
    const file = path.resolve(root, '.' + (rel === '/' ? '/index.html' : rel));
    if (!file.startsWith(root + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'kl-chromium-'));
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
let passed = 0;
let failed = 0;
try {
  for (const arg of process.argv.slice(2)) {
    const [name, dir] = arg.split('=');
    const root = path.resolve(dir);
    const server = await serve(root);
    const page = await browser.newPage();
    const problems = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(`console error: ${m.text()}`));
    page.on('pageerror', (e) => problems.push(`page exception: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`failed request: ${r.url()} ${r.failure()?.errorText}`));
    page.on('response', (r) => r.status() >= 400 && problems.push(`HTTP ${r.status()}: ${r.url()}`));
    try {
      await page.goto(`http://127.0.0.1:${server.address().port}/index.html`);
      await page.waitForSelector('body[data-result]', { timeout: 30000 });
      const result = await page.evaluate(() => document.body.dataset.result);
      if (result !== 'passed') problems.push(`story ${result}`);
      const text = await page.evaluate(() => document.body.textContent);
      if (!/ok quota/.test(text)) problems.push(`story incomplete: ${text}`);
    } catch (e) {
      problems.push(String(e.message ?? e));
    }
    await page.close();
    server.close();
    const bytes = fs.readdirSync(root, { recursive: true }).map((f) => path.join(root, f)).filter((f) => fs.statSync(f).isFile())
      .reduce((n, f) => n + fs.statSync(f).size, 0);
    if (problems.length === 0) {
      passed++;
      console.log(`ok   ${name} bundle in Chromium (${(bytes / 1024).toFixed(0)} KiB on disk)`);
    } else {
      failed++;
      console.log(`FAIL ${name} bundle in Chromium\n     ${problems.join('\n     ')}`);
    }
  }
} finally {
  await browser.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
if (failed > 0) process.exit(1);
