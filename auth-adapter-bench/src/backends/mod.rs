//! One isolated store per run and backend: the adapter on it, the raw-driver lookups on the
//! same data, and how the JS adapter reaches it.

use std::sync::Arc;

use async_trait::async_trait;
use auth_adapter_core::{Adapter, CounterStore, TokenStore};

use crate::BoxError;
use crate::cli::{BackendKind, Options};
use crate::js::JsTarget;
use crate::report::Kind;
use crate::runner::Op;
use crate::workloads::Dataset;

mod memory;
mod mysql;
mod postgres;
mod redis;
mod sqlite;

/// A raw-driver version of `get_session_and_user`, named for the table.
pub(crate) struct RawLookup {
    pub(crate) name: &'static str,
    pub(crate) op: Arc<dyn Op>,
}

/// A store created for one run (a PostgreSQL schema, a Redis key prefix, a SQLite file),
/// removed by [`Store::cleanup`].
#[async_trait]
pub(crate) trait Store: Send + Sync {
    /// The auth-adapter backend on this store.
    fn adapter(&self) -> Arc<dyn Adapter>;

    /// The same backend as a counter store (the limits of `passwordless`).
    fn counters(&self) -> Arc<dyn CounterStore>;

    /// The same backend as a token store (the `bound_token` workload); `None` for a
    /// backend that does not implement [`TokenStore`] (MySQL).
    fn tokens(&self) -> Option<Arc<dyn TokenStore>> {
        None
    }

    /// The same backend as the examples open it (the `notes` workload's notes store);
    /// `None` for a store the examples do not run on (MySQL).
    fn example_backend(&self) -> Option<rest_api::Backend>;

    /// `get_session_and_user` written by hand with the raw driver, reading the same rows.
    async fn raw_lookups(&self, data: &Arc<Dataset>) -> Result<Vec<RawLookup>, BoxError>;

    /// How `interop/bench.mjs` reaches this store, if an Auth.js adapter shares its layout.
    fn js(&self) -> Option<JsTarget>;

    /// A second adapter on the same store with a connection of its own, as another
    /// application process would have, for `busy_user`'s lookups that do not queue behind
    /// the writers' requests on the client side. `None` where the benchmark makes none.
    async fn separate_adapter(&self) -> Result<Option<Arc<dyn Adapter>>, BoxError> {
        Ok(None)
    }

    /// The `pooler` workload's lookups on this store, named for the table, the first the
    /// adapter through the pooler (see [`crate::pooler`]); `None` where the backend has
    /// no pooler to go through.
    async fn pooler_lookups(
        &self,
        _data: &Arc<Dataset>,
        _pooler_url: &str,
        _pool_size: u32,
    ) -> Result<Option<Vec<(Kind, &'static str, Arc<dyn Op>)>>, BoxError> {
        Ok(None)
    }

    /// Removes everything the run created.
    async fn cleanup(&self) -> Result<(), BoxError>;
}

/// PGBOUNCER_URL, which the `pooler` workload needs, or how to provide it.
pub(crate) fn pooler_url() -> Result<String, BoxError> {
    match std::env::var("PGBOUNCER_URL") {
        Ok(v) if !v.is_empty() => Ok(v),
        _ => Err(
            "--workload pooler needs PGBOUNCER_URL: run scripts/bench (starts a throwaway \
                  PgBouncer), or set PGBOUNCER_URL=postgres://… to a PgBouncer with \
                  pool_mode = transaction in front of DATABASE_URL's database"
                .into(),
        ),
    }
}

/// The environment variable a backend needs, if any.
pub(crate) fn required_env(kind: BackendKind) -> Option<&'static str> {
    match kind {
        BackendKind::Postgres | BackendKind::PostgresPrisma | BackendKind::PostgresDrizzle => {
            Some("DATABASE_URL")
        }
        BackendKind::Redis => Some("REDIS_URL"),
        BackendKind::MysqlPrisma | BackendKind::MysqlDrizzle => Some("MYSQL_URL"),
        BackendKind::Memory | BackendKind::Sqlite | BackendKind::SqlitePrisma => None,
    }
}

/// Reads the URL a backend needs, or says how to provide it.
pub(crate) fn url(kind: BackendKind) -> Result<Option<String>, BoxError> {
    let value = required_env(kind).and_then(|var| std::env::var(var).ok());
    url_from(kind, value)
}

/// [`url`] with the variable's value given.
fn url_from(kind: BackendKind, value: Option<String>) -> Result<Option<String>, BoxError> {
    let Some(var) = required_env(kind) else {
        return Ok(None);
    };
    match value {
        Some(v) if !v.is_empty() => Ok(Some(v)),
        _ => {
            let example = match var {
                "DATABASE_URL" => "DATABASE_URL=postgres://…",
                "MYSQL_URL" => "MYSQL_URL=mysql://…",
                _ => "REDIS_URL=redis://…",
            };
            Err(format!(
                "--backend {} needs {var}: run scripts/bench, or set {example} to a server you own",
                kind.name()
            )
            .into())
        }
    }
}

/// Creates a fresh store for `kind`, named after `run_id`.
pub(crate) async fn open(
    kind: BackendKind,
    options: &Options,
    run_id: &str,
) -> Result<Box<dyn Store>, BoxError> {
    Ok(match kind {
        BackendKind::Memory => Box::new(memory::MemoryStore::new()),
        BackendKind::Sqlite => {
            Box::new(sqlite::SqliteStore::open(run_id, auth_adapter_sqlite::Layout::Drizzle).await?)
        }
        BackendKind::SqlitePrisma => {
            Box::new(sqlite::SqliteStore::open(run_id, auth_adapter_sqlite::Layout::Prisma).await?)
        }
        BackendKind::Postgres | BackendKind::PostgresPrisma | BackendKind::PostgresDrizzle => {
            let url = url(kind)?.unwrap_or_default();
            let layout = match kind {
                BackendKind::PostgresPrisma => auth_adapter_postgres::Layout::Prisma,
                BackendKind::PostgresDrizzle => auth_adapter_postgres::Layout::Drizzle,
                _ => auth_adapter_postgres::Layout::PgAdapter,
            };
            Box::new(postgres::PgStore::open(&url, layout, options.pool_size, run_id).await?)
        }
        BackendKind::Redis => {
            let url = url(kind)?.unwrap_or_default();
            Box::new(redis::RedisStore::open(&url, run_id).await?)
        }
        BackendKind::MysqlPrisma | BackendKind::MysqlDrizzle => {
            let url = url(kind)?.unwrap_or_default();
            let layout = if kind == BackendKind::MysqlPrisma {
                auth_adapter_mysql::Layout::Prisma
            } else {
                auth_adapter_mysql::Layout::Drizzle
            };
            Box::new(mysql::MySqlStore::open(&url, layout, options.pool_size, run_id).await?)
        }
    })
}

/// A driver error as a message (drivers do not put bound values in their messages).
pub(crate) fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_url_says_how_to_get_a_server() {
        let err = url_from(BackendKind::Postgres, None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("DATABASE_URL"), "{err}");
        assert!(err.contains("run scripts/bench"), "{err}");
        let err = url_from(BackendKind::Redis, Some(String::new()))
            .unwrap_err()
            .to_string();
        assert!(err.contains("REDIS_URL=redis://"), "{err}");
        assert_eq!(
            url_from(BackendKind::Redis, Some("redis://h".into())).ok(),
            Some(Some("redis://h".to_owned()))
        );
        assert_eq!(url_from(BackendKind::Sqlite, None).ok(), Some(None));
        assert_eq!(url_from(BackendKind::Memory, None).ok(), Some(None));
    }
}
