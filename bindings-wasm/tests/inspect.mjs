// Checks built modules: no import from `env` (a stray libc/clock dependency), and prints the size
// raw and gzipped. Usage: node inspect.mjs file.wasm...
import fs from 'node:fs';
import zlib from 'node:zlib';

let failed = false;
for (const file of process.argv.slice(2)) {
  const bytes = fs.readFileSync(file);
  const module = new WebAssembly.Module(bytes);
  const imports = WebAssembly.Module.imports(module);
  const fromEnv = imports.filter((i) => i.module === 'env');
  const gz = zlib.gzipSync(bytes, { level: 9 }).length;
  const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
  console.log(`${file}: ${bytes.length} bytes (${kb(bytes.length)}), gzip -9 ${gz} bytes (${kb(gz)}); ${imports.length} imports`);
  if (fromEnv.length > 0) {
    failed = true;
    console.error(`${file} imports from env: ${fromEnv.map((i) => i.name).join(', ')}`);
  }
}
if (failed) process.exit(1);
