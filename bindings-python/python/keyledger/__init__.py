"""keyledger: licensing and subscription bookkeeping.

Product keys (generate, parse, check for typos without the secret, verify with it), the licence
ledger (activation, call-home, the 7/14/30-day thresholds, deactivation, reactivation, history),
billing (Billing Detail, Activation Report, trends, a bulk path for numpy columns) and quota
accounting (subscriptions, users, licences, groups, resellers).

keyledger decides; your program does the I/O. Every operation that depends on time takes ``now``,
a timezone-aware :class:`datetime.datetime` (a naive one raises :class:`NaiveDatetimeError`).
Every error is a :class:`KeyledgerError` (a :class:`ValueError`) with a stable ``code``.

>>> import keyledger
>>> issuer = keyledger.Issuer(b"keep this secret somewhere safe!")
>>> key = issuer.generate(keyledger.SHADOWPROTECT_MSP, 42)
>>> keyledger.check_key(str(key).lower()).usable
True
"""

from __future__ import annotations

import enum
import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Union

from . import _keyledger as _native
from ._errors import (
    ArgumentError,
    BillingError,
    CatalogError,
    FormatError,
    KeyledgerError,
    LicenceError,
    MalformedKeyError,
    NaiveDatetimeError,
    NotGenuineError,
    OfflineError,
    OrgError,
    ProductKeyError,
    QuotaError,
    TypoError,
    UnknownProductError,
    UnknownSecretError,
)

__version__: str = _native.__version__

__all__ = [
    "ArgumentError", "BillingError", "CatalogError", "FormatError", "KeyledgerError", "LicenceError",
    "MalformedKeyError", "NaiveDatetimeError", "NotGenuineError", "OfflineError", "OrgError",
    "ProductKeyError", "QuotaError", "TypoError", "UnknownProductError", "UnknownSecretError",
    "SHADOWPROTECT_MSP", "IMAGEMANAGER", "LEGACY_SHADOWPROTECT", "LEGACY_IMAGEMANAGER",
    "Catalog", "Product", "ProductKey", "KeyCheck", "Issuer", "parse_key", "check_key",
    "LicenceState", "Ledger", "account", "site",
    "PriceList", "BillingDetail", "billing_detail", "recompute", "activation_report", "trends",
    "explain", "bulk_any_day_counts", "bulk_bill", "QuotaBook",
    "CertificateIssuer", "verify_certificate", "check_clock", "DEFAULT_ROLLBACK_TOLERANCE_SECONDS",
]

#: Product ids of the StorageCraft preset catalog.
SHADOWPROTECT_MSP = 1
IMAGEMANAGER = 2
LEGACY_SHADOWPROTECT = 3
LEGACY_IMAGEMANAGER = 4

# ---------------------------------------------------------------------------------------------
# Conversions at the boundary: aware datetimes <-> RFC 3339, Decimal <-> strings.

_TIME_KEYS = {
    "at", "from", "until", "next_change", "last_call_home", "terminates_at", "activated_at",
    "ended_at", "created_at", "issued_at", "not_before", "not_after", "date_time", "instant",
}
_TIME_LIST_KEYS = {"activations", "deactivations"}
_MONEY_KEYS = {
    "amount", "unit_price", "total", "grand_total", "monthly", "delta", "before", "after",
    "amount_before", "amount_after", "quantity",
}


def _instant(value: datetime, name: str = "now") -> str:
    if not isinstance(value, datetime):
        raise ArgumentError(
            f"{name}: expected a timezone-aware datetime, got {type(value).__name__}",
            "py.bad_argument", argument=name,
        )
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveDatetimeError(
            f"{name}: {value!r} has no time zone; pass an aware datetime "
            "(e.g. datetime.now(timezone.utc))",
            "py.naive_datetime", argument=name,
        )
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _convert(obj: Any, key: Optional[str] = None) -> Any:
    """JSON from the native module -> Python values (datetimes, Decimals) by field name."""
    if isinstance(obj, dict):
        return {k: _convert(v, k) for k, v in obj.items()}
    if isinstance(obj, list):
        if key in _TIME_LIST_KEYS:
            return [_parse_time(x) if isinstance(x, str) else x for x in obj]
        return [_convert(x) for x in obj]
    if isinstance(obj, str):
        if key in _TIME_KEYS or (key is not None and key.endswith("_at")):
            try:
                return _parse_time(obj)
            except ValueError:
                return obj
        if key in _MONEY_KEYS:
            try:
                return Decimal(obj)
            except ArithmeticError:
                return obj
    return obj


