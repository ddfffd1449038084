//! Hand-computed cases, report invariants, bad input, and the bulk path against the history path.

use super::*;
use crate::catalog::presets::{self, IMAGEMANAGER, LEGACY_SHADOWPROTECT, SHADOWPROTECT_MSP};
use crate::catalog::ProductId;
use crate::key::Issuer;
use crate::lifecycle::{LicenceHistory, LicenceState, LifecyclePolicy, StateSpan};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use proptest::prelude::*;
use rust_decimal::Decimal;

const DAY: i64 = 86_400;

fn utc(y: i32, m: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, mi, s).unwrap()
}

fn span(from: DateTime<Utc>, until: Option<DateTime<Utc>>, state: LicenceState) -> StateSpan {
    StateSpan { from, until, state }
}

fn hist(
    serial: u32,
    product: ProductId,
    edition: &str,
    account: &str,
    spans: Vec<StateSpan>,
) -> LicenceHistory {
    let issuer = Issuer::new(0, &[7u8; 32]).unwrap();
    let activations = spans.first().map(|s| vec![s.from]).unwrap_or_default();
    let deactivations = spans
        .iter()
        .filter(|s| s.state == LicenceState::Deactivated)
        .map(|s| s.from)
        .collect();
    LicenceHistory {
        key: issuer.generate(product, serial).unwrap(),
        product,
        edition: Some(edition.to_string()),
        account: account.to_string(),
        site: None,
        machine: format!("m{serial}"),
        spans,
        activations,
        deactivations,
        placements: vec![],
        jobs: vec![],
    }
}

/// Billable (Active) over `[from, until)`, Deactivated from `until`.
fn active(serial: u32, from: DateTime<Utc>, until: Option<DateTime<Utc>>) -> LicenceHistory {
    let mut spans = vec![span(from, until, LicenceState::Active)];
    if let Some(u) = until {
        spans.push(span(u, None, LicenceState::Deactivated));
    }
    hist(serial, SHADOWPROTECT_MSP, "Server", "Acme", spans)
}

fn prices(rule: BillingRule, server: i64) -> PriceList {
    let mut p = PriceList::new("USD", rule).unwrap();
    p.set_price(SHADOWPROTECT_MSP, Some("Server"), Decimal::new(server, 2));
    p.set_price(SHADOWPROTECT_MSP, Some("Desktop"), Decimal::new(500, 2));
    p.set_price(IMAGEMANAGER, None, Decimal::new(1000, 2));
    p
}

fn detail(hs: &[LicenceHistory], month: (i32, u32), zone: &Zone, p: &PriceList) -> BillingDetail {
    BillingDetail::build(
        hs,
        &presets::storagecraft(),
        Month::new(month.0, month.1).unwrap(),
        zone,
        p,
    )
    .unwrap()
}

fn row(r: &BillingDetail, serial: u32) -> &KeyRow {
    r.tables
        .iter()
        .flat_map(|t| t.rows.iter())
        .find(|k| k.key.serial() == serial)
        .unwrap()
}

#[test]
fn month_lengths() {
    for (y, m, n) in [
        (2026, 1, 31),
        (2026, 2, 28),
        (2024, 2, 29),
        (2000, 2, 29),
        (2100, 2, 28),
        (2026, 4, 30),
        (2026, 11, 30),
        (2026, 12, 31),
    ] {
        let b = Month::new(y, m).unwrap().bounds(&Zone::utc());
        assert_eq!(b.days(), n);
        assert_eq!(b.day_starts.len(), n as usize + 1);
        assert_eq!((b.end() - b.start()).num_days(), i64::from(n));
    }
}

#[test]
fn dst_days_are_23_and_25_hours() {
    // Europe/Berlin 2026: summer time from 29 Mar 02:00, back on 25 Oct 03:00.
    let mar = Month::new(2026, 3)
        .unwrap()
        .bounds(&Zone::get("Europe/Berlin").unwrap());
    let hours: Vec<i64> = mar
        .day_starts
        .windows(2)
        .map(|w| (w[1] - w[0]).num_hours())
        .collect();
    assert_eq!(hours[28], 23);
    assert_eq!(hours.iter().filter(|h| **h != 24).count(), 1);
    assert_eq!(mar.start(), utc(2026, 2, 28, 23, 0, 0));
    assert_eq!(mar.end(), utc(2026, 3, 31, 22, 0, 0));
    // New York: back to EST on 1 Nov 2026 at 02:00 EDT.
    let nov = Month::new(2026, 11)
        .unwrap()
        .bounds(&Zone::get("America/New_York").unwrap());
    assert_eq!(nov.start(), utc(2026, 11, 1, 4, 0, 0));
    assert_eq!(nov.day_starts[1], utc(2026, 11, 2, 5, 0, 0));
    assert_eq!(nov.end(), utc(2026, 12, 1, 5, 0, 0));
}

#[test]
fn a_gap_at_midnight_starts_the_day_at_the_first_existing_instant() {
    // America/Havana springs forward at midnight (8 Mar 2026 00:00 → 01:00).
    let b = Month::new(2026, 3)
        .unwrap()
        .bounds(&Zone::get("America/Havana").unwrap());
    assert_eq!(b.day_starts[7], utc(2026, 3, 8, 5, 0, 0));
    assert_eq!((b.day_starts[8] - b.day_starts[7]).num_hours(), 23);
}

#[test]
fn seed_example_22_days() {
    // active 3–17 Nov, late 18–24 Nov, disabled from 25 Nov (day boundaries exactly at midnight).
    let h = hist(
        1,
        SHADOWPROTECT_MSP,
        "Server",
        "Acme",
        vec![
            span(
                utc(2026, 11, 3, 0, 0, 0),
                Some(utc(2026, 11, 18, 0, 0, 0)),
                LicenceState::Active,
            ),
            span(
                utc(2026, 11, 18, 0, 0, 0),
                Some(utc(2026, 11, 25, 0, 0, 0)),
                LicenceState::Late,
            ),
            span(utc(2026, 11, 25, 0, 0, 0), None, LicenceState::Disabled),
        ],
    );
    let r = detail(
        &[h],
        (2026, 11),
        &Zone::utc(),
        &prices(BillingRule::STORAGECRAFT, 2500),
    );
    let k = row(&r, 1);
    assert_eq!(k.billable_days, 22);
    assert_eq!(k.days, (3..=24).collect::<Vec<u32>>());
    assert!(k.billable);
    assert_eq!(
        k.explanation,
        "active 3–17 Nov, late 18–24 Nov, disabled from 25 Nov: 22 billable days > 14 → billable"
    );
}

