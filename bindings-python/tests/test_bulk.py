"""The bulk billing path from Python: numpy in, numpy out, every rule, splits by licence range."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import keyledger as kl

START = 1_793_491_200  # 2026-11-01T00:00:00Z
DAY = 86_400
I64_MAX = 2**63 - 1
I64_MIN = -(2**63)
RULES = ["any_day", 14, "prorated", "end_of_month", "peak", {"rolling_window": {"days": 31}},
         {"rolling_window": {"days": 10, "first_month_free": True}}, {"snapshot": {"day": 15, "hour": 12}},
         {"high_water_mark": {"months": 3, "first_month": 1}}]
ADDITIVE = [r for r in RULES if r != "peak"]


def columns(lics):
    rows = sorted((t, i) for i, (_, _, _, calls, _) in enumerate(lics) for t in calls)
    licence = np.array([r[1] for r in rows], dtype=np.uint32)
    at = np.array([r[0] for r in rows], dtype=np.int64)
    act = np.array([x[0] for x in lics], dtype=np.int64)
    deact = np.array([x[1] for x in lics], dtype=np.int64)
    before = np.array([x[2] for x in lics], dtype=np.int64)
    group = np.array([x[4] for x in lics], dtype=np.uint16)
    return licence, at, act, deact, before, group


lic = st.tuples(
    st.one_of(st.just(START), st.integers(START - 40 * DAY, START + 31 * DAY)),
    st.one_of(st.just(I64_MAX), st.integers(START, START + 31 * DAY)),
    st.one_of(st.just(I64_MIN), st.integers(START - 20 * DAY, START - 1)),
    st.lists(st.integers(START - 5 * DAY, START + 31 * DAY), max_size=12),
    st.integers(0, 2),
)


def test_days_and_billed_are_numpy_arrays_and_presets_are_selectable():
    cols = columns([(START, I64_MAX, START - 1, [START + d * DAY for d in range(30)], 0),
                    (START + 20 * DAY, I64_MAX, I64_MIN, [], 1)])
    r = kl.bulk_bill(*cols, 2, "2026-11", rule={"rolling_window": {"days": 31, "first_month_free": True}})
    assert isinstance(r["days"], np.ndarray) and r["days"].dtype == np.uint8
    assert r["days"].tolist() == [30, 10]
    assert isinstance(r["billed"], np.ndarray) and r["billed"].tolist() == [True, False]
    assert [g["licences"] for g in r["groups"]] == [1, 0]
    r = kl.bulk_bill(*cols, 2, "2026-11", rule={"snapshot": {"day": 25, "hour": 0}})
    assert r["billed"].tolist() == [True, True]
    with pytest.raises(kl.BillingError) as e:
        kl.bulk_bill(*cols, 2, "2026-11", rule={"snapshot": {"day": 40, "hour": 0}})
    assert e.value.code == "billing.bad_rule"


@settings(max_examples=60, deadline=None)
@given(st.lists(lic, min_size=1, max_size=8), st.integers(1, 7), st.sampled_from(ADDITIVE))
def test_licence_range_partials_add_up_to_the_whole(lics, cut, rule):
    cols = columns(lics)
    whole = kl.bulk_bill(*cols, 3, "2026-11", rule=rule)
    cut = min(cut, len(lics))
    parts = [columns(lics[:cut]), columns(lics[cut:])] if cut < len(lics) else [cols]
    got = [0, 0, 0]
    days = []
    for p in parts:
        r = kl.bulk_bill(*p, 3, "2026-11", rule=rule)
        got = [a + g["licences"] for a, g in zip(got, r["groups"])]
        days += r["days"].tolist()
    assert got == [g["licences"] for g in whole["groups"]]
    assert days == whole["days"].tolist()


def test_pyarrow_columns_are_accepted():
    pa = pytest.importorskip("pyarrow")
    cols = columns([(START, I64_MAX, START - 1, [START + d * DAY for d in range(30)], 0),
                    (START - 50 * DAY, I64_MAX, START - 20 * DAY, [START + 3 * DAY], 1)])
    arrow = [pa.array(c) for c in cols]
    want = kl.bulk_bill(*cols, 2, "2026-11", rule=14)
    got = kl.bulk_bill(*arrow, 2, "2026-11", rule=14)
    assert got["days"].tolist() == want["days"].tolist() == [30, 15]
    assert [g["licences"] for g in got["groups"]] == [1, 1]
