//! The single writer: owns the [`World`] (every ledger) and the database connection. Requests
//! arrive as [`Job`]s on a channel; the writer takes every job waiting (up to a batch size), runs
//! them against the ledgers, writes all their events and idempotency records in **one**
//! transaction (one fsync), and only then sends the answers (group commit). Snapshots are not its
//! work: [`store::snapshotter`] makes them from the committed log on its own thread.

use crate::store;
use crate::world::{Op, Resp, World};
use chrono::{DateTime, Utc};
use rusqlite::Connection;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// The server's clock. Tests use a manual one; the server the system clock.
#[derive(Clone, Debug)]
pub enum Clock {
    /// `Utc::now()`.
    System,
    /// Milliseconds since the epoch, set by the caller.
    Manual(Arc<AtomicI64>),
}

impl Clock {
    /// The current instant.
    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Manual(ms) => {
                DateTime::from_timestamp_millis(ms.load(Ordering::SeqCst)).unwrap_or_default()
            }
        }
    }
}

/// One request for the writer.
pub struct Job {
    /// What to do.
    pub op: Op,
    /// Idempotency scope and request id, if the request carried one.
    pub idem: Option<(String, String)>,
    /// Where the answer goes.
    pub reply: oneshot::Sender<Resp>,
}

/// Writer settings.
#[derive(Clone, Debug)]
pub struct WriterConfig {
    /// Most jobs in one transaction.
    pub max_batch: usize,
    /// Snapshot an MSP's ledger after this many new events of it (by [`store::snapshotter`], off
    /// the writer).
    pub snapshot_every: u64,
}

impl Default for WriterConfig {
    fn default() -> Self {
        WriterConfig {
            max_batch: 4096,
            snapshot_every: 100_000,
        }
    }
}

/// Runs the writer on the current (dedicated) thread until every sender is dropped.
pub fn run(
    mut conn: Connection,
    mut world: World,
    mut rx: mpsc::Receiver<Job>,
    clock: Clock,
    cfg: WriterConfig,
) -> store::StoreResult<()> {
    let mut last = clock.now();
    let mut last_checkpoint = std::time::Instant::now();
    let mut batch: Vec<Job> = Vec::with_capacity(cfg.max_batch);
    let mut answers: Vec<(oneshot::Sender<Resp>, Resp)> = Vec::with_capacity(cfg.max_batch);
    while let Some(first) = rx.blocking_recv() {
        batch.push(first);
        while batch.len() < cfg.max_batch {
            match rx.try_recv() {
                Ok(j) => batch.push(j),
                Err(_) => break,
            }
        }
        let tx = conn.transaction().map_err(|e| format!("begin: {e}"))?;
        for job in batch.drain(..) {
            // The clock never goes backwards for the ledgers.
            let now = clock.now().max(last);
            last = now;
            if let Some((scope, rid)) = &job.idem {
                if let Some(r) = store::find_request(&tx, scope, rid)? {
                    answers.push((job.reply, r));
                    continue;
                }
            }
            if let Op::CreateMsp { name } = &job.op {
                let resp = create_msp(&tx, &mut world, name)?;
                answers.push((job.reply, resp));
                continue;
            }
            let done = world.handle(job.op, now);
            store::insert_events(&tx, &done.events)?;
            // Only answers that are part of the state are replayed for a retried id; a refusal
            // (4xx) is stored too, so the retry gets the same answer without a second decision.
            if let Some((scope, rid)) = &job.idem {
                store::insert_request(&tx, scope, rid, &done.resp)?;
            }
            answers.push((job.reply, done.resp));
        }
        tx.commit().map_err(|e| format!("commit: {e}"))?;
        for (reply, resp) in answers.drain(..) {
            let _ = reply.send(resp);
        }
        // The checkpointer thread copies the WAL into the database while the writer commits, but
        // under steady load it never catches up with the last frames, and the WAL only starts
        // over from its beginning once every frame is copied: it would grow without end (and each
        // commit append to the file, a costlier sync than writing over it). So once a second,
        // between two batches (the answers are out), the writer checkpoints what is left, usually
        // a few hundred milliseconds of frames; the next commit then rewrites the WAL from its
        // start. PASSIVE: if the checkpointer is mid-way, this returns at once and waits a second.
        if last_checkpoint.elapsed() >= std::time::Duration::from_secs(1) {
            last_checkpoint = std::time::Instant::now();
            conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
                .map_err(|e| format!("checkpoint: {e}"))?;
        }
    }
    Ok(())
}

fn create_msp(conn: &Connection, world: &mut World, name: &str) -> store::StoreResult<Resp> {
    if world.msps.iter().any(|m| m.name == name) {
        return Ok(Resp::error(
            409,
            "server.duplicate_msp",
            "an MSP of that name exists",
            serde_json::Value::Null,
        ));
    }
    let (id, token) = store::create_msp(conn, name)?;
    let issuer_secret: [u8; 32] = conn
        .query_row("SELECT issuer_secret FROM msps WHERE id = ?1", [id], |r| {
            r.get::<_, Vec<u8>>(0)
        })
        .map_err(|e| format!("msp: {e}"))?
        .try_into()
        .map_err(|_| "bad secret".to_string())?;
    world.add_msp(crate::world::Msp {
        id,
        name: name.to_string(),
        token_hash: store::hash_token(&token),
        issuer: crate::world::issuer(&issuer_secret).map_err(|e| format!("issuer: {e}"))?,
        issuer_secret,
        ledger: crate::world::new_ledger(),
    });
    Ok(Resp::json(
        201,
        &serde_json::json!({"id": id, "name": name, "token": token}),
    ))
}
