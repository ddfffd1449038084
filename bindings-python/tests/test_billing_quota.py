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


def prices(rule=None):
    p = kl.PriceList("USD", rule)
    p.set_price(kl.SHADOWPROTECT_MSP, "Server", Decimal("25.00"))
    p.set_price(kl.SHADOWPROTECT_MSP, "Desktop", Decimal("6.00"))
    p.set_price(kl.IMAGEMANAGER, None, Decimal("12.50"))
    return p


def test_billing_detail_any_day_and_storagecraft_rule():
    hs = story().licence_histories(datetime(2026, 11, 1, tzinfo=timezone.utc))
    any_day = kl.billing_detail(hs, "2026-10", prices())
    assert any_day.total == Decimal("43.50")
    assert isinstance(any_day.total, Decimal) and all(isinstance(x.amount, Decimal) for x in any_day.lines)
    assert sum((x.amount for x in any_day.account_totals), Decimal(0)) == any_day.total
    assert "GRAND TOTAL" in str(any_day)
    assert any_day.to_csv().splitlines()[0].startswith("section")
    assert any_day.month == "2026-10" and any_day.currency == "USD" and any_day.rule == kl.BillingRule.any_day()
    sc = kl.billing_detail(hs, "2026-10", prices(kl.BillingRule.storagecraft()))
    # Desktop activated on the 26th: 6 days, not more than 14.
    assert sc.total == Decimal("37.50")
    rows = [r for t in sc.tables for r in t.rows]
    assert any("≤ 14" in r.explanation for r in rows)
    assert {r.key for r in rows if r.billable_days == 6} == {hs[1].key}
    assert kl.BillingRule.storagecraft() == kl.BillingRule.more_than_days(14)
    again = kl.BillingDetail.from_json(sc.to_json())
    assert again.total == sc.total and again.to_json() == sc.to_json()


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
    with pytest.raises(kl.ArgumentError):
        kl.billing_detail([{"key": "x"}], "2026-10", prices())


def test_recompute_reports_and_explains():
    ledger = story()
    until = datetime(2026, 11, 1, tzinfo=timezone.utc)
    early = kl.billing_detail(ledger.licence_histories(until), "2026-10", prices())
    again = kl.recompute(early, ledger.licence_histories(until), prices())
    assert again.report.total == early.total and again.diff.total_delta == Decimal(0)
    report = kl.activation_report(ledger.licence_histories(until), date(2026, 10, 1), date(2026, 10, 31))
    events = [r.event for r in report.rows]
    # Three activations; the ImageManager never called home, so it lapsed on 31 October.
    assert sorted(e.value for e in events) == ["Activated"] * 3 + ["Deactivated"] and report.to_csv()
    assert all(r.at.tzinfo is not None for r in report.rows) and report.start == date(2026, 10, 1)
    t = kl.trends(ledger.licence_histories(until), "2026-10")
    assert len(t.months) == 12 and t.months[-1].month == "2026-10"
    ex = kl.explain(ledger.licence_histories(until)[0], "2026-10", rule=kl.BillingRule.storagecraft())
    assert ex.billable is True and ex.days


def test_recompute_totals_are_decimals_after_a_late_event():
    """Issue 20.7: the diff's totals are Decimal, and they move when a late event changes the month."""
    ledger = story()
    until = datetime(2026, 11, 1, tzinfo=timezone.utc)
    early = kl.billing_detail(ledger.licence_histories(until), "2026-10", prices())
    (late,) = ledger.generate_keys(ISSUER, kl.SHADOWPROTECT_MSP, 1, now=T0)
    ledger.activate(late, "late", "MSP", "C", edition="Server", now=T0 + timedelta(days=3))
    again = kl.recompute(early, ledger.licence_histories(until), prices())
    d = again.diff
    for v in (d.total_before, d.total_after, d.total_delta):
        assert isinstance(v, Decimal)
    assert (d.total_before, d.total_after, d.total_delta) == (Decimal("43.50"), Decimal("68.50"), Decimal("25.00"))
    assert [k.key for k in d.keys] == [late] and all(isinstance(x.delta, Decimal) for x in d.lines)