def _default(o: Any) -> Any:
    if isinstance(o, datetime):
        return _instant(o, "value")
    if isinstance(o, Decimal):
        return str(o)
    if isinstance(o, date):
        return o.isoformat()
    if isinstance(o, enum.Enum):
        return o.value
    if isinstance(o, (ProductKey,)):
        return o.key
    if hasattr(o, "to_dict"):
        return o.to_dict()
    raise TypeError(f"{type(o).__name__} is not JSON serialisable")


def _dumps(obj: Any, name: str) -> str:
    try:
        return json.dumps(obj, default=_default)
    except (TypeError, ValueError) as e:
        raise ArgumentError(f"{name}: {e}", "py.bad_argument", argument=name) from None


def _loads(text: str) -> Any:
    return _convert(json.loads(text))


def _text(value: Any, name: str) -> str:
    if isinstance(value, ProductKey):
        return value.key
    if not isinstance(value, str):
        raise ArgumentError(
            f"{name}: expected a str, got {type(value).__name__}", "py.bad_argument", argument=name
        )
    return value


def _uint(value: Any, name: str, bits: int = 32) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ArgumentError(
            f"{name}: expected an int, got {type(value).__name__}", "py.bad_argument", argument=name
        )
    if value < 0 or value >= 1 << bits:
        raise ArgumentError(
            f"{name}: {value} is out of range (0 to {(1 << bits) - 1})",
            "py.bad_argument", argument=name,
        )
    return value


def _product_id(product: Union[int, "Product"]) -> int:
    return _uint(product.id if isinstance(product, Product) else product, "product")


# ---------------------------------------------------------------------------------------------
# Catalog and keys


@dataclass(frozen=True)
class Product:
    """One product of a catalog."""

    id: int
    name: str
    key_type: str
    licence_type: str
    licensing: str
    editions: List[str] = field(default_factory=list)
    job_licences: List[Dict[str, Any]] = field(default_factory=list)
    licences_per_key: int = 1

    def to_dict(self) -> Dict[str, Any]:
        """The product in the core's JSON shape."""
        return asdict(self)


class Catalog:
    """The products a ledger knows, by id (0-63)."""

    def __init__(self, products: Iterable[Product] = ()) -> None:
        data = {"products": [p.to_dict() for p in products]}
        self._json = _native.validate_catalog(json.dumps(data))
        self.products: List[Product] = [Product(**p) for p in json.loads(self._json)["products"]]

    @classmethod
    def storagecraft(cls) -> "Catalog":
        """The StorageCraft preset: ShadowProtect for MSP, ImageManager, and two legacy products."""
        return cls.from_dict(json.loads(_native.storagecraft_catalog()))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Catalog":
        """A catalog from its JSON shape (``{"products": [...]}``), checked."""
        products = data.get("products") if isinstance(data, Mapping) else None
        if not isinstance(products, list):
            raise ArgumentError("catalog: expected {'products': [...]}", "py.bad_argument", argument="catalog")
        try:
            return cls(Product(**p) for p in products)
        except TypeError as e:
            raise ArgumentError(f"catalog: {e}", "py.bad_argument", argument="catalog") from None

    def get(self, product_id: int) -> Optional[Product]:
        """The product with this id, or None."""
        return next((p for p in self.products if p.id == product_id), None)

    def to_dict(self) -> Dict[str, Any]:
        """The catalog in the core's JSON shape."""
        return {"products": [p.to_dict() for p in self.products]}

    def __repr__(self) -> str:
        return f"Catalog({[p.name for p in self.products]!r})"


def _catalog_json(catalog: Optional[Catalog]) -> Optional[str]:
    if catalog is None:
        return None
    if not isinstance(catalog, Catalog):
        raise ArgumentError("catalog: expected a Catalog", "py.bad_argument", argument="catalog")
    return catalog._json


@dataclass(frozen=True)
class ProductKey:
    """A well-formed product key that passed the typo check. ``str(key)`` is its canonical text."""

    key: str
    version: int
    secret_id: int
    product: int
    serial: int

    @classmethod
    def parse(cls, text: str) -> "ProductKey":
        """Parses a key leniently (case, dashes, spaces, O/I/L aliases); raises ProductKeyError."""
        return cls(**json.loads(_native.parse_key(_text(text, "text"))))

    def __str__(self) -> str:
        return self.key


