//! The connection pools: parallel readers, one writer, every connection configured the
//! same way (WAL, foreign keys, busy timeout, durability) when it is created, and every
//! SQLite call run on the blocking thread pool, never on an async worker thread.
//!
//! The pool is this crate's own rather than deadpool-sqlite: deadpool-sqlite 0.13 pins
//! rusqlite 0.38, whose bundled SQLite 3.51.1 can deadlock when connections to one WAL file
//! close concurrently, and deadpool-sqlite 0.14 needs rusqlite 0.40, which cannot share a
//! lockfile with sqlx 0.9 (both link `sqlite3`). What the adapter needs is small: a fixed
//! set of connections, each lent to one blocking closure at a time.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use auth_adapter_core::{AdapterError, Result};
use rusqlite::Connection;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, TryAcquireError};

use crate::errors::{PoolFailure, pool_error};
use crate::options::{SqliteOptions, Synchronous};

/// Prepared statements kept per connection (`prepare_cached`): more than the adapter uses.
const STATEMENT_CACHE: usize = 64;

/// What a connection is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Reads only (`PRAGMA query_only`), one of several.
    Reader,
    /// The one connection every write goes through.
    Writer,
    /// The single connection of an in-memory database: reads and writes.
    Memory,
}

#[derive(Debug, Clone, Copy)]
struct Settings {
    role: Role,
    busy_timeout: Duration,
    synchronous: Synchronous,
}

/// The pools behind a [`SqliteAdapter`](crate::SqliteAdapter).
pub(crate) struct Connections {
    readers: Pool,
    writer: Pool,
    location: Location,
    /// Keeps a named in-memory database alive while the pool replaces its connection (a
    /// connection is discarded after a panic in its task). Never used for statements.
    /// Declared after the pools so that it is closed after them.
    _keeper: Option<Mutex<Connection>>,
}

/// Where the database lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Location {
    File(PathBuf),
    Memory,
}

impl std::fmt::Debug for Connections {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connections")
            .field("location", &self.location)
            .field("readers", &self.readers)
            .field("writer", &self.writer)
            .finish()
    }
}

impl Connections {
    /// Pools over the database file at `path` (created if missing). Opens the writer
    /// connection right away, so a bad path or a file that is not a database fails here.
    pub(crate) async fn open_file(path: &Path, options: &SqliteOptions) -> Result<Self> {
        require_runtime()?;
        let writer = Pool::new(path, 1, settings(Role::Writer, options), options);
        let readers = Pool::new(
            path,
            options.get_readers(),
            settings(Role::Reader, options),
            options,
        );
        let connections = Connections {
            readers,
            writer,
            location: Location::File(path.to_path_buf()),
            _keeper: None,
        };
        // Creates the file, switches it to WAL and checks it is a database.
        connections
            .write(|conn| {
                conn.query_row("SELECT count(*) FROM sqlite_master", [], |row| {
                    row.get::<_, i64>(0)
                })
                .map_err(crate::errors::driver_error)
            })
            .await?;
        Ok(connections)
    }

    /// A private in-memory database: a uniquely named shared-cache database, one working
    /// connection for reads and writes (shared-cache connections lock whole tables, so
    /// parallel readers would fail instead of waiting), and one idle connection that keeps
    /// the database alive for as long as the adapter lives.
    pub(crate) async fn open_memory(options: &SqliteOptions) -> Result<Self> {
        require_runtime()?;
        let uri = format!(
            "file:auth-adapter-sqlite-{}?mode=memory&cache=shared",
            uuid::Uuid::new_v4()
        );
        let keeper = tokio::task::spawn_blocking({
            let uri = uri.clone();
            move || Connection::open(uri)
        })
        .await
        .map_err(|e| AdapterError::backend("could not open the in-memory database", e))?
        .map_err(|e| AdapterError::backend("could not open the in-memory database", e))?;
        let pool = Pool::new(Path::new(&uri), 1, settings(Role::Memory, options), options);
        Ok(Connections {
            readers: pool.clone(),
            writer: pool,
            location: Location::Memory,
            _keeper: Some(Mutex::new(keeper)),
        })
    }

    pub(crate) fn location(&self) -> &Location {
        &self.location
    }

    /// Runs `f` on a reader connection, on the blocking thread pool.
    pub(crate) async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        self.readers.run(f).await
    }

    /// Runs `f` on the writer connection, on the blocking thread pool. Calls queue (without
    /// blocking a thread) for the one writer, so they never meet `SQLITE_BUSY` from each
    /// other.
    pub(crate) async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        self.writer.run(f).await
    }

    /// Closes both pools: idle connections are closed now, busy ones when their call ends,
    /// and later calls (and calls still waiting for a connection) fail.
    pub(crate) fn close(&self) {
        self.readers.close();
        self.writer.close();
    }
}

