"""Bulk billing from numpy and Arrow (pyarrow, polars, DuckDB) columns; per-licence results as arrays;
partial results (BulkPartial) that merge to the one-pass answer, for every rule."""
import pickle
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import keyledger as kl

pa = pytest.importorskip("pyarrow")

START = 1_793_491_200  # 2026-11-01T00:00:00Z
DAY = 86_400
I64_MAX = 2**63 - 1
I64_MIN = -(2**63)
MONTH = "2026-11"

RULES = {
    "any_day": kl.BillingRule.any_day(),
    "more_than_14_days": kl.BillingRule.more_than_days(14),
    "prorated": kl.BillingRule.prorated(),
    "end_of_month": kl.BillingRule.end_of_month(),
    "peak": kl.BillingRule.peak(),
    "rolling_31": kl.BillingRule.rolling_window(),
    "rolling_10_first_month_free": kl.BillingRule.rolling_window(10, first_month_free=True),
    "snapshot_15th_12h": kl.BillingRule.snapshot(15, 12),
    "high_water_mark_3": kl.BillingRule.high_water_mark(3),
}


def month_columns(n=300, seed=7):
    """A small month: healthy, new, deactivated, lapsed and silent licences (rows in no order)."""
    rng = np.random.default_rng(seed)
    kind = rng.integers(0, 10, n)
    act = np.where(kind < 7, START - 90 * DAY, START + rng.integers(0, 30, n) * DAY).astype(np.int64)
    act[kind == 9] = I64_MAX
    deact = np.where(kind == 7, START + rng.integers(1, 30, n) * DAY, I64_MAX).astype(np.int64)
    before = np.where(kind < 5, START - rng.integers(1, 40, n) * DAY, I64_MIN).astype(np.int64)
    group = rng.integers(0, 3, n).astype(np.uint16)
    rows = rng.integers(0, 40, n)
    licence = np.repeat(np.arange(n, dtype=np.uint32), rows)
    at = (START + rng.integers(-3 * DAY, 31 * DAY, len(licence))).astype(np.int64)
    order = rng.permutation(len(licence))
    return licence[order], at[order], act, deact, before, group


def same(a, b):
    assert np.array_equal(a.days, b.days) and np.array_equal(a.billed, b.billed)
    assert [(g.licences, g.billable_days, g.quantity) for g in a.groups] == \
        [(g.licences, g.billable_days, g.quantity) for g in b.groups]


def test_results_are_arrays_and_export_arrow():
    cols = month_columns()
    r = kl.bulk_bill(*cols, 3, MONTH, rule=kl.BillingRule.storagecraft())
    assert isinstance(r, kl.BulkResult) and len(r) == 300
    assert isinstance(r.days, np.ndarray) and r.days.dtype == np.uint8 and r.days.shape == (300,)
    assert r.billed.dtype == np.bool_ and (r.billed == (r.days > 14)).all()
    assert [g.licences for g in r.groups] == [int(r.billed[cols[5] == g].sum()) for g in range(3)]
    batch = pa.record_batch(r)
    assert batch.schema.names == ["days", "billed"] and batch.column("days").type == pa.uint8()
    assert batch.column("days").to_pylist() == r.days.tolist()
    # The fast path reads each licence's rows in time order (bulk::any_day_counts decides a licence on
    # its first row inside the window).
    order = np.argsort(cols[1], kind="stable")
    rows = (cols[0][order], cols[1][order])
    assert kl.bulk_any_day_counts(*rows, *cols[2:], 3, MONTH, time_sorted=True) == \
        [g.licences for g in kl.bulk_bill(*cols, 3, MONTH).groups]
    assert kl.bulk_any_day_counts(*[pa.array(c) for c in (*rows, *cols[2:])], 3, MONTH) == \
        kl.bulk_any_day_counts(*rows, *cols[2:], 3, MONTH)