def parse_key(text: str) -> ProductKey:
    """Same as :meth:`ProductKey.parse`."""
    return ProductKey.parse(text)


@dataclass(frozen=True)
class KeyCheck:
    """The answer to "may this key be used?": a value, with a stable ``code``."""

    usable: bool
    code: str
    detail: str
    key: Optional[str] = None
    product: Optional[str] = None
    serial: Optional[int] = None
    position: Optional[int] = None
    character: Optional[str] = None
    next_change: Optional[datetime] = None

    @classmethod
    def _from(cls, data: Dict[str, Any]) -> "KeyCheck":
        change = data.get("next_change")
        if change is not None:
            data["next_change"] = _parse_time(change)
        return cls(**data)

    def to_dict(self) -> Dict[str, Any]:
        """The check as a plain dict."""
        return asdict(self)


def check_key(text: str, catalog: Optional[Catalog] = None) -> KeyCheck:
    """Checks a typed key without any secret: form, typo check, version, product."""
    return KeyCheck._from(json.loads(_native.check_key_json(_text(text, "text"), _catalog_json(catalog))))


class Issuer:
    """Makes and verifies product keys. Holds secrets by id (0-15) for rotation; never shows them."""

    def __init__(self, secret: bytes, secret_id: int = 0) -> None:
        if not isinstance(secret, (bytes, bytearray)):
            raise ArgumentError("secret: expected bytes", "py.bad_argument", argument="secret")
        self._native = _native.NativeIssuer(_uint(secret_id, "secret_id"), bytes(secret))

    def add_secret(self, secret_id: int, secret: bytes) -> None:
        """Adds a secret (not active until :meth:`set_active`)."""
        if not isinstance(secret, (bytes, bytearray)):
            raise ArgumentError("secret: expected bytes", "py.bad_argument", argument="secret")
        self._native.add_secret(_uint(secret_id, "secret_id"), bytes(secret))

    def set_active(self, secret_id: int) -> None:
        """Makes a held secret the one new keys are made under."""
        self._native.set_active(_uint(secret_id, "secret_id"))

    def remove_secret(self, secret_id: int) -> None:
        """Forgets a retired secret: its keys no longer verify."""
        self._native.remove_secret(_uint(secret_id, "secret_id"))

    @property
    def secret_ids(self) -> List[int]:
        """Ids of the secrets held."""
        return list(self._native.secret_ids())

    @property
    def active_secret(self) -> int:
        """Id of the secret new keys are made under."""
        return int(self._native.active_secret())

    @property
    def max_per_request(self) -> int:
        """How many keys one :meth:`generate_batch` may make (default 10)."""
        return int(self._native.max_per_request())

    @max_per_request.setter
    def max_per_request(self, value: int) -> None:
        self._native.set_max_per_request(_uint(value, "max_per_request"))

    def generate(self, product: Union[int, Product], serial: int) -> ProductKey:
        """The key for (active secret, product, serial): deterministic."""
        return ProductKey.parse(self._native.generate(_product_id(product), _uint(serial, "serial")))

    def generate_batch(self, product: Union[int, Product], first_serial: int, quantity: int) -> List[ProductKey]:
        """``quantity`` keys with consecutive serials: one console request (limit: max_per_request)."""
        texts = self._native.generate_batch(
            _product_id(product), _uint(first_serial, "first_serial"), _uint(quantity, "quantity")
        )
        return [ProductKey.parse(t) for t in texts]

    def verify(self, key: Union[str, ProductKey]) -> ProductKey:
        """Parses and verifies the tag; raises NotGenuineError, UnknownSecretError, ..."""
        return ProductKey(**json.loads(self._native.verify(_text(key, "key"))))

    def check(self, text: Union[str, ProductKey], catalog: Optional[Catalog] = None) -> KeyCheck:
        """The full check (form, typo, product, tag) as a value."""
        return KeyCheck._from(json.loads(self._native.check(_text(text, "text"), _catalog_json(catalog))))

    def check_many(self, texts: Iterable[str], catalog: Optional[Catalog] = None) -> List[KeyCheck]:
        """Many full checks in one call."""
        items = [_text(t, "texts") for t in texts]
        return [KeyCheck._from(c) for c in json.loads(self._native.check_many(items, _catalog_json(catalog)))]

    def verify_many(self, texts: Iterable[str]) -> List[str]:
        """Many verifications in one call: the code of each ("ok" or an error code)."""
        items = texts if isinstance(texts, list) else list(texts)
        try:
            return self._native.verify_many(items)  # type: ignore[no-any-return]
        except TypeError:
            raise ArgumentError("texts: expected a list of str", "py.bad_argument", argument="texts") from None

    def __repr__(self) -> str:
        return repr(self._native)


