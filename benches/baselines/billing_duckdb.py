#!/usr/bin/env python3
"""Billing baseline, every rule: 1 M licences / 28.2 M call-homes of November 2026, billed by
keyledger (Rust, and from Python), by the strongest DuckDB SQL we could write, and by numpy, on the
same data in the same run; the answers are checked equal and the times and ratios printed as one
Markdown table (for benches/README.md).

    python3 -m venv .venv && .venv/bin/pip install duckdb numpy pandas
    bash bindings-python/test.sh            # builds the keyledger Python package into .venv
    .venv/bin/python benches/baselines/billing_duckdb.py [LICENCES] [RUNS]

It builds and runs `billing_baseline_data` (release), which generates the deterministic data set
(benches/src/billing_data.rs, splitmix64 seed 42), times `bulk::bill` for every rule (best of RUNS
runs, one thread) and writes the columns as raw little-endian files. Times are the best of RUNS
runs: the machine is shared, the best run is the least disturbed one. Loading is not timed; the
DuckDB query runs on tables already in DuckDB (as in a warehouse), with all threads.

The SQL (text in `billing_duckdb.sql`, the same text this script runs) is one GROUP BY over the
call-homes joined to the licences: per licence min(t), max(t), bit_or of each call-home's billable
day mask `(1 << (last_day + 1)) - (1 << first_day)`, and bool_or for the snapshot instant; then the
rule per licence and the counts per bucket; Peak adds one window sum over the run events. It relies
on what holds for this data set (checked against keyledger's answers, which are exact in general):
no licence stops calling for more than 14 days and resumes within the month.
"""
import json
import os
import subprocess
import sys
import tempfile
import time
from decimal import Decimal

import duckdb
import numpy as np

START = 1_793_491_200  # 2026-11-01T00:00:00Z
END = 1_796_083_200  # 2026-12-01T00:00:00Z
DAY = 86_400
DAYS = 30
LATE = 14 * DAY + 1  # billable while now - last contact <= 14 days
LAPSE = 30 * DAY  # the activation lapses 30 days after the last contact
SNAP = START + 14 * DAY + 12 * 3600  # Snapshot { day: 15, hour: 12 }
I64_MAX = np.iinfo(np.int64).max
I64_MIN = np.iinfo(np.int64).min

# name -> (rule JSON for keyledger, the per-licence SQL condition, quantity kind)
RULES = {
    "any_day": ("any_day", "days > 0", "licences"),
    "more_than_14": ({"more_than_days": 14}, "days > 14", "licences"),
    "prorated": ("prorated", "days > 0", "prorated"),
    "end_of_month": ("end_of_month", f"last_c < {END} AND {END - 1} < least(last_c + {LATE}, deact)",
                     "licences"),
    "peak": ("peak", "days > 0", "peak"),
    "rolling_31": ({"rolling_window": {"days": 31}},
                   f"deact > {START} AND last_c + {LAPSE} > {START} AND last_c < {END} "
                   f"AND least(last_c + {LATE}, deact) > {END - 31 * DAY}", "licences"),
    "rolling_31_first_month_free": ({"rolling_window": {"days": 31, "first_month_free": True}},
                                    f"deact > {START} AND last_c + {LAPSE} > {START} AND last_c < {END} "
                                    f"AND least(last_c + {LATE}, deact) > {END - 31 * DAY} "
                                    f"AND NOT (act >= {START} AND act < {END})", "licences"),
    "snapshot_15th_12h": ({"snapshot": {"day": 15, "hour": 12}}, "snap", "licences"),
    "high_water_mark_3": ({"high_water_mark": {"months": 3, "first_month": 1}}, "days > 0", "licences"),
    "more_than_0": ({"more_than_days": 0}, "days > 0", "licences"),
}


def day_mask_sql(a, z):
    """SQL: the mask of the November days touched by [a, z)."""
    lo, hi = f"greatest({a}, {START})", f"least({z}, {END})"
    return (f"CASE WHEN {lo} < {hi} THEN (1::BIGINT << ((({hi} - 1 - {START}) // {DAY}) + 1)) "
            f"- (1::BIGINT << (({lo} - {START}) // {DAY})) ELSE 0 END")


