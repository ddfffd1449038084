// The demo MSP console in API mode: the same page as bindings-wasm/www/console.html, served by the
// reference server, which puts this script in place of the in-browser one. Every action is an HTTP
// call to the server's API; the server's clock is the time (no "Today" control). No domain logic
// here: the page only calls the API and draws what it returns.
const params = new URLSearchParams(location.search);
let token = params.get('token') ?? sessionStorage.getItem('keyledger-token') ?? '';
if (!token) token = window.prompt('Console token of your MSP (keyledger-server --create-msp NAME prints one)') ?? '';
sessionStorage.setItem('keyledger-token', token);
const machineTokens = new Map(); // "key machine" -> machine token returned by /v1/activate

const $ = (id) => document.getElementById(id);
const STATE_LABEL = {
  unactivated: 'Unactivated', active: 'Active', late: 'Late', disabled: 'Disabled',
  pending_deactivation: 'Pending deactivation', deactivated: 'Deactivated',
};
const day = (iso) => (iso ? iso.slice(0, 10) : '');

async function api(method, path, body, auth = token) {
  const headers = { authorization: `Bearer ${auth}`, 'idempotency-key': crypto.randomUUID() };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  const type = r.headers.get('content-type') ?? '';
  const value = type.startsWith('application/json') ? JSON.parse(text) : text;
  if (!r.ok) {
    const e = new Error(value?.error?.message ?? `HTTP ${r.status}`);
    e.code = value?.error?.code ?? `http.${r.status}`;
    throw e;
  }
  return value;
}

function say(text, error = false) {
  $('message').textContent = text;
  $('message').className = error ? 'message error' : 'message';
}

async function act(fn) {
  try {
    say((await fn()) ?? '');
  } catch (e) {
    if (e && e.code) say(`${e.code}: ${e.message}`, true);
    else throw e;
  }
  await render();
}