impl Drop for Connections {
    /// Closes the idle connections on the dropping thread: `sqlite3_close` needs no
    /// runtime, so dropping the adapter outside of one (after `block_on` returned, or after
    /// the runtime itself is gone) works, and the file is closed when `drop` returns.
    fn drop(&mut self) {
        self.close();
    }
}

/// `spawn_blocking` panics outside a Tokio runtime; opening checks first so that an adapter
/// opened on another executor fails with an error instead.
fn require_runtime() -> Result<()> {
    tokio::runtime::Handle::try_current()
        .map(drop)
        .map_err(|e| AdapterError::backend("the SQLite adapter needs a Tokio runtime", e))
}

fn settings(role: Role, options: &SqliteOptions) -> Settings {
    Settings {
        role,
        busy_timeout: options.get_busy_timeout(),
        synchronous: options.get_synchronous(),
    }
}

/// A fixed number of connections to one database, each lent to one blocking closure at a
/// time. Connections are opened on first need and kept; one whose closure panicked is
/// closed and a new one opened in its place on a later call. Cheap to clone (shared state).
#[derive(Clone)]
struct Pool {
    shared: Arc<Shared>,
}

struct Shared {
    /// What a new connection opens: the file path, or the `file:` URI of a memory database.
    target: PathBuf,
    settings: Settings,
    size: usize,
    acquire_timeout: Duration,
    /// One permit per connection: holding one is the right to use one connection. Tokio's
    /// semaphore queues waiters fairly (first come, first served), so writes run in the
    /// order they were called. Closed by [`Pool::close`], which fails every waiter.
    permits: Arc<Semaphore>,
    idle: Mutex<Idle>,
}

/// The connections no closure is using. Holds at most `size - (permits taken)` of them: a
/// permit holder takes one (or opens one if there is none) and puts it back before giving
/// up its permit.
struct Idle {
    connections: Vec<Connection>,
    closed: bool,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let idle = self.shared.lock_idle();
        f.debug_struct("Pool")
            .field("size", &self.shared.size)
            .field("available", &self.shared.permits.available_permits())
            .field("idle_open", &idle.connections.len())
            .field("closed", &idle.closed)
            .finish()
    }
}

impl Pool {
    fn new(target: &Path, size: usize, settings: Settings, options: &SqliteOptions) -> Self {
        // `readers()` already keeps the count at least 1; a pool of 0 would wait forever.
        let size = size.max(1);
        Pool {
            shared: Arc::new(Shared {
                target: target.to_path_buf(),
                settings,
                size,
                acquire_timeout: options.get_acquire_timeout(),
                permits: Arc::new(Semaphore::new(size)),
                idle: Mutex::new(Idle {
                    connections: Vec::with_capacity(size),
                    closed: false,
                }),
            }),
        }
    }

    /// Waits (up to the acquire timeout) for a free connection, then runs `f` on it on the
    /// blocking thread pool.
    ///
    /// The permit and the connection go to the blocking task, not to this future: a caller
    /// that gives up (drops the future) while `f` runs leaves `f` to finish, and the
    /// connection comes back only then, so the next call never sees a half-done statement.
    async fn run<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let permit = self.acquire().await.map_err(pool_error)?;
        let shared = Arc::clone(&self.shared);
        match tokio::task::spawn_blocking(move || shared.run_blocking(permit, f)).await {
            Ok(result) => result,
            // `run_blocking` catches panics, so a join error is a task the runtime dropped
            // unstarted while shutting down (its permit went with it).
            Err(e) if e.is_panic() => Err(pool_error(PoolFailure::Panic)),
            Err(_) => Err(pool_error(PoolFailure::Cancelled)),
        }
    }

    async fn acquire(&self) -> std::result::Result<OwnedSemaphorePermit, PoolFailure> {
        let permits = Arc::clone(&self.shared.permits);
        // The uncontended path takes no timer.
        match Arc::clone(&permits).try_acquire_owned() {
            Ok(permit) => return Ok(permit),
            Err(TryAcquireError::Closed) => return Err(PoolFailure::Closed),
            Err(TryAcquireError::NoPermits) => {}
        }
        match tokio::time::timeout(self.shared.acquire_timeout, permits.acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_closed)) => Err(PoolFailure::Closed),
            Err(_elapsed) => Err(PoolFailure::Timeout),
        }
    }

    /// Fails every waiting and later call, and closes the idle connections on this thread.
    /// Connections in use are closed by their blocking task when its closure returns.
    fn close(&self) {
        self.shared.permits.close();
        let idle = {
            let mut idle = self.shared.lock_idle();
            idle.closed = true;
            std::mem::take(&mut idle.connections)
        };
        // Closed outside the lock: `sqlite3_close` may checkpoint the WAL (disk I/O).
        drop(idle);
    }
}