PER_LICENCE = f"""
WITH lic2 AS (
  SELECT l, grp, act, deact,
         CASE WHEN before <> {I64_MIN} AND before >= act THEN before ELSE act END AS base
  FROM lic WHERE act <> {I64_MAX}
),
live AS (SELECT * FROM lic2 WHERE base < deact),
agg AS (
  SELECT c.l, min(c.t) AS first_t, max(c.t) AS last_t,
         bit_or({day_mask_sql("c.t", f"least(c.t + {LATE}, b.deact)")}) AS mask,
         bool_or(c.t <= {SNAP} AND {SNAP} < least(c.t + {LATE}, b.deact)) AS snap
  FROM calls c JOIN live b ON c.l = b.l
  WHERE c.t >= b.base AND c.t < b.deact AND c.t < {END}
  GROUP BY c.l
),
per AS (
  SELECT b.l, b.grp, b.act, b.deact, b.base,
         coalesce(a.first_t - b.base < {LAPSE}, false) AS ok,
         a.first_t, a.last_t, a.mask, a.snap
  FROM live b LEFT JOIN agg a ON a.l = b.l
)
SELECT l, grp, act, deact, base, ok, first_t,
       CASE WHEN ok THEN last_t ELSE base END AS last_c,
       bit_count({day_mask_sql("base", f"least(base + {LATE}, deact)")}
                 | CASE WHEN ok THEN mask ELSE 0 END) AS days,
       (base <= {SNAP} AND {SNAP} < least(base + {LATE}, deact)) OR (ok AND snap) AS snap
FROM per
"""


def rule_sql(cond, kind):
    counts = f"""
    SELECT grp, count(*) AS licences, sum(days) AS billable_days FROM per WHERE {cond} GROUP BY grp
    """
    if kind != "peak":
        return f"WITH per AS MATERIALIZED ({PER_LICENCE}) {counts} ORDER BY grp"
    return f"""
    WITH per AS MATERIALIZED ({PER_LICENCE}),
    billed AS (SELECT * FROM per WHERE {cond}),
    runs AS (
      SELECT grp, base AS a, least(CASE WHEN ok AND first_t <= base + {LATE} THEN last_c ELSE base END
                                   + {LATE}, deact) AS z FROM billed
      UNION ALL
      SELECT grp, first_t AS a, least(last_c + {LATE}, deact) AS z FROM billed
      WHERE ok AND first_t > base + {LATE}
    ),
    clipped AS (SELECT grp, greatest(a, {START}) AS a, least(z, {END}) AS z FROM runs),
    ev AS (
      SELECT grp, a AS t, 1 AS d FROM clipped WHERE a < z
      UNION ALL SELECT grp, z AS t, -1 AS d FROM clipped WHERE a < z
    ),
    running AS (SELECT grp, sum(d) OVER (PARTITION BY grp ORDER BY t, d ROWS UNBOUNDED PRECEDING) AS now FROM ev),
    peaks AS (SELECT grp, max(now) AS peak FROM running GROUP BY grp),
    cnt AS (SELECT grp, count(*) AS licences, sum(days) AS billable_days FROM billed GROUP BY grp)
    SELECT cnt.grp, cnt.licences, cnt.billable_days, peaks.peak FROM cnt JOIN peaks USING (grp) ORDER BY grp
    """


def best_time(f, runs):
    best, out = float("inf"), None
    for _ in range(runs):
        t = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t)
    return best, out


