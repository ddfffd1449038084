"""Issuer.check_many takes a cheaper path for genuine keys (the check is built when read): every
answer must still be exactly what Issuer.check gives for the same text, attribute by attribute."""

from hypothesis import given, settings, strategies as st

import keyledger as kl

ISSUER = kl.Issuer(b"python check_many secret 32 byte")
FORGER = kl.Issuer(b"another secret entirely, 32 byte")
GENUINE = [str(k) for k in ISSUER.generate_batch(kl.SHADOWPROTECT_MSP, 1, 5)] + [
    str(ISSUER.generate(kl.IMAGEMANAGER, 9)), str(ISSUER.generate(kl.LEGACY_SHADOWPROTECT, 2))]
UNKNOWN_PRODUCT = str(ISSUER.generate(40, 1))
FORGED = str(FORGER.generate(kl.SHADOWPROTECT_MSP, 3))
ONLY_IM = kl.Catalog([kl.Catalog.storagecraft().get(kl.IMAGEMANAGER)])

ATTRS = ("usable", "code", "detail", "key", "product", "serial", "position", "character", "next_change")


def same(a, b):
    for attr in ATTRS:
        assert getattr(a, attr) == getattr(b, attr), attr
    assert a.to_dict() == b.to_dict() and a.to_json() == b.to_json() and repr(a) == repr(b)


texts = st.one_of(
    st.sampled_from(GENUINE + [UNKNOWN_PRODUCT, FORGED]),
    st.sampled_from(GENUINE).map(str.lower),
    st.sampled_from(GENUINE).map(lambda k: k.replace("-", " ")),
    st.sampled_from(GENUINE).map(lambda k: k[:-1] + ("0" if k[-1] != "0" else "1")),
    st.text(st.characters(blacklist_categories=()), max_size=20),
    st.text("0123456789ABCDEFGHJKMNPQRSTVWXYZ-", min_size=15, max_size=20),
)


@settings(max_examples=200, deadline=None)
@given(batch=st.lists(texts, max_size=12), catalog=st.sampled_from([None, ONLY_IM, kl.Catalog.storagecraft()]))
def test_check_many_answers_as_check_does(batch, catalog):
    many = ISSUER.check_many(batch, catalog)
    assert len(many) == len(batch)
    for text, got in zip(batch, many):
        same(got, ISSUER.check(text, catalog))


def test_genuine_checks_share_their_product_name():
    a, b = ISSUER.check_many(GENUINE[:2])
    assert a.usable and a.code == "ok" and a.detail == f"genuine ShadowProtect for MSP key, serial {a.serial}"
    assert a.product is b.product  # one interned str for the batch
    # The key is a ProductKey equal to the text's parse; a catalog without the product says so.
    assert a.key == kl.parse_key(GENUINE[0])
    (c,) = ISSUER.check_many([GENUINE[0]], ONLY_IM)
    assert (c.usable, c.code, c.product) == (False, "key.unknown_product", None)
