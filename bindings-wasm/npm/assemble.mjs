// Assembles the npm package `keyledger` from two wasm-bindgen `--target web` outputs: the whole
// library (`full`) and the key-only build (`keys`). See bindings-wasm/README.md, "The package".
//
//   node npm/assemble.mjs <full dir> <keys dir> <out dir> <version> <types.d.ts>
// (<types.d.ts>: the declarations of every document, derived by ts-rs from the Rust types, tests/ts_export.rs)
//
// Each build gets two entry modules that instantiate the wasm when they are imported (no init call):
//   *.node.js     the `node` export condition: reads the .wasm beside it with fs.readFileSync and
//                 instantiates it synchronously (initSync);
//   *.browser.js  every other condition (Vite, webpack 5, esbuild, a plain <script type="module">):
//                 the wasm is inlined as base64 of its raw-deflate bytes, inflated with the standard
//                 DecompressionStream and instantiated under a top-level await. No asset URL, so no
//                 bundler has to follow one (esbuild does not) and no file is copied by hand.
// The declarations are wasm-bindgen's, without the init functions (whose types need the DOM lib)
// and without `[Symbol.dispose]` (which needs the esnext.disposable lib); `keys.d.ts` re-exports the
// key functions and every type from `index.d.ts`, so both entries share one set of types.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const [fullDir, keysDir, out, version, generatedTypes] = process.argv.slice(2);
if (!generatedTypes) {
  console.error('usage: node assemble.mjs <full dir> <keys dir> <out dir> <version> <types.d.ts>');
  process.exit(2);
}
const here = path.dirname(new URL(import.meta.url).pathname);
const root = path.resolve(here, '..', '..');
const GLUE = 'keyledger_wasm.js';
const WASM = 'keyledger_wasm_bg.wasm';
const DTS = 'keyledger_wasm.d.ts';

fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });

/** The names a wasm-bindgen glue module exports, without its init functions. */
function exportsOf(glue) {
  const names = new Set();
  for (const m of glue.matchAll(/^export (?:class|function|const|let|var) (\w+)/gm)) names.add(m[1]);
  for (const m of glue.matchAll(/^export \{([^}]*)\}/gm)) {
    for (const part of m[1].split(',')) {
      const name = part.trim().split(/\s+as\s+/).pop();
      if (name) names.add(name);
    }
  }
  for (const init of ['initSync', 'default', '__wbg_init']) names.delete(init);
  return [...names].sort();
}

/** The type-only names of a declaration file. */
function typesOf(dts) {
  return [...dts.matchAll(/^export (?:interface|type) (\w+)/gm)].map((m) => m[1]).sort();
}

/** wasm-bindgen's declarations without the init section and `[Symbol.dispose]`. */
function trimDeclarations(dts) {
  const init = dts.indexOf('export type InitInput');
  let body = init >= 0 ? dts.slice(0, init) : dts;
  body = body.replace(/^\s*\[Symbol\.dispose\]\(\): void;\n/gm, '');
  // KeyCheck.toJSON() is added by the entries (see below).
  if (!body.includes('export class KeyCheck {')) throw new Error('no KeyCheck class in the declarations');
  body = body.replace('export class KeyCheck {', 'export class KeyCheck {\n  /** The plain object of the eight getters (`JSON.stringify` uses it). */\n  toJSON(): KeyCheckObject;');
  if (/InitInput|InitOutput|SyncInitInput|RequestInfo|BufferSource|Symbol\.dispose/.test(body)) {
    throw new Error('declarations still mention the init section or Symbol.dispose');
  }
  return body;
}

