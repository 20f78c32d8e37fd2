//! Shared by the integration tests: the server from DATABASE_URL, and a fresh schema per
//! test case.
//!
//! Every case gets its own schema `aa_<uuid>` and its own small pool (a pool is tied to
//! the tokio runtime that opened it, and every `#[tokio::test]` has its own runtime).
//! Schemas are marked with a comment holding their creation time; the first case of each
//! test process drops marked schemas older than an hour (no run takes that long, so none
//! of them is in use). Unmarked schemas are never touched.

#![allow(dead_code)] // each test binary uses a different part of this module
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use auth_adapter_core::Adapter;
use auth_adapter_postgres::{PostgresAdapter, PostgresOptions};
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

/// The comment that marks a schema as made by these tests; the creation time follows.
const MARK: &str = "auth-adapter-postgres test schema, created at unix time ";

/// The upstream `@auth/pg-adapter` schema.sql, for tests that set up a database as a Node
/// app would have it before our migrate runs. The same file the Node interop peer runs for
/// `--setup upstream-schema`, so both kinds of test start from one definition.
pub(crate) const UPSTREAM_SCHEMA_SQL: &str = include_str!("../../../interop/pg/schema.sql");

/// DATABASE_URL, or a panic that says how to get a server.
pub(crate) fn database_url() -> String {
    match std::env::var("DATABASE_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => panic!(
            "DATABASE_URL is not set: run scripts/test (starts a throwaway PostgreSQL), \
             or set DATABASE_URL=postgres://… to a server you own"
        ),
    }
}

/// A small pool on DATABASE_URL, for one test case.
pub(crate) async fn pool() -> PgPool {
    PgPoolOptions::new()
        .max_connections(4)
        .acquire_timeout(Duration::from_secs(30))
        .connect(&database_url())
        .await
        .expect("cannot connect to DATABASE_URL")
}

/// Runs `sql` (may hold several statements; each names its schema itself).
pub(crate) async fn exec(pool: &PgPool, sql: String) {
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(pool)
        .await
        .expect("test SQL failed");
}

static CLEANED: AtomicBool = AtomicBool::new(false);

/// Drops the schemas these tests made more than an hour ago (once per process).
async fn drop_stale_schemas(pool: &PgPool) {
    if CLEANED.swap(true, Ordering::SeqCst) {
        return;
    }
    let stale: Vec<String> = sqlx::query_scalar(
        "SELECT n.nspname::text FROM pg_namespace n \
         WHERE n.nspname LIKE 'aa\\_%' \
           AND obj_description(n.oid, 'pg_namespace') LIKE $1 || '%' \
           AND substr(obj_description(n.oid, 'pg_namespace'), length($1) + 1)::bigint \
               < extract(epoch FROM now())::bigint - 3600",
    )
    .bind(MARK)
    .fetch_all(pool)
    .await
    .unwrap_or_default();
    for schema in stale {
        // Names come from the catalog and match aa_…; quoted all the same.
        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"
        )))
        .execute(pool)
        .await;
    }
}

/// A new, empty schema `aa_<uuid>`, marked as ours.
pub(crate) async fn fresh_schema(pool: &PgPool) -> String {
    drop_stale_schemas(pool).await;
    let schema = format!("aa_{}", uuid::Uuid::new_v4().simple());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    exec(
        pool,
        format!("CREATE SCHEMA \"{schema}\"; COMMENT ON SCHEMA \"{schema}\" IS '{MARK}{now}'"),
    )
    .await;
    schema
}

/// Creates the upstream pg-adapter tables in `schema`, as Auth.js's schema.sql does when
/// run with `search_path` set to it (`SET LOCAL`, so the pooled connection keeps its own).
pub(crate) async fn create_upstream_tables(pool: &PgPool, schema: &str) {
    exec(
        pool,
        format!("BEGIN; SET LOCAL search_path TO \"{schema}\"; {UPSTREAM_SCHEMA_SQL}; COMMIT;"),
    )
    .await;
}

/// An adapter on a fresh, unmigrated schema.
pub(crate) async fn unmigrated_adapter() -> (PostgresAdapter, PgPool, String) {
    let pool = pool().await;
    let schema = fresh_schema(&pool).await;
    let adapter = PostgresAdapter::from_pool(pool.clone(), PostgresOptions::new().schema(&schema))
        .expect("valid schema");
    (adapter, pool, schema)
}

/// A migrated adapter on a fresh schema.
pub(crate) async fn migrated_adapter() -> (PostgresAdapter, PgPool, String) {
    let (adapter, pool, schema) = unmigrated_adapter().await;
    adapter.migrate().await.expect("migrate of a fresh schema");
    (adapter, pool, schema)
}

/// What the conformance suite asks for: a new isolated, migrated store.
pub(crate) async fn fresh_adapter() -> Arc<dyn Adapter> {
    let (adapter, _, _) = migrated_adapter().await;
    Arc::new(adapter)
}

/// `date` cut to whole milliseconds, what every backend keeps.
pub(crate) fn ms(date: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    auth_adapter_core::backend::dates::truncate_to_millis(date)
}

/// A session of `user_id` with `token`, expiring in a week (whole milliseconds).
pub(crate) fn session_for(user_id: &str, token: &str) -> auth_adapter_core::AdapterSession {
    auth_adapter_core::AdapterSession {
        session_token: token.to_owned(),
        user_id: user_id.to_owned(),
        expires: ms(chrono::Utc::now() + chrono::TimeDelta::days(7)),
    }
}
