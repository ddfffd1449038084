//! Issue 20, told as the seed's stories: the decisions at the edges (a late call-home to a
//! deactivated product, a past month after a move, a lapsed activation and a late call-home, legacy
//! keys at an instant), ImageManager job licences (the 51st job), and the Billing Detail's layout.
//!
//! Every test here failed on the code before issue 20 (see the report of that work); the ImageManager
//! job story goes through the commands' JSON form, so that it could be written (and fail) before the
//! commands existed.

use chrono::{DateTime, Duration, TimeZone, Utc};
use keyledger::billing::{
    ActivationReport, ActivationSortKey, BillingDetail, BillingRule, Month, PriceList,
};
use keyledger::catalog::presets;
use keyledger::key::{Issuer, ProductKey};
use keyledger::licence::{CallHomeDecision, Ledger, LedgerCommand};
use keyledger::lifecycle::{LicenceState, LifecyclePolicy};
use keyledger::org::{AccountId, Container};
use rust_decimal::Decimal;
use serde_json::{json, Value};

const SECRET: &[u8] = b"edges test secret, 32 bytes.....";

/// 1 October 2026, 09:00 UTC.
fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, 1, 9, 0, 0).unwrap()
}

fn day(n: i64) -> DateTime<Utc> {
    t0() + Duration::days(n)
}

fn ledger() -> Ledger {
    Ledger::new(presets::storagecraft(), LifecyclePolicy::default())
}

fn issuer() -> Issuer {
    Issuer::new(0, SECRET).unwrap()
}

fn keys(
    l: &mut Ledger,
    product: keyledger::catalog::ProductId,
    n: u32,
    c: Container,
    at: DateTime<Utc>,
) -> Vec<ProductKey> {
    l.generate_keys(&issuer(), product, n, c, at).unwrap().keys
}

fn activate(key: ProductKey, machine: &str, edition: &str) -> LedgerCommand {
    LedgerCommand::Activate {
        key,
        machine: machine.into(),
        msp_name: "Northwind IT Services".into(),
        customer_name: "Acme".into(),
        computer_role: None,
        edition: Some(edition.into()),
    }
}

fn call(key: ProductKey, machine: &str) -> LedgerCommand {
    LedgerCommand::CallHome {
        key,
        machine: machine.into(),
    }
}

fn prices(rule: BillingRule) -> PriceList {
    let mut p = PriceList::new("USD", rule).unwrap();
    for e in ["Server", "SBS", "Desktop"] {
        p.set_price(presets::SHADOWPROTECT_MSP, Some(e), Decimal::new(2500, 2));
    }
    p.set_price(presets::IMAGEMANAGER, Some("IME"), Decimal::new(1250, 2));
    p
}

fn october() -> Month {
    Month::new(2026, 10).unwrap()
}

fn november() -> Month {
    Month::new(2026, 11).unwrap()
}

// ----- 1. Answers follow the latest knowledge -----

/// The deactivated product: activated, called home daily, deactivated by the MSP on day 6, the
/// deactivation finalised at the day-7 call-home. Then a call-home stamped between the click and
/// the finalisation is delivered: the product must hear "deactivated", not "run".
#[test]
fn a_late_call_home_never_tells_a_deactivated_product_to_run() {
    let mut l = ledger();
    let key = keys(
        &mut l,
        presets::SHADOWPROTECT_MSP,
        1,
        Container::Account(AccountId::DEFAULT),
        t0(),
    )[0];
    l.execute(activate(key, "srv-01", "Server"), t0()).unwrap();
    for d in 1..=5 {
        l.execute(call(key, "srv-01"), day(d)).unwrap();
    }
    l.execute(LedgerCommand::Deactivate { key, machine: None }, day(6))
        .unwrap();
    let fin = l.execute(call(key, "srv-01"), day(7)).unwrap();
    assert_eq!(fin.decision, Some(CallHomeDecision::Deactivated));
    assert_eq!(
        l.status(&key, day(7)).unwrap().state,
        LicenceState::Deactivated
    );

    // Stamped after the click, before the finalisation, delivered now.
    let late = l
        .execute(call(key, "srv-01"), day(6) + Duration::hours(3))
        .unwrap();
    assert_eq!(late.decision, Some(CallHomeDecision::Deactivated));
    // Stamped before the click: still deactivated, whatever its stamp.
    let older = l
        .execute(call(key, "srv-01"), day(5) + Duration::hours(3))
        .unwrap();
    assert_eq!(older.decision, Some(CallHomeDecision::Deactivated));
    // And the ledger still says so afterwards.
    for at in [day(7), day(8), day(40)] {
        assert_eq!(
            l.status(&key, at).unwrap().state,
            LicenceState::Deactivated,
            "{at}"
        );
    }
}

