//! A bounded call-home load generator (loopback only): `loadgen --addr 127.0.0.1:8080 --keys
//! keys.txt [--conns 64] [--requests 200000] [--seconds 30] [--rate 0]`.
//! `--rate 0` is closed loop (as fast as answers come); `--rate R` schedules R requests/s over the
//! connections and measures latency from the scheduled instant (no coordinated omission).

use keyledger_server::client::Conn;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn arg<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> T {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let addr: SocketAddr = arg(&args, "--addr", "127.0.0.1:8080".parse().expect("addr"));
    if !addr.ip().is_loopback() {
        eprintln!("loadgen only talks to loopback addresses");
        std::process::exit(2);
    }
    let keys_file: String = arg(&args, "--keys", "keys.txt".to_string());
    let conns: usize = arg(&args, "--conns", 64usize).max(1);
    let total: usize = arg(&args, "--requests", 200_000usize);
    let seconds: f64 = arg(&args, "--seconds", 30.0f64);
    let rate: f64 = arg(&args, "--rate", 0.0f64);
    let text = std::fs::read_to_string(&keys_file).expect("keys file");
    let bodies: Arc<Vec<(String, String)>> = Arc::new(
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
    assert!(!bodies.is_empty(), "no keys in {keys_file}");
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(seconds);
    let per_conn = total.div_ceil(conns);
    let mut tasks = Vec::new();
    for c in 0..conns {
        let bodies = bodies.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(per_conn);
            let mut errors = 0usize;
            let Ok(mut conn) = Conn::connect(addr).await else {
                return (lat, per_conn);
            };
            let interval = if rate > 0.0 {
                Duration::from_secs_f64(conns as f64 / rate)
            } else {
                Duration::ZERO
            };
            // Spread the connections' schedules over one interval.
            let first = start + interval.mul_f64(c as f64 / conns as f64);
            for i in 0..per_conn {
                let scheduled = if rate > 0.0 {
                    let at = first + interval * i as u32;
                    tokio::time::sleep_until(at.into()).await;
                    at
                } else {
                    Instant::now()
                };
                if Instant::now() > deadline {
                    break;
                }
                let (body, auth) = &bodies[(c + i * conns) % bodies.len()];
                match conn
                    .request(
                        "POST",
                        "/v1/call-home",
                        &[("authorization", auth)],
                        body.as_bytes(),
                    )
                    .await
                {
                    Ok(a) if a.status == 200 => lat.push(scheduled.elapsed()),
                    Ok(_) => errors += 1,
                    Err(_) => {
                        errors += 1;
                        match Conn::connect(addr).await {
                            Ok(c2) => conn = c2,
                            Err(_) => break,
                        }
                    }
                }
            }
            (lat, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        if let Ok((l, e)) = t.await {
            all.extend(l);
            errors += e;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    all.sort();
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(f64::NAN)
    };
    println!(
        "loadgen: {} ok, {errors} errors in {secs:.2} s = {:.0} call-homes/s (target rate {}), latency p50 {:.2} ms p99 {:.2} ms max {:.2} ms, {conns} connections",
        all.len(),
        all.len() as f64 / secs,
        if rate > 0.0 { format!("{rate:.0}/s") } else { "closed loop".into() },
        pct(0.50),
        pct(0.99),
        pct(1.0),
    );
    if errors > 0 {
        std::process::exit(1);
    }
}
