#!/usr/bin/env python3
"""A month of call-homes billed inside Apache Spark, keyledger doing the per-partition work and the
shuffle carrying keyledger's partial results (``keyledger.BulkPartial``), not the rows.

    PYSPARK_PYTHON=.venv/bin/python .venv/bin/python examples/spark/bill_month.py \
        --licences 20000 --range 2500 --input-partitions 6 --check

Two stages (see docs/spark.md):

1. ``mapInArrow`` over the call-home rows ``(licence, t)`` as they are stored: partitioned by time
   range (``repartitionByRange(P, "t")`` here, as one file per day or week would be), so every
   licence's rows fall in several partitions. Each task sorts its rows by time and updates one
   ``BulkPartial`` per licence range ``licence // RANGE`` and rule, with the licence columns of that
   range (broadcast once to every executor), and emits each partial as bytes: 12 bytes per licence
   the task saw rows of, 2–3 bits per other licence of the range, tagged with the rule, the range and
   the task's first instant.
2. The partials are shuffled by (rule, licence range); ``applyInArrow`` merges the partials of one
   range in time order and *finishes* them with the range's licence columns, returning per bucket the
   licences billed, Σ billable days and a per-licence digest Σ (licence + 1) · days. Peak's quantity
   (the peak of licences billable at once) is not a sum over ranges: for Peak the task returns the
   merged range partial instead, and the driver merges the ranges' partials (adjacent ranges append)
   and finishes once.

The driver sums a few rows per range (and, for Peak, merges one partial per range). With ``--check``
the script also bills the same data in one process (``keyledger.bulk_bill`` over every row) and
asserts the counts are equal, rule by rule, and that licences' rows really were spread over several
input partitions.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Dict, Iterator, Tuple

os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)

import numpy as np  # noqa: E402
import pyarrow as pa  # noqa: E402

import keyledger as kl  # noqa: E402

START = 1_793_491_200  # 2026-11-01T00:00:00Z
DAY = 86_400
DAYS = 30
MONTH = "2026-11"
I64_MAX = int(np.iinfo(np.int64).max)
I64_MIN = int(np.iinfo(np.int64).min)
GROUPS = 3

#: The rules billed and compared: every rule and preset of the core.
RULES = {
    "any_day": lambda: kl.BillingRule.any_day(),
    "more_than_14_days": lambda: kl.BillingRule.more_than_days(14),
    "prorated": lambda: kl.BillingRule.prorated(),
    "end_of_month": lambda: kl.BillingRule.end_of_month(),
    "peak": lambda: kl.BillingRule.peak(),
    "rolling_31": lambda: kl.BillingRule.rolling_window(31),
    "rolling_31_first_month_free": lambda: kl.BillingRule.rolling_window(31, first_month_free=True),
    "snapshot_15th_12h": lambda: kl.BillingRule.snapshot(15, 12),
    "high_water_mark_3": lambda: kl.BillingRule.high_water_mark(3),
}
#: Rules whose bucket quantity is not the sum of the licence ranges' quantities.
NOT_ADDITIVE = {"peak"}

# What stage 1 emits per task, licence range and rule (Spark DDL).
PARTIAL_SCHEMA = "rule long, range long, t0 long, partial binary"
# What stage 2 returns per range and rule: per bucket licences billed, Σ billable days and a per-licence
# digest; for Peak one row (grp = -1) with the range's merged partial.
RESULT_SCHEMA = ("rule long, range long, grp long, licences long, billable_days long, days_digest long, "
                 "partial binary")


# ---------------------------------------------------------------------------------------------
# Data: a deterministic month, the shapes of benches/src/billing_data.rs in miniature.


def month_data(n: int, seed: int = 42):
    """Healthy, new, deactivated, lapsed-then-back, silent and vanishing licences, ~25 call-homes each."""
    rng = np.random.default_rng(seed)
    kind = rng.integers(0, 100, n)
    activated = np.where(kind < 85, START - 200 * DAY, START + rng.integers(0, DAYS, n) * DAY)
    deactivated = np.where((kind >= 85) & (kind < 90), START + rng.integers(1, DAYS, n) * DAY, I64_MAX)
    # Last contact before the month: recent for most, old (a lapse) for some, none for the new.
    before = np.where(kind < 80, START - rng.integers(1, 3, n) * DAY,
                      np.where(kind < 85, START - rng.integers(20, 60, n) * DAY, I64_MIN))
    first_day = np.where(kind < 80, 0, rng.integers(0, DAYS, n))
    last_day = np.where(kind >= 95, rng.integers(0, DAYS, n), DAYS - 1)
    # A few stop for 16–20 days mid-month and resume (separate billable runs: Peak's hard case).
    gap_from = np.where(kind % 17 == 3, rng.integers(2, 8, n), DAYS)
    silent = kind == 99
    group = rng.integers(0, GROUPS, n)
    rows_l, rows_t = [], []
    for d in range(DAYS):
        live = ((activated <= START + d * DAY) & (first_day <= d) & (d <= last_day)
                & ~((gap_from <= d) & (d < gap_from + 17))
                & (deactivated > START + (d + 1) * DAY) & ~silent & (rng.random(n) < 0.85))
        ls = np.nonzero(live)[0]
        rows_l.append(ls)
        rows_t.append(START + d * DAY + rng.integers(0, DAY, len(ls)))
    licence = np.concatenate(rows_l).astype(np.int64)
    at = np.concatenate(rows_t).astype(np.int64)
    order = rng.permutation(len(licence))  # the warehouse gives no order
    return (licence[order], at[order], activated.astype(np.int64), deactivated.astype(np.int64),
            before.astype(np.int64), group.astype(np.uint16))


def summary(result, ids, group) -> Dict[int, Tuple[int, int, int]]:
    """Per bucket (licences billed, Σ billable days, Σ (licence + 1) · days)."""
    days = result.days.astype(np.int64)
    return {g: (int(result.groups[g].licences), int(result.groups[g].billable_days),
                int(((ids[group == g] + 1) * days[group == g]).sum())) for g in range(GROUPS)}


def single_process(licence, at, activated, deactivated, before, group, rule):
    """The reference: keyledger over every row in one call (any row order)."""
    r = kl.bulk_bill(licence.astype(np.uint32), at, activated, deactivated, before, group, GROUPS, MONTH,
                     rule=rule)
    return summary(r, np.arange(len(group)), group), [q.quantity for q in r.groups]


# ---------------------------------------------------------------------------------------------
# The Spark job.


def spark_session(partitions: int):
    from pyspark.sql import SparkSession
    return (SparkSession.builder.master(os.environ.get("SPARK_MASTER", "local[2]"))
            .appName("keyledger-bill-month")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", str(partitions))
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.driver.memory", os.environ.get("SPARK_DRIVER_MEMORY", "1g"))
            .getOrCreate())


def stage1(calls, lic, per_range: int, rules):
    """mapInArrow over the call-home rows (partitioned by time range): per task, licence range and
    rule, one keyledger partial as bytes."""
    names = list(rules)

    def update(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        cols = lic.value  # (activated_at, deactivated_at, last_contact_before, group), once per executor
        n = len(cols[0])
        table = pa.Table.from_batches(list(batches))
        if table.num_rows == 0:
            return
        licence = table.column("licence").to_numpy()
        t = table.column("t").to_numpy()
        order = np.argsort(t, kind="stable")  # a licence's rows reach a partial in time order
        licence, t = licence[order], t[order]
        t0 = int(t[0])
        ranges = licence // per_range
        cut = np.flatnonzero(np.diff(np.sort(ranges))) + 1
        by_range = np.argsort(ranges, kind="stable")  # stable: still time-ordered within a range
        out = {"rule": [], "range": [], "t0": [], "partial": []}
        for idx in np.split(by_range, cut):
            r = int(ranges[idx[0]])
            lo, hi = r * per_range, min(n, (r + 1) * per_range)
            ls = pa.array(licence[idx], pa.uint32())  # Arrow in, read in place by keyledger
            ts = pa.array(t[idx])
            for k, name in enumerate(names):
                p = kl.BulkPartial(hi - lo, MONTH, rule=RULES[name](), first=lo)
                p.update(ls, ts, cols[0][lo:hi], cols[1][lo:hi], cols[2][lo:hi])
                out["rule"].append(k)
                out["range"].append(r)
                out["t0"].append(t0)
                out["partial"].append(p.to_bytes())
        yield pa.record_batch(out, schema=pa.schema([("rule", pa.int64()), ("range", pa.int64()),
                                                      ("t0", pa.int64()), ("partial", pa.binary())]))
    return calls.mapInArrow(update, PARTIAL_SCHEMA)


def merge_in_time(parts: pa.Table) -> "kl.BulkPartial":
    """The partials of one range and rule from every stage-1 task, merged in time order (each task
    held one time range of the rows)."""
    parts = parts.sort_by("t0")
    merged = None
    for b in parts.column("partial").to_pylist():
        p = kl.BulkPartial.from_bytes(b)
        if merged is None:
            merged = p
        else:
            merged.merge(p)
    assert merged is not None
    return merged


def stage2(partials, lic, per_range: int, rules):
    """Shuffle by (rule, licence range); per range merge the partials and finish them with the
    range's licence columns."""
    names = list(rules)

    def merge_finish(parts: pa.Table) -> pa.Table:
        cols = lic.value
        k = int(parts.column("rule")[0].as_py())
        r = int(parts.column("range")[0].as_py())
        merged = merge_in_time(parts)
        lo = r * per_range
        hi = lo + merged.licences
        out = {c: [] for c in ("rule", "range", "grp", "licences", "billable_days", "days_digest", "partial")}
        if names[k] in NOT_ADDITIVE:
            rows = [(-1, 0, 0, 0, merged.to_bytes())]
        else:
            res = merged.finish(cols[0][lo:hi], cols[1][lo:hi], cols[2][lo:hi], cols[3][lo:hi], GROUPS)
            s = summary(res, np.arange(lo, hi), cols[3][lo:hi])
            rows = [(g, *s[g], None) for g in range(GROUPS)]
        for g, nl, nd, h, b in rows:
            for c, v in zip(out, (k, r, g, nl, nd, h, b)):
                out[c].append(v)
        schema = pa.schema([(c, pa.int64()) for c in list(out)[:-1]] + [("partial", pa.binary())])
        return pa.table(out, schema=schema)
    return partials.groupBy("rule", "range").applyInArrow(merge_finish, schema=RESULT_SCHEMA)


