"""Product keys from Python: generate, parse, check, verify, errors, secrets."""

import pickle

import pytest
from hypothesis import given, settings, strategies as st

import keyledger as kl

SECRET = b"python test secret, 32 bytes...."
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


@pytest.fixture(scope="module")
def issuer():
    return kl.Issuer(SECRET)


def test_generate_parse_verify(issuer):
    key = issuer.generate(kl.SHADOWPROTECT_MSP, 42)
    assert isinstance(key, kl.ProductKey)
    assert (key.version, key.secret_id, key.product, key.serial) == (1, 0, 1, 42)
    assert len(str(key)) == 19 and str(key).count("-") == 3
    assert kl.parse_key(str(key).lower().replace("-", " ")) == key
    assert issuer.verify(str(key)) == key
    assert issuer.generate(kl.SHADOWPROTECT_MSP, 42) == key  # deterministic
    assert {key, issuer.generate(kl.SHADOWPROTECT_MSP, 42)} == {key}


def test_batch_limit_is_an_error_not_a_truncation(issuer):
    assert [k.serial for k in issuer.generate_batch(kl.IMAGEMANAGER, 5, 3)] == [5, 6, 7]
    with pytest.raises(kl.ProductKeyError) as e:
        issuer.generate_batch(kl.IMAGEMANAGER, 1, 11)
    assert e.value.code == "key.too_many"
    assert (e.value.requested, e.value.max) == (11, 10)
    issuer2 = kl.Issuer(SECRET)
    issuer2.max_per_request = 50
    assert issuer2.max_per_request == 50
    assert len(issuer2.generate_batch(kl.IMAGEMANAGER, 1, 50)) == 50


@pytest.mark.parametrize(
    "text, code, fields",
    [
        ("", "key.malformed", {}),
        ("ABCD", "key.malformed", {"found": 4}),
        ("ABCD-EFGH-JKMN-PQRS-T", "key.malformed", {"found": 17}),
        ("ABCD-EFGH-JKMN-PQRÜ", "key.malformed", {"position": 19, "character": "Ü"}),
        ("ABCD\tEFGH-JKMN-PQRS", "key.malformed", {"position": 5, "character": "\t"}),
        ("ABCD-EFGH-JKMN-PQR\x00", "key.malformed", {"position": 19, "character": "\x00"}),
    ],
)
def test_malformed_keys_name_what_is_wrong(text, code, fields):
    with pytest.raises(kl.MalformedKeyError) as e:
        kl.parse_key(text)
    assert isinstance(e.value, kl.ProductKeyError)
    assert isinstance(e.value, kl.KeyledgerError)
    assert isinstance(e.value, ValueError)
    assert e.value.code == code
    for k, v in fields.items():
        assert getattr(e.value, k) == v
    check = kl.check_key(text)
    assert (check.usable, check.code) == (False, "key.malformed")


def test_every_single_symbol_error_is_a_typo(issuer):
    for serial in (1, 777, 65_000_000):
        text = str(issuer.generate(kl.SHADOWPROTECT_MSP, serial))
        for i, ch in enumerate(text):
            if ch == "-":
                continue
            for sym in ALPHABET:
                if sym == ch:
                    continue
                bad = text[:i] + sym + text[i + 1 :]
                with pytest.raises(kl.TypoError):
                    kl.parse_key(bad)


def test_adjacent_swaps_are_typos(issuer):
    text = str(issuer.generate(kl.IMAGEMANAGER, 12345)).replace("-", "")
    for i in range(15):
        if text[i] != text[i + 1]:
            bad = text[:i] + text[i + 1] + text[i] + text[i + 2 :]
            assert kl.check_key(bad).code == "key.typo"


def test_forged_unknown_product_and_secret():
    mine, forger = kl.Issuer(SECRET), kl.Issuer(b"someone else's secret, 32 bytes.")
    forged = str(forger.generate(kl.SHADOWPROTECT_MSP, 1))
    assert kl.check_key(forged).usable  # the public check cannot tell
    c = mine.check(forged)
    assert (c.usable, c.code) == (False, "key.not_genuine")
    with pytest.raises(kl.NotGenuineError):
        mine.verify(forged)
    odd = str(mine.generate(40, 1))
    assert kl.check_key(odd).code == "key.unknown_product"
    other = kl.Issuer(SECRET, secret_id=7)
    with pytest.raises(kl.UnknownSecretError) as e:
        mine.verify(other.generate(1, 1))
    assert e.value.secret_id == 7


def test_rotation(issuer):
    i = kl.Issuer(b"old secret, at least 16 bytes")
    old = i.generate(1, 1)
    i.add_secret(1, b"new secret, at least 16 bytes")
    i.set_active(1)
    assert i.active_secret == 1 and i.secret_ids == [0, 1]
    new = i.generate(1, 2)
    assert i.verify(old) == old and i.verify(new) == new
    i.remove_secret(0)
    with pytest.raises(kl.UnknownSecretError):
        i.verify(old)
    with pytest.raises(kl.ProductKeyError) as e:
        i.remove_secret(1)
    assert e.value.code == "key.active_secret"


