//! The HTTP face: authentication, rate limits, size limits, JSON parsing and the mapping of
//! [`Resp`] to HTTP. No domain rule here: every decision is the core's, made in the writer.

// The error of a parsing step here is the HTTP response to send, as axum handlers return it;
// boxing it would only add an allocation on the error path.
#![allow(clippy::result_large_err)]

use crate::world::{ConsoleOp, Op, Resp};
use crate::writer::{Clock, Job};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::NaiveDate;
use hmac::{KeyInit, Mac};
use keyledger::billing::Month;
use keyledger::key::ProductKey;
use keyledger::licence::LedgerCommand;
use keyledger::org::{AccountId, Container, SiteId};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::sync::{mpsc, oneshot};

/// Largest request body accepted (bytes).
pub const MAX_BODY: usize = 16 * 1024;

/// A token bucket: `burst` attempts, refilled at `per_second`.
#[derive(Clone, Copy, Debug)]
pub struct Rate {
    /// Bucket size.
    pub burst: f64,
    /// Refill per second.
    pub per_second: f64,
}

#[derive(Default)]
struct Buckets {
    map: HashMap<String, (f64, Instant)>,
}

impl Buckets {
    /// Takes one token for `id`; `Err(seconds to wait)` when empty.
    fn take(&mut self, id: &str, rate: Rate, now: Instant) -> Result<(), u64> {
        if self.map.len() > 100_000 {
            // Forget buckets that have refilled completely: they hold no information.
            self.map.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * rate.per_second < rate.burst
            });
        }
        let (tokens, at) = self.map.entry(id.to_string()).or_insert((rate.burst, now));
        let t = (*tokens + now.duration_since(*at).as_secs_f64() * rate.per_second).min(rate.burst);
        *at = now;
        if t >= 1.0 {
            *tokens = t - 1.0;
            Ok(())
        } else {
            *tokens = t;
            Err(((1.0 - t) / rate.per_second).ceil().max(1.0) as u64)
        }
    }
}

/// Limits on activation attempts.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Per product key.
    pub per_key: Rate,
    /// Per client address.
    pub per_address: Rate,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            per_key: Rate {
                burst: 10.0,
                per_second: 1.0 / 60.0,
            },
            per_address: Rate {
                burst: 60.0,
                per_second: 1.0,
            },
        }
    }
}

/// Shared state of the handlers.
#[derive(Clone)]
pub struct App {
    tx: mpsc::Sender<Job>,
    machine_secret: Arc<[u8; 32]>,
    admin_hash: Option<[u8; 32]>,
    limits: Limits,
    keys: Arc<Mutex<Buckets>>,
    addrs: Arc<Mutex<Buckets>>,
    /// The server's clock (the writer's; kept here for tests).
    pub clock: Clock,
}

impl App {
    /// Handler state around the writer's channel.
    pub fn new(
        tx: mpsc::Sender<Job>,
        machine_secret: [u8; 32],
        admin_hash: Option<[u8; 32]>,
        limits: Limits,
        clock: Clock,
    ) -> App {
        App {
            tx,
            machine_secret: Arc::new(machine_secret),
            admin_hash,
            limits,
            keys: Arc::default(),
            addrs: Arc::default(),
            clock,
        }
    }
}

/// The machine token a product presents after activation: HMAC-SHA256 of the key and machine
/// under the server's secret (no per-licence storage; anyone without the secret cannot make one).
pub fn machine_token(secret: &[u8; 32], key: &ProductKey, machine: &str) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret).expect("any key length");
    mac.update(key.to_string().as_bytes());
    mac.update(&[0]);
    mac.update(machine.as_bytes());
    crate::store::hex(&mac.finalize().into_bytes())
}

fn check_machine_token(secret: &[u8; 32], key: &ProductKey, machine: &str, token: &str) -> bool {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret).expect("any key length");
    mac.update(key.to_string().as_bytes());
    mac.update(&[0]);
    mac.update(machine.as_bytes());
    let Some(bytes) = unhex(token) else {
        return false;
    };
    mac.verify_slice(&bytes).is_ok()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect()
}

fn to_response(r: Resp) -> Response {
    let status = StatusCode::from_u16(r.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = (status, r.body).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(r.content_type),
    );
    resp
}

