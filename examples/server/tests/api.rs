//! Integration tests over real HTTP on 127.0.0.1: the seed story, authorisation, idempotent
//! retries, bad bodies, the OpenAPI document against the routes, restart from the database.

use chrono::{Duration, TimeZone, Utc};
use keyledger_server::client::{Answer, Conn};
use keyledger_server::http::{Limits, Rate};
use keyledger_server::writer::{Clock, WriterConfig};
use keyledger_server::{start, Config, Running};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::Arc;

const ADMIN: &str = "test-admin-token";

fn temp_db() -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "keyledger-server-test-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join("test.db")
}

struct T {
    run: Running,
    clock: Arc<AtomicI64>,
    db: PathBuf,
}

async fn boot(db: PathBuf, clock: Arc<AtomicI64>, limits: Limits) -> T {
    let run = start(Config {
        db: db.clone(),
        addr: "127.0.0.1:0".parse().expect("addr"),
        admin_token: Some(ADMIN.into()),
        limits,
        clock: Clock::Manual(clock.clone()),
        writer: WriterConfig {
            max_batch: 256,
            snapshot_every: 50,
        },
    })
    .await
    .expect("server starts");
    T { run, clock, db }
}

fn t0() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 9, 1, 9, 0, 0)
        .single()
        .expect("date")
}

async fn server() -> T {
    let clock = Arc::new(AtomicI64::new(t0().timestamp_millis()));
    boot(temp_db(), clock, Limits::default()).await
}

impl T {
    fn addr(&self) -> SocketAddr {
        self.run.addr
    }

    fn set_day(&self, day: i64, minutes: i64) {
        let t = t0() + Duration::days(day) + Duration::minutes(minutes);
        self.clock.store(t.timestamp_millis(), Ordering::SeqCst);
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        rid: Option<&str>,
        body: Option<&Value>,
    ) -> Answer {
        let mut c = Conn::connect(self.addr()).await.expect("connect");
        let auth = token.map(|t| format!("Bearer {t}"));
        let mut h: Vec<(&str, &str)> = Vec::new();
        if let Some(a) = &auth {
            h.push(("authorization", a));
        }
        if let Some(r) = rid {
            h.push(("idempotency-key", r));
        }
        let b = body.map(|v| v.to_string()).unwrap_or_default();
        c.request(method, path, &h, b.as_bytes())
            .await
            .expect("request")
    }

    async fn msp(&self, name: &str) -> String {
        let a = self
            .call(
                "POST",
                "/v1/admin/msps",
                Some(ADMIN),
                None,
                Some(&json!({"name": name})),
            )
            .await;
        assert_eq!(a.status, 201, "{}", a.body);
        a.json()["token"].as_str().expect("token").to_string()
    }

    async fn keys(&self, token: &str, product: u8, n: u32, place: Value) -> Vec<String> {
        let mut body = json!({"product": product, "quantity": n});
        if let Value::Object(m) = place {
            for (k, v) in m {
                body[k] = v;
            }
        }
        let a = self
            .call("POST", "/v1/keys", Some(token), None, Some(&body))
            .await;
        assert_eq!(a.status, 201, "{}", a.body);
        a.json()["keys"]
            .as_array()
            .expect("keys")
            .iter()
            .map(|k| k.as_str().expect("key").to_string())
            .collect()
    }

    async fn activate(&self, key: &str, machine: &str, edition: &str) -> String {
        let a = self
            .call(
                "POST",
                "/v1/activate",
                None,
                None,
                Some(
                    &json!({"key": key, "machine": machine, "msp_name": "Northwind IT",
                    "customer_name": "Contoso", "edition": edition}),
                ),
            )
            .await;
        assert_eq!(a.status, 200, "{}", a.body);
        a.json()["machine_token"]
            .as_str()
            .expect("token")
            .to_string()
    }

    async fn call_home(&self, key: &str, machine: &str, token: &str) -> Answer {
        self.call(
            "POST",
            "/v1/call-home",
            Some(token),
            None,
            Some(&json!({"key": key, "machine": machine})),
        )
        .await
    }

    async fn state(&self, token: &str, key: &str) -> String {
        let a = self
            .call("GET", &format!("/v1/keys/{key}"), Some(token), None, None)
            .await;
        assert_eq!(a.status, 200, "{}", a.body);
        a.json()["state"].as_str().expect("state").to_string()
    }

