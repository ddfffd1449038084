"""The licence ledger from Python: the seed story, datetimes, errors, replay, a state machine."""

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

import keyledger as kl

T0 = datetime(2026, 9, 1, 9, 0, tzinfo=timezone.utc)
ISSUER = kl.Issuer(b"python ledger secret, 32 bytes..")


def day(n):
    return T0 + timedelta(days=n)


def one_active():
    ledger = kl.Ledger()
    (key,) = ledger.generate_keys(ISSUER, kl.SHADOWPROTECT_MSP, 1, now=T0)
    ledger.activate(key, "m1", "Northwind", "Contoso", edition="Server", now=T0)
    return ledger, key


def test_life_cycle_through_the_thresholds():
    ledger, key = one_active()
    assert ledger.state(key, day(7)) is kl.LicenceState.ACTIVE
    assert ledger.state(key, day(7) + timedelta(seconds=1)) is kl.LicenceState.LATE
    assert ledger.state(key, day(15)) is kl.LicenceState.DISABLED
    assert ledger.state(key, day(30)) is kl.LicenceState.DEACTIVATED
    status = ledger.status(key, day(8))
    assert status.detail == "late: no call-home since 2026-09-01; will terminate on 2026-10-01"
    assert status.next_change == day(14) + timedelta(seconds=1)
    assert status.next_change.tzinfo is not None
    assert status.state is kl.LicenceState.LATE and status.runs[0].machine == "m1"
    assert status.runs[0].edition == "Server" and status.key == key
    assert not kl.LicenceState.DISABLED.billable and kl.LicenceState.LATE.billable


def test_call_home_deactivate_reactivate_and_history():
    ledger, key = one_active()
    d = ledger.call_home(key, "m1", now=day(1))
    assert d.action is kl.CallHomeAction.RUN and d.terminates_at is None
    assert [e.kind for e in d.events] == ["called_home"] and d.events[0].at == day(1)
    late = ledger.call_home(key, "m1", now=day(9))
    assert late.action is kl.CallHomeAction.RUN
    ledger.deactivate(key, now=day(10))
    assert ledger.state(key, day(10)) is kl.LicenceState.PENDING_DEACTIVATION
    assert ledger.call_home(key, "m1", now=day(11)).action is kl.CallHomeAction.DEACTIVATED
    ledger.reactivate(key, now=day(12))
    assert ledger.state(key, day(12)) is kl.LicenceState.ACTIVE
    kinds = [h.kind.value for h in ledger.history(key, day(12))]
    assert kinds[:3] == ["generated", "activated", "first_call_home"]
    assert kinds[-3:] == ["deactivation_requested", "deactivated", "reactivated"]
    assert all(isinstance(h.at, datetime) and h.at.tzinfo is not None for h in ledger.history(key, day(12)))


def test_accounts_sites_and_name_report():
    ledger = kl.Ledger()
    acme = ledger.create_account("Acme", now=T0, address="1 Main St")
    berlin = ledger.create_site(acme, "Berlin", now=T0)
    keys = ledger.generate_keys(ISSUER, kl.SHADOWPROTECT_MSP, 3, kl.site(berlin), now=T0)
    for i, k in enumerate(keys):
        ledger.activate(k, f"m{i}", "MSP" if i else "M.S.P.", "Acme", edition="Desktop", now=T0)
    assert ledger.status(keys[0], T0).site == "Berlin"
    report = ledger.name_consistency()
    assert report.msp_name == "MSP" and report.msp_mismatches[0].key == keys[0]
    assert [a.name for a in ledger.org().accounts] == ["Default Account", "Acme"]
    assert [(x.name, x.account) for x in ledger.org().sites] == [("Berlin", acme)]
    with pytest.raises(kl.OrgError) as e:
        ledger.create_account("Acme", now=T0)
    assert e.value.code == "org.duplicate_name" and e.value.name == "Acme"
    with pytest.raises(kl.OrgError) as e:
        ledger.delete_site(berlin, now=T0)
    assert (e.value.code, e.value.keys) == ("org.not_empty", 3)
    ledger.move_key(keys[0], kl.account(acme), now=T0)
    assert ledger.status(keys[0], T0).site is None


