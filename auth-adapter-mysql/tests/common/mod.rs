//! Shared by the integration tests: the server from MYSQL_URL, and a fresh database per
//! test case.
//!
//! Every case gets its own database `aa_<unix time>_<random>` and its own small pool (a
//! pool is tied to the tokio runtime that opened it, and every `#[tokio::test]` has its
//! own runtime). The first case of each test process drops the databases these tests made
//! more than an hour ago (no run takes that long, so none of them is in use), unless another
//! process is doing it (a named lock). Databases named otherwise are never touched.

#![allow(dead_code)] // each test binary uses a different part of this module
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use auth_adapter_core::{Adapter, CounterStore};
use auth_adapter_mysql::{Layout, MySqlAdapter, MySqlOptions};
use auth_adapter_tests::{KeyLimit, Limits};
use sqlx::mysql::{MySqlConnection, MySqlPoolOptions};
use sqlx::{Connection, MySqlPool};

/// MYSQL_URL, or a panic that says how to get a server.
pub(crate) fn mysql_url() -> String {
    match std::env::var("MYSQL_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => panic!(
            "MYSQL_URL is not set: run scripts/test (starts a throwaway MariaDB), or set \
             MYSQL_URL=mysql://user:password@host:port/db to a MySQL 8 or MariaDB server you \
             own (the user must be allowed to create databases)"
        ),
    }
}

/// `base` with its database (the URL's path) replaced by `database`.
pub(crate) fn url_with_database(base: &str, database: &str) -> String {
    let (url, query) = match base.split_once('?') {
        Some((url, query)) => (url, Some(query)),
        None => (base, None),
    };
    let authority_start = url.find("://").map_or(0, |i| i + 3);
    let path_start = url[authority_start..]
        .find('/')
        .map_or(url.len(), |i| authority_start + i);
    let mut out = format!("{}/{database}", &url[..path_start]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

static CLEANED: AtomicBool = AtomicBool::new(false);

async fn admin() -> MySqlConnection {
    tokio::time::timeout(
        Duration::from_secs(30),
        MySqlConnection::connect(&mysql_url()),
    )
    .await
    .expect("connecting to MYSQL_URL took over 30 s")
    .expect("cannot connect to MYSQL_URL")
}

/// Runs `sql` (statements that name their database themselves).
pub(crate) async fn exec(conn: &mut MySqlConnection, sql: String) {
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(conn)
        .await
        .expect("test SQL failed");
}

/// Drops the databases these tests made more than an hour ago (once per process).
async fn drop_stale_databases(conn: &mut MySqlConnection) {
    if CLEANED.swap(true, Ordering::SeqCst) {
        return;
    }
    // nextest runs every test in a process of its own: one of them cleans, the others
    // (which would only wait on each other's DROPs) go on.
    let cleaner: Option<i64> =
        sqlx::query_scalar("SELECT GET_LOCK('auth_adapter_mysql_tests_cleanup', 0)")
            .fetch_one(&mut *conn)
            .await
            .unwrap_or(None);
    if cleaner != Some(1) {
        return;
    }
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT CAST(SCHEMA_NAME AS CHAR) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'aa\\_%'",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap_or_default();
    let cutoff = now_secs().saturating_sub(3600);
    for name in names {
        let created = name
            .strip_prefix("aa_")
            .and_then(|rest| rest.split('_').next())
            .and_then(|t| t.parse::<u64>().ok());
        if created.is_some_and(|t| t < cutoff) {
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS `{name}`"
            )))
            .execute(&mut *conn)
            .await;
        }
    }
    let _ = sqlx::query("SELECT RELEASE_LOCK('auth_adapter_mysql_tests_cleanup')")
        .execute(&mut *conn)
        .await;
}

/// A new, empty database; its URL.
pub(crate) async fn fresh_database() -> String {
    let mut conn = admin().await;
    drop_stale_databases(&mut conn).await;
    let name = format!("aa_{}_{}", now_secs(), &uuid_hex()[..16]);
    exec(
        &mut conn,
        format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4"),
    )
    .await;
    let _ = conn.close().await;
    url_with_database(&mysql_url(), &name)
}

fn uuid_hex() -> String {
    auth_adapter_tests::fixtures::uuid().replace('-', "")
}

/// A small pool on `url`, for one test case.
pub(crate) async fn pool(url: &str) -> MySqlPool {
    MySqlPoolOptions::new()
        .max_connections(4)
        .acquire_timeout(Duration::from_secs(30))
        .connect(url)
        .await
        .expect("cannot connect to the test database")
}

/// An adapter in `layout` on a fresh, unmigrated database, and that database's URL.
pub(crate) async fn unmigrated_adapter(layout: Layout) -> (MySqlAdapter, String) {
    let url = fresh_database().await;
    let options = MySqlOptions::new()
        .layout(layout)
        .max_connections(4)
        .acquire_timeout(Duration::from_secs(30));
    let adapter = MySqlAdapter::connect(&url, options)
        .await
        .expect("connect to the test database");
    (adapter, url)
}

/// A migrated adapter in `layout` on a fresh database.
pub(crate) async fn migrated_adapter(layout: Layout) -> (MySqlAdapter, String) {
    let (adapter, url) = unmigrated_adapter(layout).await;
    adapter
        .migrate()
        .await
        .expect("migrate of a fresh database");
    (adapter, url)
}

/// What the conformance suite asks for: a new isolated, migrated store.
pub(crate) async fn fresh_prisma() -> Arc<dyn Adapter> {
    Arc::new(migrated_adapter(Layout::Prisma).await.0)
}

/// The same in the Drizzle layout.
pub(crate) async fn fresh_drizzle() -> Arc<dyn Adapter> {
    Arc::new(migrated_adapter(Layout::Drizzle).await.0)
}

/// A migrated store for the counter suite (its cases use keys of their own).
pub(crate) async fn fresh_counters() -> Arc<dyn CounterStore> {
    Arc::new(migrated_adapter(Layout::Prisma).await.0)
}

fn date(text: &str) -> chrono::DateTime<chrono::Utc> {
    text.parse().unwrap()
}

/// What the Prisma layout documents it cannot hold (see the crate docs).
pub(crate) fn prisma_limits() -> Limits {
    Limits::CONTRACT
        .max_varchar(191)
        .max_key(KeyLimit::Chars(191))
        .dates(
            date("1000-01-01T00:00:00Z"),
            date("9999-12-31T23:59:59.999Z"),
        )
        .one_account_per_user(true)
        .max_counter(i32::MAX as u32)
}

/// What the Drizzle layout documents it cannot hold.
pub(crate) fn drizzle_limits() -> Limits {
    Limits::CONTRACT
        .max_key(KeyLimit::Chars(255))
        .dates(date("1970-01-01T00:00:01Z"), date("2038-01-19T03:14:07Z"))
        .whole_second_expires(true)
        .max_counter(i32::MAX as u32)
}

#[test]
fn database_replaces_the_path() {
    assert_eq!(
        url_with_database("mysql://root@127.0.0.1:3306/mysql", "aa_1"),
        "mysql://root@127.0.0.1:3306/aa_1"
    );
    assert_eq!(
        url_with_database("mysql://u:p@h/x?ssl-mode=disabled", "aa_1"),
        "mysql://u:p@h/aa_1?ssl-mode=disabled"
    );
    assert_eq!(url_with_database("mysql://h:1", "d"), "mysql://h:1/d");
}
