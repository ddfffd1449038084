"""Billing and quota accounting from Python."""

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

import keyledger as kl

T0 = datetime(2026, 10, 1, 9, 0, tzinfo=timezone.utc)
ISSUER = kl.Issuer(b"python billing secret, 32 bytes.")


def story():
    ledger = kl.Ledger()
    keys = ledger.generate_keys(ISSUER, kl.SHADOWPROTECT_MSP, 2, now=T0)
    (im,) = ledger.generate_keys(ISSUER, kl.IMAGEMANAGER, 1, now=T0)
    ledger.activate(keys[0], "a", "MSP", "C", edition="Server", now=T0)
    ledger.activate(keys[1], "b", "MSP", "C", edition="Desktop", now=T0 + timedelta(days=25))
    ledger.activate(im, "c", "MSP", "C", now=T0)
    for d in range(1, 31):
        ledger.call_home(keys[0], "a", now=T0 + timedelta(days=d))
    return ledger


def prices(rule="any_day"):
    p = kl.PriceList("USD", rule)
    p.set_price(kl.SHADOWPROTECT_MSP, "Server", Decimal("25.00"))
    p.set_price(kl.SHADOWPROTECT_MSP, "Desktop", Decimal("6.00"))
    p.set_price(kl.IMAGEMANAGER, None, Decimal("12.50"))
    return p


def test_billing_detail_any_day_and_storagecraft_rule():
    hs = story().licence_histories(datetime(2026, 11, 1, tzinfo=timezone.utc))
    any_day = kl.billing_detail(hs, "2026-10", prices())
    assert any_day.total == Decimal("43.50")
    assert isinstance(any_day.report["total"], Decimal)
    assert "GRAND TOTAL" in str(any_day)
    assert any_day.to_csv().splitlines()[0].startswith("section")
    sc = kl.billing_detail(hs, "2026-10", prices(14))
    # Desktop activated on the 26th: 6 days, not more than 14.
    assert sc.total == Decimal("37.50")
    rows = [r for t in sc.to_dict()["tables"] for r in t["rows"]]
    assert any("≤ 14" in r["explanation"] for r in rows)


def test_billing_errors_are_typed():
    hs = story().licence_histories(datetime(2026, 11, 1, tzinfo=timezone.utc))
    with pytest.raises(kl.BillingError) as e:
        kl.billing_detail(hs, "2026-13", prices())
    assert e.value.code.startswith("billing.")
    with pytest.raises(kl.BillingError) as e:
        kl.billing_detail(hs, "2026-10", prices(), zone="Mars/Olympus")
    assert e.value.code == "billing.unknown_time_zone"
    missing = kl.PriceList("USD")
    missing.set_price(kl.SHADOWPROTECT_MSP, "Server", Decimal("1"))
    with pytest.raises(kl.BillingError) as e:
        kl.billing_detail(hs, "2026-10", missing)
    assert e.value.code == "billing.missing_price"
    with pytest.raises(kl.ArgumentError):
        kl.PriceList("USD").set_price(1, None, 9.99)


def test_recompute_reports_and_explains():
    ledger = story()
    until = datetime(2026, 11, 1, tzinfo=timezone.utc)
    early = kl.billing_detail(ledger.licence_histories(until), "2026-10", prices())
    again = kl.recompute(early, ledger.licence_histories(until), prices())
    assert again["report"]["total"] == early.total
    report = kl.activation_report(ledger.licence_histories(until), date(2026, 10, 1), date(2026, 10, 31))
    events = [r["event"] for r in report["report"]["rows"]]
    # Three activations; the ImageManager never called home, so it lapsed on 31 October.
    assert sorted(events) == ["activated"] * 3 + ["deactivated"] and report["csv"]
    t = kl.trends(ledger.licence_histories(until), "2026-10")
    assert len(t["trends"]["months"]) == 12
    ex = kl.explain(ledger.licence_histories(until)[0], "2026-10", rule=14)
    assert ex["billable"] is True


def test_bulk_from_numpy_matches_the_history_path():
    month_start = int(datetime(2026, 11, 1, tzinfo=timezone.utc).timestamp())
    n = 4
    licence = np.array([0, 0, 1, 3], dtype=np.uint32)
    at = np.array([month_start + 3600, month_start + 86400 * 3, month_start + 86400 * 20, month_start + 5], dtype=np.int64)
    activated = np.array([month_start - 86400, month_start + 86400 * 19, 2**63 - 1, month_start], dtype=np.int64)
    deactivated = np.full(n, 2**63 - 1, dtype=np.int64)
    last_before = np.full(n, -(2**63), dtype=np.int64)
    group = np.array([0, 0, 1, 1], dtype=np.uint16)
    counts = kl.bulk_any_day_counts(licence, at, activated, deactivated, last_before, group, 2, "2026-11")
    full = kl.bulk_bill(licence, at, activated, deactivated, last_before, group, 2, "2026-11")
    assert counts == [g["licences"] for g in full["groups"]] == [2, 1]
    # Plain sequences work too.
    assert kl.bulk_any_day_counts(list(licence), list(at), list(activated), list(deactivated), list(last_before),
                                  list(group), 2, "2026-11") == counts
    with pytest.raises(kl.BillingError):
        kl.bulk_any_day_counts(np.array([9], dtype=np.uint32), at[:1], activated, deactivated, last_before, group, 2, "2026-11")


