//! SQLite storage: the event log (one row per event, per MSP), snapshots, MSPs, idempotency
//! records, and the server's secrets. WAL mode with `synchronous=FULL`: a commit is durable when
//! it returns (one fsync of the WAL per transaction, so one per batch).

use crate::world::{self, Msp, Resp, World};
use keyledger::licence::offline::CertificateIssuer;
use keyledger::licence::{Ledger, LedgerEvent};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use std::collections::HashMap;
use std::path::Path;

/// Errors of the storage layer (reported as text; the server stops on them).
pub type StoreResult<T> = Result<T, String>;

fn err<E: std::fmt::Display>(what: &'static str) -> impl Fn(E) -> String {
    move |e| format!("{what}: {e}")
}

/// Opens (and creates) the database with the server's pragmas and tables.
pub fn open(path: &Path) -> StoreResult<Connection> {
    let conn = Connection::open(path).map_err(err("open"))?;
    // Default 4 KiB pages: a commit appends every page it changed to the WAL, so small pages keep
    // a batch's WAL write (and its fsync) small. Snapshots are files beside the database, not
    // blobs in it (the `snapshots` table is only read, for databases written by earlier versions).
    conn.execute_batch(
        "PRAGMA journal_mode=WAL;
         PRAGMA synchronous=FULL;
         PRAGMA busy_timeout=5000;
         PRAGMA wal_autocheckpoint=0;
         CREATE TABLE IF NOT EXISTS config (name TEXT PRIMARY KEY, value BLOB NOT NULL);
         CREATE TABLE IF NOT EXISTS msps (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,
             token_hash BLOB NOT NULL UNIQUE, issuer_secret BLOB NOT NULL);
         CREATE TABLE IF NOT EXISTS events (msp INTEGER NOT NULL, id INTEGER NOT NULL,
             body TEXT NOT NULL, PRIMARY KEY (msp, id)) WITHOUT ROWID;
         CREATE TABLE IF NOT EXISTS snapshots (msp INTEGER PRIMARY KEY, next_event INTEGER NOT NULL,
             body TEXT NOT NULL);
         CREATE TABLE IF NOT EXISTS requests (scope TEXT NOT NULL, rid TEXT NOT NULL,
             status INTEGER NOT NULL, content_type TEXT NOT NULL, body TEXT NOT NULL,
             PRIMARY KEY (scope, rid)) WITHOUT ROWID;",
    )
    .map_err(err("schema"))?;
    Ok(conn)
}

/// Checkpoints the WAL into the database file from another connection, off the writer's path:
/// `PASSIVE` never blocks the writer (automatic checkpoints are off on every connection, so a
/// commit never pays for one). Runs until `stop` is set.
pub fn checkpointer(path: &Path, stop: std::sync::Arc<std::sync::atomic::AtomicBool>) {
    let Ok(conn) = open(path) else { return };
    while !stop.load(std::sync::atomic::Ordering::SeqCst) {
        std::thread::sleep(std::time::Duration::from_millis(500));
        let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
    }
}

/// 32 random bytes from the operating system.
pub fn random32() -> StoreResult<[u8; 32]> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(err("getrandom"))?;
    Ok(b)
}

/// A secret from the config table, made on first use.
pub fn secret(conn: &Connection, name: &str) -> StoreResult<[u8; 32]> {
    let found: Option<Vec<u8>> = conn
        .query_row("SELECT value FROM config WHERE name = ?1", [name], |r| {
            r.get(0)
        })
        .optional()
        .map_err(err("config"))?;
    if let Some(v) = found {
        return v
            .try_into()
            .map_err(|_| format!("config {name} is not 32 bytes"));
    }
    let s = random32()?;
    conn.execute(
        "INSERT INTO config (name, value) VALUES (?1, ?2)",
        params![name, s.to_vec()],
    )
    .map_err(err("config"))?;
    Ok(s)
}

/// SHA-256 of a token's text.
pub fn hash_token(token: &str) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(token.as_bytes()).into()
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Creates an MSP with a fresh random console token; returns (row id, token). The token is shown
/// once; only its SHA-256 is stored.
pub fn create_msp(conn: &Connection, name: &str) -> StoreResult<(i64, String)> {
    let token = hex(&random32()?);
    let secret = random32()?;
    conn.execute(
        "INSERT INTO msps (name, token_hash, issuer_secret) VALUES (?1, ?2, ?3)",
        params![name, hash_token(&token).to_vec(), secret.to_vec()],
    )
    .map_err(err("create msp"))?;
    Ok((conn.last_insert_rowid(), token))
}

