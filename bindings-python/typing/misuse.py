"""Misuse that `mypy --strict` must refuse (the test command expects each marked line to be reported):
the typed API turns these into type errors rather than runtime surprises."""

from datetime import datetime, timezone

import keyledger as kl

now = datetime.now(timezone.utc)
ledger = kl.Ledger()
status = ledger.status("KEY", now)
print(status.stat)  # misuse: attr-defined
book = kl.QuotaBook()
book.create_user("s", "a", display_name="A", kind="desktop", quota_gb=1, now=now)  # misuse: arg-type
book.execute({"comand": "create_user"}, now)  # misuse: attr-defined
try:
    kl.parse_key("x")
except kl.MalformedKeyError as e:
    print(e.positon)  # misuse: attr-defined
print(kl.BillingDetail.from_json("{}").key_rows().num_row)  # misuse: attr-defined
kl.BulkPartial(10, "2026-11", rule="any_day")  # misuse: arg-type (a BillingRule, not its name)
kl.BulkPartial(10, "2026-11").merge(b"bytes")  # misuse: arg-type (from_bytes first)
