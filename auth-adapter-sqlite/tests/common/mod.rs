//! Test helpers: adapters on fresh database files in the system temp directory, removed
//! when the adapter is dropped.

#![allow(dead_code, unreachable_pub, clippy::expect_used, clippy::panic)]

use std::future::Future;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

use auth_adapter_core::Adapter;
use auth_adapter_sqlite::{Layout, SqliteAdapter, SqliteOptions};
use auth_adapter_tests::interop::Guarded;

/// How long a test waits for anything (a task, a signal, another call) before failing. Longer
/// than the adapter's own default waits (30 s for a connection), so those report first.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// `future`'s output, or a panic naming `what` once it has taken [`PATIENCE`]: a test that
/// waits must fail, not hang.
pub async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    match tokio::time::timeout(PATIENCE, future).await {
        Ok(value) => value,
        Err(_) => panic!("{what} did not finish within {PATIENCE:?}"),
    }
}

/// A barrier for blocking closures that gives up after [`PATIENCE`] (std's `Barrier` would
/// wait forever, and a Tokio runtime waits for its blocking tasks when it shuts down, so a
/// stuck closure would hang the whole test).
#[derive(Debug)]
pub struct Rendezvous {
    parties: usize,
    arrived: Mutex<usize>,
    all_here: Condvar,
}

impl Rendezvous {
    pub fn new(parties: usize) -> Self {
        Rendezvous {
            parties,
            arrived: Mutex::new(0),
            all_here: Condvar::new(),
        }
    }

    /// Waits until `parties` callers have arrived; panics with how many did if they do not
    /// within [`PATIENCE`]. One use per instance.
    pub fn wait(&self) {
        let mut arrived = self.arrived.lock().unwrap_or_else(PoisonError::into_inner);
        *arrived += 1;
        self.all_here.notify_all();
        let (arrived, timeout) = self
            .all_here
            .wait_timeout_while(arrived, PATIENCE, |arrived| *arrived < self.parties)
            .unwrap_or_else(PoisonError::into_inner);
        assert!(
            !timeout.timed_out(),
            "only {} of {} parties arrived within {PATIENCE:?}",
            *arrived,
            self.parties
        );
    }
}

/// A fresh directory for one test's database files.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new() -> Self {
        let dir =
            std::env::temp_dir().join(format!("auth-adapter-sqlite-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("create a temp dir");
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// `<dir>/auth.db`
    pub fn db(&self) -> PathBuf {
        self.0.join("auth.db")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A migrated adapter on its own file; the file goes when the adapter is dropped. Derefs to
/// a [`Guarded`] adapter: every `Adapter` method works on it, and `scratch.adapter` is the
/// `SqliteAdapter` itself.
#[derive(Debug)]
pub struct Scratch(Guarded<SqliteAdapter, TempDir>);

impl Scratch {
    pub async fn new() -> Self {
        Self::with_options(SqliteOptions::default()).await
    }

    pub async fn with_options(options: SqliteOptions) -> Self {
        let dir = TempDir::new();
        let adapter = SqliteAdapter::open(dir.db(), options)
            .await
            .expect("open the database");
        adapter.migrate().await.expect("migrate");
        Scratch(Guarded::new(adapter, dir))
    }
}

impl Deref for Scratch {
    type Target = Guarded<SqliteAdapter, TempDir>;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

/// The conformance suite's factory: a new migrated database file per call.
pub async fn fresh_adapter() -> Arc<dyn Adapter> {
    Arc::new(Scratch::new().await.0)
}

/// The counter suite's factory: a new migrated database file per call.
pub async fn fresh_counters() -> Arc<dyn auth_adapter_core::CounterStore> {
    Arc::new(Scratch::new().await.0)
}

/// A backend value for the suites that need both traits (`passwordless_suite!`): a new
/// migrated database file per call.
pub async fn fresh_store() -> Arc<Guarded<SqliteAdapter, TempDir>> {
    Arc::new(Scratch::new().await.0)
}

/// The token suite's factory: a new migrated database file per call.
pub async fn fresh_tokens() -> Arc<dyn auth_adapter_tests::TokenBackend> {
    Arc::new(Scratch::new().await.0)
}

/// The Prisma layout's factories: new migrated database files in `Layout::Prisma`.
pub fn prisma_options() -> SqliteOptions {
    SqliteOptions::default().layout(Layout::Prisma)
}

pub async fn fresh_prisma_adapter() -> Arc<dyn Adapter> {
    Arc::new(Scratch::with_options(prisma_options()).await.0)
}

pub async fn fresh_prisma_counters() -> Arc<dyn auth_adapter_core::CounterStore> {
    Arc::new(Scratch::with_options(prisma_options()).await.0)
}

pub async fn fresh_prisma_tokens() -> Arc<dyn auth_adapter_tests::TokenBackend> {
    Arc::new(Scratch::with_options(prisma_options()).await.0)
}

/// What the Prisma layout documents it cannot hold (see the crate docs): dates with
/// four-digit years (its text dates), 32-bit `Int` counters.
pub fn prisma_limits() -> auth_adapter_tests::Limits {
    let date = |text: &str| {
        text.parse::<chrono::DateTime<chrono::Utc>>()
            .expect("a date")
    };
    auth_adapter_tests::Limits::CONTRACT
        .dates(
            date("0000-01-01T00:00:00Z"),
            date("9999-12-31T23:59:59.999Z"),
        )
        .max_counter(i32::MAX as u32)
}
