//! What the writer owns: one [`Ledger`] per MSP (the shard unit), the key → MSP index, and the
//! translation of requests into core commands. Every domain rule is the core's; this module only
//! routes a request to the right ledger, calls the core, and turns its answer or error into a
//! [`Resp`].

use chrono::{DateTime, NaiveDate, Utc};
use keyledger::billing::{
    ActivationReport, BillingDetail, BillingRule, DoubleBilling, Month, PriceList, Trends,
};
use keyledger::catalog::{presets, Catalog, ProductId};
use keyledger::key::{Issuer, ProductKey};
use keyledger::licence::offline::CertificateIssuer;
use keyledger::licence::{Ledger, LedgerCommand, LedgerEvent};
use keyledger::lifecycle::LifecyclePolicy;
use keyledger::org::{AccountId, Container};
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::HashMap;

/// An HTTP answer decided by the writer: status, content type and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resp {
    /// HTTP status.
    pub status: u16,
    /// `application/json` or `text/csv; charset=utf-8`.
    pub content_type: &'static str,
    /// The body.
    pub body: String,
}

impl Resp {
    /// A JSON answer.
    pub fn json(status: u16, v: &impl Serialize) -> Resp {
        match serde_json::to_string(v) {
            Ok(body) => Resp {
                status,
                content_type: "application/json",
                body,
            },
            Err(e) => Resp::error(500, "server.internal", &e.to_string(), Value::Null),
        }
    }

    /// A JSON error: `{"error": {"code", "message", "fields"}}`.
    pub fn error(status: u16, code: &str, message: &str, fields: Value) -> Resp {
        let fields = if fields.is_null() { json!({}) } else { fields };
        Resp {
            status,
            content_type: "application/json",
            body: json!({"error": {"code": code, "message": message, "fields": fields}})
                .to_string(),
        }
    }

    /// The answer for a core error: its stable code, message, fields and the HTTP status.
    pub fn core(e: &keyledger::Error) -> Resp {
        Resp::error(status_of(e.code()), e.code(), &e.to_string(), e.fields())
    }
}

/// HTTP status for a core error code: unknown things 404, conflicts with the state 409, the rest
/// (well-formed but unacceptable input) 422.
pub fn status_of(code: &str) -> u16 {
    match code {
        "licence.unknown_key"
        | "licence.unknown_licence"
        | "org.unknown_account"
        | "org.unknown_site"
        | "licence.not_activated" => 404,
        "licence.already_active"
        | "licence.licence_limit"
        | "licence.nothing_to_deactivate"
        | "licence.nothing_to_reactivate"
        | "licence.duplicate_key"
        | "licence.event_conflict"
        | "licence.event_gap"
        | "org.duplicate_name"
        | "org.not_empty"
        | "org.default_account"
        | "licence.job_limit"
        | "licence.job_already_running"
        | "licence.job_not_running"
        | "licence.key_not_in_use" => 409,
        // A key text that does not read as a key is a bad request; amounts are 422.
        "key.too_many" | "key.zero_keys" | "key.serial_range" => 422,
        c if c.starts_with("key.") => 400,
        _ => 422,
    }
}

/// One MSP's shard: its console token (hashed), key issuer and ledger.
pub struct Msp {
    /// Row id in the `msps` table.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// SHA-256 of the console token.
    pub token_hash: [u8; 32],
    /// The issuer secret of this MSP's keys.
    pub issuer_secret: [u8; 32],
    /// Issuer made from the secret.
    pub issuer: Issuer,
    /// The ledger.
    pub ledger: Ledger,
}

/// The writer's state.
pub struct World {
    /// The MSP shards, in id order.
    pub msps: Vec<Msp>,
    by_token: HashMap<[u8; 32], usize>,
    by_key: HashMap<ProductKey, usize>,
    /// Signs offline call-home certificates.
    pub signer: CertificateIssuer,
    /// Billing prices used by the reports.
    pub prices: PriceList,
}

/// The catalog and policy every shard uses.
pub fn catalog() -> Catalog {
    presets::storagecraft()
}

/// A fresh ledger for a new MSP.
pub fn new_ledger() -> Ledger {
    Ledger::new(catalog(), LifecyclePolicy::default())
}

/// An issuer for an MSP's secret (at most 1000 keys per request).
pub fn issuer(secret: &[u8; 32]) -> Result<Issuer, keyledger::Error> {
    let mut i = Issuer::new(0, secret)?;
    i.set_max_per_request(1000)?;
    Ok(i)
}

