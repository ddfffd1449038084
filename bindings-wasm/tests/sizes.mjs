// Sizes of the assembled package's browser entries, gzipped (-9, node's zlib): the module as the
// entry carries it (wasm-inline.js: the wasm raw-deflated, base64) beside the .wasm file alone, and
// the whole download of the entry (entry + wasm-bindgen glue + wasm-inline.js + errors.js, each
// gzipped, summed; unminified, as a plain page loads it; a bundler minifies the glue).
// Fails when the inlined key-only module is over 36 KiB or the whole one over 590 KiB (the
// regression budgets inspect.mjs holds the .wasm files to); reports the 400 KB stretch goal.
// Usage: node sizes.mjs <package dir>
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const dir = process.argv[2];
const gz = (file) => zlib.gzipSync(fs.readFileSync(path.join(dir, file)), { level: 9 }).length;
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
let failed = false;
for (const [entry, build, budget, goal] of [['keys.browser.js', 'keys', 36, null], ['index.browser.js', 'full', 590, 400]]) {
  const files = [entry, `${build}/keyledger_wasm.js`, `${build}/wasm-inline.js`, 'errors.js'];
  const total = files.reduce((n, f) => n + gz(f), 0);
  const inlined = gz(`${build}/wasm-inline.js`);
  const wasm = gz(`${build}/keyledger_wasm_bg.wasm`);
  const goalText = goal ? `; stretch goal ${goal} KB = ${goal * 1000} bytes: ${inlined <= goal * 1000 ? 'met' : 'NOT met'}` : '';
  console.log(`${entry}: module inlined ${inlined} bytes gzipped (${kib(inlined)}; the .wasm alone ${kib(wasm)}), budget ${budget} KiB${goalText}; the entry's whole download ${kib(total)} (${files.join(' + ')})`);
  if (inlined > budget * 1024) {
    failed = true;
    console.error(`${entry}: the inlined module is over its budget: ${kib(inlined)} > ${budget} KiB`);
  }
}
if (failed) process.exit(1);
