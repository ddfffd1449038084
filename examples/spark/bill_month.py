#!/usr/bin/env python3
"""A month of call-homes billed inside Apache Spark, keyledger doing the per-partition work.

    PYSPARK_PYTHON=.venv/bin/python .venv/bin/python examples/spark/bill_month.py \
        --licences 20000 --range 2500 --input-partitions 6 --check

Two stages (see docs/spark.md):

1. ``mapInArrow`` over the call-home rows ``(licence, t)`` as they come — partitioned by any key; here
   by time range (``repartitionByRange(P, "t")``, as one file per day would be), so every licence's
   rows fall in several partitions. Each task turns its rows into per-licence *partials*, tagged
   with the licence range ``licence // RANGE``.
2. The partials are shuffled by licence range and ``cogroup``-ed with the licences of that range;
   ``applyInArrow`` merges the partials of each licence and *finishes* them with keyledger
   (``bulk_bill``), returning per bucket the licences billed and Σ billable days.

The driver only sums those few rows. With ``--check`` the script also bills the same data in one
process (``keyledger.bulk_bill`` over every row) and asserts the counts are equal, rule by rule,
and that some licence's rows really were spread over several input partitions.

The per-partition work and the merge are one small adapter (``PARTIAL`` below). Today's adapter
is ``RowsPartial``: a licence's partial is its call-home instants (update = project the rows,
merge = concatenate, finish = ``keyledger.bulk_bill``). When keyledger's Python partials API
(update / merge / finish over Arrow columns) is available, the adapter becomes that API and the
shuffle carries a fixed-size state per licence instead of its rows; nothing else changes.
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

#: The rules billed and compared. Peak is left out: the peak of a sum is not the sum of the
#: ranges' peaks, so it does not merge by summing counts across licence ranges (docs/spark.md).
RULES = {
    "any_day": "any_day",
    "more_than_14_days": 14,
    "prorated": "prorated",
    "end_of_month": "end_of_month",
    "rolling_31": {"rolling_window": {"days": 31}},
    "rolling_31_first_month_free": {"rolling_window": {"days": 31, "first_month_free": True}},
    "snapshot_15th_12h": {"snapshot": {"day": 15, "hour": 12}},
    "high_water_mark_3": {"high_water_mark": {"months": 3, "first_month": 1}},
}


def keyledger_rule(spec):
    """A rule spec above -> what ``bulk_bill`` takes: the spec itself, or a typed ``BillingRule`` in
    the packages that have one (``BillingRule.any_day()``, ``.more_than_days(14)``, ...). Built where
    it is used (on the executors), so only the plain spec is pickled."""
    typed = getattr(kl, "BillingRule", None)
    if typed is None:
        return spec
    if hasattr(typed, "from_json"):
        import json
        return typed.from_json(json.dumps({"more_than_days": spec} if isinstance(spec, int) else spec))
    if isinstance(spec, int):
        return typed.more_than_days(spec)
    if isinstance(spec, str):
        return getattr(typed, spec)()
    (name, kwargs), = spec.items()
    return getattr(typed, name)(**kwargs)


def rule_available(spec) -> bool:
    """Whether this build of the Python package can express the rule (the typed binding may not have
    a constructor for every preset the core has yet)."""
    try:
        keyledger_rule(spec)
        return True
    except (AttributeError, ValueError):  # no constructor; KeyledgerError is a ValueError
        return False


# ---------------------------------------------------------------------------------------------
# The adapter: per-partition work (update), merge, finish. Everything keyledger-specific is here.

# Licence columns, one row per licence: what `finish` needs beside the partials.
LICENCE_SCHEMA = "licence long, range long, activated_at long, deactivated_at long, " \
                 "last_contact_before long, grp long"
# What stage 2 returns per licence range: per rule and bucket, licences billed, Σ billable days, and a
# per-licence digest Σ (licence + 1) · days, so that per-licence days are compared too.
RESULT_SCHEMA = "rule long, grp long, licences long, billable_days long, days_digest long"


class RowsPartial:
    """Today's partial of a licence: its call-home instants. Exact for every rule, 16 bytes per row."""

    #: Arrow schema of the partial rows emitted by stage 1 (Spark DDL).
    SCHEMA = "range long, licence long, t long"

    @staticmethod
    def update(batch: pa.RecordBatch, per_range: int) -> pa.RecordBatch:
        """Stage 1, on an executor: one Arrow batch of call-home rows -> partial rows."""
        licence = batch.column("licence").to_numpy()
        return pa.record_batch({"range": licence // per_range, "licence": licence,
                                "t": batch.column("t").to_numpy()})

    @staticmethod
    def finish(partials: pa.Table, licences: pa.Table, rule) -> Tuple[Dict[str, np.ndarray], np.ndarray]:
        """Stage 2, on an executor: the partials of one licence range (from any number of stage-1
        tasks; merging rows partials is concatenation, which the shuffle already did) and that
        range's licences -> keyledger's result, and the licence ids in result order."""
        licences = licences.sort_by("licence")
        ids = licences.column("licence").to_numpy()
        call_licence = partials.column("licence").to_numpy()
        index = np.searchsorted(ids, call_licence)
        if len(call_licence) and (index.max() >= len(ids) or not np.array_equal(ids[index], call_licence)):
            raise ValueError("a call-home names a licence missing from the licence table")
        # The rows come in shuffle order. Sorted by time (cheap: one range's rows): main's bulk path
        # wants each licence's rows in time order; billing's reads any order.
        t = partials.column("t").to_numpy().astype(np.int64)
        order = np.argsort(t, kind="stable")
        col = lambda name: licences.column(name).to_numpy()  # noqa: E731
        r = kl.bulk_bill(index[order].astype(np.uint32), t[order],
                         col("activated_at"), col("deactivated_at"), col("last_contact_before"),
                         col("grp").astype(np.uint16), GROUPS, MONTH, rule=keyledger_rule(rule))
        return r, ids