# ---------------------------------------------------------------------------------------------
# The licence ledger


class LicenceState(str, enum.Enum):
    """Where a licence is in its life cycle."""

    UNACTIVATED = "unactivated"
    ACTIVE = "active"
    LATE = "late"
    DISABLED = "disabled"
    PENDING_DEACTIVATION = "pending_deactivation"
    DEACTIVATED = "deactivated"

    @property
    def billable(self) -> bool:
        """Active and Late are billed."""
        return self in (LicenceState.ACTIVE, LicenceState.LATE)


def account(account_id: int) -> Dict[str, int]:
    """A container: directly in an account (0 is the Default Account)."""
    return {"account": _uint(account_id, "account")}


def site(site_id: int) -> Dict[str, int]:
    """A container: a site."""
    return {"site": _uint(site_id, "site")}


class Ledger:
    """The licence ledger: accounts, sites, keys and the life of every licence.

    Commands take ``now``; each returns what happened (events, and for a call-home the decision the
    product acts on) or raises, leaving the ledger exactly as it was.
    """

    def __init__(self, catalog: Optional[Catalog] = None, policy: Optional[Mapping[str, int]] = None) -> None:
        self._native = _native.NativeLedger(_catalog_json(catalog), None if policy is None else _dumps(policy, "policy"))

    @classmethod
    def _wrap(cls, native: Any) -> "Ledger":
        obj = cls.__new__(cls)
        obj._native = native
        return obj

    @classmethod
    def from_json(cls, text: str) -> "Ledger":
        """Reads a ledger written by :meth:`to_json` (raises FormatError)."""
        return cls._wrap(_native.NativeLedger.from_json(_text(text, "text")))

    def to_json(self) -> str:
        """The ledger as a versioned JSON document."""
        return str(self._native.to_json())

    @classmethod
    def replay(cls, events: Sequence[Mapping[str, Any]], catalog: Optional[Catalog] = None,
               policy: Optional[Mapping[str, int]] = None) -> "Ledger":
        """Rebuilds a ledger from its events."""
        return cls._wrap(_native.NativeLedger.replay(
            _catalog_json(catalog), None if policy is None else _dumps(policy, "policy"), _dumps(list(events), "events")
        ))

    def execute(self, command: Mapping[str, Any], now: datetime) -> Dict[str, Any]:
        """Executes a command dict (``{"type": "activate", ...}``): ``{"events", "decision"}``."""
        return _loads(self._native.execute(_dumps(command, "command"), _instant(now)))

    def decide(self, command: Mapping[str, Any], now: datetime) -> List[Dict[str, Any]]:
        """The events a command would cause, without applying them."""
        return _loads(self._native.decide(_dumps(command, "command"), _instant(now)))

    def apply(self, event: Mapping[str, Any]) -> str:
        """Applies an event: "new", or "duplicate" if it was applied before."""
        return str(self._native.apply(_dumps(event, "event")))

    @property
    def next_event_id(self) -> int:
        """The id the next event gets."""
        return int(self._native.next_event_id())

    @property
    def keys(self) -> List[ProductKey]:
        """Every key, in generation order."""
        return [ProductKey.parse(k) for k in self._native.keys()]

    def org(self) -> Dict[str, Any]:
        """Accounts and sites."""
        return _loads(self._native.org())

    # Convenience commands.
    def create_account(self, name: str, *, now: datetime, address: Optional[str] = None, notes: Optional[str] = None) -> int:
        """Creates an account; returns its id."""
        out = self.execute({"type": "create_account", "name": name, "address": address, "notes": notes}, now)
        return int(out["events"][0]["kind"]["account"])

    def create_site(self, account_id: int, name: str, *, now: datetime, address: Optional[str] = None,
                    notes: Optional[str] = None) -> int:
        """Creates a site in an account; returns its id."""
        out = self.execute({"type": "create_site", "account": account_id, "name": name, "address": address,
                            "notes": notes}, now)
        return int(out["events"][0]["kind"]["site"])

    def generate_keys(self, issuer: Issuer, product: Union[int, Product], quantity: int,
                      container: Optional[Mapping[str, int]] = None, *, now: datetime) -> List[ProductKey]:
        """Makes keys with the issuer (next serials) and records them in a container."""
        out = json.loads(self._native.generate_keys(
            issuer._native, _product_id(product), _uint(quantity, "quantity"),
            _dumps(container if container is not None else account(0), "container"), _instant(now),
        ))
        return [ProductKey.parse(k) for k in out["keys"]]

    def activate(self, key: Union[str, ProductKey], machine: str, msp_name: str, customer_name: str, *,
                 now: datetime, edition: Optional[str] = None, computer_role: Optional[str] = None) -> Dict[str, Any]:
        """A product activates a key on a machine."""
        return self.execute({"type": "activate", "key": _text(key, "key"), "machine": machine, "msp_name": msp_name,
                             "customer_name": customer_name, "edition": edition, "computer_role": computer_role}, now)

    def call_home(self, key: Union[str, ProductKey], machine: str, *, now: datetime) -> Dict[str, Any]:
        """The daily call-home; returns the decision dict (``{"action": "run"}``, ...)."""
        out = self.execute({"type": "call_home", "key": _text(key, "key"), "machine": machine}, now)
        return out["decision"]

    def deactivate(self, key: Union[str, ProductKey], machine: Optional[str] = None, *, now: datetime) -> Dict[str, Any]:
        """The MSP clicks Deactivate: pending until the next call-home."""
        return self.execute({"type": "deactivate", "key": _text(key, "key"), "machine": machine}, now)

    def reactivate(self, key: Union[str, ProductKey], machine: Optional[str] = None, *, now: datetime) -> Dict[str, Any]:
        """The MSP clicks Reactivate."""
        return self.execute({"type": "reactivate", "key": _text(key, "key"), "machine": machine}, now)

    def move_key(self, key: Union[str, ProductKey], to: Mapping[str, int], *, now: datetime) -> Dict[str, Any]:
        """Moves a key to another account or site."""
        return self.execute({"type": "move_key", "key": _text(key, "key"), "to": dict(to)}, now)

    def set_legacy_status(self, key: Union[str, ProductKey], active: bool, *, now: datetime) -> Dict[str, Any]:
        """Sets a legacy key's static status."""
        return self.execute({"type": "set_legacy_status", "key": _text(key, "key"), "active": bool(active)}, now)

    # Views.
    def status(self, key: Union[str, ProductKey], now: datetime) -> Dict[str, Any]:
        """The console's Product Key Detail at ``now``."""
        return _loads(self._native.status(_text(key, "key"), _instant(now)))

    def state(self, key: Union[str, ProductKey], now: datetime) -> LicenceState:
        """Just the key's state at ``now``."""
        return LicenceState(self.status(key, now)["state"])

    def statuses(self, now: datetime) -> List[Dict[str, Any]]:
        """The status of every key."""
        return _loads(self._native.statuses(_instant(now)))

    def history(self, key: Union[str, ProductKey], now: datetime) -> List[Dict[str, Any]]:
        """A key's activation history up to ``now``."""
        return _loads(self._native.history(_text(key, "key"), _instant(now)))

    def name_consistency(self) -> Dict[str, Any]:
        """Keys whose MSP or customer name differs from the rest."""
        return _loads(self._native.name_consistency())

    def validate(self, issuer: Issuer, text: str, now: datetime) -> KeyCheck:
        """Checks a key against the issuer and the ledger (unknown, late, disabled, deactivated...)."""
        return KeyCheck._from(json.loads(self._native.validate(issuer._native, _text(text, "text"), _instant(now))))

    def licence_histories(self, until: datetime) -> List[Dict[str, Any]]:
        """One history per licence (states over time), for billing."""
        return json.loads(self._native.licence_histories(_instant(until, "until")))

    def issue_certificate(self, signer: "CertificateIssuer", key: Union[str, ProductKey], machine: str, *,
                          now: datetime, validity_seconds: int = 7 * 86_400, nonce: int = 0) -> str:
        """Signs an offline call-home certificate for a live licence; returns its one-line text."""
        return str(self._native.issue_certificate(signer._native, _text(key, "key"), _text(machine, "machine"),
                                                  _instant(now), int(validity_seconds), _uint(nonce, "nonce", 64)))

    def __repr__(self) -> str:
        return repr(self._native)