#[test]
fn first_and_last_instants() {
    let start = utc(2026, 11, 1, 0, 0, 0);
    let end = utc(2026, 12, 1, 0, 0, 0);
    let s = Duration::seconds(1);
    let hs = vec![
        // Activated at the first instant, deactivated at the last instant of day 1.
        active(1, start, Some(start + Duration::days(1) - s)),
        // Deactivated exactly at the month's first instant: nothing.
        active(2, start - Duration::days(3), Some(start)),
        // Activated at the month's last second.
        active(3, end - s, None),
        // Activated at the first instant of the next month.
        active(4, end, None),
        // Active all month, deactivated one second before the end.
        active(5, start - Duration::days(40), Some(end - s)),
        // Active all month, deactivated exactly at the end.
        active(6, start - Duration::days(40), Some(end)),
    ];
    let any = detail(
        &hs,
        (2026, 11),
        &Zone::utc(),
        &prices(BillingRule::AnyDay, 3000),
    );
    let days: Vec<u32> = (1..=6)
        .filter_map(|i| {
            any.tables[0]
                .rows
                .iter()
                .find(|k| k.key.serial() == i)
                .map(|k| k.billable_days)
        })
        .collect();
    // Key 2 is deactivated before the month began and key 4 starts after: neither is listed.
    assert_eq!(days, vec![1, 1, 30, 30]);
    assert_eq!(row(&any, 3).days, vec![30]);
    assert_eq!(any.total, Decimal::new(12000, 2));
    let eom = detail(
        &hs,
        (2026, 11),
        &Zone::utc(),
        &prices(BillingRule::EndOfMonth, 3000),
    );
    let billed: Vec<u32> = eom.tables[0]
        .rows
        .iter()
        .filter(|k| k.billable)
        .map(|k| k.key.serial())
        .collect();
    let mut billed = billed;
    billed.sort_unstable();
    assert_eq!(billed, vec![3, 6]);
    assert_eq!(eom.total, Decimal::new(6000, 2));
}

#[test]
fn more_than_14_days_boundary_in_each_month_length() {
    for (y, m) in [(2026, 2), (2024, 2), (2026, 4), (2026, 1)] {
        let month = Month::new(y, m).unwrap();
        let b = month.bounds(&Zone::utc());
        let d = |n: i64| b.start() + Duration::days(n);
        // 14 days: 1–14; 15 days: 1–15; last 15 days of the month.
        let hs = vec![
            active(1, d(0), Some(d(14))),
            active(2, d(0), Some(d(15))),
            active(3, d(i64::from(b.days()) - 15), None),
        ];
        let r = BillingDetail::build(
            &hs,
            &presets::storagecraft(),
            month,
            &Zone::utc(),
            &prices(BillingRule::STORAGECRAFT, 1000),
        )
        .unwrap();
        assert_eq!(row(&r, 1).billable_days, 14);
        assert!(!row(&r, 1).billable);
        assert!(row(&r, 1)
            .explanation
            .ends_with("14 billable days ≤ 14 → not billable"));
        assert!(row(&r, 2).billable);
        assert_eq!(row(&r, 3).billable_days, 15);
        assert!(row(&r, 3).billable);
        assert_eq!(r.total, Decimal::new(2000, 2));
    }
}

#[test]
fn prorated_lines_are_rounded_once_half_up() {
    // 30.00 × 13 / 31 = 12.5806… → 12.58 ; 30.00 × 13 / 28 = 13.928… → 13.93 ; × 13 / 30 = 13.00
    for ((y, m), want) in [((2026, 1), 1258), ((2026, 2), 1393), ((2026, 11), 1300)] {
        let b = Month::new(y, m).unwrap().bounds(&Zone::utc());
        let h = active(
            1,
            b.start() + Duration::days(2),
            Some(b.start() + Duration::days(15)),
        );
        let r = detail(
            &[h],
            (y, m),
            &Zone::utc(),
            &prices(BillingRule::Prorated, 3000),
        );
        assert_eq!(r.lines.len(), 1);
        assert_eq!(r.lines[0].billable_days, 13);
        assert_eq!(r.total, Decimal::new(want, 2), "{y}-{m}");
    }
    // Three licences of 1 day each at 0.10/month in a 30-day month: one line, 0.30 × 1/30 = 0.01,
    // not 3 × round(0.0033) = 0.00.
    let b = Month::new(2026, 11).unwrap().bounds(&Zone::utc());
    let hs: Vec<_> = (1..=3)
        .map(|i| active(i, b.start(), Some(b.start() + Duration::hours(1))))
        .collect();
    let r = detail(
        &hs,
        (2026, 11),
        &Zone::utc(),
        &prices(BillingRule::Prorated, 10),
    );
    assert_eq!(r.lines[0].amount, Decimal::new(1, 2));
    // A half-cent line: 0.15 × 1 / 2 … use 10-day in a 30-day month at 0.45: 0.15 exactly; and
    // 0.05 × 15/30 = 0.025 → 0.03 half-up, 0.02 half-even.
    let h = active(9, b.start(), Some(b.start() + Duration::days(15)));
    let mut p = prices(BillingRule::Prorated, 5);
    assert_eq!(
        detail(std::slice::from_ref(&h), (2026, 11), &Zone::utc(), &p).total,
        Decimal::new(3, 2)
    );
    p.rounding = Rounding::HalfEven;
    assert_eq!(
        detail(&[h], (2026, 11), &Zone::utc(), &p).total,
        Decimal::new(2, 2)
    );
}

#[test]
fn a_dst_month_counts_local_days() {
    // 2026-10-24T22:30Z is 25 Oct 00:30 in Berlin (CEST) but still 24 Oct in UTC.
    let h = active(1, utc(2026, 10, 24, 22, 30, 0), None);
    let berlin = detail(
        std::slice::from_ref(&h),
        (2026, 10),
        &Zone::get("Europe/Berlin").unwrap(),
        &prices(BillingRule::AnyDay, 100),
    );
    let utc_r = detail(
        &[h],
        (2026, 10),
        &Zone::utc(),
        &prices(BillingRule::AnyDay, 100),
    );
    assert_eq!(row(&berlin, 1).days, (25..=31).collect::<Vec<u32>>());
    assert_eq!(row(&utc_r, 1).days, (24..=31).collect::<Vec<u32>>());
    // The 25-hour day: active only 25 Oct 02:30–02:45 CET (01:30–01:45Z, after the change).
    let h = active(
        2,
        utc(2026, 10, 25, 1, 30, 0),
        Some(utc(2026, 10, 25, 1, 45, 0)),
    );
    let r = detail(
        &[h],
        (2026, 10),
        &Zone::get("Europe/Berlin").unwrap(),
        &prices(BillingRule::AnyDay, 100),
    );
    assert_eq!(row(&r, 2).days, vec![25]);
    // Berlin's October ends at 31 Oct 23:00Z: a licence starting then is November's.
    let h = active(3, utc(2026, 10, 31, 23, 0, 0), None);
    let r = detail(
        &[h],
        (2026, 10),
        &Zone::get("Europe/Berlin").unwrap(),
        &prices(BillingRule::AnyDay, 100),
    );
    assert!(r.tables[0].rows.is_empty());
}

