#!/usr/bin/env python3
"""Billing baseline: AnyDay counts of 1 M licences / ~28 M call-homes with DuckDB SQL and numpy,
checked against keyledger's bulk path on the same data, with the speed ratio.

One command (from the repository root):

    python3 -m venv .venv && .venv/bin/pip install duckdb numpy pandas
    .venv/bin/python benches/baselines/billing_duckdb.py [LICENCES]

It builds and runs `billing_baseline_data` (release), which generates the deterministic data set
(benches/src/billing_data.rs, splitmix64 seed 42), times `bulk::any_day_counts` (median of 15 runs)
and writes the columns as raw little-endian files to a temporary directory. This script loads them,
computes the same counts (same semantics: see core/src/billing/bulk.rs) with DuckDB SQL and with
numpy, checks all three agree, and prints the times and ratios. Data loading is not timed; the
DuckDB query runs on tables already in DuckDB (as in a warehouse).
"""
import json
import os
import subprocess
import sys
import tempfile
import time

import duckdb
import numpy as np
import pandas as pd

START = 1_793_491_200  # 2026-11-01T00:00:00Z
END = 1_796_083_200  # 2026-12-01T00:00:00Z
DAY = 86_400
LATE = 14 * DAY + 1  # billable while now - last contact <= 14 days
LAPSE = 30 * DAY  # the activation lapses 30 days after the last contact
I64_MAX = np.iinfo(np.int64).max
I64_MIN = np.iinfo(np.int64).min


def median_time(f, runs):
    times, out = [], None
    for _ in range(runs):
        t = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t)
    times.sort()
    return times[len(times) // 2], out


def main():
    licences = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    with tempfile.TemporaryDirectory(prefix="keyledger-billing-") as d:
        subprocess.run(
            ["cargo", "run", "--release", "-q", "-p", "keyledger-benches", "--bin",
             "billing_baseline_data", "--", d, str(licences), "15"],
            cwd=root, check=True)
        rust = json.load(open(os.path.join(d, "rust.json")))
        col = lambda name, dt: np.fromfile(os.path.join(d, name), dtype=dt)
        licence = col("licence.u32", "<u4")
        at = col("at.i64", "<i8")
        act = col("activated_at.i64", "<i8")
        deact = col("deactivated_at.i64", "<i8")
        before = col("last_contact_before.i64", "<i8")
        group = col("group.u16", "<u2")

    n = len(act)
    con = duckdb.connect()
    con.execute("SET threads TO 1")
    con.register("calls_df", pd.DataFrame({"l": licence.astype(np.int64), "t": at}))
    con.register("lic_df", pd.DataFrame({"l": np.arange(n, dtype=np.int64), "act": act,
                                         "deact": deact, "before": before, "grp": group}))
    con.execute("CREATE TABLE calls AS SELECT * FROM calls_df")
    con.execute("CREATE TABLE lic AS SELECT * FROM lic_df")
    sql = f"""
    WITH base AS (
      SELECT l, grp, deact,
             CASE WHEN before <> {I64_MIN} AND before >= act THEN before ELSE act END AS base
      FROM lic WHERE act <> {I64_MAX}
    ),
    contacts AS (
      SELECT l, base AS t FROM base WHERE base < deact
      UNION ALL
      SELECT c.l, c.t FROM calls c JOIN base b ON c.l = b.l
      WHERE c.t >= b.base AND c.t < b.deact AND c.t < {END}
    ),
    gaps AS (SELECT l, t, t - lag(t) OVER (PARTITION BY l ORDER BY t) AS gap FROM contacts),
    lapsed AS (SELECT l, min(t) AS at FROM gaps WHERE gap >= {LAPSE} GROUP BY l),
    billed AS (
      SELECT DISTINCT g.l FROM gaps g JOIN base b ON g.l = b.l LEFT JOIN lapsed x ON g.l = x.l
      WHERE (x.at IS NULL OR g.t < x.at)
        AND greatest(g.t, {START}) < least(g.t + {LATE}, b.deact, {END})
    )
    SELECT b.grp, count(*) FROM billed JOIN base b USING (l) GROUP BY b.grp ORDER BY b.grp
    """

    def duck():
        rows = con.execute(sql).fetchall()
        out = [0, 0, 0]
        for g, c in rows:
            out[g] = c
        return out

    def numpy_counts():
        base = np.where((before != I64_MIN) & (before >= act), before, act)
        alive = (act != I64_MAX) & (base < deact)
        ok = alive[licence] & (at >= base[licence]) & (at < deact[licence]) & (at < END)
        ids = np.concatenate([np.nonzero(alive)[0], licence[ok].astype(np.int64)])
        ts = np.concatenate([base[alive], at[ok]])
        order = np.lexsort((ts, ids))  # by licence, then time; the base comes first
        ids, ts = ids[order], ts[order]
        same = np.empty(len(ids), bool)
        same[0] = False
        same[1:] = ids[1:] == ids[:-1]
        gap_lapse = np.zeros(len(ids), np.int64)
        gap_lapse[1:] = (ts[1:] - ts[:-1] >= LAPSE) & same[1:]
        starts = np.nonzero(~same)[0]
        csum = np.cumsum(gap_lapse)
        first = np.repeat(csum[starts] - gap_lapse[starts], np.diff(np.append(starts, len(ids))))
        valid = csum - first == 0
        stop = deact[ids]
        hit = valid & (np.maximum(ts, START) < np.minimum(np.minimum(ts + LATE, stop), END))
        billed = np.zeros(n, bool)
        billed[ids[hit]] = True
        return np.bincount(group[billed], minlength=3).tolist()

    t_duck, c_duck = median_time(duck, 3)
    t_np, c_np = median_time(numpy_counts, 3)
    c_rust = rust["any_day_counts"]
    t_rust = rust["rust_median_seconds"]
    print(f"data: {n} licences, {len(at)} call-homes (November 2026, UTC)")
    print(f"keyledger bulk::any_day_counts: {t_rust * 1e3:9.2f} ms  counts {c_rust}")
    print(f"DuckDB SQL (1 thread):          {t_duck * 1e3:9.2f} ms  counts {c_duck}")
    print(f"numpy:                          {t_np * 1e3:9.2f} ms  counts {c_np}")
    assert c_duck == c_rust, "DuckDB and keyledger disagree"
    assert c_np == c_rust, "numpy and keyledger disagree"
    print("answers agree")
    print(f"speed-up vs DuckDB: {t_duck / t_rust:.1f}x (goal >= 20x); vs numpy: {t_np / t_rust:.1f}x")
    try:
        import keyledger as kl  # the Python package, built by `maturin develop` (bindings-python/test.sh)
    except ImportError:
        print("keyledger Python package not installed: skipping the Python bulk path")
        return

    def python_bulk():
        return kl.bulk_any_day_counts(licence, at, act, deact, before, group, 3, "2026-11", time_sorted=True)

    t_py, c_py = median_time(python_bulk, 7)
    assert c_py == c_rust, "the Python bulk path disagrees"
    print(f"keyledger from Python (numpy):  {t_py * 1e3:9.2f} ms  counts {c_py}  "
          f"({t_py / t_rust:.2f}x the Rust time; goal <= 2x)")


if __name__ == "__main__":
    main()
