//! Opening, closing and dropping a SQLite adapter: the linked SQLite has the close-deadlock
//! fix, bad option values and files that are not databases are refused, in-memory
//! databases are private, a closed adapter fails calls, and neither a drop outside or
//! after the runtime nor a cancelled write panics or hangs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers may panic

mod common;

use std::sync::Arc;
use std::time::Duration;

use auth_adapter_core::chrono::{DateTime, Utc};
use auth_adapter_core::{Adapter, AdapterError, AdapterSession, NewUser};
use auth_adapter_sqlite::rusqlite;
use auth_adapter_sqlite::{SqliteAdapter, SqliteOptions};
use common::{Scratch, TempDir, within};

fn ms(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap()
}

/// SQLite 3.51.1 (bundled by rusqlite 0.38) can deadlock when connections to one WAL file
/// close on several threads at once: `unixClose` and `sqlite3WalClose` → `unixLock` →
/// `unixIsSharingShmNode` take the global VFS mutex and the file's inode mutex in opposite
/// orders (rusqlite #1860; fixed in SQLite 3.51.2). The workspace uses rusqlite 0.39, which
/// bundles 3.51.3. This fails if an older SQLite is ever linked again: a rusqlite downgrade,
/// or `LIBSQLITE3_SYS_USE_PKG_CONFIG` picking an old system library over the bundled one.
#[test]
fn the_linked_sqlite_has_the_close_deadlock_fix() {
    const FIXED: i32 = 3_051_003; // 3.51.3, what rusqlite 0.39 bundles
    assert!(
        rusqlite::version_number() >= FIXED,
        "SQLite {} is linked, but the adapter needs 3.51.3 or newer: 3.51.1's unix VFS can \
         deadlock when connections to one WAL file close concurrently (rusqlite #1860)",
        rusqlite::version()
    );
}

#[tokio::test]
async fn bad_option_values_are_invalid_input_never_clamped() {
    let dir = TempDir::new();
    let path = dir.path().join("bad.db");
    for (field, options) in [
        ("readers", SqliteOptions::default().readers(0)),
        (
            "acquire_timeout",
            SqliteOptions::default().acquire_timeout(Duration::ZERO),
        ),
    ] {
        for err in [
            SqliteAdapter::open(&path, options.clone())
                .await
                .unwrap_err(),
            SqliteAdapter::open_in_memory(options).await.unwrap_err(),
        ] {
            assert!(
                matches!(err, AdapterError::InvalidInput { field: f, .. } if f == field),
                "{field}: {err}"
            );
        }
    }
    assert!(!path.exists(), "nothing created");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_that_is_not_a_database_fails_to_open() {
    let dir = TempDir::new();
    std::fs::write(dir.db(), vec![b'x'; 4096]).unwrap();
    let err = SqliteAdapter::open(dir.db(), SqliteOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, auth_adapter_core::AdapterError::Backend { .. }),
        "{err:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_memory_databases_are_private_and_complete() {
    let options = SqliteOptions::default().migrate_on_open(true);
    let one = SqliteAdapter::open_in_memory(options.clone())
        .await
        .unwrap();
    let two = SqliteAdapter::open_in_memory(options).await.unwrap();
    assert_eq!(one.path(), None);
    let user = one
        .create_user(NewUser::with_email("ada@example.com"))
        .await
        .unwrap();
    one.create_session(AdapterSession {
        session_token: "t".into(),
        user_id: user.id.clone(),
        expires: ms(1_795_000_409_559),
    })
    .await
    .unwrap();
    assert!(one.get_session_and_user("t").await.unwrap().is_some());
    assert_eq!(two.get_user(&user.id).await.unwrap(), None);
    // Foreign keys are on in memory too.
    let fk = one
        .with_reader(|conn| conn.query_row("PRAGMA foreign_keys", [], |r| r.get::<_, i64>(0)))
        .await
        .unwrap();
    assert_eq!(fk, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_adapter_fails_calls_with_a_backend_error() {
    let adapter = Scratch::new().await;
    adapter.adapter.close();
    let err = adapter.get_user("x").await.unwrap_err();
    assert!(
        matches!(err, auth_adapter_core::AdapterError::Backend { .. }),
        "{err:?}"
    );
}

#[test]
fn dropping_the_adapter_outside_the_runtime_does_not_panic() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let dir = TempDir::new();
    let adapter = runtime.block_on(async {
        let adapter = SqliteAdapter::open(dir.db(), SqliteOptions::default().migrate_on_open(true))
            .await
            .unwrap();
        adapter.create_user(NewUser::default()).await.unwrap();
        adapter
    });
    drop(adapter);
    drop(runtime);
}

#[test]
fn dropping_the_adapter_after_its_runtime_does_not_panic() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = TempDir::new();
    let adapter = runtime.block_on(async {
        SqliteAdapter::open(dir.db(), SqliteOptions::default().migrate_on_open(true))
            .await
            .unwrap()
    });
    drop(runtime);
    drop(adapter);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_write_neither_hangs_nor_breaks_later_calls() {
    let adapter = Arc::new(Scratch::new().await);
    let (started_tx, started_rx) = tokio::sync::oneshot::channel::<()>();
    // Bounded on the blocking side, and released early if the test fails (sender dropped).
    let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
    let call = {
        let adapter = adapter.clone();
        tokio::spawn(async move {
            adapter
                .adapter
                .with_writer(move |conn| {
                    let _ = started_tx.send(());
                    let _ = go_rx.recv_timeout(common::PATIENCE);
                    conn.execute("INSERT INTO user (id) VALUES ('from-cancelled-call')", [])
                })
                .await
        })
    };
    within("the call to start", started_rx).await.unwrap();
    // The caller gives up while its statement is running on the blocking pool.
    call.abort();
    assert!(
        within("the aborted call", call)
            .await
            .unwrap_err()
            .is_cancelled()
    );
    let later = {
        let adapter = adapter.clone();
        tokio::spawn(async move { adapter.create_user(NewUser::default()).await })
    };
    go_tx.send(()).unwrap();
    // The next write waits for the abandoned statement to finish, then runs.
    let user = within("the later write", later).await.unwrap().unwrap();
    assert!(adapter.get_user(&user.id).await.unwrap().is_some());
    // The abandoned statement finished too: cancellation does not undo a write.
    assert!(
        adapter
            .get_user("from-cancelled-call")
            .await
            .unwrap()
            .is_some()
    );
}