#[test]
fn peak_counts_licences_at_once() {
    let d = |n: u32| utc(2026, 11, n, 0, 0, 0);
    let hs = vec![
        active(1, d(1), Some(d(10))),
        active(2, d(5), Some(d(15))),
        active(3, d(10), Some(d(20))), // starts when 1 ends: not at once
        active(4, d(25), Some(d(26))),
    ];
    let r = detail(
        &hs,
        (2026, 11),
        &Zone::utc(),
        &prices(BillingRule::Peak, 1000),
    );
    assert_eq!(r.lines[0].quantity, Decimal::from(2));
    assert_eq!(r.total, Decimal::new(2000, 2));
    assert!(row(&r, 4).billable);
}

#[test]
fn per_product_rules_and_legacy_keys() {
    let d = |n: u32| utc(2026, 11, n, 0, 0, 0);
    let im = hist(
        7,
        IMAGEMANAGER,
        "IME",
        "Acme",
        vec![span(d(1), Some(d(5)), LicenceState::Active)],
    );
    let legacy = hist(
        8,
        LEGACY_SHADOWPROTECT,
        "Server",
        "Acme",
        vec![span(d(1), None, LicenceState::Active)],
    );
    let sp = active(9, d(1), Some(d(5)));
    let mut p = prices(BillingRule::AnyDay, 2500);
    p.set_rule(IMAGEMANAGER, BillingRule::STORAGECRAFT);
    let r = detail(&[im, legacy, sp], (2026, 11), &Zone::utc(), &p);
    assert!(!row(&r, 7).billable);
    assert!(row(&r, 9).billable);
    assert!(!row(&r, 8).billable);
    assert_eq!(
        row(&r, 8).explanation,
        "active all month: perpetual licence, not billed monthly"
    );
    assert_eq!(r.tables[2].key_type, "Legacy ShadowProtect");
    assert!(r.tables[2].perpetual);
    assert_eq!(r.tables[2].rows.len(), 1);
    assert_eq!(r.total, Decimal::new(2500, 2));
}

#[test]
fn lines_counts_and_totals() {
    let d = |n: u32| utc(2026, 11, n, 0, 0, 0);
    let mut hs = vec![];
    for (i, (acct, ed)) in [
        ("A", "Server"),
        ("A", "Server"),
        ("A", "Desktop"),
        ("B", "Server"),
    ]
    .iter()
    .enumerate()
    {
        hs.push(hist(
            i as u32,
            SHADOWPROTECT_MSP,
            ed,
            acct,
            vec![span(d(2), None, LicenceState::Late)],
        ));
    }
    let r = detail(
        &hs,
        (2026, 11),
        &Zone::utc(),
        &prices(BillingRule::AnyDay, 2500),
    );
    assert_eq!(r.lines.len(), 3);
    let totals: Vec<(String, Decimal)> = r
        .account_totals
        .iter()
        .map(|a| (a.account.clone(), a.amount))
        .collect();
    assert_eq!(
        totals,
        vec![
            ("A".into(), Decimal::new(5500, 2)),
            ("B".into(), Decimal::new(2500, 2))
        ]
    );
    assert_eq!(r.total, Decimal::new(8000, 2));
    let server = r
        .counts
        .iter()
        .find(|c| c.edition.as_deref() == Some("Server"))
        .unwrap();
    assert_eq!(server.licences, 3);
    assert_eq!(server.billable_days, 3 * 29);
    // JSON round trip, CSV shape.
    let json = serde_json::to_string(&r).unwrap();
    assert_eq!(serde_json::from_str::<BillingDetail>(&json).unwrap(), r);
    let csv = r.to_csv().unwrap();
    assert_eq!(csv.lines().filter(|l| l.starts_with("key,")).count(), 4);
    assert_eq!(csv.lines().filter(|l| l.starts_with("line,")).count(), 3);
    assert!(csv.lines().any(|l| l == "total,,,,,,,,,,,,,,80.00,USD,"));
}

#[test]
fn bad_input_is_typed() {
    let c = presets::storagecraft();
    let m = Month::new(2026, 11).unwrap();
    let p = prices(BillingRule::AnyDay, 100);
    assert_eq!(
        "2026-13".parse::<Month>().unwrap_err().code(),
        "billing.unknown_month"
    );
    assert_eq!(
        "nope".parse::<Month>().unwrap_err().code(),
        "billing.unknown_month"
    );
    assert!(serde_json::from_str::<Month>("\"2026-00\"").is_err());
    let e = Zone::get("Europe/Atlantis").unwrap_err();
    assert_eq!(
        e,
        BillingError::UnknownTimeZone {
            name: "Europe/Atlantis".into()
        }
    );
    // A billed edition without a price.
    let h = hist(
        1,
        SHADOWPROTECT_MSP,
        "SBS",
        "A",
        vec![span(utc(2026, 11, 2, 0, 0, 0), None, LicenceState::Active)],
    );
    let e = BillingDetail::build(std::slice::from_ref(&h), &c, m, &Zone::utc(), &p).unwrap_err();
    assert_eq!(
        e,
        BillingError::MissingPrice {
            product: "ShadowProtect for MSP".into(),
            edition: Some("SBS".into())
        }
    );
    assert!(e.to_string().contains("SBS"));
    // Mixed currencies.
    let mut mixed = p.clone();
    mixed.prices[0].currency = Some("EUR".into());
    assert_eq!(
        BillingDetail::build(&[], &c, m, &Zone::utc(), &mixed)
            .unwrap_err()
            .code(),
        "billing.mixed_currencies"
    );
    // Overflow: the largest decimal price times two licences.
    let mut big = PriceList::new("USD", BillingRule::AnyDay).unwrap();
    big.set_price(SHADOWPROTECT_MSP, None, Decimal::MAX);
    let h2 = LicenceHistory {
        machine: "other".into(),
        ..h.clone()
    };
    let e = BillingDetail::build(&[h, h2], &c, m, &Zone::utc(), &big).unwrap_err();
    assert_eq!(e.code(), "billing.overflow");
    assert_eq!(crate::Error::from(e).code(), "billing.overflow");
    // Reversed range.
    let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
    let e = ActivationReport::build(&[], &c, day(5), day(4), &Zone::utc(), &[], &[]).unwrap_err();
    assert_eq!(
        e,
        BillingError::RangeEndsBeforeStart {
            start: "2026-11-05".into(),
            end: "2026-11-04".into()
        }
    );
    // Unknown product.
    let mut h = active(3, utc(2026, 11, 1, 0, 0, 0), None);
    h.product = ProductId::new(40).unwrap();
    assert_eq!(
        BillingDetail::build(&[h], &c, m, &Zone::utc(), &p)
            .unwrap_err()
            .code(),
        "billing.unknown_product"
    );
    assert_eq!(
        PriceList::new("US", BillingRule::AnyDay)
            .unwrap_err()
            .code(),
        "billing.bad_currency"
    );
}