/// The same class of mistake in the other commands: a command stamped in the past is decided
/// against everything the ledger knows, not against a view of the ledger at its stamp.
#[test]
fn every_command_is_decided_from_the_latest_knowledge() {
    let mut l = ledger();
    let key = keys(
        &mut l,
        presets::SHADOWPROTECT_MSP,
        1,
        Container::Account(AccountId::DEFAULT),
        t0(),
    )[0];
    // The key's one licence is taken by srv-01 on day 10 and stays in use.
    l.execute(activate(key, "srv-01", "Server"), day(10))
        .unwrap();
    for d in 11..=15 {
        l.execute(call(key, "srv-01"), day(d)).unwrap();
    }
    // An activation of another machine stamped day 5 arrives now: the one licence is in use.
    let e = l
        .execute(activate(key, "srv-02", "Server"), day(5))
        .unwrap_err();
    assert_eq!(e.code(), "licence.licence_limit");
    assert_eq!(l.status(&key, day(15)).unwrap().licences_in_use, 1);

    // Deactivated and finalised on day 16/17; a Deactivate stamped day 16 + 1 h, delivered
    // afterwards, has nothing left to deactivate.
    l.execute(LedgerCommand::Deactivate { key, machine: None }, day(16))
        .unwrap();
    l.execute(call(key, "srv-01"), day(17)).unwrap();
    let e = l
        .execute(
            LedgerCommand::Deactivate { key, machine: None },
            day(16) + Duration::hours(1),
        )
        .unwrap_err();
    assert_eq!(e.code(), "licence.nothing_to_deactivate");
    let h = l.history(&key, day(30)).unwrap();
    let requests = h
        .iter()
        .filter(|e| e.kind == keyledger::licence::HistoryKind::DeactivationRequested)
        .count();
    assert_eq!(requests, 1, "{h:?}");
}

/// An offline certificate asked with an old `now` is not signed for a licence deactivated since.
#[test]
fn no_certificate_for_a_licence_deactivated_since() {
    use keyledger::licence::offline::CertificateIssuer;
    let mut l = ledger();
    let key = keys(
        &mut l,
        presets::SHADOWPROTECT_MSP,
        1,
        Container::Account(AccountId::DEFAULT),
        t0(),
    )[0];
    l.execute(activate(key, "srv-01", "Server"), t0()).unwrap();
    let signer = CertificateIssuer::new(1, &[9; 32]);
    assert!(l
        .issue_certificate(&signer, &key, "srv-01", day(1), 86_400, 1)
        .is_ok());
    l.execute(LedgerCommand::Deactivate { key, machine: None }, day(2))
        .unwrap();
    l.execute(call(key, "srv-01"), day(3)).unwrap();
    let e = l
        .issue_certificate(&signer, &key, "srv-01", day(1), 86_400, 2)
        .unwrap_err();
    assert_eq!(e.code(), "licence.not_activated");
}

// ----- 2. Moves are facts with instants -----

struct Moved {
    l: Ledger,
    key: ProductKey,
}

/// Acme's key, activated on 1 October and calling home daily until 31 December.
fn acme_and_beta(move_at: DateTime<Utc>) -> Moved {
    let mut l = ledger();
    l.execute(
        LedgerCommand::CreateAccount {
            name: "Acme".into(),
            address: None,
            notes: None,
        },
        t0(),
    )
    .unwrap();
    l.execute(
        LedgerCommand::CreateAccount {
            name: "Beta".into(),
            address: None,
            notes: None,
        },
        t0(),
    )
    .unwrap();
    let key = keys(
        &mut l,
        presets::SHADOWPROTECT_MSP,
        1,
        Container::Account(AccountId(1)),
        t0(),
    )[0];
    l.execute(activate(key, "acme-fs", "Server"), t0()).unwrap();
    let mut moved = false;
    for d in 1..=91 {
        if !moved && day(d) > move_at {
            l.execute(
                LedgerCommand::MoveKey {
                    key,
                    to: Container::Account(AccountId(2)),
                },
                move_at,
            )
            .unwrap();
            moved = true;
        }
        l.execute(call(key, "acme-fs"), day(d)).unwrap();
    }
    Moved { l, key }
}