def test_errors_leave_the_ledger_untouched():
    ledger, key = one_active()
    before = ledger.to_json()
    other = ISSUER.generate(kl.SHADOWPROTECT_MSP, 999)
    cases = [
        (lambda: ledger.call_home(other, "m1", now=day(1)), kl.LicenceError, "licence.unknown_key"),
        (lambda: ledger.call_home(key, "m9", now=day(1)), kl.LicenceError, "licence.not_activated"),
        (lambda: ledger.activate(key, "m2", "a", "b", edition="Server", now=day(1)), kl.LicenceError, "licence.licence_limit"),
        (lambda: ledger.reactivate(key, now=day(1)), kl.LicenceError, "licence.nothing_to_reactivate"),
        (lambda: ledger.call_home(key, 5, now=day(1)), kl.ArgumentError, "py.bad_argument"),
        (lambda: ledger.move_key(key, {"account": 0}, now=day(1)), kl.ArgumentError, "py.bad_argument"),
        (lambda: ledger.call_home(key, "m1", now=datetime(2026, 9, 2)), kl.NaiveDatetimeError, "py.naive_datetime"),
        (lambda: ledger.status("ABCD", T0), kl.MalformedKeyError, "key.malformed"),
    ]
    for call, cls, code in cases:
        with pytest.raises(cls) as e:
            call()
        assert e.value.code == code
        assert ledger.to_json() == before
    with pytest.raises(kl.LicenceError) as e:
        ledger.call_home(other, "m1", now=day(1))
    assert e.value.key == str(other)
    with pytest.raises(kl.LicenceError) as e:
        ledger.activate(key, "m2", "a", "b", edition="Server", now=day(1))
    assert (e.value.licences, e.value.in_use) == (1, 1)
    with pytest.raises(kl.FormatError) as e:
        kl.Ledger.from_json("{")
    assert e.value.code == "format.corrupt"
    future = before.replace('"version":2', '"version":9', 1)
    with pytest.raises(kl.FormatError) as e:
        kl.Ledger.from_json(future)
    assert (e.value.code, e.value.found) == ("format.future_version", 9)


def test_events_replay_and_are_idempotent():
    ledger = kl.Ledger()
    (key,) = ledger.generate_keys(ISSUER, kl.IMAGEMANAGER, 1, now=T0)
    copy = kl.Ledger.from_json(ledger.to_json())
    out = ledger.activate(key, "im", "MSP", "C", now=T0)
    (event,) = out.events
    assert event.at == T0 and event.kind == "activated" and event.key == key and event.licence == 0
    assert copy.apply(event) is True
    assert copy.apply(event) is False
    assert copy.to_json() == ledger.to_json()
    stored = kl.Ledger.events_to_json(out.events)
    assert kl.Ledger.events_from_json(stored) == out.events
    bad = kl.LedgerEvent.from_json(event.to_json().replace('"machine":"im"', '"machine":"other"'))
    with pytest.raises(kl.LicenceError) as e:
        copy.apply(bad)
    assert e.value.code == "licence.event_conflict"


def test_validate_and_licence_histories():
    ledger, key = one_active()
    v = ledger.validate(ISSUER, str(key), day(8))
    assert (v.usable, v.code, v.next_change) == (True, "licence.late", day(14) + timedelta(seconds=1))
    assert ledger.validate(ISSUER, "nonsense", T0).code == "key.malformed"
    (h,) = ledger.licence_histories(day(40))
    assert [s.state for s in h.spans] == [kl.LicenceState.ACTIVE, kl.LicenceState.LATE, kl.LicenceState.DISABLED,
                                          kl.LicenceState.DEACTIVATED]
    assert h.spans[0].from_ == T0 and h.key == key and h.activations == [T0]
    assert kl.LicenceHistory.from_json(h.to_json()).to_json() == h.to_json()


