//! PostgreSQL, in the pg-adapter, Prisma or Drizzle layout: a schema per run; the raw
//! baseline is one prepared JOIN with sqlx on the very pool the adapter opened
//! (`PostgresAdapter::connect`), so both have the same connections and pool settings. For the `pooler` workload, the same JOIN by hand in the
//! two ways that work through PgBouncer in transaction mode, on a pool of their own to it.

use std::str::FromStr;
use std::sync::Arc;

use async_trait::async_trait;
use auth_adapter_core::{Adapter, AdapterSession, AdapterUser, CounterStore, TokenStore};
use auth_adapter_postgres::{Layout, PostgresAdapter, PostgresOptions};
use chrono::{DateTime, NaiveDateTime, Utc};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::{AssertSqlSafe, Row};

use super::{RawLookup, Store, err};
use crate::BoxError;
use crate::cli::Workload;
use crate::js::JsTarget;
use crate::report::Kind;
use crate::runner::Op;
use crate::workloads::{self, Dataset};

pub(crate) struct PgStore {
    url: String,
    schema: String,
    layout: Layout,
    pool: PgPool,
    adapter: Arc<PostgresAdapter>,
}

impl PgStore {
    pub(crate) async fn open(
        url: &str,
        layout: Layout,
        pool_size: u32,
        run_id: &str,
    ) -> Result<Self, BoxError> {
        // A plain lower-case identifier: the same quoted (Rust) and unquoted (search_path).
        let schema = format!("aa_bench_{run_id}");
        // The pool exactly as the adapter makes it for its users (`connect`: no ping
        // before each acquire); the raw baseline borrows that very pool.
        let options = PostgresOptions::new()
            .schema(schema.as_str())
            .layout(layout)
            .max_connections(pool_size);
        let adapter = PostgresAdapter::connect(url, options)
            .await
            .map_err(|e| format!("cannot connect to DATABASE_URL: {e}"))?;
        let pool = adapter.pool().clone();
        // `migrate` creates the schema when it is missing.
        if let Err(e) = adapter.migrate().await {
            let _ = drop_schema(&pool, &schema).await;
            return Err(e.into());
        }
        Ok(PgStore {
            url: url.to_owned(),
            schema,
            layout,
            pool,
            adapter: Arc::new(adapter),
        })
    }
}

impl PgStore {
    /// The adapter's `get_session_and_user` statement, written out by hand (same tables,
    /// same JOIN, same columns), with `value` where the token goes.
    fn lookup_sql(&self, value: &str) -> String {
        let s = format!("\"{}\"", self.schema);
        let tables = self.layout.default_tables();
        let (sessions, users) = (tables.get_session(), tables.get_user());
        format!(
            r#"SELECT se."sessionToken", se."userId", se.expires, u.id, u.name, u.email, u."emailVerified", u.image FROM {s}."{sessions}" se JOIN {s}."{users}" u ON u.id = se."userId" WHERE se."sessionToken" = {value} LIMIT 1"#
        )
    }
}

async fn drop_schema(pool: &PgPool, schema: &str) -> Result<(), BoxError> {
    sqlx::query(AssertSqlSafe(format!(
        "DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"
    )))
    .execute(pool)
    .await?;
    Ok(())
}

#[async_trait]
impl Store for PgStore {
    fn example_backend(&self) -> Option<rest_api::Backend> {
        // The example's notes table references pg-adapter's integer user ids.
        (self.layout == Layout::PgAdapter)
            .then(|| rest_api::Backend::Postgres(Arc::clone(&self.adapter)))
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
        let sql: Arc<str> = Arc::from(self.lookup_sql("$1"));
        Ok(vec![RawLookup {
            name: "sqlx prepared JOIN",
            op: Arc::new(RawJoin {
                pool: self.pool.clone(),
                sql,
                data: Arc::clone(data),
                text_ids: self.layout != Layout::PgAdapter,
            }),
        }])
    }