#[test]
fn recompute_reports_the_difference() {
    let d = |n: u32| utc(2026, 11, n, 0, 0, 0);
    let p = prices(BillingRule::STORAGECRAFT, 2500);
    let c = presets::storagecraft();
    // Reported with licence 1 disabled from 10 Nov (9 days: not billed).
    let early = vec![hist(
        1,
        SHADOWPROTECT_MSP,
        "Server",
        "Acme",
        vec![
            span(d(1), Some(d(10)), LicenceState::Active),
            span(d(10), None, LicenceState::Disabled),
        ],
    )];
    let before =
        BillingDetail::build(&early, &c, Month::new(2026, 11).unwrap(), &Zone::utc(), &p).unwrap();
    assert_eq!(before.total, Decimal::ZERO);
    // A late call-home shows it was active until the 20th; and a new licence appears.
    let late = vec![
        hist(
            1,
            SHADOWPROTECT_MSP,
            "Server",
            "Acme",
            vec![
                span(d(1), Some(d(20)), LicenceState::Active),
                span(d(20), None, LicenceState::Disabled),
            ],
        ),
        active(2, d(1), None),
    ];
    let again = before.recompute(&late, &c, &p).unwrap();
    assert_eq!(again.report.total, Decimal::new(5000, 2));
    assert_eq!(again.diff.total_delta, Decimal::new(5000, 2));
    assert_eq!(again.diff.keys.len(), 2);
    let k1 = again
        .diff
        .keys
        .iter()
        .find(|k| k.key.serial() == 1)
        .unwrap();
    assert_eq!((k1.days_before, k1.days_after), (Some(9), Some(19)));
    assert_eq!(
        (k1.billable_before, k1.billable_after),
        (Some(false), Some(true))
    );
    let k2 = again
        .diff
        .keys
        .iter()
        .find(|k| k.key.serial() == 2)
        .unwrap();
    assert_eq!(k2.days_before, None);
    assert_eq!(again.diff.lines.len(), 1);
    assert_eq!(again.diff.lines[0].before, Decimal::ZERO);
    assert_eq!(again.diff.accounts[0].after, Decimal::new(5000, 2));
    let json = serde_json::to_string(&again).unwrap();
    assert_eq!(serde_json::from_str::<Recomputed>(&json).unwrap(), again);
}

#[test]
fn activation_report_sort_filter_and_range() {
    let c = presets::storagecraft();
    let d = |n: u32, h: u32| utc(2026, 11, n, h, 0, 0);
    let hs = vec![
        hist(
            30,
            IMAGEMANAGER,
            "IME",
            "A",
            vec![span(d(2, 0), None, LicenceState::Active)],
        ),
        hist(
            20,
            SHADOWPROTECT_MSP,
            "Server",
            "B",
            vec![
                span(d(3, 0), Some(d(9, 0)), LicenceState::Active),
                span(d(9, 0), None, LicenceState::Deactivated),
            ],
        ),
        hist(
            10,
            SHADOWPROTECT_MSP,
            "Server",
            "A",
            vec![span(d(3, 0), None, LicenceState::Active)],
        ),
        hist(
            5,
            SHADOWPROTECT_MSP,
            "Desktop",
            "A",
            vec![span(d(1, 0), None, LicenceState::Active)],
        ),
        // 30 Nov 23:00 UTC is 1 Dec in Berlin.
        hist(
            6,
            SHADOWPROTECT_MSP,
            "Desktop",
            "A",
            vec![span(d(30, 23), None, LicenceState::Active)],
        ),
    ];
    let day = |n| NaiveDate::from_ymd_opt(2026, 11, n).unwrap();
    let r = ActivationReport::build(
        &hs,
        &c,
        day(1),
        day(30),
        &Zone::get("Europe/Berlin").unwrap(),
        &[],
        &[],
    )
    .unwrap();
    let got: Vec<(u32, ActivationEvent)> = r.rows.iter().map(|x| (x.serial, x.event)).collect();
    use ActivationEvent::*;
    assert_eq!(
        got,
        vec![
            (5, Activated),
            (10, Activated),
            (20, Activated),
            (20, Deactivated),
            (30, Activated)
        ]
    );
    let r = ActivationReport::build(&hs, &c, day(1), day(30), &Zone::utc(), &[IMAGEMANAGER], &[])
        .unwrap();
    assert_eq!(r.rows.len(), 1);
    let r = ActivationReport::build(
        &hs,
        &c,
        day(3),
        day(3),
        &Zone::utc(),
        &[],
        &[ActivationSortKey::Serial],
    )
    .unwrap();
    let got: Vec<u32> = r.rows.iter().map(|x| x.serial).collect();
    assert_eq!(got, vec![10, 20]);
    let r = ActivationReport::build(
        &hs,
        &c,
        day(1),
        day(30),
        &Zone::utc(),
        &[],
        &[ActivationSortKey::Account, ActivationSortKey::Date],
    )
    .unwrap();
    let got: Vec<u32> = r.rows.iter().map(|x| x.serial).collect();
    assert_eq!(got, vec![5, 30, 10, 6, 20, 20]);
    assert_eq!(
        serde_json::from_str::<ActivationReport>(&serde_json::to_string(&r).unwrap()).unwrap(),
        r
    );
    assert_eq!(r.to_csv().unwrap().lines().count(), 7);
}