fn billed_to(m: &Moved, month: Month) -> String {
    let r = BillingDetail::build(
        &m.l.licence_histories(day(92)),
        m.l.catalog(),
        month,
        &keyledger::billing::Zone::utc(),
        &prices(BillingRule::STORAGECRAFT),
    )
    .unwrap();
    let row = r.tables[0].rows.iter().find(|r| r.key == m.key).unwrap();
    assert!(row.billable);
    assert_eq!(r.lines.len(), 1);
    assert_eq!(r.lines[0].account, row.account);
    row.account.clone()
}

/// The move between months: October billed to Acme; the key moves to Beta in December;
/// October regenerated is still Acme's, and its Activation Report still says Acme.
#[test]
fn a_past_month_stays_with_the_customer_that_held_the_key() {
    let m = acme_and_beta(Utc.with_ymd_and_hms(2026, 12, 5, 8, 0, 0).unwrap());
    assert_eq!(billed_to(&m, october()), "Acme");
    assert_eq!(billed_to(&m, november()), "Acme");
    assert_eq!(billed_to(&m, Month::new(2026, 12).unwrap()), "Beta");
    let a = ActivationReport::build(
        &m.l.licence_histories(day(92)),
        m.l.catalog(),
        october().first_day(),
        october().first_day() + Duration::days(30),
        &keyledger::billing::Zone::utc(),
        &[],
        &ActivationSortKey::DEFAULT,
    )
    .unwrap();
    assert_eq!(a.rows.len(), 1);
    assert_eq!(a.rows[0].account, "Acme");
    // The key's status today is Beta's, and its history shows the move.
    assert_eq!(m.l.status(&m.key, day(92)).unwrap().account, "Beta");
}

/// A move inside a month (decided in docs/decisions/ledger.md): the month goes to the container
/// the key was in at the last instant of the month at which the licence was billable. Moved on
/// 20 November while in use: November is Beta's, October Acme's.
#[test]
fn a_move_inside_a_month_while_in_use_bills_that_month_to_the_new_container() {
    let m = acme_and_beta(Utc.with_ymd_and_hms(2026, 11, 20, 8, 0, 0).unwrap());
    assert_eq!(billed_to(&m, october()), "Acme");
    assert_eq!(billed_to(&m, november()), "Beta");
}

/// The other side of the rule: the licence ended on 10 November in Acme's hands and the key was
/// moved to Beta on 20 November; November is Acme's (Beta never used it).
#[test]
fn a_move_inside_a_month_after_the_licence_ended_leaves_that_month_with_the_old_container() {
    let mut l = ledger();
    for name in ["Acme", "Beta"] {
        l.execute(
            LedgerCommand::CreateAccount {
                name: name.into(),
                address: None,
                notes: None,
            },
            t0(),
        )
        .unwrap();
    }
    let key = keys(
        &mut l,
        presets::SHADOWPROTECT_MSP,
        1,
        Container::Account(AccountId(1)),
        t0(),
    )[0];
    l.execute(activate(key, "acme-fs", "Server"), t0()).unwrap();
    for d in 1..=40 {
        l.execute(call(key, "acme-fs"), day(d)).unwrap();
    }
    let nov = |d| Utc.with_ymd_and_hms(2026, 11, d, 12, 0, 0).unwrap();
    l.execute(LedgerCommand::Deactivate { key, machine: None }, nov(10))
        .unwrap();
    l.execute(call(key, "acme-fs"), nov(10) + Duration::hours(1))
        .unwrap();
    l.execute(
        LedgerCommand::MoveKey {
            key,
            to: Container::Account(AccountId(2)),
        },
        nov(20),
    )
    .unwrap();
    let m = Moved { l, key };
    // Any-day rule: the licence was billable 1–10 November.
    let r = BillingDetail::build(
        &m.l.licence_histories(day(92)),
        m.l.catalog(),
        november(),
        &keyledger::billing::Zone::utc(),
        &prices(BillingRule::AnyDay),
    )
    .unwrap();
    let row = r.tables[0].rows.iter().find(|r| r.key == key).unwrap();
    assert!(row.billable);
    assert_eq!(row.account, "Acme");
    assert_eq!(r.lines[0].account, "Acme");
}

