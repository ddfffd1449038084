// Real output of the package (the core's serde form, as the exports return it) checked against the
// generated declarations: runs stories through the node entry of dist/keyledger, writes every
// result as a TypeScript literal assigned to its declared type (build/samples/samples.ts), and
// test.sh compiles it with `tsc --strict`. Object literals get TypeScript's excess-property check,
// so a field the declarations lack, a missing field, or a field of another type fails the build:
// the declarations cannot drift from the serde shapes unnoticed.
//
//   node tests/ts/samples.mjs <package dir> <out dir>
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { story, prices, SECRET, SP_MSP, IMAGEMANAGER, T0, plusDays } from '../helpers.mjs';

const [pkgDir, outDir] = process.argv.slice(2);
if (!outDir) {
  console.error('usage: node samples.mjs <package dir> <out dir>');
  process.exit(2);
}
const kl = await import(pathToFileURL(path.resolve(pkgDir, 'index.node.js')).href);

/** A value as a TypeScript literal (bigints as `123n`; `undefined` fields left out). */
function literal(value, indent = '') {
  if (value === null) return 'null';
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value !== 'object') return JSON.stringify(value);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => inner + literal(v, inner)).join(',\n')}\n${indent}]`;
  }
  const fields = Object.entries(value).filter(([, v]) => v !== undefined);
  if (fields.length === 0) return '{}';
  return `{\n${fields.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${literal(v, inner)}`).join(',\n')}\n${indent}}`;
}

const samples = [];
/** Records `value` (plain data: a result of the package) as a sample of type `type`. */
function sample(type, value) {
  if (value === undefined) throw new Error(`no value for ${type}`);
  samples.push([type, value]);
  return value;
}

// Keys and the catalog.
const issuer = new kl.Issuer(SECRET);
const key = issuer.generate(SP_MSP, 12);
sample('KeyCheckObject', kl.checkKey(key).toJSON());
sample('KeyCheckObject', kl.checkKey('ABCD-EFGH-JKMN-PQRU').toJSON());
sample('ParsedKey', kl.parseKey(key));
sample('Catalog', kl.catalog());

// The ledger: the billing story, jobs, legacy keys, moves, names, certificates.
const { ledger, keys, im } = story(kl);
const [fresh] = ledger.generateKeys(issuer, SP_MSP, 1, { account: 0 }, T0).keys;
const activate = ledger.execute(
  { type: 'activate', key: fresh, machine: 'b2', msp_name: 'MSP', customer_name: 'C2', computer_role: 'server', edition: 'Desktop' },
  plusDays(T0, 26),
);
sample('Outcome', activate);
sample('Outcome', ledger.execute({ type: 'call_home', key: keys[0], machine: 'a' }, plusDays(T0, 31)));
const account = ledger.execute({ type: 'create_account', name: 'Acme', address: '1 Road', notes: null }, T0);
sample('Outcome', account);
sample('Outcome', ledger.execute({ type: 'create_site', account: 1, name: 'HQ' }, T0));
const [legacy] = ledger.generateKeys(issuer, 3, 1, { site: 0 }, T0).keys;
sample('Outcome', ledger.execute({ type: 'set_legacy_status', key: legacy, active: true }, T0));
sample('Outcome', ledger.execute({ type: 'set_legacy_machine', key: legacy, machine: 'b' }, T0));
sample('Outcome', ledger.execute({ type: 'move_key', key: keys[1], to: { account: 1 } }, plusDays(T0, 27)));
sample('Outcome', ledger.execute({ type: 'deactivate', key: keys[1] }, plusDays(T0, 28)));
sample('Generated', ledger.generateKeys(issuer, SP_MSP, 1, { account: 1 }, T0));
const now = plusDays(T0, 29);
for (const k of [keys[0], keys[1], im, legacy]) {
  sample('KeyStatus', ledger.status(k, now));
  sample('HistoryEntry[]', ledger.history(k, now));
}
sample('NameReport', ledger.nameConsistency());
sample('Org', ledger.org());
sample('LifecyclePolicy', ledger.policy());
sample('Catalog', ledger.catalog());
sample('KeyCheckObject', ledger.validate(issuer, keys[0], now).toJSON());
sample('LedgerEvent[]', kl.eventsFromJson(kl.eventsToJson([...activate.events, ...account.events])));
const histories = sample('LicenceHistory[]', ledger.licenceHistories(plusDays(T0, 60)));
const signer = new kl.CertificateIssuer(1, new Uint8Array(32).fill(9));
const text = ledger.issueCertificate(signer, keys[0], 'a', now, 7 * 86400, 2n ** 64n - 1n);
sample('CallHomeCertificate', kl.verifyCertificate([{ keyId: 1, key: signer.verifyingKey() }], text, 'a', plusDays(now, 1)));

// Billing.
const detail = sample('BillingDetailResult', kl.billingDetail(histories, { month: '2026-10', prices: prices() }));
sample('PriceList', kl.validatePrices(prices({ more_than_days: 14 })));
const cheaper = prices();
cheaper.prices[0].monthly = '20.00';
sample('Recomputed', kl.recompute(detail.report, histories, cheaper));
sample('DoubleBillingResult', kl.doubleBilling(histories, { month: '2026-10', prices: prices() }));
sample('ActivationReportResult', kl.activationReport(histories, { start: '2026-10-01', end: '2026-10-31' }));
sample('TrendsResult', kl.trends(histories, { last: '2026-11' }));
sample('Explanation', kl.explain(histories[0], { month: '2026-10', rule: 'prorated' }));
const columns = {
  licence: Uint32Array.from([0]),
  at: BigInt64Array.from([BigInt(Date.parse('2026-11-02T00:00:00Z') / 1000)]),
  activatedAt: BigInt64Array.from([BigInt(Date.parse('2026-10-01T00:00:00Z') / 1000)]),
  deactivatedAt: BigInt64Array.from([2n ** 63n - 1n]),
  lastContactBefore: BigInt64Array.from([-(2n ** 63n)]),
  group: Uint16Array.from([0]),
};
sample('BulkResult', kl.bulkBill(columns, { groups: 1, month: '2026-11' }));

// Quota.
const book = new kl.QuotaBook();
const limits = { desktop_licences: 2, server_licences: 1, desktop_gb: 100, server_gb: 50, sync_available: true, sync_default_quota_gb: 2 };
const quotaEvents = [];
const run = (command) => quotaEvents.push(...sample('QuotaEvent[]', book.execute(command, T0)));
run({ type: 'register_reseller', reseller: 'r1', name: 'R', email: 'r@x.test' });
run({ type: 'create_subscription', subscription: 's', company: 'ACME', admin_name: 'Ann', email: 'ann@acme.test', model: { kind: 'reseller', reseller: 'r1' }, limits });
run({ type: 'create_user', subscription: 's', login: 'a@x', display_name: 'A', group: null, licence: ['desktop', 60] });
run({ type: 'create_user', subscription: 's', login: 'b@x', display_name: 'B', group: null, licence: null });
run({ type: 'assign_licence', subscription: 's', login: 'b@x', kind: 'server', quota_gb: 10 });
run({ type: 'suspend_user', subscription: 's', login: 'b@x' });
sample('Rendered<AccountView>', book.accountView('s'));
sample('Rendered<ResellerView>', book.resellerView('r1'));
sample('RefreshReport', book.refreshReport('s'));

const types = [...new Set(samples.map(([t]) => t.replace(/[[\]<>]/g, ' ').split(' ').filter(Boolean)).flat())].sort();
let out = `// Generated by tests/ts/samples.mjs from the package's real output: each value must have its type.\n`;
out += `import type { ${types.join(', ')} } from 'keyledger';\n\n`;
samples.forEach(([type, value], i) => {
  out += `export const sample${i}: ${type} = ${literal(value)};\n`;
});
fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, 'samples.ts'), out);
// The package as a project's dependency (node_modules/keyledger), resolved through its `exports`.
fs.rmSync(path.join(outDir, 'node_modules'), { recursive: true, force: true });
fs.mkdirSync(path.join(outDir, 'node_modules'));
fs.symlinkSync(path.resolve(pkgDir), path.join(outDir, 'node_modules', 'keyledger'), 'dir');
fs.writeFileSync(
  path.join(outDir, 'tsconfig.json'),
  `${JSON.stringify({
    compilerOptions: {
      target: 'es2022', lib: ['es2022'], module: 'nodenext', moduleResolution: 'nodenext', strict: true,
      noEmit: true, skipLibCheck: false, types: [],
    },
    files: ['samples.ts'],
  }, null, 2)}\n`,
);
console.log(`${samples.length} samples of ${types.length} types written to ${outDir}/samples.ts`);