    fn js(&self) -> Option<JsTarget> {
        let (adapter, package) = match self.layout {
            Layout::Prisma => ("prisma-postgres", "@auth/prisma-adapter"),
            Layout::Drizzle => ("drizzle-postgres", "@auth/drizzle-adapter"),
            _ => ("pg", "@auth/pg-adapter"),
        };
        Some(JsTarget {
            adapter,
            package,
            env: vec![
                ("DATABASE_URL", self.url.clone()),
                ("PG_SCHEMA", self.schema.clone()),
            ],
        })
    }

    async fn pooler_lookups(
        &self,
        data: &Arc<Dataset>,
        pooler_url: &str,
        pool_size: u32,
    ) -> Result<Option<Vec<(Kind, &'static str, Arc<dyn Op>)>>, BoxError> {
        if self.layout != Layout::PgAdapter {
            return Ok(None);
        }
        let options = PostgresOptions::new()
            .schema(self.schema.as_str())
            .max_connections(pool_size)
            .transaction_pooler(true);
        let pooled = PostgresAdapter::connect(pooler_url, options.clone())
            .await
            .map_err(|e| format!("cannot connect to PGBOUNCER_URL: {e}"))?;
        if pooled.get_session_and_user(data.token(0)).await?.is_none() {
            return Err(
                "PGBOUNCER_URL does not lead to DATABASE_URL's database: a session \
                        created through DATABASE_URL is not found through it"
                    .into(),
            );
        }
        // The protocol without the pooler: the very pool of the default adapter.
        let direct = PostgresAdapter::from_pool(self.pool.clone(), options)?;
        // A raw pool to the pooler as sqlx users would open it (no ping before each
        // acquire, as the adapter's; PgBouncer refuses the extra_float_digits parameter).
        let raw_pool = PgPoolOptions::new()
            .test_before_acquire(false)
            .max_connections(pool_size)
            .connect_with(PgConnectOptions::from_str(pooler_url)?.extra_float_digits(None))
            .await
            .map_err(|e| format!("cannot connect to PGBOUNCER_URL: {e}"))?;
        let lookup = |adapter: Arc<dyn Adapter>| {
            workloads::adapter_op(Workload::Pooler, adapter, Arc::clone(data), "")
        };
        let (prefix, suffix) = self
            .lookup_sql("\u{0}")
            .split_once('\u{0}')
            .map(|(p, s)| (p.to_owned(), s.to_owned()))
            .ok_or("the lookup statement has no parameter")?;
        Ok(Some(vec![
            (
                Kind::Adapter,
                "auth-adapter transaction_pooler, PgBouncer",
                lookup(Arc::new(pooled)),
            ),
            (
                Kind::Raw,
                "sqlx raw_sql + quoted literal, PgBouncer",
                Arc::new(RawLiteral {
                    pool: raw_pool.clone(),
                    prefix,
                    suffix,
                    data: Arc::clone(data),
                }),
            ),
            (
                Kind::Raw,
                "sqlx unnamed statement in a transaction, PgBouncer",
                Arc::new(RawUnnamedInTransaction {
                    pool: raw_pool,
                    sql: Arc::from(self.lookup_sql("$1")),
                    data: Arc::clone(data),
                }),
            ),
            (
                Kind::Adapter,
                "auth-adapter default options, direct",
                lookup(self.adapter.clone()),
            ),
            (
                Kind::Adapter,
                "auth-adapter transaction_pooler, direct",
                lookup(Arc::new(direct)),
            ),
        ]))
    }

    async fn cleanup(&self) -> Result<(), BoxError> {
        drop_schema(&self.pool, &self.schema).await?;
        self.pool.close().await;
        Ok(())
    }
}

struct RawJoin {
    pool: PgPool,
    sql: Arc<str>,
    data: Arc<Dataset>,
    /// The Prisma and Drizzle layouts: text ids, `timestamp` dates holding UTC.
    text_ids: bool,
}