def test_check_many_and_verify_many(issuer):
    keys = [str(k) for k in issuer.generate_batch(1, 1, 5)] + ["nope", ""]
    checks = issuer.check_many(keys)
    assert [c.usable for c in checks] == [True] * 5 + [False, False]
    assert checks[0].to_dict()["code"] == "ok" and checks[0].code == "ok"
    assert checks[0].key == kl.parse_key(keys[0]) and checks[0].serial == 1
    assert issuer.check_many(iter(keys[:2]))[1].key == kl.parse_key(keys[1])
    assert issuer.verify_many(keys) == ["ok"] * 5 + ["key.malformed"] * 2


def test_secrets_never_appear():
    secret = b"VERY-SECRET-MATERIAL-0123456789"
    i = kl.Issuer(secret)
    texts = [repr(i), str(i)]
    for bad in (lambda: kl.Issuer(b"VERY"), lambda: i.add_secret(0, secret)):
        with pytest.raises(kl.KeyledgerError) as e:
            bad()
        texts += [str(e.value), repr(e.value), repr(e.value.fields)]
    for t in texts:
        assert "VERY-SECRET" not in t and "VERY" not in t.replace("every", "")


def test_catalog():
    c = kl.Catalog.storagecraft()
    assert [p.name for p in c.products] == [
        "ShadowProtect for MSP", "ImageManager", "Legacy ShadowProtect", "Legacy ImageManager",
    ]
    assert c.get(2).job_licences[0].count == 50
    custom = kl.Catalog([kl.Product(9, "Vault", "Vault", kl.LicenceType.MSP, kl.Licensing.SUBSCRIPTION)])
    assert kl.check_key(str(kl.Issuer(SECRET).generate(9, 1)), custom).product == "Vault"
    with pytest.raises(kl.CatalogError) as e:
        kl.Catalog([kl.Product(9, "A", "A", kl.LicenceType.MSP, kl.Licensing.SUBSCRIPTION), kl.Product(9, "B", "B", kl.LicenceType.MSP, kl.Licensing.SUBSCRIPTION)])
    assert e.value.code == "catalog.duplicate_product"
    with pytest.raises(kl.CatalogError, match="out of range"):
        kl.Product(64, "Z", "Z", kl.LicenceType.MSP, kl.Licensing.SUBSCRIPTION)
    again = kl.Catalog.from_json(custom.to_json())
    assert [p.name for p in again.products] == ["Vault"] and again.products[0].licensing is kl.Licensing.SUBSCRIPTION


def test_wrong_argument_types_are_argument_errors(issuer):
    for call in (
        lambda: kl.parse_key(5),
        lambda: issuer.generate("1", 1),
        lambda: issuer.generate(1, -1),
        lambda: issuer.generate(1, 2**40),
        lambda: kl.Issuer("not bytes"),
        lambda: issuer.check_many([1, 2]),
        lambda: issuer.check_many("not a list"),
        lambda: issuer.verify_many([None]),
        lambda: issuer.generate(1.0, 1),
        lambda: issuer.generate(True, 1),
        lambda: kl.check_key(b"bytes"),
        lambda: kl.check_key("x", catalog="not a catalog"),
    ):
        with pytest.raises(kl.ArgumentError) as e:
            call()
        assert e.value.code == "py.bad_argument"


def test_exceptions_pickle():
    with pytest.raises(kl.MalformedKeyError) as e:
        kl.parse_key("U")
    again = pickle.loads(pickle.dumps(e.value))
    assert type(again) is kl.MalformedKeyError and again.code == "key.malformed" and again.position == 1


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_arbitrary_text_never_crashes(text):
    check = kl.check_key(text)
    assert check.usable == (check.code == "ok")
    try:
        key = kl.parse_key(text)
    except kl.KeyledgerError as e:
        assert e.code.startswith("key.")
    else:
        assert kl.parse_key(str(key)) == key


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 63), st.integers(0, 2**26 - 1), st.booleans(), st.booleans())
def test_generate_format_parse_round_trips(product, serial, lower, strip):
    i = kl.Issuer(SECRET)
    key = i.generate(product, serial)
    text = str(key)
    if lower:
        text = text.lower()
    if strip:
        text = text.replace("-", "")
    assert kl.parse_key(text) == key
    assert i.verify(text).serial == serial


@pytest.mark.parametrize("text, position", [("ABCD-EFGH-JKMN-PQR\ud800", 19), ("\udfff", 1), ("AB\ud83dCD", 3)])
def test_lone_surrogates_are_malformed_characters_at_their_position(issuer, text, position):
    """A lone surrogate cannot be UTF-8 text: the key check reports it as the malformed character it is."""
    for call in (kl.parse_key, issuer.verify, kl.ProductKey.parse):
        with pytest.raises(kl.MalformedKeyError) as e:
            call(text)
        if len(text) > 1:
            assert (e.value.position, e.value.character) == (position, text[position - 1])
    check = kl.check_key(text)
    assert check.code == "key.malformed" and not check.usable
    assert issuer.verify_many([text]) == ["key.malformed"]
    assert issuer.check_many([text])[0].code == "key.malformed"


def test_product_keys_are_values(issuer):
    a, b = issuer.generate(1, 1), issuer.generate(1, 2)
    assert a < b and a != b and a == kl.parse_key(str(a)) and hash(a) == hash(kl.parse_key(str(a)))
    assert pickle.loads(pickle.dumps(a)) == a
    assert a.to_dict() == {"key": str(a), "version": 1, "secret_id": 0, "product": 1, "serial": 1}
    assert repr(a) == f"ProductKey('{a}')"
