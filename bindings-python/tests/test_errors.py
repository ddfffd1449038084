"""Error codes: the binding's list comes from the core, and every code maps to its exception."""

import keyledger as kl
from keyledger import _errors


def test_error_codes_come_from_the_core_and_the_binding():
    codes = _errors.ERROR_CODES
    assert len(codes) == len(set(codes)) > 100
    # Core codes (declared next to each Rust variant) and the binding's own.
    for code in ("key.malformed", "licence.licence_limit", "quota.limit_exceeded",
                 "billing.unknown_time_zone", "py.bad_argument", "py.naive_datetime",
                 "py.missing_extra"):
        assert code in codes
    # The stale codes the docs once named: not a code (core/tests/error_codes.rs skips this line).
    for stale in ("billing.unknown_zone", "license.all_licences_in_use", "licence.all_licences_in_use"):
        assert stale not in codes
    for code in codes:
        module, reason = code.split(".")
        assert module and reason and code == code.lower()


def test_every_code_has_its_modules_exception_class():
    families = {
        "key": kl.ProductKeyError, "catalog": kl.CatalogError, "org": kl.OrgError,
        "licence": kl.LicenceError, "offline": kl.OfflineError, "format": kl.FormatError,
        "quota": kl.QuotaError, "billing": kl.BillingError, "py": kl.KeyledgerError,
    }
    for code in _errors.ERROR_CODES:
        cls = _errors.exception_class(code)
        assert cls is not kl.KeyledgerError, code
        assert issubclass(cls, families[code.split(".")[0]]), code
        e = _errors.from_native(code, "a message", {})
        assert type(e) is cls and e.code == code and str(e) == "a message"
    # The codes with a class of their own are codes.
    assert set(_errors._BY_CODE) <= set(_errors.ERROR_CODES)
    assert _errors.exception_class("nope.nothing") is kl.KeyledgerError


def test_raised_errors_carry_listed_codes_and_sentences():
    raised = []
    for bad in ("", "ABCD", "ABCD-EFGH-JKMN-PQRU"):
        try:
            kl.parse_key(bad)
        except kl.KeyledgerError as e:
            raised.append(e)
    assert len(raised) == 3
    for e in raised:
        assert e.code in _errors.ERROR_CODES
        assert "Some(" not in e.message and "None" not in e.message
