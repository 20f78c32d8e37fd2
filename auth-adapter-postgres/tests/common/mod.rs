//! Shared by the integration tests: the server from DATABASE_URL, and a fresh schema per
//! test case; and the adapter on that schema either directly ([`direct`]) or through the
//! transaction-mode PgBouncer at PGBOUNCER_URL with
//! [`PostgresOptions::transaction_pooler`] ([`pooled`]). Set-up and inspection always go
//! straight to DATABASE_URL, so PGBOUNCER_URL must lead to the same database.
//!
//! Every case gets its own schema `aa_<uuid>` and its own small pool (a pool is tied to
//! the tokio runtime that opened it, and every `#[tokio::test]` has its own runtime).
//! Schemas are marked with a comment holding their creation time; the first case of each
//! test process drops marked schemas older than an hour (no run takes that long, so none
//! of them is in use). Unmarked schemas are never touched.

#![allow(dead_code)] // each test binary uses a different part of this module
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

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

/// PGBOUNCER_URL, or a panic that says how to get a pooler.
pub(crate) fn pooler_url() -> String {
    match std::env::var("PGBOUNCER_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => panic!(
            "PGBOUNCER_URL is not set: run scripts/test (starts a throwaway PgBouncer in \
             transaction mode in front of its PostgreSQL), or set PGBOUNCER_URL=postgres://… \
             to a PgBouncer with pool_mode = transaction in front of the DATABASE_URL database"
        ),
    }
}

/// How the adapter under test reaches the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    /// A pool on DATABASE_URL, default options (prepared statements).
    Direct,
    /// `connect` to PGBOUNCER_URL with `transaction_pooler(true)`.
    Pooler,
}

impl Route {
    /// An adapter on `schema` by this route; `pool` (on DATABASE_URL) is shared by
    /// [`Route::Direct`].
    pub(crate) async fn adapter(self, pool: &PgPool, schema: &str) -> PostgresAdapter {
        match self {
            Route::Direct => {
                PostgresAdapter::from_pool(pool.clone(), PostgresOptions::new().schema(schema))
                    .expect("valid schema")
            }
            Route::Pooler => {
                let options = PostgresOptions::new()
                    .schema(schema)
                    .transaction_pooler(true)
                    .max_connections(4)
                    .acquire_timeout(Duration::from_secs(30));
                PostgresAdapter::connect(&pooler_url(), options)
                    .await
                    .expect("cannot connect to PGBOUNCER_URL with transaction_pooler")
            }
        }
    }

    /// The URL the adapter's side of a test uses.
    pub(crate) fn url(self) -> String {
        match self {
            Route::Direct => database_url(),
            Route::Pooler => pooler_url(),
        }
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
    unmigrated_adapter_via(Route::Direct).await
}

/// An adapter reached by `route` on a fresh, unmigrated schema, and a direct pool.
pub(crate) async fn unmigrated_adapter_via(route: Route) -> (PostgresAdapter, PgPool, String) {
    let pool = pool().await;
    let schema = fresh_schema(&pool).await;
    let adapter = route.adapter(&pool, &schema).await;
    (adapter, pool, schema)
}

/// A migrated adapter on a fresh schema.
pub(crate) async fn migrated_adapter() -> (PostgresAdapter, PgPool, String) {
    migrated_adapter_via(Route::Direct).await
}

/// An adapter reached by `route` on a fresh schema it migrated, and a direct pool.
pub(crate) async fn migrated_adapter_via(route: Route) -> (PostgresAdapter, PgPool, String) {
    let (adapter, pool, schema) = unmigrated_adapter_via(route).await;
    adapter.migrate().await.expect("migrate of a fresh schema");
    (adapter, pool, schema)
}

/// The factories the suites of auth-adapter-tests take, for a direct connection.
pub(crate) mod direct {
    use std::sync::Arc;

    use auth_adapter_core::{Adapter, CounterStore};

    /// A new isolated, migrated store (the conformance suite and the model check).
    pub(crate) async fn fresh_adapter() -> Arc<dyn Adapter> {
        Arc::new(super::migrated_adapter_via(super::Route::Direct).await.0)
    }

    /// The same, as a counter store.
    pub(crate) async fn fresh_counters() -> Arc<dyn CounterStore> {
        Arc::new(super::migrated_adapter_via(super::Route::Direct).await.0)
    }

    /// The same, as a token store.
    pub(crate) async fn fresh_tokens() -> Arc<dyn auth_adapter_tests::TokenBackend> {
        Arc::new(super::migrated_adapter_via(super::Route::Direct).await.0)
    }
}

/// The factories the suites of auth-adapter-tests take, through the transaction-mode
/// PgBouncer at PGBOUNCER_URL with `transaction_pooler(true)`.
pub(crate) mod pooled {
    use std::sync::Arc;

    use auth_adapter_core::{Adapter, CounterStore};

    /// A new isolated store, migrated through the pooler.
    pub(crate) async fn fresh_adapter() -> Arc<dyn Adapter> {
        Arc::new(super::migrated_adapter_via(super::Route::Pooler).await.0)
    }