/// A row of the Prisma or Drizzle layout's lookup, decoded by hand as sqlx users would.
fn decode_text(row: &PgRow) -> Result<(AdapterSession, AdapterUser), sqlx::Error> {
    let session = AdapterSession {
        session_token: row.try_get(0)?,
        user_id: row.try_get(1)?,
        expires: row.try_get::<NaiveDateTime, _>(2)?.and_utc(),
    };
    let user = AdapterUser {
        id: row.try_get(3)?,
        name: row.try_get(4)?,
        email: row.try_get(5)?,
        email_verified: row
            .try_get::<Option<NaiveDateTime>, _>(6)?
            .map(|d| d.and_utc()),
        image: row.try_get(7)?,
    };
    Ok((session, user))
}

fn decode(row: &PgRow) -> Result<(AdapterSession, AdapterUser), sqlx::Error> {
    let session = AdapterSession {
        session_token: row.try_get(0)?,
        user_id: row.try_get::<i32, _>(1)?.to_string(),
        expires: row.try_get::<DateTime<Utc>, _>(2)?,
    };
    let user = AdapterUser {
        id: row.try_get::<i32, _>(3)?.to_string(),
        name: row.try_get(4)?,
        email: row.try_get(5)?,
        email_verified: row.try_get(6)?,
        image: row.try_get(7)?,
    };
    Ok((session, user))
}

#[async_trait]
impl Op for RawJoin {
    async fn call(&self, rand: u64) -> Result<(), String> {
        let row = sqlx::query(AssertSqlSafe(Arc::clone(&self.sql)))
            .bind(self.data.token(rand))
            .fetch_optional(&self.pool)
            .await
            .map_err(err)?
            .ok_or("raw sqlx: an existing session was not found")?;
        if self.text_ids {
            std::hint::black_box(decode_text(&row).map_err(err)?);
        } else {
            std::hint::black_box(decode(&row).map_err(err)?);
        }
        Ok(())
    }
}

/// The lookup as most hand-written code behind a transaction pooler does it: one simple
/// query, the token between single quotes with `'` doubled (right under
/// `standard_conforming_strings = on`, PostgreSQL's default since 9.1). One round trip.
struct RawLiteral {
    pool: PgPool,
    prefix: String,
    suffix: String,
    data: Arc<Dataset>,
}

#[async_trait]
impl Op for RawLiteral {
    async fn call(&self, rand: u64) -> Result<(), String> {
        let token = self.data.token(rand).replace('\'', "''");
        let sql = format!("{}'{token}'{}", self.prefix, self.suffix);
        let row = sqlx::raw_sql(AssertSqlSafe(sql))
            .fetch_optional(&self.pool)
            .await
            .map_err(err)?
            .ok_or("raw sqlx: an existing session was not found")?;
        std::hint::black_box(decode(&row).map_err(err)?);
        Ok(())
    }
}

/// The lookup with a bind parameter, made safe behind a transaction pooler: an unnamed
/// statement (`persistent(false)`) inside a transaction, so its Parse and its Execute
/// reach the same server connection. Four round trips: BEGIN, Parse/Describe,
/// Bind/Execute, COMMIT.
struct RawUnnamedInTransaction {
    pool: PgPool,
    sql: Arc<str>,
    data: Arc<Dataset>,
}

#[async_trait]
impl Op for RawUnnamedInTransaction {
    async fn call(&self, rand: u64) -> Result<(), String> {
        let mut tx = self.pool.begin().await.map_err(err)?;
        let row = sqlx::query(AssertSqlSafe(Arc::clone(&self.sql)))
            .persistent(false)
            .bind(self.data.token(rand))
            .fetch_optional(&mut *tx)
            .await
            .map_err(err)?
            .ok_or("raw sqlx: an existing session was not found")?;
        tx.commit().await.map_err(err)?;
        std::hint::black_box(decode(&row).map_err(err)?);
        Ok(())
    }
}