/// Requests from the console, already authenticated to an MSP by the writer.
#[derive(Debug, Clone)]
pub enum ConsoleOp {
    /// Accounts and sites.
    Org,
    /// A core command (accounts, sites, deactivate, reactivate, move, legacy status).
    Command(LedgerCommand),
    /// Generate keys.
    Generate {
        /// Product id.
        product: u8,
        /// How many.
        quantity: u32,
        /// Where.
        container: Container,
    },
    /// Status of every key.
    Keys,
    /// Status of one key.
    Key(ProductKey),
    /// Activation history of one key.
    History(ProductKey),
    /// Billing Detail for a month.
    Billing {
        /// Month.
        month: Month,
        /// Time zone.
        zone: String,
        /// CSV instead of JSON.
        csv: bool,
    },
    /// Activation report.
    Activations {
        /// First day.
        start: NaiveDate,
        /// Last day.
        end: NaiveDate,
        /// Time zone.
        zone: String,
        /// CSV instead of JSON.
        csv: bool,
    },
    /// Twelve months of trends ending at a month.
    Trends {
        /// Last month.
        month: Month,
        /// Time zone.
        zone: String,
        /// CSV instead of JSON.
        csv: bool,
    },
    /// Double-billing report for a month.
    DoubleBilling {
        /// Month.
        month: Month,
        /// Time zone.
        zone: String,
        /// CSV instead of JSON.
        csv: bool,
    },
    /// Name consistency report.
    Names,
    /// Counters.
    Stats,
}

/// Requests the writer handles.
#[derive(Debug, Clone)]
pub enum Op {
    /// Product: activate a key on a machine, or start / end a job licence (the command's key
    /// routes it).
    Product(LedgerCommand),
    /// Product: call home (and optionally get an offline certificate).
    CallHome {
        /// Key.
        key: ProductKey,
        /// Machine.
        machine: String,
        /// Validity of a certificate to sign, if asked for.
        certificate: Option<i64>,
        /// Only finalise a pending deactivation (409 otherwise).
        finalise_only: bool,
    },
    /// Admin: a new MSP (handled by the writer, which owns the database).
    CreateMsp {
        /// Its name.
        name: String,
    },
    /// Console request with a token's hash.
    Console {
        /// SHA-256 of the bearer token.
        token_hash: [u8; 32],
        /// What.
        op: ConsoleOp,
    },
}

/// What one request did: the answer and the events to commit with it.
pub struct Done {
    /// The answer.
    pub resp: Resp,
    /// (MSP row id, event) pairs to store.
    pub events: Vec<(i64, LedgerEvent)>,
}

fn ok(resp: Resp) -> Done {
    Done {
        resp,
        events: Vec::new(),
    }
}

fn unauthorised() -> Done {
    ok(Resp::error(
        401,
        "server.unauthorised",
        "a valid console token is required (Authorization: Bearer <token>)",
        Value::Null,
    ))
}

impl World {
    /// A world from loaded shards.
    pub fn new(msps: Vec<Msp>, signer: CertificateIssuer, prices: PriceList) -> World {
        let mut w = World {
            msps: Vec::new(),
            by_token: HashMap::new(),
            by_key: HashMap::new(),
            signer,
            prices,
        };
        for m in msps {
            w.add_msp(m);
        }
        w
    }

    /// Adds a shard and indexes its token and keys.
    pub fn add_msp(&mut self, m: Msp) {
        let i = self.msps.len();
        self.by_token.insert(m.token_hash, i);
        for k in m.ledger.keys() {
            self.by_key.entry(k).or_insert(i);
        }
        self.msps.push(m);
    }

    /// The shard holding a key, if any.
    pub fn shard_of(&self, key: &ProductKey) -> Option<usize> {
        self.by_key.get(key).copied()
    }

    /// Total licences over all shards.
    pub fn licence_count(&self) -> usize {
        self.msps.iter().map(|m| m.ledger.licence_count()).sum()
    }

    /// Handles one request at `now`.
    pub fn handle(&mut self, op: Op, now: DateTime<Utc>) -> Done {
        match op {
            Op::Product(cmd) => {
                let key = match &cmd {
                    LedgerCommand::Activate { key, .. }
                    | LedgerCommand::StartJob { key, .. }
                    | LedgerCommand::EndJob { key, .. } => *key,
                    _ => {
                        return ok(Resp::error(
                            400,
                            "server.bad_request",
                            "not an activation",
                            Value::Null,
                        ))
                    }
                };
                self.product(key, cmd, now, None, false)
            }
            Op::CallHome {
                key,
                machine,
                certificate,
                finalise_only,
            } => {
                let cmd = LedgerCommand::CallHome {
                    key,
                    machine: machine.clone(),
                };
                self.product(
                    key,
                    cmd,
                    now,
                    certificate.map(|v| (machine, v)),
                    finalise_only,
                )
            }
            Op::CreateMsp { .. } => ok(Resp::error(
                500,
                "server.internal",
                "MSPs are created by the writer",
                Value::Null,
            )),
            Op::Console { token_hash, op } => match self.by_token.get(&token_hash) {
                Some(&i) => self.console(i, op, now),
                None => unauthorised(),
            },
        }
    }

