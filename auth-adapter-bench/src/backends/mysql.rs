//! MySQL / MariaDB, in the Prisma or the Drizzle layout: a database per run; the raw
//! baseline is the adapter's JOIN written by hand with sqlx on the very pool the adapter
//! opened (`MySqlAdapter::connect`), so both have the same connections and pool settings.

use std::sync::Arc;

use async_trait::async_trait;
use auth_adapter_core::{Adapter, AdapterSession, AdapterUser, CounterStore};
use auth_adapter_mysql::{Layout, MySqlAdapter, MySqlOptions};
use chrono::{DateTime, Utc};
use sqlx::mysql::{MySqlConnection, MySqlPool, MySqlRow};
use sqlx::{AssertSqlSafe, Connection, Row};

use super::{RawLookup, Store, err};
use crate::BoxError;
use crate::js::JsTarget;
use crate::runner::Op;
use crate::workloads::Dataset;

pub(crate) struct MySqlStore {
    /// MYSQL_URL, to drop the database at the end.
    admin_url: String,
    /// MYSQL_URL with this run's database.
    url: String,
    database: String,
    layout: Layout,
    pool: MySqlPool,
    adapter: Arc<MySqlAdapter>,
}

/// `base` with its path (the database) replaced by `database`.
fn with_database(base: &str, database: &str) -> String {
    let (url, query) = base
        .split_once('?')
        .map_or((base, None), |(u, q)| (u, Some(q)));
    let start = url.find("://").map_or(0, |i| i + 3);
    let path = url[start..].find('/').map_or(url.len(), |i| start + i);
    match query {
        Some(q) => format!("{}/{database}?{q}", &url[..path]),
        None => format!("{}/{database}", &url[..path]),
    }
}

async fn admin(url: &str, sql: String) -> Result<(), BoxError> {
    let mut conn = MySqlConnection::connect(url)
        .await
        .map_err(|e| format!("cannot connect to MYSQL_URL: {e}"))?;
    sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut conn).await?;
    conn.close().await?;
    Ok(())
}

impl MySqlStore {
    pub(crate) async fn open(
        url: &str,
        layout: Layout,
        pool_size: u32,
        run_id: &str,
    ) -> Result<Self, BoxError> {
        let database = format!("aa_bench_{run_id}");
        admin(
            url,
            format!("CREATE DATABASE `{database}` CHARACTER SET utf8mb4"),
        )
        .await?;
        let db_url = with_database(url, &database);
        let options = MySqlOptions::new()
            .layout(layout)
            .max_connections(pool_size);
        let opened = async {
            let adapter = MySqlAdapter::connect(&db_url, options).await?;
            adapter.migrate().await?;
            Ok::<_, auth_adapter_core::AdapterError>(adapter)
        }
        .await;
        let adapter = match opened {
            Ok(a) => a,
            Err(e) => {
                let _ = admin(url, format!("DROP DATABASE IF EXISTS `{database}`")).await;
                return Err(e.into());
            }
        };
        Ok(MySqlStore {
            admin_url: url.to_owned(),
            url: db_url,
            database,
            layout,
            pool: adapter.pool().clone(),
            adapter: Arc::new(adapter),
        })
    }
}

#[async_trait]
impl Store for MySqlStore {
    fn example_backend(&self) -> Option<rest_api::Backend> {
        None
    }

    fn adapter(&self) -> Arc<dyn Adapter> {
        Arc::clone(&self.adapter) as Arc<dyn Adapter>
    }

    fn counters(&self) -> Arc<dyn CounterStore> {
        Arc::clone(&self.adapter) as Arc<dyn CounterStore>
    }

    async fn raw_lookups(&self, data: &Arc<Dataset>) -> Result<Vec<RawLookup>, BoxError> {
        // The adapter's statement, written out by hand: same tables, same JOIN, same columns.
        let (sessions, users) = match self.layout {
            Layout::Prisma => ("Session", "User"),
            _ => ("session", "user"),
        };
        let sql: Arc<str> = Arc::from(format!(
            "SELECT se.`sessionToken`, se.`userId`, se.`expires`, u.`id`, u.`name`, u.`email`, u.`emailVerified`, u.`image` FROM `{sessions}` se JOIN `{users}` u ON u.`id` = se.`userId` WHERE se.`sessionToken` = ? LIMIT 1"
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
        let (adapter, package) = match self.layout {
            Layout::Prisma => ("prisma-mysql", "@auth/prisma-adapter"),
            _ => ("drizzle-mysql", "@auth/drizzle-adapter"),
        };
        Some(JsTarget {
            adapter,
            package,
            env: vec![("MYSQL_URL", self.url.clone())],
        })
    }

    async fn cleanup(&self) -> Result<(), BoxError> {
        self.pool.close().await;
        admin(
            &self.admin_url,
            format!("DROP DATABASE IF EXISTS `{}`", self.database),
        )
        .await
    }
}

struct RawJoin {
    pool: MySqlPool,
    sql: Arc<str>,
    data: Arc<Dataset>,
}

fn decode(row: &MySqlRow) -> Result<(AdapterSession, AdapterUser), sqlx::Error> {
    let session = AdapterSession {
        session_token: row.try_get(0)?,
        user_id: row.try_get(1)?,
        expires: row.try_get::<DateTime<Utc>, _>(2)?,
    };
    let user = AdapterUser {
        id: row.try_get(3)?,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_replaces_the_path() {
        assert_eq!(with_database("mysql://r@h:1/mysql", "d"), "mysql://r@h:1/d");
        assert_eq!(
            with_database("mysql://r@h:1?x=y", "d"),
            "mysql://r@h:1/d?x=y"
        );
    }
}
