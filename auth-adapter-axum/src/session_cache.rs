//! [`SessionCache`]: database sessions remembered in the process for a short time, so a
//! busy API does not ask the store on every request (opt-in, see
//! [`AuthConfigBuilder::session_cache`](crate::AuthConfigBuilder::session_cache)).

use std::fmt;
use std::time::{Duration, Instant};

use auth_adapter_core::{AdapterSession, AdapterUser};

use crate::expiring::ExpiringMap;

/// The most sessions one instance remembers.
pub(crate) const CAPACITY: usize = 10_000;

/// Sessions read from the store, by session token, each for `ttl` after its read.
pub(crate) struct SessionCache {
    ttl: Duration,
    entries: ExpiringMap<(AdapterSession, AdapterUser)>,
}

impl fmt::Debug for SessionCache {
    // Never a token: the keys are session tokens.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionCache")
            .field("ttl", &self.ttl)
            .field("sessions", &self.entries.len())
            .finish()
    }
}

impl SessionCache {
    pub(crate) fn new(ttl: Duration) -> Self {
        SessionCache {
            ttl,
            entries: ExpiringMap::new(CAPACITY),
        }
    }

    /// The session and user read for `token` less than the TTL ago.
    pub(crate) fn get(&self, token: &str) -> Option<(AdapterSession, AdapterUser)> {
        self.entries.get(token).map(|(_, found)| found)
    }

    /// Remembers a session just read from the store.
    pub(crate) fn put(&self, session: &AdapterSession, user: &AdapterUser) {
        self.entries.insert(
            session.session_token.clone(),
            Instant::now() + self.ttl,
            (session.clone(), user.clone()),
        );
    }

    /// Forgets `token` (its session ended, or the store no longer has it).
    pub(crate) fn forget(&self, token: &str) {
        self.entries.remove(token);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn session(token: &str) -> (AdapterSession, AdapterUser) {
        (
            AdapterSession {
                session_token: token.to_owned(),
                user_id: "u".to_owned(),
                expires: Utc::now(),
            },
            AdapterUser {
                id: "u".to_owned(),
                name: None,
                email: None,
                email_verified: None,
                image: None,
            },
        )
    }

    #[test]
    fn entries_last_the_ttl_and_are_forgotten_on_request() {
        let cache = SessionCache::new(Duration::from_secs(60));
        let (s, u) = session("secret-token");
        cache.put(&s, &u);
        assert_eq!(cache.get("secret-token").map(|(s, _)| s), Some(s.clone()));
        assert!(!format!("{cache:?}").contains("secret-token"));
        cache.forget("secret-token");
        assert!(cache.get("secret-token").is_none());

        let gone = SessionCache::new(Duration::ZERO);
        gone.put(&s, &u);
        assert!(
            gone.get("secret-token").is_none(),
            "expired entries are not served"
        );
    }

    #[test]
    fn the_cache_never_grows_past_its_capacity() {
        let cache = SessionCache::new(Duration::from_secs(60));
        for n in 0..CAPACITY + 10 {
            let (s, u) = session(&format!("t{n}"));
            cache.put(&s, &u);
        }
        assert!(cache.entries.len() <= CAPACITY);
        assert!(
            cache.get(&format!("t{}", CAPACITY + 9)).is_some(),
            "the newest is kept"
        );
    }
}