    fn unknown_key(key: ProductKey) -> Done {
        ok(Resp::core(
            &keyledger::licence::LicenceError::UnknownKey { key }.into(),
        ))
    }

    fn product(
        &mut self,
        key: ProductKey,
        cmd: LedgerCommand,
        now: DateTime<Utc>,
        certificate: Option<(String, i64)>,
        finalise_only: bool,
    ) -> Done {
        let Some(i) = self.shard_of(&key) else {
            return Self::unknown_key(key);
        };
        let msp = &mut self.msps[i];
        if finalise_only {
            // The core decides what a pending deactivation is; the server only refuses to record a
            // plain call-home through the finalisation endpoint.
            let machine = match &cmd {
                LedgerCommand::CallHome { machine, .. } => machine.clone(),
                _ => String::new(),
            };
            let pending = msp.ledger.status(&key, now).map(|s| {
                s.runs.iter().any(|r| {
                    r.machine == machine
                        && r.state == keyledger::lifecycle::LicenceState::PendingDeactivation
                })
            });
            match pending {
                Err(e) => return ok(Resp::core(&e.into())),
                Ok(false) => {
                    return ok(Resp::error(
                        409,
                        "server.not_pending",
                        "this machine's licence has no deactivation waiting to be finalised",
                        Value::Null,
                    ))
                }
                Ok(true) => {}
            }
        }
        match msp.ledger.execute(cmd, now) {
            Err(e) => ok(Resp::core(&e)),
            Ok(out) => {
                let ids: Vec<u64> = out.events.iter().map(|e| e.id).collect();
                let mut body = json!({ "events": ids });
                if let Some(d) = &out.decision {
                    body["decision"] = json!(d);
                }
                if let Some(lic) = out.events.iter().find_map(|e| match &e.kind {
                    keyledger::licence::LedgerEventKind::Activated { licence, .. } => {
                        Some(licence.0)
                    }
                    _ => None,
                }) {
                    body["licence"] = json!(lic);
                }
                if let Some((machine, validity)) = certificate {
                    match msp.ledger.issue_certificate(
                        &self.signer,
                        &key,
                        &machine,
                        now,
                        validity,
                        msp.ledger.next_event_id(),
                    ) {
                        Ok(c) => body["certificate"] = json!(c.to_text()),
                        Err(e) => body["certificate_error"] = json!(e.code()),
                    }
                }
                let id = msp.id;
                Done {
                    resp: Resp::json(200, &body),
                    events: out.events.into_iter().map(|e| (id, e)).collect(),
                }
            }
        }
    }

