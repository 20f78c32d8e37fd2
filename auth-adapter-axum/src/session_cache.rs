//! [`SessionCache`]: database sessions remembered in the process for a short time, so a
//! busy API does not ask the store on every request (opt-in, see
//! [`AuthConfigBuilder::session_cache`](crate::AuthConfigBuilder::session_cache)).

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use auth_adapter_core::{AdapterSession, AdapterUser};

/// The most sessions one instance remembers; past it the expired ones are dropped, then
/// all of them.
pub(crate) const CAPACITY: usize = 10_000;

/// Sessions read from the store, by session token, each for `ttl` after its read.
pub(crate) struct SessionCache {
    ttl: Duration,
    entries: Mutex<HashMap<String, Entry>>,
}

struct Entry {
    until: Instant,
    session: AdapterSession,
    user: AdapterUser,
}

impl fmt::Debug for SessionCache {
    // Never a token: the keys are session tokens.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let len = self.lock().len();
        f.debug_struct("SessionCache")
            .field("ttl", &self.ttl)
            .field("sessions", &len)
            .finish()
    }
}

impl SessionCache {
    pub(crate) fn new(ttl: Duration) -> Self {
        SessionCache {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The session and user read for `token` less than the TTL ago.
    pub(crate) fn get(&self, token: &str) -> Option<(AdapterSession, AdapterUser)> {
        let mut entries = self.lock();
        let entry = entries.get(token)?;
        if entry.until <= Instant::now() {
            entries.remove(token);
            return None;
        }
        Some((entry.session.clone(), entry.user.clone()))
    }

    /// Remembers a session just read from the store.
    pub(crate) fn put(&self, session: &AdapterSession, user: &AdapterUser) {
        let now = Instant::now();
        let mut entries = self.lock();
        if entries.len() >= CAPACITY && !entries.contains_key(&session.session_token) {
            entries.retain(|_, entry| entry.until > now);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(
            session.session_token.clone(),
            Entry {
                until: now + self.ttl,
                session: session.clone(),
                user: user.clone(),
            },
        );
    }

    /// Forgets `token` (its session ended, or the store no longer has it).
    pub(crate) fn forget(&self, token: &str) {
        self.lock().remove(token);
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
        assert!(cache.lock().len() <= CAPACITY);
        assert!(
            cache.get(&format!("t{}", CAPACITY + 9)).is_some(),
            "the newest is kept"
        );
    }
}
