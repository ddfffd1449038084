#!/usr/bin/env python3
"""A month of call-homes billed inside Apache Spark, keyledger doing the per-partition work.

    PYSPARK_PYTHON=.venv/bin/python .venv/bin/python examples/spark/bill_month.py [LICENCES] [RANGE]

The call-homes (licence, t) and the licences (licence, activated_at, deactivated_at,
last_contact_before, group) are two DataFrames. Both are keyed by licence range
(`licence // RANGE`); `groupBy(range).cogroup(...).applyInArrow` hands each executor task the Arrow
tables of one range, where `keyledger.bulk_bill` bills it (zero-copy numpy views of the Arrow
columns). Each task returns its partial result — per bucket: licences billed, Σ billable days — and
the driver merges the partials (sums). The script asserts the merged counts equal the single-process
`bulk_bill` over all the data, for every additive rule. See docs/spark.md for how it scales.
"""
import os
import sys

os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)

import numpy as np  # noqa: E402
import pyarrow as pa  # noqa: E402
from pyspark.sql import SparkSession  # noqa: E402

import keyledger as kl  # noqa: E402

START = 1_793_491_200  # 2026-11-01T00:00:00Z
DAY = 86_400
I64_MAX = np.iinfo(np.int64).max
I64_MIN = np.iinfo(np.int64).min
MONTH = "2026-11"
RULES = {
    "any_day": "any_day",
    "more_than_14": {"more_than_days": 14},
    "prorated": "prorated",
    "end_of_month": "end_of_month",
    "rolling_31": {"rolling_window": {"days": 31}},
    "rolling_31_first_month_free": {"rolling_window": {"days": 31, "first_month_free": True}},
    "snapshot_15th_12h": {"snapshot": {"day": 15, "hour": 12}},
    "high_water_mark_3": {"high_water_mark": {"months": 3, "first_month": 1}},
}


def data(n, seed=42):
    """A small deterministic month: healthy, new, deactivated, silent and lapsed licences."""
    rng = np.random.default_rng(seed)
    kind = rng.integers(0, 100, n)
    act = np.where(kind < 90, START - 100 * DAY, START + rng.integers(0, 29, n) * DAY)
    deact = np.where((kind >= 93) & (kind < 96), START + rng.integers(1, 29, n) * DAY, I64_MAX)
    before = np.where(kind < 90, START - rng.integers(1, 40, n) * DAY, I64_MIN)
    group = rng.integers(0, 3, n).astype(np.int64)
    last_day = np.where((kind >= 96), rng.integers(0, 29, n), 29)
    rows_l, rows_t = [], []
    for d in range(30):
        live = (act <= START + d * DAY) & (d <= last_day) & (deact > START + (d + 1) * DAY) & (kind < 98)
        ls = np.nonzero(live)[0]
        ts = START + d * DAY + rng.integers(0, DAY, len(ls))
        order = np.argsort(ts, kind="stable")
        rows_l.append(ls[order])
        rows_t.append(ts[order])
    return np.concatenate(rows_l), np.concatenate(rows_t), act, deact, before, group


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    per_range = int(sys.argv[2]) if len(sys.argv) > 2 else 2_500
    licence, at, act, deact, before, group = data(n)
    spark = (SparkSession.builder.master("local[2]").appName("keyledger-billing")
             .config("spark.ui.enabled", "false")
             .config("spark.sql.shuffle.partitions", "4")
             .config("spark.sql.execution.arrow.pyspark.enabled", "true")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    calls = spark.createDataFrame(pa.table({"licence": licence, "t": at}).to_pandas())
    lics = spark.createDataFrame(pa.table({
        "licence": np.arange(n, dtype=np.int64), "act": act, "deact": deact, "before": before,
        "grp": group}).to_pandas())
    calls = calls.withColumn("range", (calls.licence / per_range).cast("long"))
    lics = lics.withColumn("range", (lics.licence / per_range).cast("long"))
    failures = 0
    for name, rule in RULES.items():
        def bill_range(c: pa.Table, lic: pa.Table, rule=rule) -> pa.Table:
            # Runs on an executor: one licence range, its call-homes and its licences.
            lic = lic.sort_by("licence")
            first = lic["licence"][0].as_py()
            np_col = lambda t, name: t[name].to_numpy()
            r = kl.bulk_bill((np_col(c, "licence") - first).astype(np.uint32), np_col(c, "t"),
                             np_col(lic, "act"), np_col(lic, "deact"), np_col(lic, "before"),
                             np_col(lic, "grp").astype(np.uint16), 3, MONTH, rule=rule)
            return pa.table({"grp": [0, 1, 2],
                             "licences": [g["licences"] for g in r["groups"]],
                             "billable_days": [g["billable_days"] for g in r["groups"]]})

        parts = (calls.groupBy("range").cogroup(lics.groupBy("range"))
                 .applyInArrow(bill_range, schema="grp long, licences long, billable_days long"))
        merged = {row["grp"]: (row["licences"], row["billable_days"])
                  for row in parts.groupBy("grp").sum("licences", "billable_days")
                  .withColumnRenamed("sum(licences)", "licences")
                  .withColumnRenamed("sum(billable_days)", "billable_days").collect()}
        one = kl.bulk_bill(licence.astype(np.uint32), at, act, deact, before, group.astype(np.uint16), 3, MONTH,
                           rule=rule)
        want = {g: (one["groups"][g]["licences"], one["groups"][g]["billable_days"]) for g in range(3)}
        ok = merged == want
        failures += not ok
        print(f"{'ok' if ok else 'FAILED'}: spark {name}: {merged} == single process {want}", flush=True)
    spark.stop()
    print(f"spark billing: {len(RULES) - failures} passed, {failures} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
