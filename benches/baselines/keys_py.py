"""Pure-Python baseline of key verification, side by side with the keyledger binding.

The same verification as the Rust core: Crockford decode (lenient), the GF(32) typo check, the
public header spread, HMAC-SHA256 (stdlib ``hmac``) truncated to 36 bits, constant-time compare.
Checks that it agrees with the binding on every key, then times both on the same keys.

    .venv/bin/python benches/baselines/keys_py.py [N]
"""

import hashlib
import hmac
import sys
import time

import keyledger as kl

SECRET = b"benchmark issuer secret 32 bytes"
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
DECODE = {c: i for i, c in enumerate(ALPHABET)}
DECODE.update({c.lower(): i for c, i in list(DECODE.items())})
DECODE.update({"O": 0, "o": 0, "I": 1, "i": 1, "L": 1, "l": 1})
MASK36 = (1 << 36) - 1

# GF(32) with x^5 + x^2 + 1.
EXP, LOG = [0] * 62, [0] * 32
x = 1
for i in range(31):
    EXP[i] = EXP[i + 31] = x
    LOG[x] = i
    x <<= 1
    if x & 32:
        x ^= 0b100101
WEIGHTS = [EXP[i + 1] for i in range(15)] + [1]
MUL = [[0 if s == 0 else EXP[LOG[w] + LOG[s]] for s in range(32)] for w in WEIGHTS]


def spread(tag: int) -> int:
    z = (tag + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return (z ^ (z >> 31)) & MASK36


def verify(text: str, keyed) -> bool:
    symbols = []
    for ch in text:
        if ch in "- ":
            continue
        v = DECODE.get(ch)
        if v is None:
            return False
        symbols.append(v)
    if len(symbols) != 16:
        return False
    check = 0
    for row, s in zip(MUL, symbols):
        check ^= row[s]
    if check:
        return False
    bits = 0
    for s in symbols[:15]:
        bits = (bits << 5) | s
    tag = bits & MASK36
    header = (bits >> 36) ^ spread(tag)
    if header >> 36 != 1:  # version
        return False
    m = keyed.copy()
    m.update(header.to_bytes(5, "big"))
    expected = int.from_bytes(m.digest()[:8], "big") >> 28
    return hmac.compare_digest(expected.to_bytes(5, "big"), tag.to_bytes(5, "big"))


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    issuer = kl.Issuer(SECRET)
    issuer.max_per_request = n
    keys = [str(k) for k in issuer.generate_batch(kl.SHADOWPROTECT_MSP, 1, n)]
    keyed = hmac.new(SECRET, digestmod=hashlib.sha256)
    forged = [str(k) for k in kl.Issuer(b"another secret of 32 bytes......").generate_batch(1, 1, 10)]
    assert all(verify(k, keyed) for k in keys), "baseline disagrees with keyledger on genuine keys"
    assert not any(verify(k, keyed) for k in forged), "baseline accepts forged keys"

    def best(f):  # best of 3 (the machine is shared), ns per key
        times = []
        for _ in range(3):
            t = time.perf_counter()
            out = f()
            times.append(time.perf_counter() - t)
        return min(times) / n * 1e9, out

    py, ok = best(lambda: sum(verify(k, keyed) for k in keys))
    assert ok == n
    rs, codes = best(lambda: issuer.verify_many(keys))
    assert codes.count("ok") == n
    rs_full, checks = best(lambda: issuer.check_many(keys))
    assert all(c.usable for c in checks)
    print(f"pure Python (stdlib hmac):      {py:8.0f} ns/key")
    print(f"keyledger Issuer.verify_many:   {rs:8.0f} ns/key   ({py / rs:.1f}x the baseline)")
    print(f"keyledger Issuer.check_many:    {rs_full:8.0f} ns/key   ({py / rs_full:.1f}x; full KeyCheck objects)")


if __name__ == "__main__":
    main()
