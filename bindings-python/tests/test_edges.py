"""Issue 20 from Python through the typed methods: ImageManager job licences (the 51st job), a late
call-home to a deactivated product, and a legacy key at an instant."""

from datetime import datetime, timedelta, timezone

import pytest

import keyledger as kl

T0 = datetime(2026, 10, 1, 9, 0, tzinfo=timezone.utc)
ISSUER = kl.Issuer(b"python edges secret, 32 bytes...")


def day(n):
    return T0 + timedelta(days=n)


def test_the_51st_job_of_a_type_is_refused_with_the_numbers():
    ledger = kl.Ledger()
    (key,) = ledger.generate_keys(ISSUER, kl.IMAGEMANAGER, 1, now=T0)
    ledger.activate(key, "im-1", "MSP", "ACME", now=T0)

    def start(job_type, name, machine):
        return ledger.start_job(key, job_type, name, machine, now=day(1))

    for n in range(1, 51):
        assert start("ShadowStream", f"stream-{n}", f"srv-{n}").events[0].kind == "job_started"
    with pytest.raises(kl.LicenceError) as e:
        start("ShadowStream", "stream-51", "srv-51")
    assert e.value.code == "licence.job_limit"
    assert e.value.licences == 50 and e.value.in_use == 50
    start("intelligentFTP", "offsite", "srv-1")
    jobs = {j.job_type: (j.in_use, j.licences) for j in ledger.status(key, day(2)).jobs}
    assert jobs == {"intelligentFTP": (1, 50), "ShadowStream": (50, 50), "HeadStart Restore": (0, 50)}


def test_a_late_call_home_never_tells_a_deactivated_product_to_run():
    ledger = kl.Ledger()
    (key,) = ledger.generate_keys(ISSUER, kl.SHADOWPROTECT_MSP, 1, now=T0)
    ledger.activate(key, "srv-01", "MSP", "ACME", edition="Server", now=T0)
    ledger.deactivate(key, now=day(6))
    assert ledger.call_home(key, "srv-01", now=day(7)).action is kl.CallHomeAction.DEACTIVATED
    late = ledger.call_home(key, "srv-01", now=day(6) + timedelta(hours=3))
    assert late.action is kl.CallHomeAction.DEACTIVATED
    assert ledger.state(key, day(8)) is kl.LicenceState.DEACTIVATED


def test_a_legacy_key_answers_for_the_instant():
    ledger = kl.Ledger()
    (key,) = ledger.generate_keys(ISSUER, kl.LEGACY_SHADOWPROTECT, 1, now=T0)
    ledger.set_legacy_status(key, True, now=day(1))
    ledger.set_legacy_status(key, False, now=day(500))
    ledger.set_legacy_machine(key, "hq-backup", now=day(500))
    assert ledger.state(key, day(499)) is kl.LicenceState.ACTIVE
    assert ledger.state(key, day(501)) is kl.LicenceState.DEACTIVATED
    assert ledger.state(key, day(0)) is kl.LicenceState.UNACTIVATED
