// Checks built modules: no import from `env` (a stray libc/clock dependency), prints the size raw
// and gzipped, and fails when a module is over its gzipped budget.
// Usage: node inspect.mjs file.wasm[=budgetKiB[:goalKB]]... The budget (KiB, 1024 bytes) is a
// regression limit that fails the run; the goal is the issue's, in KB as it states them (1000 bytes,
// the stricter reading), and is reported as met or not (see benches/README.md).
import fs from 'node:fs';
import zlib from 'node:zlib';

let failed = false;
for (const arg of process.argv.slice(2)) {
  const [file, limits] = arg.split('=');
  const [budget, goal] = (limits ?? '').split(':').map((x) => (x === '' || x === undefined ? undefined : x));
  const bytes = fs.readFileSync(file);
  const module = new WebAssembly.Module(bytes);
  const imports = WebAssembly.Module.imports(module);
  const fromEnv = imports.filter((i) => i.module === 'env');
  const gz = zlib.gzipSync(bytes, { level: 9 }).length;
  const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
  const goalText = goal ? `, goal ${goal} KB = ${goal * 1000} bytes: ${gz <= goal * 1000 ? 'met' : 'NOT met'}` : '';
  const limit = budget === undefined ? '' : ` (budget ${budget} KiB${goalText})`;
  console.log(`${file}: ${bytes.length} bytes (${kb(bytes.length)}), gzip -9 ${gz} bytes (${kb(gz)})${limit}; ${imports.length} imports`);
  if (fromEnv.length > 0) {
    failed = true;
    console.error(`${file} imports from env: ${fromEnv.map((i) => i.name).join(', ')}`);
  }
  if (budget !== undefined && gz > Number(budget) * 1024) {
    failed = true;
    console.error(`${file} is over its budget: ${kb(gz)} gzipped > ${budget} KiB`);
  }
}
if (failed) process.exit(1);
