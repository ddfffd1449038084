// The demo MSP console: a ledger kept in the page, driven by the whole keyledger package
// (`import 'keyledger'`, named by the page's import map; the wasm instantiates on import). Time is the "Today" control (09:00 UTC of that day); every action is a ledger
// command executed at that instant. No domain logic here: the page only calls the library and
// draws what it returns.
import * as kl from 'keyledger';

// Demo only: a public secret compiled into the page (see the footer).
const issuer = new kl.Issuer(new TextEncoder().encode('keyledger demo console secret!!!'));
const ledger = new kl.Ledger();
const catalog = kl.catalog();
// Every product, legacy ones too (their static status and machine are set from the licence table).
const products = catalog.products;
const jobTypes = [...new Set(catalog.products.flatMap((p) => p.job_licences.map((j) => j.job_type)))];
const productName = new Map(catalog.products.map((p) => [p.id, p.name]));

// Demo prices (USD a month): one line per product, and per edition where editions differ.
const MONTHLY = { Server: '25.00', SBS: '15.00', Desktop: '6.00', IME: '12.50' };
function priceList(rule) {
  const prices = [];
  for (const p of catalog.products) {
    prices.push({ product: p.id, edition: null, monthly: '10.00' });
    for (const e of p.editions) prices.push({ product: p.id, edition: e, monthly: MONTHLY[e] ?? '10.00' });
  }
  return { currency: 'USD', rule, scale: 2, prices };
}
const RULES = { any_day: 'any_day', more_than_14: { more_than_days: 14 }, prorated: 'prorated' };

const $ = (id) => document.getElementById(id);
const STATE_LABEL = {
  unactivated: 'Unactivated', active: 'Active', late: 'Late', disabled: 'Disabled',
  pending_deactivation: 'Pending deactivation', deactivated: 'Deactivated',
};
const day = (iso) => (iso ? iso.slice(0, 10) : '');

function now() {
  return new Date(`${$('today').value}T09:00:00Z`);
}
function moveDays(days) {
  const t = new Date(now().getTime() + days * 86400e3);
  $('today').value = t.toISOString().slice(0, 10);
  render();
}

function say(text, error = false) {
  $('message').textContent = text;
  $('message').className = error ? 'message error' : 'message';
}

/** Runs an action; a thrown KeyledgerError becomes a message with its code (the state is unchanged). */
function act(fn) {
  try {
    say(fn() ?? '');
  } catch (e) {
    if (e && e.code) say(`${e.code}: ${e.message}`, true);
    else throw e;
  }
  render();
}

function option(value, text) {
  const o = document.createElement('option');
  o.value = String(value);
  o.textContent = text;
  return o;
}

function fillAccounts() {
  const select = $('make-account');
  const keep = select.value;
  select.replaceChildren(...ledger.org().accounts.map((a) => option(a.id, a.name)));
  if (keep) select.value = keep;
}

function fillKeys() {
  const select = $('act-key');
  const keep = select.value;
  select.replaceChildren(...ledger.keys().map((k) => option(k, k)));
  if (keep) select.value = keep;
  fillEditions();
}

function fillJobKeys() {
  const select = $('job-key');
  const keep = select.value;
  const withJobs = ledger.statuses(now()).filter((s) => s.jobs.length > 0).map((s) => s.key);
  select.replaceChildren(...withJobs.map((k) => option(k, k)));
  if (keep) select.value = keep;
}

function fillEditions() {
  const key = $('act-key').value;
  const product = key ? catalog.products.find((p) => p.id === kl.parseKey(key).product) : undefined;
  $('act-edition').replaceChildren(...(product?.editions ?? []).map((e) => option(e, e)));
}

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function actionButton(label, fn) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'secondary';
  b.textContent = label;
  b.addEventListener('click', () => act(fn));
  return b;
}

function detailOf(run) {
  switch (run.state) {
    case 'late':
    case 'disabled':
      return `last call-home ${day(run.last_call_home)}; terminates on ${day(run.terminates_at)}`;
    case 'pending_deactivation':
      return 'deactivates at its next call-home';
    case 'deactivated':
      return `deactivated on ${day(run.ended_at)}`;
    default:
      return `last call-home ${day(run.last_call_home)}`;
  }
}

/** An ImageManager key's job licences in use per type, after its detail. */
function jobsOf(s, detail) {
  if (s.jobs.length === 0) return detail;
  return `${detail}; jobs: ${s.jobs.map((j) => `${j.job_type} ${j.in_use}/${j.licences}`).join(' · ')}`;
}

