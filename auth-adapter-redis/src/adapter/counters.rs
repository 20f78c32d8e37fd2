//! [`CounterStore`] on Redis: a counter is a string key `{p}auth-adapter:counter:{key}`
//! holding the count, with a TTL at the end of its window (Redis's clock).

use async_trait::async_trait;
use auth_adapter_core::backend::validate;
use auth_adapter_core::{Count, CounterStore, Result};
use chrono::TimeDelta;

use super::RedisAdapter;
use crate::error::redis_error;
use crate::scripts;

#[async_trait]
impl CounterStore for RedisAdapter {
    async fn increment(&self, key: &str, window: TimeDelta) -> Result<Count> {
        validate::counter(key, window)?;
        let mut inv = self.invoke(&scripts::COUNTER_INCREMENT);
        inv.key(self.keys.counter(key))
            .arg(window.num_milliseconds());
        let (count, ttl): (u64, i64) = self.run(&inv, "counter increment").await?;
        Ok(Count {
            count,
            resets_in: TimeDelta::milliseconds(ttl.max(0)),
        })
    }

    async fn count(&self, key: &str) -> Result<Count> {
        if !validate::is_storable_key(key) {
            return Ok(Count {
                count: 0,
                resets_in: TimeDelta::zero(),
            });
        }
        let counter = self.keys.counter(key);
        let mut conn = self.conn.clone();
        let (count, ttl): (Option<u64>, i64) = redis::pipe()
            .get(&counter)
            .pttl(&counter)
            .query_async(&mut conn)
            .await
            .map_err(|e| redis_error("counter count", e))?;
        Ok(match count {
            Some(count) if ttl > 0 => Count {
                count,
                resets_in: TimeDelta::milliseconds(ttl),
            },
            _ => Count {
                count: 0,
                resets_in: TimeDelta::zero(),
            },
        })
    }

    async fn reset(&self, key: &str) -> Result<()> {
        let mut conn = self.conn.clone();
        redis::cmd("DEL")
            .arg(self.keys.counter(key))
            .query_async::<()>(&mut conn)
            .await
            .map_err(|e| redis_error("counter reset", e))
    }

    /// Counters expire by Redis TTL: none is left to remove.
    async fn purge_expired(&self) -> Result<u64> {
        Ok(0)
    }
}
