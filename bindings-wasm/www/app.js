// Live product-key check, driven only by the keyledger WebAssembly module.
import { checkKey, parseKey, Issuer } from 'keyledger/keys';

const SYMBOLS = 16;
const input = document.getElementById('key');
const status = document.getElementById('status');
const mirror = document.getElementById('mirror');
const facts = document.getElementById('facts');
const sampleButton = document.getElementById('sample');

/** The thrown error of parseKey(text), for the facts checkKey does not carry (e.g. `found`). */
function parseError(text) {
  try {
    parseKey(text);
    return null;
  } catch (e) {
    return e;
  }
}

/** What to tell the user about `text`: {tone, message, check}. */
function describe(text) {
  const check = checkKey(text);
  switch (check.code) {
    case 'ok':
      return { tone: 'ok', message: `Looks valid: ${check.product}, serial ${check.serial}`, check };
    case 'key.typo':
      return { tone: 'bad', message: 'Typo: a symbol is mistyped or two are swapped', check };
    case 'key.unknown_product': {
      const { product } = parseKey(text);
      return { tone: 'bad', message: `Not a key for a product we know (product ${product})`, check };
    }
    case 'key.unsupported_version':
      return { tone: 'bad', message: 'This key is of a format this page does not read', check };
    case 'key.malformed': {
      if (check.position !== null) {
        return { tone: 'bad', message: `Position ${check.position}: '${check.character}' is not a valid symbol`, check };
      }
      const err = parseError(text);
      const found = err && typeof err.found === 'number' ? err.found : 0;
      if (found === 0) return { tone: 'idle', message: `Type the ${SYMBOLS} symbols of your key`, check };
      if (found < SYMBOLS) return { tone: 'idle', message: `${found} of ${SYMBOLS} symbols`, check };
      return { tone: 'bad', message: `Too many symbols: ${found}, a key has ${SYMBOLS}`, check };
    }
    default:
      return { tone: 'bad', message: check.detail, check };
  }
}

/** Shows the typed text with the offending character marked. */
function renderMirror(text, position) {
  mirror.replaceChildren();
  if (position === null) return;
  const chars = [...text];
  chars.forEach((ch, i) => {
    const span = document.createElement('span');
    span.textContent = ch === ' ' ? '\u00a0' : ch;
    if (i + 1 === position) span.className = 'culprit';
    mirror.append(span);
  });
}

function update() {
  const text = input.value;
  const { tone, message, check } = describe(text);
  status.textContent = message;
  status.className = `status ${tone}`;
  input.classList.toggle('bad', tone === 'bad');
  input.classList.toggle('ok', tone === 'ok');
  renderMirror(text, check.position);
  facts.hidden = !check.usable;
  if (check.usable) {
    document.getElementById('fact-product').textContent = check.product;
    document.getElementById('fact-serial').textContent = String(check.serial);
    document.getElementById('fact-key').textContent = check.key;
  }
}

// A demo issuer with a public secret: only for the sample button. Real keys come from the vendor.
const demo = new Issuer(new TextEncoder().encode('keyledger public demo secret, not for real keys'));
let nextSample = 1;
sampleButton.addEventListener('click', () => {
  const product = nextSample % 2 === 1 ? 1 : 2;
  input.value = demo.generate(product, nextSample * 7);
  nextSample += 1;
  update();
  input.focus();
});

input.addEventListener('input', update);
input.disabled = false;
sampleButton.disabled = false;
status.textContent = `Type the ${SYMBOLS} symbols of your key`;
document.body.dataset.ready = 'true';
input.focus();
