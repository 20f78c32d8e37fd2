//! [`RedisOptions`]: the key prefix, TTL behaviour and connection settings.

use std::time::Duration;

/// How a [`RedisAdapter`](crate::RedisAdapter) names its keys, expires records and
/// connects.
///
/// ```
/// use std::time::Duration;
/// use auth_adapter_redis::RedisOptions;
///
/// let options = RedisOptions::new()
///     .key_prefix("myapp:") // the JS adapter's `baseKeyPrefix`
///     .expire_by_ttl(true)
///     .response_timeout(Some(Duration::from_secs(2)));
/// assert_eq!(options.get_key_prefix(), "myapp:");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisOptions {
    pub(crate) key_prefix: String,
    pub(crate) expire_by_ttl: bool,
    pub(crate) sweep_unindexed: bool,
    pub(crate) connection_timeout: Option<Duration>,
    pub(crate) response_timeout: Option<Duration>,
    pub(crate) reconnect_retries: usize,
}

impl Default for RedisOptions {
    fn default() -> Self {
        RedisOptions {
            key_prefix: String::new(),
            expire_by_ttl: true,
            sweep_unindexed: false,
            connection_timeout: Some(Duration::from_secs(1)),
            response_timeout: Some(Duration::from_secs(5)),
            reconnect_retries: 2,
        }
    }
}

impl RedisOptions {
    /// The defaults: no prefix (as Auth.js), TTLs on, no sweep, 1 s connect timeout, 5 s
    /// response timeout, 2 reconnection retries per attempt.
    pub fn new() -> Self {
        RedisOptions::default()
    }

    /// The base key prefix, the JS adapters' `baseKeyPrefix` (default `""`). Every key
    /// this adapter reads or writes starts with it, the Auth.js keys and its own.
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.key_prefix = prefix.into();
        self
    }

    /// Whether sessions and verification tokens get a Redis TTL at their `expires`
    /// (`SET … PXAT`), default `true`. With `false` they stay until deleted, as with the
    /// JS adapters, and [`delete_expired`](auth_adapter_core::Adapter::delete_expired)
    /// removes them.
    pub fn expire_by_ttl(mut self, on: bool) -> Self {
        self.expire_by_ttl = on;
        self
    }

    /// Whether to also find records that only the JS adapters wrote and no index of this
    /// crate knows (default `false`): with `true`, `delete_user` and
    /// `delete_sessions_by_user_id` `SCAN` the prefix's `user:session:*` (and for
    /// `delete_user` `user:account:*`) keys for the user's records, and `delete_expired`
    /// scans `user:session:*` and `user:token:*` for expired ones. A `SCAN` walks the
    /// whole keyspace in steps (it does not block the server, but costs time in
    /// proportion to the number of keys); turn this on when a JS app writes to the same
    /// keys.
    pub fn sweep_unindexed(mut self, on: bool) -> Self {
        self.sweep_unindexed = on;
        self
    }

    /// How long one connection attempt may take (`None`: no limit).
    pub fn connection_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.connection_timeout = timeout;
        self
    }

    /// How long a command may wait for its answer (`None`: no limit).
    pub fn response_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.response_timeout = timeout;
        self
    }

    /// How many times a lost connection is retried (with exponential back-off from
    /// 100 ms) before a call fails with a transient error. The next call tries again.
    pub fn reconnect_retries(mut self, retries: usize) -> Self {
        self.reconnect_retries = retries;
        self
    }

    /// The base key prefix.
    pub fn get_key_prefix(&self) -> &str {
        &self.key_prefix
    }

    /// Whether sessions and verification tokens get a TTL at their `expires`.
    pub fn get_expire_by_ttl(&self) -> bool {
        self.expire_by_ttl
    }

    /// Whether deletes and `delete_expired` also scan for keys only the JS adapters wrote.
    pub fn get_sweep_unindexed(&self) -> bool {
        self.sweep_unindexed
    }

    /// How long connecting may take (`None`: no limit).
    pub fn get_connection_timeout(&self) -> Option<Duration> {
        self.connection_timeout
    }

    /// How long a reply may take (`None`: no limit).
    pub fn get_response_timeout(&self) -> Option<Duration> {
        self.response_timeout
    }

    /// How often a lost connection is retried per attempt.
    pub fn get_reconnect_retries(&self) -> usize {
        self.reconnect_retries
    }

    /// Checks every option; the adapter's constructors call it. A time limit of zero is
    /// refused (`None` means no limit).
    pub(crate) fn validate(&self) -> auth_adapter_core::Result<()> {
        use auth_adapter_core::backend::validate;
        if let Some(limit) = self.connection_timeout {
            validate::option_time_limit("connection_timeout", limit)?;
        }
        if let Some(limit) = self.response_timeout {
            validate::option_time_limit("response_timeout", limit)?;
        }
        Ok(())
    }
}
