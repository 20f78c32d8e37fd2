//! The store the settings name, opened and migrated.

use std::error::Error;
use std::sync::Arc;
use std::time::Duration;

use auth_adapter::postgres::{PostgresAdapter, PostgresOptions};
use auth_adapter::redis::{RedisAdapter, RedisOptions};
use auth_adapter::sqlite::{SqliteAdapter, SqliteOptions};
use auth_adapter::{Adapter, CounterStore, MemoryAdapter, TokenStore};

use crate::settings::StoreUrl;

/// How long opening the store may take before the start fails.
pub const OPEN_TIMEOUT: Duration = Duration::from_secs(30);

/// An open store: one backend, which holds the users and sessions and counts the
/// sign-in limits.
#[derive(Clone)]
pub enum Backend {
    /// SQLite.
    Sqlite(Arc<SqliteAdapter>),
    /// PostgreSQL.
    Postgres(Arc<PostgresAdapter>),
    /// Redis.
    Redis(Arc<RedisAdapter>),
    /// Process memory (tests).
    Memory(Arc<MemoryAdapter>),
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl Backend {
    /// Opens the store at `url`, creating the Auth.js tables when they are missing.
    pub async fn open(url: &StoreUrl) -> Result<Backend, Box<dyn Error + Send + Sync>> {
        let open = async {
            Ok::<_, Box<dyn Error + Send + Sync>>(match url {
                StoreUrl::Sqlite(path) => {
                    let sqlite = SqliteAdapter::open(path, SqliteOptions::default()).await?;
                    sqlite.migrate().await?;
                    Backend::Sqlite(Arc::new(sqlite))
                }
                StoreUrl::Postgres { url, schema } => {
                    let mut options = PostgresOptions::new();
                    if let Some(schema) = schema {
                        options = options.schema(schema.clone());
                    }
                    let pg = PostgresAdapter::connect(url, options).await?;
                    pg.migrate().await?;
                    Backend::Postgres(Arc::new(pg))
                }
                StoreUrl::Redis { url, prefix } => {
                    let mut options = RedisOptions::new();
                    if let Some(prefix) = prefix {
                        options = options.key_prefix(prefix.clone());
                    }
                    Backend::Redis(Arc::new(RedisAdapter::connect(url, options).await?))
                }
            })
        };
        tokio::time::timeout(OPEN_TIMEOUT, open)
            .await
            .map_err(|_| format!("the store did not answer within {OPEN_TIMEOUT:?}"))?
    }

    /// What the log says the store is (no URL: it may hold a password).
    pub fn describe(&self) -> String {
        match self {
            Backend::Sqlite(s) => match s.path() {
                Some(path) => format!("SQLite file {}", path.display()),
                None => "SQLite in memory".into(),
            },
            Backend::Postgres(pg) => format!("PostgreSQL, schema {}", pg.options().get_schema()),
            Backend::Redis(r) => format!("Redis, key prefix {:?}", r.options().get_key_prefix()),
            Backend::Memory(_) => "process memory".into(),
        }
    }

    /// The store of users, sessions and tokens.
    pub fn adapter(&self) -> Arc<dyn Adapter> {
        match self {
            Backend::Sqlite(s) => s.clone(),
            Backend::Postgres(pg) => pg.clone(),
            Backend::Redis(r) => r.clone(),
            Backend::Memory(m) => m.clone(),
        }
    }

    /// The same store, counting the sign-in limits.
    pub fn counters(&self) -> Arc<dyn CounterStore> {
        match self {
            Backend::Sqlite(s) => s.clone(),
            Backend::Postgres(pg) => pg.clone(),
            Backend::Redis(r) => r.clone(),
            Backend::Memory(m) => m.clone(),
        }
    }

    /// The same store, keeping the tokens bound to accounts.
    pub fn tokens(&self) -> Arc<dyn TokenStore> {
        match self {
            Backend::Sqlite(s) => s.clone(),
            Backend::Postgres(pg) => pg.clone(),
            Backend::Redis(r) => r.clone(),
            Backend::Memory(m) => m.clone(),
        }
    }
}
