//! The connection pools: parallel readers, one writer, every connection configured the
//! same way (WAL, foreign keys, busy timeout, durability) when it is created, and every
//! SQLite call run on the blocking thread pool, never on an async worker thread.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use auth_adapter_core::{AdapterError, Result};
use deadpool_sqlite::{Config, Hook, HookError, Pool, Runtime};
use rusqlite::Connection;

use crate::errors::{interact_error, pool_error};
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
    /// The runtime the pools close their connections on (see `Drop`).
    runtime: tokio::runtime::Handle,
    /// Keeps a named in-memory database alive while the pool replaces its connection (a
    /// connection is discarded after a panic in its task). Never used for statements.
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
            .field("readers", &self.readers.status())
            .field("writer", &self.writer.status())
            .finish()
    }
}

impl Connections {
    /// Pools over the database file at `path` (created if missing). Opens the writer
    /// connection right away, so a bad path or a file that is not a database fails here.
    pub(crate) async fn open_file(path: &Path, options: &SqliteOptions) -> Result<Self> {
        let writer = build_pool(path, 1, settings(Role::Writer, options), options)?;
        let readers = build_pool(
            path,
            options.reader_count(),
            settings(Role::Reader, options),
            options,
        )?;
        let connections = Connections {
            readers,
            writer,
            location: Location::File(path.to_path_buf()),
            runtime: current_runtime()?,
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
        let pool = build_pool(Path::new(&uri), 1, settings(Role::Memory, options), options)?;
        Ok(Connections {
            readers: pool.clone(),
            writer: pool,
            location: Location::Memory,
            runtime: current_runtime()?,
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
        run(&self.readers, f).await
    }

    /// Runs `f` on the writer connection, on the blocking thread pool. Calls queue (without
    /// blocking a thread) for the one writer, so they never meet `SQLITE_BUSY` from each
    /// other.
    pub(crate) async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        run(&self.writer, f).await
    }

    /// Closes both pools: idle connections are closed, later calls fail.
    pub(crate) fn close(&self) {
        self.readers.close();
        self.writer.close();
    }
}

impl Drop for Connections {
    /// Closes the idle connections inside the runtime the adapter was opened on, so dropping
    /// the adapter outside of it (after `block_on` returned, say) does not panic: the pool
    /// closes each connection with `spawn_blocking`.
    fn drop(&mut self) {
        let _entered = self.runtime.enter();
        self.close();
    }
}

fn current_runtime() -> Result<tokio::runtime::Handle> {
    tokio::runtime::Handle::try_current()
        .map_err(|e| AdapterError::backend("the SQLite adapter needs a Tokio runtime", e))
}

async fn run<T, F>(pool: &Pool, f: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
{
    let conn = pool.get().await.map_err(pool_error)?;
    // A panic in `f` poisons the connection's lock: the pool discards it when it comes back,
    // and rusqlite's `Transaction` rolls back as the panic unwinds.
    conn.interact(f).await.map_err(interact_error)?
}

fn settings(role: Role, options: &SqliteOptions) -> Settings {
    Settings {
        role,
        busy_timeout: options.busy_timeout_value(),
        synchronous: options.synchronous_value(),
    }
}

fn build_pool(
    path: &Path,
    size: usize,
    settings: Settings,
    options: &SqliteOptions,
) -> Result<Pool> {
    Config::new(path)
        .builder(Runtime::Tokio1)
        .map_err(|e| match e {})?
        .max_size(size)
        .wait_timeout(Some(options.acquire_timeout_value()))
        .create_timeout(Some(options.acquire_timeout_value()))
        .post_create(Hook::async_fn(move |conn, _| {
            Box::pin(async move {
                conn.interact(move |conn| configure(conn, settings))
                    .await
                    .map_err(|e| HookError::message(format!("blocking task failed: {e}")))?
            })
        }))
        .build()
        .map_err(|e| AdapterError::backend("could not build the SQLite pool", e))
}

/// Sets the pragmas every connection runs with.
fn configure(conn: &mut Connection, settings: Settings) -> std::result::Result<(), HookError> {
    conn.busy_timeout(settings.busy_timeout)
        .map_err(HookError::Backend)?;
    if settings.role != Role::Memory {
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
            .map_err(HookError::Backend)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(HookError::message(format!(
                "could not switch the database to WAL mode (journal_mode is {mode})"
            )));
        }
    }
    conn.pragma_update(None, "synchronous", settings.synchronous.pragma_value())
        .map_err(HookError::Backend)?;
    conn.pragma_update(None, "foreign_keys", "ON")
        .map_err(HookError::Backend)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    if settings.role == Role::Reader {
        conn.pragma_update(None, "query_only", "ON")
            .map_err(HookError::Backend)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
