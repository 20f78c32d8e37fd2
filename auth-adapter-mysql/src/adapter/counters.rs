//! [`CounterStore`] on MySQL: table `auth_adapter_counters`, one upsert per increment,
//! read back in its transaction (MySQL has no `RETURNING`).

use async_trait::async_trait;
use auth_adapter_core::backend::validate::{self, is_storable_key};
use auth_adapter_core::{Count, CounterStore, Result};
use chrono::TimeDelta;
use sqlx::Row;
use sqlx::mysql::MySqlRow;

use super::{MySqlAdapter, retry_deadlocks};
use crate::error::map_err;

/// A counter's row: its count and the milliseconds left in its window.
fn counter_of(row: Option<&MySqlRow>) -> Result<Count> {
    let Some(row) = row else {
        return Ok(Count {
            count: 0,
            resets_in: TimeDelta::zero(),
        });
    };
    let count: u64 = row.try_get(0).map_err(map_err)?;
    let left: i64 = row.try_get(1).map_err(map_err)?;
    Ok(Count {
        count,
        resets_in: TimeDelta::milliseconds(left.max(0)),
    })
}

/// Windows are measured with the server's clock (`UTC_TIMESTAMP(3)`), so every instance
/// agrees.
#[async_trait]
impl CounterStore for MySqlAdapter {
    async fn increment(&self, key: &str, window: TimeDelta) -> Result<Count> {
        validate::counter(key, window)?;
        let micros = window.num_microseconds().unwrap_or(i64::MAX);
        retry_deadlocks(|| async {
            // The upsert holds the row's lock until the commit, so the read that follows
            // sees this increment and no other.
            let mut tx = self.begin().await?;
            sqlx::query(self.sql.increment_counter.get())
                .bind(key)
                .bind(micros)
                .bind(micros)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
            let row = sqlx::query(self.sql.read_counter.get())
                .bind(key)
                .fetch_one(&mut *tx)
                .await
                .map_err(map_err)?;
            tx.commit().await.map_err(map_err)?;
            counter_of(Some(&row))
        })
        .await
    }

    async fn count(&self, key: &str) -> Result<Count> {
        if !is_storable_key(key) {
            return counter_of(None);
        }
        let row = sqlx::query(self.sql.get_counter.get())
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        counter_of(row.as_ref())
    }

    async fn reset(&self, key: &str) -> Result<()> {
        if !is_storable_key(key) {
            return Ok(());
        }
        sqlx::query(self.sql.delete_counter.get())
            .bind(key)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn purge_expired(&self) -> Result<u64> {
        let done = sqlx::query(self.sql.purge_counters.get())
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected())
    }
}
