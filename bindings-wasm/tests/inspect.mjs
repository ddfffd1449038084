// Checks built modules: no import from `env` (a stray libc/clock dependency), prints the size raw
// and gzipped, and fails when a module is over its gzipped budget.
// Usage: node inspect.mjs file.wasm[=budgetKiB[:goalKiB]]... (the budget fails the run; a goal
// that is not met yet is reported, see benches/README.md).
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
  const limit = budget === undefined ? '' : ` (budget ${budget} KiB${goal ? `, goal ${goal} KiB: ${gz <= goal * 1024 ? 'met' : 'NOT met yet'}` : ''})`;
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