def collect(result, rules, cols):
    """On the driver: the per-range rows summed per rule and bucket; Peak's range partials merged
    (adjacent ranges) and finished once."""
    names = list(rules)
    rows = result.collect()
    counts = {name: {g: (0, 0, 0) for g in range(GROUPS)} for name in names}
    quantities: Dict[str, list] = {}
    peak_parts: Dict[str, list] = {name: [] for name in names}
    for row in rows:
        name = names[int(row["rule"])]
        if row["partial"] is not None:
            peak_parts[name].append((int(row["range"]), bytes(row["partial"])))
            continue
        g = int(row["grp"])
        old = counts[name][g]
        counts[name][g] = (old[0] + row["licences"], old[1] + row["billable_days"], old[2] + row["days_digest"])
    for name, parts in peak_parts.items():
        if not parts:
            continue
        parts.sort()
        whole = kl.BulkPartial.from_bytes(parts[0][1])
        for _, b in parts[1:]:
            whole.merge(kl.BulkPartial.from_bytes(b))
        res = whole.finish(*cols, GROUPS)
        counts[name] = summary(res, np.arange(len(cols[3])), cols[3])
        quantities[name] = [q.quantity for q in res.groups]
    return counts, quantities


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--licences", type=int, default=20_000)
    ap.add_argument("--range", type=int, default=2_500, help="licences per licence range (stage 2 key)")
    ap.add_argument("--input-partitions", type=int, default=6, help="time-range partitions of the rows")
    ap.add_argument("--check", action="store_true", help="compare with the single-process path")
    args = ap.parse_args()
    from pyspark.sql import functions as F

    t0 = time.time()
    licence, at, activated, deactivated, before, group = month_data(args.licences)
    n_ranges = -(-args.licences // args.range)
    spark = spark_session(max(2, n_ranges))
    spark.sparkContext.setLogLevel("ERROR")
    import pandas as pd
    calls = spark.createDataFrame(pd.DataFrame({"licence": licence, "t": at}))
    calls = calls.repartitionByRange(args.input_partitions, "t")  # as the warehouse's day files
    # The licence columns, 26 bytes per licence, sent once to every executor.
    cols = (activated, deactivated, before, group)
    lic = spark.sparkContext.broadcast(cols)
    print(f"data: {args.licences} licences, {len(licence)} call-homes, {args.input_partitions} input "
          f"partitions by time, {n_ranges} licence ranges of {args.range} "
          f"({time.time() - t0:.1f}s incl. JVM start)", flush=True)

    passed = failed = 0

    def check(ok: bool, what: str) -> None:
        nonlocal passed, failed
        passed += ok
        failed += not ok
        print(f"{'ok' if ok else 'FAILED'}: {what}", flush=True)

    if args.check:
        spread = (calls.select("licence", F.spark_partition_id().alias("p")).distinct()
                  .groupBy("licence").count().where("count > 1").count())
        check(spread > 0, f"{spread} of {args.licences} licences have rows in several input partitions")

    rules = dict(RULES)
    t1 = time.time()
    partials = stage1(calls, lic, args.range, rules).cache()
    sizes = (partials.groupBy("rule").agg(F.sum(F.length("partial")).alias("b"), F.count("*").alias("n"))
             .collect())
    per_rule = {list(rules)[int(r["rule"])]: int(r["b"]) for r in sizes}
    total = sum(per_rule.values())
    row_bytes = len(licence) * 16  # (licence, t) as two int64 per call-home
    print(f"stage 1 ({len(rules)} rules): {time.time() - t1:.1f}s; shuffled partials "
          f"{total / len(rules) / args.licences:.1f} B per licence per rule "
          f"(min {min(per_rule.values()) / args.licences:.1f}, max {max(per_rule.values()) / args.licences:.1f}; "
          f"{sum(int(r['n']) for r in sizes)} partials) against {row_bytes / args.licences:.1f} B per "
          f"licence for the raw rows", flush=True)
    t2 = time.time()
    counts, quantities = collect(stage2(partials, lic, args.range, rules), rules, cols)
    print(f"stage 2 (shuffle, merge, finish; {len(rules)} rules) and collect: {time.time() - t2:.1f}s",
          flush=True)
    for name in rules:
        got = counts[name]
        short = {g: got[g][:2] for g in range(GROUPS)}
        if args.check:
            want, want_q = single_process(licence, at, activated, deactivated, before, group, RULES[name]())
            ok = got == want and any(v[0] for v in got.values())
            extra = ""
            if name in quantities:
                ok = ok and quantities[name] == want_q
                extra = f", peak {[str(q) for q in quantities[name]]} == {[str(q) for q in want_q]}"
            check(ok, f"spark {name} {short} == single process "
                      f"{ {g: want[g][:2] for g in range(GROUPS)} } (and the per-licence days digest{extra})")
        else:
            print(f"{name}: (licences, billable days) per bucket {short}", flush=True)
    spark.stop()
    if args.check:
        print(f"spark billing: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