def test_reports_to_arrow_and_pandas():
    pa = pytest.importorskip("pyarrow")
    hs = story().licence_histories(datetime(2026, 11, 1, tzinfo=timezone.utc))
    r = kl.billing_detail(hs, "2026-10", prices())
    t = pa.table(r)
    assert t.num_rows == len(r.lines)
    assert t.schema.field("amount").type == pa.decimal128(38, 2)
    assert [Decimal(x) for x in t.column("amount").to_pylist()] == [x.amount for x in r.lines]
    rows = r.rows_to_arrow()
    assert rows.schema.field("activated_at").type == pa.timestamp("us", "UTC")
    report = kl.activation_report(hs, date(2026, 10, 1), date(2026, 10, 31))
    at = pa.table(report).column("at").to_pylist()
    assert at == [x.at for x in report.rows] and at[0].tzinfo is not None
    assert pa.table(kl.trends(hs, "2026-10")).num_rows > 0
    pd = pytest.importorskip("pandas")
    df = r.to_pandas()
    assert isinstance(df, pd.DataFrame) and list(df["amount"]) == [x.amount for x in r.lines]


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
    assert counts == [g.licences for g in full.groups] == [2, 1]
    assert kl.bulk_bill(licence, at, activated, deactivated, last_before, group, 2, "2026-11",
                        rule=kl.BillingRule.storagecraft()).groups
    # Plain sequences work too.
    assert kl.bulk_any_day_counts(list(licence), list(at), list(activated), list(deactivated), list(last_before),
                                  list(group), 2, "2026-11") == counts
    with pytest.raises(kl.BillingError):
        kl.bulk_any_day_counts(np.array([9], dtype=np.uint32), at[:1], activated, deactivated, last_before, group, 2, "2026-11")


SUB = "mozy-1"
LIMITS = kl.Limits(desktop_licences=2, server_licences=1, desktop_gb=100, server_gb=50, sync_available=True,
                   sync_default_quota_gb=2)


def subscribe(book):
    return book.create_subscription(SUB, company="ACME", admin_name="Ann", email="ann@acme.test", limits=LIMITS,
                                    now=T0)


def test_quota_story_views_and_errors():
    book = kl.QuotaBook()
    subscribe(book)
    events = book.create_user(SUB, "a@x", display_name="A", kind=kl.QuotaLicenceType.DESKTOP, quota_gb=60, now=T0)
    assert events[0].at == T0 and events[0].kind == "user_created" and events[0].subscription == SUB
    view = book.account_view(SUB)
    assert view.desktop.assigned_gb == 60 and view.desktop.gb_limit == 100 and view.users == 1
    assert "60 / 100 GB" in view.text
    before = book.to_json()
    with pytest.raises(kl.QuotaError) as e:
        book.create_user(SUB, "b@x", display_name="B", kind=kl.QuotaLicenceType.DESKTOP, quota_gb=50, now=T0)
    assert e.value.code == "quota.limit_exceeded" and book.to_json() == before
    assert (e.value.requested, e.value.in_use, e.value.limit, e.value.free) == (50, 60, 100, 40)
    with pytest.raises(kl.QuotaError) as e:
        book.refresh("nope", now=T0)
    assert e.value.code == "quota.unknown_subscription" and e.value.subscription == "nope"
    assert book.refresh_report(SUB).drift == []
    assert kl.QuotaBook.from_json(book.to_json()).to_json() == book.to_json()
    book.register_reseller("r1", name="R", email="r@x.test", now=T0)
    rv = book.reseller_view("r1")
    assert rv.email == "r@x.test" and rv.customers == [] and "r@x.test" in rv.text
    with pytest.raises(kl.ArgumentError):
        book.create_user(SUB, "c@x", display_name="C", kind="desktop", quota_gb=1, now=T0)
    with pytest.raises(kl.ArgumentError):
        book.create_user(SUB, "c@x", display_name="C", quota_gb=1, now=T0)


