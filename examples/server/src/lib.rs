//! keyledger's reference licence server: the library embedded in an HTTP service over SQLite.
//!
//! - [`world`]: one ledger per MSP, requests turned into core commands (all rules are the core's);
//! - [`writer`]: the single writer, group commit (one transaction, one fsync per batch) before
//!   any answer is sent;
//! - [`store`]: SQLite (WAL): event log, snapshots, MSPs, idempotency records;
//! - [`http`]: axum routes, auth, rate and size limits, error mapping;
//! - [`openapi`], [`console`]: the API description and the demo console page;
//! - [`client`]: a tiny HTTP/1.1 client for tests, the load generator and the crash test.

pub mod client;
pub mod console;
pub mod http;
pub mod openapi;
pub mod store;
pub mod world;
pub mod writer;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Instant;

/// Server settings.
#[derive(Clone, Debug)]
pub struct Config {
    /// SQLite file.
    pub db: PathBuf,
    /// Address to listen on.
    pub addr: SocketAddr,
    /// Admin token (for `POST /v1/admin/msps`); none disables the endpoint.
    pub admin_token: Option<String>,
    /// Activation rate limits.
    pub limits: http::Limits,
    /// The clock.
    pub clock: writer::Clock,
    /// Writer settings.
    pub writer: writer::WriterConfig,
}

/// A running server.
pub struct Running {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Milliseconds spent loading the state at start-up.
    pub load_ms: u128,
    /// Events applied from the log tail at start-up.
    pub tail_events: usize,
    /// Licences loaded.
    pub licences: usize,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    checkpoint_stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    server: Option<tokio::task::JoinHandle<()>>,
    writer: Option<std::thread::JoinHandle<()>>,
    snapshot_stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    snapshotter: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    /// Stops accepting, lets the writer finish, then the snapshotter snapshot every MSP with a
    /// tail; waits for all of them.
    pub async fn stop(mut self) {
        if let Some(s) = self.shutdown.take() {
            let _ = s.send(());
        }
        if let Some(h) = self.server.take() {
            let _ = h.await;
        }
        if let Some(w) = self.writer.take() {
            let _ = tokio::task::spawn_blocking(move || w.join()).await;
        }
        self.snapshot_stop
            .store(true, std::sync::atomic::Ordering::SeqCst);
        if let Some(s) = self.snapshotter.take() {
            let _ = tokio::task::spawn_blocking(move || s.join()).await;
        }
        self.checkpoint_stop
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Opens the database, loads the state (snapshot + tail), starts the writer and the HTTP server.
pub async fn start(cfg: Config) -> Result<Running, String> {
    let t0 = Instant::now();
    let conn = store::open(&cfg.db)?;
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let (world, tail_events) = store::load_world(&conn, &cfg.db, threads)?;
    let machine_secret = store::secret(&conn, "machine_secret")?;
    let load_ms = t0.elapsed().as_millis();
    if std::env::var_os("KEYLEDGER_TIMINGS").is_some() {
        eprintln!("state loaded in {load_ms} ms");
    }
    let licences = world.licence_count();
    let (tx, rx) = tokio::sync::mpsc::channel(65_536);
    let clock = cfg.clock.clone();
    let wcfg = cfg.writer.clone();
    let snapshot_every = wcfg.snapshot_every;
    let writer = std::thread::Builder::new()
        .name("writer".into())
        .spawn(move || {
            if let Err(e) = writer::run(conn, world, rx, clock, wcfg) {
                // The ledger may be ahead of the database: stop; the restart reloads the truth.
                eprintln!("writer failed, stopping: {e}");
                std::process::exit(3);
            }
        })
        .map_err(|e| format!("writer thread: {e}"))?;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (cdb, cstop) = (cfg.db.clone(), stop.clone());
    std::thread::Builder::new()
        .name("checkpointer".into())
        .spawn(move || store::checkpointer(&cdb, cstop))
        .map_err(|e| format!("checkpointer thread: {e}"))?;
    let snapshot_stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (sdb, sstop) = (cfg.db.clone(), snapshot_stop.clone());
    let snapshotter = std::thread::Builder::new()
        .name("snapshotter".into())
        .spawn(move || {
            // Snapshots only shorten the next start-up (the log is the truth): on an error the
            // server goes on without them and says so.
            if let Err(e) = store::snapshotter(&sdb, snapshot_every, &sstop) {
                eprintln!("snapshotter failed, no more snapshots until a restart: {e}");
            }
        })
        .map_err(|e| format!("snapshotter thread: {e}"))?;
    let app = http::App::new(
        tx,
        machine_secret,
        cfg.admin_token.as_deref().map(store::hash_token),
        cfg.limits,
        cfg.clock.clone(),
    );
    let listener = tokio::net::TcpListener::bind(cfg.addr)
        .await
        .map_err(|e| format!("bind {}: {e}", cfg.addr))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let router = http::router(app);
    let server = tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = stop_rx.await;
        })
        .await;
    });
    Ok(Running {
        addr,
        load_ms,
        tail_events,
        licences,
        shutdown: Some(stop_tx),
        checkpoint_stop: stop,
        server: Some(server),
        writer: Some(writer),
        snapshot_stop,
        snapshotter: Some(snapshotter),
    })
}