// ----- 3. A lapsed activation and a call-home delivered late -----

/// Activated on 1 October, silent; lapsed on 31 October (30 days). Meanwhile the console keeps
/// hearing from another machine, so the ledger knows it is November. A call-home stamped 21
/// October is delivered in November: the activation stays lapsed (docs/decisions/ledger.md), the
/// product is told it is deactivated, and October, already reported, does not change.
#[test]
fn a_call_home_delivered_after_the_lapse_does_not_revive_the_activation() {
    let mut l = ledger();
    let ks = keys(
        &mut l,
        presets::SHADOWPROTECT_MSP,
        2,
        Container::Account(AccountId::DEFAULT),
        t0(),
    );
    let (silent, busy) = (ks[0], ks[1]);
    l.execute(activate(silent, "quiet-01", "Server"), t0())
        .unwrap();
    l.execute(activate(busy, "busy-01", "Server"), t0())
        .unwrap();
    for d in 1..=31 {
        l.execute(call(busy, "busy-01"), day(d)).unwrap();
    }
    assert_eq!(
        l.status(&silent, day(31)).unwrap().state,
        LicenceState::Deactivated
    );
    let october_report = BillingDetail::build(
        &l.licence_histories(day(31)),
        l.catalog(),
        october(),
        &keyledger::billing::Zone::utc(),
        &prices(BillingRule::AnyDay),
    )
    .unwrap();

    let late = l.execute(call(silent, "quiet-01"), day(20)).unwrap();
    assert_eq!(late.decision, Some(CallHomeDecision::Deactivated));
    assert_eq!(
        l.status(&silent, day(31)).unwrap().state,
        LicenceState::Deactivated
    );
    assert_eq!(l.status(&silent, day(31)).unwrap().licences_in_use, 0);

    let again = october_report
        .recompute(
            &l.licence_histories(day(31)),
            l.catalog(),
            &prices(BillingRule::AnyDay),
        )
        .unwrap();
    assert!(again.diff.is_empty(), "{:?}", again.diff);
}

// ----- 4. Legacy keys at an instant -----

/// A legacy key set Active at T and Deactivated at T+500d: a status query at an instant answers
/// for that instant, as the licence histories do.
#[test]
fn a_legacy_key_answers_for_the_instant_asked() {
    let mut l = ledger();
    let key = keys(
        &mut l,
        presets::LEGACY_SHADOWPROTECT,
        1,
        Container::Account(AccountId::DEFAULT),
        t0(),
    )[0];
    l.execute(LedgerCommand::SetLegacyStatus { key, active: true }, day(1))
        .unwrap();
    l.execute(
        LedgerCommand::SetLegacyStatus { key, active: false },
        day(500),
    )
    .unwrap();
    let at = |d: i64| l.status(&key, day(d)).unwrap().state;
    assert_eq!(at(0), LicenceState::Unactivated);
    assert_eq!(at(2), LicenceState::Active);
    assert_eq!(at(499), LicenceState::Active);
    assert_eq!(at(500), LicenceState::Deactivated);
    assert_eq!(at(501), LicenceState::Deactivated);
    // The history agrees.
    let h = l.licence_histories(day(499));
    let legacy = h.iter().find(|h| h.key == key).unwrap();
    assert_eq!(legacy.spans.last().unwrap().state, LicenceState::Active);
    // And so does the key check against the ledger.
    let check = l.validate(&issuer(), &key.to_string(), day(499));
    assert!(check.usable, "{check:?}");
}

// ----- 8. ImageManager job licences -----

fn command(v: Value) -> Result<LedgerCommand, serde_json::Error> {
    serde_json::from_value(v)
}

fn start_job(key: ProductKey, job_type: &str, name: &str, machine: &str) -> Value {
    json!({"type": "start_job", "key": key.to_string(), "job_type": job_type,
           "job_name": name, "machine": machine})
}