class QuotaMachine(RuleBasedStateMachine):
    """Random typed quota commands: limits hold, refresh finds no drift, failures change nothing."""

    def __init__(self):
        super().__init__()
        self.book = kl.QuotaBook()
        self.log = subscribe(self.book)
        self.licences = []

    def run(self, call):
        before = self.book.to_json()
        try:
            events = call()
        except kl.KeyledgerError as e:
            assert e.code
            assert self.book.to_json() == before
            return []
        self.log.extend(events)
        return events

    @rule(user=st.integers(0, 5), kind=st.sampled_from([kl.QuotaLicenceType.DESKTOP, kl.QuotaLicenceType.SERVER]),
          gb=st.integers(0, 120))
    def create_user(self, user, kind, gb):
        self.run(lambda: self.book.create_user(SUB, f"u{user}", display_name="U", kind=kind, quota_gb=gb, now=T0))

    @rule(user=st.integers(0, 5), kind=st.sampled_from([kl.QuotaLicenceType.DESKTOP, kl.QuotaLicenceType.SERVER]),
          gb=st.integers(0, 120))
    def assign(self, user, kind, gb):
        for e in self.run(lambda: self.book.assign_licence(SUB, f"u{user}", kind=kind, quota_gb=gb, now=T0)):
            if e.licence is not None:
                self.licences.append(e.licence)

    @rule(i=st.integers(0, 10), gb=st.integers(0, 150))
    def change_quota(self, i, gb):
        if self.licences:
            lic = self.licences[i % len(self.licences)]
            self.run(lambda: self.book.change_quota(SUB, lic, quota_gb=gb, now=T0))

    @rule(i=st.integers(0, 10), gb=st.integers(0, 150))
    def usage(self, i, gb):
        if self.licences:
            lic = self.licences[i % len(self.licences)]
            self.run(lambda: self.book.record_usage(SUB, lic, used_gb=gb, now=T0))

    @rule(user=st.integers(0, 5), what=st.sampled_from(["suspend_user", "activate_user", "remove_user"]))
    def user_op(self, user, what):
        self.run(lambda: getattr(self.book, what)(SUB, f"u{user}", now=T0))

    @invariant()
    def limits_hold_and_replay_equals_state(self):
        view = self.book.account_view(SUB)
        for usage in (view.desktop, view.server):
            assert usage.licence_limit is None or usage.assigned_licences <= usage.licence_limit
            assert usage.gb_limit is None or usage.assigned_gb <= usage.gb_limit
        report = self.book.refresh_report(SUB)
        assert report.drift == [], report
        assert kl.QuotaBook.replay(self.log).to_json() == self.book.to_json()


TestQuotaMachine = QuotaMachine.TestCase
TestQuotaMachine.settings = settings(max_examples=25, stateful_step_count=25, deadline=None)


def test_double_billing_report_from_python():
    """Issue 20.9 from Python: a machine with an active legacy licence and a billed SP MSP licence."""
    ledger = kl.Ledger()
    (legacy,) = ledger.generate_keys(ISSUER, kl.LEGACY_SHADOWPROTECT, 1, now=T0)
    (msp,) = ledger.generate_keys(ISSUER, kl.SHADOWPROTECT_MSP, 1, now=T0)
    ledger.set_legacy_status(legacy, True, now=T0)
    ledger.set_legacy_machine(legacy, "srv-9", now=T0)
    ledger.activate(msp, "srv-9", "MSP", "C", edition="Server", now=T0)
    for d in range(1, 31):
        ledger.call_home(msp, "srv-9", now=T0 + timedelta(days=d))
    hs = ledger.licence_histories(datetime(2026, 11, 1, tzinfo=timezone.utc))
    report = kl.double_billing(hs, "2026-10", prices())
    (row,) = report.rows
    assert (row.machine, row.legacy_key, row.msp_key) == ("srv-9", legacy, msp)
    assert row.overlapping_days == len(row.days) > 0 and report.to_csv() and "srv-9" in str(report)
