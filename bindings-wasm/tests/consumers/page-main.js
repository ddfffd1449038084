// The entry of the bundled pages: runs the story and writes the result into the page.
import { run } from './story.js';
try {
  const lines = run();
  document.body.textContent = lines.join('\n');
  document.body.dataset.result = 'passed';
} catch (e) {
  console.error(e);
  document.body.dataset.result = `failed: ${e && e.message}`;
}