    /// The same, as a counter store.
    pub(crate) async fn fresh_counters() -> Arc<dyn CounterStore> {
        Arc::new(super::migrated_adapter_via(super::Route::Pooler).await.0)
    }

    /// The same, as a token store.
    pub(crate) async fn fresh_tokens() -> Arc<dyn auth_adapter_tests::TokenBackend> {
        Arc::new(super::migrated_adapter_via(super::Route::Pooler).await.0)
    }
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

/// The Prisma and Drizzle layouts: an adapter on a fresh schema of DATABASE_URL, migrated
/// (the tables as Prisma or drizzle-kit creates them), and the limits each layout
/// documents.
pub(crate) mod layouts {
    use std::sync::Arc;

    use auth_adapter_core::{Adapter, CounterStore};
    use auth_adapter_postgres::{Layout, PostgresAdapter, PostgresOptions};
    use auth_adapter_tests::Limits;

    /// An adapter in `layout` on a fresh, unmigrated schema (prepared statements, or the
    /// simple query protocol of `transaction_pooler` on the same direct connection), and
    /// a direct pool and the schema's name.
    pub(crate) async fn unmigrated(
        layout: Layout,
        simple: bool,
    ) -> (PostgresAdapter, sqlx::PgPool, String) {
        let pool = super::pool().await;
        let schema = super::fresh_schema(&pool).await;
        let options = PostgresOptions::new()
            .schema(&schema)
            .layout(layout)
            .transaction_pooler(simple);
        let adapter = PostgresAdapter::from_pool(pool.clone(), options).expect("valid options");
        (adapter, pool, schema)
    }

    /// The same, migrated.
    pub(crate) async fn migrated(
        layout: Layout,
        simple: bool,
    ) -> (PostgresAdapter, sqlx::PgPool, String) {
        let (adapter, pool, schema) = unmigrated(layout, simple).await;
        adapter.migrate().await.expect("migrate of a fresh schema");
        (adapter, pool, schema)
    }

    /// The Prisma docs' PostgreSQL schema: `integer` counters, a required email.
    pub(crate) fn prisma_limits() -> Limits {
        Limits::CONTRACT
            .max_counter(i32::MAX as u32)
            .email_required(true)
    }

    /// drizzle-kit's tables: `integer` counters.
    pub(crate) fn drizzle_limits() -> Limits {
        Limits::CONTRACT.max_counter(i32::MAX as u32)
    }

    pub(crate) async fn fresh_prisma() -> Arc<dyn Adapter> {
        Arc::new(migrated(Layout::Prisma, false).await.0)
    }

    pub(crate) async fn fresh_prisma_simple() -> Arc<dyn Adapter> {
        Arc::new(migrated(Layout::Prisma, true).await.0)
    }

    pub(crate) async fn fresh_drizzle() -> Arc<dyn Adapter> {
        Arc::new(migrated(Layout::Drizzle, false).await.0)
    }

    pub(crate) async fn prisma_counters() -> Arc<dyn CounterStore> {
        Arc::new(migrated(Layout::Prisma, false).await.0)
    }

    pub(crate) async fn drizzle_counters() -> Arc<dyn CounterStore> {
        Arc::new(migrated(Layout::Drizzle, false).await.0)
    }

    pub(crate) async fn prisma_tokens() -> Arc<dyn auth_adapter_tests::TokenBackend> {
        Arc::new(migrated(Layout::Prisma, false).await.0)
    }

    pub(crate) async fn drizzle_tokens() -> Arc<dyn auth_adapter_tests::TokenBackend> {
        Arc::new(migrated(Layout::Drizzle, false).await.0)
    }
}

/// The Prisma and Drizzle layouts through the transaction-mode PgBouncer at PGBOUNCER_URL,
/// with `transaction_pooler(true)`, migrated through the pooler.
pub(crate) mod pooled_layouts {
    use std::sync::Arc;
    use std::time::Duration;

    use auth_adapter_core::Adapter;
    use auth_adapter_postgres::{Layout, PostgresAdapter, PostgresOptions};

    async fn fresh(layout: Layout) -> Arc<dyn Adapter> {
        let pool = super::pool().await;
        let schema = super::fresh_schema(&pool).await;
        let options = PostgresOptions::new()
            .schema(&schema)
            .layout(layout)
            .transaction_pooler(true)
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(30));
        let adapter = PostgresAdapter::connect(&super::pooler_url(), options)
            .await
            .expect("cannot connect to PGBOUNCER_URL with transaction_pooler");
        adapter.migrate().await.expect("migrate through the pooler");
        Arc::new(adapter)
    }

    pub(crate) async fn fresh_prisma() -> Arc<dyn Adapter> {
        fresh(Layout::Prisma).await
    }

    pub(crate) async fn fresh_drizzle() -> Arc<dyn Adapter> {
        fresh(Layout::Drizzle).await
    }
}