impl Shared {
    /// The body of a call, on a blocking thread, holding `permit` until the connection is
    /// back in the pool.
    fn run_blocking<T, F>(&self, permit: OwnedSemaphorePermit, f: F) -> Result<T>
    where
        F: FnOnce(&mut Connection) -> Result<T>,
    {
        let mut conn = match self.take_idle().map_err(pool_error)? {
            Some(conn) => conn,
            None => self.open().map_err(pool_error)?,
        };
        // A panic must not take the blocking thread's caller down with it; the closure's
        // `Transaction` (if any) rolls back as the panic unwinds inside it.
        let outcome = catch_unwind(AssertUnwindSafe(|| f(&mut conn)));
        match outcome {
            Ok(result) => {
                self.give_back(conn);
                drop(permit);
                result
            }
            Err(_payload) => {
                // The connection may be in any state (a `BEGIN` the closure ran by hand, a
                // half-stepped statement): close it; the next holder of this permit opens a
                // fresh one. The payload is dropped unread: it could hold anything.
                drop(conn);
                drop(permit);
                Err(pool_error(PoolFailure::Panic))
            }
        }
    }

    fn lock_idle(&self) -> MutexGuard<'_, Idle> {
        // Nothing panics while holding this lock (push, pop, take), so a poisoned lock
        // still holds a consistent list.
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn take_idle(&self) -> std::result::Result<Option<Connection>, PoolFailure> {
        let mut idle = self.lock_idle();
        if idle.closed {
            // A permit taken just before `close`: do not open a connection nobody closes.
            return Err(PoolFailure::Closed);
        }
        Ok(idle.connections.pop())
    }

    fn give_back(&self, conn: Connection) {
        let mut idle = self.lock_idle();
        if idle.closed {
            drop(idle);
            // Closed after this call took its connection: close it here, on the blocking
            // thread, as `close` would have.
            drop(conn);
        } else {
            idle.connections.push(conn);
        }
    }

    /// Opens and configures a new connection. Runs on a blocking thread; bounded by the
    /// busy timeout when another process holds a lock the pragmas need.
    fn open(&self) -> std::result::Result<Connection, PoolFailure> {
        let mut conn = Connection::open(&self.target).map_err(PoolFailure::Open)?;
        configure(&mut conn, self.settings).map_err(PoolFailure::Configure)?;
        Ok(conn)
    }
}

