"""The exception hierarchy of keyledger.

Every error the library raises is a :class:`KeyledgerError` (a :class:`ValueError`), with a stable
``code`` (the same string as the Rust ``code()`` and the JS ``Error.code``), the human ``message``,
and the facts of the Rust error as attributes (``position``, ``character``, ``found``...), also
available together as ``fields``.
"""

from __future__ import annotations

import json
from typing import Any, Dict


class KeyledgerError(ValueError):
    """Base of every keyledger error."""

    code: str
    message: str
    fields: Dict[str, Any]

    def __init__(self, message: str, code: str = "keyledger.error", **fields: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = dict(fields)
        for name, value in fields.items():
            if name not in ("code", "message", "fields", "args"):
                setattr(self, name, value)

    def __reduce__(self):  # pickling keeps code and fields
        return (_rebuild, (type(self), self.message, self.code, self.fields))


def _rebuild(cls, message, code, fields):
    return cls(message, code, **fields)


class ProductKeyError(KeyledgerError):
    """A product key is malformed, mistyped, unknown or not genuine, or a generation request is bad."""


class MalformedKeyError(ProductKeyError):
    """Empty, wrong length, or a character that is not a symbol (``position``, ``character``)."""


class TypoError(ProductKeyError):
    """The check symbol does not match: a symbol is mistyped or two are swapped."""


class NotGenuineError(ProductKeyError):
    """The key's authentication tag does not match: it was not made by this issuer."""


class UnknownProductError(ProductKeyError):
    """The key is for a product that is not in the catalog (``product``)."""


class UnknownSecretError(ProductKeyError):
    """The key was made under a secret the issuer does not hold (``secret_id``)."""


class CatalogError(KeyledgerError):
    """A product catalog is invalid."""


class FormatError(KeyledgerError):
    """Stored JSON is corrupt, of another kind, or from a later version."""


class OrgError(KeyledgerError):
    """Accounts and sites: unknown ids, duplicate names, non-empty containers."""


class LicenceError(KeyledgerError):
    """The licence ledger refused a command or an event."""


class BillingError(KeyledgerError):
    """Billing: months, zones, prices, currencies, ranges, amounts."""


class QuotaError(KeyledgerError):
    """Quota accounting: limits, users, licences, groups, partners, resellers."""


class OfflineError(KeyledgerError):
    """Offline call-home certificates and clock rollback."""


class ArgumentError(KeyledgerError):
    """An argument of the wrong type or shape (``argument``)."""


class NaiveDatetimeError(ArgumentError):
    """A datetime without a time zone was given; keyledger needs timezone-aware datetimes."""


_BY_CODE = {
    "key.malformed": MalformedKeyError,
    "key.typo": TypoError,
    "key.not_genuine": NotGenuineError,
    "key.unknown_product": UnknownProductError,
    "key.unknown_secret": UnknownSecretError,
    "py.naive_datetime": NaiveDatetimeError,
}

_BY_FAMILY = {
    "key": ProductKeyError,
    "catalog": CatalogError,
    "format": FormatError,
    "org": OrgError,
    "licence": LicenceError,
    "billing": BillingError,
    "quota": QuotaError,
    "offline": OfflineError,
    "py": ArgumentError,
}


def from_native(code: str, message: str, fields_json: str) -> KeyledgerError:
    """Builds the exception for a code (called by the native module)."""
    try:
        fields = json.loads(fields_json) if fields_json else {}
    except ValueError:
        fields = {}
    if not isinstance(fields, dict):
        fields = {}
    fields = {k: v for k, v in fields.items() if k not in ("code", "message", "fields")}
    cls = _BY_CODE.get(code) or _BY_FAMILY.get(code.split(".", 1)[0], KeyledgerError)
    return cls(message, code, **fields)
