//! Shared by the integration tests: the server from REDIS_URL and a fresh key prefix.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use auth_adapter_redis::{RedisAdapter, RedisOptions};
use redis::aio::ConnectionManager;

pub fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| {
        panic!(
            "REDIS_URL is not set: run scripts/test (starts a throwaway redis-server), \
             or set REDIS_URL=redis://… to a server you own"
        )
    })
}

/// A prefix no other test uses.
pub fn fresh_prefix() -> String {
    format!("aa-test:{}:", uuid::Uuid::new_v4())
}

pub async fn adapter_with(options: RedisOptions) -> RedisAdapter {
    RedisAdapter::connect(&redis_url(), options)
        .await
        .expect("connect to REDIS_URL")
}

/// An adapter under a fresh prefix, with the default options.
pub async fn fresh() -> (RedisAdapter, String) {
    let prefix = fresh_prefix();
    let a = adapter_with(RedisOptions::new().key_prefix(prefix.clone())).await;
    (a, prefix)
}

pub async fn raw_conn() -> ConnectionManager {
    let client = redis::Client::open(redis_url()).expect("REDIS_URL parses");
    ConnectionManager::new(client).await.expect("connect")
}

/// Every key under `prefix` (SCAN, never KEYS).
pub async fn keys_under(conn: &mut ConnectionManager, prefix: &str) -> Vec<String> {
    let mut pattern = String::new();
    for c in prefix.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('*');
    let mut cursor = 0u64;
    let mut out = Vec::new();
    loop {
        let (next, batch): (u64, Vec<String>) = redis::cmd("SCAN")
            .cursor_arg(cursor)
            .arg("MATCH")
            .arg(&pattern)
            .arg("COUNT")
            .arg(1000)
            .query_async(conn)
            .await
            .expect("SCAN");
        out.extend(batch);
        if next == 0 {
            break;
        }
        cursor = next;
    }
    out.sort();
    out
}

pub async fn get_raw(conn: &mut ConnectionManager, key: &str) -> Option<String> {
    redis::cmd("GET")
        .arg(key)
        .query_async(conn)
        .await
        .expect("GET")
}

pub async fn key_type(conn: &mut ConnectionManager, key: &str) -> String {
    redis::cmd("TYPE")
        .arg(key)
        .query_async(conn)
        .await
        .expect("TYPE")
}

pub mod server;

/// `REDIS_URL` with its host and port replaced (keeps user, password and db).
pub fn url_with_address(url: &str, host: &str, port: u16) -> String {
    let (scheme, rest) = url.split_once("://").expect("a redis:// URL");
    let (auth, after_auth) = match rest.rsplit_once('@') {
        Some((a, r)) => (format!("{a}@"), r),
        None => (String::new(), rest),
    };
    let path = after_auth.find('/').map_or("", |i| &after_auth[i..]);
    format!("{scheme}://{auth}{host}:{port}{path}")
}

/// Host and port of the server at REDIS_URL.
pub fn redis_address() -> (String, u16) {
    let client = redis::Client::open(redis_url()).expect("REDIS_URL parses");
    match client.get_connection_info().addr() {
        redis::ConnectionAddr::Tcp(host, port) => (host.clone(), *port),
        other => panic!("the round-trip test needs a TCP REDIS_URL, not {other:?}"),
    }
}

/// A session of `user_id` with `token`, expiring `expires_in` from now (whole milliseconds).
pub fn session(
    user_id: &str,
    token: &str,
    expires_in: chrono::TimeDelta,
) -> auth_adapter_core::AdapterSession {
    auth_adapter_core::AdapterSession {
        session_token: token.to_owned(),
        user_id: user_id.to_owned(),
        expires: auth_adapter_core::backend::dates::truncate_to_millis(
            chrono::Utc::now() + expires_in,
        ),
    }
}