function renderStatuses() {
  const t = now();
  const rows = [];
  for (const s of ledger.statuses(t)) {
    // One row per machine: its latest licence (a reactivation after a lapse starts a new one;
    // the earlier ones are in the key's history).
    const latest = new Map(s.runs.map((run) => [run.machine, run]));
    const runs = latest.size > 0 ? [...latest.values()] : [null];
    for (const run of runs) {
      const tr = document.createElement('tr');
      const state = run ? run.state : s.state;
      tr.dataset.key = s.key;
      tr.dataset.machine = run ? run.machine : '';
      const badge = document.createElement('span');
      badge.className = `state ${state}`;
      badge.textContent = STATE_LABEL[state] ?? state;
      const stateCell = document.createElement('td');
      stateCell.className = 'state-cell';
      stateCell.dataset.state = state;
      stateCell.append(badge);
      const actions = document.createElement('td');
      if (s.licence_type === 'Legacy') {
        actions.append(actionButton('Set active', () => {
          const machine = $('act-machine').value;
          ledger.execute({ type: 'set_legacy_status', key: s.key, active: true }, now());
          ledger.execute({ type: 'set_legacy_machine', key: s.key, machine }, now());
          return `Legacy key ${s.key} set active on ${machine}.`;
        }));
        actions.append(actionButton('Set deactivated', () => {
          ledger.execute({ type: 'set_legacy_status', key: s.key, active: false }, now());
          return `Legacy key ${s.key} set deactivated.`;
        }));
      }
      if (run) {
        const machine = run.machine;
        actions.append(actionButton('Call home', () => callHome(s.key, machine)));
        if (['active', 'late', 'disabled'].includes(state)) {
          actions.append(actionButton('Deactivate', () => {
            ledger.execute({ type: 'deactivate', key: s.key, machine }, now());
            return `Deactivation of ${s.key} on ${machine} requested: it takes effect at the next call-home.`;
          }));
        }
        if (['pending_deactivation', 'deactivated'].includes(state)) {
          actions.append(actionButton('Reactivate', () => {
            ledger.execute({ type: 'reactivate', key: s.key, machine }, now());
            return `${s.key} on ${machine} reactivated.`;
          }));
        }
      }
      tr.append(
        cell(s.key, 'key'),
        cell(s.product),
        cell(s.site ? `${s.account} / ${s.site}` : s.account),
        cell(run ? run.machine : ''),
        stateCell,
        cell(jobsOf(s, run ? detailOf(run) : s.detail), 'detail'),
        actions,
      );
      rows.push(tr);
    }
  }
  $('status-table').tBodies[0].replaceChildren(...rows);
  const counts = ledger.stateCounts(t);
  $('counts').textContent = Object.entries(counts).map(([k, n]) => `${STATE_LABEL[k] ?? k}: ${n}`).join(' · ');
}

function callHome(key, machine) {
  const out = ledger.execute({ type: 'call_home', key, machine }, now());
  const d = out.decision ?? { action: 'run' };
  const said = {
    run: 'run',
    run_with_warning: `run, warn: terminates on ${day(d.terminates_at)}`,
    functions_disabled: `functions disabled until a call-home; terminates on ${day(d.terminates_at)}`,
    deactivated: 'deactivated',
  }[d.action];
  return `${key} on ${machine} called home: ${said}.`;
}

let csvUrl = null;
function renderBilling() {
  const month = $('bill-month').value;
  if (!/^\d{4}-\d{2}$/.test(month)) return;
  const rule = RULES[$('bill-rule').value];
  const histories = ledger.licenceHistories(now());
  const { report, csv } = kl.billingDetail(histories, { month, prices: priceList(rule) });
  $('bill-table').tBodies[0].replaceChildren(
    ...report.lines.map((l) => {
      const tr = document.createElement('tr');
      tr.append(
        cell(l.account), cell(l.product_name), cell(l.edition ?? ''), cell(String(l.licences), 'num'),
        cell(l.quantity, 'num'), cell(l.unit_price, 'num'), cell(`${l.amount} ${report.currency}`, 'num'),
      );
      return tr;
    }),
  );
  $('bill-total').textContent = `${report.total} ${report.currency}`;
  if (csvUrl) URL.revokeObjectURL(csvUrl);
  csvUrl = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
  const link = $('csv');
  link.href = csvUrl;
  link.download = `billing-detail-${month}.csv`;
  link.hidden = false;
  const double = kl.doubleBilling(histories, { month, prices: priceList(rule) }).report;
  $('double-table').tBodies[0].replaceChildren(
    ...double.rows.map((r) => {
      const tr = document.createElement('tr');
      tr.append(
        cell(r.account), cell(r.machine), cell(r.legacy_key, 'key'), cell(r.msp_key, 'key'),
        cell(String(r.overlapping_days), 'num'), cell(r.explanation, 'detail'),
      );
      return tr;
    }),
  );
  $('double-none').hidden = double.rows.length > 0;
  renderTrends(histories, month, rule);
}