/// "Each product key contains 50 licenses for each type of ImageManager job (intelligentFTP,
/// ShadowStream, HeadStart Restore)": 50 ShadowStream jobs run; the 51st is refused with the
/// numbers; an intelligentFTP job still starts; ending one ShadowStream job makes room again.
#[test]
fn the_51st_job_of_a_type_is_refused_while_other_types_have_room() {
    let mut l = ledger();
    let im = keys(
        &mut l,
        presets::IMAGEMANAGER,
        1,
        Container::Account(AccountId::DEFAULT),
        t0(),
    )[0];
    l.execute(activate(im, "im-01", "IME"), t0()).unwrap();
    let start = command(start_job(im, "ShadowStream", "stream-1", "srv-01"))
        .expect("the ledger has a start_job command");
    let mut log = l.execute(start, day(1)).unwrap().events;
    for n in 2..=50 {
        let c = command(start_job(
            im,
            "ShadowStream",
            &format!("stream-{n}"),
            &format!("srv-{n:02}"),
        ))
        .unwrap();
        log.extend(l.execute(c, day(1)).unwrap().events);
    }
    let c = command(start_job(im, "ShadowStream", "stream-51", "srv-51")).unwrap();
    let e = l.execute(c, day(1)).unwrap_err();
    assert_eq!(e.code(), "licence.job_limit");
    let text = e.to_string();
    assert!(
        text.contains("50") && text.contains("ShadowStream"),
        "{text}"
    );
    let ftp = command(start_job(im, "intelligentFTP", "offsite", "srv-01")).unwrap();
    l.execute(ftp, day(1)).unwrap();

    // Status shows jobs in use per type.
    let status = serde_json::to_value(l.status(&im, day(2)).unwrap()).unwrap();
    let jobs = status["jobs"]
        .as_array()
        .expect("status lists jobs per type");
    let in_use = |t: &str| {
        jobs.iter().find(|j| j["job_type"] == t).map(|j| {
            (
                j["in_use"].as_u64().unwrap(),
                j["licences"].as_u64().unwrap(),
            )
        })
    };
    assert_eq!(in_use("ShadowStream"), Some((50, 50)));
    assert_eq!(in_use("intelligentFTP"), Some((1, 50)));
    assert_eq!(in_use("HeadStart Restore"), Some((0, 50)));

    // End one; the 51st now starts.
    let end = command(
        json!({"type": "end_job", "key": im.to_string(), "job_type": "ShadowStream",
                              "job_name": "stream-7", "machine": "srv-07"}),
    )
    .unwrap();
    l.execute(end, day(3)).unwrap();
    let c = command(start_job(im, "ShadowStream", "stream-51", "srv-51")).unwrap();
    l.execute(c, day(3)).unwrap();

    // History lists the job events.
    let h = serde_json::to_value(l.history(&im, day(4)).unwrap()).unwrap();
    let kinds: Vec<&str> = h
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert_eq!(kinds.iter().filter(|k| **k == "job_started").count(), 52);
    assert_eq!(kinds.iter().filter(|k| **k == "job_ended").count(), 1);

    // Replay from the events gives the same ledger, and JSON round-trips it.
    let again = Ledger::from_json(&l.to_json().unwrap()).unwrap();
    assert_eq!(again, l);

    // The Billing Detail's ImageManager table shows jobs in use per type.
    let r = BillingDetail::build(
        &l.licence_histories(day(5)),
        l.catalog(),
        october(),
        &keyledger::billing::Zone::utc(),
        &prices(BillingRule::AnyDay),
    )
    .unwrap();
    let t = serde_json::to_value(&r.tables[1]).unwrap();
    let row = &t["rows"][0];
    assert_eq!(row["jobs"]["ShadowStream"], 50, "{row}");
    assert_eq!(row["jobs"]["intelligentFTP"], 1, "{row}");
    assert!(r.to_string().contains("ShadowStream 50"), "{r}");
}

