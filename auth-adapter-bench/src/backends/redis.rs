//! Redis: a key prefix per run; two raw baselines on the adapter's own ConnectionManager: GET session then
//! GET user (two round trips, what the JS adapters do), and one EVALSHA of a script doing
//! both (the best one round trip can do).

use std::sync::Arc;

use async_trait::async_trait;
use auth_adapter_core::{Adapter, AdapterSession, AdapterUser, CounterStore, TokenStore};
use auth_adapter_redis::{RedisAdapter, RedisOptions};
use redis::AsyncCommands;
use redis::aio::ConnectionManager;

use super::{RawLookup, Store, err};
use crate::BoxError;
use crate::js::JsTarget;
use crate::runner::Op;
use crate::workloads::Dataset;

pub(crate) struct RedisStore {
    url: String,
    prefix: String,
    conn: ConnectionManager,
    adapter: Arc<RedisAdapter>,
}

impl RedisStore {
    pub(crate) async fn open(url: &str, run_id: &str) -> Result<Self, BoxError> {
        // No glob characters, so `SCAN MATCH {prefix}*` finds exactly this run's keys.
        let prefix = format!("aabench_{run_id}:");
        // The connection exactly as the adapter opens it for its users (`connect`); the raw
        // baselines share that ConnectionManager.
        let adapter = RedisAdapter::connect(url, RedisOptions::new().key_prefix(prefix.as_str()))
            .await
            .map_err(|e| format!("cannot connect to REDIS_URL: {e}"))?;
        let conn = adapter.connection();
        Ok(RedisStore {
            url: url.to_owned(),
            prefix,
            conn,
            adapter: Arc::new(adapter),
        })
    }
}

#[async_trait]
impl Store for RedisStore {
    fn example_backend(&self) -> Option<rest_api::Backend> {
        Some(rest_api::Backend::Redis(Arc::clone(&self.adapter)))
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
        Ok(vec![
            RawLookup {
                name: "redis GET + GET",
                op: Arc::new(TwoGets {
                    conn: self.conn.clone(),
                    prefix: self.prefix.clone(),
                    data: Arc::clone(data),
                }),
            },
            RawLookup {
                name: "redis EVALSHA",
                op: Arc::new(OneScript {
                    conn: self.conn.clone(),
                    prefix: self.prefix.clone(),
                    script: redis::Script::new(LOOKUP_SCRIPT),
                    data: Arc::clone(data),
                }),
            },
        ])
    }

    fn js(&self) -> Option<JsTarget> {
        Some(JsTarget {
            adapter: "unstorage-redis",
            package: "@auth/unstorage-adapter",
            env: vec![
                ("REDIS_URL", self.url.clone()),
                ("KEY_PREFIX", self.prefix.clone()),
            ],
        })
    }

    async fn separate_adapter(&self) -> Result<Option<Arc<dyn Adapter>>, BoxError> {
        // Its own ConnectionManager (one multiplexed connection), on the same keys.
        let adapter = RedisAdapter::connect(
            &self.url,
            RedisOptions::new().key_prefix(self.prefix.as_str()),
        )
        .await
        .map_err(|e| format!("cannot open a second connection to REDIS_URL: {e}"))?;
        Ok(Some(Arc::new(adapter)))
    }

    async fn cleanup(&self) -> Result<(), BoxError> {
        let mut conn = self.conn.clone();
        let pattern = format!("{}*", self.prefix);
        let mut cursor: u64 = 0;
        loop {
            let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(1000)
                .query_async(&mut conn)
                .await?;
            if !keys.is_empty() {
                let _: () = redis::cmd("UNLINK")
                    .arg(&keys)
                    .query_async(&mut conn)
                    .await?;
            }
            if next == 0 {
                return Ok(());
            }
            cursor = next;
        }
    }
}

/// The session and its user in one round trip: `KEYS[1]` = the session key, `ARGV[1]` = the
/// user key prefix; the user id comes from the session's JSON.
const LOOKUP_SCRIPT: &str = r"
local session = redis.call('GET', KEYS[1])
if not session then return false end
local user = redis.call('GET', ARGV[1] .. cjson.decode(session)['userId'])
if not user then return false end
return {session, user}
";

fn parse(session: &str, user: &str) -> Result<(AdapterSession, AdapterUser), String> {
    let session: AdapterSession = serde_json::from_str(session).map_err(err)?;
    let user: AdapterUser = serde_json::from_str(user).map_err(err)?;
    Ok((session, user))
}

struct TwoGets {
    conn: ConnectionManager,
    prefix: String,
    data: Arc<Dataset>,
}

#[async_trait]
impl Op for TwoGets {
    async fn call(&self, rand: u64) -> Result<(), String> {
        let mut conn = self.conn.clone();
        let key = format!("{}user:session:{}", self.prefix, self.data.token(rand));
        let session: Option<String> = conn.get(key).await.map_err(err)?;
        let session = session.ok_or("raw GET: an existing session was not found")?;
        let parsed: AdapterSession = serde_json::from_str(&session).map_err(err)?;
        let user_key = format!("{}user:{}", self.prefix, parsed.user_id);
        let user: Option<String> = conn.get(user_key).await.map_err(err)?;
        let user = user.ok_or("raw GET: the session's user was not found")?;
        let user: AdapterUser = serde_json::from_str(&user).map_err(err)?;
        std::hint::black_box((parsed, user));
        Ok(())
    }
}

struct OneScript {
    conn: ConnectionManager,
    prefix: String,
    script: redis::Script,
    data: Arc<Dataset>,
}

#[async_trait]
impl Op for OneScript {
    async fn call(&self, rand: u64) -> Result<(), String> {
        let mut conn = self.conn.clone();
        let key = format!("{}user:session:{}", self.prefix, self.data.token(rand));
        let found: Option<(String, String)> = self
            .script
            .key(key)
            .arg(format!("{}user:", self.prefix))
            .invoke_async(&mut conn)
            .await
            .map_err(err)?;
        let (session, user) = found.ok_or("raw EVALSHA: an existing session was not found")?;
        std::hint::black_box(parse(&session, &user)?);
        Ok(())
    }
}
