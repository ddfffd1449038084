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
import * as kl from '../dist/keyledger/index.node.js';
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
  const same = typeof expected === 'object' ? JSON.stringify(actual) === JSON.stringify(expected) : actual === expected;
  if (!same) throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
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
  const watch = (p) => {
    p.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
    });
    p.on('pageerror', (err) => problems.push(`page exception: ${err.message}`));
    p.on('requestfailed', (req) => problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`));
    p.on('response', (res) => {
      if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
    });
  };
  watch(page);
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
  await consoleStory(await context.newPage(), watch);
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

/** The demo console (www/console.html): the MSP's story from new keys to the month's bill. */
async function consoleStory(page, watch) {
  watch(page);
  await page.goto(base + 'console.html');
  await page.waitForSelector('body[data-ready="true"]', { timeout: 15000 });
  const rows = async () =>
    page.$$eval('#status-table tbody tr', (trs) =>
      trs.map((tr) => ({
        key: tr.dataset.key,
        machine: tr.dataset.machine,
        state: tr.querySelector('.state-cell').dataset.state,
        label: tr.querySelector('.state-cell').textContent.trim(),
        detail: tr.querySelector('.detail').textContent.trim(),
      })),
    );
  const rowOf = async (key) => (await rows()).find((r) => r.key === key);
  const message = async () => (await page.locator('#message').textContent()).trim();
  const setToday = async (iso) => {
    await page.locator('#today').fill(iso);
    await page.locator('#today').dispatchEvent('change');
  };
  const rowButton = (key, label) => page.locator(`#status-table tr[data-key="${key}"] button`, { hasText: label });
  let keys = [];

  await check('console: make two keys for the Default Account', async () => {
    await page.locator('#make-quantity').fill('2');
    await page.locator('#make').click();
    const r = await rows();
    assertEqual(r.length, 2, 'rows');
    keys = r.map((x) => x.key);
    assertEqual(r.every((x) => x.label === 'Unactivated'), true, 'both unactivated');
    assertEqual((await message()).startsWith('Made 2 key(s)'), true, 'message');
  });
  await check('console: a typed key is checked live (valid, then a typo)', async () => {
    await page.locator('#check-key').fill(keys[0]);
    const status = page.locator('#check-status');
    assertEqual((await status.textContent()).startsWith('Valid: ShadowProtect for MSP'), true, await status.textContent());
    await page.locator('#check-key').fill(wrongSymbol(keys[0], 3));
    assertEqual(await status.getAttribute('data-code'), 'key.typo', 'code');
  });
  await check('console: activate on 1 Oct, Active', async () => {
    await page.locator('#act-key').selectOption(keys[0]);
    await page.locator('#act-edition').selectOption('Server');
    await page.locator('#activate').click();
    const r = await rowOf(keys[0]);
    assertEqual([r.machine, r.label], ['pc-1', 'Active'], 'row');
  });
  await check('console: 8 days without a call-home is Late, with its termination date', async () => {
    await page.locator('#plus7').click();
    await page.locator('#plus1').click();
    const r = await rowOf(keys[0]);
    assertEqual(r.label, 'Late', 'state');
    assertEqual(r.detail, 'last call-home 2026-10-01; terminates on 2026-10-31', 'detail');
  });
  await check('console: a call-home makes it Active again', async () => {
    await rowButton(keys[0], 'Call home').click();
    assertEqual((await rowOf(keys[0])).label, 'Active', 'state');
    assertEqual(await message(), `${keys[0]} on pc-1 called home: run.`, 'message');
  });
  await check('console: 15 days later it is Disabled; 31 days later Deactivated', async () => {
    await setToday('2026-10-24');
    const r = await rowOf(keys[0]);
    assertEqual([r.label, r.detail], ['Disabled', 'last call-home 2026-10-09; terminates on 2026-11-08'], 'disabled');
    await setToday('2026-11-09');
    assertEqual((await rowOf(keys[0])).label, 'Deactivated', 'lapsed');
  });
  await check('console: reactivate, deactivate (pending), and the next call-home deactivates', async () => {
    await rowButton(keys[0], 'Reactivate').click();
    assertEqual((await rowOf(keys[0])).label, 'Active', 'reactivated');
    await rowButton(keys[0], 'Deactivate').click();
    assertEqual((await rowOf(keys[0])).label, 'Pending deactivation', 'pending');
    await rowButton(keys[0], 'Call home').click();
    assertEqual((await rowOf(keys[0])).label, 'Deactivated', 'deactivated');
    assertEqual(await message(), `${keys[0]} on pc-1 called home: deactivated.`, 'message');
  });
  await check('console: a refused command shows its code and changes nothing', async () => {
    const before = await rows();
    await page.locator('#act-key').selectOption(keys[1]);
    await page.locator('#act-edition').selectOption('Desktop');
    await page.locator('#act-machine').fill('');
    await page.locator('#activate').click();
    assertEqual((await message()).startsWith('licence.empty_field'), true, await message());
    assertEqual(JSON.stringify(await rows()), JSON.stringify(before), 'table unchanged');
  });
  await check('console: October Billing Detail, priced, and its CSV download', async () => {
    await page.locator('#bill-month').fill('2026-10');
    await page.locator('#bill').click();
    const lines = await page.$$eval('#bill-table tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
    assertEqual(JSON.stringify(lines), JSON.stringify([['Default Account', 'ShadowProtect for MSP', 'Server', '1', '1', '25.00', '25.00 USD']]), 'lines');
    assertEqual(await page.locator('#bill-total').textContent(), '25.00 USD', 'total');
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#csv').click()]);
    assertEqual(download.suggestedFilename(), 'billing-detail-2026-10.csv', 'file name');
    const csv = fs.readFileSync(await download.path(), 'utf8');
    assertEqual(csv.split('\n')[0].startsWith('section'), true, csv.split('\n')[0]);
    assertEqual(csv.includes(keys[0]), true, 'the key is in the CSV');
  });
  await check('console: 12-month trends drawn as SVG from the trends report', async () => {
    const months = await page.$$eval('#trends svg g.month', (gs) => gs.map((g) => g.dataset.month));
    assertEqual(months.length, 12, 'months');
    assertEqual(months[11], '2026-10', 'last month');
    const oct = await page.$$eval('#trends svg g.month[data-month="2026-10"] rect', (rs) =>
      rs.map((r) => [r.dataset.product, r.dataset.licences]),
    );
    assertEqual(oct, [['1', '1'], ['2', '0']], 'October bars: one ShadowProtect licence, no ImageManager');
  });
  await check('console: ImageManager job licences in use per type; the same job twice is refused', async () => {
    await page.locator('#make-product').selectOption('2');
    await page.locator('#make-quantity').fill('1');
    await page.locator('#make').click();
    const im = (await rows()).find((r) => !keys.includes(r.key)).key;
    keys.push(im);
    await page.locator('#act-key').selectOption(im);
    await page.locator('#act-machine').fill('im-1');
    await page.locator('#activate').click();
    await page.locator('#job-key').selectOption(im);
    await page.locator('#job-type').selectOption('ShadowStream');
    await page.locator('#job-name').fill('stream-1');
    await page.locator('#job-start').click();
    const r = await rowOf(im);
    assertEqual(r.detail.includes('ShadowStream 1/50'), true, r.detail);
    assertEqual(r.detail.includes('intelligentFTP 0/50'), true, r.detail);
    await page.locator('#job-start').click();
    assertEqual((await message()).startsWith('licence.job_already_running'), true, await message());
  });
  await check('console: a legacy licence left active after the upgrade shows in the double-billing report', async () => {
    await page.locator('#make-product').selectOption('3');
    await page.locator('#make').click();
    const legacy = (await rows()).find((r) => !keys.includes(r.key)).key;
    await page.locator('#act-machine').fill('pc-2');
    await rowButton(legacy, 'Set active').click();
    await page.locator('#act-key').selectOption(keys[1]);
    await page.locator('#act-edition').selectOption('Desktop');
    await page.locator('#activate').click();
    await page.locator('#bill-month').fill('2026-11');
    await page.locator('#bill-rule').selectOption('any_day');
    await page.locator('#bill').click();
    const double = await page.$$eval('#double-table tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
    assertEqual(double.length, 1, JSON.stringify(double));
    assertEqual([double[0][1], double[0][2], double[0][3]], ['pc-2', legacy, keys[1]], 'machine and both keys');
    assertEqual(await page.locator('#double-none').isHidden(), true, 'the none line is hidden');
  });
  if (process.env.SCREENSHOT) {
    await page.screenshot({ path: process.env.SCREENSHOT.replace(/\.png$/, '-console.png'), fullPage: true });
  }
  await page.close();
}
