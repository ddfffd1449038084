//! Billing from hand-built licence histories: a Billing Detail, an Activation Report and a
//! 12-month trend, with StorageCraft's "more than 14 days" rule, in Europe/Berlin time.
//!
//! Run with `cargo run -p keyledger-examples --example billing`.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use keyledger::billing::{ActivationReport, BillingDetail, Month, Trends};
use keyledger::catalog::presets;
use keyledger::key::Issuer;
use keyledger::lifecycle::{LicenceHistory, LicenceState, StateSpan};

fn at(m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, m, d, h, 0, 0)
        .single()
        .unwrap_or_default()
}

fn main() -> Result<(), keyledger::Error> {
    let catalog = presets::storagecraft();
    let issuer = Issuer::new(0, b"walkthrough issuer secret, 32 b.")?;
    let span = |from, until, state| StateSpan { from, until, state };
    let history = |serial: u32,
                   product,
                   edition: &str,
                   account: &str,
                   site: Option<&str>,
                   spans: Vec<StateSpan>| {
        let key = issuer.generate(product, serial)?;
        let activations = spans
            .first()
            .map(|s: &StateSpan| vec![s.from])
            .unwrap_or_default();
        let deactivations = spans
            .iter()
            .filter(|s| s.state == LicenceState::Deactivated)
            .map(|s| s.from)
            .collect();
        Ok::<_, keyledger::Error>(LicenceHistory {
            key,
            product,
            edition: Some(edition.into()),
            account: account.into(),
            site: site.map(Into::into),
            machine: format!("host-{serial}"),
            spans,
            activations,
            deactivations,
            placements: vec![],
            jobs: vec![],
        })
    };
    use LicenceState::*;
    let histories = vec![
        // The spec's example: active 3–17 Nov, late 18–24 Nov, disabled from 25 Nov.
        history(
            1,
            presets::SHADOWPROTECT_MSP,
            "Server",
            "Contoso",
            Some("Berlin"),
            vec![
                span(at(11, 2, 23), Some(at(11, 17, 23)), Active),
                span(at(11, 17, 23), Some(at(11, 24, 23)), Late),
                span(at(11, 24, 23), None, Disabled),
            ],
        )?,
        // Active since the summer.
        history(
            2,
            presets::SHADOWPROTECT_MSP,
            "Desktop",
            "Contoso",
            None,
            vec![span(at(6, 15, 9), None, Active)],
        )?,
        // Activated late in November: 6 days, not billed under "more than 14 days".
        history(
            3,
            presets::SHADOWPROTECT_MSP,
            "SBS",
            "Fabrikam",
            None,
            vec![span(at(11, 24, 10), None, Active)],
        )?,
        // Deactivated on 20 November.
        history(
            4,
            presets::IMAGEMANAGER,
            "IME",
            "Fabrikam",
            None,
            vec![
                span(at(9, 1, 8), Some(at(11, 20, 12)), Active),
                span(at(11, 20, 12), None, Deactivated),
            ],
        )?,
        // A legacy key: listed, never billed monthly.
        history(
            5,
            presets::LEGACY_SHADOWPROTECT,
            "Server",
            "Contoso",
            None,
            vec![span(at(1, 10, 9), None, Active)],
        )?,
    ];

    let prices = keyledger_examples::demo_prices("EUR")?;

    let november = Month::new(2026, 11)?;
    let zone = &keyledger::billing::Zone::get("Europe/Berlin")?;
    let report = BillingDetail::build(&histories, &catalog, november, zone, &prices)?;
    println!("{report}");

    let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap_or_default();
    let activations =
        ActivationReport::build(&histories, &catalog, day(1), day(30), zone, &[], &[])?;
    println!(
        "\n== Activation Report {} – {} ==",
        activations.start, activations.end
    );
    for r in &activations.rows {
        println!(
            "  {:<22} {}  serial {:>3}  {:?} {}",
            r.key_type, r.key, r.serial, r.event, r.date
        );
    }

    let trends = Trends::build(&histories, &catalog, november, zone, prices.rule)?;
    println!("\n== Trends (billable licences) ==");
    for m in &trends.months {
        let counts: Vec<String> = m
            .points
            .iter()
            .map(|p| format!("{} {}", p.product_name, p.licences))
            .collect();
        println!("  {}  {}", m.month, counts.join(", "));
    }
    Ok(())
}
