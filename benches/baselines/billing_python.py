#!/usr/bin/env python3
"""Bulk billing from Python against Rust, every rule, the data of benches/billing.rs (1 M licences,
28.2 M call-homes of November 2026): the Python call's overhead over the Rust call.

    bash bindings-python/test.sh            # builds the keyledger Python package into .venv
    .venv/bin/python benches/baselines/billing_python.py [LICENCES] [RUNS]

It builds and runs `billing_baseline_data` (release: generates the deterministic data set of
benches/src/billing_data.rs, times `bulk::bill` for every rule and `bulk::any_day_counts`, best of
RUNS runs, wall clock and the thread's CPU time), then in this process times the same calls from
Python on the same columns, best of RUNS, wall clock and this thread's CPU time (the native call
releases the GIL but runs on the calling thread): once with numpy arrays (`keyledger.bulk_bill(...)`
on `np.fromfile` columns) and once with pyarrow arrays (zero-copy views of the same buffers, through
the Arrow PyCapsule interface). Every answer (licences, Σ billable days, quantity per bucket) is
asserted equal to Rust's before a time is printed. Prints one Markdown table (benches/README.md).

Goal (issue 15): from Python within 1.2x of Rust for every rule. Compare the CPU columns on a loaded
machine; the wall columns only on a quiet one.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

import keyledger as kl

RULES = {
    "any_day": kl.BillingRule.any_day(),
    "more_than_14": kl.BillingRule.more_than_days(14),
    "prorated": kl.BillingRule.prorated(),
    "end_of_month": kl.BillingRule.end_of_month(),
    "peak": kl.BillingRule.peak(),
    "rolling_31": kl.BillingRule.rolling_window(31),
    "rolling_31_first_month_free": kl.BillingRule.rolling_window(31, first_month_free=True),
    "snapshot_15th_12h": kl.BillingRule.snapshot(15, 12),
    "high_water_mark_3": kl.BillingRule.high_water_mark(3),
    "more_than_0": kl.BillingRule.more_than_days(0),
}


def best(f, runs):
    """Best wall and best CPU seconds of `runs` runs, and the last result."""
    wall = cpu = float("inf")
    out = None
    for _ in range(runs):
        t, c = time.perf_counter(), time.thread_time()
        out = f()
        wall = min(wall, time.perf_counter() - t)
        cpu = min(cpu, time.thread_time() - c)
    return wall, cpu, out


def main():
    licences = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    with tempfile.TemporaryDirectory(prefix="keyledger-billing-") as d:
        subprocess.run(["cargo", "run", "--release", "-q", "-p", "keyledger-benches", "--bin",
                        "billing_baseline_data", "--", d, str(licences), str(runs)], cwd=root, check=True)
        rust = {r["rule"]: r for r in json.load(open(os.path.join(d, "rust.json")))["rules"]}
        col = lambda name, dt: np.fromfile(os.path.join(d, name), dtype=dt)  # noqa: E731
        cols = (col("licence.u32", "<u4"), col("at.i64", "<i8"), col("activated_at.i64", "<i8"),
                col("deactivated_at.i64", "<i8"), col("last_contact_before.i64", "<i8"),
                col("group.u16", "<u2"))
    try:
        import pyarrow as pa
        arrow = [pa.array(c) for c in cols]  # views of the numpy buffers (no copy)
    except ImportError:
        arrow = None
    print(f"data: {len(cols[2])} licences, {len(cols[0])} call-homes; best of {runs} runs; "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)
    rows = []
    r = rust["any_day_counts"]
    w, c, got = best(lambda: kl.bulk_any_day_counts(*cols, 3, "2026-11", time_sorted=True), runs)
    assert got == r["licences"], f"any_day_counts: {got} != {r['licences']}"
    wa = ca = None
    if arrow:
        wa, ca, got = best(lambda: kl.bulk_any_day_counts(*arrow, 3, "2026-11", time_sorted=True), runs)
        assert got == r["licences"]
    rows.append(("`any_day_counts` (fast path)", r, w, c, wa, ca))
    for name, rule in RULES.items():
        r = rust[name]

        def check(res):
            assert [g.licences for g in res.groups] == r["licences"], f"{name}: licences"
            assert [g.billable_days for g in res.groups] == r["billable_days"], f"{name}: days"
            assert [str(g.quantity) for g in res.groups] == r["quantity"], f"{name}: quantity"
            assert len(res.days) == len(cols[2])

        w, c, res = best(lambda: kl.bulk_bill(*cols, 3, "2026-11", rule=rule, time_sorted=True), runs)
        check(res)
        wa = ca = None
        if arrow:
            wa, ca, res = best(lambda: kl.bulk_bill(*arrow, 3, "2026-11", rule=rule, time_sorted=True), runs)
            check(res)
        rows.append((name, r, w, c, wa, ca))
        print(f"{name}: rust {r['seconds'] * 1e3:.1f} ms (cpu {r['cpu_seconds'] * 1e3:.1f}), python numpy "
              f"{w * 1e3:.1f} ms (cpu {c * 1e3:.1f}), arrow {wa * 1e3 if wa else float('nan'):.1f} ms "
              f"(cpu {ca * 1e3 if ca else float('nan'):.1f}); answers agree", flush=True)
    print()
    print("| rule | Rust (wall / CPU) | Python, numpy (wall / CPU) | Python, pyarrow (wall / CPU) "
          "| Python ÷ Rust, CPU (numpy / pyarrow) |")
    print("|---|---|---|---|---|")
    for name, r, w, c, wa, ca in rows:
        arrow_cell = f"{wa * 1e3:.1f} / {ca * 1e3:.1f} ms" if wa else "—"
        ratio = f"{c / r['cpu_seconds']:.2f}x / {ca / r['cpu_seconds']:.2f}x" if ca else \
            f"{c / r['cpu_seconds']:.2f}x"
        print(f"| {name} | {r['seconds'] * 1e3:.1f} / {r['cpu_seconds'] * 1e3:.1f} ms | "
              f"{w * 1e3:.1f} / {c * 1e3:.1f} ms | {arrow_cell} | {ratio} |")


if __name__ == "__main__":
    main()
