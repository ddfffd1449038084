// Browser test of the key-check page (bindings-wasm/www) in headless Chromium through playwright-core.
// Serves www/ from 127.0.0.1, types keys as a person would, asserts the live messages, and fails on
// any console error, page exception or failed request. Prints "N passed, N failed"; exits non-zero
// on failure. Env: CHROMIUM (default /usr/bin/chromium), SCREENSHOT=path.png to save a screenshot.
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import * as kl from '../pkg-node/keyledger_wasm.js';
import { wrongSymbol, swapAdjacent } from './keytext.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const www = path.resolve(here, '..', 'www');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
};

function serve(root) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const rel = decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname);
    const file = path.resolve(root, '.' + rel);
    if (!file.startsWith(root + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
    });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const results = [];
async function check(name, fn) {
  try {
    await fn();
    results.push([name, null]);
    console.log(`ok   ${name}`);
  } catch (e) {
    results.push([name, e]);
    console.log(`FAIL ${name}\n     ${String(e && e.message ? e.message : e).split('\n').join('\n     ')}`);
  }
}
function assertEqual(actual, expected, what) {
  if (actual !== expected) throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

const server = await serve(www);
const base = `http://127.0.0.1:${server.address().port}/`;
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'keyledger-chromium-'));
const problems = [];
let context;
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
    viewport: { width: 900, height: 760 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page exception: ${err.message}`));
  page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`));
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
  });

  await page.goto(base);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 15000 });

  const field = page.locator('#key');
  const status = page.locator('#status');
  async function typeAndRead(text) {
    await field.fill('');
    await field.pressSequentially(text);
    return (await status.textContent()).trim();
  }

  const issuer = new kl.Issuer(new Uint8Array(32).fill(42));
  const valid = issuer.generate(1, 12);

  await check('page loads the module and says what to type', async () => {
    assertEqual((await status.textContent()).trim(), 'Type the 16 symbols of your key', 'status');
  });
  await check('a valid key looks valid, with product and serial', async () => {
    assertEqual(await typeAndRead(valid), 'Looks valid: ShadowProtect for MSP, serial 12', 'status');
    assertEqual(await page.locator('#facts').isVisible(), true, 'facts shown');
    assertEqual((await page.locator('#fact-key').textContent()).trim(), valid, 'canonical key');
  });
  await check('lower case without dashes is the same key', async () => {
    assertEqual(await typeAndRead(valid.replaceAll('-', '').toLowerCase()), 'Looks valid: ShadowProtect for MSP, serial 12', 'status');
  });
  await check('one wrong symbol is a typo', async () => {
    const typo = wrongSymbol(valid, 6);
    assertEqual(await typeAndRead(typo), 'Typo: a symbol is mistyped or two are swapped', 'status');
    assertEqual(await page.locator('#facts').isVisible(), false, 'facts hidden');
  });
  await check('two swapped symbols are a typo', async () => {
    assertEqual(await typeAndRead(swapAdjacent(valid, 10)), 'Typo: a symbol is mistyped or two are swapped', 'status');
  });
  await check('an invalid character is named with its position, as soon as it is typed', async () => {
    assertEqual(await typeAndRead('ABCDEFU'), "Position 7: 'U' is not a valid symbol", 'status');
    assertEqual((await page.locator('#mirror .culprit').textContent()), 'U', 'marked character');
  });
  await check('a partial key counts its symbols', async () => {
    assertEqual(await typeAndRead('ABCD-EF'), '6 of 16 symbols', 'status');
    assertEqual(await typeAndRead(valid + 'X'), 'Too many symbols: 17, a key has 16', 'status');
  });
  await check('a key for an unknown product says so', async () => {
    assertEqual(await typeAndRead(issuer.generate(9, 1)), 'Not a key for a product we know (product 9)', 'status');
  });
  await check('the sample button fills in a valid key', async () => {
    await page.locator('#sample').click();
    const text = (await status.textContent()).trim();
    if (!text.startsWith('Looks valid: ')) throw new Error(`status after sample: ${text}`);
  });
  if (process.env.SCREENSHOT) {
    await typeAndRead(valid.slice(0, 10) + 'U');
    await page.screenshot({ path: process.env.SCREENSHOT.replace(/\.png$/, '-bad.png'), fullPage: true });
    await typeAndRead(valid);
    await page.screenshot({ path: process.env.SCREENSHOT, fullPage: true });
  }
  await check('no console error, page exception or failed request', async () => {
    if (problems.length > 0) throw new Error(problems.join('\n'));
  });
} catch (e) {
  results.push(['browser session', e]);
  console.log(`FAIL browser session: ${e && e.stack ? e.stack : e}`);
} finally {
  if (context) await context.close();
  server.close();
  fs.rmSync(profile, { recursive: true, force: true });
}

const failed = results.filter(([, e]) => e).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
