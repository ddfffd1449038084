"""Bulk billing over call-home columns (numpy arrays). Engineer "billing" owns this path
(``src/bulk.rs``); results still come back as JSON here until it moves."""

from __future__ import annotations

import importlib
import json
from decimal import Decimal
from typing import Any, Dict, List, Optional

from ._errors import ArgumentError, MissingExtraError

# The native module has no stub of its own (the package's __init__.pyi describes it).
_native: Any = importlib.import_module("keyledger._keyledger")


def _numpy() -> Any:
    try:
        import numpy as np
    except ImportError:
        raise MissingExtraError(
            "numpy is needed for bulk billing; install it with: pip install 'keyledger[numpy]'",
            "py.missing_extra", extra="numpy", module="numpy",
        ) from None
    return np


def _uint(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 1 << 32:
        raise ArgumentError(f"{name}: expected an int from 0 to {(1 << 32) - 1}", "py.bad_argument", argument=name)
    return value


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise ArgumentError(f"{name}: expected a str", "py.bad_argument", argument=name)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ArgumentError(f"{name}: a lone surrogate is not text", "py.bad_argument", argument=name) from None
    return value


def _rule_json(rule: Any) -> str:
    if rule is None:
        return json.dumps("any_day")
    if isinstance(rule, _native.BillingRule):
        return str(rule.to_json())
    raise ArgumentError("rule: expected a BillingRule", "py.bad_argument", argument="rule")


def _bulk_args(licence: Any, at: Any, activated_at: Any, deactivated_at: Any, last_contact_before: Any,
               group: Any) -> Any:
    """The six columns as contiguous numpy arrays of the right dtypes (no copy when they already are)."""
    np = _numpy()

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


def _convert(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: (Decimal(v) if k == "quantity" and isinstance(v, str) else _convert(v)) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_convert(x) for x in obj]
    return obj


def bulk_any_day_counts(licence: Any, at: Any, activated_at: Any, deactivated_at: Any, last_contact_before: Any,
                        group: Any, groups: int, month: str, *, zone: str = "UTC",
                        time_sorted: bool = False) -> List[int]:
    """Licences billed per group under the default rule, from call-home columns (numpy arrays, read in
    place when they are contiguous and of the dtypes below; other sequences are converted).

    ``licence`` (uint32) and ``at`` (int64 unix seconds) are the call-home rows; ``activated_at``,
    ``deactivated_at`` (int64, ``2**63-1`` for none), ``last_contact_before`` (int64, ``-2**63`` for none)
    and ``group`` (uint16) are per licence.
    """
    cols = _bulk_args(licence, at, activated_at, deactivated_at, last_contact_before, group)
    return list(_native.bulk_any_day_counts(cols, _uint(groups, "groups"), _text(month, "month"),
                                            _text(zone, "zone"), bool(time_sorted)))


def bulk_bill(licence: Any, at: Any, activated_at: Any, deactivated_at: Any, last_contact_before: Any, group: Any,
              groups: int, month: str, *, zone: str = "UTC", rule: Optional[Any] = None,
              time_sorted: bool = False) -> Dict[str, Any]:
    """Bulk billing under any rule (a :class:`BillingRule`): ``{"days": [...], "groups": [...]}``."""
    cols = _bulk_args(licence, at, activated_at, deactivated_at, last_contact_before, group)
    out = _native.bulk_bill(cols, _uint(groups, "groups"), _text(month, "month"), _text(zone, "zone"),
                            _rule_json(rule), bool(time_sorted))
    result: Dict[str, Any] = _convert(json.loads(out))
    return result


