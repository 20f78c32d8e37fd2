//! How a statement goes to the server: prepared (the default), or as one simple `Query`
//! with its values inline ([`PostgresOptions::transaction_pooler`]). Either way one round
//! trip once the statement is known: sqlx sends a cached statement as
//! Bind/Execute/Close/Sync in one write (its first use on a connection adds a
//! Parse/Describe round trip), and a simple `Query` is one message with one answer.
//!
//! [`PostgresOptions::transaction_pooler`]: crate::PostgresOptions::transaction_pooler

use std::sync::Arc;

use auth_adapter_core::Result;
use sqlx::PgPool;
use sqlx::Postgres;
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::query::Query;

use crate::error::map_err_in;
use crate::layout::Tables;
use crate::literal::Param;
use crate::sql::Sql;

/// Which protocol the adapter speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Protocol {
    /// The extended protocol with named statements sqlx prepares once per connection.
    Prepared,
    /// The simple query protocol, values inline: nothing outlives the message.
    Simple,
}

/// `sql` with `params` bound in order.
fn bound<'q>(sql: &Sql, params: &[Param<'q>]) -> Query<'q, Postgres, PgArguments> {
    let mut query = sqlx::query(sql.get());
    for param in params {
        query = match *param {
            Param::Text(v) => query.bind(v),
            Param::Int4(v) => query.bind(v),
            Param::Int8(v) => query.bind(v),
            Param::Float8(v) => query.bind(v),
            Param::Bool(v) => query.bind(v),
            Param::Date(v) => query.bind(v),
            Param::Naive(v) => query.bind(v.map(|d| d.naive_utc())),
            Param::TextArray(v) => query.bind(v),
        };
    }
    query
}

/// Runs statements on a pool with one protocol.
#[derive(Debug, Clone)]
pub(crate) struct Runner {
    pool: PgPool,
    protocol: Protocol,
    /// The layout's tables, which name the entity of a unique violation.
    tables: Arc<Tables>,
}

impl Runner {
    pub(crate) fn new(pool: PgPool, protocol: Protocol, tables: Tables) -> Self {
        Runner {
            pool,
            protocol,
            tables: Arc::new(tables),
        }
    }

    fn map_err(&self, err: sqlx::Error) -> auth_adapter_core::AdapterError {
        map_err_in(err, &self.tables)
    }

    pub(crate) fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The first row, if any.
    pub(crate) async fn optional(&self, sql: &Sql, params: &[Param<'_>]) -> Result<Option<PgRow>> {
        match self.protocol {
            Protocol::Prepared => bound(sql, params).fetch_optional(&self.pool).await,
            Protocol::Simple => {
                sqlx::raw_sql(sql.inline(params)?)
                    .fetch_optional(&self.pool)
                    .await
            }
        }
        .map_err(|e| self.map_err(e))
    }

    /// The one row the statement always returns (an `INSERT … RETURNING`, a count).
    pub(crate) async fn one(&self, sql: &Sql, params: &[Param<'_>]) -> Result<PgRow> {
        match self.protocol {
            Protocol::Prepared => bound(sql, params).fetch_one(&self.pool).await,
            Protocol::Simple => {
                sqlx::raw_sql(sql.inline(params)?)
                    .fetch_one(&self.pool)
                    .await
            }
        }
        .map_err(|e| self.map_err(e))
    }

    /// Every row.
    pub(crate) async fn all(&self, sql: &Sql, params: &[Param<'_>]) -> Result<Vec<PgRow>> {
        match self.protocol {
            Protocol::Prepared => bound(sql, params).fetch_all(&self.pool).await,
            Protocol::Simple => {
                sqlx::raw_sql(sql.inline(params)?)
                    .fetch_all(&self.pool)
                    .await
            }
        }
        .map_err(|e| self.map_err(e))
    }

    /// How many rows the statement changed.
    pub(crate) async fn execute(&self, sql: &Sql, params: &[Param<'_>]) -> Result<u64> {
        let done = match self.protocol {
            Protocol::Prepared => bound(sql, params).execute(&self.pool).await,
            Protocol::Simple => sqlx::raw_sql(sql.inline(params)?).execute(&self.pool).await,
        }
        .map_err(|e| self.map_err(e))?;
        Ok(done.rows_affected())
    }
}
