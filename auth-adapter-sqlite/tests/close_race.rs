//! Regression test for the close-time deadlock of SQLite 3.51.1's unix VFS (rusqlite #1860):
//! with connections to one WAL file closing on several threads at once, `unixClose` (holding
//! the global VFS mutex, waiting for the file's inode mutex) and `sqlite3WalClose` →
//! `unixLock` → `unixIsSharingShmNode` (holding the inode mutex, waiting for the global one)
//! could wait on each other forever. It hung `scripts/test` about once in 50 runs.
//!
//! Each test runs many threads that open, use and close connections to one file, round after
//! round, lined up so that their closes coincide. A deadlock cannot be caught from inside
//! (the stuck threads are parked in `pthread_mutex_lock`), so the test's own thread is a
//! watchdog: it waits for the workers with a time limit and, past it, fails naming each
//! worker that has not finished and the step it is stuck at. The stuck threads are left
//! behind; the test binary still exits once its tests are done.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers may panic

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use auth_adapter_core::{Adapter, NewUser};
use auth_adapter_sqlite::rusqlite::Connection;
use auth_adapter_sqlite::{SqliteAdapter, SqliteOptions, Synchronous};
use common::TempDir;

/// Workers per test: enough for several closes to coincide even on two cores.
const THREADS: usize = 16;
/// Rounds of raw rusqlite connections, and of whole adapters (200 in all); each round opens
/// and closes one connection (or adapter) per worker.
const RAW_ROUNDS: usize = 150;
const ADAPTER_ROUNDS: usize = 50;
/// Both tests take a few seconds; a minute means a worker is stuck, not slow.
const LIMIT: Duration = Duration::from_secs(60);
/// How long a statement waits for another worker's lock before failing (never reached in a
/// passing run: it turns lock trouble into an error instead of a silent wait).
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

type WorkResult = Result<(), String>;

/// What each worker is doing now, for the watchdog's report.
struct Steps(Vec<Mutex<String>>);

impl Steps {
    fn new() -> Self {
        Steps(
            (0..THREADS)
                .map(|_| Mutex::new("starting".into()))
                .collect(),
        )
    }

    fn set(&self, worker: usize, step: String) {
        *lock(&self.0[worker]) = step;
    }

    fn get(&self, worker: usize) -> String {
        lock(&self.0[worker]).clone()
    }
}

/// A lock whose holder panicked still holds a readable step: the report must not fail.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A barrier that lines the workers up before each open and each close (so that closes
/// coincide, which is what the deadlock needs), and that a failing worker can break: the
/// others then stop with an error instead of waiting for it forever.
struct Gate {
    state: Mutex<GateState>,
    turned: Condvar,
}

struct GateState {
    arrived: usize,
    generation: u64,
    broken: bool,
}

impl Gate {
    fn new() -> Self {
        Gate {
            state: Mutex::new(GateState {
                arrived: 0,
                generation: 0,
                broken: false,
            }),
            turned: Condvar::new(),
        }
    }

    /// Waits for every worker. No timeout of its own: a worker stuck elsewhere keeps the
    /// others here, and the watchdog reports them all.
    fn wait(&self) -> WorkResult {
        let mut state = lock(&self.state);
        let generation = state.generation;
        state.arrived += 1;
        if state.arrived == THREADS {
            state.arrived = 0;
            state.generation += 1;
            self.turned.notify_all();
        }
        while state.generation == generation && !state.broken {
            state = self
                .turned
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        if state.broken {
            Err("stopped: another worker failed".into())
        } else {
            Ok(())
        }
    }

    fn break_up(&self) {
        lock(&self.state).broken = true;
        self.turned.notify_all();
    }
}

/// Runs `work(worker, gate, steps)` on [`THREADS`] threads and waits at most [`LIMIT`] for
/// all of them; fails with every worker's error, or, past the limit, with the workers that
/// are still running and their current step.
fn run_watched<W>(name: &str, work: W)
where
    W: Fn(usize, &Gate, &Steps) -> WorkResult + Send + Sync + 'static,
{
    let work = Arc::new(work);
    let gate = Arc::new(Gate::new());
    let steps = Arc::new(Steps::new());
    let (done_tx, done_rx) = mpsc::channel::<(usize, WorkResult)>();
    for worker in 0..THREADS {
        let (work, gate, steps, done_tx) = (
            Arc::clone(&work),
            Arc::clone(&gate),
            Arc::clone(&steps),
            done_tx.clone(),
        );
        std::thread::Builder::new()
            .name(format!("{name}-{worker}"))
            .spawn(move || {
                let result = catch_unwind(AssertUnwindSafe(|| work(worker, &gate, &steps)))
                    .unwrap_or_else(|_| Err(format!("panicked at: {}", steps.get(worker))));
                if result.is_err() {
                    gate.break_up();
                }
                // The watchdog may have given up already; nobody to tell then.
                let _ = done_tx.send((worker, result));
            })
            .unwrap();
    }
    drop(done_tx);

    let deadline = Instant::now() + LIMIT;
    let mut running = [true; THREADS];
    let mut failures = Vec::new();
    while running.contains(&true) {
        match done_rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok((worker, result)) => {
                running[worker] = false;
                if let Err(e) = result {
                    failures.push(format!("worker {worker}: {e}"));
                }
            }
            Err(RecvTimeoutError::Timeout) => {
                let stuck: Vec<String> = (0..THREADS)
                    .filter(|&worker| running[worker])
                    .map(|worker| format!("  {name}-{worker}: {}", steps.get(worker)))
                    .collect();
                panic!(
                    "{name}: {} of {THREADS} workers still running after {LIMIT:?}; stuck at \
                     (several at a close step is the unix-VFS close deadlock of SQLite 3.51.1, \
                     rusqlite #1860):\n{}",
                    stuck.len(),
                    stuck.join("\n")
                );
            }
            Err(RecvTimeoutError::Disconnected) => {
                panic!("{name}: a worker thread ended without reporting")
            }
        }
    }
    assert!(failures.is_empty(), "{name}:\n{}", failures.join("\n"));
}

