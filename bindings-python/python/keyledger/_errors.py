"""The exception hierarchy of keyledger.

Every error the library raises is a :class:`KeyledgerError` (a :class:`ValueError`), with a stable
``code`` (the same string as the Rust ``code()`` and the JS ``Error.code``), the human ``message``,
and the facts of the Rust error as typed attributes (``position``, ``character``, ``limit``,
``in_use``...), also available together as ``fields``. An attribute a given error does not carry is
``None``.

:data:`ERROR_CODES` lists every code: the core's (declared next to each Rust error variant) and the
binding's own ``py.*`` codes, as the native module reports them.
"""

from __future__ import annotations

import importlib
from typing import Any, Dict, Optional, Tuple, Type

#: Every code a keyledger exception can carry (the core's, then ``py.*``), from the native module.
ERROR_CODES: Tuple[str, ...] = tuple(importlib.import_module("keyledger._keyledger")._error_codes())


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

    def __reduce__(self) -> Tuple[Any, ...]:  # pickling keeps code and fields
        return (_rebuild, (type(self), self.message, self.code, self.fields))


def _rebuild(cls: Type[KeyledgerError], message: str, code: str, fields: Dict[str, Any]) -> KeyledgerError:
    return cls(message, code, **fields)


class ProductKeyError(KeyledgerError):
    """A product key is malformed, mistyped, unknown or not genuine, or a generation request is bad."""

    requested: Optional[int] = None
    max: Optional[int] = None
    serial: Optional[int] = None
    secret_id: Optional[int] = None
    version: Optional[int] = None
    len: Optional[int] = None
    min: Optional[int] = None


class MalformedKeyError(ProductKeyError):
    """Empty, wrong length (``found`` symbols), or a character that is not a symbol (``position``,
    1-based in the text as given, and ``character``; a lone surrogate is reported as itself)."""

    position: Optional[int] = None
    character: Optional[str] = None
    found: Optional[int] = None


class TypoError(ProductKeyError):
    """The check symbol does not match: a symbol is mistyped or two are swapped."""


class NotGenuineError(ProductKeyError):
    """The key's authentication tag does not match: it was not made by this issuer."""


class UnknownProductError(ProductKeyError):
    """The key is for a product that is not in the catalog (``product``)."""

    product: Optional[int] = None


class UnknownSecretError(ProductKeyError):
    """The key was made under a secret the issuer does not hold (``secret_id``)."""


class CatalogError(KeyledgerError):
    """A product catalog is invalid."""

    id: Optional[int] = None
    name: Optional[str] = None
    existing: Optional[str] = None


class FormatError(KeyledgerError):
    """Stored JSON is corrupt (``line``, ``column``), of another kind, or from a later version
    (``found``, ``supported``)."""

    line: Optional[int] = None
    column: Optional[int] = None
    expected: Optional[str] = None
    found: Any = None
    supported: Optional[int] = None


class OrgError(KeyledgerError):
    """Accounts and sites: unknown ids, duplicate names, non-empty containers."""

    account: Any = None
    site: Any = None
    name: Optional[str] = None
    keys: Optional[int] = None
    sites: Optional[int] = None


class LicenceError(KeyledgerError):
    """The licence ledger refused a command or an event (``key``, ``machine``, ``licences``,
    ``in_use``...)."""

    key: Optional[str] = None
    machine: Optional[str] = None
    licence: Optional[int] = None
    licences: Optional[int] = None
    in_use: Optional[int] = None
    edition: Optional[str] = None
    product: Any = None
    id: Optional[int] = None
    expected: Any = None
    found: Any = None
    reason: Optional[str] = None


class BillingError(KeyledgerError):
    """Billing: months, zones, prices, currencies, ranges, amounts."""

    product: Any = None
    edition: Optional[str] = None
    name: Optional[str] = None
    text: Optional[str] = None
    expected: Any = None
    found: Any = None


class QuotaError(KeyledgerError):
    """Quota accounting: limits (``resource``, ``requested``, ``in_use``, ``limit``, ``free``),
    users, licences, groups, partners, resellers."""

    subscription: Optional[str] = None
    resource: Optional[str] = None
    requested: Optional[int] = None
    in_use: Optional[int] = None
    limit: Optional[int] = None
    free: Optional[int] = None
    assigned: Optional[int] = None
    login: Optional[str] = None
    licence: Optional[int] = None
    group: Optional[int] = None
    quota_gb: Optional[int] = None
    used_gb: Optional[int] = None
    reseller: Optional[str] = None
    email: Optional[str] = None


class OfflineError(KeyledgerError):
    """Offline call-home certificates and clock rollback."""

    expected: Optional[str] = None
    found: Optional[str] = None
    key_id: Optional[int] = None
    reason: Optional[str] = None
    not_before: Optional[str] = None
    not_after: Optional[str] = None
    now: Optional[str] = None
    high_water: Optional[str] = None
    tolerance_seconds: Optional[int] = None


class ArgumentError(KeyledgerError):
    """An argument of the wrong type, range or shape (``argument`` names it)."""

    argument: Optional[str] = None


class NaiveDatetimeError(ArgumentError):
    """A datetime without a time zone was given; keyledger needs timezone-aware datetimes."""


class MissingExtraError(KeyledgerError):
    """An optional dependency is not installed (``extra``: ``pip install 'keyledger[extra]'``)."""

    extra: Optional[str] = None
    module: Optional[str] = None


_BY_CODE: Dict[str, Type[KeyledgerError]] = {
    "key.malformed": MalformedKeyError,
    "key.typo": TypoError,
    "key.not_genuine": NotGenuineError,
    "key.unknown_product": UnknownProductError,
    "key.unknown_secret": UnknownSecretError,
    "py.naive_datetime": NaiveDatetimeError,
    "py.missing_extra": MissingExtraError,
}

_BY_FAMILY: Dict[str, Type[KeyledgerError]] = {
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


def exception_class(code: str) -> Type[KeyledgerError]:
    """The exception class raised for a code: its own class, else its module's."""
    return _BY_CODE.get(code) or _BY_FAMILY.get(code.split(".", 1)[0], KeyledgerError)


def from_native(code: str, message: str, fields: Dict[str, Any]) -> KeyledgerError:
    """Builds the exception for a code (called by the native module)."""
    if not isinstance(fields, dict):
        fields = {}
    fields = {k: v for k, v in fields.items() if k not in ("code", "message", "fields")}
    return exception_class(code)(message, code, **fields)
