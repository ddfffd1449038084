"""Hypothesis drives every public function and method with arbitrary Python values (any str including
lone surrogates, huge and negative ints, floats, None, bytes, wrong types, naive and aware datetimes,
and valid objects of the package): only KeyledgerError subclasses come out, and every document that
comes back can be read (getters, to_dict, to_json)."""

import inspect
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import keyledger as kl

T0 = datetime(2026, 10, 1, 9, 0, tzinfo=timezone.utc)
ISSUER = kl.Issuer(b"python fuzz secret, 32 bytes....")
SIGNER = kl.CertificateIssuer(bytes(range(32)), key_id=1)


def fixtures():
    ledger = kl.Ledger()
    keys = ledger.generate_keys(ISSUER, kl.SHADOWPROTECT_MSP, 2, now=T0)
    ledger.activate(keys[0], "m1", "MSP", "C", edition="Server", now=T0)
    ledger.call_home(keys[0], "m1", now=T0 + timedelta(days=1))
    histories = ledger.licence_histories(T0 + timedelta(days=40))
    prices = kl.PriceList("USD").set_price(kl.SHADOWPROTECT_MSP, None, Decimal("10"))
    book = kl.QuotaBook()
    book.create_subscription("s", company="C", admin_name="A", email="a@x.test", limits=kl.Limits.seed_plan(), now=T0)
    detail = kl.billing_detail(histories, "2026-10", prices)
    return ledger, keys, histories, prices, book, detail


LEDGER, KEYS, HISTORIES, PRICES, BOOK, DETAIL = fixtures()
VALID = [
    KEYS[0], str(KEYS[0]), str(KEYS[0]).lower(), "m1", "s", "2026-10", "UTC", T0, T0 + timedelta(days=3),
    date(2026, 10, 1), HISTORIES, HISTORIES[0], PRICES, DETAIL, kl.BillingRule.storagecraft(), kl.account(0),
    kl.site(1), kl.Limits.seed_plan(), kl.Catalog.storagecraft(), kl.QuotaLicenceType.DESKTOP, ISSUER, SIGNER,
    kl.LicenceType.MSP, kl.Licensing.SUBSCRIPTION, [str(k) for k in KEYS], {1: SIGNER.verifying_key},
    kl.ActivationSortKey.DATE, [kl.ActivationSortKey.ACCOUNT], Decimal("1.5"), 1, 0, True,
    kl.LifecyclePolicy(), LEDGER.call_home(KEYS[0], "m1", now=T0 + timedelta(days=2)).events[0],
]

any_text = st.text(st.characters(blacklist_categories=()), max_size=24)  # includes lone surrogates
hostile = st.one_of(
    any_text,
    st.integers(),
    st.integers(min_value=2**60, max_value=2**80),
    st.integers(max_value=-1),
    st.floats(),
    st.none(),
    st.booleans(),
    st.binary(max_size=40),
    st.lists(st.one_of(any_text, st.integers(), st.none()), max_size=3),
    st.dictionaries(any_text, st.integers(), max_size=2),
    st.datetimes(),
    st.datetimes(timezones=st.just(timezone.utc)),
    st.dates(),
    st.decimals(allow_nan=True),
    st.sampled_from(VALID),
)


CONSTRUCTIBLE = {"Issuer", "Ledger", "QuotaBook", "PriceList", "Catalog", "Product", "CertificateIssuer",
                 "LifecyclePolicy", "Limits"}