PARTIAL = RowsPartial

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
    silent = kind == 99
    group = rng.integers(0, GROUPS, n)
    rows_l, rows_t = [], []
    for d in range(DAYS):
        live = ((activated <= START + d * DAY) & (first_day <= d) & (d <= last_day)
                & (deactivated > START + (d + 1) * DAY) & ~silent & (rng.random(n) < 0.85))
        ls = np.nonzero(live)[0]
        rows_l.append(ls)
        rows_t.append(START + d * DAY + rng.integers(0, DAY, len(ls)))
    licence = np.concatenate(rows_l).astype(np.int64)
    at = np.concatenate(rows_t).astype(np.int64)
    order = rng.permutation(len(licence))  # the warehouse gives no order
    return licence[order], at[order], activated, deactivated, before, group


def single_process(licence, at, activated, deactivated, before, group, rule):
    """The reference: keyledger over every row in one call, in time order (see RowsPartial.finish)."""
    order = np.argsort(at, kind="stable")
    r = kl.bulk_bill(licence[order].astype(np.uint32), at[order], activated, deactivated, before,
                     group.astype(np.uint16), GROUPS, MONTH, rule=keyledger_rule(rule))
    days = np.asarray(r["days"], dtype=np.int64)
    digest = {g: 0 for g in range(GROUPS)}
    for g in range(GROUPS):
        sel = group == g
        digest[g] = int(((np.arange(len(group))[sel] + 1) * days[sel]).sum())
    return {g: (int(r["groups"][g]["licences"]), int(r["groups"][g]["billable_days"]), digest[g])
            for g in range(GROUPS)}


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


