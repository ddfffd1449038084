"""The seed walk-through in Python: keys, a client account with sites, 61 days of call-homes, the
status table, one key's history, the name report, key checks, and October's Billing Detail.

Run after `maturin develop` (or `pip install` of the wheel): `python examples/walkthrough.py`.
"""

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import keyledger as kl

T0 = datetime(2026, 9, 1, 9, 0, tzinfo=timezone.utc)


def day(n: int) -> datetime:
    return T0 + timedelta(days=n)


def main() -> None:
    issuer = kl.Issuer(b"walkthrough issuer secret, 32 b.")
    ledger = kl.Ledger()
    contoso = ledger.create_account("Contoso", now=T0, address="1 Harbour Road")
    berlin = ledger.create_site(contoso, "Berlin", now=T0)
    paris = ledger.create_site(contoso, "Paris", now=T0)
    hq = ledger.generate_keys(issuer, kl.SHADOWPROTECT_MSP, 1, kl.account(0), now=T0)[0]
    ber = ledger.generate_keys(issuer, kl.SHADOWPROTECT_MSP, 2, kl.site(berlin), now=T0)
    par = ledger.generate_keys(issuer, kl.SHADOWPROTECT_MSP, 1, kl.site(paris), now=T0)[0]
    im = ledger.generate_keys(issuer, kl.IMAGEMANAGER, 1, kl.account(contoso), now=T0)[0]

    machines = {  # key -> (machine, edition, silent days)
        hq: ("hq-backup", "Server", range(0)),
        ber[0]: ("ber-fs01", "Server", range(11, 100)),
        ber[1]: ("ber-ws07", "Desktop", range(0)),
        par: ("par-sbs", "SBS", range(26, 35)),
        im: ("contoso-im", "IME", range(0)),
    }
    for key, (machine, edition, _) in machines.items():
        customer = "Northwind (internal)" if key == hq else "Contoso"
        ledger.activate(key, machine, "Northwind IT Services", customer, edition=edition, now=T0)

    print("Keys:", ", ".join(str(k) for k in ledger.keys))
    for d in range(1, 62):
        if d == 20:
            ledger.deactivate(ber[1], now=day(d))
        if d == 25:
            ledger.deactivate(par, now=day(d))
        if d == 35:
            ledger.reactivate(par, now=day(d))
        for key, (machine, _, silent) in machines.items():
            if d not in silent:
                ledger.call_home(key, machine, now=day(d) + timedelta(hours=1))

    end = day(61) + timedelta(hours=12)
    print(f"\n== Key status on {end:%Y-%m-%d %H:%M} UTC ==")
    for s in ledger.statuses(end):
        place = s.account + (f" / {s.site}" if s.site else "")
        print(f"{s.key}  {s.product:<22} {place:<18} {s.state.value:<21} {s.detail}")

    print(f"\n== Activation history of {par} ==")
    for h in ledger.history(par, end):
        print(f"  {h.at:%Y-%m-%d %H:%M}  {h.kind.value:<24} {h.machine or ''}")

    print("\n== Name consistency ==")
    names = ledger.name_consistency()
    for m in names.msp_mismatches + names.customer_mismatches:
        print(f"  {m.key} {m.machine}: {m.found!r} (expected {m.expected!r})")

    print("\n== Checking keys ==")
    forged = kl.Issuer(b"someone else's secret, 32 bytes.").generate(kl.SHADOWPROTECT_MSP, 7)
    for label, text in [("as issued", str(hq)), ("lower case", str(hq).lower()), ("typo", "8A0X-U000-0000-0000"),
                        ("forged", str(forged)), ("silent machine", str(ber[0]))]:
        c = ledger.validate(issuer, text, end)
        print(f"  {label:<15} {text:<20} {c.code:<22} {c.detail}")

    prices = kl.PriceList("USD", kl.BillingRule.storagecraft())
    prices.set_price(kl.SHADOWPROTECT_MSP, "Server", Decimal("25.00"))
    prices.set_price(kl.SHADOWPROTECT_MSP, "SBS", Decimal("18.00"))
    prices.set_price(kl.SHADOWPROTECT_MSP, "Desktop", Decimal("6.00"))
    prices.set_price(kl.IMAGEMANAGER, None, Decimal("12.50"))
    print("\n== ImageManager job licences ==")
    for n in range(3):
        ledger.start_job(im, "ShadowStream", f"replicate-{n}", "contoso-im", now=day(40))
    ledger.start_job(im, "HeadStart Restore", "hsr-fs01", "ber-fs01", now=day(40))
    for use in ledger.status(im, end).jobs:
        print(f"  {use.job_type:<18} {use.in_use:>2} / {use.licences} in use")

    report = kl.billing_detail(ledger.licence_histories(end), "2026-10", prices)
    print()
    print(report)

    # The seed: deactivate legacy ShadowProtect licences you upgrade to SP MSP, "to prevent double billing".
    (old,) = ledger.generate_keys(issuer, kl.LEGACY_SHADOWPROTECT, 1, kl.account(0), now=T0)
    ledger.set_legacy_status(old, True, now=T0)
    ledger.set_legacy_machine(old, "hq-backup", now=T0)
    print()
    print(kl.double_billing(ledger.licence_histories(end), "2026-10", prices))
    assert report.total == sum((line.amount for line in report.lines), Decimal(0))


if __name__ == "__main__":
    main()