SUB = "mozy-1"


def subscription(limits=None):
    return {"command": "create_subscription", "subscription": SUB, "company": "ACME", "admin_name": "Ann",
            "email": "ann@acme.test", "model": {"kind": "direct"},
            "limits": limits or {"desktop_licences": 2, "server_licences": 1, "desktop_gb": 100, "server_gb": 50,
                                 "sync_available": True, "sync_default_quota_gb": 2}}


def test_quota_story_views_and_errors():
    book = kl.QuotaBook()
    book.execute(subscription(), T0)
    events = book.execute({"command": "create_user", "subscription": SUB, "login": "a@x", "display_name": "A",
                           "group": None, "licence": ["desktop", 60]}, T0)
    assert events[0]["at"] == T0
    view = book.account_view(SUB)
    assert "60 / 100 GB" in view["text"] or "60" in view["text"]
    before = book.to_json()
    with pytest.raises(kl.QuotaError) as e:
        book.execute({"command": "create_user", "subscription": SUB, "login": "b@x", "display_name": "B",
                      "group": None, "licence": ["desktop", 50]}, T0)
    assert e.value.code.startswith("quota.") and book.to_json() == before
    assert e.value.fields  # the numbers involved
    with pytest.raises(kl.QuotaError) as e:
        book.execute({"command": "refresh", "subscription": "nope"}, T0)
    assert e.value.code == "quota.unknown_subscription"
    assert book.refresh_report(SUB)["drift"] == [] or not book.refresh_report(SUB).get("drift")
    assert kl.QuotaBook.from_json(book.to_json()).to_json() == book.to_json()
    book.execute({"command": "register_reseller", "reseller": "r1", "name": "R", "email": "r@x.test"}, T0)
    assert "r@x.test" in book.reseller_view("r1")["text"] or book.reseller_view("r1")["view"]


class QuotaMachine(RuleBasedStateMachine):
    """Random quota operations: limits hold, refresh finds no drift, failures change nothing."""

    def __init__(self):
        super().__init__()
        self.book = kl.QuotaBook()
        self.book.execute(subscription(), T0)
        self.log = []
        self.licences = []

    def run(self, command):
        before = self.book.to_json()
        try:
            events = self.book.execute(command, T0)
        except kl.KeyledgerError as e:
            assert e.code
            assert self.book.to_json() == before
            return []
        self.log.extend(events)
        return events

    @rule(user=st.integers(0, 5), kind=st.sampled_from(["desktop", "server"]), gb=st.integers(0, 120))
    def create_user(self, user, kind, gb):
        self.run({"command": "create_user", "subscription": SUB, "login": f"u{user}", "display_name": "U",
                  "group": None, "licence": [kind, gb]})

    @rule(user=st.integers(0, 5), kind=st.sampled_from(["desktop", "server"]), gb=st.integers(0, 120))
    def assign(self, user, kind, gb):
        for e in self.run({"command": "assign_licence", "subscription": SUB, "login": f"u{user}", "kind": kind,
                           "quota_gb": gb}):
            if "licence" in e["kind"]:
                self.licences.append(e["kind"]["licence"])

    @rule(i=st.integers(0, 10), gb=st.integers(0, 150))
    def change_quota(self, i, gb):
        if self.licences:
            self.run({"command": "change_quota", "subscription": SUB, "licence": self.licences[i % len(self.licences)],
                      "quota_gb": gb})

    @rule(user=st.integers(0, 5), what=st.sampled_from(["suspend_user", "activate_user", "remove_user"]))
    def user_op(self, user, what):
        self.run({"command": what, "subscription": SUB, "login": f"u{user}"})

    @invariant()
    def limits_hold_and_replay_equals_state(self):
        view = self.book.account_view(SUB)["view"]
        text = str(view)
        assert "Traceback" not in text
        report = self.book.refresh_report(SUB)
        assert not report.get("drift"), report
        assert kl.QuotaBook.replay(self._all_events()).to_json() == self.book.to_json()

    def _all_events(self):
        first = kl.QuotaBook()
        return first.execute(subscription(), T0) + self.log


TestQuotaMachine = QuotaMachine.TestCase
TestQuotaMachine.settings = settings(max_examples=25, stateful_step_count=25, deadline=None)
