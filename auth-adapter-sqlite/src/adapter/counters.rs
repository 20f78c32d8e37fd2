//! [`CounterStore`] on SQLite: table `auth_adapter_counter`, one upsert per increment.

use async_trait::async_trait;
use auth_adapter_core::backend::validate;
use auth_adapter_core::{Count, CounterStore, Result};
use chrono::{DateTime, TimeDelta, Utc};
use rusqlite::{OptionalExtension, params};

use super::{NO_KEY, SqliteAdapter};
use crate::rows::Millis;
use crate::sql;

/// `count` of a counter row whose window ends at `resets_at` (ms), seen at `now`.
fn counter(count: i64, resets_at: i64, now: DateTime<Utc>) -> Count {
    Count {
        count: u64::try_from(count).unwrap_or(0),
        resets_in: TimeDelta::milliseconds((resets_at - now.timestamp_millis()).max(0)),
    }
}

/// Windows are measured with this process's clock: the database is a local file, so every
/// process that shares it shares the machine's clock.
#[async_trait]
impl CounterStore for SqliteAdapter {
    async fn increment(&self, key: &str, window: TimeDelta) -> Result<Count> {
        validate::counter(key, window)?;
        let key = key.to_owned();
        let now = Utc::now();
        let (count, resets_at) = self
            .write_one(NO_KEY, move |conn| {
                conn.prepare_cached(sql::INCREMENT_COUNTER)?
                    .query_row(params![key, Millis(now), Millis(now + window)], |row| {
                        Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?))
                    })
            })
            .await?;
        Ok(counter(count, resets_at, now))
    }

    async fn count(&self, key: &str) -> Result<Count> {
        let key = key.to_owned();
        let now = Utc::now();
        let found = self
            .read(move |conn| {
                conn.prepare_cached(sql::SELECT_COUNTER)?
                    .query_row(params![key, Millis(now)], |row| {
                        Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?))
                    })
                    .optional()
            })
            .await?;
        Ok(found.map_or(counter(0, 0, now), |(count, resets_at)| {
            counter(count, resets_at, now)
        }))
    }

    async fn reset(&self, key: &str) -> Result<()> {
        let key = key.to_owned();
        self.write_one(NO_KEY, move |conn| {
            conn.prepare_cached(sql::DELETE_COUNTER)?.execute([key])
        })
        .await?;
        Ok(())
    }

    async fn purge_expired(&self) -> Result<u64> {
        let now = Millis(Utc::now());
        let removed = self
            .write_one(NO_KEY, move |conn| {
                conn.prepare_cached(sql::DELETE_EXPIRED_COUNTERS)?
                    .execute([now])
            })
            .await?;
        Ok(removed as u64)
    }
}
