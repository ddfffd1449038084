//! The seed walk-through, end to end, printed as the MSP Licensing Console would show it.
//!
//! An MSP sets up its console (the Default Account plus a client account with two sites), generates
//! keys, activates machines, and lives through 61 days of daily call-homes: one machine goes silent
//! (Late, then Disabled, then Deactivated 30 days after its last call-home), one is deactivated by the
//! MSP (pending, then final at its next call-home), one is deactivated and later reactivated, one
//! ImageManager key running backup jobs on its job licences, one legacy ShadowProtect key the MSP
//! forgot to deactivate when it upgraded hq-backup to SP MSP. Then: the status table, one key's
//! activation history, the ImageManager job licences, the name-consistency report, key checks (a
//! mistyped and a forged key), the Billing Detail of the last full month and its double-billing
//! report.
//!
//! Run with `cargo run -p keyledger-examples --example walkthrough`.

use chrono::{DateTime, Duration, TimeZone, Utc};
use keyledger::billing::{BillingDetail, DoubleBilling, Month};
use keyledger::catalog::{presets, ProductId};
use keyledger::key::{check_key, Issuer, ProductKey};
use keyledger::licence::{HistoryKind, KeyStatus, Ledger, LedgerCommand};
use keyledger::org::{AccountId, Container};

/// One machine of the story.
struct Machine {
    label: &'static str,
    key: ProductKey,
    host: &'static str,
    /// Days (from the start) on which it does not call home.
    silent: fn(i64) -> bool,
}

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 9, 1, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

/// A table laid out from its contents: every column as wide as its widest cell (counted in
/// characters), the columns in `right` right-aligned, a rule under the header.
fn table(header: &[&str], rows: Vec<Vec<String>>, right: &[usize]) -> String {
    let width = |s: &str| s.chars().count();
    let mut widths: Vec<usize> = header.iter().map(|h| width(h)).collect();
    for r in &rows {
        for (i, c) in r.iter().enumerate() {
            if i < widths.len() {
                widths[i] = widths[i].max(width(c));
            }
        }
    }
    let line = |cells: Vec<&str>| {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, w))| {
                let pad = " ".repeat(w.saturating_sub(width(c)));
                if right.contains(&i) {
                    format!("{pad}{c}")
                } else {
                    format!("{c}{pad}")
                }
            })
            .collect();
        format!("  {}", parts.join("  ").trim_end())
    };
    let mut out = vec![line(header.to_vec())];
    out.push(line(
        widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str)
            .collect(),
    ));
    for r in &rows {
        out.push(line(r.iter().map(String::as_str).collect()));
    }
    out.join("\n")
}

/// A value that may not exist yet: the text, or `-`.
fn or_dash(v: Option<&str>) -> String {
    match v {
        Some(s) if !s.trim().is_empty() => s.to_string(),
        _ => "-".into(),
    }
}

fn print_statuses(title: &str, statuses: &[KeyStatus]) {
    println!("\n== {title} ==");
    let rows = statuses
        .iter()
        .map(|s| {
            // The product type is the edition found at activation: none before one.
            let activated = !s.runs.is_empty();
            vec![
                s.key.to_string(),
                s.product.clone(),
                if activated {
                    s.product_type.clone()
                } else {
                    "-".into()
                },
                s.account.clone(),
                or_dash(s.site.as_deref()),
                s.state.label().to_string(),
                s.detail.clone(),
            ]
        })
        .collect();
    println!(
        "{}",
        table(
            &[
                "product key",
                "product",
                "type",
                "account",
                "site",
                "status",
                "detail"
            ],
            rows,
            &[],
        )
    );
}