#[test]
fn trends_over_twelve_months() {
    let c = presets::storagecraft();
    // Active from 10 Mar 2026 to 10 Jun 2026; an ImageManager key from 1 Nov 2026.
    let hs = vec![
        active(
            1,
            utc(2026, 3, 10, 0, 0, 0),
            Some(utc(2026, 6, 10, 0, 0, 0)),
        ),
        hist(
            2,
            IMAGEMANAGER,
            "IME",
            "A",
            vec![span(utc(2026, 11, 1, 0, 0, 0), None, LicenceState::Active)],
        ),
    ];
    let t = Trends::build(
        &hs,
        &c,
        Month::new(2026, 11).unwrap(),
        &Zone::utc(),
        BillingRule::STORAGECRAFT,
    )
    .unwrap();
    let sp: Vec<u64> = t.months.iter().map(|m| m.points[0].licences).collect();
    // Dec 2025 … Nov 2026: Mar (22 days), Apr, May billed; Jun has 9 days (1–9) → not.
    assert_eq!(sp, vec![0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
    let im: Vec<u64> = t.months.iter().map(|m| m.points[1].licences).collect();
    assert_eq!(im, vec![0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    assert_eq!(
        serde_json::from_str::<Trends>(&serde_json::to_string(&t).unwrap()).unwrap(),
        t
    );
}

// ---- bulk path against the history path ----

/// One licence of the synthetic data set.
#[derive(Debug, Clone)]
struct Lic {
    act: i64,
    deact: i64,
    before: i64,
    calls: Vec<i64>,
    edition: u16,
}

/// The history the ledger would record for `l`, built with `LifecyclePolicy` (independently of
/// the bulk code).
fn to_history(i: u32, l: &Lic, p: &LifecyclePolicy) -> LicenceHistory {
    let ts = |s: i64| Utc.timestamp_opt(s, 0).unwrap();
    let mut spans: Vec<StateSpan> = Vec::new();
    let base = if l.before != i64::MIN && l.before >= l.act {
        l.before
    } else {
        l.act
    };
    let mut contacts = vec![base];
    let mut lapsed = false;
    for &t in &l.calls {
        let c = *contacts.last().unwrap();
        if lapsed || t < c {
            continue;
        }
        if p.state_since_contact(ts(c), ts(t)) == LicenceState::Deactivated {
            lapsed = true;
            continue;
        }
        contacts.push(t);
    }
    if base > l.act {
        spans.push(span(ts(l.act), Some(ts(base)), LicenceState::Active));
    }
    let stop = ts(l.deact.min(4_000_000_000));
    for (k, &c) in contacts.iter().enumerate() {
        let c = ts(c);
        if c >= stop {
            break;
        }
        let seg_end = contacts.get(k + 1).map_or(stop, |n| ts(*n).min(stop));
        let mut now = c;
        while now < seg_end {
            let state = p.state_since_contact(c, now);
            if state == LicenceState::Deactivated {
                spans.push(span(now, None, state));
                return finish(i, l, spans);
            }
            let until = p.next_change(c, now).map_or(seg_end, |ch| ch.min(seg_end));
            spans.push(span(now, Some(until), state));
            now = until;
        }
    }
    if l.deact != i64::MAX && l.deact >= l.act {
        spans.push(span(stop, None, LicenceState::Deactivated));
    }
    finish(i, l, spans)
}

fn finish(i: u32, l: &Lic, spans: Vec<StateSpan>) -> LicenceHistory {
    let ed = ["Server", "SBS", "Desktop"][l.edition as usize];
    let mut h = hist(i, SHADOWPROTECT_MSP, ed, "Acme", spans);
    h.spans.retain(|s| s.until.is_none_or(|u| u > s.from));
    h
}

fn bulk_vs_history(lics: &[Lic], month: Month, zone: &Zone, cuts: &Cuts) {
    let policy = LifecyclePolicy::default();
    let mut rows: Vec<(i64, u32)> = lics
        .iter()
        .enumerate()
        .flat_map(|(i, l)| l.calls.iter().map(move |t| (*t, i as u32)))
        .collect();
    rows.sort_unstable();
    let licence: Vec<u32> = rows.iter().map(|r| r.1).collect();
    let at: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let act: Vec<i64> = lics.iter().map(|l| l.act).collect();
    let deact: Vec<i64> = lics.iter().map(|l| l.deact).collect();
    let before: Vec<i64> = lics.iter().map(|l| l.before).collect();
    let group: Vec<u16> = lics.iter().map(|l| l.edition).collect();
    let input = bulk::BulkInput {
        licence: &licence,
        at: &at,
        activated_at: &act,
        deactivated_at: &deact,
        last_contact_before: &before,
        group: &group,
        groups: 3,
        time_sorted: true,
    };
    let hs: Vec<LicenceHistory> = lics
        .iter()
        .enumerate()
        .map(|(i, l)| to_history(i as u32, l, &policy))
        .collect();
    let b = month.bounds(zone);
    for rule in ALL_RULES {
        let r = bulk::bill(&input, month, zone, rule, &policy).unwrap();
        for (i, h) in hs.iter().enumerate() {
            let m = policy::evaluate_rule(h, &b, rule);
            assert_eq!(
                u32::from(r.days[i]),
                m.days(),
                "licence {i} {h:?} {:?} {rule:?}",
                lics[i]
            );
            assert_eq!(
                r.billed[i],
                rule.bills(m.days(), b.days(), m.at_rule),
                "billed: licence {i} {h:?} {:?} {rule:?}",
                lics[i]
            );
            // The bulk explanation: the same days and verdict, and a sentence that ends with the
            // rule's reason and that verdict, as the history path's.
            let e = bulk::explain(&input, i as u32, month, zone, rule, &policy).unwrap();
            let want: Vec<u32> = (0..31u32)
                .filter(|d| m.mask & (1 << d) != 0)
                .map(|d| d + 1)
                .collect();
            assert_eq!(e.days, want, "explained days: licence {i} {rule:?}");
            assert_eq!(
                e.billable, r.billed[i],
                "explained verdict: licence {i} {rule:?}"
            );
            let history = explain::explain(h, &b, &m, rule, r.billed[i]);
            let reason = history.split_once(": ").map_or("", |x| x.1);
            assert!(e.text.ends_with(reason), "{} / {history}", e.text);
        }
        // Random splits into partials (licence ranges × time ranges), merged: the same result.
        let got = split_bill(&input, month, zone, rule, &policy, cuts);
        assert_eq!(got, r, "{rule:?} split {cuts:?} {lics:?}");
        if rule == BillingRule::AnyDay {
            let fast = bulk::any_day_counts(&input, month, zone, &policy).unwrap();
            let slow: Vec<u64> = r.groups.iter().map(|g| g.licences).collect();
            assert_eq!(fast, slow, "{lics:?}");
            let unsorted = bulk::BulkInput {
                time_sorted: false,
                ..input
            };
            assert_eq!(
                bulk::any_day_counts(&unsorted, month, zone, &policy).unwrap(),
                slow
            );
            // The rows in reverse (no licence's rows in time order): still the same counts.
            let licence: Vec<u32> = input.licence.iter().rev().copied().collect();
            let at: Vec<i64> = input.at.iter().rev().copied().collect();
            let reversed = bulk::BulkInput {
                licence: &licence,
                at: &at,
                time_sorted: false,
                ..input
            };
            assert_eq!(
                bulk::any_day_counts(&reversed, month, zone, &policy).unwrap(),
                slow,
                "reversed rows {lics:?}"
            );
        }
        let c = counts(&hs, &presets::storagecraft(), month, zone, rule).unwrap();
        for (g, ed) in ["Server", "SBS", "Desktop"].iter().enumerate() {
            let want = c
                .get(&(SHADOWPROTECT_MSP, Some(ed.to_string())))
                .cloned()
                .unwrap_or(EditionCounts {
                    licences: 0,
                    billable_days: 0,
                    quantity: Decimal::ZERO,
                });
            let got = &r.groups[g];
            assert_eq!(
                (got.licences, got.billable_days, got.quantity),
                (want.licences, want.billable_days, want.quantity),
                "{rule:?} {ed} {lics:?}"
            );
        }
    }
}

/// Every rule, with the presets' parameters at ordinary and edge values.
const ALL_RULES: [BillingRule; 13] = [
    BillingRule::AnyDay,
    BillingRule::STORAGECRAFT,
    BillingRule::MoreThanDays(0),
    BillingRule::Prorated,
    BillingRule::EndOfMonth,
    BillingRule::Peak,
    BillingRule::ROLLING_31,
    BillingRule::RollingWindow {
        days: 10,
        first_month_free: true,
    },
    BillingRule::RollingWindow {
        days: 45,
        first_month_free: false,
    },
    BillingRule::Snapshot { day: 15, hour: 12 },
    BillingRule::Snapshot { day: 31, hour: 23 },
    BillingRule::Snapshot { day: 1, hour: 0 },
    BillingRule::HighWaterMark {
        months: 1,
        first_month: 1,
    },
];

/// How to split a bulk input: licence cut points, time cut points (seconds from the month's
/// start), the order time slices are merged in, and rows per `update` batch.
#[derive(Debug, Clone)]
struct Cuts {
    licences: Vec<usize>,
    times: Vec<i64>,
    reverse: bool,
    batch: usize,
}

fn cuts_strategy() -> impl Strategy<Value = Cuts> {
    (
        proptest::collection::vec(0usize..8, 0..3),
        proptest::collection::vec(-5 * DAY..32 * DAY, 0..4),
        any::<bool>(),
        1usize..40,
    )
        .prop_map(|(mut licences, mut times, reverse, batch)| {
            licences.sort_unstable();
            licences.dedup();
            times.sort_unstable();
            Cuts {
                licences,
                times,
                reverse,
                batch,
            }
        })
}

/// Bills `input` through partials: one per licence range and time slice, each fed in batches,
/// time slices merged (in either order), then ranges merged, then finished.
fn split_bill(
    input: &bulk::BulkInput<'_>,
    month: Month,
    zone: &Zone,
    rule: BillingRule,
    policy: &LifecyclePolicy,
    cuts: &Cuts,
) -> bulk::BulkResult {
    let n = input.activated_at.len();
    let origin = month.bounds(zone).start().timestamp();
    let mut bounds = vec![0];
    bounds.extend(cuts.licences.iter().copied().filter(|c| *c > 0 && *c < n));
    bounds.push(n);
    bounds.dedup();
    let mut whole: Option<bulk::Partial> = None;
    for w in bounds.windows(2) {
        let (lo, hi) = (w[0], w[1]);
        fn cols<'a>(
            input: &bulk::BulkInput<'a>,
            lo: usize,
            hi: usize,
            licence: &'a [u32],
            at: &'a [i64],
        ) -> bulk::BulkInput<'a> {
            bulk::BulkInput {
                licence,
                at,
                activated_at: &input.activated_at[lo..hi],
                deactivated_at: &input.deactivated_at[lo..hi],
                last_contact_before: &input.last_contact_before[lo..hi],
                group: &input.group[lo..hi],
                groups: input.groups,
                time_sorted: false,
            }
        }
        let mut edges = vec![i64::MIN];
        edges.extend(cuts.times.iter().map(|t| origin + t));
        edges.push(i64::MAX);
        let mut slices = Vec::new();
        for e in edges.windows(2) {
            let rows: Vec<(u32, i64)> = input
                .licence
                .iter()
                .zip(input.at)
                .filter(|(l, t)| (lo..hi).contains(&(**l as usize)) && **t >= e[0] && **t < e[1])
                .map(|(l, t)| (*l, *t))
                .collect();
            let mut p =
                bulk::Partial::for_range(lo as u32, hi - lo, month, zone, rule, policy).unwrap();
            for chunk in rows.chunks(cuts.batch) {
                let ls: Vec<u32> = chunk.iter().map(|r| r.0).collect();
                let ts: Vec<i64> = chunk.iter().map(|r| r.1).collect();
                p.update(&cols(input, lo, hi, &ls, &ts)).unwrap();
            }
            slices.push(p);
        }
        if cuts.reverse {
            slices.reverse();
        }
        let mut it = slices.into_iter();
        let mut range = it.next().unwrap();
        for p in it {
            range.merge(&p).unwrap();
        }
        match whole.as_mut() {
            None => whole = Some(range),
            Some(w) if cuts.reverse => {
                range.merge(w).unwrap();
                *w = range;
            }
            Some(w) => w.merge(&range).unwrap(),
        }
    }
    whole.unwrap().finish(input).unwrap()
}

fn lic_strategy(start: i64, end: i64) -> impl Strategy<Value = Lic> {
    let span = end - start;
    (
        prop_oneof![
            Just(start),
            Just(end - 1),
            Just(end),
            (start - 40 * DAY)..(end + DAY)
        ],
        prop_oneof![
            Just(i64::MAX),
            Just(end),
            Just(end - 1),
            Just(start),
            start..(end + DAY)
        ],
        prop_oneof![Just(i64::MIN), (start - 20 * DAY)..start],
        proptest::collection::vec(-10 * DAY..span + 2 * DAY, 0..14),
        0u16..3,
    )
        .prop_map(move |(act, deact, before, mut calls, edition)| {
            calls.iter_mut().for_each(|c| *c += start);
            calls.sort_unstable();
            Lic {
                act,
                deact,
                before,
                calls,
                edition,
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn bulk_agrees_with_histories_utc(lics in proptest::collection::vec(lic_strategy(1_793_491_200, 1_796_083_200), 1..8), cuts in cuts_strategy()) {
        bulk_vs_history(&lics, Month::new(2026, 11).unwrap(), &Zone::utc(), &cuts);
    }

    #[test]
    fn bulk_agrees_with_histories_dst(lics in proptest::collection::vec(lic_strategy(1_790_805_600, 1_793_487_600), 1..8), cuts in cuts_strategy()) {
        // October 2026 in Europe/Berlin: 2026-09-30T22:00Z .. 2026-10-31T23:00Z.
        bulk_vs_history(&lics, Month::new(2026, 10).unwrap(), &Zone::get("Europe/Berlin").unwrap(), &cuts);
    }

    #[test]
    fn totals_are_sums_of_rounded_lines(days in proptest::collection::vec((0u32..30, 1u32..31, 0usize..3), 1..12), cents in 1i64..100_000) {
        let b = Month::new(2026, 11).unwrap().bounds(&Zone::utc());
        let hs: Vec<LicenceHistory> = days.iter().enumerate().map(|(i, (a, n, acct))| {
            let from = b.start() + Duration::days(i64::from(*a));
            let mut h = active(i as u32, from, Some(from + Duration::days(i64::from(*n))));
            h.account = ["A", "B", "C"][*acct].into();
            h
        }).collect();
        for rule in [BillingRule::AnyDay, BillingRule::Prorated, BillingRule::Peak, BillingRule::STORAGECRAFT] {
            let r = detail(&hs, (2026, 11), &Zone::utc(), &prices(rule, cents));
            let sum: Decimal = r.lines.iter().map(|l| l.amount).sum();
            prop_assert_eq!(sum, r.total);
            for l in &r.lines {
                prop_assert_eq!(l.amount, l.amount.round_dp(2));
                prop_assert!(l.amount <= l.unit_price * Decimal::from(l.licences));
            }
            let billed = r.tables[0].rows.iter().filter(|k| k.billable).count() as u64;
            prop_assert_eq!(billed, r.counts.iter().map(|c| c.licences).sum::<u64>());
        }
    }
}

#[test]
fn dst_month_end_of_month_prorated_and_leap_february() {
    // Berlin's October 2026 ends at 31 Oct 23:00Z; its last second starts at 22:59:59Z.
    let p = prices(BillingRule::EndOfMonth, 1000);
    let until_end = active(
        1,
        utc(2026, 10, 10, 0, 0, 0),
        Some(utc(2026, 10, 31, 23, 0, 0)),
    );
    let one_short = active(
        2,
        utc(2026, 10, 10, 0, 0, 0),
        Some(utc(2026, 10, 31, 22, 59, 59)),
    );
    let r = detail(
        &[until_end, one_short],
        (2026, 10),
        &Zone::get("Europe/Berlin").unwrap(),
        &p,
    );
    assert!(row(&r, 1).billable);
    assert!(!row(&r, 2).billable);
    assert_eq!(row(&r, 2).billable_days, 22); // 10–31 Oct local
    assert_eq!(r.total, Decimal::new(1000, 2));
    // Prorated in the 31-day DST month: 22 days × 31.00 / 31 = 22.00.
    let h = active(3, utc(2026, 10, 9, 22, 0, 0), None); // 10 Oct 00:00 CEST
    let r = detail(
        &[h],
        (2026, 10),
        &Zone::get("Europe/Berlin").unwrap(),
        &prices(BillingRule::Prorated, 3100),
    );
    assert_eq!(r.lines[0].billable_days, 22);
    assert_eq!(r.total, Decimal::new(2200, 2));
    // Leap February: 30.00 × 13 / 29 = 13.448… → 13.45.
    let h = active(4, utc(2024, 2, 3, 0, 0, 0), Some(utc(2024, 2, 16, 0, 0, 0)));
    let r = detail(
        &[h],
        (2024, 2),
        &Zone::utc(),
        &prices(BillingRule::Prorated, 3000),
    );
    assert_eq!(r.total, Decimal::new(1345, 2));
    // Peak across the DST change: two licences overlapping only in the repeated hour.
    let a = active(
        5,
        utc(2026, 10, 25, 0, 30, 0),
        Some(utc(2026, 10, 25, 1, 0, 1)),
    );
    let b = active(
        6,
        utc(2026, 10, 25, 1, 0, 0),
        Some(utc(2026, 10, 25, 2, 0, 0)),
    );
    let r = detail(
        &[a, b],
        (2026, 10),
        &Zone::get("Europe/Berlin").unwrap(),
        &prices(BillingRule::Peak, 1000),
    );
    assert_eq!(r.lines[0].quantity, Decimal::from(2));
}

#[test]
fn inputs_round_trip_through_json() {
    let mut p = prices(BillingRule::Peak, 1234);
    p.set_rule(IMAGEMANAGER, BillingRule::MoreThanDays(3));
    p.rounding = Rounding::Down;
    let json = serde_json::to_string(&p).unwrap();
    assert_eq!(serde_json::from_str::<PriceList>(&json).unwrap(), p);
    let m = Month::new(2026, 1).unwrap();
    assert_eq!(serde_json::to_string(&m).unwrap(), "\"2026-01\"");
    assert_eq!(serde_json::from_str::<Month>("\"2026-01\"").unwrap(), m);
}

fn wild() -> impl Strategy<Value = i64> {
    prop_oneof![
        Just(i64::MIN),
        Just(i64::MAX),
        Just(0i64),
        any::<i64>(),
        1_790_000_000i64..1_797_000_000,
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]
    /// Any columns, any policy: a result or a typed error, never a panic.
    #[test]
    fn bulk_never_panics(
        lic in proptest::collection::vec((wild(), wild(), wild(), 0u16..4), 0..6),
        rows in proptest::collection::vec((0u32..8, wild()), 0..20),
        late in prop_oneof![Just(i64::MAX), Just(-5i64), 1i64..5_000_000],
        sorted in any::<bool>(),
    ) {
        let act: Vec<i64> = lic.iter().map(|l| l.0).collect();
        let deact: Vec<i64> = lic.iter().map(|l| l.1).collect();
        let before: Vec<i64> = lic.iter().map(|l| l.2).collect();
        let group: Vec<u16> = lic.iter().map(|l| l.3).collect();
        let licence: Vec<u32> = rows.iter().map(|r| r.0).collect();
        let at: Vec<i64> = rows.iter().map(|r| r.1).collect();
        let input = bulk::BulkInput {
            licence: &licence, at: &at, activated_at: &act, deactivated_at: &deact,
            last_contact_before: &before, group: &group, groups: 3, time_sorted: sorted,
        };
        let policy = LifecyclePolicy { late_after_seconds: late, disabled_after_seconds: late, lapse_after_seconds: late };
        let month = Month::new(2026, 11).unwrap();
        let _ = bulk::any_day_counts(&input, month, &Zone::get("Europe/Berlin").unwrap(), &policy);
        for rule in ALL_RULES {
            let r = bulk::bill(&input, month, &Zone::get("Europe/Berlin").unwrap(), rule, &policy);
            if let Ok(r) = r {
                prop_assert_eq!(r.days.len(), act.len());
                prop_assert!(r.days.iter().all(|d| *d <= 30));
            }
        }
    }
}

// ---- the vendor presets, hand-computed ----

#[test]
fn high_water_mark_bills_the_terms_best_month() {
    // Term Oct–Dec 2026 (quarters from January). Three licences in October, one in November.
    let oct = |d| utc(2026, 10, d, 12, 0, 0);
    let hs = vec![
        active(1, oct(2), Some(oct(20))),
        active(2, oct(3), Some(oct(21))),
        active(3, oct(4), None),
    ];
    let rule = BillingRule::HighWaterMark {
        months: 3,
        first_month: 1,
    };
    let nov = Month::new(2026, 11).unwrap();
    let c = counts(&hs, &presets::storagecraft(), nov, &Zone::utc(), rule).unwrap();
    let server = &c[&(SHADOWPROTECT_MSP, Some("Server".to_string()))];
    assert_eq!(server.licences, 1);
    assert_eq!(server.quantity, Decimal::from(3));
    let r = BillingDetail::build(
        &hs,
        &presets::storagecraft(),
        nov,
        &Zone::utc(),
        &prices(rule, 1000),
    )
    .unwrap();
    assert_eq!(r.lines[0].quantity, Decimal::from(3));
    assert_eq!(r.total, Decimal::new(3000, 2));
    let row = r.tables[0].rows.iter().find(|k| k.billable).unwrap();
    assert_eq!(
        row.explanation,
        "active all month: 30 billable days ≥ 1; counted toward the high-water mark of the 3-month term from Oct 2026 → billable"
    );
    // January starts a new term: only January counts.
    let jan = counts(
        &hs,
        &presets::storagecraft(),
        Month::new(2027, 1).unwrap(),
        &Zone::utc(),
        rule,
    )
    .unwrap();
    assert_eq!(
        jan[&(SHADOWPROTECT_MSP, Some("Server".to_string()))].quantity,
        Decimal::from(1)
    );
}

#[test]
fn rolling_window_and_snapshot_explanations() {
    let nov = |d, h| utc(2026, 11, d, h, 0, 0);
    // Activated 12 Nov: free in its first month under first_month_free.
    let h = active(1, nov(12, 9), None);
    let free = BillingRule::RollingWindow {
        days: 31,
        first_month_free: true,
    };
    let e = explain(
        &h,
        &presets::storagecraft(),
        Month::new(2026, 11).unwrap(),
        &Zone::utc(),
        free,
    )
    .unwrap();
    assert!(!e.billable);
    assert_eq!(
        e.text,
        "active from 12 Nov: 19 billable days; new instance, first activated 12 Nov: free in its first calendar month → not billable"
    );
    let e = explain(
        &h,
        &presets::storagecraft(),
        Month::new(2026, 11).unwrap(),
        &Zone::utc(),
        BillingRule::ROLLING_31,
    )
    .unwrap();
    assert!(e.billable);
    // Snapshot on the 15th at 12:00: a licence deactivated at 11:00 that day is not billed.
    let g = active(2, nov(1, 0), Some(nov(15, 11)));
    let snap = BillingRule::Snapshot { day: 15, hour: 12 };
    let e = explain(
        &g,
        &presets::storagecraft(),
        Month::new(2026, 11).unwrap(),
        &Zone::utc(),
        snap,
    )
    .unwrap();
    assert!(!e.billable);
    assert_eq!(
        e.text,
        "active 1–15 Nov, deactivated from 15 Nov: 15 billable days; not billable at the snapshot 15 Nov 12:00 → not billable"
    );
    let bad = BillingRule::Snapshot { day: 0, hour: 12 };
    let err = explain(
        &g,
        &presets::storagecraft(),
        Month::new(2026, 11).unwrap(),
        &Zone::utc(),
        bad,
    )
    .unwrap_err();
    assert_eq!(err.code(), "billing.bad_rule");
    let json = serde_json::to_string(&free).unwrap();
    assert_eq!(
        json,
        r#"{"rolling_window":{"days":31,"first_month_free":true}}"#
    );
}

/// Dense, time-sorted rows (blocks of one day, as in a warehouse export), so that `bulk::bill`
/// takes its block path and its watched days; `disabled_hours` moves the rules' thresholds inside
/// a day. Licence `l`: activated `act` days before the month (negative: inside it), calls home
/// once a day on days `from..=to` at a random second, optionally deactivated on day `stop`.
#[allow(clippy::type_complexity)]
fn dense_bulk_vs_fold(
    lics: &[(i64, u32, u32, Option<u32>, u32)],
    secs: &[i64],
    disabled_hours: i64,
) {
    let month = Month::new(2026, 11).unwrap();
    let start = 1_793_491_200i64;
    let policy = LifecyclePolicy {
        disabled_after_seconds: 14 * DAY + disabled_hours * 3600,
        ..LifecyclePolicy::default()
    };
    let n = lics.len();
    let mut activated_at = Vec::new();
    let mut deactivated_at = Vec::new();
    let mut before = Vec::new();
    let mut group = Vec::new();
    let mut rows: Vec<(i64, u32)> = Vec::new();
    for (l, &(act, from, to, stop, g)) in lics.iter().enumerate() {
        let a = start - act * DAY + secs[l % secs.len()] % DAY;
        activated_at.push(a);
        deactivated_at.push(stop.map_or(i64::MAX, |d| start + i64::from(d) * DAY + 3_600));
        before.push(if act > 0 {
            start - 1 - secs[(l + 1) % secs.len()] % DAY
        } else {
            i64::MIN
        });
        group.push((g % 2) as u16);
        for d in from..=to.min(29) {
            let t = start + i64::from(d) * DAY + secs[(l + d as usize) % secs.len()] % DAY;
            if t >= a {
                rows.push((t, l as u32));
            }
        }
    }
    rows.sort_unstable();
    let licence: Vec<u32> = rows.iter().map(|r| r.1).collect();
    let at: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let input = bulk::BulkInput {
        licence: &licence,
        at: &at,
        activated_at: &activated_at,
        deactivated_at: &deactivated_at,
        last_contact_before: &before,
        group: &group,
        groups: 2,
        time_sorted: true,
    };
    let mut by_licence = rows.clone();
    by_licence.sort_unstable_by_key(|r| (r.1, r.0));
    let ls: Vec<u32> = by_licence.iter().map(|r| r.1).collect();
    let ts: Vec<i64> = by_licence.iter().map(|r| r.0).collect();
    for rule in [
        BillingRule::EndOfMonth,
        BillingRule::ROLLING_31,
        BillingRule::RollingWindow {
            days: 10,
            first_month_free: true,
        },
        BillingRule::Snapshot { day: 15, hour: 12 },
        BillingRule::Snapshot { day: 1, hour: 5 },
        BillingRule::Peak,
        BillingRule::STORAGECRAFT,
    ] {
        let fast = bulk::bill(&input, month, &Zone::utc(), rule, &policy).unwrap();
        let mut p = bulk::Partial::new(n, month, &Zone::utc(), rule, &policy).unwrap();
        p.update(&bulk::BulkInput {
            licence: &ls,
            at: &ts,
            time_sorted: false,
            ..input
        })
        .unwrap();
        let folded = p.finish(&input).unwrap();
        assert_eq!(fast, folded, "{rule:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn bulk_block_path_equals_the_ordered_fold(
        lics in proptest::collection::vec((-20i64..60, 0u32..30, 0u32..30, proptest::option::weighted(0.2, 0u32..30), 0u32..2), 64..260),
        secs in proptest::collection::vec(0i64..DAY, 1..50),
        disabled_hours in prop_oneof![Just(0i64), 1i64..23],
    ) {
        dense_bulk_vs_fold(&lics, &secs, disabled_hours);
    }
}
