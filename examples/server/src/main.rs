//! `keyledger-server --db licences.db [--addr 127.0.0.1:8080] [--admin-token T]`
//!
//! Other modes (one-shot, then exit):
//! - `--create-msp NAME`: add an MSP and print its console token (shown once).
//! - `--load-only`: load the state as start-up does (snapshot + tail), print the time, exit
//!   (with `/usr/bin/time` or `perf stat`: the CPU cost of a restart).
//! - `--verify`: SQLite integrity check, and every MSP's snapshot + tail equals the full replay.
//! - `--seed N --keys-out FILE`: add an MSP "load" with N activated licences, built in-process and
//!   stored as events plus a snapshot; FILE gets one `key machine machine-token` line per licence.

use keyledger_server::{http, store, world, writer, Config};
use std::io::Write;
use std::path::PathBuf;

fn usage() -> ! {
    eprintln!(
        "usage: keyledger-server --db FILE [--addr HOST:PORT] [--admin-token TOKEN] [--snapshot-every N]\n\
         \x20      [--activation-limit BURST,PER_SECOND] [--address-limit BURST,PER_SECOND]\n\
         \x20      keyledger-server --db FILE --create-msp NAME\n\
         \x20      keyledger-server --db FILE --verify | --load-only\n\
         \x20      keyledger-server --db FILE --seed N [--msps 10] --keys-out FILE"
    );
    std::process::exit(2)
}

fn rate(text: &str) -> http::Rate {
    let mut it = text.split(',').map(|x| x.parse::<f64>());
    match (it.next(), it.next()) {
        (Some(Ok(burst)), Some(Ok(per_second))) if burst >= 1.0 && per_second > 0.0 => {
            http::Rate { burst, per_second }
        }
        _ => usage(),
    }
}