/// Appends events (one row each) inside the caller's transaction.
pub fn insert_events(tx: &Transaction<'_>, events: &[(i64, LedgerEvent)]) -> StoreResult<()> {
    let mut st = tx
        .prepare_cached("INSERT INTO events (msp, id, body) VALUES (?1, ?2, ?3)")
        .map_err(err("prepare"))?;
    for (msp, e) in events {
        let body = serde_json::to_string(e).map_err(err("event json"))?;
        st.execute(params![msp, e.id as i64, body])
            .map_err(err("insert event"))?;
    }
    Ok(())
}

/// A stored answer for a request id.
pub fn find_request(tx: &Transaction<'_>, scope: &str, rid: &str) -> StoreResult<Option<Resp>> {
    let mut st = tx
        .prepare_cached(
            "SELECT status, content_type, body FROM requests WHERE scope = ?1 AND rid = ?2",
        )
        .map_err(err("prepare"))?;
    st.query_row(params![scope, rid], |r| {
        let ct: String = r.get(1)?;
        Ok(Resp {
            status: r.get::<_, i64>(0)? as u16,
            content_type: if ct.starts_with("text/csv") {
                "text/csv; charset=utf-8"
            } else {
                "application/json"
            },
            body: r.get(2)?,
        })
    })
    .optional()
    .map_err(err("find request"))
}

/// Stores the answer for a request id.
pub fn insert_request(tx: &Transaction<'_>, scope: &str, rid: &str, r: &Resp) -> StoreResult<()> {
    let mut st = tx
        .prepare_cached(
            "INSERT INTO requests (scope, rid, status, content_type, body) VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .map_err(err("prepare"))?;
    st.execute(params![scope, rid, r.status as i64, r.content_type, r.body])
        .map_err(err("insert request"))?;
    Ok(())
}

/// Where an MSP's snapshot files live: `<db>.snapshots/` beside the database.
pub fn snapshot_dir(db: &Path) -> std::path::PathBuf {
    let mut name = db.file_name().unwrap_or_default().to_os_string();
    name.push(".snapshots");
    db.with_file_name(name)
}

/// Writes a snapshot file crash-safely: a temporary file, fsync, rename to
/// `msp-<id>-<next event>.json`, fsync of the directory; then removes the MSP's older files. A
/// crash at any point leaves the previous complete snapshot (or none) in place.
pub fn write_snapshot_file(dir: &Path, msp: i64, next_event: u64, body: &str) -> StoreResult<()> {
    use std::io::Write;
    std::fs::create_dir_all(dir).map_err(err("snapshot dir"))?;
    let tmp = dir.join(format!("msp-{msp}.tmp"));
    let mut f = std::fs::File::create(&tmp).map_err(err("snapshot tmp"))?;
    // Written and synced a few MiB at a time: a snapshot is tens of MiB, and leaving all of it
    // dirty in the page cache would make the writer's next WAL fsync wait for it (ext4 commits
    // pending data with the journal).
    for chunk in body.as_bytes().chunks(4 << 20) {
        f.write_all(chunk).map_err(err("snapshot write"))?;
        f.sync_data().map_err(err("snapshot fsync"))?;
    }
    f.sync_all().map_err(err("snapshot fsync"))?;
    drop(f);
    let name = format!("msp-{msp}-{next_event:020}.json");
    std::fs::rename(&tmp, dir.join(&name)).map_err(err("snapshot rename"))?;
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(err("snapshot dir fsync"))?;
    for (_, old) in snapshot_files(dir, msp) {
        if old.file_name().is_some_and(|n| n != name.as_str()) {
            let _ = std::fs::remove_file(old);
        }
    }
    Ok(())
}

/// The next event id of an MSP's newest snapshot (file or row), 0 without one.
fn snapshot_next(conn: &Connection, dir: &Path, msp: i64) -> StoreResult<u64> {
    let row: Option<i64> = conn
        .query_row(
            "SELECT next_event FROM snapshots WHERE msp = ?1",
            [msp],
            |r| r.get(0),
        )
        .optional()
        .map_err(err("snapshot"))?;
    let file = snapshot_files(dir, msp).pop().map_or(0, |(n, _)| n);
    Ok(file.max(row.unwrap_or(0).max(0) as u64))
}

/// Keeps every MSP's snapshot fresh **off the writer**: the writer never clones, serialises or
/// writes a ledger. This thread reads committed events from its own connection (WAL: it never
/// blocks the writer), keeps its own copy of each MSP's ledger it has snapshotted (loaded once,
/// then caught up from the log), and writes a snapshot file when an MSP's log has grown `every`
/// events past its newest snapshot. When `stop` is set (after the writer has finished) it
/// snapshots every MSP with a tail, so a clean restart replays nothing, and returns.
pub fn snapshotter(
    path: &Path,
    every: u64,
    stop: &std::sync::atomic::AtomicBool,
) -> StoreResult<()> {
    let conn = open(path)?;
    let dir = snapshot_dir(path);
    let every = every.max(1);
    let mut held: HashMap<i64, Ledger> = HashMap::new();
    let mut written: HashMap<i64, u64> = HashMap::new();
    loop {
        let stopping = stop.load(std::sync::atomic::Ordering::SeqCst);
        let ids: Vec<i64> = conn
            .prepare_cached("SELECT id FROM msps ORDER BY id")
            .map_err(err("prepare"))?
            .query_map([], |r| r.get(0))
            .map_err(err("msps"))?
            .collect::<Result<_, _>>()
            .map_err(err("msps"))?;
        for id in ids {
            let logged: i64 = conn
                .prepare_cached("SELECT coalesce(max(id) + 1, 0) FROM events WHERE msp = ?1")
                .map_err(err("prepare"))?
                .query_row([id], |r| r.get(0))
                .map_err(err("events"))?;
            let logged = logged.max(0) as u64;
            let snap = match written.get(&id) {
                Some(n) => *n,
                None => snapshot_next(&conn, &dir, id)?,
            };
            written.insert(id, snap);
            let due = logged.saturating_sub(snap) >= every || (stopping && logged > snap);
            if !due {
                continue;
            }
            let ledger = match held.entry(id) {
                std::collections::hash_map::Entry::Occupied(o) => {
                    let l = o.into_mut();
                    let from = l.next_event_id();
                    apply_tail(&conn, id, from, l)?;
                    l
                }
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(load_ledger(&conn, &dir, id, Load::SnapshotAndTail)?.0)
                }
            };
            let body = ledger.to_json().map_err(err("snapshot json"))?;
            write_snapshot_file(&dir, id, ledger.next_event_id(), &body)?;
            written.insert(id, ledger.next_event_id());
        }
        if stopping {
            return Ok(());
        }
        for _ in 0..10 {
            if stop.load(std::sync::atomic::Ordering::SeqCst) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }
}

/// The MSP's snapshot files, (next event, path), oldest first.
fn snapshot_files(dir: &Path, msp: i64) -> Vec<(u64, std::path::PathBuf)> {
    let prefix = format!("msp-{msp}-");
    let mut out: Vec<(u64, std::path::PathBuf)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let n = name
                .strip_prefix(&prefix)?
                .strip_suffix(".json")?
                .parse()
                .ok()?;
            Some((n, e.path()))
        })
        .collect();
    out.sort();
    out
}