/// Jobs on a key that is not an ImageManager key, of an unknown type, or ended twice are refused
/// with typed errors, and the ledger is untouched.
#[test]
fn job_commands_refuse_bad_input_and_leave_the_ledger_untouched() {
    let mut l = ledger();
    let sp = keys(
        &mut l,
        presets::SHADOWPROTECT_MSP,
        1,
        Container::Account(AccountId::DEFAULT),
        t0(),
    )[0];
    let im = keys(
        &mut l,
        presets::IMAGEMANAGER,
        1,
        Container::Account(AccountId::DEFAULT),
        t0(),
    )[0];
    l.execute(activate(im, "im-01", "IME"), t0()).unwrap();
    let before = l.clone();
    let e = l
        .execute(
            command(start_job(sp, "ShadowStream", "a", "m")).unwrap(),
            day(1),
        )
        .unwrap_err();
    assert_eq!(e.code(), "licence.unknown_job_type");
    let e = l
        .execute(
            command(start_job(im, "Shadowstream", "a", "m")).unwrap(),
            day(1),
        )
        .unwrap_err();
    assert_eq!(e.code(), "licence.unknown_job_type");
    assert!(
        e.to_string().contains("ShadowStream"),
        "the message lists the types: {e}"
    );
    let end = json!({"type": "end_job", "key": im.to_string(), "job_type": "ShadowStream",
                     "job_name": "never", "machine": "m"});
    let e = l.execute(command(end).unwrap(), day(1)).unwrap_err();
    assert_eq!(e.code(), "licence.job_not_running");
    assert_eq!(l, before);
}

// ----- 10. The Billing Detail as a newcomer sees it -----

/// "Default Account" is longer than the old fixed column: every row of a table starts its
/// columns at the same character.
#[test]
fn billing_detail_columns_line_up_whatever_the_account_name() {
    let mut l = ledger();
    l.execute(
        LedgerCommand::CreateAccount {
            name: "Contoso".into(),
            address: None,
            notes: None,
        },
        t0(),
    )
    .unwrap();
    let a = keys(
        &mut l,
        presets::SHADOWPROTECT_MSP,
        1,
        Container::Account(AccountId(1)),
        t0(),
    )[0];
    let b = keys(
        &mut l,
        presets::SHADOWPROTECT_MSP,
        1,
        Container::Account(AccountId::DEFAULT),
        t0(),
    )[0];
    let _unused = keys(
        &mut l,
        presets::SHADOWPROTECT_MSP,
        1,
        Container::Account(AccountId::DEFAULT),
        t0(),
    )[0];
    l.execute(activate(a, "c-01", "Server"), t0()).unwrap();
    l.execute(activate(b, "a-much-longer-machine-name", "Desktop"), t0())
        .unwrap();
    let r = BillingDetail::build(
        &l.licence_histories(day(40)),
        l.catalog(),
        october(),
        &keyledger::billing::Zone::utc(),
        &prices(BillingRule::AnyDay),
    )
    .unwrap();
    let text = r.to_string();
    let rows: Vec<&str> = text
        .lines()
        .filter(|line| {
            let t = line.trim_start();
            t.len() > 19 && t[..19].parse::<ProductKey>().is_ok()
        })
        .collect();
    assert_eq!(rows.len(), 3, "{text}");
    // The column after the account starts at the same character on every row.
    let col = |line: &str, word: &str| line.find(word).unwrap();
    let site_starts: Vec<usize> = rows
        .iter()
        .map(|r| {
            let acct = if r.contains("Contoso") {
                "Contoso"
            } else {
                "Default Account"
            };
            let after = col(r, acct) + acct.len();
            after + r[after..].find(|c: char| c != ' ').unwrap()
        })
        .collect();
    assert!(site_starts.windows(2).all(|w| w[0] == w[1]), "{text}");
    // The unactivated key shows '-' for edition and machine, not a product name.
    let unused = rows.iter().find(|r| r.contains("not billable")).unwrap();
    assert!(!unused.contains("ShadowProtect for MSP"), "{unused}");
    assert!(unused.contains(" - "), "{unused}");
}

// ----- Invariants -----

mod properties {
    use super::*;
    use keyledger::catalog::{Catalog, JobLicences, Product, ProductId};
    use proptest::prelude::*;

    const TYPES: [&str; 2] = ["ShadowStream", "intelligentFTP"];

