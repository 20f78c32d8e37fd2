//! [`CounterStore`] on PostgreSQL: table `auth_adapter_counters`, one upsert per increment.

use async_trait::async_trait;
use auth_adapter_core::backend::validate::{self, is_storable_key};
use auth_adapter_core::{Count, CounterStore, Result};
use chrono::TimeDelta;
use sqlx::Row;

use super::PostgresAdapter;
use crate::error::map_err;
use crate::literal::Param::{Float8, Text};

/// A counter's row: its count and the milliseconds left in its window.
fn counter_of(row: Option<&sqlx::postgres::PgRow>) -> Result<Count> {
    let Some(row) = row else {
        return Ok(Count {
            count: 0,
            resets_in: TimeDelta::zero(),
        });
    };
    let count: i64 = row.try_get(0).map_err(map_err)?;
    let left: i64 = row.try_get(1).map_err(map_err)?;
    Ok(Count {
        count: u64::try_from(count).unwrap_or(0),
        resets_in: TimeDelta::milliseconds(left.max(0)),
    })
}

/// Windows are measured with the server's clock (`now()`), so every instance agrees.
#[async_trait]
impl CounterStore for PostgresAdapter {
    async fn increment(&self, key: &str, window: TimeDelta) -> Result<Count> {
        validate::counter(key, window)?;
        let window = Float8(window.num_milliseconds() as f64);
        let row = self
            .run
            .one(
                &self.ready().await?.sql.increment_counter,
                &[Text(Some(key)), window],
            )
            .await?;
        counter_of(Some(&row))
    }

    async fn count(&self, key: &str) -> Result<Count> {
        if !is_storable_key(key) {
            return counter_of(None);
        }
        let row = self
            .run
            .optional(&self.ready().await?.sql.get_counter, &[Text(Some(key))])
            .await?;
        counter_of(row.as_ref())
    }

    async fn reset(&self, key: &str) -> Result<()> {
        if !is_storable_key(key) {
            return Ok(());
        }
        self.run
            .execute(&self.ready().await?.sql.delete_counter, &[Text(Some(key))])
            .await?;
        Ok(())
    }

    async fn purge_expired(&self) -> Result<u64> {
        self.run
            .execute(&self.ready().await?.sql.purge_counters, &[])
            .await
    }
}
