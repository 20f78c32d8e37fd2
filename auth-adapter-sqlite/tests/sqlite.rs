//! What only the SQLite backend promises: migrations that create or adopt the drizzle
//! layout, pragmas on every connection, parallel readers beside one writer, no BUSY between
//! our own writers, durability across reopen, and tolerant reads of rows other clients wrote.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers may panic

mod common;

use std::sync::Arc;
use std::time::Duration;

use auth_adapter_core::chrono::{DateTime, TimeDelta, Utc};
use auth_adapter_core::{
    AccountType, Adapter, AdapterAccount, AdapterAuthenticator, AdapterError, AdapterSession,
    NewUser, VerificationToken,
};
use auth_adapter_sqlite::rusqlite::{self, Connection};
use auth_adapter_sqlite::{SCHEMA_VERSION, SqliteAdapter, SqliteOptions, Synchronous};
use common::{Rendezvous, Scratch, TempDir, within};

const TABLES: [&str; 5] = [
    "user",
    "account",
    "session",
    "verificationToken",
    "authenticator",
];

fn ms(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap()
}

fn names(conn: &Connection, kind: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT name FROM sqlite_master WHERE type = ?1 AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )?;
    stmt.query_map([kind], |row| row.get(0))?.collect()
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_creates_the_layout_and_a_second_run_changes_nothing() {
    let dir = TempDir::new();
    let adapter = SqliteAdapter::open(dir.db(), SqliteOptions::default())
        .await
        .unwrap();
    let first = adapter.migrate().await.unwrap();
    assert_eq!(first.created_tables, TABLES);
    assert_eq!(
        first.created_indexes,
        [
            "user_email_unique",
            "authenticator_credentialID_unique",
            "account_userId_idx",
            "session_userId_idx"
        ]
    );
    assert_eq!(first.previous_version, Some(0));

    let user = adapter
        .create_user(NewUser::with_email("ada@example.com"))
        .await
        .unwrap();
    let second = adapter.migrate().await.unwrap();
    assert!(second.is_noop(), "{second:?}");
    assert_eq!(second.previous_version, Some(SCHEMA_VERSION));
    assert_eq!(adapter.get_user(&user.id).await.unwrap(), Some(user));

    let (tables, version) = adapter
        .with_reader(|conn| {
            let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
            Ok((names(conn, "table")?, version))
        })
        .await
        .unwrap();
    let mut expected: Vec<String> = TABLES.iter().map(|t| t.to_string()).collect();
    expected.sort();
    assert_eq!(tables, expected);
    assert_eq!(version, SCHEMA_VERSION);
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
async fn migrate_on_open_when_asked() {
    let dir = TempDir::new();
    let adapter = SqliteAdapter::open(dir.db(), SqliteOptions::default().migrate_on_open(true))
        .await
        .unwrap();
    let user = adapter.create_user(NewUser::default()).await.unwrap();
    assert!(adapter.get_user(&user.id).await.unwrap().is_some());
    assert!(adapter.migrate().await.unwrap().is_noop());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_migrate_the_tables_are_missing_and_calls_fail_as_backend_errors() {
    let dir = TempDir::new();
    let adapter = SqliteAdapter::open(dir.db(), SqliteOptions::default())
        .await
        .unwrap();
    let err = adapter.create_user(NewUser::default()).await.unwrap_err();
    assert!(
        matches!(err, auth_adapter_core::AdapterError::Backend { .. }),
        "{err:?}"
    );
}

/// The statements drizzle-kit 0.31 generates for @auth/drizzle-adapter's SQLite tables
/// (checked against the real drizzle-kit in tests/interop.rs), minus the unique index on
/// `user.email`, plus a `__drizzle_migrations` table as `drizzle-kit migrate` leaves it.
const DRIZZLE_KIT_WITHOUT_EMAIL_INDEX: &str = "
CREATE TABLE `user` (`id` text PRIMARY KEY NOT NULL, `name` text, `email` text, `emailVerified` integer, `image` text);
CREATE TABLE `account` (`userId` text NOT NULL, `type` text NOT NULL, `provider` text NOT NULL, `providerAccountId` text NOT NULL, `refresh_token` text, `access_token` text, `expires_at` integer, `token_type` text, `scope` text, `id_token` text, `session_state` text, PRIMARY KEY(`provider`, `providerAccountId`), FOREIGN KEY (`userId`) REFERENCES `user`(`id`) ON UPDATE no action ON DELETE cascade);
CREATE TABLE `session` (`sessionToken` text PRIMARY KEY NOT NULL, `userId` text NOT NULL, `expires` integer NOT NULL, FOREIGN KEY (`userId`) REFERENCES `user`(`id`) ON UPDATE no action ON DELETE cascade);
CREATE TABLE `verificationToken` (`identifier` text NOT NULL, `token` text NOT NULL, `expires` integer NOT NULL, PRIMARY KEY(`identifier`, `token`));
CREATE TABLE `authenticator` (`credentialID` text NOT NULL, `userId` text NOT NULL, `providerAccountId` text NOT NULL, `credentialPublicKey` text NOT NULL, `counter` integer NOT NULL, `credentialDeviceType` text NOT NULL, `credentialBackedUp` integer NOT NULL, `transports` text, PRIMARY KEY(`userId`, `credentialID`), FOREIGN KEY (`userId`) REFERENCES `user`(`id`) ON UPDATE no action ON DELETE cascade);
CREATE UNIQUE INDEX `authenticator_credentialID_unique` ON `authenticator` (`credentialID`);
CREATE TABLE `__drizzle_migrations` (id INTEGER PRIMARY KEY AUTOINCREMENT, hash text NOT NULL, created_at numeric);
";

fn prepare_foreign_file(path: &std::path::Path, extra: &str) {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(DRIZZLE_KIT_WITHOUT_EMAIL_INDEX).unwrap();
    conn.execute_batch(extra).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_adopts_an_existing_file_keeping_its_rows() {
    let dir = TempDir::new();
    prepare_foreign_file(
        &dir.db(),
        "INSERT INTO `user` VALUES ('u1', 'Ada', 'ada@example.com', 1795000409559, NULL);
         INSERT INTO `session` VALUES ('tok', 'u1', 1795000409000);",
    );
    let adapter = SqliteAdapter::open(dir.db(), SqliteOptions::default())
        .await
        .unwrap();
    let report = adapter.migrate().await.unwrap();
    assert!(report.created_tables.is_empty(), "{report:?}");
    assert_eq!(
        report.created_indexes,
        [
            "user_email_unique",
            "account_userId_idx",
            "session_userId_idx"
        ]
    );
    let (session, user) = adapter.get_session_and_user("tok").await.unwrap().unwrap();
    assert_eq!(user.id, "u1");
    assert_eq!(user.email_verified, Some(ms(1_795_000_409_559)));
    assert_eq!(session.expires, ms(1_795_000_409_000));
    // The email index now holds: a second Ada is a conflict.
    let err = adapter
        .create_user(NewUser::with_email("ada@example.com"))
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "{err:?}");
    let tables = adapter
        .with_reader(|conn| names(conn, "table"))
        .await
        .unwrap();
    assert!(tables.contains(&"__drizzle_migrations".to_string()));
    assert!(adapter.migrate().await.unwrap().is_noop());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adopting_duplicate_emails_fails_naming_the_rows_and_changes_nothing() {
    let dir = TempDir::new();
    prepare_foreign_file(
        &dir.db(),
        "INSERT INTO `user` (id, email) VALUES ('first-id', 'same@example.com'), ('second-id', 'same@example.com');",
    );
    let adapter = SqliteAdapter::open(dir.db(), SqliteOptions::default())
        .await
        .unwrap();
    let err = adapter.migrate().await.unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("user_email_unique")
            && message.contains("first-id")
            && message.contains("second-id"),
        "{message}"
    );
    // All or nothing: the other indexes were not created either.
    let indexes = adapter
        .with_reader(|conn| names(conn, "index"))
        .await
        .unwrap();
    assert_eq!(indexes, ["authenticator_credentialID_unique"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_table_without_the_drizzle_columns_is_refused() {
    let dir = TempDir::new();
    Connection::open(dir.db())
        .unwrap()
        .execute_batch("CREATE TABLE `session` (`id` text PRIMARY KEY, `token` text);")
        .unwrap();
    let adapter = SqliteAdapter::open(dir.db(), SqliteOptions::default())
        .await
        .unwrap();
    let message = adapter.migrate().await.unwrap_err().to_string();
    assert!(
        message.contains("`session`") && message.contains("sessionToken"),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newer_schema_version_is_refused() {
    let dir = TempDir::new();
    Connection::open(dir.db())
        .unwrap()
        .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    let adapter = SqliteAdapter::open(dir.db(), SqliteOptions::default())
        .await
        .unwrap();
    let message = adapter.migrate().await.unwrap_err().to_string();
    assert!(message.contains("newer"), "{message}");
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_are_there_after_the_file_is_reopened() {
    let dir = TempDir::new();
    let expires = ms(1_795_000_409_559);
    let (user, session, account, token, authenticator) = {
        let adapter = SqliteAdapter::open(dir.db(), SqliteOptions::default())
            .await
            .unwrap();
        adapter.migrate().await.unwrap();
        let user = adapter
            .create_user(NewUser {
                name: Some("Ada".into()),
                email: Some("ada@example.com".into()),
                email_verified: Some(ms(1_795_000_000_123)),
                image: None,
            })
            .await
            .unwrap();
        let session = adapter
            .create_session(AdapterSession {
                session_token: "session-token".into(),
                user_id: user.id.clone(),
                expires,
            })
            .await
            .unwrap();
        let mut account = AdapterAccount::new(&user.id, AccountType::Oidc, "google", "g-1");
        account.access_token = Some("access".into());
        account.expires_at = Some(1_795_000_409);
        let account = adapter.link_account(account).await.unwrap();
        let token = adapter
            .create_verification_token(VerificationToken {
                identifier: "ada@example.com".into(),
                token: "hashed".into(),
                expires,
            })
            .await
            .unwrap();
        let authenticator = adapter
            .create_authenticator(AdapterAuthenticator {
                credential_id: "cred==".into(),
                user_id: user.id.clone(),
                provider_account_id: "cred==".into(),
                credential_public_key: "key".into(),
                counter: 7,
                credential_device_type: "multiDevice".into(),
                credential_backed_up: true,
                transports: Some("usb,nfc".into()),
            })
            .await
            .unwrap();
        (user, session, account, token, authenticator)
        // The adapter is dropped here, closing every connection.
    };
    let adapter = SqliteAdapter::open(dir.db(), SqliteOptions::default())
        .await
        .unwrap();
    assert!(adapter.migrate().await.unwrap().is_noop());
    assert_eq!(
        adapter
            .get_session_and_user(&session.session_token)
            .await
            .unwrap(),
        Some((session, user.clone()))
    );
    assert_eq!(
        adapter.get_account("google", "g-1").await.unwrap(),
        Some(account)
    );
    assert_eq!(
        adapter.get_authenticator("cred==").await.unwrap(),
        Some(authenticator)
    );
    assert_eq!(
        adapter
            .use_verification_token("ada@example.com", "hashed")
            .await
            .unwrap(),
        Some(token)
    );
    assert_eq!(adapter.get_user(&user.id).await.unwrap(), Some(user));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dates_and_booleans_are_stored_as_drizzle_stores_them() {
    let adapter = Scratch::new().await;
    let user = adapter
        .create_user(NewUser {
            email_verified: Some(ms(1_795_000_000_123)),
            ..NewUser::with_email("ada@example.com")
        })
        .await
        .unwrap();
    adapter
        .create_session(AdapterSession {
            session_token: "t".into(),
            user_id: user.id.clone(),
            expires: ms(1_795_000_409_559),
        })
        .await
        .unwrap();
    adapter
        .create_authenticator(AdapterAuthenticator {
            credential_id: "c".into(),
            user_id: user.id.clone(),
            provider_account_id: "c".into(),
            credential_public_key: "k".into(),
            counter: 1,
            credential_device_type: "singleDevice".into(),
            credential_backed_up: true,
            transports: None,
        })
        .await
        .unwrap();
    let stored = adapter
        .adapter
        .with_reader(|conn| {
            let user: (String, i64) = conn.query_row(
                "SELECT typeof(emailVerified), emailVerified FROM user",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let session: (String, i64) =
                conn.query_row("SELECT typeof(expires), expires FROM session", [], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?;
            let backed_up: (String, i64) = conn.query_row(
                "SELECT typeof(credentialBackedUp), credentialBackedUp FROM authenticator",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            Ok((user, session, backed_up))
        })
        .await
        .unwrap();
    assert_eq!(stored.0, ("integer".into(), 1_795_000_000_123));
    assert_eq!(stored.1, ("integer".into(), 1_795_000_409_559));
    assert_eq!(stored.2, ("integer".into(), 1));
    assert!(uuid::Uuid::parse_str(&user.id).is_ok_and(|id| id.get_version_num() == 4));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_other_clients_wrote_with_iso_dates_and_unknown_types_read_fine() {
    let adapter = Scratch::new().await;
    adapter
        .adapter
        .with_writer(|conn| {
            conn.execute_batch(
                "INSERT INTO user (id, name, email, emailVerified, image)
                     VALUES ('kysely-user', 'K', 'k@example.com', '2026-11-18T11:13:29.559Z', NULL);
                 INSERT INTO session (sessionToken, userId, expires)
                     VALUES ('iso-session', 'kysely-user', '2026-11-18T12:13:29.559+01:00'),
                            ('sqlite-session', 'kysely-user', '2026-11-18 11:13:29');
                 INSERT INTO account (userId, type, provider, providerAccountId, expires_at)
                     VALUES ('kysely-user', 'saml', 'okta', 'o-1', 1795000409);
                 INSERT INTO verificationToken (identifier, token, expires)
                     VALUES ('k@example.com', 'iso-token', '2026-11-18T11:13:29.559Z');
                 INSERT INTO authenticator VALUES ('c', 'kysely-user', 'c', 'k', 3, 'platform', 0, NULL);",
            )
        })
        .await
        .unwrap();
    let expected = ms(1_795_000_409_559);
    let user = adapter.get_user("kysely-user").await.unwrap().unwrap();
    assert_eq!(user.email_verified, Some(expected));
    let (session, _) = adapter
        .get_session_and_user("iso-session")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(session.expires, expected);
    let (session, _) = adapter
        .get_session_and_user("sqlite-session")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(session.expires, ms(1_795_000_409_000));
    let account = adapter.get_account("okta", "o-1").await.unwrap().unwrap();
    assert_eq!(account.account_type, AccountType::Other("saml".into()));
    assert_eq!(account.expires_at, Some(1_795_000_409));
    assert!(
        !adapter
            .get_authenticator("c")
            .await
            .unwrap()
            .unwrap()
            .credential_backed_up
    );

    // delete_expired sees ISO-text dates too: nothing before them, everything after.
    let none = adapter
        .delete_expired(expected - TimeDelta::hours(1))
        .await
        .unwrap();
    assert_eq!((none.sessions, none.verification_tokens), (0, 0));
    let all = adapter
        .delete_expired(expected + TimeDelta::milliseconds(1))
        .await
        .unwrap();
    assert_eq!((all.sessions, all.verification_tokens), (2, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_stored_date_is_a_backend_error_not_a_panic() {
    let adapter = Scratch::new().await;
    adapter
        .adapter
        .with_writer(|conn| {
            conn.execute(
                "INSERT INTO user (id, emailVerified) VALUES ('bad', 'not a date')",
                [],
            )
        })
        .await
        .unwrap();
    let err = adapter.get_user("bad").await.unwrap_err();
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
