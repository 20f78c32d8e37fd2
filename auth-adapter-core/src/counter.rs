//! [`CounterStore`]: counters that expire, shared by every instance of a service through
//! its store; the ground of attempt limits and rate limits.

use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::TimeDelta;

use crate::error::Result;

/// A counter's value and how long until its window ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    /// The number of increments in the current window (0 when there is none).
    pub count: u64,
    /// How long until the window ends and the count starts again from zero (zero when
    /// there is no window): what to answer as `Retry-After` past a limit.
    pub resets_in: TimeDelta,
}

/// Fixed-window counters kept in the store, so that every instance of a service behind a
/// load balancer shares them: the first increment of a key opens a window of the given
/// length, the following ones count within it, and once it has ended the next increment
/// opens a new one at 1.
///
/// # Contract
/// - [`increment`](Self::increment) is atomic: N concurrent increments of one key return
///   the counts 1..=N in some order (within one window), on every instance.
/// - Windows are measured with the store's clock (the server's for PostgreSQL and Redis),
///   so instances with skewed clocks agree.
/// - Keys are any non-empty text without NUL of at most
///   [`MAX_KEY_BYTES`](crate::backend::validate::MAX_KEY_BYTES) bytes; a window is at least
///   one millisecond and at most [`MAX_WINDOW`]. Anything else is `InvalidInput`.
/// - A backend keeps counters apart from the Auth.js data (its own table or keys), so the
///   Auth.js adapters keep working on the same store.
#[async_trait]
pub trait CounterStore: Debug + Send + Sync + 'static {
    /// Adds one to the counter `key` (opening a window of `window` when it has none) and
    /// returns the new count.
    async fn increment(&self, key: &str, window: TimeDelta) -> Result<Count>;

    /// The counter's current value, without changing it (`count: 0` when it has no window).
    async fn count(&self, key: &str) -> Result<Count>;

    /// Removes the counter (after a successful sign-in, say).
    async fn reset(&self, key: &str) -> Result<()>;

    /// Removes the counters whose window has ended; returns how many. Stores that expire
    /// keys by themselves (Redis) have none to remove.
    async fn purge_expired(&self) -> Result<u64>;
}

/// The bucket a client address is counted in by a per-address limit: an IPv4 address (an
/// IPv4-mapped IPv6 one as IPv4), an IPv6 /64 (one subscriber gets a whole /64, so one
/// address each would be no limit), or `unknown` for a client without an address (all such
/// clients share one bucket: the limit fails closed).
///
/// ```
/// use auth_adapter_core::client_bucket;
/// assert_eq!(client_bucket(Some("::ffff:203.0.113.7".parse().unwrap())), "203.0.113.7");
/// assert_eq!(client_bucket(Some("2001:db8:1:2:3::9".parse().unwrap())), "2001:db8:1:2::/64");
/// assert_eq!(client_bucket(None), "unknown");
/// assert_eq!(
///     client_bucket(Some("2001:db8:1:2:3:4:5:6".parse().unwrap())),
///     client_bucket(Some("2001:db8:1:2:ffff::1".parse().unwrap()))
/// );
/// ```
pub fn client_bucket(ip: Option<std::net::IpAddr>) -> String {
    use std::net::IpAddr;
    match ip {
        None => "unknown".to_owned(),
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// The longest window a counter takes: a year.
pub const MAX_WINDOW: TimeDelta = TimeDelta::days(366);

macro_rules! forward_counter_store {
    ($($ty:ty),*) => {$(
        #[async_trait]
        impl<T: CounterStore + ?Sized> CounterStore for $ty {
            async fn increment(&self, key: &str, window: TimeDelta) -> Result<Count> {
                (**self).increment(key, window).await
            }
            async fn count(&self, key: &str) -> Result<Count> {
                (**self).count(key).await
            }
            async fn reset(&self, key: &str) -> Result<()> {
                (**self).reset(key).await
            }
            async fn purge_expired(&self) -> Result<u64> {
                (**self).purge_expired().await
            }
        }
    )*};
}

forward_counter_store!(Arc<T>, Box<T>);