def stage1(calls, per_range: int):
    """mapInArrow over the call-home rows, any partitioning: per-licence partials, keyed by range."""
    def update(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            yield PARTIAL.update(batch, per_range)
    return calls.mapInArrow(update, PARTIAL.SCHEMA)


def stage2(partials, licences, rules):
    """Shuffle by licence range; per range merge the partials and finish them with its licences,
    once per rule (one shuffle for every rule billed)."""
    names = list(rules)
    cols = ("rule", "grp", "licences", "billable_days", "days_digest")

    def merge_finish(parts: pa.Table, lics: pa.Table) -> pa.Table:
        if lics.num_rows == 0:
            if parts.num_rows:
                raise ValueError("call-homes for a licence range with no licences")
            return pa.table({c: [] for c in cols}, schema=pa.schema([(c, pa.int64()) for c in cols]))
        grp = lics.sort_by("licence").column("grp").to_numpy()
        out = {c: [] for c in cols}
        for k, name in enumerate(names):
            r, ids = PARTIAL.finish(parts, lics, rules[name])
            days = np.asarray(r["days"], dtype=np.int64)
            for g in range(GROUPS):
                out["rule"].append(k)
                out["grp"].append(g)
                out["licences"].append(int(r["groups"][g]["licences"]))
                out["billable_days"].append(int(r["groups"][g]["billable_days"]))
                out["days_digest"].append(int(((ids[grp == g] + 1) * days[grp == g]).sum()))
        return pa.table(out)
    return (partials.groupBy("range").cogroup(licences.groupBy("range"))
            .applyInArrow(merge_finish, schema=RESULT_SCHEMA))


def collect_counts(result, rules) -> Dict[str, Dict[int, Tuple[int, int, int]]]:
    """On the driver: the per-range rows summed per rule and bucket (a few rows per range)."""
    from pyspark.sql import functions as F
    rows = (result.groupBy("rule", "grp")
            .agg(F.sum("licences").alias("l"), F.sum("billable_days").alias("d"),
                 F.sum("days_digest").alias("h")).collect())
    names = list(rules)
    out = {name: {g: (0, 0, 0) for g in range(GROUPS)} for name in names}
    for r in rows:
        out[names[int(r["rule"])]][int(r["grp"])] = (int(r["l"]), int(r["d"]), int(r["h"]))
    return out


def arrow_bytes(df) -> int:
    """Σ Arrow size of a DataFrame's batches, measured on the executors."""
    def size(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        yield pa.record_batch({"bytes": [sum(b.nbytes for b in batches)]})
    return int(sum(r["bytes"] for r in df.mapInArrow(size, "bytes long").collect()))


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
    lic_ids = np.arange(args.licences, dtype=np.int64)
    licences = spark.createDataFrame(pd.DataFrame({
        "licence": lic_ids, "range": lic_ids // args.range, "activated_at": activated,
        "deactivated_at": deactivated, "last_contact_before": before, "grp": group.astype(np.int64)}))
    print(f"data: {args.licences} licences, {len(licence)} call-homes, {args.input_partitions} input "
          f"partitions by time, {n_ranges} licence ranges of {args.range} "
          f"({time.time() - t0:.1f}s incl. JVM start)", flush=True)

    partials = stage1(calls, args.range).cache()
    partial_bytes = arrow_bytes(partials)
    licence_bytes = arrow_bytes(licences)
    print(f"shuffled: partials {partial_bytes} B ({partial_bytes / args.licences:.1f} B per licence), "
          f"licence rows {licence_bytes} B ({licence_bytes / args.licences:.1f} B per licence); "
          f"adapter {PARTIAL.__name__}", flush=True)

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

    rules = {name: spec for name, spec in RULES.items() if rule_available(spec)}
    skipped = [name for name in RULES if name not in rules]
    if skipped:
        print(f"skipped: {', '.join(skipped)} (this keyledger Python package cannot express "
              "these rules yet: no BillingRule constructor for them)", flush=True)
    t1 = time.time()
    counts = collect_counts(stage2(partials, licences, rules), rules)
    print(f"stage 2 (shuffle, merge, finish; {len(rules)} rules) and collect: {time.time() - t1:.1f}s",
          flush=True)
    for name, rule in rules.items():
        got = counts[name]
        summary = {g: got[g][:2] for g in range(GROUPS)}
        if args.check:
            want = single_process(licence, at, activated, deactivated, before, group, rule)
            check(got == want and any(v[0] for v in got.values()),
                  f"spark {name} {summary} == single process "
                  f"{ {g: want[g][:2] for g in range(GROUPS)} } (and the per-licence days digest)")
        else:
            print(f"{name}: (licences, billable days) per bucket {summary}", flush=True)
    spark.stop()
    if args.check:
        print(f"spark billing: {passed} passed, {failed} failed, {len(skipped)} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