# ---------------------------------------------------------------------------------------------
# Offline machines

DEFAULT_ROLLBACK_TOLERANCE_SECONDS = 86_400


class CertificateIssuer:
    """Signs offline call-home certificates with an Ed25519 key (32 secret bytes; never shown)."""

    def __init__(self, secret: bytes, key_id: int = 0) -> None:
        if not isinstance(secret, (bytes, bytearray)):
            raise ArgumentError("secret: expected bytes", "py.bad_argument", argument="secret")
        self._native = _native.NativeCertificateIssuer(_uint(key_id, "key_id", 8), bytes(secret))

    @property
    def key_id(self) -> int:
        """The id written into certificates."""
        return int(self._native.key_id())

    @property
    def verifying_key(self) -> bytes:
        """The 32-byte public key products verify with."""
        return bytes(self._native.verifying_key())

    def issue(self, key: Union[str, ProductKey], machine: str, *, now: datetime,
              validity_seconds: int = 7 * 86_400, nonce: int = 0) -> str:
        """A certificate for ``key`` on ``machine`` valid from ``now``: its one-line text."""
        return str(self._native.issue(_text(key, "key"), _text(machine, "machine"), _instant(now),
                                      int(validity_seconds), _uint(nonce, "nonce", 64)))

    def __repr__(self) -> str:
        return repr(self._native)


