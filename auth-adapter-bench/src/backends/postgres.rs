//! PostgreSQL: a schema per run; the raw baseline is one prepared JOIN with sqlx on the very
//! pool the adapter opened (`PostgresAdapter::connect`), so both have the same
//! connections and pool settings.

use std::sync::Arc;

use async_trait::async_trait;
use auth_adapter_core::{Adapter, AdapterSession, AdapterUser, CounterStore};
use auth_adapter_postgres::{PostgresAdapter, PostgresOptions};
use chrono::{DateTime, Utc};
use sqlx::postgres::{PgPool, PgRow};
use sqlx::{AssertSqlSafe, Row};

use super::{RawLookup, Store, err};
use crate::BoxError;
use crate::js::JsTarget;
use crate::runner::Op;
use crate::workloads::Dataset;

pub(crate) struct PgStore {
    url: String,
    schema: String,
    pool: PgPool,
    adapter: Arc<PostgresAdapter>,
}

impl PgStore {
    pub(crate) async fn open(url: &str, pool_size: u32, run_id: &str) -> Result<Self, BoxError> {
        // A plain lower-case identifier: the same quoted (Rust) and unquoted (search_path).
        let schema = format!("aa_bench_{run_id}");
        // The pool exactly as the adapter makes it for its users (`connect`: no ping
        // before each acquire); the raw baseline borrows that very pool.
        let options = PostgresOptions::new()
            .schema(schema.as_str())
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
            pool,
            adapter: Arc::new(adapter),
        })
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
    fn adapter(&self) -> Arc<dyn Adapter> {
        Arc::clone(&self.adapter) as Arc<dyn Adapter>
    }

    fn counters(&self) -> Arc<dyn CounterStore> {
        Arc::clone(&self.adapter) as Arc<dyn CounterStore>
    }

    async fn raw_lookups(&self, data: &Arc<Dataset>) -> Result<Vec<RawLookup>, BoxError> {
        // The adapter's statement, written out by hand: same tables, same JOIN, same columns.
        let s = format!("\"{}\"", self.schema);
        let sql: Arc<str> = Arc::from(format!(
            r#"SELECT se."sessionToken", se."userId", se.expires, u.id, u.name, u.email, u."emailVerified", u.image FROM {s}.sessions se JOIN {s}.users u ON u.id = se."userId" WHERE se."sessionToken" = $1 LIMIT 1"#
        ));
        Ok(vec![RawLookup {
            name: "sqlx prepared JOIN",
            op: Arc::new(RawJoin {
                pool: self.pool.clone(),
                sql,
                data: Arc::clone(data),
            }),
        }])
    }

    fn js(&self) -> Option<JsTarget> {
        Some(JsTarget {
            adapter: "pg",
            package: "@auth/pg-adapter",
            env: vec![
                ("DATABASE_URL", self.url.clone()),
                ("PG_SCHEMA", self.schema.clone()),
            ],
        })
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
        std::hint::black_box(decode(&row).map_err(err)?);
        Ok(())
    }
}
