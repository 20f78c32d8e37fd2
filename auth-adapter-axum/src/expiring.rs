//! [`ExpiringMap`]: a small map whose entries end at a given instant, bounded in size: what
//! an instance remembers on its own (sessions it read, addresses it blocks).

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Instant;

/// Entries by key, each until its instant; at most `capacity` of them (past it, the ended
/// ones are dropped, then all of them: a full map of live entries is an attack or a
/// misconfiguration, and forgetting is always safe here).
pub(crate) struct ExpiringMap<V> {
    capacity: usize,
    entries: Mutex<HashMap<String, (Instant, V)>>,
}

impl<V: Clone> ExpiringMap<V> {
    pub(crate) fn new(capacity: usize) -> Self {
        ExpiringMap {
            capacity,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, (Instant, V)>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The live entry of `key` and when it ends; an ended one is removed.
    pub(crate) fn get(&self, key: &str) -> Option<(Instant, V)> {
        let mut entries = self.lock();
        let (until, value) = entries.get(key)?;
        if *until <= Instant::now() {
            entries.remove(key);
            return None;
        }
        Some((*until, value.clone()))
    }

    /// Sets `key` to `value` until `until`.
    pub(crate) fn insert(&self, key: String, until: Instant, value: V) {
        let mut entries = self.lock();
        if entries.len() >= self.capacity && !entries.contains_key(&key) {
            let now = Instant::now();
            entries.retain(|_, (until, _)| *until > now);
            if entries.len() >= self.capacity {
                entries.clear();
            }
        }
        entries.insert(key, (until, value));
    }

    /// Forgets `key`.
    pub(crate) fn remove(&self, key: &str) {
        self.lock().remove(key);
    }

    /// How many entries it holds, ended ones included.
    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }
}
