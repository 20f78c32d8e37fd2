//! The SQLite connections: pragmas on every pooled connection, readers that proceed while
//! a write transaction is open, no SQLITE_BUSY between our own writers, and one winner of
//! concurrent uses of a token.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers may panic

mod common;

use std::sync::Arc;
use std::time::Duration;

use auth_adapter_core::chrono::{DateTime, TimeDelta, Utc};
use auth_adapter_core::{
    AccountType, Adapter, AdapterAccount, AdapterSession, NewUser, VerificationToken,
};
use auth_adapter_sqlite::rusqlite::{self, Connection};
use auth_adapter_sqlite::{SqliteOptions, Synchronous};
use common::{Rendezvous, Scratch, within};

fn ms(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap()
}

#[derive(Debug, PartialEq, Eq)]
struct Pragmas {
    journal_mode: String,
    foreign_keys: i64,
    synchronous: i64,
    busy_timeout: i64,
    query_only: i64,
}

fn pragmas(conn: &Connection) -> rusqlite::Result<Pragmas> {
    let get = |name: &str| conn.query_row(&format!("PRAGMA {name}"), [], |r| r.get::<_, i64>(0));
    Ok(Pragmas {
        journal_mode: conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?,
        foreign_keys: get("foreign_keys")?,
        synchronous: get("synchronous")?,
        busy_timeout: get("busy_timeout")?,
        query_only: get("query_only")?,
    })
}

async fn check_pragmas_on_every_connection(synchronous: Synchronous, expected_synchronous: i64) {
    const READERS: usize = 3;
    let scratch = Scratch::with_options(
        SqliteOptions::default()
            .readers(READERS)
            .busy_timeout(Duration::from_millis(1234))
            .synchronous(synchronous),
    )
    .await;
    let adapter = Arc::new(scratch);
    // Every reader call waits at the rendezvous until all READERS run at once, so they run
    // on READERS distinct connections: the whole pool. (A pool that lent fewer connections
    // at once would fail the rendezvous, after a while, instead of hanging.)
    let barrier = Arc::new(Rendezvous::new(READERS));
    let mut calls = Vec::new();
    for _ in 0..READERS {
        let adapter = adapter.clone();
        let barrier = barrier.clone();
        calls.push(tokio::spawn(async move {
            adapter
                .adapter
                .with_reader(move |conn| {
                    barrier.wait();
                    pragmas(conn)
                })
                .await
                .unwrap()
        }));
    }
    let reader = Pragmas {
        journal_mode: "wal".into(),
        foreign_keys: 1,
        synchronous: expected_synchronous,
        busy_timeout: 1234,
        query_only: 1,
    };
    for call in calls {
        assert_eq!(within("a reader call", call).await.unwrap(), reader);
    }
    let writer = adapter
        .adapter
        .with_writer(|conn| pragmas(conn))
        .await
        .unwrap();
    assert_eq!(
        writer,
        Pragmas {
            query_only: 0,
            ..reader
        }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_pooled_connection_runs_wal_with_foreign_keys_and_full_sync() {
    check_pragmas_on_every_connection(Synchronous::Full, 2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn synchronous_normal_is_applied_when_chosen() {
    check_pragmas_on_every_connection(Synchronous::Normal, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readers_proceed_while_a_write_transaction_is_open() {
    let scratch = Scratch::new().await;
    let adapter = Arc::new(scratch);
    let before = adapter
        .create_user(NewUser::with_email("before@example.com"))
        .await
        .unwrap();

    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel::<()>();
    // A std channel for the blocking side: its wait is bounded, and it ends early if the
    // test fails and drops the sender.
    let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
    let writer = {
        let adapter = adapter.clone();
        tokio::spawn(async move {
            adapter
                .adapter
                .with_writer(move |conn| {
                    let tx = conn.transaction()?;
                    tx.execute(
                        "INSERT INTO user (id, email) VALUES ('pending', 'pending@example.com')",
                        [],
                    )?;
                    let _ = ready_tx.send(());
                    // Hold the write transaction open until the reads below are done.
                    let _ = go_rx.recv_timeout(common::PATIENCE);
                    tx.commit()
                })
                .await
        })
    };
    within("the writer to open its transaction", ready_rx)
        .await
        .unwrap();
    // The write lock is held and not committed: readers still answer, from the last commit.
    assert_eq!(adapter.get_user(&before.id).await.unwrap(), Some(before));
    assert_eq!(adapter.get_user("pending").await.unwrap(), None);
    assert_eq!(
        adapter
            .get_user_by_email("pending@example.com")
            .await
            .unwrap(),
        None
    );
    go_tx.send(()).unwrap();
    within("the writer", writer).await.unwrap().unwrap();
    assert!(adapter.get_user("pending").await.unwrap().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_never_fail_with_busy_even_without_a_busy_timeout() {
    // With a zero busy timeout any lock contention between our own writers would surface
    // at once as SQLITE_BUSY; the single writer means there is none.
    let scratch =
        Scratch::with_options(SqliteOptions::default().busy_timeout(Duration::ZERO)).await;
    let adapter = Arc::new(scratch);
    let mut tasks = Vec::new();
    for i in 0..32 {
        let adapter = adapter.clone();
        tasks.push(tokio::spawn(async move {
            let user = adapter
                .create_user(NewUser::with_email(format!("user{i}@example.com")))
                .await?;
            adapter
                .create_session(AdapterSession {
                    session_token: format!("token-{i}"),
                    user_id: user.id.clone(),
                    expires: Utc::now() + TimeDelta::days(1),
                })
                .await?;
            adapter
                .link_account(AdapterAccount::new(
                    &user.id,
                    AccountType::Oauth,
                    "github",
                    format!("gh-{i}"),
                ))
                .await?;
            Ok::<_, auth_adapter_core::AdapterError>(user)
        }));
    }
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(within("a writer task", task).await.unwrap().unwrap().id);
    }
    for (i, id) in ids.iter().enumerate() {
        let (_, user) = adapter
            .get_session_and_user(&format!("token-{i}"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(&user.id, id);
    }
    let count = adapter
        .adapter
        .with_reader(|conn| conn.query_row("SELECT count(*) FROM user", [], |r| r.get::<_, i64>(0)))
        .await
        .unwrap();
    assert_eq!(count, 32);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_concurrent_uses_of_one_token_exactly_one_wins() {
    let adapter = Arc::new(Scratch::new().await);
    let token = VerificationToken {
        identifier: "ada@example.com".into(),
        token: "hashed".into(),
        expires: ms(1_795_000_409_559),
    };
    adapter
        .create_verification_token(token.clone())
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let adapter = adapter.clone();
        tasks.push(tokio::spawn(async move {
            adapter
                .use_verification_token("ada@example.com", "hashed")
                .await
                .unwrap()
        }));
    }
    let mut winners = Vec::new();
    for task in tasks {
        winners.extend(within("a use_verification_token task", task).await.unwrap());
    }
    assert_eq!(winners, [token]);
}