    fn console(&mut self, i: usize, op: ConsoleOp, now: DateTime<Utc>) -> Done {
        let msp = &mut self.msps[i];
        let id = msp.id;
        let with_events = |resp: Resp, events: Vec<LedgerEvent>| Done {
            resp,
            events: events.into_iter().map(|e| (id, e)).collect(),
        };
        let result: Result<Done, keyledger::Error> = (|| {
            Ok(match op {
                ConsoleOp::Org => {
                    let org = msp.ledger.org();
                    ok(Resp::json(
                        200,
                        &json!({
                            "accounts": org.accounts().collect::<Vec<_>>(),
                            "sites": org.sites().collect::<Vec<_>>(),
                        }),
                    ))
                }
                ConsoleOp::Command(cmd) => {
                    let cmd = match cmd {
                        // A product key named in a console command must be this MSP's.
                        c @ (LedgerCommand::Deactivate { .. }
                        | LedgerCommand::Reactivate { .. }
                        | LedgerCommand::MoveKey { .. }
                        | LedgerCommand::SetLegacyStatus { .. }
                        | LedgerCommand::SetLegacyMachine { .. }
                        | LedgerCommand::StartJob { .. }
                        | LedgerCommand::EndJob { .. }
                        | LedgerCommand::CreateAccount { .. }
                        | LedgerCommand::CreateSite { .. }
                        | LedgerCommand::MoveSite { .. }
                        | LedgerCommand::DeleteAccount { .. }
                        | LedgerCommand::DeleteSite { .. }) => c,
                        _ => {
                            return Ok(ok(Resp::error(
                                400,
                                "server.bad_request",
                                "not a console command",
                                Value::Null,
                            )))
                        }
                    };
                    let out = msp.ledger.execute(cmd, now)?;
                    let ids: Vec<u64> = out.events.iter().map(|e| e.id).collect();
                    let kinds: Vec<&keyledger::licence::LedgerEventKind> =
                        out.events.iter().map(|e| &e.kind).collect();
                    let resp = Resp::json(200, &json!({"events": ids, "changes": kinds}));
                    with_events(resp, out.events)
                }
                ConsoleOp::Generate {
                    product,
                    quantity,
                    container,
                } => {
                    let g = msp.ledger.generate_keys(
                        &msp.issuer,
                        ProductId::new(u32::from(product))?,
                        quantity,
                        container,
                        now,
                    )?;
                    for k in &g.keys {
                        self.by_key.entry(*k).or_insert(i);
                    }
                    let resp = Resp::json(
                        201,
                        &json!({"keys": g.keys, "events": g.events.iter().map(|e| e.id).collect::<Vec<_>>()}),
                    );
                    with_events(resp, g.events)
                }
                ConsoleOp::Keys => ok(Resp::json(200, &msp.ledger.statuses(now))),
                ConsoleOp::Key(k) => ok(Resp::json(200, &msp.ledger.status(&k, now)?)),
                ConsoleOp::History(k) => ok(Resp::json(200, &msp.ledger.history(&k, now)?)),
                ConsoleOp::Names => ok(Resp::json(200, &msp.ledger.name_consistency())),
                ConsoleOp::Stats => ok(Resp::json(
                    200,
                    &json!({
                        "msp": msp.name,
                        "next_event_id": msp.ledger.next_event_id(),
                        "licences": msp.ledger.licence_count(),
                        "keys": msp.ledger.keys().count(),
                    }),
                )),
                ConsoleOp::Billing { month, zone, csv } => {
                    let zone = keyledger::billing::Zone::get(&zone)?;
                    let until = month.next().bounds(&zone).end().min(now);
                    let r = BillingDetail::build(
                        &msp.ledger.licence_histories(until),
                        msp.ledger.catalog(),
                        month,
                        &zone,
                        &self.prices,
                    )?;
                    if csv {
                        ok(csv_resp(r.to_csv()?))
                    } else {
                        ok(Resp::json(200, &r))
                    }
                }
                ConsoleOp::Activations {
                    start,
                    end,
                    zone,
                    csv,
                } => {
                    let zone = keyledger::billing::Zone::get(&zone)?;
                    let r = ActivationReport::build(
                        &msp.ledger.licence_histories(now),
                        msp.ledger.catalog(),
                        start,
                        end,
                        &zone,
                        &[],
                        &[],
                    )?;
                    if csv {
                        ok(csv_resp(r.to_csv()?))
                    } else {
                        ok(Resp::json(200, &r))
                    }
                }
                ConsoleOp::DoubleBilling { month, zone, csv } => {
                    let zone = keyledger::billing::Zone::get(&zone)?;
                    let until = month.next().bounds(&zone).end().min(now);
                    let r = DoubleBilling::build(
                        &msp.ledger.licence_histories(until),
                        msp.ledger.catalog(),
                        month,
                        &zone,
                        &self.prices,
                    )?;
                    if csv {
                        ok(csv_resp(r.to_csv()?))
                    } else {
                        ok(Resp::json(200, &r))
                    }
                }
                ConsoleOp::Trends { month, zone, csv } => {
                    let zone = keyledger::billing::Zone::get(&zone)?;
                    let r = Trends::build(
                        &msp.ledger.licence_histories(now),
                        msp.ledger.catalog(),
                        month,
                        &zone,
                        BillingRule::STORAGECRAFT,
                    )?;
                    if csv {
                        ok(csv_resp(r.to_csv()?))
                    } else {
                        ok(Resp::json(200, &r))
                    }
                }
            })
        })();
        result.unwrap_or_else(|e| ok(Resp::core(&e)))
    }
}

fn csv_resp(body: String) -> Resp {
    Resp {
        status: 200,
        content_type: "text/csv; charset=utf-8",
        body,
    }
}

/// The Default Account as a container (what the console uses when none is given).
pub fn default_container() -> Container {
    Container::Account(AccountId::DEFAULT)
}
