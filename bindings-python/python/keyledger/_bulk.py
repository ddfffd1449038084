"""Bulk billing over call-home columns: numpy arrays or Arrow arrays (pyarrow, polars, DuckDB, any
object with ``__arrow_c_array__`` / ``__arrow_c_stream__``), read in place by the native module
(``src/bulk.rs``). Results are native: :class:`BulkResult` (per-licence numpy arrays, per-bucket
counts) and :class:`BulkPartial` (mergeable partial results)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, List, Optional

if TYPE_CHECKING:
    from . import BillingRule, BulkResult, LifecyclePolicy

# The native module has no stub of its own (the package's __init__.pyi describes it).
_native: Any = importlib.import_module("keyledger._keyledger")


def bulk_any_day_counts(licence: Any, at: Any, activated_at: Any, deactivated_at: Any, last_contact_before: Any,
                        group: Any, groups: int, month: str, *, zone: str = "UTC",
                        time_sorted: bool = False, policy: Optional[LifecyclePolicy] = None) -> List[int]:
    """Licences billed per group under the default rule, from call-home columns.

    ``licence`` (uint32) and ``at`` (int64 unix seconds) are the call-home rows; ``activated_at``,
    ``deactivated_at`` (int64, ``2**63-1`` for none), ``last_contact_before`` (int64, ``-2**63`` for none)
    and ``group`` (uint16) are per licence. Each column is a numpy array or an Arrow array, read without a
    copy when it has that type (Arrow: in one chunk); other integer types and Arrow timestamps are
    converted (checked), other sequences go through numpy (the ``numpy`` extra). ``time_sorted``: the rows
    are in time order (checked on the rows read; lets the fast path stop early). ``policy``: the life-cycle
    thresholds (default 7/14/30 days).
    """
    counts: List[int] = _native.bulk_any_day_counts(licence, at, activated_at, deactivated_at,
                                                    last_contact_before, group, groups, month, zone=zone,
                                                    time_sorted=time_sorted, policy=policy)
    return counts


def bulk_bill(licence: Any, at: Any, activated_at: Any, deactivated_at: Any, last_contact_before: Any, group: Any,
              groups: int, month: str, *, zone: str = "UTC", rule: Optional[BillingRule] = None,
              time_sorted: bool = False, policy: Optional[LifecyclePolicy] = None) -> BulkResult:
    """Bulk billing under any rule (a :class:`BillingRule`, default any day): a :class:`BulkResult`
    (``days`` and ``billed`` per licence as numpy arrays, ``groups`` the counts per bucket). Columns as in
    :func:`bulk_any_day_counts`."""
    result: BulkResult = _native.bulk_bill(licence, at, activated_at, deactivated_at, last_contact_before, group,
                                           groups, month, zone=zone, rule=rule, time_sorted=time_sorted,
                                           policy=policy)
    return result