function build(name, dir) {
  const target = path.join(out, name);
  fs.mkdirSync(target);
  let glue = fs.readFileSync(path.join(dir, GLUE), 'utf8');
  // The glue's default asset URL, used only when init() is called without bytes (never here):
  // removed, so that no bundler emits the .wasm as an extra asset nobody requests.
  const url = /new URL\(['"]keyledger_wasm_bg\.wasm['"],\s*import\.meta\.url\)/g;
  if (!url.test(glue)) throw new Error(`${name}: the glue's default wasm URL was not found`);
  glue = glue.replace(url, 'undefined');
  fs.writeFileSync(path.join(target, GLUE), glue);
  const wasm = fs.readFileSync(path.join(dir, WASM));
  fs.writeFileSync(path.join(target, WASM), wasm);
  const deflated = zlib.deflateRawSync(wasm, { level: 9 });
  fs.writeFileSync(
    path.join(target, 'wasm-inline.js'),
    `// ${WASM}, raw-deflated (${deflated.length} bytes of ${wasm.length}), base64.\nexport default ${JSON.stringify(deflated.toString('base64'))};\n`,
  );
  return { glue, exports: exportsOf(glue), dts: fs.readFileSync(path.join(dir, DTS), 'utf8') };
}

const full = build('full', fullDir);
const keys = build('keys', keysDir);
const missing = keys.exports.filter((n) => !full.exports.includes(n));
if (missing.length) throw new Error(`the key-only build exports what the whole one does not: ${missing}`);

function nodeEntry(name, names) {
  return `// The \`node\` condition: the wasm is read from disk synchronously and instantiated on import.
import { readFileSync } from 'node:fs';
import { initSync, KeyCheck } from './${name}/${GLUE}';
initSync({ module: readFileSync(new URL('./${name}/${WASM}', import.meta.url)) });
// KeyCheck.toJSON(): the plain object of its getters (JSON.stringify uses it).
KeyCheck.prototype.toJSON = function toJSON() {
  const { usable, code, detail, key, product, serial, position, character } = this;
  return { usable, code, detail, key, product, serial, position, character };
};
export { ${names.join(', ')} } from './${name}/${GLUE}';
export { isKeyledgerError } from './errors.js';
`;
}

function browserEntry(name, names) {
  return `// Browsers and bundlers: the wasm is inlined (raw deflate, base64), inflated with the standard
// DecompressionStream and instantiated under a top-level await: nothing to fetch, nothing to copy.
import init, { KeyCheck } from './${name}/${GLUE}';
import inlined from './${name}/wasm-inline.js';
const deflated = Uint8Array.from(atob(inlined), (c) => c.charCodeAt(0));
const bytes = await new Response(new Blob([deflated]).stream().pipeThrough(new DecompressionStream('deflate-raw'))).arrayBuffer();
await init({ module_or_path: bytes });
// KeyCheck.toJSON(): the plain object of its getters (JSON.stringify uses it).
KeyCheck.prototype.toJSON = function toJSON() {
  const { usable, code, detail, key, product, serial, position, character } = this;
  return { usable, code, detail, key, product, serial, position, character };
};
export { ${names.join(', ')} } from './${name}/${GLUE}';
export { isKeyledgerError } from './errors.js';
`;
}

fs.writeFileSync(path.join(out, 'index.node.js'), nodeEntry('full', full.exports));
fs.writeFileSync(path.join(out, 'index.browser.js'), browserEntry('full', full.exports));
fs.writeFileSync(path.join(out, 'keys.node.js'), nodeEntry('keys', keys.exports));
fs.writeFileSync(path.join(out, 'keys.browser.js'), browserEntry('keys', keys.exports));

// Declarations: the whole library's, and the key entry re-exporting from them.
const extra = fs.readFileSync(path.join(here, 'errors.d.ts'), 'utf8');
const derived = fs.readFileSync(generatedTypes, 'utf8');
for (const name of ['LicenceState', 'LedgerCommand', 'LedgerEvent', 'KeyStatus', 'BillingDetail', 'QuotaCommand', 'Catalog', 'KeyCheckObject', 'CheckCode', 'ErrorCode']) {
  if (!derived.includes(`export type ${name} =`)) throw new Error(`${generatedTypes} has no ${name}`);
}
fs.writeFileSync(path.join(out, 'errors.js'), `/** Whether a caught value is a keyledger error (an \`Error\` named "KeyledgerError" with a code). */
export function isKeyledgerError(value) {
  return value instanceof Error && value.name === 'KeyledgerError' && typeof value.code === 'string';
}
`);
const dts = trimDeclarations(full.dts);
fs.writeFileSync(path.join(out, 'index.d.ts'), `${dts}\n${derived}\n${extra}`);
const types = typesOf(`${dts}\n${derived}\n${extra}`);
fs.writeFileSync(
  path.join(out, 'keys.d.ts'),
  `// keyledger/keys: the key functions of the whole library, with the same types.\n` +
    `export { ${keys.exports.join(', ')}, isKeyledgerError } from './index.js';\n` +
    `export type { ${types.join(', ')} } from './index.js';\n`,
);

const cargoVersion = version;
const pkg = {
  name: 'keyledger',
  version: cargoVersion,
  description:
    'Licensing and subscription bookkeeping (product keys, licence life cycle, billing, quota) in WebAssembly, for node, bundlers and browsers.',
  license: 'MIT OR Apache-2.0',
  keywords: ['licensing', 'product-key', 'billing', 'subscription', 'wasm'],
  type: 'module',
  main: './index.node.js',
  types: './index.d.ts',
  exports: {
    '.': { types: './index.d.ts', node: './index.node.js', default: './index.browser.js' },
    './keys': { types: './keys.d.ts', node: './keys.node.js', default: './keys.browser.js' },
    './package.json': './package.json',
  },
  typesVersions: { '*': { keys: ['./keys.d.ts'] } },
  files: [
    'index.node.js', 'index.browser.js', 'index.d.ts', 'errors.js', 'keys.node.js', 'keys.browser.js', 'keys.d.ts',
    'full/', 'keys/', 'README.md', 'LICENSE-MIT', 'LICENSE-APACHE',
  ],
  sideEffects: ['./index.node.js', './index.browser.js', './keys.node.js', './keys.browser.js'],
  engines: { node: '>=20' },
};
fs.writeFileSync(path.join(out, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
fs.copyFileSync(path.join(here, 'README.md'), path.join(out, 'README.md'));
for (const licence of ['LICENSE-MIT', 'LICENSE-APACHE']) {
  fs.copyFileSync(path.join(root, licence), path.join(out, licence)); // the repository's own texts
}
console.log(`assembled ${out}: keyledger ${cargoVersion}; ${full.exports.length} exports (keys: ${keys.exports.length}), ${types.length} types`);