/// Applies the stored events of an MSP from `from` on.
fn apply_tail(conn: &Connection, msp: i64, from: u64, ledger: &mut Ledger) -> StoreResult<usize> {
    let mut st = conn
        .prepare("SELECT body FROM events WHERE msp = ?1 AND id >= ?2 ORDER BY id")
        .map_err(err("prepare"))?;
    let mut rows = st.query(params![msp, from as i64]).map_err(err("events"))?;
    let mut n = 0;
    while let Some(row) = rows.next().map_err(err("events"))? {
        let body: String = row.get(0).map_err(err("events"))?;
        let e: LedgerEvent = serde_json::from_str(&body).map_err(err("event json"))?;
        ledger
            .apply(&e)
            .map_err(|x| format!("event {} of msp {msp}: {x}", e.id))?;
        n += 1;
    }
    Ok(n)
}

/// How a ledger is loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Load {
    /// Latest snapshot plus the tail of the log (start-up).
    SnapshotAndTail,
    /// The whole log from event 0 (the check that the snapshot equals the log).
    FullReplay,
}

/// Loads one MSP's ledger.
pub fn load_ledger(
    conn: &Connection,
    dir: &Path,
    msp: i64,
    how: Load,
) -> StoreResult<(Ledger, usize)> {
    let tq = std::time::Instant::now();
    let snap: Option<(i64, String)> = if how == Load::SnapshotAndTail {
        conn.query_row(
            "SELECT next_event, body FROM snapshots WHERE msp = ?1",
            [msp],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(err("snapshot"))?
    } else {
        None
    };
    // The newest snapshot: a file written by the running server, or the row the seed wrote.
    let file = if how == Load::SnapshotAndTail {
        snapshot_files(dir, msp).pop()
    } else {
        None
    };
    let snap = match (snap, file) {
        (Some((n, _)), Some((f, path))) if f > n as u64 => Some((
            f as i64,
            std::fs::read_to_string(path).map_err(err("snapshot file"))?,
        )),
        (None, Some((f, path))) => Some((
            f as i64,
            std::fs::read_to_string(path).map_err(err("snapshot file"))?,
        )),
        (row, _) => row,
    };
    let t = std::time::Instant::now();
    let (mut ledger, from) = match snap {
        Some((next, body)) => (
            Ledger::from_json(&body).map_err(err("snapshot json"))?,
            next as u64,
        ),
        None => (world::new_ledger(), 0),
    };
    if std::env::var_os("KEYLEDGER_TIMINGS").is_some() {
        eprintln!(
            "msp {msp}: snapshot read in {} ms, parsed in {} ms",
            (t - tq).as_millis(),
            t.elapsed().as_millis()
        );
    }
    if ledger.next_event_id() != from {
        return Err(format!(
            "snapshot of msp {msp} says next event {from} but holds {}",
            ledger.next_event_id()
        ));
    }
    let n = apply_tail(conn, msp, from, &mut ledger)?;
    Ok((ledger, n))
}

/// Loads every MSP (snapshot + tail) and the server's secrets. Shards load in parallel, one
/// read connection per thread (`threads` at least 1).
pub fn load_world(conn: &Connection, path: &Path, threads: usize) -> StoreResult<(World, usize)> {
    let signer_secret = secret(conn, "certificate_secret")?;
    let mut st = conn
        .prepare("SELECT id, name, token_hash, issuer_secret FROM msps ORDER BY id")
        .map_err(err("prepare"))?;
    type Row = (i64, String, Vec<u8>, Vec<u8>);
    let rows: Vec<Row> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .map_err(err("msps"))?
        .collect::<Result<_, _>>()
        .map_err(err("msps"))?;
    let threads = threads.clamp(1, rows.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let loaded: Vec<StoreResult<Vec<(usize, Ledger, usize)>>> = std::thread::scope(|sc| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                sc.spawn(|| {
                    let c = Connection::open(path).map_err(err("open"))?;
                    let dir = snapshot_dir(path);
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        let Some(row) = rows.get(i) else { break };
                        let (l, n) = load_ledger(&c, &dir, row.0, Load::SnapshotAndTail)?;
                        out.push((i, l, n));
                    }
                    Ok(out)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("load thread panicked".into()))
            })
            .collect()
    });
    let mut ledgers: Vec<Option<(Ledger, usize)>> = (0..rows.len()).map(|_| None).collect();
    for part in loaded {
        for (i, l, n) in part? {
            ledgers[i] = Some((l, n));
        }
    }
    let mut msps = Vec::new();
    let mut tail = 0;
    for ((id, name, th, sec), l) in rows.into_iter().zip(ledgers) {
        let (ledger, n) = l.ok_or_else(|| format!("msp {id} not loaded"))?;
        let token_hash: [u8; 32] = th.try_into().map_err(|_| "bad token hash".to_string())?;
        let issuer_secret: [u8; 32] = sec.try_into().map_err(|_| "bad secret".to_string())?;
        tail += n;
        msps.push(Msp {
            id,
            name,
            token_hash,
            issuer: world::issuer(&issuer_secret).map_err(err("issuer"))?,
            issuer_secret,
            ledger,
        });
    }
    let prices = keyledger_examples::demo_prices("USD").map_err(err("prices"))?;
    Ok((
        World::new(msps, CertificateIssuer::new(0, &signer_secret), prices),
        tail,
    ))
}