fn seed(
    db: &std::path::Path,
    n: usize,
    shards: usize,
    out: &std::path::Path,
) -> Result<(), String> {
    use keyledger::catalog::presets;
    use keyledger::licence::LedgerCommand;
    let t0 = std::time::Instant::now();
    let mut conn = store::open(db)?;
    let machine_secret = store::secret(&conn, "machine_secret")?;
    let mut file = std::io::BufWriter::new(std::fs::File::create(out).map_err(|e| e.to_string())?);
    // Whole seconds: the instant every seeded licence was activated.
    let now =
        chrono::DateTime::from_timestamp(chrono::Utc::now().timestamp(), 0).unwrap_or_default();
    let shards = shards.max(1);
    let mut made = 0usize;
    let mut tokens = Vec::new();
    let mut total_events = 0;
    for s in 0..shards {
        let (id, token) = store::create_msp(&conn, &format!("load-{s}"))?;
        tokens.push(token);
        let secret: Vec<u8> = conn
            .query_row("SELECT issuer_secret FROM msps WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .map_err(|e| e.to_string())?;
        let secret: [u8; 32] = secret.try_into().map_err(|_| "secret".to_string())?;
        let issuer = world::issuer(&secret).map_err(|e| e.to_string())?;
        let mut ledger = world::new_ledger();
        let want = n / shards + usize::from(s < n % shards);
        let mut events = Vec::with_capacity(want + want / 1000 + 1);
        let mut here = 0usize;
        while here < want {
            let q = (want - here).min(1000) as u32;
            let g = ledger
                .generate_keys(
                    &issuer,
                    presets::SHADOWPROTECT_MSP,
                    q,
                    world::default_container(),
                    now,
                )
                .map_err(|e| e.to_string())?;
            events.extend(g.events.into_iter().map(|e| (id, e)));
            for key in g.keys {
                let machine = format!("m{made}");
                let out = ledger
                    .execute(
                        LedgerCommand::Activate {
                            key,
                            machine: machine.clone(),
                            msp_name: format!("Load MSP {s}"),
                            customer_name: format!("Customer {}", made % 1000),
                            computer_role: None,
                            edition: Some("Server".into()),
                        },
                        now,
                    )
                    .map_err(|e| e.to_string())?;
                events.extend(out.events.into_iter().map(|e| (id, e)));
                writeln!(
                    file,
                    "{key} {machine} {}",
                    http::machine_token(&machine_secret, &key, &machine)
                )
                .map_err(|e| e.to_string())?;
                made += 1;
                here += 1;
            }
        }
        let tx = conn.transaction().map_err(|e| e.to_string())?;
        store::insert_events(&tx, &events)?;
        tx.commit().map_err(|e| e.to_string())?;
        let body = ledger.to_json().map_err(|e| e.to_string())?;
        store::write_snapshot_file(&store::snapshot_dir(db), id, ledger.next_event_id(), &body)?;
        total_events += events.len();
    }
    file.flush().map_err(|e| e.to_string())?;
    println!(
        "seeded {made} licences in {shards} MSP(s) \"load-*\", {total_events} events, in {:.1} s; console token of load-0: {}",
        t0.elapsed().as_secs_f64(),
        tokens.first().cloned().unwrap_or_default()
    );
    Ok(())
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let mut cfg = Config {
        db: PathBuf::from("licences.db"),
        addr: "127.0.0.1:8080".parse().unwrap_or_else(|_| usage()),
        admin_token: std::env::var("KEYLEDGER_ADMIN_TOKEN").ok(),
        limits: http::Limits::default(),
        clock: writer::Clock::System,
        writer: writer::WriterConfig::default(),
    };
    let (mut create, mut verify, mut seed_n, mut keys_out, mut shards) =
        (None, false, None, None, 10);
    let mut load_only = false;
    while let Some(a) = args.next() {
        let mut val = || args.next().unwrap_or_else(|| usage());
        match a.as_str() {
            "--db" => cfg.db = PathBuf::from(val()),
            "--addr" => cfg.addr = val().parse().unwrap_or_else(|_| usage()),
            "--admin-token" => cfg.admin_token = Some(val()),
            "--snapshot-every" => {
                cfg.writer.snapshot_every = val().parse().unwrap_or_else(|_| usage())
            }
            "--activation-limit" => cfg.limits.per_key = rate(&val()),
            "--address-limit" => cfg.limits.per_address = rate(&val()),
            "--create-msp" => create = Some(val()),
            "--verify" => verify = true,
            "--load-only" => load_only = true,
            "--seed" => seed_n = Some(val().parse::<usize>().unwrap_or_else(|_| usage())),
            "--keys-out" => keys_out = Some(PathBuf::from(val())),
            "--msps" => shards = val().parse::<usize>().unwrap_or_else(|_| usage()),
            _ => usage(),
        }
    }
    if let Some(name) = create {
        let r = store::open(&cfg.db).and_then(|c| store::create_msp(&c, &name));
        match r {
            Ok((id, token)) => println!("msp {id} {name:?} console token: {token}"),
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(1)
            }
        }
        return;
    }
    if verify {
        match store::open(&cfg.db).and_then(|c| store::verify(&c, &cfg.db)) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("verify FAILED: {e}");
                std::process::exit(1)
            }
        }
        return;
    }
    if load_only {
        let t = std::time::Instant::now();
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        match store::open(&cfg.db).and_then(|c| store::load_world(&c, &cfg.db, threads)) {
            Ok((w, tail)) => println!(
                "loaded {} licences, {tail} tail events, in {} ms ({threads} threads)",
                w.licence_count(),
                t.elapsed().as_millis()
            ),
            Err(e) => {
                eprintln!("load FAILED: {e}");
                std::process::exit(1)
            }
        }
        return;
    }
    if let Some(n) = seed_n {
        let out = keys_out.unwrap_or_else(|| usage());
        if let Err(e) = seed(&cfg.db, n, shards, &out) {
            eprintln!("seed failed: {e}");
            std::process::exit(1)
        }
        return;
    }
    let running = match keyledger_server::start(cfg).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("start failed: {e}");
            std::process::exit(1)
        }
    };
    println!(
        "listening on http://{} (loaded {} licences, {} tail events, in {} ms); console at http://{}/console/",
        running.addr, running.licences, running.tail_events, running.load_ms, running.addr
    );
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .unwrap_or_else(|_| usage());
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    running.stop().await;
}
