//! The seed's story of a backup subscription sold through a hosting control panel: a subscription
//! bought with limits, users and licences added, sync switched on, a group made, an upgrade, a
//! failed over-assignment, a second purchase held for its email, and the reseller view.
//!
//! Run with `cargo run -p keyledger-examples --example quota`.

use chrono::{TimeZone, Utc};
use keyledger::quota::{
    LicenceType, Limits, QuotaBook, QuotaCommand, QuotaEvent, QuotaEventKind, SaleModel,
};

/// Executes a command and keeps its events in the log the caller would store.
fn run(
    book: &mut QuotaBook,
    log: &mut Vec<QuotaEvent>,
    now: chrono::DateTime<Utc>,
    command: QuotaCommand,
) -> Result<(), keyledger::Error> {
    log.extend(book.execute(command, now)?);
    Ok(())
}

/// What the latest event that has it says (the id of what a command created).
fn latest<T>(log: &[QuotaEvent], what: impl Fn(&QuotaEventKind) -> Option<T>) -> Option<T> {
    log.iter().rev().find_map(|e| what(&e.kind))
}

fn main() -> Result<(), keyledger::Error> {
    // The caller reads the clock; the library only receives `now`.
    let now = Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).single().ok_or(
        keyledger::quota::QuotaError::InvalidField {
            field: "now".into(),
            reason: "is ambiguous".into(),
        },
    )?;
    let mut book = QuotaBook::new();
    let mut log = Vec::new();

    println!("== A direct-sale subscription: 10 desktop + 10 server licences, 100 GB each, sync offered ==");
    run(
        &mut book,
        &mut log,
        now,
        QuotaCommand::CreateSubscription {
            subscription: "mozy-1000017".into(),
            company: "John Doe".into(),
            admin_name: "John Doe".into(),
            email: "johndoe@sofcloudit.com".into(),
            model: SaleModel::Direct,
            limits: Limits::seats_and_gb(10, 100, 10, 100).with_sync(2),
        },
    )?;
    print!("{}", book.account_view("mozy-1000017")?.text());

    println!("\n== Create New User with a 10 GB desktop licence, then a 40 GB server licence ==");
    run(
        &mut book,
        &mut log,
        now,
        QuotaCommand::CreateUser {
            subscription: "mozy-1000017".into(),
            login: "firstuser@myservice.com".into(),
            display_name: "First user".into(),
            group: None,
            licence: Some((LicenceType::Desktop, 10)),
        },
    )?;
    // The desktop licence's id, as its event says (the book gives ids: never guess them).
    let desktop = latest(&log, |k| match k {
        QuotaEventKind::LicenceAssigned { licence, .. } => Some(*licence),
        _ => None,
    })
    .ok_or(keyledger::quota::QuotaError::InvalidField {
        field: "licence".into(),
        reason: "was not assigned".into(),
    })?;
    run(
        &mut book,
        &mut log,
        now,
        QuotaCommand::AssignLicence {
            subscription: "mozy-1000017".into(),
            login: "firstuser@myservice.com".into(),
            kind: LicenceType::Server,
            quota_gb: 40,
        },
    )?;
    // The service reports usage and an activation.
    run(
        &mut book,
        &mut log,
        now,
        QuotaCommand::RecordUsage {
            subscription: "mozy-1000017".into(),
            licence: desktop,
            used_gb: 4,
        },
    )?;
    run(
        &mut book,
        &mut log,
        now,
        QuotaCommand::RecordActivation {
            subscription: "mozy-1000017".into(),
            licence: desktop,
            activated: true,
        },
    )?;

    println!("\n== Enable Sync for the subscription, then for the user ==");
    run(
        &mut book,
        &mut log,
        now,
        QuotaCommand::SetSubscriptionSync {
            subscription: "mozy-1000017".into(),
            enabled: true,
        },
    )?;
    run(
        &mut book,
        &mut log,
        now,
        QuotaCommand::SetUserSync {
            subscription: "mozy-1000017".into(),
            login: "firstuser@myservice.com".into(),
            enabled: true,
        },
    )?;

    println!("== Add New Group \"Sales\" and move the user to it ==");
    run(
        &mut book,
        &mut log,
        now,
        QuotaCommand::CreateGroup {
            subscription: "mozy-1000017".into(),
            name: "Sales".into(),
        },
    )?;
    let sales = latest(&log, |k| match k {
        QuotaEventKind::GroupCreated { group, .. } => Some(*group),
        _ => None,
    })
    .unwrap_or(keyledger::quota::DEFAULT_GROUP);
    run(
        &mut book,
        &mut log,
        now,
        QuotaCommand::MoveUser {
            subscription: "mozy-1000017".into(),
            login: "firstuser@myservice.com".into(),
            group: sales,
        },
    )?;
    print!("{}", book.account_view("mozy-1000017")?.text());

    println!("\n== Over-assignment: 70 GB more server quota (40 of 100 in use) ==");
    let over = QuotaCommand::AssignLicence {
        subscription: "mozy-1000017".into(),
        login: "firstuser@myservice.com".into(),
        kind: LicenceType::Server,
        quota_gb: 70,
    };
    match book.execute(over.clone(), now) {
        Err(e) => println!("refused [{}]: {e}", e.code()),
        Ok(_) => println!("unexpectedly accepted"),
    }

    println!(
        "\n== Buy Additional Resources: server quota 100 → 200 GB; the same request now fits =="
    );
    run(
        &mut book,
        &mut log,
        now,
        QuotaCommand::ChangeLimits {
            subscription: "mozy-1000017".into(),
            limits: Limits::seats_and_gb(10, 100, 10, 200).with_sync(2),
        },
    )?;
    run(&mut book, &mut log, now, over)?;
    let server = book.account_view("mozy-1000017")?.server;
    println!(
        "server: {} licences, {} / {} GB assigned",
        server.assigned_licences,
        server.assigned_gb,
        server
            .gb_limit
            .map_or("unlimited".to_string(), |l| l.to_string())
    );
    match book.execute(
        QuotaCommand::ChangeLimits {
            subscription: "mozy-1000017".into(),
            limits: Limits::seats_and_gb(10, 100, 10, 100).with_sync(2),
        },
        now,
    ) {
        Err(e) => println!("downgrade refused [{}]: {e}", e.code()),
        Ok(_) => println!("unexpectedly accepted"),
    }

    println!("\n== A second purchase with an email already in use is held ==");
    run(
        &mut book,
        &mut log,
        now,
        QuotaCommand::CreateSubscription {
            subscription: "mozy-1000018".into(),
            company: "John Doe".into(),
            admin_name: "John Doe".into(),
            email: "JohnDoe@sofcloudit.com".into(),
            model: SaleModel::Direct,
            limits: Limits::seats_and_gb(5, 50, 0, 0),
        },
    )?;
    if let Some(n) = book.account_view("mozy-1000018")?.notice {
        println!("{n}");
    }
    run(
        &mut book,
        &mut log,
        now,
        QuotaCommand::AssignAdmin {
            subscription: "mozy-1000018".into(),
            admin_name: "Customer 002".into(),
            email: "customer002@dominio.com".into(),
        },
    )?;
    println!(
        "provisioned under {:?}",
        book.account_view("mozy-1000018")?.admin
    );

    println!("\n== Reseller view ==");
    run(
        &mut book,
        &mut log,
        now,
        QuotaCommand::RegisterReseller {
            reseller: "reseller-1".into(),
            name: "Reseller Mozy Test".into(),
            email: "resellermozy@sofcloudit.com".into(),
        },
    )?;
    run(
        &mut book,
        &mut log,
        now,
        QuotaCommand::CreateSubscription {
            subscription: "mozy-2000001".into(),
            company: "John Smith Doe".into(),
            admin_name: "John Smith Doe".into(),
            email: "johnsmithdoe@sofcloudit.com".into(),
            model: SaleModel::Reseller("reseller-1".into()),
            limits: Limits::seats_and_gb(10, 100, 10, 100),
        },
    )?;
    print!("{}", book.reseller_view("reseller-1")?.text());

    println!("\n== The reseller cancels: its customer's subscription stops (not cancelled) ==");
    run(
        &mut book,
        &mut log,
        now,
        QuotaCommand::CancelReseller {
            reseller: "reseller-1".into(),
        },
    )?;
    print!("{}", book.reseller_view("reseller-1")?.text());

    println!("\n== Refresh Resources, replay and JSON ==");
    let report = book.refresh_report("mozy-1000017")?;
    println!("drift found: {}", report.drift.len());
    let replayed = QuotaBook::replay(&log)?;
    println!(
        "replay of {} events equals the book: {}",
        log.len(),
        replayed == book
    );
    let text = book.to_json()?;
    println!(
        "stored JSON: {} bytes, reads back equal: {}",
        text.len(),
        QuotaBook::from_json(&text)? == book
    );
    Ok(())
}