/// A WAL database with the table the raw workers write to.
fn raw_database(path: &Path) {
    let conn = Connection::open(path).unwrap();
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    conn.execute_batch("CREATE TABLE t (worker integer NOT NULL, round integer NOT NULL)")
        .unwrap();
}

/// One raw round: open, switch to WAL (a no-op on a WAL file, as every adapter connection
/// runs it), write a row, read it back, close, with the opens and the closes lined up.
fn raw_round(path: &Path, worker: usize, round: usize, gate: &Gate, steps: &Steps) -> WorkResult {
    let step = |what: &str| steps.set(worker, format!("round {round}: {what}"));
    let fail = |what: &str, e: &dyn std::fmt::Display| format!("round {round}: {what}: {e}");
    step("waiting for the others to open");
    gate.wait()?;
    step("opening");
    let conn = Connection::open(path).map_err(|e| fail("open", &e))?;
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(|e| fail("busy_timeout", &e))?;
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
        .map_err(|e| fail("journal_mode", &e))?;
    if mode != "wal" {
        return Err(fail("journal_mode", &mode));
    }
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(|e| fail("synchronous", &e))?;
    step("writing");
    conn.execute(
        "INSERT INTO t (worker, round) VALUES (?1, ?2)",
        [worker as i64, round as i64],
    )
    .map_err(|e| fail("insert", &e))?;
    step("reading");
    let rows: i64 = conn
        .query_row(
            "SELECT count(*) FROM t WHERE worker = ?1",
            [worker as i64],
            |row| row.get(0),
        )
        .map_err(|e| fail("select", &e))?;
    if rows != round as i64 + 1 {
        return Err(fail("rows of this worker", &rows));
    }
    step("waiting for the others to close");
    gate.wait()?;
    step("closing (sqlite3_close)");
    conn.close().map_err(|(_, e)| fail("close", &e))?;
    Ok(())
}

#[test]
fn raw_connections_to_one_wal_file_open_and_close_concurrently_without_deadlock() {
    let dir = TempDir::new();
    let path = dir.db();
    raw_database(&path);
    let worker_path = path.clone();
    run_watched("raw", move |worker, gate, steps| {
        for round in 0..RAW_ROUNDS {
            raw_round(&worker_path, worker, round, gate, steps)?;
        }
        steps.set(worker, "done".into());
        Ok(())
    });
    let conn = Connection::open(&path).unwrap();
    let rows: i64 = conn
        .query_row("SELECT count(*) FROM t", [], |row| row.get(0))
        .unwrap();
    assert_eq!(rows, (THREADS * RAW_ROUNDS) as i64);
}

fn adapter_options() -> SqliteOptions {
    // Durability is not what this test is about; NORMAL spares an fsync per write.
    SqliteOptions::default()
        .readers(2)
        .busy_timeout(BUSY_TIMEOUT)
        .synchronous(Synchronous::Normal)
}

/// One adapter round: open an adapter, write, read, drop it (which closes its writer and
/// reader connections on this thread), with the opens and the drops lined up.
fn adapter_round(
    runtime: &tokio::runtime::Runtime,
    path: &Path,
    worker: usize,
    round: usize,
    gate: &Gate,
    steps: &Steps,
) -> WorkResult {
    let step = |what: &str| steps.set(worker, format!("round {round}: {what}"));
    let fail = |what: &str, e: &dyn std::fmt::Display| format!("round {round}: {what}: {e}");
    step("waiting for the others to open");
    gate.wait()?;
    step("opening the adapter");
    let adapter = runtime
        .block_on(SqliteAdapter::open(path, adapter_options()))
        .map_err(|e| fail("open", &e))?;
    step("writing (create_user)");
    let user = runtime
        .block_on(adapter.create_user(NewUser::default()))
        .map_err(|e| fail("create_user", &e))?;
    step("reading (get_user)");
    let found = runtime
        .block_on(adapter.get_user(&user.id))
        .map_err(|e| fail("get_user", &e))?;
    if found.as_ref() != Some(&user) {
        return Err(fail("get_user", &format!("{found:?}")));
    }
    step("waiting for the others to drop");
    gate.wait()?;
    step("dropping the adapter (sqlite3_close of its connections)");
    drop(adapter);
    Ok(())
}

#[test]
fn adapters_on_one_file_open_and_drop_concurrently_without_deadlock() {
    let dir = TempDir::new();
    let path: PathBuf = dir.db();
    let setup = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    setup.block_on(async {
        let adapter = SqliteAdapter::open(&path, adapter_options().migrate_on_open(true))
            .await
            .unwrap();
        drop(adapter);
    });
    let worker_path = path.clone();
    run_watched("adapter", move |worker, gate, steps| {
        // Each worker has its own runtime, so the adapters' blocking calls run on many
        // threads at once and each drop happens on its worker's own thread.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("runtime: {e}"))?;
        for round in 0..ADAPTER_ROUNDS {
            adapter_round(&runtime, &worker_path, worker, round, gate, steps)?;
        }
        steps.set(worker, "done".into());
        Ok(())
    });
    let users: i64 = Connection::open(&path)
        .unwrap()
        .query_row("SELECT count(*) FROM user", [], |row| row.get(0))
        .unwrap();
    assert_eq!(users, (THREADS * ADAPTER_ROUNDS) as i64);
}