def numpy_rule(cols, name):
    """The same semantics with numpy (ufunc.at aggregates per licence), for every rule."""
    licence, at, act, deact, before, group = cols
    n = len(act)
    cond_kind = RULES[name][2]
    base = np.where((before != I64_MIN) & (before >= act), before, act)
    live = (act != I64_MAX) & (base < deact)
    lb, ld = base[licence], deact[licence]
    ok_row = live[licence] & (at >= lb) & (at < ld) & (at < END)
    l, t = licence[ok_row], at[ok_row]
    z = np.minimum(t + LATE, deact[l])

    def mask(a, z):
        lo, hi = np.maximum(a, START), np.minimum(z, END)
        good = lo < hi
        da = np.where(good, (lo - START) // DAY, 0)
        dz = np.where(good, (hi - 1 - START) // DAY, -1)
        return np.where(good, (np.int64(1) << (dz + 1)) - (np.int64(1) << da), 0)

    first = np.full(n, I64_MAX, np.int64)
    last = np.full(n, I64_MIN, np.int64)
    m = np.zeros(n, np.int64)
    np.minimum.at(first, l, t)
    np.maximum.at(last, l, t)
    np.bitwise_or.at(m, l, mask(t, z))
    ok = (first != I64_MAX) & (first - base < LAPSE)
    last_c = np.where(ok, last, base)
    full = mask(base, np.minimum(base + LATE, deact)) | np.where(ok, m, 0)
    days = np.bitwise_count(full.astype(np.uint64)) if hasattr(np, "bitwise_count") else \
        np.array([bin(x).count("1") for x in full])
    days = np.where(live, days, 0)
    if name in ("any_day", "prorated", "peak", "high_water_mark_3", "more_than_0"):
        billed = days > 0
    elif name == "more_than_14":
        billed = days > 14
    elif name == "end_of_month":
        billed = (last_c < END) & (END - 1 < np.minimum(last_c + LATE, deact))
    elif name.startswith("rolling_31"):
        billed = (deact > START) & (last_c + LAPSE > START) & (last_c < END) & \
                 (np.minimum(last_c + LATE, deact) > END - 31 * DAY)
        if name.endswith("free"):
            billed &= ~((act >= START) & (act < END))
    elif name == "snapshot_15th_12h":
        s = np.zeros(n, np.uint8)
        np.maximum.at(s, l, ((t <= SNAP) & (SNAP < z)).astype(np.uint8))
        billed = ((base <= SNAP) & (SNAP < np.minimum(base + LATE, deact))) | (ok & (s > 0))
    billed &= live
    lic = np.bincount(group[billed], minlength=3)
    bdays = np.bincount(group[billed], weights=days[billed], minlength=3).astype(np.int64)
    out = {"licences": lic.tolist(), "billable_days": bdays.tolist()}
    if cond_kind == "peak":
        joined = ok & (first <= base + LATE)
        a1 = base[billed]
        z1 = np.minimum(np.where(joined, last_c, base) + LATE, deact)[billed]
        two = (billed & ok & ~joined)
        a2, z2 = first[two], np.minimum(last_c + LATE, deact)[two]
        g = np.concatenate([group[billed], group[two]])
        a = np.maximum(np.concatenate([a1, a2]), START)
        zz = np.minimum(np.concatenate([z1, z2]), END)
        keep = a < zz
        peaks = []
        for grp in range(3):
            sel = keep & (g == grp)
            ev_t = np.concatenate([a[sel], zz[sel]])
            ev_d = np.concatenate([np.ones(sel.sum(), np.int64), -np.ones(sel.sum(), np.int64)])
            order = np.lexsort((ev_d, ev_t))
            peaks.append(int(np.cumsum(ev_d[order]).max()) if len(order) else 0)
        out["peak"] = peaks
    return out


def main():
    licences = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    with tempfile.TemporaryDirectory(prefix="keyledger-billing-") as d:
        subprocess.run(
            ["cargo", "run", "--release", "-q", "-p", "keyledger-benches", "--bin",
             "billing_baseline_data", "--", d, str(licences), str(max(runs, 3))],
            cwd=root, check=True)
        rust = json.load(open(os.path.join(d, "rust.json")))
        col = lambda name, dt: np.fromfile(os.path.join(d, name), dtype=dt)
        cols = (col("licence.u32", "<u4"), col("at.i64", "<i8"), col("activated_at.i64", "<i8"),
                col("deactivated_at.i64", "<i8"), col("last_contact_before.i64", "<i8"),
                col("group.u16", "<u2"))
    licence, at, act, deact, before, group = cols
    n = len(act)
    rust_by = {r["rule"]: r for r in rust["rules"]}

    con = duckdb.connect()
    threads = con.execute("SELECT current_setting('threads')").fetchall()[0][0]
    import pandas as pd
    con.register("calls_df", pd.DataFrame({"l": licence.astype(np.int64), "t": at}))
    con.register("lic_df", pd.DataFrame({"l": np.arange(n, dtype=np.int64), "act": act,
                                         "deact": deact, "before": before, "grp": group.astype(np.int64)}))
    con.execute("CREATE TABLE calls AS SELECT * FROM calls_df")
    con.execute("CREATE TABLE lic AS SELECT * FROM lic_df")
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "billing_duckdb.sql"), "w") as f:
        f.write("-- Generated by billing_duckdb.py: the SQL it runs, one query per rule.\n")
        for name, (_, cond, kind) in RULES.items():
            f.write(f"\n-- {name}\n{rule_sql(cond, kind).strip()};\n")
    try:
        import keyledger as kl
    except ImportError:
        kl = None
    print(f"data: {n} licences, {len(at)} call-homes (November 2026, UTC); DuckDB {duckdb.__version__}, "
          f"{threads} threads; best of {runs} runs")
    rows = []
    for name, (rule_json, cond, kind) in RULES.items():
        r = rust_by[name]
        want = {"licences": r["licences"], "billable_days": r["billable_days"]}
        if kind == "peak":
            want["peak"] = [int(Decimal(q)) for q in r["quantity"]]

        def duck():
            out = {"licences": [0, 0, 0], "billable_days": [0, 0, 0]}
            for row in con.execute(rule_sql(cond, kind)).fetchall():
                out["licences"][row[0]] = row[1]
                out["billable_days"][row[0]] = int(row[2])
                if kind == "peak":
                    out.setdefault("peak", [0, 0, 0])[row[0]] = int(row[3])
            return out

        t_duck, got_duck = best_time(duck, runs)
        assert got_duck == want, f"{name}: DuckDB {got_duck} != keyledger {want}"
        t_np, got_np = best_time(lambda: numpy_rule(cols, name), 1 if runs > 1 else 1)
        assert got_np == want, f"{name}: numpy {got_np} != keyledger {want}"
        t_py = None
        if kl is not None:
            sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
            from billing_python import RULES as PY_RULES  # the same rules as typed BillingRule values
            rule_arg = PY_RULES[name]

            def py():
                return kl.bulk_bill(licence, at, act, deact, before, group, 3, "2026-11", rule=rule_arg,
                                    time_sorted=True)
            t_py, got_py = best_time(py, runs)
            assert [g.licences for g in got_py.groups] == r["licences"], f"{name}: Python path"
            assert [g.billable_days for g in got_py.groups] == r["billable_days"]
            assert len(got_py.days) == n
        rows.append((name, r["seconds"], r["cpu_seconds"], t_py, t_duck, t_np))
        print(f"{name}: rust {r['seconds'] * 1e3:.1f} ms (cpu {r['cpu_seconds'] * 1e3:.1f}), "
              f"python {t_py * 1e3 if t_py else float('nan'):.1f} ms, duckdb {t_duck * 1e3:.1f} ms, "
              f"numpy {t_np * 1e3:.1f} ms; answers agree", flush=True)
    fast = rust_by["any_day_counts"]
    print()
    print("| rule | keyledger Rust (wall / CPU) | keyledger from Python | DuckDB SQL "
          f"({threads} threads) | numpy | DuckDB ÷ Rust (wall / CPU) | numpy ÷ Rust |")
    print("|---|---|---|---|---|---|---|")
    print(f"| `any_day_counts` (AnyDay fast path) | {fast['seconds'] * 1e3:.1f} / {fast['cpu_seconds'] * 1e3:.1f} ms "
          f"| — | — | — | — | — |")
    for name, wall, cpu, py, duck, npt in rows:
        pys = f"{py * 1e3:.1f} ms" if py else "—"
        print(f"| {name} | {wall * 1e3:.1f} / {cpu * 1e3:.1f} ms | {pys} | {duck * 1e3:.0f} ms | "
              f"{npt * 1e3:.0f} ms | {duck / wall:.1f}x / {duck / cpu:.1f}x | {npt / wall:.1f}x |")


if __name__ == "__main__":
    main()
