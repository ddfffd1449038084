//! Crash test: `crashtest --server PATH --db FILE --keys FILE [--kills 100] [--conns 16]
//! [--snapshot-every 200] [--port 18091]`.
//!
//! Each round starts the server, re-sends every request acknowledged in the previous round with
//! the same Idempotency-Key (the stored answer must come back byte for byte: it was committed),
//! runs call-home load with fresh request ids, and kills the server with SIGKILL at a random
//! moment. After each kill, `--verify` must pass (SQLite integrity check, and snapshot + tail ==
//! replay of the whole log). Prints the slowest start-up.

use keyledger_server::client::Conn;
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

struct Acked {
    rid: String,
    body: String,
    auth: String,
    answer: String,
}

fn fail(msg: &str) -> ! {
    eprintln!("crashtest FAILED: {msg}");
    std::process::exit(1)
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let server = arg(&args, "--server").unwrap_or_else(|| fail("--server PATH"));
    let db = arg(&args, "--db").unwrap_or_else(|| fail("--db FILE"));
    let keys = arg(&args, "--keys").unwrap_or_else(|| fail("--keys FILE"));
    let kills: usize = arg(&args, "--kills")
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let conns: usize = arg(&args, "--conns")
        .and_then(|v| v.parse().ok())
        .unwrap_or(16);
    // Small by default so kills land during snapshot writes; with 1 M licences a snapshot of a
    // 100 000-licence MSP takes a while, so the full run passes a larger value.
    let snapshot_every = arg(&args, "--snapshot-every").unwrap_or_else(|| "200".into());
    let port: u16 = arg(&args, "--port")
        .and_then(|v| v.parse().ok())
        .unwrap_or(18_091);
    let addr: SocketAddr = SocketAddr::from(([127, 0, 0, 1], port));
    let text = std::fs::read_to_string(&keys).unwrap_or_else(|_| fail("keys file"));
    let lines: Arc<Vec<(String, String)>> = Arc::new(
        text.lines()
            .filter_map(|l| {
                let mut it = l.split(' ');
                let (k, m, t) = (it.next()?, it.next()?, it.next()?);
                Some((
                    format!("{{\"key\":\"{k}\",\"machine\":\"{m}\"}}"),
                    format!("Bearer {t}"),
                ))
            })
            .collect(),
    );
    let mut seed = [0u8; 8];
    let _ = getrandom::fill(&mut seed);
    let mut rng = u64::from_le_bytes(seed) | 1;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let mut previous: Vec<Acked> = Vec::new();
    let (mut max_start, mut total_acked, mut total_checked) = (0u128, 0usize, 0usize);
    for round in 0..kills {
        let t0 = Instant::now();
        let mut child = Command::new(&server)
            .args([
                "--db",
                &db,
                "--addr",
                &addr.to_string(),
                "--snapshot-every",
                &snapshot_every,
            ])
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|_| fail("spawn server"));
        let mut conn = loop {
            if let Ok(c) = Conn::connect(addr).await {
                break c;
            }
            if t0.elapsed() > Duration::from_secs(120) {
                fail("server did not start in 120 s");
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        };
        let started = t0.elapsed().as_millis();
        max_start = max_start.max(started);
        // Every acknowledged request of the last round is in the state: the retry gets the stored
        // answer back (same event ids), not a new decision.
        for a in previous.drain(..) {
            let r = conn
                .request(
                    "POST",
                    "/v1/call-home",
                    &[("authorization", &a.auth), ("idempotency-key", &a.rid)],
                    a.body.as_bytes(),
                )
                .await
                .unwrap_or_else(|_| fail("resend"));
            if r.body != a.answer {
                fail(&format!(
                    "round {round}: acknowledged request {} answered {:?}, before the kill {:?}",
                    a.rid, r.body, a.answer
                ));
            }
            total_checked += 1;
        }
        let acked = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for c in 0..conns {
            let (lines, acked) = (lines.clone(), acked.clone());
            let offset = (next() as usize) % lines.len();
            tasks.push(tokio::spawn(async move {
                let Ok(mut conn) = Conn::connect(addr).await else {
                    return;
                };
                for i in 0.. {
                    let (body, auth) = &lines[(offset + i * conns + c) % lines.len()];
                    let rid = format!("r{round}-c{c}-{i}");
                    match conn
                        .request(
                            "POST",
                            "/v1/call-home",
                            &[("authorization", auth), ("idempotency-key", &rid)],
                            body.as_bytes(),
                        )
                        .await
                    {
                        Ok(a) if a.status == 200 => {
                            if let Ok(mut v) = acked.lock() {
                                v.push(Acked {
                                    rid,
                                    body: body.clone(),
                                    auth: auth.clone(),
                                    answer: a.body,
                                })
                            }
                        }
                        Ok(a) => {
                            eprintln!("unexpected answer {} {}", a.status, a.body);
                            std::process::exit(1)
                        }
                        Err(_) => return, // killed
                    }
                }
            }));
        }
        let wait = 100 + next() % 900;
        tokio::time::sleep(Duration::from_millis(wait)).await;
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        for t in tasks {
            let _ = t.await;
        }
        previous = std::mem::take(&mut *acked.lock().unwrap_or_else(|p| p.into_inner()));
        total_acked += previous.len();
        let out = Command::new(&server)
            .args(["--db", &db, "--verify"])
            .output()
            .unwrap_or_else(|_| fail("verify"));
        if !out.status.success() {
            fail(&format!(
                "round {round}: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        eprintln!(
            "round {round}: start-up {started} ms, killed after {wait} ms, {} acknowledged; {}",
            previous.len(),
            String::from_utf8_lossy(&out.stdout).trim()
        );
    }
    // A last start to check the final round's acknowledgements.
    let mut child = Command::new(&server)
        .args(["--db", &db, "--addr", &addr.to_string()])
        .stdout(Stdio::null())
        .spawn()
        .unwrap_or_else(|_| fail("spawn server"));
    let t0 = Instant::now();
    let mut conn = loop {
        if let Ok(c) = Conn::connect(addr).await {
            break c;
        }
        if t0.elapsed() > Duration::from_secs(120) {
            fail("server did not start");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    for a in previous.drain(..) {
        let r = conn
            .request(
                "POST",
                "/v1/call-home",
                &[("authorization", &a.auth), ("idempotency-key", &a.rid)],
                a.body.as_bytes(),
            )
            .await
            .unwrap_or_else(|_| fail("resend"));
        if r.body != a.answer {
            fail(&format!("acknowledged request {} lost", a.rid));
        }
        total_checked += 1;
    }
    let _ = child.kill();
    let _ = child.wait();
    println!(
        "crashtest ok: {kills} SIGKILLs, {total_acked} acknowledged requests, {total_checked} re-checked after restart, verify passed after every kill, slowest start-up {max_start} ms"
    );
}