/// The check run after a crash: for every MSP the ledger from snapshot + tail equals the ledger
/// replayed from the whole log, and SQLite's integrity check passes. Returns a summary line.
pub fn verify(conn: &Connection, path: &Path) -> StoreResult<String> {
    let dir = snapshot_dir(path);
    let ic: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(err("integrity_check"))?;
    if ic != "ok" {
        return Err(format!("integrity_check: {ic}"));
    }
    let ids: Vec<i64> = conn
        .prepare("SELECT id FROM msps ORDER BY id")
        .map_err(err("prepare"))?
        .query_map([], |r| r.get(0))
        .map_err(err("msps"))?
        .collect::<Result<_, _>>()
        .map_err(err("msps"))?;
    // MSPs are checked in parallel, one read connection per thread, as at start-up.
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, ids.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let counts: Vec<StoreResult<u64>> = std::thread::scope(|sc| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                sc.spawn(|| -> StoreResult<u64> {
                    let c = Connection::open(path).map_err(err("open"))?;
                    let mut events = 0;
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        let Some(id) = ids.get(i) else { break };
                        let (a, _) = load_ledger(&c, &dir, *id, Load::SnapshotAndTail)?;
                        let (b, _) = load_ledger(&c, &dir, *id, Load::FullReplay)?;
                        if a != b {
                            return Err(format!(
                                "msp {id}: snapshot + tail differs from the full replay"
                            ));
                        }
                        events += a.next_event_id();
                    }
                    Ok(events)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("verify thread panicked".into()))
            })
            .collect()
    });
    let mut events = 0u64;
    for n in counts {
        events += n?;
    }
    Ok(format!(
        "verify ok: integrity_check ok, {} msp(s), {events} events, snapshot + tail == full replay",
        ids.len()
    ))
}