def targets():
    """(name, callable) for every public function, constructor, static method and method."""
    out = []
    for name in kl.__all__:
        obj = getattr(kl, name)
        if isinstance(obj, type) and issubclass(obj, BaseException):
            continue
        if not isinstance(obj, type):
            if callable(obj):
                out.append((name, obj))
            continue
        if name in CONSTRUCTIBLE:
            out.append((name, obj))
        for attr in dir(obj):
            if attr.startswith("_"):
                continue
            raw = inspect.getattr_static(obj, attr)
            if isinstance(raw, staticmethod) or type(raw).__name__ in ("builtin_function_or_method", "staticmethod"):
                out.append((f"{name}.{attr}", getattr(obj, attr)))
    instances = {
        "Issuer": lambda: kl.Issuer(b"python fuzz secret, 32 bytes...."),
        "Ledger": lambda: kl.Ledger.from_json(LEDGER.to_json()),
        "QuotaBook": lambda: kl.QuotaBook.from_json(BOOK.to_json()),
        "PriceList": lambda: kl.PriceList.from_json(PRICES.to_json()),
        "Catalog": kl.Catalog.storagecraft,
        "CertificateIssuer": lambda: SIGNER,
        "BillingRule": kl.BillingRule.storagecraft,
        "BillingDetail": lambda: DETAIL,
        "KeyTable": lambda: DETAIL.tables[0],
        "ArrowTable": DETAIL.key_rows,
        "ActivationReport": lambda: kl.activation_report(HISTORIES, date(2026, 10, 1), date(2026, 10, 31)),
        "Trends": lambda: kl.trends(HISTORIES, "2026-10"),
        "DoubleBilling": lambda: kl.double_billing(HISTORIES, "2026-10", PRICES),
    }
    for cls_name, make in instances.items():
        cls = getattr(kl, cls_name)
        for attr in dir(cls):
            raw = inspect.getattr_static(cls, attr)
            if attr.startswith("_") or type(raw).__name__ != "method_descriptor":
                continue
            out.append((f"{cls_name}().{attr}", (make, attr)))
    return out


TARGETS = targets()


def resolve(target):
    if isinstance(target, tuple):
        make, attr = target
        return getattr(make(), attr)
    return target


def read(value, depth=0):
    """Reads a returned document completely: every property, to_dict, to_json."""
    if depth > 3 or value is None or isinstance(value, (str, int, float, bytes, Decimal, datetime, date)):
        return
    if isinstance(value, (list, tuple)):
        for v in value[:5]:
            read(v, depth + 1)
        return
    cls = type(value)
    if cls.__module__ != "keyledger":  # a pyarrow table, a dict from to_dict...
        return
    for attr, member in inspect.getmembers(cls):
        if isinstance(member, property) or type(member).__name__ == "getset_descriptor":
            if not attr.startswith("_"):
                read(getattr(value, attr), depth + 1)
    for m in ("to_dict", "to_json", "__repr__", "__str__"):
        if hasattr(value, m):
            getattr(value, m)()


def call_with(fn, draw):
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return fn()
    args, kwargs = [], {}
    for p in sig.parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if p.default is not p.empty and draw(st.booleans()):
            continue
        v = draw(hostile)
        if p.kind == p.KEYWORD_ONLY:
            kwargs[p.name] = v
        else:
            args.append(v)
    return fn(*args, **kwargs)


@pytest.mark.parametrize("name, target", TARGETS, ids=[t[0] for t in TARGETS])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_only_package_errors_escape(name, target, data):
    try:
        fn = resolve(target)
        out = call_with(fn, data.draw)
        read(out)
    except kl.KeyledgerError as e:
        assert isinstance(e.code, str) and e.code and str(e)


def test_every_public_name_is_driven():
    driven = {n.split(".")[0].rstrip("()") for n, _ in TARGETS}
    missing = [n for n in kl.__all__ if callable(getattr(kl, n)) and not isinstance(getattr(kl, n), type)
               and n not in driven]
    assert missing == []
    assert len(TARGETS) > 120


ARROW_EXPORTERS = [DETAIL, DETAIL.tables[0], DETAIL.key_rows(),
                   kl.activation_report(HISTORIES, date(2026, 10, 1), date(2026, 10, 31)), kl.trends(HISTORIES, "2026-10")]


@settings(max_examples=60, deadline=None)
@given(which=st.sampled_from(ARROW_EXPORTERS), schema=hostile)
def test_arrow_export_takes_any_requested_schema(which, schema):
    """``__arrow_c_stream__`` answers any requested schema with its own stream (a capsule, never an
    exception), as the PyCapsule interface allows."""
    cap = which.__arrow_c_stream__(schema)
    assert type(cap).__name__ == "PyCapsule"
