// Node ESM consumer: `import 'keyledger'` resolves to the `node` condition (wasm read from disk).
import { run } from './story.js';
for (const line of run()) console.log(line);
console.log('node story: passed');
