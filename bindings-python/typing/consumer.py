"""A consumer of every public name of keyledger, with attribute access on the results: checked by
`mypy --strict` and run by the test command (bindings-python/test.sh). A misspelt attribute
(`status.stat`) or a wrong argument type fails the type check."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import keyledger as kl

T0 = datetime(2026, 10, 1, 9, 0, tzinfo=timezone.utc)


def keys() -> kl.ProductKey:
    issuer = kl.Issuer(b"consumer secret, thirty-two bytes", secret_id=0)
    issuer.add_secret(1, b"another secret, thirty-two bytes")
    issuer.set_active(1)
    ids: list[int] = issuer.secret_ids
    active: int = issuer.active_secret
    issuer.max_per_request = 20
    key = issuer.generate(kl.SHADOWPROTECT_MSP, 7)
    batch: list[kl.ProductKey] = issuer.generate_batch(kl.IMAGEMANAGER, 1, 3)
    assert issuer.verify(str(key)) == key and ids == [0, 1] and active == 1 and len(batch) == 3
    c: kl.KeyCheck = kl.check_key(str(key).lower())
    assert c.usable and c.code == "ok" and c.key == key and c.serial == 7 and c.detail
    pos: int | None = kl.check_key("ABCD-EFGH-JKMN-PQRU").position
    ch: str | None = kl.check_key("ABCD-EFGH-JKMN-PQRU").character
    nc: datetime | None = c.next_change
    assert (pos, ch, nc) == (19, "U", None) and c.product == "ShadowProtect for MSP"
    codes: list[str] = issuer.verify_many([str(key), "nope"])
    checks: list[kl.KeyCheck] = issuer.check_many([str(key)])
    assert codes == ["ok", "key.malformed"] and checks[0].usable and issuer.check(key).usable
    parsed = kl.parse_key(str(key))
    again = kl.ProductKey.parse(key.key)
    assert (parsed.version, parsed.secret_id, parsed.product, parsed.serial) == (1, 1, 1, 7) and again == key
    try:
        kl.parse_key("ABCD-EFGH-JKMN-PQRU")
    except kl.MalformedKeyError as e:
        assert (e.code, e.position, e.character, e.found) == ("key.malformed", 19, "U", None)
    try:
        kl.parse_key(str(key)[:-1] + ("0" if str(key)[-1] != "0" else "1"))
    except kl.TypoError as t:
        assert t.code == "key.typo"
    return key


def catalog() -> kl.Catalog:
    product = kl.Product(9, "Vault", "Vault", kl.LicenceType.MSP, kl.Licensing.SUBSCRIPTION,
                         editions=["Server"], job_licences=[("sync", 5)], licences_per_key=2)
    jobs: list[kl.JobLicences] = product.job_licences
    assert (jobs[0].job_type, jobs[0].count, product.licences_per_key, product.editions) == ("sync", 5, 2, ["Server"])
    custom = kl.Catalog([product])
    assert custom.get(9) is not None and product.licensing is kl.Licensing.SUBSCRIPTION
    assert product.licence_type.value == "Msp" and product.id == 9 and product.key_type == "Vault"
    sc = kl.Catalog.storagecraft()
    assert [p.name for p in sc.products][0] == "ShadowProtect for MSP"
    assert kl.Catalog.from_json(sc.to_json()).to_dict() == sc.to_dict()
    assert kl.LEGACY_SHADOWPROTECT and kl.LEGACY_IMAGEMANAGER
    return sc


def ledger_story(sc: kl.Catalog) -> kl.Ledger:
    issuer = kl.Issuer(b"consumer ledger secret, 32 bytes")
    ledger = kl.Ledger(sc, kl.LifecyclePolicy(late_after_seconds=7 * 86_400))
    acme: int = ledger.create_account("Acme", now=T0, address="1 Main St")
    berlin: int = ledger.create_site(acme, "Berlin", now=T0, notes="HQ")
    other = ledger.create_account("Other", now=T0)
    spare = ledger.create_site(other, "Spare", now=T0)
    moved: kl.Outcome = ledger.move_site(spare, acme, now=T0)
    ledger.delete_site(spare, now=T0)
    ledger.delete_account(other, now=T0)
    assert moved.events[0].kind == "site_moved"
    (key,) = ledger.generate_keys(issuer, kl.SHADOWPROTECT_MSP, 1, kl.site(berlin), now=T0)
    rec = ledger.record_keys(kl.LEGACY_SHADOWPROTECT, [issuer.generate(kl.LEGACY_SHADOWPROTECT, 1)], now=T0)
    legacy = ledger.keys[-1]
    ledger.set_legacy_status(legacy, True, now=T0)
    out = ledger.activate(key, "srv-01", "MSP", "Acme", edition="Server", computer_role="file server", now=T0)
    ev: kl.LedgerEvent = out.events[0]
    assert (ev.id, ev.at, ev.kind, ev.licence, ev.key) == (rec.events[0].id + 2, T0, "activated", 0, key)
    decision: kl.CallHomeDecision = ledger.call_home(key, "srv-01", now=T0 + timedelta(days=1))
    assert decision.action is kl.CallHomeAction.RUN and decision.terminates_at is None and decision.events
    ledger.move_key(key, kl.account(acme), now=T0 + timedelta(days=1))
    ledger.move_key(key, kl.Container.in_site(berlin), now=T0 + timedelta(days=1))
    where = kl.Container.in_account(acme)
    assert (where.account, where.site) == (acme, None)
    ledger.deactivate(key, now=T0 + timedelta(days=2))
    ledger.reactivate(key, "srv-01", now=T0 + timedelta(days=2))
    status: kl.KeyStatus = ledger.status(key, T0 + timedelta(days=3))
    run: kl.LicenceStatus = status.runs[0]
    assert status.state is kl.LicenceState.ACTIVE and status.state.billable and status.state.label
    assert (status.key, status.product, status.account, status.site) == (key, "ShadowProtect for MSP", "Acme", "Berlin")
    assert status.licences == 1 and status.licences_in_use == 1 and status.product_type and status.licence_type
    assert status.detail and status.next_change is not None
    assert run.machine == "srv-01" and run.msp_name == "MSP" and run.customer_name == "Acme" and run.edition == "Server"
    assert run.computer_role == "file server" and run.state is kl.LicenceState.ACTIVE and run.licence >= 0
    assert run.activated_at <= run.last_call_home and run.action is kl.CallHomeAction.RUN
    assert run.terminates_at is not None and run.next_change is not None and run.ended_at is None
    assert ledger.state(key, T0 + timedelta(days=30)) is kl.LicenceState.DISABLED
    history: list[kl.HistoryEntry] = ledger.history(key, T0 + timedelta(days=3))
    assert history[0].kind is kl.HistoryKind.GENERATED and history[0].at == T0
    assert all(h.machine is None or h.machine == "srv-01" for h in history) and history[0].detail is None
    counts: list[tuple[kl.LicenceState, int]] = ledger.state_counts(T0)
    names: kl.NameReport = ledger.name_consistency()
    mismatches: list[kl.NameMismatch] = names.msp_mismatches + names.customer_mismatches
    assert counts and names.msp_name == "MSP" and all(m.key and m.machine and m.account and m.found and m.expected
                                                     for m in mismatches)
    org: kl.Org = ledger.org()
    accounts: list[kl.Account] = org.accounts
    sites: list[kl.Site] = org.sites
    assert [a.name for a in accounts] == ["Default Account", "Acme"] and accounts[1].address == "1 Main St"
    assert (sites[0].id, sites[0].account, sites[0].name, sites[0].notes, sites[0].address) == (
        berlin, acme, "Berlin", "HQ", None)
    assert accounts[1].id == acme and accounts[0].notes is None
    v: kl.KeyCheck = ledger.validate(issuer, str(key), T0)
    assert v.usable and len(ledger.statuses(T0)) == 2 and ledger.next_event_id > 0
    assert ledger.catalog.products
    events: list[kl.LedgerEvent] = kl.Ledger.events_from_json(kl.Ledger.events_to_json(out.events))
    assert events == out.events and kl.LedgerEvent.from_json(ev.to_json()) == ev
    copy = kl.Ledger.from_json(ledger.to_json())
    assert copy.apply(ev) is False and kl.Ledger.replay([], sc).keys == []
    return ledger


def offline(ledger: kl.Ledger) -> None:
    key = ledger.keys[0]
    signer = kl.CertificateIssuer(bytes(range(32)), key_id=3)
    text = ledger.issue_certificate(signer, key, "srv-01", now=T0 + timedelta(days=3), validity_seconds=86_400, nonce=1)
    direct: str = signer.issue(key, "srv-01", now=T0, validity_seconds=3_600)
    cert: kl.CallHomeCertificate = kl.verify_certificate({signer.key_id: signer.verifying_key}, text, "srv-01",
                                                         T0 + timedelta(days=3, hours=1))
    assert (cert.key, cert.machine, cert.nonce, cert.signing_key_id) == (key, "srv-01", 1, 3) and direct
    assert cert.not_before < cert.not_after and cert.issued_at == T0 + timedelta(days=3)
    hw: datetime = kl.check_clock(None, T0, kl.DEFAULT_ROLLBACK_TOLERANCE_SECONDS)
    try:
        kl.check_clock(hw, T0 - timedelta(days=2))
    except kl.OfflineError as e:
        assert e.code == "offline.clock_rollback" and e.tolerance_seconds == 86_400


def billing(ledger: kl.Ledger) -> None:
    rule = kl.BillingRule.storagecraft()
    assert rule == kl.BillingRule.more_than_days(14) and rule.describe()
    rules = [kl.BillingRule.any_day(), kl.BillingRule.prorated(), kl.BillingRule.end_of_month(), kl.BillingRule.peak()]
    prices = kl.PriceList("USD", rule, rounding=kl.Rounding.HALF_EVEN, scale=2)
    prices.set_price(kl.SHADOWPROTECT_MSP, "Server", Decimal("25.00")).set_rule(kl.IMAGEMANAGER, rules[0])
    assert prices.price_of(kl.SHADOWPROTECT_MSP, "Server") == Decimal("25.00") and prices.rule_for(1) == rule
    assert (prices.currency, prices.rounding, prices.scale, prices.rule) == ("USD", kl.Rounding.HALF_EVEN, 2, rule)
    assert kl.PriceList.from_json(prices.to_json()).to_dict() == prices.to_dict()
    hs: list[kl.LicenceHistory] = ledger.licence_histories(T0 + timedelta(days=40))
    h = hs[0]
    span: kl.StateSpan = h.spans[0]
    assert span.from_ <= T0 + timedelta(days=40) and (span.until is None or span.until > span.from_) and span.state
    assert h.key and h.product == 1 and h.edition == "Server" and h.account and h.site and h.machine
    assert h.activations and isinstance(h.deactivations, list)
    detail: kl.BillingDetail = kl.billing_detail(hs, "2026-10", prices, zone="UTC")
    total: Decimal = detail.total
    table: kl.KeyTable = detail.tables[0]
    row: kl.KeyRow = table.rows[0]
    line: kl.PricedLine = detail.lines[0]
    count: kl.EditionCount = detail.counts[0]
    acct: kl.AccountTotal = detail.account_totals[0]
    assert total == line.amount == acct.amount == line.quantity * line.unit_price and acct.account == "Acme"
    assert (detail.month, detail.time_zone, detail.currency, detail.rule, detail.rounding, detail.scale) == (
        "2026-10", "UTC", "USD", rule, kl.Rounding.HALF_EVEN, 2)
    assert table.key_type and not table.perpetual and row.key == h.key and row.billable and row.billable_days > 14
    assert row.days and row.explanation and row.product == 1 and row.account and row.site and row.machine
    assert row.edition == "Server" and row.activated_at == T0
    assert (line.account, line.product, line.product_name, line.edition, line.rule, line.licences) == (
        "Acme", 1, "ShadowProtect for MSP", "Server", rule, 1) and line.billable_days > 0
    assert (count.product, count.product_name, count.edition, count.rule, count.licences, count.quantity) == (
        1, "ShadowProtect for MSP", "Server", rule, 1, Decimal(1)) and count.billable_days > 0
    assert detail.to_csv() and str(detail) and kl.BillingDetail.from_json(detail.to_json()).total == total
    key_rows: kl.ArrowTable = detail.key_rows()
    names: list[str] = key_rows.column_names
    assert key_rows.num_rows == len(key_rows) == sum(len(t.rows) for t in detail.tables) and names[2] == "key"
    assert detail.__arrow_c_stream__() is not None and table.__arrow_c_stream__() is not None
    again: kl.Recomputed = kl.recompute(detail, hs, prices)
    diff: kl.BillingDiff = again.diff
    changes: list[kl.KeyChange] = diff.keys
    lines: list[kl.LineChange] = diff.lines + diff.accounts
    delta: Decimal = diff.total_delta
    assert again.report.total == diff.total_after == diff.total_before and delta == 0 and not changes and not lines
    for c in changes:
        assert c.key and c.machine and (c.activated_at, c.days_before, c.days_after, c.billable_before,
                                        c.billable_after) is not None
    for lc in lines:
        assert lc.account and (lc.product, lc.edition) and lc.after - lc.before == lc.delta
    report: kl.ActivationReport = kl.activation_report(hs, date(2026, 10, 1), date(2026, 10, 31), zone="UTC",
                                                       products=[1], sort=[kl.ActivationSortKey.DATE])
    ar: kl.ActivationRow = report.rows[0]
    assert ar.event is kl.ActivationEvent.ACTIVATED and ar.at == T0 and ar.date == date(2026, 10, 1)
    assert (ar.key, ar.serial, ar.account, ar.site, ar.machine, ar.edition, ar.product) == (
        h.key, h.key.serial, "Acme", "Berlin", "srv-01", "Server", 1) and ar.key_type
    assert (report.start, report.end, report.time_zone, report.products, report.sort) == (
        date(2026, 10, 1), date(2026, 10, 31), "UTC", [1], [kl.ActivationSortKey.DATE]) and report.to_csv()
    assert kl.ActivationSortKey.PRODUCT_TYPE != kl.ActivationSortKey.SERIAL != kl.ActivationSortKey.ACCOUNT
    t: kl.Trends = kl.trends(hs, "2026-10", rule=rules[1])
    month: kl.TrendMonth = t.months[-1]
    point: kl.TrendPoint = month.points[0]
    assert (t.time_zone, t.rule, month.month) == ("UTC", rules[1], "2026-10") and t.to_csv()
    assert point.product == 1 and point.product_name and point.licences == 1 and point.quantity > 0
    e: kl.Explanation = kl.explain(h, "2026-10", rule=rule)
    assert e.billable and e.days and e.text and e.month == "2026-10" and e.rule == rule and not e.at_end
    try:
        kl.billing_detail(hs, "2026-13", prices)
    except kl.BillingError as err:
        assert err.code.startswith("billing.")
    try:
        import numpy as np
        import numpy.typing as npt
    except ImportError:
        return
    n = np.array([0], dtype=np.uint32)
    counts: list[int] = kl.bulk_any_day_counts(n, np.array([0], dtype=np.int64), np.array([-1], dtype=np.int64),
                                               np.array([2**63 - 1], dtype=np.int64),
                                               np.array([-(2**63)], dtype=np.int64), np.array([0], dtype=np.uint16),
                                               1, "1970-01")
    full = kl.bulk_bill(n, np.array([0], dtype=np.int64), np.array([-1], dtype=np.int64),
                        np.array([2**63 - 1], dtype=np.int64), np.array([-(2**63)], dtype=np.int64),
                        np.array([0], dtype=np.uint16), 1, "1970-01", rule=rule)
    assert counts == [1] and full.groups
    result: kl.BulkResult = full
    days: npt.NDArray[np.uint8] = result.days
    group0: kl.BulkGroup = result.groups[0]
    assert days.tolist() == [15] and bool(result.billed[0]) == (group0.licences == 1) and len(result) == 1
    part = kl.BulkPartial(1, "1970-01", rule=rule)
    part.update(n, np.array([0], dtype=np.int64), np.array([-1], dtype=np.int64),
                np.array([2**63 - 1], dtype=np.int64), np.array([-(2**63)], dtype=np.int64))
    merged = kl.BulkPartial.from_bytes(part.to_bytes())
    merged.merge(kl.BulkPartial(1, "1970-01", rule=rule))
    done: kl.BulkResult = merged.finish(np.array([-1], dtype=np.int64), np.array([2**63 - 1], dtype=np.int64),
                                       np.array([-(2**63)], dtype=np.int64), np.array([0], dtype=np.uint16), 1)
    assert done.groups[0].licences == full.groups[0].licences and part.licences == 1 and part.first == 0


def jobs_and_double_billing() -> None:
    issuer = kl.Issuer(b"consumer jobs secret, 32 bytes..")
    ledger = kl.Ledger()
    (im,) = ledger.generate_keys(issuer, kl.IMAGEMANAGER, 1, now=T0)
    (legacy,) = ledger.generate_keys(issuer, kl.LEGACY_SHADOWPROTECT, 1, now=T0)
    (msp,) = ledger.generate_keys(issuer, kl.SHADOWPROTECT_MSP, 1, now=T0)
    ledger.activate(im, "im-host", "MSP", "C", now=T0)
    beta = ledger.create_account("Beta", now=T0)
    ledger.move_key(im, kl.account(beta), now=T0 + timedelta(minutes=1))
    ledger.start_job(im, "ShadowStream", "nightly", "srv-9", now=T0)
    use: kl.JobUse = [j for j in ledger.status(im, T0).jobs if j.job_type == "ShadowStream"][0]
    running: kl.RunningJob = use.running[0]
    assert (use.licences, use.in_use, running.job_name, running.machine, running.started_at) == (
        50, 1, "nightly", "srv-9", T0)
    ledger.end_job(im, "ShadowStream", "nightly", "srv-9", now=T0 + timedelta(hours=1))
    ledger.set_legacy_status(legacy, True, now=T0)
    ledger.set_legacy_machine(legacy, "srv-9", now=T0)
    ledger.activate(msp, "srv-9", "MSP", "C", edition="Server", now=T0)
    for d in range(1, 31):
        ledger.call_home(msp, "srv-9", now=T0 + timedelta(days=d))
    hs = ledger.licence_histories(T0 + timedelta(days=31))
    span: kl.JobSpan = [h for h in hs if h.key == im][0].jobs[0]
    place: kl.Placement = [h for h in hs if h.key == im][0].placements[-1]
    assert (span.job_type, span.job_name, span.machine, span.from_, span.until) == (
        "ShadowStream", "nightly", "srv-9", T0, T0 + timedelta(hours=1))
    assert place.account == "Beta" and place.site is None and place.from_ <= T0 + timedelta(minutes=1)
    prices = kl.PriceList("USD").set_price(kl.SHADOWPROTECT_MSP, None, Decimal("10"))
    prices.set_price(kl.IMAGEMANAGER, None, Decimal("5"))
    report: kl.DoubleBilling = kl.double_billing(hs, "2026-10", prices)
    row: kl.DoubleBillingRow = report.rows[0]
    assert (report.month, report.time_zone, row.machine, row.legacy_key, row.msp_key) == (
        "2026-10", "UTC", "srv-9", legacy, msp)
    assert row.account and row.site is None and row.legacy_account is None and row.legacy_product
    assert row.msp_product and row.edition == "Server" and row.overlapping_days == len(row.days)
    assert row.explanation and report.to_csv()
    detail = kl.billing_detail(hs, "2026-10", prices)
    im_row = [r for t in detail.tables for r in t.rows if r.key == im][0]
    assert im_row.jobs.get("ShadowStream") == 1


def quota() -> None:
    book = kl.QuotaBook()
    limits = kl.Limits(desktop_licences=2, server_licences=1, desktop_gb=100, server_gb=50, sync_available=True,
                       sync_default_quota_gb=2)
    assert (limits.desktop_licences, limits.server_licences, limits.desktop_gb, limits.server_gb) == (2, 1, 100, 50)
    assert limits.sync_available and limits.sync_default_quota_gb == 2 and kl.Limits.seed_plan()
    created: list[kl.QuotaEvent] = book.create_subscription("s1", company="ACME", admin_name="Ann",
                                                            email="ann@acme.test", limits=limits, now=T0)
    ev = created[0]
    assert (ev.id, ev.at, ev.kind, ev.subscription, ev.licence, ev.login) == (0, T0, "subscription_created", "s1",
                                                                              None, None)
    book.assign_admin("s1", admin_name="Bob", email="bob@acme.test", now=T0)
    book.change_limits("s1", limits=limits, now=T0)
    book.set_subscription_sync("s1", enabled=True, now=T0)
    book.set_groups_tab("s1", visible=True, now=T0)
    book.create_group("s1", "Sales", now=T0)
    book.rename_group("s1", 1, name="Sales EU", now=T0)
    book.create_user("s1", "a@x", display_name="A", kind=kl.QuotaLicenceType.DESKTOP, quota_gb=60, now=T0)
    book.create_user("s1", "b@x", display_name="B", group=1, now=T0)
    lic = book.assign_licence("s1", "b@x", kind=kl.QuotaLicenceType.SERVER, quota_gb=10, now=T0)[0].licence
    assert lic is not None
    book.change_quota("s1", lic, quota_gb=20, now=T0)
    book.record_usage("s1", lic, used_gb=5, now=T0)
    book.record_activation("s1", lic, activated=True, now=T0)
    book.set_user_sync("s1", "a@x", enabled=False, now=T0)
    book.move_user("s1", "b@x", group=0, now=T0)
    book.delete_group("s1", 1, now=T0)
    book.suspend_user("s1", "a@x", now=T0)
    book.activate_user("s1", "a@x", now=T0)
    book.remove_licence("s1", lic, now=T0)
    book.remove_user("s1", "b@x", now=T0)
    book.refresh("s1", now=T0)
    book.register_reseller("r1", name="R", email="r@x.test", now=T0)
    book.create_subscription("s2", company="Beta", admin_name="C", email="c@beta.test", limits=limits, now=T0,
                             reseller="r1")
    view: kl.AccountView = book.account_view("s1")
    usage: kl.TypeUsage = view.desktop
    assert (view.subscription, view.company, view.admin_name, view.admin_email) == ("s1", "ACME", "Bob",
                                                                                    "bob@acme.test")
    assert view.sync_available and view.sync_enabled and view.sync_default_quota_gb == 2 and view.groups_tab_visible
    assert view.users == 1 and view.notice is None and view.server.assigned_licences == 0 and view.text
    assert (usage.assigned_licences, usage.activated_licences, usage.licence_limit) == (1, 0, 2)
    assert (usage.assigned_gb, usage.used_gb, usage.gb_limit) == (60, 0, 100)
    rv: kl.ResellerView = book.reseller_view("r1")
    cust: kl.CustomerLine = rv.customers[0]
    gauge: kl.Gauge = cust.desktop_quota
    assert (rv.reseller, rv.name, rv.email, rv.cancelled) == ("r1", "R", "r@x.test", False) and rv.text
    assert (cust.subscription, cust.company, cust.email, cust.notice) == ("s2", "Beta", "c@beta.test", None)
    assert (gauge.used, gauge.limit) == (0, 100) and gauge.percent is not None
    assert cust.desktop_keys.limit == 2 and cust.server_quota.limit == 50 and cust.server_keys.limit == 1
    report: kl.RefreshReport = book.refresh_report("s1")
    stored: kl.Counters = report.stored
    tc: kl.TypeCounters = stored.desktop
    drift: list[kl.Drift] = report.drift
    assert report.subscription == "s1" and report.recomputed.server.assigned_gb == 0 and stored.suspended_users == 0
    assert (tc.assigned_licences, tc.activated_licences, tc.assigned_gb, tc.used_gb) == (1, 0, 60, 0)
    assert all(d.counter and d.stored != d.actual for d in drift) and not drift
    book.cancel_reseller("r1", now=T0)
    try:
        book.create_user("s1", "c@x", display_name="C", kind=kl.QuotaLicenceType.DESKTOP, quota_gb=50, now=T0)
    except kl.QuotaError as e:
        assert (e.code, e.requested, e.in_use, e.limit, e.free) == ("quota.limit_exceeded", 50, 60, 100, 40)
        assert e.subscription == "s1" and e.resource == "desktop_gb"
    log = kl.QuotaBook.replay(created)
    assert log.subscription_ids == ["s1"] and log.apply(created[0]) is False and book.next_event_id > 20
    assert kl.QuotaBook.from_json(book.to_json()).to_json() == book.to_json()


def errors() -> None:
    for cls in (kl.ArgumentError, kl.NaiveDatetimeError, kl.CatalogError, kl.FormatError, kl.OrgError,
                kl.LicenceError, kl.NotGenuineError, kl.UnknownProductError, kl.UnknownSecretError,
                kl.ProductKeyError, kl.MissingExtraError):
        assert issubclass(cls, kl.KeyledgerError)
    try:
        kl.Ledger().call_home("x", "m", now=datetime(2026, 1, 1))
    except kl.MalformedKeyError as e:
        assert e.found == 1
    try:
        kl.Ledger().state_counts(datetime(2026, 1, 1))
    except kl.NaiveDatetimeError as n:
        assert n.argument == "now"
    try:
        kl.Ledger.from_json("{")
    except kl.FormatError as f:
        assert f.line == 1 and f.column is not None
    try:
        kl.Ledger().create_site(99, "x", now=T0)
    except kl.OrgError as o:
        assert o.code.startswith("org.")
    try:
        kl.Issuer(b"k" * 32).verify(kl.Issuer(b"k" * 32, secret_id=3).generate(50, 1))
    except kl.UnknownSecretError as s:
        assert s.secret_id == 3
    try:
        kl.check_key("x", catalog=kl.Catalog([]))
        kl.Issuer(b"k" * 32).generate(64, 1)
    except kl.CatalogError as c:
        assert c.id == 64
    assert kl.__version__


def main() -> None:
    keys()
    sc = catalog()
    ledger = ledger_story(sc)
    offline(ledger)
    billing(ledger)
    jobs_and_double_billing()
    quota()
    errors()
    print("consumer: every public name used with attribute access")


if __name__ == "__main__":
    main()
