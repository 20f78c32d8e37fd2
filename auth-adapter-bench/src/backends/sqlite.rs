//! SQLite, in the Drizzle or the Prisma layout: a database file per run; the raw baseline
//! is the adapter's JOIN written by hand, a cached prepared statement with rusqlite on a
//! deadpool pool of as many connections as the adapter has readers, decoding the dates as
//! the layout stores them (INTEGER milliseconds, Prisma's ISO text).

use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use auth_adapter_core::{Adapter, AdapterSession, AdapterUser, CounterStore, TokenStore};
use auth_adapter_sqlite::{Layout, SqliteAdapter, SqliteOptions};
use chrono::DateTime;
use deadpool::Runtime;
use deadpool::managed::{self, Metrics, Pool, RecycleError, RecycleResult};
use deadpool_sync::SyncWrapper;
use rusqlite::OptionalExtension;

use super::{RawLookup, Store, err};
use crate::BoxError;
use crate::js::JsTarget;
use crate::runner::Op;
use crate::workloads::Dataset;

/// The reader connections of the adapter (its default), and of the raw pool.
const READERS: usize = 4;

pub(crate) struct SqliteStore {
    dir: PathBuf,
    path: PathBuf,
    layout: Layout,
    adapter: Arc<SqliteAdapter>,
}

impl SqliteStore {
    pub(crate) async fn open(run_id: &str, layout: Layout) -> Result<Self, BoxError> {
        let dir = std::env::temp_dir().join(format!("aa-bench-{run_id}"));
        std::fs::create_dir_all(&dir)?;
        let path = dir.join("auth.sqlite");
        let adapter = match adapter_on(&path, layout).await {
            Ok(a) => a,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&dir);
                return Err(e);
            }
        };
        Ok(SqliteStore {
            dir,
            path,
            layout,
            adapter,
        })
    }
}

/// The SqliteAdapter on a new file at `path`, migrated to `layout`.
async fn adapter_on(
    path: &std::path::Path,
    layout: Layout,
) -> Result<Arc<SqliteAdapter>, BoxError> {
    let options = SqliteOptions::default().readers(READERS).layout(layout);
    let adapter = SqliteAdapter::open(path, options).await?;
    adapter.migrate().await?;
    Ok(Arc::new(adapter))
}

#[async_trait]
impl Store for SqliteStore {
    fn example_backend(&self) -> Option<rest_api::Backend> {
        // The examples open the Drizzle layout.
        (self.layout == Layout::Drizzle)
            .then(|| rest_api::Backend::Sqlite(Arc::clone(&self.adapter)))
    }

    fn adapter(&self) -> Arc<dyn Adapter> {
        Arc::clone(&self.adapter) as Arc<dyn Adapter>
    }

    fn counters(&self) -> Arc<dyn CounterStore> {
        Arc::clone(&self.adapter) as Arc<dyn CounterStore>
    }

    fn tokens(&self) -> Option<Arc<dyn TokenStore>> {
        Some(Arc::clone(&self.adapter) as Arc<dyn TokenStore>)
    }

    async fn raw_lookups(&self, data: &Arc<Dataset>) -> Result<Vec<RawLookup>, BoxError> {
        let pool = Pool::builder(RawManager {
            path: self.path.clone(),
        })
        .runtime(Runtime::Tokio1)
        .max_size(READERS)
        .build()?;
        Ok(vec![RawLookup {
            name: "rusqlite prepare_cached JOIN",
            op: Arc::new(RawJoin {
                pool,
                layout: self.layout,
                data: Arc::clone(data),
            }),
        }])
    }

    fn js(&self) -> Option<JsTarget> {
        let (adapter, package) = match self.layout {
            Layout::Prisma => ("prisma-sqlite", "@auth/prisma-adapter"),
            _ => ("drizzle-sqlite", "@auth/drizzle-adapter"),
        };
        Some(JsTarget {
            adapter,
            package,
            env: vec![("SQLITE_PATH", self.path.display().to_string())],
        })
    }

    async fn cleanup(&self) -> Result<(), BoxError> {
        // Close the adapter's connections before its file goes.
        self.adapter.close();
        std::fs::remove_dir_all(&self.dir)?;
        Ok(())
    }
}