def verify_certificate(public_keys: Mapping[int, bytes], text: str, machine: str, now: datetime) -> Dict[str, Any]:
    """Verifies a certificate with the public keys alone (``{key_id: 32 bytes}``); raises OfflineError."""
    keys = [(_uint(k, "key_id", 8), bytes(v)) for k, v in public_keys.items()]
    return _loads(_native.verify_certificate(keys, _text(text, "text"), _text(machine, "machine"), _instant(now)))


def check_clock(high_water: Optional[datetime], now: datetime,
                tolerance_seconds: int = DEFAULT_ROLLBACK_TOLERANCE_SECONDS) -> datetime:
    """Raises OfflineError (``offline.clock_rollback``) if ``now`` is more than the tolerance before
    ``high_water``; returns the new high-water mark."""
    hw = None if high_water is None else _instant(high_water, "high_water")
    return _parse_time(_native.check_clock(hw, _instant(now), int(tolerance_seconds)))


# ---------------------------------------------------------------------------------------------
# Billing

_RULES = {"any_day", "prorated", "end_of_month", "peak"}


def _rule(rule: Union[str, int, Mapping[str, int]]) -> Any:
    """A rule: "any_day", "prorated", "end_of_month", "peak", or more-than-N-days as an int."""
    if isinstance(rule, bool):
        raise ArgumentError("rule: expected a rule name or an int", "py.bad_argument", argument="rule")
    if isinstance(rule, int):
        return {"more_than_days": _uint(rule, "rule", 8)}
    if isinstance(rule, str) and rule in _RULES:
        return rule
    if isinstance(rule, Mapping):
        return dict(rule)
    raise ArgumentError(f"rule: {rule!r} is not a billing rule", "py.bad_argument", argument="rule")


class PriceList:
    """Monthly prices per product and edition, in one currency, with a billing rule."""

    def __init__(self, currency: str, rule: Union[str, int] = "any_day", *, rounding: str = "half_up",
                 scale: int = 2) -> None:
        self.currency = currency
        self.rule = _rule(rule)
        self.rounding = rounding
        self.scale = scale
        self.prices: List[Dict[str, Any]] = []
        self.product_rules: List[Dict[str, Any]] = []

    @classmethod
    def storagecraft(cls, currency: str) -> "PriceList":
        """An empty price list with StorageCraft's rule (billable on more than 14 days)."""
        return cls(currency, 14)

    def set_price(self, product: Union[int, Product], edition: Optional[str], monthly: Decimal) -> "PriceList":
        """Sets a monthly price (``edition=None``: every edition without its own price)."""
        if isinstance(monthly, float):
            raise ArgumentError("monthly: use Decimal, not float, for money", "py.bad_argument", argument="monthly")
        pid = _product_id(product)
        self.prices = [p for p in self.prices if not (p["product"] == pid and p["edition"] == edition)]
        self.prices.append({"product": pid, "edition": edition, "monthly": str(Decimal(monthly))})
        return self

    def set_rule(self, product: Union[int, Product], rule: Union[str, int]) -> "PriceList":
        """A billing rule for one product, overriding the list's rule."""
        pid = _product_id(product)
        self.product_rules = [r for r in self.product_rules if r["product"] != pid]
        self.product_rules.append({"product": pid, "rule": _rule(rule)})
        return self

    def to_dict(self) -> Dict[str, Any]:
        """The price list in the core's JSON shape."""
        return {"currency": self.currency, "rule": self.rule, "product_rules": self.product_rules,
                "rounding": self.rounding, "scale": self.scale, "prices": self.prices}

    def _json(self) -> str:
        return _native.validate_prices(_dumps(self.to_dict(), "prices"))


