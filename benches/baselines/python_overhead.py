"""Per-call cost of the Python binding (best of 3 repeats each): a no-op native property, parse_key,
check_key, Issuer.check_many per key, and a ledger call_home (the whole command: aware datetime in,
key parse, execute, a CallHomeDecision with its event out).

    .venv/bin/python benches/baselines/python_overhead.py
"""
import timeit
from datetime import datetime, timedelta, timezone

import keyledger as kl

issuer = kl.Issuer(b"benchmark issuer secret 32 bytes")
issuer.max_per_request = 10_000
key = str(issuer.generate(kl.SHADOWPROTECT_MSP, 5))
keys = [str(k) for k in issuer.generate_batch(kl.SHADOWPROTECT_MSP, 1, 10_000)]
N = 200_000


def per_call(f, n=N):
    return min(timeit.repeat(f, number=n, repeat=3)) / n * 1e9


ledger = kl.Ledger()
(lk,) = ledger.generate_keys(issuer, kl.SHADOWPROTECT_MSP, 1, now=datetime(2026, 1, 1, tzinfo=timezone.utc))
T = [datetime(2026, 1, 1, tzinfo=timezone.utc)]
ledger.activate(lk, "m1", "MSP", "C", edition="Server", now=T[0])
text = str(lk)
step = timedelta(seconds=1)


def call_home():
    T[0] += step
    return ledger.call_home(text, "m1", now=T[0])


assert call_home().action is kl.CallHomeAction.RUN
assert all(c.usable for c in issuer.check_many(keys))
print(f"no-op native property (Issuer.active_secret): {per_call(lambda: issuer.active_secret):7.0f} ns")
print(f"parse_key (a ProductKey out):                 {per_call(lambda: kl.parse_key(key)):7.0f} ns")
print(f"check_key (a KeyCheck out):                   {per_call(lambda: kl.check_key(key)):7.0f} ns")
print(f"Issuer.check_many (10 000 keys), per key:     {per_call(lambda: issuer.check_many(keys), 20) / len(keys):7.0f} ns")
print(f"Ledger.call_home (str key, aware datetime):   {per_call(call_home, 50_000):7.0f} ns")