fn main() -> Result<(), keyledger::Error> {
    // In production the secret comes from a vault; a fixed one keeps the output the same every run.
    let issuer = Issuer::new(0, b"walkthrough issuer secret, 32 b.")?;
    // The preset catalog and the default life-cycle policy (7/14/30 days).
    let mut ledger = Ledger::default();
    let catalog = ledger.catalog().clone();
    let t0 = start();
    let day = |d: i64| t0 + Duration::days(d);

    // --- Organisation: every create returns the id it made ---
    let contoso = ledger.create_account(
        "Contoso",
        Some("1 Harbour Road"),
        Some("contact: it@contoso.example"),
        t0,
    )?;
    let berlin = Container::Site(ledger.create_site(contoso, "Berlin", None, None, t0)?);
    let paris = Container::Site(ledger.create_site(contoso, "Paris", None, None, t0)?);
    let default = Container::Account(AccountId::DEFAULT);

    // --- Keys ---
    let mut gen = |product: ProductId, n: u32, c: Container| {
        ledger
            .generate_keys(&issuer, product, n, c, t0)
            .map(|g| g.keys)
    };
    let hq = gen(presets::SHADOWPROTECT_MSP, 1, default)?;
    let ber = gen(presets::SHADOWPROTECT_MSP, 3, berlin)?;
    let par = gen(presets::SHADOWPROTECT_MSP, 1, paris)?;
    let im = gen(presets::IMAGEMANAGER, 1, Container::Account(contoso))?;
    let legacy = gen(presets::LEGACY_SHADOWPROTECT, 1, default)?;
    let spare = gen(presets::SHADOWPROTECT_MSP, 1, default)?;

    // --- Activations on day 0 ---
    let machines = [
        Machine {
            label: "calls home daily",
            key: hq[0],
            host: "hq-backup",
            silent: |_| false,
        },
        Machine {
            label: "goes silent after day 10",
            key: ber[0],
            host: "ber-fs01",
            silent: |d| d > 10,
        },
        Machine {
            label: "deactivated by the MSP on day 20",
            key: ber[1],
            host: "ber-ws07",
            silent: |_| false,
        },
        Machine {
            label: "deactivated day 25, reactivated day 35",
            key: par[0],
            host: "par-sbs",
            silent: |d| (26..35).contains(&d),
        },
        Machine {
            label: "ImageManager, daily",
            key: im[0],
            host: "contoso-im",
            silent: |_| false,
        },
        Machine {
            label: "customer name typed differently",
            key: ber[2],
            host: "ber-ws09",
            silent: |_| false,
        },
    ];
    let editions = ["Server", "Server", "Desktop", "SBS", "IME", "Desktop"];
    for (m, edition) in machines.iter().zip(editions) {
        let customer = if m.host == "ber-ws09" {
            "Contoso GmbH"
        } else {
            "Contoso"
        };
        let msp = if m.host == "hq-backup" {
            "Northwind IT"
        } else {
            "Northwind IT Services"
        };
        let customer = if m.host == "hq-backup" {
            "Northwind (internal)"
        } else {
            customer
        };
        ledger.execute(
            LedgerCommand::Activate {
                key: m.key,
                machine: m.host.into(),
                msp_name: msp.into(),
                customer_name: customer.into(),
                computer_role: Some(m.label.into()),
                edition: Some(edition.into()),
            },
            day(0) + Duration::minutes(5),
        )?;
    }
    ledger.execute(
        LedgerCommand::SetLegacyStatus {
            key: legacy[0],
            active: true,
        },
        t0,
    )?;
    // The legacy licence sits on hq-backup, which was upgraded to SP MSP (hq[0]) and never
    // deactivated: the double-billing report below finds it.
    ledger.execute(
        LedgerCommand::SetLegacyMachine {
            key: legacy[0],
            machine: "hq-backup".into(),
        },
        t0,
    )?;

    println!("Keys generated on {}:", t0.format("%Y-%m-%d"));
    let rows = ledger
        .keys()
        .map(|k| {
            let p = catalog.get(k.product()).map(|p| p.name.clone());
            vec![k.to_string(), or_dash(p.as_deref()), k.serial().to_string()]
        })
        .collect();
    println!(
        "{}\n",
        table(&["product key", "product", "serial"], rows, &[2])
    );

    // --- 61 days of daily call-homes, with the MSP's clicks ---
    // ImageManager jobs on the IM key: (day, start?, type, job name, machine).
    let jobs = [
        (2, true, "intelligentFTP", "offsite-nightly", "ber-fs01"),
        (2, true, "ShadowStream", "stream-hq", "hq-backup"),
        (3, true, "ShadowStream", "stream-paris", "par-sbs"),
        (5, true, "HeadStart Restore", "standby-hq", "hq-backup"),
        (12, false, "intelligentFTP", "offsite-nightly", "ber-fs01"),
        (40, true, "ShadowStream", "stream-ber", "ber-ws09"),
    ];
    for d in 1..=61 {
        let morning = day(d);
        for (_, start, job_type, name, machine) in jobs.iter().filter(|j| j.0 == d) {
            let (key, job_type, job_name, machine) = (
                im[0],
                job_type.to_string(),
                name.to_string(),
                machine.to_string(),
            );
            let command = if *start {
                LedgerCommand::StartJob {
                    key,
                    job_type,
                    job_name,
                    machine,
                }
            } else {
                LedgerCommand::EndJob {
                    key,
                    job_type,
                    job_name,
                    machine,
                }
            };
            ledger.execute(command, morning + Duration::hours(2))?;
        }
        match d {
            20 => {
                ledger.execute(
                    LedgerCommand::Deactivate {
                        key: ber[1],
                        machine: None,
                    },
                    morning,
                )?;
            }
            25 => {
                ledger.execute(
                    LedgerCommand::Deactivate {
                        key: par[0],
                        machine: None,
                    },
                    morning,
                )?;
            }
            35 => {
                ledger.execute(
                    LedgerCommand::Reactivate {
                        key: par[0],
                        machine: None,
                    },
                    morning,
                )?;
            }
            _ => {}
        }
        for (i, m) in machines.iter().enumerate() {
            if (m.silent)(d) {
                continue;
            }
            // Each machine calls home at its own minute past ten.
            let at = morning + Duration::hours(1) + Duration::minutes(7 * i as i64);
            ledger.execute(
                LedgerCommand::CallHome {
                    key: m.key,
                    machine: m.host.into(),
                },
                at,
            )?;
        }
        if [18, 25, 45].contains(&d) {
            let when = morning + Duration::hours(12);
            let snapshot: Vec<KeyStatus> = [ber[0], ber[1], par[0]]
                .iter()
                .filter_map(|k| ledger.status(k, when).ok())
                .collect();
            print_statuses(
                &format!("day {d}: {}", when.format("%Y-%m-%d %H:%M UTC")),
                &snapshot,
            );
        }
    }

    let end = day(61) + Duration::hours(12);
    print_statuses(
        &format!("Key status on {}", end.format("%Y-%m-%d %H:%M UTC")),
        &ledger.statuses(end),
    );

    println!("\n== Activation history of {} (par-sbs) ==", par[0]);
    let mut rows = Vec::new();
    for h in ledger.history(&par[0], end)? {
        let what = match h.kind {
            HistoryKind::Generated => "generated",
            HistoryKind::Moved => "moved",
            HistoryKind::Activated => "activated",
            HistoryKind::FirstCallHome => "first call-home",
            HistoryKind::LastCallHome => "last call-home",
            HistoryKind::DeactivationRequested => "deactivation requested",
            HistoryKind::DeactivationCancelled => "deactivation cancelled",
            HistoryKind::Deactivated => "deactivated",
            HistoryKind::Lapsed => "lapsed (no call-home for 30 days)",
            HistoryKind::Reactivated => "reactivated",
            HistoryKind::LegacyActive => "legacy: active",
            HistoryKind::LegacyDeactivated => "legacy: deactivated",
            HistoryKind::LegacyMachine => "legacy: installed on",
            HistoryKind::JobStarted => "job started",
            HistoryKind::JobEnded => "job ended",
        };
        rows.push(vec![
            h.at.format("%Y-%m-%d %H:%M").to_string(),
            what.to_string(),
            or_dash(h.machine.as_deref()),
            or_dash(h.detail.as_deref()),
        ]);
    }
    println!(
        "{}",
        table(&["when (UTC)", "what", "machine", "detail"], rows, &[])
    );

    let im_status = ledger.status(&im[0], end)?;
    println!("\n== ImageManager job licences of {} ==", im[0]);
    let rows = im_status
        .jobs
        .iter()
        .map(|j| {
            let running: Vec<String> = j
                .running
                .iter()
                .map(|r| format!("{} ({})", r.job_name, r.machine))
                .collect();
            vec![
                j.job_type.clone(),
                j.in_use.to_string(),
                j.licences.to_string(),
                or_dash(Some(&running.join(", "))),
            ]
        })
        .collect();
    println!(
        "{}",
        table(
            &["job type", "in use", "licences", "running"],
            rows,
            &[1, 2]
        )
    );

    let names = ledger.name_consistency();
    println!("\n== Name consistency ==");
    println!(
        "MSP name used by most keys: {}",
        or_dash(names.msp_name.as_deref())
    );
    let rows = names
        .msp_mismatches
        .iter()
        .map(|m| ("MSP name", m))
        .chain(
            names
                .customer_mismatches
                .iter()
                .map(|m| ("customer name", m)),
        )
        .map(|(what, m)| {
            vec![
                what.to_string(),
                m.key.to_string(),
                m.machine.clone(),
                m.account.clone(),
                m.found.clone(),
                m.expected.clone(),
            ]
        })
        .collect();
    println!(
        "{}",
        table(
            &[
                "name",
                "product key",
                "machine",
                "account",
                "found",
                "expected"
            ],
            rows,
            &[],
        )
    );

    // --- Checking typed keys ---
    println!("\n== Checking keys ==");
    let good = spare[0].to_string();
    let mut swapped: Vec<char> = good.chars().collect();
    let at = (0..swapped.len() - 1)
        .find(|&i| swapped[i] != '-' && swapped[i + 1] != '-' && swapped[i] != swapped[i + 1])
        .unwrap_or(0);
    swapped.swap(at, at + 1);
    let swapped: String = swapped.into_iter().collect();
    let forger = Issuer::new(0, b"someone else's secret, 32 bytes.")?;
    let forged = forger.generate(presets::SHADOWPROTECT_MSP, 7)?.to_string();
    let mut rows = Vec::new();
    for (label, text) in [
        ("unused key", good.as_str()),
        (
            "lower case, no dashes",
            &good.to_lowercase().replace('-', ""),
        ),
        ("two symbols swapped", swapped.as_str()),
        ("a 'U' typed", "8A0X-U000-0000-0000"),
        ("forged", forged.as_str()),
        ("silent machine's key", &ber[0].to_string()),
    ] {
        let public = check_key(&catalog, text);
        let full = ledger.validate(&issuer, text, end);
        rows.push(vec![
            label.to_string(),
            text.to_string(),
            public.code.as_str().to_string(),
            full.code.as_str().to_string(),
            full.detail,
        ]);
    }
    println!(
        "{}",
        table(
            &["what", "typed", "public check", "ledger check", "detail"],
            rows,
            &[]
        )
    );

    // --- Billing Detail of the last full month ---
    let prices = keyledger_examples::demo_prices("USD")?;
    let october = Month::new(2026, 10)?;
    let report = BillingDetail::build(
        &ledger.licence_histories(end),
        &catalog,
        october,
        &keyledger::billing::Zone::utc(),
        &prices,
    )?;
    println!();
    println!("{report}");

    // --- Machines billed twice: a legacy licence left active after the upgrade to SP MSP ---
    let double = DoubleBilling::build(
        &ledger.licence_histories(end),
        &catalog,
        october,
        &keyledger::billing::Zone::utc(),
        &prices,
    )?;
    println!();
    println!("{double}");
    Ok(())
}
