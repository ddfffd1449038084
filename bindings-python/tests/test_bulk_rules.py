"""The vendor rule presets from Python, on the bulk path."""
import json

import numpy as np
import pytest

import keyledger as kl

START = 1_793_491_200  # 2026-11-01T00:00:00Z
DAY = 86_400
I64_MAX = 2**63 - 1
I64_MIN = -(2**63)


def columns():
    # Licence 0 calls home daily all month; licence 1 is activated on 21 Nov and never calls home;
    # licence 2 stopped calling on 5 Nov (last contact) and is not billable on the 25th.
    rows = sorted([(START + d * DAY + 3600, 0) for d in range(30)] + [(START + 4 * DAY, 2)])
    licence = np.array([r[1] for r in rows], dtype=np.uint32)
    at = np.array([r[0] for r in rows], dtype=np.int64)
    act = np.array([START - 100 * DAY, START + 20 * DAY, START - 100 * DAY], dtype=np.int64)
    deact = np.array([I64_MAX] * 3, dtype=np.int64)
    before = np.array([START - 1, I64_MIN, START - 1], dtype=np.int64)
    group = np.array([0, 1, 0], dtype=np.uint16)
    return licence, at, act, deact, before, group


def billed(rule):
    r = kl.bulk_bill(*columns(), 2, "2026-11", rule=rule)
    return [g.licences for g in r.groups]


def test_presets_are_selectable_and_serialise_as_the_core_does():
    assert json.loads(kl.BillingRule.rolling_window().to_json()) == {
        "rolling_window": {"days": 31, "first_month_free": False}}
    assert json.loads(kl.BillingRule.snapshot(25, 6).to_json()) == {"snapshot": {"day": 25, "hour": 6}}
    assert json.loads(kl.BillingRule.high_water_mark(3).to_json()) == {
        "high_water_mark": {"months": 3, "first_month": 1}}
    assert kl.BillingRule.rolling_window(31) == kl.BillingRule.rolling_window()


def test_presets_bill_on_the_bulk_path():
    # Rolling 31 days: all three were billable in the window; first month free drops licence 1.
    assert billed(kl.BillingRule.rolling_window()) == [2, 1]
    assert billed(kl.BillingRule.rolling_window(first_month_free=True)) == [2, 0]
    # Snapshot on the 25th at 00:00: licence 0 and the new licence 1; licence 2 went Disabled on the 19th.
    assert billed(kl.BillingRule.snapshot(25)) == [1, 1]
    assert billed(kl.BillingRule.high_water_mark(3)) == [2, 1]


@pytest.mark.parametrize("make", [lambda: kl.BillingRule.snapshot(0), lambda: kl.BillingRule.snapshot(25, 24),
                                  lambda: kl.BillingRule.high_water_mark(5),
                                  lambda: kl.BillingRule.rolling_window(0)])
def test_bad_parameters_are_typed_errors(make):
    with pytest.raises(kl.BillingError) as e:
        make()
    assert e.value.code == "billing.bad_rule"
