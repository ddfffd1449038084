"""Issue 20 from Python, told as the seed's stories: the 51st ImageManager job, a late call-home to
a deactivated product, and a legacy key at an instant (python's typed ledger methods)."""

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
    for n in range(1, 51):
        ledger.start_job(key, "ShadowStream", f"stream-{n}", f"srv-{n}", now=day(1))
    with pytest.raises(kl.KeyledgerError) as e:
        ledger.start_job(key, "ShadowStream", "stream-51", "srv-51", now=day(1))
    assert e.value.code == "licence.job_limit"
    assert "50" in str(e.value)
    ledger.start_job(key, "intelligentFTP", "offsite", "srv-1", now=day(1))
    jobs = {j.job_type: (j.in_use, j.licences) for j in ledger.status(key, day(2)).jobs}
    assert jobs == {"intelligentFTP": (1, 50), "ShadowStream": (50, 50), "HeadStart Restore": (0, 50)}


def test_a_late_call_home_never_tells_a_deactivated_product_to_run():
    ledger = kl.Ledger()
    (key,) = ledger.generate_keys(ISSUER, kl.SHADOWPROTECT_MSP, 1, now=T0)
    ledger.activate(key, "srv-01", "MSP", "ACME", edition="Server", now=T0)
    ledger.deactivate(key, now=day(6))
    assert ledger.call_home(key, "srv-01", now=day(7)).action == kl.CallHomeAction.DEACTIVATED
    late = ledger.call_home(key, "srv-01", now=day(6) + timedelta(hours=3))
    assert late.action == kl.CallHomeAction.DEACTIVATED
    assert ledger.state(key, day(8)) == kl.LicenceState.DEACTIVATED


def test_a_legacy_key_answers_for_the_instant():
    ledger = kl.Ledger()
    (key,) = ledger.generate_keys(ISSUER, kl.LEGACY_SHADOWPROTECT, 1, now=T0)
    ledger.set_legacy_status(key, True, now=day(1))
    ledger.set_legacy_status(key, False, now=day(500))
    ledger.set_legacy_machine(key, "hq-backup", now=day(500))
    assert ledger.state(key, day(499)) == kl.LicenceState.ACTIVE
    assert ledger.state(key, day(501)) == kl.LicenceState.DEACTIVATED
    assert ledger.state(key, day(0)) == kl.LicenceState.UNACTIVATED