class LedgerMachine(RuleBasedStateMachine):
    """Random typed commands: nothing crashes, failures change nothing, replay equals state."""

    def __init__(self):
        super().__init__()
        self.ledger = kl.Ledger()
        self.log = []
        self.now = T0
        self.keys = []

    def run(self, call):
        before = self.ledger.to_json()
        try:
            events = call()
        except kl.KeyledgerError as e:
            assert isinstance(e.code, str) and e.code
            assert self.ledger.to_json() == before
        else:
            assert all(isinstance(e, kl.LedgerEvent) for e in events)
            self.log.extend(events)

    @rule(product=st.sampled_from([1, 2, 3]), n=st.integers(0, 3))
    def generate(self, product, n):
        def go():
            keys = ISSUER.generate_batch(product, len(self.keys) + 1, n) if n else []
            out = self.ledger.record_keys(product, keys, kl.account(0), now=self.now)
            self.keys = self.ledger.keys
            return out.events
        self.run(go)

    @rule(k=st.integers(0, 20), m=st.integers(0, 2), edition=st.sampled_from(["Server", "IME", None, "x"]))
    def activate(self, k, m, edition):
        if self.keys:
            key = self.keys[k % len(self.keys)]
            self.run(lambda: self.ledger.activate(key, f"m{m}", "MSP", "C", edition=edition, now=self.now).events)

    @rule(k=st.integers(0, 20), m=st.integers(0, 2), back=st.integers(0, 30))
    def call_home(self, k, m, back):
        if self.keys:
            key = self.keys[k % len(self.keys)]
            at = self.now - timedelta(hours=back)
            self.run(lambda: self.ledger.call_home(key, f"m{m}", now=at).events)

    @rule(k=st.integers(0, 20), what=st.sampled_from(["deactivate", "reactivate"]))
    def click(self, k, what):
        if self.keys:
            key = self.keys[k % len(self.keys)]
            self.run(lambda: getattr(self.ledger, what)(key, now=self.now).events)

    @rule(k=st.integers(0, 20), to=st.integers(0, 2))
    def move(self, k, to):
        if self.keys:
            key = self.keys[k % len(self.keys)]
            self.run(lambda: self.ledger.move_key(key, kl.account(to), now=self.now).events)

    @rule(hours=st.integers(1, 24 * 12))
    def wait(self, hours):
        self.now += timedelta(hours=hours)

    @invariant()
    def replay_equals_state(self):
        assert kl.Ledger.replay(self.log).to_json() == self.ledger.to_json()
        for s in self.ledger.statuses(self.now):
            assert s.licences_in_use <= s.licences


TestLedgerMachine = LedgerMachine.TestCase
TestLedgerMachine.settings = settings(max_examples=25, stateful_step_count=25, deadline=None)


def test_offline_certificates_and_clock_rollback():
    ledger, key = one_active()
    signer = kl.CertificateIssuer(bytes(range(32)), key_id=3)
    assert "redacted" in repr(signer) and signer.key_id == 3
    text = ledger.issue_certificate(signer, key, "m1", now=day(1), validity_seconds=86_400, nonce=7)
    assert text.startswith("klcert1.")
    cert = kl.verify_certificate({3: signer.verifying_key}, text, "m1", day(1) + timedelta(hours=2))
    assert cert.key == key and cert.not_after == day(2) and cert.nonce == 7 and cert.signing_key_id == 3
    with pytest.raises(kl.OfflineError) as e:
        kl.verify_certificate({3: signer.verifying_key}, text, "m2", day(1))
    assert (e.value.code, e.value.expected, e.value.found) == ("offline.wrong_machine", "m1", "m2")
    with pytest.raises(kl.OfflineError) as e:
        kl.verify_certificate({3: signer.verifying_key}, text, "m1", day(2))
    assert e.value.code == "offline.expired"
    with pytest.raises(kl.OfflineError):
        kl.verify_certificate({3: signer.verifying_key}, text[:-2] + "00", "m1", day(1))
    with pytest.raises(kl.LicenceError):
        ledger.issue_certificate(signer, key, "m9", now=day(1))
    hw = day(10)
    assert kl.check_clock(hw, hw - timedelta(hours=24)) == hw
    with pytest.raises(kl.OfflineError) as e:
        kl.check_clock(hw, hw - timedelta(hours=24, seconds=1))
    assert e.value.code == "offline.clock_rollback"
    assert kl.check_clock(None, hw) == hw