def _histories(histories: Sequence[Mapping[str, Any]]) -> str:
    return _dumps(list(histories), "histories")


@dataclass
class BillingDetail:
    """The Billing Detail Report of a month (amounts are Decimals)."""

    report: Dict[str, Any]
    text: str
    csv: str
    _raw: str = field(repr=False, default="")

    def to_dict(self) -> Dict[str, Any]:
        """The report as nested dicts."""
        return self.report

    def to_csv(self) -> str:
        """The report as CSV text."""
        return self.csv

    @property
    def total(self) -> Decimal:
        """The grand total."""
        return Decimal(self.report["total"])

    def __str__(self) -> str:
        return self.text


def billing_detail(histories: Sequence[Mapping[str, Any]], month: str, prices: PriceList, *, zone: str = "UTC",
                   catalog: Optional[Catalog] = None) -> BillingDetail:
    """The Billing Detail of ``month`` ("YYYY-MM") from licence histories (:meth:`Ledger.licence_histories`)."""
    out = json.loads(_native.billing_detail(_histories(histories), _catalog_json(catalog), _text(month, "month"),
                                            _text(zone, "zone"), prices._json()))
    return BillingDetail(_convert(out["report"]), out["text"], out["csv"], json.dumps(out["report"]))


def recompute(earlier: BillingDetail, histories: Sequence[Mapping[str, Any]], prices: PriceList, *,
              catalog: Optional[Catalog] = None) -> Dict[str, Any]:
    """Recomputes a reported month after late events: ``{"report", "diff"}``."""
    return _loads(_native.recompute(earlier._raw, _histories(histories), _catalog_json(catalog), prices._json()))


def activation_report(histories: Sequence[Mapping[str, Any]], start: date, end: date, *, zone: str = "UTC",
                      products: Sequence[int] = (), sort: Sequence[str] = (),
                      catalog: Optional[Catalog] = None) -> Dict[str, Any]:
    """Activations and deactivations between two dates: ``{"report", "csv"}``."""
    return _loads(_native.activation_report(_histories(histories), _catalog_json(catalog), start.isoformat(),
                                            end.isoformat(), zone, [_product_id(p) for p in products],
                                            json.dumps(list(sort))))


def trends(histories: Sequence[Mapping[str, Any]], last: str, *, zone: str = "UTC",
           rule: Union[str, int] = "any_day", catalog: Optional[Catalog] = None) -> Dict[str, Any]:
    """Billable counts per product for the 12 months ending at ``last``: ``{"trends", "csv"}``."""
    return _loads(_native.trends(_histories(histories), _catalog_json(catalog), _text(last, "last"), zone,
                                 json.dumps(_rule(rule))))


def explain(history: Mapping[str, Any], month: str, *, zone: str = "UTC", rule: Union[str, int] = "any_day",
            catalog: Optional[Catalog] = None) -> Dict[str, Any]:
    """Which days of ``month`` counted for one licence, and why."""
    return _loads(_native.explain(_dumps(history, "history"), _catalog_json(catalog), _text(month, "month"), zone,
                                  json.dumps(_rule(rule))))


def _bulk_args(licence: Any, at: Any, activated_at: Any, deactivated_at: Any, last_contact_before: Any,
               group: Any) -> Any:
    """The six columns as contiguous numpy arrays of the right dtypes (no copy when they already are)."""
    import numpy as np

    def col(values: Any, dtype: Any, name: str) -> Any:
        try:
            return np.ascontiguousarray(values, dtype=dtype)
        except (TypeError, ValueError, OverflowError) as e:
            raise ArgumentError(f"{name}: {e}", "py.bad_argument", argument=name) from None

    return (
        col(licence, np.uint32, "licence"), col(at, np.int64, "at"), col(activated_at, np.int64, "activated_at"),
        col(deactivated_at, np.int64, "deactivated_at"),
        col(last_contact_before, np.int64, "last_contact_before"), col(group, np.uint16, "group"),
    )