    fn small_catalog() -> Catalog {
        let mut c = Catalog::new();
        let mut p = Product::subscription(ProductId::new(2).unwrap(), "ImageManager");
        p.editions = vec!["IME".into()];
        p.job_licences = TYPES
            .iter()
            .map(|t| JobLicences {
                job_type: (*t).into(),
                count: 3,
            })
            .collect();
        c.add(p).unwrap();
        c
    }

    proptest! {
        /// Whatever the order and stamps of job starts and ends: never more jobs of a type running
        /// than the key has licences of it, the counts the status shows are the successful starts
        /// minus the successful ends, and the event log replays to the same ledger.
        #[test]
        fn jobs_never_exceed_their_licences(ops in proptest::collection::vec((any::<bool>(), 0usize..2, 0u8..6, 0i64..20), 1..60)) {
            let mut l = Ledger::new(small_catalog(), LifecyclePolicy::default());
            let p = ProductId::new(2).unwrap();
            let g = l.generate_keys(&issuer(), p, 1, Container::Account(AccountId::DEFAULT), t0()).unwrap();
            let key = g.keys[0];
            let mut log = g.events;
            log.extend(l.execute(activate(key, "im", "IME"), t0()).unwrap().events);
            let mut running = [0u32; 2];
            for (start, t, name, d) in ops {
                let at = t0() + Duration::hours(d);
                // Keep the key in use: it calls home before each job command.
                if let Ok(o) = l.execute(call(key, "im"), at) { log.extend(o.events); }
                let (job_type, job_name, machine) = (TYPES[t].to_string(), format!("job-{name}"), "m".to_string());
                let c = if start {
                    LedgerCommand::StartJob { key, job_type, job_name, machine }
                } else {
                    LedgerCommand::EndJob { key, job_type, job_name, machine }
                };
                let before = l.clone();
                match l.execute(c, at) {
                    Ok(o) => {
                        prop_assert_eq!(o.events.len(), 1);
                        if start { running[t] += 1 } else { running[t] -= 1 }
                        log.extend(o.events);
                    }
                    Err(e) => {
                        prop_assert!(matches!(e.code(), "licence.job_limit" | "licence.job_already_running" | "licence.job_not_running"), "{}", e.code());
                        if e.code() == "licence.job_limit" { prop_assert_eq!(running[t], 3); }
                        prop_assert_eq!(&l, &before);
                    }
                }
                prop_assert!(running.iter().all(|r| *r <= 3));
            }
            let s = l.status(&key, t0() + Duration::days(30)).unwrap();
            for (i, t) in TYPES.iter().enumerate() {
                let u = s.jobs.iter().find(|j| j.job_type == *t).unwrap();
                prop_assert_eq!(u.in_use, running[i]);
                prop_assert_eq!(u.licences, 3);
            }
            let replayed = Ledger::replay(small_catalog(), LifecyclePolicy::default(), &log).unwrap();
            prop_assert_eq!(&replayed, &l);
            let events = Ledger::events_from_json(&Ledger::events_to_json(&log).unwrap()).unwrap();
            prop_assert_eq!(events, log);
        }

        /// Once a run is deactivated (finalised), every call-home answers "deactivated", whatever
        /// its stamp, and the key stays deactivated at every later instant.
        #[test]
        fn a_deactivated_run_stays_deactivated_whatever_the_stamps(stamps in proptest::collection::vec(-200i64..400, 1..20)) {
            let mut l = ledger();
            let key = keys(&mut l, presets::SHADOWPROTECT_MSP, 1, Container::Account(AccountId::DEFAULT), t0())[0];
            l.execute(activate(key, "srv-01", "Server"), t0()).unwrap();
            for d in 1..=5 { l.execute(call(key, "srv-01"), day(d)).unwrap(); }
            l.execute(LedgerCommand::Deactivate { key, machine: None }, day(6)).unwrap();
            l.execute(call(key, "srv-01"), day(7)).unwrap();
            for h in stamps {
                let at = day(7) + Duration::hours(h);
                if at < t0() { continue; }
                let o = l.execute(call(key, "srv-01"), at).unwrap();
                prop_assert_eq!(o.decision, Some(CallHomeDecision::Deactivated));
                prop_assert!(o.events.is_empty());
            }
            for d in [7, 8, 30, 90] {
                prop_assert_eq!(l.status(&key, day(d)).unwrap().state, LicenceState::Deactivated);
            }
        }
    }
}