function option(value, text) {
  const o = document.createElement('option');
  o.value = String(value);
  o.textContent = text;
  return o;
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

let catalog = { products: [] };
let statuses = [];

async function renderStatuses() {
  statuses = await api('GET', '/v1/keys');
  const rows = [];
  const counts = {};
  for (const s of statuses) {
    const latest = new Map(s.runs.map((run) => [run.machine, run]));
    const runs = latest.size > 0 ? [...latest.values()] : [null];
    for (const run of runs) {
      const state = run ? run.state : s.state;
      counts[state] = (counts[state] ?? 0) + 1;
      const tr = document.createElement('tr');
      tr.dataset.key = s.key;
      const badge = document.createElement('span');
      badge.className = `state ${state}`;
      badge.textContent = STATE_LABEL[state] ?? state;
      const stateCell = document.createElement('td');
      stateCell.className = 'state-cell';
      stateCell.append(badge);
      const actions = document.createElement('td');
      if (run) {
        const machine = run.machine;
        const mt = machineTokens.get(`${s.key} ${machine}`);
        if (mt) actions.append(actionButton('Call home', () => callHome(s.key, machine, mt)));
        if (['active', 'late', 'disabled'].includes(state)) {
          actions.append(actionButton('Deactivate', async () => {
            await api('POST', `/v1/keys/${s.key}/deactivate`, { machine });
            return `Deactivation of ${s.key} on ${machine} requested: it takes effect at the next call-home.`;
          }));
        }
        if (['pending_deactivation', 'deactivated'].includes(state)) {
          actions.append(actionButton('Reactivate', async () => {
            await api('POST', `/v1/keys/${s.key}/reactivate`, { machine });
            return `${s.key} on ${machine} reactivated.`;
          }));
        }
      }
      tr.append(
        cell(s.key, 'key'), cell(s.product), cell(s.site ? `${s.account} / ${s.site}` : s.account),
        cell(run ? run.machine : ''), stateCell,
        cell(run ? `last call-home ${day(run.last_call_home)}` : 'not activated yet', 'detail'), actions,
      );
      rows.push(tr);
    }
  }
  $('status-table').tBodies[0].replaceChildren(...rows);
  $('counts').textContent = Object.entries(counts).map(([k, n]) => `${STATE_LABEL[k] ?? k}: ${n}`).join(' · ');
  const keep = $('act-key').value;
  $('act-key').replaceChildren(...statuses.map((s) => option(s.key, s.key)));
  if (keep) $('act-key').value = keep;
  fillEditions();
}

function fillEditions() {
  const s = statuses.find((x) => x.key === $('act-key').value);
  const product = s ? catalog.products.find((p) => p.name === s.product) : undefined;
  $('act-edition').replaceChildren(...(product?.editions ?? []).map((e) => option(e, e)));
}

async function callHome(key, machine, mt) {
  const out = await api('POST', '/v1/call-home', { key, machine }, mt);
  const d = out.decision ?? { action: 'run' };
  return `${key} on ${machine} called home: ${d.action}${d.terminates_at ? `, terminates on ${day(d.terminates_at)}` : ''}.`;
}

async function renderBilling() {
  const month = $('bill-month').value;
  if (!/^\d{4}-\d{2}$/.test(month)) return;
  const report = await api('GET', `/v1/reports/billing?month=${month}`);
  $('bill-table').tBodies[0].replaceChildren(...report.lines.map((l) => {
    const tr = document.createElement('tr');
    tr.append(cell(l.account), cell(l.product_name), cell(l.edition ?? ''), cell(String(l.licences), 'num'),
      cell(l.quantity, 'num'), cell(l.unit_price, 'num'), cell(`${l.amount} ${report.currency}`, 'num'));
    return tr;
  }));
  $('bill-total').textContent = `${report.total} ${report.currency}`;
  const link = $('csv');
  link.href = `/v1/reports/billing?month=${month}&format=csv`;
  link.hidden = true; // a plain link cannot send the token; the CSV is one API call away
  $('trend-month').textContent = month;
  const trends = await api('GET', `/v1/reports/trends?month=${month}`);
  $('trends').textContent = trends.months
    .map((m) => `${m.month}: ${m.points.map((p) => p.licences).join(' / ')}`).join(' · ');
}

async function render() {
  const org = await api('GET', '/v1/org');
  const keep = $('make-account').value;
  $('make-account').replaceChildren(...org.accounts.map((a) => option(a.id, a.name)));
  if (keep) $('make-account').value = keep;
  await renderStatuses();
  await renderBilling();
}

document.querySelector('h1 small').textContent = 'demo · talking to the keyledger reference server';
// Not in API mode: the clock (the server's is the time), the rule picker (the server bills with its
// rule), the job form (jobs go through POST /v1/keys/{key}/jobs; not drawn here). The stylesheet
// gives these elements a display, which the `hidden` attribute does not override: hide by style.
const hide = (el) => { if (el) el.style.display = 'none'; };
hide(document.querySelector('.clock'));
hide($('bill-rule').closest('label'));
hide($('job-form').closest('section') ?? $('job-form'));
document.querySelector('footer').textContent =
  'API mode: keys are made by the server with your MSP\'s issuer secret; every action is an API call.';
catalog = await api('GET', '/v1/catalog');
$('make-product').replaceChildren(...catalog.products.filter((p) => p.licensing === 'subscription').map((p) => option(p.id, p.name)));
$('make-form').addEventListener('submit', (e) => {
  e.preventDefault();
  act(async () => {
    const { keys } = await api('POST', '/v1/keys', {
      product: Number($('make-product').value), quantity: Number($('make-quantity').value), account: Number($('make-account').value),
    });
    return `Made ${keys.length} key(s): ${keys.join(', ')}`;
  });
});
$('account-form').addEventListener('submit', (e) => {
  e.preventDefault();
  act(async () => {
    const name = $('account-name').value;
    await api('POST', '/v1/accounts', { name });
    $('account-name').value = '';
    return `Account ${name} added.`;
  });
});
$('act-key').addEventListener('change', fillEditions);
$('activate-form').addEventListener('submit', (e) => {
  e.preventDefault();
  act(async () => {
    const key = $('act-key').value;
    const machine = $('act-machine').value;
    const out = await api('POST', '/v1/activate', {
      key, machine, msp_name: 'Demo MSP', customer_name: $('act-customer').value, edition: $('act-edition').value || null,
    });
    machineTokens.set(`${key} ${machine.trim()}`, out.machine_token);
    return `${key} activated on ${machine}.`;
  });
});
$('check-key').addEventListener('input', async () => {
  const text = $('check-key').value.trim();
  const status = $('check-status');
  if (!text) { status.textContent = 'Type the 16 symbols of a key'; status.className = 'status'; return; }
  try {
    const s = await api('GET', `/v1/keys/${encodeURIComponent(text)}`);
    status.textContent = `${s.product}: ${s.detail}`;
    status.className = 'status ok';
  } catch (e) {
    status.textContent = e.message;
    status.className = 'status bad';
    status.dataset.code = e.code;
  }
});
$('bill-form').addEventListener('submit', (e) => {
  e.preventDefault();
  act(() => `Billing Detail of ${$('bill-month').value} (server clock).`);
});

await act(() => 'Ready (API mode). Make keys, activate one, call home.');
document.body.dataset.ready = 'true';