def bulk_any_day_counts(licence: Any, at: Any, activated_at: Any, deactivated_at: Any, last_contact_before: Any,
                        group: Any, groups: int, month: str, *, zone: str = "UTC",
                        time_sorted: bool = False) -> List[int]:
    """Licences billed per group under the default rule, from call-home columns (numpy arrays, read in
    place without copying when they are contiguous and of the dtypes below; other sequences are converted).

    ``licence`` (uint32) and ``at`` (int64 unix seconds) are the call-home rows; ``activated_at``,
    ``deactivated_at`` (int64, ``2**63-1`` for none), ``last_contact_before`` (int64, ``-2**63`` for none)
    and ``group`` (uint16) are per licence.
    """
    cols = _bulk_args(licence, at, activated_at, deactivated_at, last_contact_before, group)
    return list(_native.bulk_any_day_counts(cols, _uint(groups, "groups"), _text(month, "month"), zone, time_sorted))


def bulk_bill(licence: Any, at: Any, activated_at: Any, deactivated_at: Any, last_contact_before: Any, group: Any,
              groups: int, month: str, *, zone: str = "UTC", rule: Union[str, int] = "any_day",
              time_sorted: bool = False) -> Dict[str, Any]:
    """Bulk billing under any rule: ``{"days": [...], "groups": [...]}``."""
    cols = _bulk_args(licence, at, activated_at, deactivated_at, last_contact_before, group)
    return _loads(_native.bulk_bill(cols, _uint(groups, "groups"), _text(month, "month"), zone,
                                    json.dumps(_rule(rule)), time_sorted))


# ---------------------------------------------------------------------------------------------
# Quota accounting


class QuotaBook:
    """The subscription control panel's book: limits, users, licences, groups, partners, resellers.

    Commands are dicts in the core's shape, e.g. ``{"type": "create_user", "subscription": "s1", ...}``
    (see the Rust docs of ``keyledger::quota::QuotaCommand``); each returns its events or raises
    :class:`QuotaError` with nothing changed.
    """

    def __init__(self) -> None:
        self._native = _native.NativeQuotaBook()

    @classmethod
    def _wrap(cls, native: Any) -> "QuotaBook":
        obj = cls.__new__(cls)
        obj._native = native
        return obj

    @classmethod
    def from_json(cls, text: str) -> "QuotaBook":
        """Reads a book written by :meth:`to_json`."""
        return cls._wrap(_native.NativeQuotaBook.from_json(_text(text, "text")))

    def to_json(self) -> str:
        """The book as a versioned JSON document."""
        return str(self._native.to_json())

    @classmethod
    def replay(cls, events: Sequence[Mapping[str, Any]]) -> "QuotaBook":
        """Rebuilds a book from its events."""
        return cls._wrap(_native.NativeQuotaBook.replay(_dumps(list(events), "events")))

    def execute(self, command: Mapping[str, Any], now: datetime) -> List[Dict[str, Any]]:
        """Executes a command dict; returns its events."""
        return _loads(self._native.execute(_dumps(command, "command"), _instant(now)))

    def decide(self, command: Mapping[str, Any], now: datetime) -> List[Dict[str, Any]]:
        """The events a command would cause, without applying them."""
        return _loads(self._native.decide(_dumps(command, "command"), _instant(now)))

    def apply(self, event: Mapping[str, Any]) -> str:
        """Applies an event: "new" or "duplicate"."""
        return str(self._native.apply(_dumps(event, "event")))

    @property
    def next_event_id(self) -> int:
        """The id the next event gets."""
        return int(self._native.next_event_id())

    @property
    def subscription_ids(self) -> List[str]:
        """Every subscription's id."""
        return list(self._native.subscription_ids())

    def account_view(self, subscription: str) -> Dict[str, Any]:
        """The customer's Account tab: ``{"view", "text"}``."""
        return _loads(self._native.account_view(_text(subscription, "subscription")))

    def reseller_view(self, reseller: str) -> Dict[str, Any]:
        """The reseller's customers with percentages: ``{"view", "text"}``."""
        return _loads(self._native.reseller_view(_text(reseller, "reseller")))

    def refresh_report(self, subscription: str) -> Dict[str, Any]:
        """Counters recomputed from the licences, with any drift."""
        return _loads(self._native.refresh_report(_text(subscription, "subscription")))

    def __repr__(self) -> str:
        return repr(self._native)
