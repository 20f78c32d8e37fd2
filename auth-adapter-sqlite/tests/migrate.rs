//! SQLite migrations: the drizzle layout created once (or on open, when asked), tables
//! missing without it, a file drizzle-kit made adopted with its rows, and what is refused:
//! duplicate emails (changing nothing), a table without the drizzle columns, a newer schema.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers may panic

mod common;

use auth_adapter_core::chrono::{DateTime, Utc};
use auth_adapter_core::{Adapter, NewUser};
use auth_adapter_sqlite::rusqlite::{self, Connection};
use auth_adapter_sqlite::{SCHEMA_VERSION, SqliteAdapter, SqliteOptions};
use common::TempDir;

const TABLES: [&str; 7] = [
    "user",
    "account",
    "session",
    "verificationToken",
    "authenticator",
    "auth_adapter_counter",
    "auth_adapter_token",
];

/// The indexes of this crate's own tables, created on every file.
const OWN_INDEXES: [&str; 3] = [
    "auth_adapter_token_realm_tokenHash_unique",
    "auth_adapter_token_userId_idx",
    "auth_adapter_token_expires_idx",
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
            [
                "user_email_unique",
                "authenticator_credentialID_unique",
                "account_userId_idx",
                "session_userId_idx"
            ]
            .as_slice(),
            &OWN_INDEXES
        ]
        .concat()
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
    assert_eq!(
        report.created_tables,
        ["auth_adapter_counter", "auth_adapter_token"],
        "{report:?}"
    );
    assert_eq!(
        report.created_indexes,
        [
            [
                "user_email_unique",
                "account_userId_idx",
                "session_userId_idx"
            ]
            .as_slice(),
            &OWN_INDEXES
        ]
        .concat()
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