fn error(status: u16, code: &str, message: &str) -> Response {
    to_response(Resp::error(status, code, message, Value::Null))
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

fn request_id(headers: &HeaderMap) -> Result<Option<String>, Response> {
    let Some(v) = headers
        .get("idempotency-key")
        .or_else(|| headers.get("x-request-id"))
    else {
        return Ok(None);
    };
    match v.to_str() {
        Ok(s) if !s.is_empty() && s.len() <= 128 => Ok(Some(s.to_string())),
        _ => Err(error(
            400,
            "server.bad_request_id",
            "Idempotency-Key must be 1 to 128 visible ASCII characters",
        )),
    }
}

fn parse<T: DeserializeOwned>(body: Result<Bytes, BytesRejection>) -> Result<T, Response> {
    let body = body.map_err(|r| {
        let status = r.status().as_u16();
        let code = if status == 413 {
            "server.body_too_large"
        } else {
            "server.bad_body"
        };
        error(status, code, &r.body_text())
    })?;
    serde_json::from_slice(&body).map_err(|e| {
        let (status, code) = match e.classify() {
            serde_json::error::Category::Data => (422, "server.invalid_body"),
            _ => (400, "server.malformed_json"),
        };
        error(status, code, &e.to_string())
    })
}

async fn submit(app: &App, op: Op, idem: Option<(String, String)>) -> Response {
    let (reply, rx) = oneshot::channel();
    if app.tx.send(Job { op, idem, reply }).await.is_err() {
        return error(503, "server.stopping", "the writer has stopped");
    }
    match rx.await {
        Ok(r) => to_response(r),
        Err(_) => error(503, "server.stopping", "the writer has stopped"),
    }
}

fn parse_key(text: &str) -> Result<ProductKey, Response> {
    ProductKey::parse(text).map_err(|e| to_response(Resp::core(&e.into())))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ActivateBody {
    key: String,
    machine: String,
    msp_name: String,
    customer_name: String,
    #[serde(default)]
    computer_role: Option<String>,
    #[serde(default)]
    edition: Option<String>,
}

async fn activate(
    State(app): State<App>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let b: ActivateBody = match parse(body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let now = Instant::now();
    let limited = {
        let mut a = app.addrs.lock().unwrap_or_else(|p| p.into_inner());
        a.take(&addr.ip().to_string(), app.limits.per_address, now)
    }
    .and_then(|()| {
        let mut k = app.keys.lock().unwrap_or_else(|p| p.into_inner());
        let norm = ProductKey::parse(&b.key)
            .map(|k| k.to_string())
            .unwrap_or_else(|_| b.key.clone());
        k.take(&norm, app.limits.per_key, now)
    });
    if let Err(wait) = limited {
        let mut r = error(
            429,
            "server.rate_limited",
            "too many activation attempts; retry later",
        );
        if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return r;
    }
    let key = match parse_key(&b.key) {
        Ok(k) => k,
        Err(r) => return r,
    };
    let rid = match request_id(&headers) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let token = machine_token(&app.machine_secret, &key, b.machine.trim());
    let op = Op::Product(LedgerCommand::Activate {
        key,
        machine: b.machine,
        msp_name: b.msp_name,
        customer_name: b.customer_name,
        computer_role: b.computer_role,
        edition: b.edition,
    });
    let resp = submit(&app, op, rid.map(|r| (format!("key:{key}:activate"), r))).await;
    if resp.status() != StatusCode::OK {
        return resp;
    }
    // The machine token is derived, not stored: add it to the answer.
    let (parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 1 << 20).await else {
        return error(500, "server.internal", "answer unreadable");
    };
    let mut v: Value = serde_json::from_slice(&bytes).unwrap_or_default();
    v["machine_token"] = json!(token);
    Response::from_parts(parts, axum::body::Body::from(v.to_string()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CallHomeBody {
    key: String,
    machine: String,
    /// Seconds of validity of an offline certificate to sign with the answer.
    #[serde(default)]
    certificate_seconds: Option<i64>,
}

/// A product request's key, checked against the machine token of that key and machine, and its
/// retry scope (the request id, if any, scoped to that key and machine).
fn product_request(
    app: &App,
    headers: &HeaderMap,
    key: &str,
    machine: &str,
) -> Result<(ProductKey, Option<(String, String)>), Response> {
    let key = parse_key(key)?;
    let Some(token) = bearer(headers) else {
        return Err(error(
            401,
            "server.unauthorised",
            "the machine token from the activation is required (Authorization: Bearer <token>)",
        ));
    };
    if !check_machine_token(&app.machine_secret, &key, machine.trim(), token) {
        return Err(error(
            403,
            "server.forbidden",
            "this machine token is not for this key and machine",
        ));
    }
    let scope = format!("key:{key}:{}", machine.trim());
    Ok((key, request_id(headers)?.map(|r| (scope, r))))
}

async fn product_call(
    app: App,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
    finalise_only: bool,
) -> Response {
    let b: CallHomeBody = match parse(body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let (key, retry) = match product_request(&app, &headers, &b.key, &b.machine) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let op = Op::CallHome {
        key,
        machine: b.machine,
        certificate: b.certificate_seconds,
        finalise_only,
    };
    submit(&app, op, retry).await
}

async fn call_home(
    State(app): State<App>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    product_call(app, headers, body, false).await
}

async fn finalise(
    State(app): State<App>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    product_call(app, headers, body, true).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JobBody {
    key: String,
    machine: String,
    job_type: String,
    job_name: String,
    /// `start` or `end`.
    action: String,
}

fn job_command(b: JobBody, key: ProductKey) -> Result<LedgerCommand, Response> {
    let JobBody {
        machine,
        job_type,
        job_name,
        action,
        ..
    } = b;
    match action.as_str() {
        "start" => Ok(LedgerCommand::StartJob {
            key,
            job_type,
            job_name,
            machine,
        }),
        "end" => Ok(LedgerCommand::EndJob {
            key,
            job_type,
            job_name,
            machine,
        }),
        _ => Err(error(
            422,
            "server.invalid_body",
            "action must be start or end",
        )),
    }
}

/// Product: an ImageManager job licence taken or given back (machine token of that key and
/// machine).
async fn product_job(
    State(app): State<App>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let b: JobBody = match parse(body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let (key, retry) = match product_request(&app, &headers, &b.key, &b.machine) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let cmd = match job_command(b, key) {
        Ok(c) => c,
        Err(r) => return r,
    };
    submit(&app, Op::Product(cmd), retry).await
}

/// Console: start or end a job licence on the MSP's own key.
async fn console_job(
    State(app): State<App>,
    headers: HeaderMap,
    Path(key): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct ConsoleJob {
        machine: String,
        job_type: String,
        job_name: String,
        action: String,
    }
    let b: ConsoleJob = match parse(body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let key = match parse_key(&key) {
        Ok(k) => k,
        Err(r) => return r,
    };
    let cmd = match job_command(
        JobBody {
            key: String::new(),
            machine: b.machine,
            job_type: b.job_type,
            job_name: b.job_name,
            action: b.action,
        },
        key,
    ) {
        Ok(c) => c,
        Err(r) => return r,
    };
    console(&app, &headers, ConsoleOp::Command(cmd)).await
}

/// A console report of one month (`?month=YYYY-MM&zone=..&format=csv|json`), made into its op by
/// `op` once the query is read.
async fn month_report(
    app: &App,
    headers: &HeaderMap,
    q: Result<Query<MonthQuery>, axum::extract::rejection::QueryRejection>,
    op: impl FnOnce(Month, String, bool) -> ConsoleOp,
) -> Response {
    let run = || -> Result<ConsoleOp, Response> {
        let q = query(q)?;
        Ok(op(
            month_of(&q.month)?,
            q.zone.unwrap_or_else(|| "UTC".into()),
            is_csv(&q.format)?,
        ))
    };
    match run() {
        Ok(op) => console(app, headers, op).await,
        Err(r) => r,
    }
}

async fn double_billing(
    State(app): State<App>,
    headers: HeaderMap,
    q: Result<Query<MonthQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    month_report(&app, &headers, q, |month, zone, csv| {
        ConsoleOp::DoubleBilling { month, zone, csv }
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LegacyMachineBody {
    machine: String,
}

async fn legacy_machine(
    State(app): State<App>,
    headers: HeaderMap,
    Path(key): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let b: LegacyMachineBody = match parse(body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    match parse_key(&key) {
        Ok(key) => {
            let cmd = LedgerCommand::SetLegacyMachine {
                key,
                machine: b.machine,
            };
            console(&app, &headers, ConsoleOp::Command(cmd)).await
        }
        Err(r) => r,
    }
}

/// A console request: authenticates by bearer token (the writer maps the hash to an MSP).
async fn console(app: &App, headers: &HeaderMap, op: ConsoleOp) -> Response {
    let Some(token) = bearer(headers) else {
        return error(
            401,
            "server.unauthorised",
            "a console token is required (Authorization: Bearer <token>)",
        );
    };
    let th = crate::store::hash_token(token);
    let rid = match request_id(headers) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let mutating = matches!(op, ConsoleOp::Command(_) | ConsoleOp::Generate { .. });
    let idem = rid
        .filter(|_| mutating)
        .map(|r| (format!("msp:{}", crate::store::hex(&th)), r));
    submit(app, Op::Console { token_hash: th, op }, idem).await
}

async fn org(State(app): State<App>, headers: HeaderMap) -> Response {
    console(&app, &headers, ConsoleOp::Org).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewAccount {
    name: String,
    #[serde(default)]
    address: Option<String>,
    #[serde(default)]
    notes: Option<String>,
}

async fn create_account(
    State(app): State<App>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let b: NewAccount = match parse(body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let cmd = LedgerCommand::CreateAccount {
        name: b.name,
        address: b.address,
        notes: b.notes,
    };
    console(&app, &headers, ConsoleOp::Command(cmd)).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewSite {
    account: u32,
    name: String,
    #[serde(default)]
    address: Option<String>,
    #[serde(default)]
    notes: Option<String>,
}

async fn create_site(
    State(app): State<App>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let b: NewSite = match parse(body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let cmd = LedgerCommand::CreateSite {
        account: AccountId(b.account),
        name: b.name,
        address: b.address,
        notes: b.notes,
    };
    console(&app, &headers, ConsoleOp::Command(cmd)).await
}

/// Where keys go: an account or a site (the Default Account when neither is given).
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Place {
    #[serde(default)]
    account: Option<u32>,
    #[serde(default)]
    site: Option<u32>,
}

fn container(p: &Place) -> Result<Container, Response> {
    match (p.account, p.site) {
        (Some(_), Some(_)) => Err(error(
            422,
            "server.invalid_body",
            "give an account or a site, not both",
        )),
        (_, Some(s)) => Ok(Container::Site(SiteId(s))),
        (Some(a), None) => Ok(Container::Account(AccountId(a))),
        (None, None) => Ok(crate::world::default_container()),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewKeys {
    product: u8,
    quantity: u32,
    #[serde(default)]
    account: Option<u32>,
    #[serde(default)]
    site: Option<u32>,
}

async fn generate(
    State(app): State<App>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let b: NewKeys = match parse(body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let c = match container(&Place {
        account: b.account,
        site: b.site,
    }) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let op = ConsoleOp::Generate {
        product: b.product,
        quantity: b.quantity,
        container: c,
    };
    console(&app, &headers, op).await
}

async fn keys(State(app): State<App>, headers: HeaderMap) -> Response {
    console(&app, &headers, ConsoleOp::Keys).await
}

async fn key_status(
    State(app): State<App>,
    headers: HeaderMap,
    Path(key): Path<String>,
) -> Response {
    match parse_key(&key) {
        Ok(k) => console(&app, &headers, ConsoleOp::Key(k)).await,
        Err(r) => r,
    }
}

async fn key_history(
    State(app): State<App>,
    headers: HeaderMap,
    Path(key): Path<String>,
) -> Response {
    match parse_key(&key) {
        Ok(k) => console(&app, &headers, ConsoleOp::History(k)).await,
        Err(r) => r,
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct MachineBody {
    #[serde(default)]
    machine: Option<String>,
}

fn optional_body<T: DeserializeOwned + Default>(
    body: Result<Bytes, BytesRejection>,
) -> Result<T, Response> {
    match &body {
        Ok(b) if b.iter().all(u8::is_ascii_whitespace) => Ok(T::default()),
        _ => parse(body),
    }
}

async fn key_action(
    app: App,
    headers: HeaderMap,
    key: String,
    body: Result<Bytes, BytesRejection>,
    make: fn(ProductKey, Option<String>) -> LedgerCommand,
) -> Response {
    let b: MachineBody = match optional_body(body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    match parse_key(&key) {
        Ok(k) => console(&app, &headers, ConsoleOp::Command(make(k, b.machine))).await,
        Err(r) => r,
    }
}

async fn deactivate(
    State(app): State<App>,
    headers: HeaderMap,
    Path(key): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    key_action(app, headers, key, body, |key, machine| {
        LedgerCommand::Deactivate { key, machine }
    })
    .await
}

async fn reactivate(
    State(app): State<App>,
    headers: HeaderMap,
    Path(key): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    key_action(app, headers, key, body, |key, machine| {
        LedgerCommand::Reactivate { key, machine }
    })
    .await
}

async fn move_key(
    State(app): State<App>,
    headers: HeaderMap,
    Path(key): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let p: Place = match parse(body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let to = match container(&p) {
        Ok(c) => c,
        Err(r) => return r,
    };
    match parse_key(&key) {
        Ok(key) => {
            console(
                &app,
                &headers,
                ConsoleOp::Command(LedgerCommand::MoveKey { key, to }),
            )
            .await
        }
        Err(r) => r,
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LegacyBody {
    active: bool,
}

async fn legacy_status(
    State(app): State<App>,
    headers: HeaderMap,
    Path(key): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let b: LegacyBody = match parse(body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    match parse_key(&key) {
        Ok(key) => {
            console(
                &app,
                &headers,
                ConsoleOp::Command(LedgerCommand::SetLegacyStatus {
                    key,
                    active: b.active,
                }),
            )
            .await
        }
        Err(r) => r,
    }
}

#[derive(Deserialize)]
struct MonthQuery {
    month: String,
    #[serde(default)]
    zone: Option<String>,
    #[serde(default)]
    format: Option<String>,
}

fn month_of(text: &str) -> Result<Month, Response> {
    let bad = || {
        error(
            422,
            "server.invalid_query",
            "month must be YYYY-MM (for example 2026-10)",
        )
    };
    let (y, m) = text.split_once('-').ok_or_else(bad)?;
    let (y, m) = (
        y.parse::<i32>().map_err(|_| bad())?,
        m.parse::<u32>().map_err(|_| bad())?,
    );
    Month::new(y, m).map_err(|e| to_response(Resp::core(&e.into())))
}

fn is_csv(format: &Option<String>) -> Result<bool, Response> {
    match format.as_deref() {
        None | Some("json") => Ok(false),
        Some("csv") => Ok(true),
        Some(_) => Err(error(
            422,
            "server.invalid_query",
            "format must be json or csv",
        )),
    }
}

fn query<T: DeserializeOwned>(
    q: Result<Query<T>, axum::extract::rejection::QueryRejection>,
) -> Result<T, Response> {
    q.map(|Query(t)| t)
        .map_err(|e| error(422, "server.invalid_query", &e.body_text()))
}

async fn billing(
    State(app): State<App>,
    headers: HeaderMap,
    q: Result<Query<MonthQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    month_report(&app, &headers, q, |month, zone, csv| ConsoleOp::Billing {
        month,
        zone,
        csv,
    })
    .await
}

async fn trends(
    State(app): State<App>,
    headers: HeaderMap,
    q: Result<Query<MonthQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    month_report(&app, &headers, q, |month, zone, csv| ConsoleOp::Trends {
        month,
        zone,
        csv,
    })
    .await
}

#[derive(Deserialize)]
struct RangeQuery {
    start: String,
    end: String,
    #[serde(default)]
    zone: Option<String>,
    #[serde(default)]
    format: Option<String>,
}

async fn activations(
    State(app): State<App>,
    headers: HeaderMap,
    q: Result<Query<RangeQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let run = || -> Result<ConsoleOp, Response> {
        let q = query(q)?;
        let date = |s: &str| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
                error(
                    422,
                    "server.invalid_query",
                    "start and end must be YYYY-MM-DD",
                )
            })
        };
        Ok(ConsoleOp::Activations {
            start: date(&q.start)?,
            end: date(&q.end)?,
            zone: q.zone.unwrap_or_else(|| "UTC".into()),
            csv: is_csv(&q.format)?,
        })
    };
    match run() {
        Ok(op) => console(&app, &headers, op).await,
        Err(r) => r,
    }
}

async fn names(State(app): State<App>, headers: HeaderMap) -> Response {
    console(&app, &headers, ConsoleOp::Names).await
}

async fn stats(State(app): State<App>, headers: HeaderMap) -> Response {
    console(&app, &headers, ConsoleOp::Stats).await
}

async fn catalog() -> Response {
    to_response(Resp::json(200, &crate::world::catalog()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewMsp {
    name: String,
}

async fn create_msp(
    State(app): State<App>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let ok = match (&app.admin_hash, bearer(&headers)) {
        (Some(h), Some(t)) => crate::store::hash_token(t) == *h,
        _ => false,
    };
    if !ok {
        return error(
            401,
            "server.unauthorised",
            "the admin token is required (Authorization: Bearer <token>)",
        );
    }
    let b: NewMsp = match parse(body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    if b.name.trim().is_empty() || b.name.len() > 200 {
        return error(
            422,
            "server.invalid_body",
            "name must be 1 to 200 characters",
        );
    }
    // MSPs are created through the writer so that the new shard joins the running world.
    let (reply, rx) = oneshot::channel();
    let op = Op::CreateMsp {
        name: b.name.trim().to_string(),
    };
    if app
        .tx
        .send(Job {
            op,
            idem: None,
            reply,
        })
        .await
        .is_err()
    {
        return error(503, "server.stopping", "the writer has stopped");
    }
    match rx.await {
        Ok(r) => to_response(r),
        Err(_) => error(503, "server.stopping", "the writer has stopped"),
    }
}

async fn health() -> Response {
    to_response(Resp::json(200, &json!({"ok": true})))
}

async fn openapi() -> Response {
    to_response(Resp::json(200, &crate::openapi::document()))
}

async fn static_file(Path(name): Path<String>) -> Response {
    match crate::console::file(&name) {
        Some((ct, body)) => {
            let mut r = body.into_response();
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
            r
        }
        None => error(404, "server.not_found", "no such file"),
    }
}

async fn console_index() -> Response {
    static_file(Path("console.html".to_string())).await
}

async fn not_found() -> Response {
    error(404, "server.not_found", "no such endpoint")
}

/// The router with every endpoint (the OpenAPI document lists the same ones; a test checks).
pub fn router(app: App) -> Router {
    Router::new()
        .route("/healthz", get(health))
        .route("/openapi.json", get(openapi))
        .route("/console/", get(console_index))
        .route("/console/{file}", get(static_file))
        .route("/v1/catalog", get(catalog))
        .route("/v1/activate", post(activate))
        .route("/v1/call-home", post(call_home))
        .route("/v1/finalise-deactivation", post(finalise))
        .route("/v1/jobs", post(product_job))
        .route("/v1/org", get(org))
        .route("/v1/accounts", post(create_account))
        .route("/v1/sites", post(create_site))
        .route("/v1/keys", get(keys).post(generate))
        .route("/v1/keys/{key}", get(key_status))
        .route("/v1/keys/{key}/history", get(key_history))
        .route("/v1/keys/{key}/deactivate", post(deactivate))
        .route("/v1/keys/{key}/reactivate", post(reactivate))
        .route("/v1/keys/{key}/move", post(move_key))
        .route("/v1/keys/{key}/legacy-status", post(legacy_status))
        .route("/v1/keys/{key}/legacy-machine", post(legacy_machine))
        .route("/v1/keys/{key}/jobs", post(console_job))
        .route("/v1/reports/billing", get(billing))
        .route("/v1/reports/activations", get(activations))
        .route("/v1/reports/trends", get(trends))
        .route("/v1/reports/double-billing", get(double_billing))
        .route("/v1/reports/names", get(names))
        .route("/v1/stats", get(stats))
        .route("/v1/admin/msps", post(create_msp))
        .fallback(not_found)
        .method_not_allowed_fallback(|| async {
            error(405, "server.method_not_allowed", "method not allowed here")
        })
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(app)
}
