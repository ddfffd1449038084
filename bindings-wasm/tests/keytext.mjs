// Text helpers shared by the node and browser tests: make typos in a key the way people do.

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** The key with the symbol at text index `i` replaced by a different symbol. */
function wrongSymbol(key, i) {
  if (key[i] === '-') throw new Error(`index ${i} is a dash`);
  const at = ALPHABET.indexOf(key[i]);
  const other = ALPHABET[(at + 7) % ALPHABET.length];
  return key.slice(0, i) + other + key.slice(i + 1);
}

/** The key with the first two adjacent, different symbols at or after text index `from` swapped. */
function swapAdjacent(key, from = 0) {
  for (let i = from; i + 1 < key.length; i++) {
    if (key[i] !== '-' && key[i + 1] !== '-' && key[i] !== key[i + 1]) {
      return key.slice(0, i) + key[i + 1] + key[i] + key.slice(i + 2);
    }
  }
  throw new Error(`no two different adjacent symbols in ${key}`);
}

export { ALPHABET, wrongSymbol, swapAdjacent };