    async fn events(&self, token: &str) -> u64 {
        let a = self.call("GET", "/v1/stats", Some(token), None, None).await;
        a.json()["next_event_id"].as_u64().expect("next_event_id")
    }
}

fn code(a: &Answer) -> String {
    a.json()["error"]["code"].as_str().unwrap_or("").to_string()
}

#[tokio::test]
async fn the_seed_story_over_http() {
    let s = server().await;
    let msp = s.msp("Northwind IT").await;
    let a = s
        .call(
            "POST",
            "/v1/accounts",
            Some(&msp),
            None,
            Some(&json!({"name": "Contoso"})),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    for site in ["Berlin", "Paris"] {
        let a = s
            .call(
                "POST",
                "/v1/sites",
                Some(&msp),
                None,
                Some(&json!({"account": 1, "name": site})),
            )
            .await;
        assert_eq!(a.status, 200, "{}", a.body);
    }
    let org = s
        .call("GET", "/v1/org", Some(&msp), None, None)
        .await
        .json();
    assert_eq!(org["accounts"].as_array().map(Vec::len), Some(2));
    assert_eq!(org["sites"].as_array().map(Vec::len), Some(2));

    let hq = s.keys(&msp, 1, 1, json!({})).await;
    let ber = s.keys(&msp, 1, 3, json!({"site": 0})).await;
    let par = s.keys(&msp, 1, 1, json!({"site": 1})).await;
    s.set_day(0, 5);
    let machines = [
        (
            hq[0].clone(),
            "hq-backup",
            s.activate(&hq[0], "hq-backup", "Server").await,
        ),
        (
            ber[0].clone(),
            "ber-fs01",
            s.activate(&ber[0], "ber-fs01", "Server").await,
        ),
        (
            ber[1].clone(),
            "ber-ws07",
            s.activate(&ber[1], "ber-ws07", "Desktop").await,
        ),
        (
            par[0].clone(),
            "par-sbs",
            s.activate(&par[0], "par-sbs", "SBS").await,
        ),
    ];
    let mut decisions = std::collections::BTreeMap::new();
    for d in 1..=45 {
        s.set_day(d, 0);
        match d {
            20 => {
                let a = s
                    .call(
                        "POST",
                        &format!("/v1/keys/{}/deactivate", ber[1]),
                        Some(&msp),
                        None,
                        None,
                    )
                    .await;
                assert_eq!(a.status, 200, "{}", a.body);
                assert_eq!(s.state(&msp, &ber[1]).await, "pending_deactivation");
            }
            25 => {
                let a = s
                    .call(
                        "POST",
                        &format!("/v1/keys/{}/deactivate", par[0]),
                        Some(&msp),
                        None,
                        None,
                    )
                    .await;
                assert_eq!(a.status, 200, "{}", a.body);
            }
            35 => {
                let a = s
                    .call(
                        "POST",
                        &format!("/v1/keys/{}/reactivate", par[0]),
                        Some(&msp),
                        None,
                        None,
                    )
                    .await;
                assert_eq!(a.status, 200, "{}", a.body);
            }
            _ => {}
        }
        for (i, (key, host, token)) in machines.iter().enumerate() {
            let silent =
                (*host == "ber-fs01" && d > 10) || (*host == "par-sbs" && (26..35).contains(&d));
            if silent {
                continue;
            }
            s.set_day(d, 60 + 7 * i as i64);
            let a = s.call_home(key, host, token).await;
            if *host == "ber-ws07" && d > 21 {
                // Finalised on day 21: the machine keeps being told it is deactivated, and
                // nothing more is recorded.
                assert_eq!(a.status, 200, "{}", a.body);
                assert_eq!(a.json()["decision"]["action"], "deactivated");
                assert_eq!(a.json()["events"], json!([]));
                continue;
            }
            assert_eq!(a.status, 200, "{host} day {d}: {}", a.body);
            decisions.insert(
                (*host, d),
                a.json()["decision"]["action"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
            );
        }
        s.set_day(d, 12 * 60);
        if d == 18 {
            // Eight days without a call-home: Late (after 7), not yet Disabled (after 14).
            assert_eq!(s.state(&msp, &ber[0]).await, "late");
        }
        if d == 25 {
            assert_eq!(s.state(&msp, &ber[0]).await, "disabled");
            assert_eq!(s.state(&msp, &ber[1]).await, "deactivated");
            // Deactivated in the morning, finalised by its call-home at 10:21.
            assert_eq!(s.state(&msp, &par[0]).await, "deactivated");
        }
    }
    // The pending deactivation was finalised by the next call-home, which told the machine so.
    assert_eq!(decisions[&("ber-ws07", 21)], "deactivated");
    assert_eq!(decisions[&("ber-ws07", 19)], "run");
    assert_eq!(decisions[&("hq-backup", 45)], "run");
    // Silent since day 10: deactivated 30 days after its last call-home.
    assert_eq!(s.state(&msp, &ber[0]).await, "deactivated");
    assert_eq!(s.state(&msp, &par[0]).await, "active");
    assert_eq!(s.state(&msp, &hq[0]).await, "active");

    let all = s
        .call("GET", "/v1/keys", Some(&msp), None, None)
        .await
        .json();
    assert_eq!(all.as_array().map(Vec::len), Some(5));
    let hist = s
        .call(
            "GET",
            &format!("/v1/keys/{}/history", par[0]),
            Some(&msp),
            None,
            None,
        )
        .await
        .json();
    let kinds: Vec<&str> = hist
        .as_array()
        .expect("history")
        .iter()
        .filter_map(|h| h["kind"].as_str())
        .collect();
    assert!(kinds.contains(&"deactivation_requested"), "{kinds:?}");
    assert!(kinds.contains(&"deactivated"), "{kinds:?}");
    assert!(kinds.contains(&"reactivated"), "{kinds:?}");

    // Reports for October: JSON and CSV; every subscription key of the story appears.
    let bd = s
        .call(
            "GET",
            "/v1/reports/billing?month=2026-10",
            Some(&msp),
            None,
            None,
        )
        .await;
    assert_eq!(bd.status, 200, "{}", bd.body);
    let csv = s
        .call(
            "GET",
            "/v1/reports/billing?month=2026-10&format=csv",
            Some(&msp),
            None,
            None,
        )
        .await;
    assert_eq!(csv.status, 200);
    assert!(csv
        .header("content-type")
        .unwrap_or("")
        .starts_with("text/csv"));
    assert!(csv.body.contains(&hq[0]), "{}", csv.body);
    assert!(bd.body.contains(&hq[0]));
    let ar = s
        .call(
            "GET",
            "/v1/reports/activations?start=2026-09-01&end=2026-10-31",
            Some(&msp),
            None,
            None,
        )
        .await;
    assert_eq!(ar.status, 200, "{}", ar.body);
    assert!(ar.body.contains("par-sbs"));
    let tr = s
        .call(
            "GET",
            "/v1/reports/trends?month=2026-10",
            Some(&msp),
            None,
            None,
        )
        .await;
    assert_eq!(tr.status, 200, "{}", tr.body);
    assert_eq!(tr.json()["months"].as_array().map(Vec::len), Some(12));

    // An offline certificate with the call-home answer.
    let (key, host, token) = &machines[0];
    let a = s
        .call(
            "POST",
            "/v1/call-home",
            Some(token),
            None,
            Some(&json!({"key": key, "machine": host, "certificate_seconds": 86400})),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(a.json()["certificate"].is_string(), "{}", a.body);

    // Restart from the database: the same state.
    let before = s.call("GET", "/v1/keys", Some(&msp), None, None).await.body;
    let (db, clock) = (s.db.clone(), s.clock.clone());
    s.run.stop().await;
    let s2 = boot(db, clock, Limits::default()).await;
    let after = s2
        .call("GET", "/v1/keys", Some(&msp), None, None)
        .await
        .body;
    assert_eq!(before, after);
    // The clean stop left a snapshot of every MSP that had a tail (the snapshotter's last round,
    // off the writer): the restart replayed nothing, and snapshot + tail equals the full replay.
    assert_eq!(s2.run.tail_events, 0);
    assert!(s2.run.licences > 0);
    let conn = keyledger_server::store::open(&s2.db).expect("db");
    let v = keyledger_server::store::verify(&conn, &s2.db).expect("verify");
    assert!(v.starts_with("verify ok"), "{v}");
    s2.run.stop().await;
}

#[tokio::test]
async fn one_msp_cannot_touch_another_and_a_product_only_its_own_key() {
    let s = server().await;
    let a = s.msp("Alpha").await;
    let b = s.msp("Beta").await;
    let ka = s.keys(&a, 1, 2, json!({})).await;
    let t1 = s.activate(&ka[0], "m1", "Server").await;
    let t2 = s.activate(&ka[1], "m2", "Server").await;
    // Beta neither sees nor changes Alpha's keys.
    let r = s
        .call("GET", &format!("/v1/keys/{}", ka[0]), Some(&b), None, None)
        .await;
    assert_eq!(
        (r.status, code(&r)),
        (404, "licence.unknown_key".to_string())
    );
    let r = s
        .call(
            "POST",
            &format!("/v1/keys/{}/deactivate", ka[0]),
            Some(&b),
            None,
            None,
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    assert_eq!(s.state(&a, &ka[0]).await, "active");
    let list = s.call("GET", "/v1/keys", Some(&b), None, None).await.json();
    assert_eq!(list.as_array().map(Vec::len), Some(0));
    let r = s
        .call(
            "GET",
            "/v1/reports/billing?month=2026-09",
            Some(&b),
            None,
            None,
        )
        .await;
    assert!(!r.body.contains(&ka[0]));
    // No token, a wrong token.
    let r = s.call("GET", "/v1/keys", None, None, None).await;
    assert_eq!(
        (r.status, code(&r)),
        (401, "server.unauthorised".to_string())
    );
    let r = s
        .call("GET", "/v1/keys", Some("not-a-token"), None, None)
        .await;
    assert_eq!(r.status, 401);
    let r = s
        .call(
            "POST",
            "/v1/admin/msps",
            Some(&a),
            None,
            Some(&json!({"name": "Gamma"})),
        )
        .await;
    assert_eq!(r.status, 401);
    // A product's machine token works for its key and machine only.
    assert_eq!(s.call_home(&ka[0], "m1", &t1).await.status, 200);
    let r = s.call_home(&ka[1], "m2", &t1).await;
    assert_eq!((r.status, code(&r)), (403, "server.forbidden".to_string()));
    let r = s.call_home(&ka[0], "m2", &t1).await;
    assert_eq!(r.status, 403);
    let r = s
        .call(
            "POST",
            "/v1/call-home",
            None,
            None,
            Some(&json!({"key": ka[0], "machine": "m1"})),
        )
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(s.call_home(&ka[1], "m2", &t2).await.status, 200);
    // Finalisation only when a deactivation is pending.
    let r = s
        .call(
            "POST",
            "/v1/finalise-deactivation",
            Some(&t1),
            None,
            Some(&json!({"key": ka[0], "machine": "m1"})),
        )
        .await;
    assert_eq!(
        (r.status, code(&r)),
        (409, "server.not_pending".to_string())
    );
    s.call(
        "POST",
        &format!("/v1/keys/{}/deactivate", ka[0]),
        Some(&a),
        None,
        None,
    )
    .await;
    let r = s
        .call(
            "POST",
            "/v1/finalise-deactivation",
            Some(&t1),
            None,
            Some(&json!({"key": ka[0], "machine": "m1"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["decision"]["action"], "deactivated");
    assert_eq!(s.state(&a, &ka[0]).await, "deactivated");
    s.run.stop().await;
}

#[tokio::test]
async fn retries_with_a_request_id_get_the_same_answer_and_no_second_event() {
    let s = server().await;
    let msp = s.msp("Alpha").await;
    let body = json!({"product": 1, "quantity": 2});
    let first = s
        .call("POST", "/v1/keys", Some(&msp), Some("gen-1"), Some(&body))
        .await;
    let n = s.events(&msp).await;
    let again = s
        .call("POST", "/v1/keys", Some(&msp), Some("gen-1"), Some(&body))
        .await;
    assert_eq!((first.status, &first.body), (again.status, &again.body));
    assert_eq!(s.events(&msp).await, n);
    let keys = s
        .call("GET", "/v1/keys", Some(&msp), None, None)
        .await
        .json();
    assert_eq!(keys.as_array().map(Vec::len), Some(2));
    let key = first.json()["keys"][0].as_str().expect("key").to_string();

    let act = json!({"key": key, "machine": "m1", "msp_name": "A", "customer_name": "C", "edition": "Server"});
    let a1 = s
        .call("POST", "/v1/activate", None, Some("act-1"), Some(&act))
        .await;
    let a2 = s
        .call("POST", "/v1/activate", None, Some("act-1"), Some(&act))
        .await;
    assert_eq!(a1.status, 200, "{}", a1.body);
    assert_eq!(a1.body, a2.body);
    let a3 = s
        .call("POST", "/v1/activate", None, Some("act-2"), Some(&act))
        .await;
    assert_eq!(
        (a3.status, code(&a3)),
        (409, "licence.already_active".to_string())
    );

    let token = a1.json()["machine_token"]
        .as_str()
        .expect("token")
        .to_string();
    s.set_day(1, 0);
    let ch = json!({"key": key, "machine": "m1"});
    let n = s.events(&msp).await;
    let c1 = s
        .call(
            "POST",
            "/v1/call-home",
            Some(&token),
            Some("ch-1"),
            Some(&ch),
        )
        .await;
    s.set_day(2, 0);
    let c2 = s
        .call(
            "POST",
            "/v1/call-home",
            Some(&token),
            Some("ch-1"),
            Some(&ch),
        )
        .await;
    assert_eq!(c1.body, c2.body);
    assert_eq!(s.events(&msp).await, n + 1);
    let c3 = s
        .call(
            "POST",
            "/v1/call-home",
            Some(&token),
            Some("ch-2"),
            Some(&ch),
        )
        .await;
    assert_ne!(c1.body, c3.body);
    assert_eq!(s.events(&msp).await, n + 2);
    // A refusal is replayed too: the same id never becomes a second, different decision.
    let d1 = s
        .call(
            "POST",
            &format!("/v1/keys/{key}/reactivate"),
            Some(&msp),
            Some("re-1"),
            None,
        )
        .await;
    assert_eq!(d1.status, 409);
    s.call(
        "POST",
        &format!("/v1/keys/{key}/deactivate"),
        Some(&msp),
        None,
        None,
    )
    .await;
    let d2 = s
        .call(
            "POST",
            &format!("/v1/keys/{key}/reactivate"),
            Some(&msp),
            Some("re-1"),
            None,
        )
        .await;
    assert_eq!(d1.body, d2.body);
    let r = s
        .call(
            "POST",
            "/v1/keys",
            Some(&msp),
            Some(&"x".repeat(200)),
            Some(&body),
        )
        .await;
    assert_eq!(
        (r.status, code(&r)),
        (400, "server.bad_request_id".to_string())
    );
    s.run.stop().await;
}

#[tokio::test]
async fn bad_bodies_and_limits_get_json_errors_with_the_right_status() {
    let clock = Arc::new(AtomicI64::new(t0().timestamp_millis()));
    let limits = Limits {
        per_key: Rate {
            burst: 3.0,
            per_second: 0.001,
        },
        per_address: Rate {
            burst: 1000.0,
            per_second: 1.0,
        },
    };
    let s = boot(temp_db(), clock, limits).await;
    let msp = s.msp("Alpha").await;
    let mut c = Conn::connect(s.addr()).await.expect("connect");
    let auth = format!("Bearer {msp}");
    let h = [("authorization", auth.as_str())];
    let r = c
        .request("POST", "/v1/keys", &h, b"{not json")
        .await
        .expect("req");
    assert_eq!(
        (r.status, code(&r)),
        (400, "server.malformed_json".to_string())
    );
    let r = c
        .request("POST", "/v1/keys", &h, br#"{"product":"one","quantity":1}"#)
        .await
        .expect("req");
    assert_eq!(
        (r.status, code(&r)),
        (422, "server.invalid_body".to_string())
    );
    let r = c
        .request(
            "POST",
            "/v1/keys",
            &h,
            br#"{"product":1,"quantity":1,"colour":"red"}"#,
        )
        .await
        .expect("req");
    assert_eq!(r.status, 422);
    let r = c
        .request("POST", "/v1/keys", &h, br#"{"product":1,"quantity":5000}"#)
        .await
        .expect("req");
    assert_eq!((r.status, code(&r)), (422, "key.too_many".to_string()));
    let r = c
        .request(
            "POST",
            "/v1/keys",
            &h,
            br#"{"product":1,"quantity":1,"site":9}"#,
        )
        .await
        .expect("req");
    assert_eq!((r.status, code(&r)), (404, "org.unknown_site".to_string()));
    let big = format!("{{\"name\":\"{}\"}}", "x".repeat(20_000));
    let r = c
        .request("POST", "/v1/accounts", &h, big.as_bytes())
        .await
        .expect("req");
    assert_eq!(
        (r.status, code(&r)),
        (413, "server.body_too_large".to_string())
    );
    let r = c
        .request("GET", "/v1/keys/not-a-key", &h, b"")
        .await
        .expect("req");
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(code(&r).starts_with("key."), "{}", r.body);
    let r = c
        .request("GET", "/v1/reports/billing?month=2026-13", &h, b"")
        .await
        .expect("req");
    assert_eq!(r.status, 422, "{}", r.body);
    let r = c
        .request("GET", "/v1/reports/billing", &h, b"")
        .await
        .expect("req");
    assert_eq!(
        (r.status, code(&r)),
        (422, "server.invalid_query".to_string())
    );
    let r = c.request("DELETE", "/v1/keys", &h, b"").await.expect("req");
    assert_eq!(r.status, 405);
    let r = c.request("GET", "/v1/nothing", &h, b"").await.expect("req");
    assert_eq!(r.status, 404);

    let keys = s.keys(&msp, 1, 1, json!({})).await;
    let act = |m: &str, e: &str| json!({"key": keys[0], "machine": m, "msp_name": "A", "customer_name": "C", "edition": e});
    let r = s
        .call("POST", "/v1/activate", None, None, Some(&act("m1", "Gold")))
        .await;
    assert_eq!(
        (r.status, code(&r)),
        (422, "licence.unknown_edition".to_string())
    );
    let r = s
        .call(
            "POST",
            "/v1/activate",
            None,
            None,
            Some(&act("m1", "Server")),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = s
        .call(
            "POST",
            "/v1/activate",
            None,
            None,
            Some(&act("m2", "Server")),
        )
        .await;
    assert_eq!(
        (r.status, code(&r)),
        (409, "licence.licence_limit".to_string())
    );
    // Three attempts on this key were allowed; the fourth is rate limited.
    let r = s
        .call(
            "POST",
            "/v1/activate",
            None,
            None,
            Some(&act("m3", "Server")),
        )
        .await;
    assert_eq!(
        (r.status, code(&r)),
        (429, "server.rate_limited".to_string())
    );
    assert!(r.header("retry-after").is_some());
    s.run.stop().await;
}

#[tokio::test]
async fn the_openapi_document_and_the_router_agree() {
    let s = server().await;
    let msp = s.msp("Alpha").await;
    let doc = s
        .call("GET", "/openapi.json", None, None, None)
        .await
        .json();
    let paths = doc["paths"].as_object().expect("paths");
    let mut documented = Vec::new();
    for (path, item) in paths {
        for (method, _) in item.as_object().expect("item") {
            let concrete = path
                .replace("{key}", "5EHS-9590-7H9X-SRFN")
                .replace("{file}", "console.js");
            let r = s
                .call(
                    &method.to_uppercase(),
                    &concrete,
                    Some(&msp),
                    None,
                    Some(&json!({})),
                )
                .await;
            assert_ne!(
                r.status, 405,
                "{method} {path} is documented but not routed"
            );
            assert!(
                !r.body.contains("no such endpoint"),
                "{method} {path} is documented but not routed"
            );
            documented.push(format!("{} {path}", method.to_uppercase()));
        }
    }
    // Every route of the router (src/http.rs) is documented.
    for route in [
        "GET /healthz",
        "GET /openapi.json",
        "GET /console/",
        "GET /console/{file}",
        "GET /v1/catalog",
        "POST /v1/activate",
        "POST /v1/call-home",
        "POST /v1/finalise-deactivation",
        "GET /v1/org",
        "POST /v1/accounts",
        "POST /v1/sites",
        "GET /v1/keys",
        "POST /v1/keys",
        "GET /v1/keys/{key}",
        "GET /v1/keys/{key}/history",
        "POST /v1/keys/{key}/deactivate",
        "POST /v1/keys/{key}/reactivate",
        "POST /v1/keys/{key}/move",
        "POST /v1/keys/{key}/legacy-status",
        "GET /v1/reports/billing",
        "GET /v1/reports/activations",
        "GET /v1/reports/trends",
        "GET /v1/reports/names",
        "GET /v1/stats",
        "POST /v1/admin/msps",
        "POST /v1/jobs",
        "POST /v1/keys/{key}/jobs",
        "POST /v1/keys/{key}/legacy-machine",
        "GET /v1/reports/double-billing",
    ] {
        assert!(
            documented.iter().any(|d| d == route),
            "{route} is not documented"
        );
    }
    assert_eq!(documented.len(), 29);
    let page = s.call("GET", "/console/", None, None, None).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("<html") || page.body.contains("<!doctype"),
        "{}",
        &page.body[..100.min(page.body.len())]
    );
    let script = s.call("GET", "/console/console.js", None, None, None).await;
    assert!(
        script.body.contains("/v1/keys"),
        "the console script is the API mode"
    );
    s.run.stop().await;
}

#[tokio::test]
async fn job_licences_and_the_double_billing_report() {
    let s = server().await;
    let msp = s.msp("Alpha").await;
    let other = s.msp("Beta").await;
    let im = s.keys(&msp, 2, 1, json!({})).await;
    let token = s.activate(&im[0], "im-1", "IME").await;
    let job = |action: &str| json!({"key": im[0], "machine": "im-1", "job_type": "intelligentFTP", "job_name": "nightly", "action": action});
    let r = s
        .call("POST", "/v1/jobs", Some(&token), None, Some(&job("start")))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = s
        .call("POST", "/v1/jobs", Some(&token), None, Some(&job("start")))
        .await;
    assert_eq!(
        (r.status, code(&r)),
        (409, "licence.job_already_running".to_string())
    );
    let status = s
        .call(
            "GET",
            &format!("/v1/keys/{}", im[0]),
            Some(&msp),
            None,
            None,
        )
        .await
        .json();
    assert!(
        status["jobs"].to_string().contains("intelligentFTP"),
        "{status}"
    );
    // Another MSP cannot end it; a token for another machine cannot either.
    let cj = json!({"machine": "im-1", "job_type": "intelligentFTP", "job_name": "nightly", "action": "end"});
    let r = s
        .call(
            "POST",
            &format!("/v1/keys/{}/jobs", im[0]),
            Some(&other),
            None,
            Some(&cj),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    let r = s
        .call(
            "POST",
            "/v1/jobs",
            Some(&token),
            None,
            Some(&json!({"key": im[0], "machine": "im-2",
        "job_type": "intelligentFTP", "job_name": "nightly", "action": "end"})),
        )
        .await;
    assert_eq!(r.status, 403);
    let r = s
        .call(
            "POST",
            &format!("/v1/keys/{}/jobs", im[0]),
            Some(&msp),
            None,
            Some(&cj),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = s
        .call("POST", "/v1/jobs", Some(&token), None, Some(&job("end")))
        .await;
    assert_eq!(
        (r.status, code(&r)),
        (409, "licence.job_not_running".to_string())
    );

    // A machine with an active legacy licence and a billed SP MSP licence in September.
    let legacy = s.keys(&msp, 3, 1, json!({})).await;
    let r = s
        .call(
            "POST",
            &format!("/v1/keys/{}/legacy-status", legacy[0]),
            Some(&msp),
            None,
            Some(&json!({"active": true})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = s
        .call(
            "POST",
            &format!("/v1/keys/{}/legacy-machine", legacy[0]),
            Some(&msp),
            None,
            Some(&json!({"machine": "pc-1"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let sp = s.keys(&msp, 1, 1, json!({})).await;
    let t = s.activate(&sp[0], "pc-1", "Server").await;
    for d in 1..=31 {
        s.set_day(d, 0);
        assert_eq!(s.call_home(&sp[0], "pc-1", &t).await.status, 200);
    }
    let r = s
        .call(
            "GET",
            "/v1/reports/double-billing?month=2026-09",
            Some(&msp),
            None,
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let rows = r.json()["rows"].as_array().cloned().unwrap_or_default();
    assert_eq!(rows.len(), 1, "{}", r.body);
    assert_eq!(rows[0]["machine"], "pc-1");
    let csv = s
        .call(
            "GET",
            "/v1/reports/double-billing?month=2026-09&format=csv",
            Some(&msp),
            None,
            None,
        )
        .await;
    assert!(csv.body.contains("pc-1"));
    let r = s
        .call(
            "GET",
            "/v1/reports/double-billing?month=2026-09",
            Some(&other),
            None,
            None,
        )
        .await;
    assert_eq!(r.json()["rows"].as_array().map(Vec::len), Some(0));
    s.run.stop().await;
}