def test_malformed_and_mistyped_keys_raise_the_key_error_from_every_ledger_command():
    """Issue 20.6: the same typed error (position, character) as parse_key, from every command."""
    ledger, key = one_active()
    good = str(key)
    typo = good[:-1] + ("0" if good[-1] != "0" else "1")
    calls = [
        lambda k: ledger.activate(k, "m9", "MSP", "C", now=day(1)),
        lambda k: ledger.call_home(k, "m1", now=day(1)),
        lambda k: ledger.deactivate(k, now=day(1)),
        lambda k: ledger.reactivate(k, now=day(1)),
        lambda k: ledger.move_key(k, kl.account(0), now=day(1)),
        lambda k: ledger.set_legacy_status(k, True, now=day(1)),
        lambda k: ledger.record_keys(1, [k], now=day(1)),
        lambda k: ledger.status(k, day(1)),
        lambda k: ledger.state(k, day(1)),
        lambda k: ledger.history(k, day(1)),
        lambda k: ledger.issue_certificate(kl.CertificateIssuer(bytes(32)), k, "m1", now=day(1)),
        lambda k: kl.CertificateIssuer(bytes(32)).issue(k, "m1", now=day(1)),
        lambda k: ISSUER.verify(k),
        kl.parse_key,
    ]
    before = ledger.to_json()
    for call in calls:
        with pytest.raises(kl.MalformedKeyError) as e:
            call("ABCD-EFGH-JKMN-PQRU")
        assert (e.value.code, e.value.position, e.value.character) == ("key.malformed", 19, "U")
        with pytest.raises(kl.TypoError) as t:
            call(typo)
        assert t.value.code == "key.typo"
    assert ledger.to_json() == before


def test_instants_are_aware_datetimes_in_any_zone():
    from zoneinfo import ZoneInfo
    ledger, key = one_active()
    paris = day(1).astimezone(ZoneInfo("Europe/Paris"))
    assert ledger.call_home(key, "m1", now=paris).events[0].at == day(1)
    assert ledger.call_home(key, "m1", now=day(1) + timedelta(microseconds=7)).events[0].at.microsecond == 7
    for bad in (None, "2026-09-02", 1.5, T0.date(), datetime(2026, 9, 2)):
        with pytest.raises(kl.ArgumentError):
            ledger.call_home(key, "m1", now=bad)


def test_imagemanager_job_licences_from_python():
    """Issue 20.8 from Python: the 51st concurrent job of a type is refused with the numbers, while the
    other types still have room; the status shows jobs in use per type."""
    ledger = kl.Ledger()
    (im,) = ledger.generate_keys(ISSUER, kl.IMAGEMANAGER, 1, now=T0)
    ledger.activate(im, "im-host", "MSP", "C", now=T0)
    for i in range(50):
        ledger.start_job(im, "ShadowStream", f"job{i}", f"m{i}", now=T0 + timedelta(minutes=i))
    before = ledger.to_json()
    with pytest.raises(kl.LicenceError) as e:
        ledger.start_job(im, "ShadowStream", "job50", "m50", now=day(1))
    assert e.value.code == "licence.job_limit" and ledger.to_json() == before
    assert e.value.fields  # the numbers involved
    out = ledger.start_job(im, "intelligentFTP", "ftp", "m0", now=day(1))
    assert out.events[0].kind == "job_started" and out.events[0].key == im
    jobs = {j.job_type: j for j in ledger.status(im, day(1)).jobs}
    assert (jobs["ShadowStream"].in_use, jobs["ShadowStream"].licences) == (50, 50)
    assert jobs["intelligentFTP"].in_use == 1 and jobs["intelligentFTP"].running[0].job_name == "ftp"
    assert jobs["HeadStart Restore"].in_use == 0
    ledger.end_job(im, "ShadowStream", "job0", "m0", now=day(2))
    ledger.start_job(im, "ShadowStream", "job50", "m50", now=day(2))
    (h,) = ledger.licence_histories(day(3))
    assert len(h.jobs) == 52 and h.jobs[0].until == day(2) and h.jobs[-1].until is None
    assert kl.HistoryKind.JOB_STARTED in {x.kind for x in ledger.history(im, day(3))}