/// Sets the pragmas every connection runs with.
fn configure(
    conn: &mut Connection,
    settings: Settings,
) -> std::result::Result<(), Box<dyn std::error::Error + Send + Sync>> {
    conn.busy_timeout(settings.busy_timeout)?;
    if settings.role != Role::Memory {
        let mode: String =
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(format!(
                "could not switch the database to WAL mode (journal_mode is {mode})"
            )
            .into());
        }
    }
    conn.pragma_update(None, "synchronous", settings.synchronous.pragma_value())?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    if settings.role == Role::Reader {
        conn.pragma_update(None, "query_only", "ON")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::mpsc;

    /// Every wait in these tests is bounded: a broken pool fails them, never hangs them.
    const PATIENCE: Duration = Duration::from_secs(20);

    async fn within<T>(what: &str, future: impl std::future::Future<Output = T>) -> T {
        match tokio::time::timeout(PATIENCE, future).await {
            Ok(value) => value,
            Err(_) => panic!("{what} did not finish within {PATIENCE:?}"),
        }
    }

    fn temp_db() -> PathBuf {
        std::env::temp_dir().join(format!("auth-adapter-sqlite-{}.db", uuid::Uuid::new_v4()))
    }

    fn remove_db(path: &Path) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }

    /// Occupies the writer until `release` is sent to (or dropped), bounded by PATIENCE.
    fn hold_writer(
        connections: &Arc<Connections>,
    ) -> (
        tokio::sync::oneshot::Receiver<()>,
        mpsc::Sender<()>,
        tokio::task::JoinHandle<Result<()>>,
    ) {
        let (held_tx, held_rx) = tokio::sync::oneshot::channel();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let connections = Arc::clone(connections);
        let call = tokio::spawn(async move {
            connections
                .write(move |_| {
                    let _ = held_tx.send(());
                    let _ = release_rx.recv_timeout(PATIENCE);
                    Ok(())
                })
                .await
        });
        (held_rx, release_tx, call)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn waiting_past_the_acquire_timeout_is_a_transient_error() {
        let path = temp_db();
        let options = SqliteOptions::default().acquire_timeout(Duration::from_millis(100));
        let connections = Arc::new(Connections::open_file(&path, &options).await.unwrap());
        let (held, release, busy) = hold_writer(&connections);
        within("the holding call", held).await.unwrap();
        let err = within("the waiting call", connections.write(|_| Ok(())))
            .await
            .unwrap_err();
        assert!(err.is_transient(), "{err:?}");
        assert!(err.to_string().contains("timed out"), "{err}");
        release.send(()).unwrap();
        within("the holding call", busy).await.unwrap().unwrap();
        // The writer is free again.
        within("a later call", connections.write(|_| Ok(())))
            .await
            .unwrap();
        drop(connections);
        remove_db(&path);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn closing_fails_waiters_and_closes_a_busy_connection_when_its_call_ends() {
        let path = temp_db();
        let connections = Arc::new(
            Connections::open_file(&path, &SqliteOptions::default())
                .await
                .unwrap(),
        );
        let (held, release, busy) = hold_writer(&connections);
        within("the holding call", held).await.unwrap();
        let waiter = tokio::spawn({
            let connections = Arc::clone(&connections);
            async move { connections.write(|_| Ok(())).await }
        });
        // Let the waiter queue for the writer before closing.
        tokio::time::sleep(Duration::from_millis(50)).await;
        connections.close();
        let err = within("the waiting call", waiter)
            .await
            .unwrap()
            .unwrap_err();
        assert!(err.to_string().contains("closed"), "{err}");
        release.send(()).unwrap();
        within("the holding call", busy).await.unwrap().unwrap();
        // The busy connection was closed when its call ended, not put back.
        assert_eq!(connections.writer.shared.lock_idle().connections.len(), 0);
        let err = within("a later call", connections.read(|_| Ok(())))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("closed"), "{err}");
        drop(connections);
        remove_db(&path);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn at_most_the_configured_readers_run_at_once_and_connections_are_reused() {
        const READERS: usize = 2;
        let path = temp_db();
        let connections = Arc::new(
            Connections::open_file(&path, &SqliteOptions::default().readers(READERS))
                .await
                .unwrap(),
        );
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let mut calls = Vec::new();
        for _ in 0..3 * READERS {
            let connections = Arc::clone(&connections);
            let running = Arc::clone(&running);
            let most = Arc::clone(&most);
            calls.push(tokio::spawn(async move {
                connections
                    .read(move |_| {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(100));
                        running.fetch_sub(1, Ordering::SeqCst);
                        Ok(())
                    })
                    .await
            }));
        }
        for call in calls {
            within("a read", call).await.unwrap().unwrap();
        }
        assert_eq!(most.load(Ordering::SeqCst), READERS);
        assert_eq!(
            connections.readers.shared.lock_idle().connections.len(),
            READERS
        );
        drop(connections);
        remove_db(&path);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_panic_in_a_blocking_task_is_a_backend_error_and_the_pool_recovers() {
        let connections = Connections::open_memory(&SqliteOptions::default())
            .await
            .unwrap();
        connections
            .write(|conn| {
                conn.execute_batch("CREATE TABLE t (x integer)")
                    .map_err(crate::errors::driver_error)
            })
            .await
            .unwrap();
        let err = connections
            .write(|conn| -> Result<()> {
                let tx = conn.transaction().map_err(crate::errors::driver_error)?;
                tx.execute("INSERT INTO t VALUES (1)", [])
                    .map_err(crate::errors::driver_error)?;
                panic!("boom inside the transaction");
            })
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                AdapterError::Backend {
                    transient: false,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("panicked"), "{err}");
        // The poisoned connection was replaced, the database (kept alive) is still there, and
        // the panicking transaction left nothing behind.
        let rows = connections
            .read(|conn| {
                conn.query_row("SELECT count(*) FROM t", [], |row| row.get::<_, i64>(0))
                    .map_err(crate::errors::driver_error)
            })
            .await
            .unwrap();
        assert_eq!(rows, 0);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_panic_on_the_file_writer_is_a_backend_error_and_writes_go_on() {
        let path =
            std::env::temp_dir().join(format!("auth-adapter-sqlite-{}.db", uuid::Uuid::new_v4()));
        let connections = Connections::open_file(&path, &SqliteOptions::default())
            .await
            .unwrap();
        let err = connections
            .write(|_| -> Result<()> { panic!("boom") })
            .await
            .unwrap_err();
        assert!(matches!(err, AdapterError::Backend { .. }), "{err:?}");
        connections
            .write(|conn| {
                conn.execute_batch("CREATE TABLE t (x integer); INSERT INTO t VALUES (1);")
                    .map_err(crate::errors::driver_error)
            })
            .await
            .unwrap();
        drop(connections);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
}