const SVG = 'http://www.w3.org/2000/svg';
const COLOURS = ['#2857c5', '#18794e', '#a23e00', '#7a3fc4'];
function svg(name, attrs, text) {
  const el = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

/** Grouped bars: one group per month, one bar per product, heights from the trends report. */
function renderTrends(histories, last, rule) {
  const { trends } = kl.trends(histories, { last, rule });
  $('trend-month').textContent = last;
  const ids = [...new Set(trends.months.flatMap((m) => m.points.map((p) => p.product)))].sort((a, b) => a - b);
  const top = Math.max(1, ...trends.months.flatMap((m) => m.points.map((p) => p.licences)));
  const [W, H, left, bottom, topPad] = [720, 240, 30, 40, 10];
  const groupW = (W - left) / trends.months.length;
  const barW = Math.max(4, (groupW - 8) / Math.max(1, ids.length));
  const y = (n) => H - bottom - (n / top) * (H - bottom - topPad);
  const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'Billable licences per month' });
  chart.append(svg('line', { x1: left, y1: y(0), x2: W, y2: y(0), stroke: '#c4cad6' }));
  chart.append(svg('text', { x: 0, y: y(top) + 4 }, String(top)), svg('text', { x: 0, y: y(0) + 4 }, '0'));
  trends.months.forEach((m, i) => {
    const g = svg('g', { class: 'month', 'data-month': m.month });
    const x0 = left + i * groupW + 4;
    ids.forEach((id, j) => {
      const n = m.points.find((p) => p.product === id)?.licences ?? 0;
      const rect = svg('rect', {
        x: x0 + j * barW, y: y(n), width: barW - 1, height: y(0) - y(n), fill: COLOURS[j % COLOURS.length],
        'data-product': id, 'data-licences': n,
      });
      rect.append(svg('title', {}, `${m.month} · ${productName.get(id)}: ${n}`));
      g.append(rect);
    });
    g.append(svg('text', { x: x0, y: H - bottom + 14 }, m.month.slice(2)));
    chart.append(g);
  });
  ids.forEach((id, j) => {
    const x = left + j * 190;
    chart.append(
      svg('rect', { x, y: H - 16, width: 10, height: 10, fill: COLOURS[j % COLOURS.length] }),
      svg('text', { x: x + 14, y: H - 7 }, productName.get(id)),
    );
  });
  $('trends').replaceChildren(chart);
}

function render() {
  fillAccounts();
  fillKeys();
  fillJobKeys();
  renderStatuses();
  try {
    renderBilling();
  } catch (e) {
    if (e && e.code) say(`${e.code}: ${e.message}`, true);
    else throw e;
  }
}

function checkTyped() {
  const text = $('check-key').value;
  const status = $('check-status');
  if (text.trim() === '') {
    status.textContent = 'Type the 16 symbols of a key';
    status.className = 'status';
    return;
  }
  // The full check: typo, genuineness with the issuer's secret, and what the ledger knows.
  const c = ledger.validate(issuer, text, now());
  status.textContent = c.usable ? `Valid: ${c.product}, serial ${c.serial}` : c.detail;
  status.className = c.usable ? 'status ok' : 'status bad';
  status.dataset.code = c.code;
}

$('make-product').replaceChildren(...products.map((p) => option(p.id, p.name)));
$('make-form').addEventListener('submit', (e) => {
  e.preventDefault();
  act(() => {
    const account = Number($('make-account').value);
    const quantity = Number($('make-quantity').value);
    const { keys } = ledger.generateKeys(issuer, Number($('make-product').value), quantity, { account }, now());
    $('act-key').value = keys[0];
    return `Made ${keys.length} key(s): ${keys.join(', ')}`;
  });
});
$('account-form').addEventListener('submit', (e) => {
  e.preventDefault();
  act(() => {
    const name = $('account-name').value;
    const { events } = ledger.execute({ type: 'create_account', name }, now());
    $('make-account').value = String(events[0].kind.account);
    $('account-name').value = '';
    return `Account ${name} added.`;
  });
});
$('act-key').addEventListener('change', fillEditions);
$('activate-form').addEventListener('submit', (e) => {
  e.preventDefault();
  act(() => {
    const key = $('act-key').value;
    const machine = $('act-machine').value;
    ledger.execute(
      { type: 'activate', key, machine, msp_name: 'Demo MSP', customer_name: $('act-customer').value, edition: $('act-edition').value || null },
      now(),
    );
    return `${key} activated on ${machine}.`;
  });
});
$('job-type').replaceChildren(...jobTypes.map((t) => option(t, t)));
function jobCommand(type) {
  return { type, key: $('job-key').value, job_type: $('job-type').value, job_name: $('job-name').value, machine: $('job-machine').value };
}
$('job-form').addEventListener('submit', (e) => {
  e.preventDefault();
  act(() => {
    const c = jobCommand('start_job');
    ledger.execute(c, now());
    return `${c.job_type} job ${c.job_name} started on ${c.key}.`;
  });
});
$('job-end').addEventListener('click', () => act(() => {
  const c = jobCommand('end_job');
  ledger.execute(c, now());
  return `${c.job_type} job ${c.job_name} ended on ${c.key}.`;
}));
$('check-key').addEventListener('input', checkTyped);
$('today').addEventListener('change', () => render());
$('plus1').addEventListener('click', () => moveDays(1));
$('plus7').addEventListener('click', () => moveDays(7));
$('plus30').addEventListener('click', () => moveDays(30));
const shown = () => `Billing Detail of ${$('bill-month').value} (bills made from the licence histories up to today).`;
$('bill-form').addEventListener('submit', (e) => {
  e.preventDefault();
  act(shown);
});
$('bill-rule').addEventListener('change', () => act(shown));

render();
say('Ready. Make keys, activate one, then move time forward.');
document.body.dataset.ready = 'true';