@pytest.mark.parametrize("rule", list(RULES))
def test_arrow_inputs_bill_as_numpy(rule):
    cols = month_columns()
    want = kl.bulk_bill(*cols, 3, MONTH, rule=RULES[rule])
    arrays = [pa.array(c) for c in cols]
    same(kl.bulk_bill(*arrays, 3, MONTH, rule=RULES[rule]), want)
    # Chunked arrays (a table's columns) in several chunks, and the table's own columns.
    chunked = [pa.chunked_array([c[: len(c) // 3], c[len(c) // 3:]]) for c in cols]
    same(kl.bulk_bill(*chunked, 3, MONTH, rule=RULES[rule]), want)
    # Other integer types and timestamps are converted.
    wide = [pa.array(cols[0].astype(np.int64)), pa.array(cols[1] * 1000, pa.timestamp("ms", tz="UTC"))]
    same(kl.bulk_bill(*wide, *cols[2:5], pa.array(cols[5].astype(np.int32)), 3, MONTH, rule=RULES[rule]), want)


def test_polars_and_duckdb_results():
    cols = month_columns()
    want = kl.bulk_bill(*cols, 3, MONTH)
    pl = pytest.importorskip("polars")
    series = [pl.Series(c) for c in cols]
    same(kl.bulk_bill(*series, 3, MONTH), want)
    duckdb = pytest.importorskip("duckdb")
    calls = pa.table({"licence": cols[0], "at": cols[1]})  # noqa: F841 (read by DuckDB by name)
    res = duckdb.sql('select licence, "at" from calls').arrow()
    table = res.read_all() if hasattr(res, "read_all") else res
    same(kl.bulk_bill(table["licence"], table["at"], *cols[2:], 3, MONTH), want)


def test_numpy_of_other_dtypes_and_lists_are_converted_with_checks():
    cols = month_columns(40)
    want = kl.bulk_bill(*cols, 3, MONTH)
    same(kl.bulk_bill(cols[0].astype(np.int64), list(cols[1]), *cols[2:5], cols[5].astype(np.int64), 3, MONTH), want)
    same(kl.bulk_bill(cols[0][::1], cols[1], *cols[2:5], np.asfortranarray(cols[5]), 3, MONTH), want)
    strided = np.repeat(cols[1], 2)[::2]
    same(kl.bulk_bill(cols[0], strided, *cols[2:], 3, MONTH), want)
    with pytest.raises(kl.ArgumentError) as e:
        kl.bulk_bill(*cols[:5], cols[5].astype(np.int64) + 70_000, 3, MONTH)
    assert e.value.argument == "group"
    with pytest.raises(kl.ArgumentError) as e:
        kl.bulk_bill(pa.array([0, None], pa.uint32()), cols[1][:2], *cols[2:], 3, MONTH)
    assert e.value.argument == "licence" and "null" in str(e.value)
    with pytest.raises(kl.ArgumentError):
        kl.bulk_bill(cols[0], pa.array(["a"] * len(cols[1])), *cols[2:], 3, MONTH)
    with pytest.raises(kl.ArgumentError):
        kl.bulk_bill(cols[0], cols[1].astype(np.float64), *cols[2:], 3, MONTH)
    with pytest.raises(kl.BillingError) as b:
        kl.bulk_bill(cols[0], cols[1][:-1], *cols[2:], 3, MONTH)
    assert b.value.code == "billing.column_length"


def test_numpy_is_read_in_place():
    # The native side reads the caller's buffer: a read-only view is accepted (nothing written, no copy
    # needed) and the result is the same as from a fresh array.
    cols = [c.copy() for c in month_columns(50)]
    for c in cols:
        c.setflags(write=False)
    same(kl.bulk_bill(*cols, 3, MONTH), kl.bulk_bill(*[c.copy() for c in cols], 3, MONTH))


MISSING = r"""
import sys
sys.modules["numpy"] = None  # as if numpy were not installed
import keyledger as kl
try:
    kl.bulk_bill([0], [0], [0], [0], [0], [0], 1, "2026-11")
except kl.MissingExtraError as e:
    assert e.extra == "numpy" and "keyledger[numpy]" in str(e), e
    print("missing numpy: ok")
else:
    raise SystemExit("no MissingExtraError")
try:
    import pyarrow as pa
except ImportError:
    print("pyarrow needs numpy here: skipped")
    raise SystemExit(0)
r = kl.bulk_bill(pa.array([0], pa.uint32()), pa.array([0]), pa.array([0]), pa.array([2**63 - 1]),
                 pa.array([-(2**63)]), pa.array([0], pa.uint16()), 1, "1970-01")
assert pa.record_batch(r).column("days").to_pylist() == [15]  # 1-15 Jan: Late until 14 days after
try:
    r.days
except kl.MissingExtraError as e:
    assert e.extra == "numpy"
    print("arrow without numpy: ok")
"""


def test_missing_numpy_names_the_extra():
    out = subprocess.run([sys.executable, "-c", MISSING], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "missing numpy: ok" in out.stdout


# ---- partial results -------------------------------------------------------------------------------


def test_partial_basics_pickle_and_errors():
    cols = month_columns(20)
    licence, at = cols[0], cols[1]
    order = np.argsort(at, kind="stable")
    p = kl.BulkPartial(20, MONTH, rule=kl.BillingRule.peak())
    assert (p.first, p.licences, p.rule) == (0, 20, kl.BillingRule.peak())
    p.update(licence[order], at[order], *cols[2:5])
    q = pickle.loads(pickle.dumps(p))
    assert q == p and q is not p and kl.BulkPartial.from_bytes(p.to_bytes()) == p
    same(q.finish(*cols[2:], 3), kl.bulk_bill(*cols, 3, MONTH, rule=kl.BillingRule.peak()))
    with pytest.raises(kl.BillingError) as e:
        kl.BulkPartial.from_bytes(p.to_bytes()[:-1])
    assert e.value.code == "billing.partial_mismatch"
    with pytest.raises(kl.BillingError) as e:
        p.merge(kl.BulkPartial(20, MONTH))
    assert e.value.code == "billing.partial_mismatch"
    before = p.to_bytes()
    with pytest.raises(kl.BillingError):
        p.update(np.array([99], dtype=np.uint32), at[:1], *cols[2:5])
    assert p.to_bytes() == before  # untouched on error
    with pytest.raises(kl.ArgumentError):
        kl.BulkPartial.from_bytes("text")


@st.composite
def split_month(draw):
    n = draw(st.integers(1, 12))
    rows = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(-3 * DAY, 32 * DAY)), max_size=80))
    pick = st.sampled_from
    act = [draw(pick([START - 60 * DAY, START - DAY, START, START + 3 * DAY + 7, START + 20 * DAY, I64_MAX]))
           for _ in range(n)]
    deact = [draw(pick([I64_MAX, START - DAY, START + 5 * DAY, START + 25 * DAY + 3, START + 30 * DAY]))
             for _ in range(n)]
    before = [draw(pick([I64_MIN, START - 40 * DAY, START - 15 * DAY, START - 2 * DAY, START - 1]))
              for _ in range(n)]
    group = [draw(st.integers(0, 1)) for _ in range(n)]
    # Random splits: the licences into adjacent ranges, the month into time ranges, each time range
    # of a range into batches.
    licence_cuts = sorted(set(draw(st.lists(st.integers(1, n), max_size=3)) + [n]))
    time_cuts = sorted(set(draw(st.lists(st.integers(-3 * DAY, 32 * DAY), max_size=4))))
    seed = draw(st.integers(0, 2**32 - 1))
    rule = draw(pick(list(RULES)))
    return n, rows, act, deact, before, group, licence_cuts, time_cuts, seed, rule


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(split_month())
def test_partials_merged_equal_one_pass_for_every_rule(case):
    n, rows, act, deact, before, group, licence_cuts, time_cuts, seed, name = case
    rule = RULES[name]
    rng = np.random.default_rng(seed)
    licence = np.array([r[0] for r in rows], dtype=np.uint32)
    at = np.array([START + r[1] for r in rows], dtype=np.int64)
    act, deact, before = (np.array(x, dtype=np.int64) for x in (act, deact, before))
    group = np.array(group, dtype=np.uint16)
    want = kl.bulk_bill(licence, at, act, deact, before, group, 2, MONTH, rule=rule)

    bounds = [-(2**62)] + [START + c for c in time_cuts] + [2**62]
    ranges, lo = [], 0
    for hi in licence_cuts:
        ranges.append((lo, hi))
        lo = hi
    merged_ranges = []
    for lo, hi in ranges:
        cols = (act[lo:hi], deact[lo:hi], before[lo:hi])
        slices = []
        for a, z in zip(bounds, bounds[1:]):
            sel = (licence >= lo) & (licence < hi) & (at >= a) & (at < z)
            ls, ts = licence[sel], at[sel]
            order = np.argsort(ts, kind="stable")
            ls, ts = ls[order], ts[order]
            p = kl.BulkPartial(hi - lo, MONTH, rule=rule, first=lo)
            k = int(rng.integers(0, len(ls) + 1))
            p.update(ls[:k], ts[:k], *cols)
            p.update(ls[k:], ts[k:], *cols)
            # Across the shuffle as bytes (or pickled).
            slices.append(pickle.loads(pickle.dumps(p)) if rng.integers(0, 2) else kl.BulkPartial.from_bytes(p.to_bytes()))
        # Merge neighbours in time in a random order (each merged partial covers one time range).
        while len(slices) > 1:
            i = int(rng.integers(0, len(slices) - 1))
            a, b = slices[i], slices[i + 1]
            if rng.integers(0, 2):
                a.merge(b)
                slices[i: i + 2] = [a]
            else:
                b.merge(a)
                slices[i: i + 2] = [b]
        part = slices[0]
        got = part.finish(*cols, group[lo:hi], 2)
        assert np.array_equal(got.days, want.days[lo:hi]) and np.array_equal(got.billed, want.billed[lo:hi])
        merged_ranges.append(part)
    # Then the adjacent licence ranges, in a random order of neighbours.
    while len(merged_ranges) > 1:
        i = int(rng.integers(0, len(merged_ranges) - 1))
        a, b = merged_ranges[i], merged_ranges[i + 1]
        if rng.integers(0, 2):
            a.merge(b)
            merged_ranges[i: i + 2] = [a]
        else:
            b.merge(a)
            merged_ranges[i: i + 2] = [b]
    whole = merged_ranges[0]
    assert (whole.first, whole.licences) == (0, n)
    same(whole.finish(act, deact, before, group, 2), want)


@pytest.mark.parametrize("rule", list(RULES))
def test_partials_over_arrow_batches(rule):
    cols = month_columns(200, seed=3)
    licence, at = cols[0], cols[1]
    order = np.argsort(at, kind="stable")
    table = pa.table({"licence": licence[order], "at": at[order]})
    p = kl.BulkPartial(200, MONTH, rule=RULES[rule])
    for batch in table.to_batches(max_chunksize=500):
        p.update(batch.column("licence"), batch.column("at"), *[pa.array(c) for c in cols[2:5]])
    same(p.finish(*cols[2:], 3), kl.bulk_bill(*cols, 3, MONTH, rule=RULES[rule]))