/// What deadpool-sqlite 0.13 is (a deadpool manager of `SyncWrapper<Connection>`, checked
/// with a `SELECT` on every checkout), on the workspace's rusqlite: deadpool-sqlite itself
/// pins rusqlite 0.38, whose bundled SQLite 3.51.1 the workspace no longer uses, and its
/// newer releases need a rusqlite that cannot share the lockfile with sqlx.
struct RawManager {
    path: PathBuf,
}

impl managed::Manager for RawManager {
    type Type = SyncWrapper<rusqlite::Connection>;
    type Error = rusqlite::Error;

    async fn create(&self) -> Result<Self::Type, Self::Error> {
        let path = self.path.clone();
        SyncWrapper::new(Runtime::Tokio1, move || rusqlite::Connection::open(path)).await
    }

    async fn recycle(&self, conn: &mut Self::Type, _: &Metrics) -> RecycleResult<Self::Error> {
        if conn.is_mutex_poisoned() {
            return Err(RecycleError::message(
                "a closure panicked on this connection",
            ));
        }
        conn.interact(|conn| conn.query_row("SELECT 1", [], |row| row.get::<_, i64>(0)))
            .await
            .map_err(|e| RecycleError::message(e.to_string()))??;
        Ok(())
    }
}

/// The drizzle layout's session JOIN: dates are INTEGER epoch milliseconds.
const LOOKUP: &str = r#"SELECT s."sessionToken", s."userId", s."expires", u."id", u."name", u."email", u."emailVerified", u."image" FROM "session" s JOIN "user" u ON u."id" = s."userId" WHERE s."sessionToken" = ?1"#;

/// The Prisma layout's: dates are ISO-8601 text (`2026-11-22T11:33:29.559+00:00`).
const PRISMA_LOOKUP: &str = r#"SELECT s."sessionToken", s."userId", s."expires", u."id", u."name", u."email", u."emailVerified", u."image" FROM "Session" s JOIN "User" u ON u."id" = s."userId" WHERE s."sessionToken" = ?1"#;

struct RawJoin {
    pool: Pool<RawManager>,
    layout: Layout,
    data: Arc<Dataset>,
}

fn millis(ms: i64) -> rusqlite::Result<chrono::DateTime<chrono::Utc>> {
    DateTime::from_timestamp_millis(ms).ok_or(rusqlite::Error::IntegralValueOutOfRange(2, ms))
}

fn iso(text: String) -> rusqlite::Result<chrono::DateTime<chrono::Utc>> {
    DateTime::parse_from_rfc3339(&text)
        .map(|d| d.to_utc())
        .map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(2, rusqlite::types::Type::Text, e.into())
        })
}

fn lookup(
    conn: &rusqlite::Connection,
    layout: Layout,
    token: &str,
) -> rusqlite::Result<Option<(AdapterSession, AdapterUser)>> {
    if layout == Layout::Prisma {
        let mut stmt = conn.prepare_cached(PRISMA_LOOKUP)?;
        return stmt
            .query_row([token], |r| {
                let session = AdapterSession {
                    session_token: r.get(0)?,
                    user_id: r.get(1)?,
                    expires: iso(r.get(2)?)?,
                };
                let user = AdapterUser {
                    id: r.get(3)?,
                    name: r.get(4)?,
                    email: r.get(5)?,
                    email_verified: r.get::<_, Option<String>>(6)?.map(iso).transpose()?,
                    image: r.get(7)?,
                };
                Ok((session, user))
            })
            .optional();
    }
    let mut stmt = conn.prepare_cached(LOOKUP)?;
    stmt.query_row([token], |r| {
        let session = AdapterSession {
            session_token: r.get(0)?,
            user_id: r.get(1)?,
            expires: millis(r.get(2)?)?,
        };
        let user = AdapterUser {
            id: r.get(3)?,
            name: r.get(4)?,
            email: r.get(5)?,
            email_verified: r.get::<_, Option<i64>>(6)?.map(millis).transpose()?,
            image: r.get(7)?,
        };
        Ok((session, user))
    })
    .optional()
}

#[async_trait]
impl Op for RawJoin {
    async fn call(&self, rand: u64) -> Result<(), String> {
        let conn = self.pool.get().await.map_err(err)?;
        let token = self.data.token(rand).to_owned();
        let layout = self.layout;
        let found = conn
            .interact(move |c| lookup(c, layout, &token))
            .await
            .map_err(err)?
            .map_err(err)?;
        let found = found.ok_or("raw rusqlite: an existing session was not found")?;
        std::hint::black_box(found);
        Ok(())
    }
}
