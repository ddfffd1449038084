"""Per-call overhead of the Python binding: a no-op native call, a native parse, and the typed
`keyledger.check_key` (JSON result -> KeyCheck dataclass).

    .venv/bin/python benches/baselines/python_overhead.py
"""
import timeit

import keyledger as kl
from keyledger import _keyledger as native

issuer = kl.Issuer(b"benchmark issuer secret 32 bytes")
key = str(issuer.generate(kl.SHADOWPROTECT_MSP, 5))
N = 200_000


def per_call(f, n=N):
    return min(timeit.repeat(f, number=n, repeat=3)) / n * 1e9


print(f"native no-op method (Issuer.active_secret): {per_call(issuer._native.active_secret):6.0f} ns")
print(f"native parse_key (JSON out):                {per_call(lambda: native.parse_key(key)):6.0f} ns")
print(f"keyledger.check_key (typed KeyCheck):       {per_call(lambda: kl.check_key(key), N // 4):6.0f} ns")
