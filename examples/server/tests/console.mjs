// Browser test of the demo console in API mode, served by a running keyledger-server, in headless
// Chromium through playwright-core (the package bindings-wasm's browser test uses, resolved from
// bindings-wasm/node_modules). Logs in with an MSP's console token (the page's prompt), makes keys
// and lists them, activates one, calls home and deactivates it from the status table, and reads the
// month's Billing Detail and trends as the API answers them; fails on any console error, page exception, failed request or HTTP error
// answer. Prints "N passed, N failed"; exits non-zero on failure.
//   node examples/server/tests/console.mjs http://127.0.0.1:PORT TOKEN
// Env: CHROMIUM (default /usr/bin/chromium), SCREENSHOT=path.png to save a screenshot.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.resolve(here, '../../../bindings-wasm/package.json'));
const { chromium } = require('playwright-core');

const [base, token] = process.argv.slice(2);
if (!base || !token) {
  console.error('usage: node console.mjs http://127.0.0.1:PORT CONSOLE_TOKEN');
  process.exit(2);
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
function assert(cond, what) {
  if (!cond) throw new Error(what);
}

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'keyledger-server-chromium-'));
const problems = [];
const apiCalls = [];
let context;
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
    viewport: { width: 1100, height: 900 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page exception: ${err.message}`));
  page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`));
  page.on('response', (res) => {
    const url = new URL(res.url());
    if (url.pathname.startsWith('/v1/')) apiCalls.push(`${res.request().method()} ${url.pathname} ${res.status()}`);
    if (res.status() >= 400 && !url.pathname.endsWith('favicon.ico')) {
      problems.push(`HTTP ${res.status()} for ${res.request().method()} ${url.pathname}${url.search}`);
    }
  });
  // Logging in: the page asks for the MSP's console token.
  let prompted = false;
  page.on('dialog', async (d) => {
    prompted = d.type() === 'prompt';
    await d.accept(token);
  });
  // The status table is redrawn after each action's message: wait for the row to show `state`.
  const waitState = (k, state) => page.waitForFunction(
    ([k, state]) => document.querySelector(`#status-table tbody tr[data-key="${k}"] .state`)?.textContent === state,
    [k, state], { timeout: 10000 },
  );
  const month = new Date().toISOString().slice(0, 7); // the server's clock is the system's (UTC)

  await check('logs in with the console token and is ready', async () => {
    await page.goto(`${base}/console/`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 20000 });
    assert(prompted, 'the page did not ask for a token');
    const msg = await page.textContent('#message');
    assert(/Ready \(API mode\)/.test(msg), `message: ${msg}`);
    const small = await page.textContent('h1 small');
    assert(/reference server/.test(small), `heading: ${small}`);
  });

  await check('makes three keys and lists them in the status table', async () => {
    await page.fill('#make-quantity', '3');
    await page.click('#make');
    await page.waitForFunction(() => /^Made 3 key/.test(document.getElementById('message').textContent));
    const msg = await page.textContent('#message');
    const made = msg.replace(/^Made 3 key\(s\): /, '').split(', ');
    assert(made.length === 3, `keys in the message: ${msg}`);
    await page.waitForFunction((n) => document.querySelectorAll('#status-table tbody tr').length === n, 3);
    const listed = await page.$$eval('#status-table tbody tr', (rows) => rows.map((r) => r.dataset.key));
    for (const k of made) assert(listed.includes(k), `${k} not listed: ${listed}`);
    const states = await page.$$eval('#status-table tbody .state', (b) => b.map((x) => x.textContent));
    assert(states.every((s) => s === 'Unactivated'), `states: ${states}`);
  });

  let key;
  await check('activates a key, calls home from its row, sees it Active', async () => {
    key = await page.$eval('#act-key', (s) => s.value);
    assert(key, 'no key to activate');
    await page.fill('#act-machine', 'browser-pc');
    await page.fill('#act-customer', 'Browser Customer');
    await page.click('#activate');
    await page.waitForFunction((k) => document.getElementById('message').textContent === `${k} activated on browser-pc.`, key);
    await waitState(key, 'Active');
    const row = page.locator(`#status-table tbody tr[data-key="${key}"]`);
    await row.getByRole('button', { name: 'Call home' }).click();
    await page.waitForFunction((k) => document.getElementById('message').textContent.startsWith(`${k} on browser-pc called home: run`), key);
  });

  await check('deactivates it from the status table: Pending deactivation', async () => {
    const row = page.locator(`#status-table tbody tr[data-key="${key}"]`);
    await row.getByRole('button', { name: 'Deactivate' }).click();
    await page.waitForFunction((k) => document.getElementById('message').textContent.startsWith(`Deactivation of ${k} on browser-pc requested`), key);
    await waitState(key, 'Pending deactivation');
    await page.waitForFunction(() => /Pending deactivation: 1/.test(document.getElementById('counts').textContent));
    assert(/Pending deactivation: 1/.test(await page.textContent('#counts')), 'counts miss the pending one');
  });

  await check(`the page draws the Billing Detail and trends of ${month} as the API answers them`, async () => {
    await page.fill('#bill-month', month);
    await page.click('#bill');
    await page.waitForFunction((m) => document.getElementById('message').textContent === `Billing Detail of ${m} (server clock).`, month);
    await page.waitForFunction((m) => document.getElementById('trend-month').textContent === m, month);
    // The same report, asked by the test itself: the page adds nothing and drops nothing.
    const auth = { authorization: `Bearer ${token}` };
    const report = await (await fetch(`${base}/v1/reports/billing?month=${month}`, { headers: auth })).json();
    const keyRow = report.tables.flatMap((t) => t.rows).find((r) => r.key === key);
    assert(keyRow && keyRow.machine === 'browser-pc' && keyRow.billable_days >= 1, `the report's row of ${key}: ${JSON.stringify(keyRow)}`);
    const lines = await page.$$eval('#bill-table tbody tr', (rows) => rows.length);
    assert(lines === report.lines.length, `${lines} lines drawn, the report has ${report.lines.length}`);
    const total = await page.textContent('#bill-total');
    assert(total === `${report.total} ${report.currency}`, `total drawn ${total}, the report's ${report.total} ${report.currency}`);
    const trends = await (await fetch(`${base}/v1/reports/trends?month=${month}`, { headers: auth })).json();
    const drawn = await page.textContent('#trends');
    assert(trends.months.length === 12 && drawn.includes(`${month}: `), `trends drawn: ${drawn}`);
  });

  await check('in-browser-only controls are hidden in API mode', async () => {
    for (const sel of ['.clock', '#bill-rule', '#job-form']) {
      assert(!(await page.isVisible(sel)), `${sel} is visible`);
    }
    assert(/API mode/.test(await page.textContent('footer')), 'footer still describes the in-browser mode');
  });

  await check('every API call answered 2xx, no console error, no failed request', async () => {
    assert(apiCalls.length >= 10, `only ${apiCalls.length} API calls seen`);
    if (problems.length) throw new Error(problems.join('\n'));
  });
  if (process.env.SCREENSHOT) await page.screenshot({ path: process.env.SCREENSHOT, fullPage: true });
} catch (e) {
  results.push(['browser run', e]);
  console.log(`FAIL browser run\n     ${e && e.stack ? e.stack : e}`);
} finally {
  if (context) await context.close();
  fs.rmSync(profile, { recursive: true, force: true });
}

const failed = results.filter(([, e]) => e).length;
console.log(`console browser test: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
