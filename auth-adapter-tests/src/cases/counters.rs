//! The [`CounterStore`] contract: fixed windows, atomic increments, exact keys.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use auth_adapter_core::backend::validate::MAX_KEY_BYTES;
use auth_adapter_core::{CounterStore, MAX_WINDOW};
use chrono::TimeDelta;

use crate::check::{ErrorKind, err, ok};
use crate::fixtures;

fn key(what: &str) -> String {
    format!("{what}:{}", fixtures::uuid())
}

/// Increments count 1, 2, 3 within one window; `count` reads without changing; the window
/// ends no later than its length from the first increment.
pub async fn increments_count_within_a_window(store: Arc<dyn CounterStore>) {
    let k = key("attempts");
    let window = TimeDelta::minutes(10);
    for expected in 1..=3 {
        let c = ok(store.increment(&k, window).await, "increment");
        assert_eq!(c.count, expected);
        assert!(
            c.resets_in > TimeDelta::zero() && c.resets_in <= window,
            "{c:?}"
        );
    }
    let c = ok(store.count(&k).await, "count");
    assert_eq!(c.count, 3, "count does not increment");
    assert!(c.resets_in > TimeDelta::minutes(9), "{c:?}");
    let fresh = ok(store.count(&key("never")).await, "count of a new key");
    assert_eq!(fresh.count, 0);
    assert_eq!(fresh.resets_in, TimeDelta::zero());
}

/// Keys are exact: separators and pattern characters never make two keys one.
pub async fn keys_are_exact(store: Arc<dyn CounterStore>) {
    let base = key("k");
    let keys = [
        format!("{base}:a:b"),
        format!("{base}:a"),
        format!("{base}:a*"),
        format!("{base}:a?"),
        format!("{base}:[a]"),
        format!("{base}:{{a}}"),
        format!("{base}:a b"),
        format!("{base}:ü🦀"),
    ];
    for (i, k) in keys.iter().enumerate() {
        for _ in 0..=i {
            ok(store.increment(k, TimeDelta::minutes(5)).await, k);
        }
    }
    for (i, k) in keys.iter().enumerate() {
        assert_eq!(ok(store.count(k).await, k).count, i as u64 + 1, "{k}");
    }
}

/// Once the window has ended the count reads 0, and the next increment opens a new window
/// at 1.
pub async fn the_window_ends_and_counting_starts_again(store: Arc<dyn CounterStore>) {
    let k = key("window");
    let window = TimeDelta::milliseconds(300);
    ok(store.increment(&k, window).await, "increment");
    ok(store.increment(&k, window).await, "increment");
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert_eq!(
        ok(store.count(&k).await, "count").count,
        0,
        "the window ended"
    );
    let c = ok(
        store.increment(&k, TimeDelta::minutes(1)).await,
        "increment",
    );
    assert_eq!(c.count, 1, "a new window");
    assert!(
        c.resets_in > TimeDelta::seconds(50),
        "{c:?}: the new window's length"
    );
}

/// `reset` removes the counter; resetting a missing one is fine.
pub async fn reset_removes_the_counter(store: Arc<dyn CounterStore>) {
    let k = key("reset");
    ok(
        store.increment(&k, TimeDelta::minutes(1)).await,
        "increment",
    );
    ok(store.reset(&k).await, "reset");
    assert_eq!(ok(store.count(&k).await, "count").count, 0);
    assert_eq!(
        ok(
            store.increment(&k, TimeDelta::minutes(1)).await,
            "increment"
        )
        .count,
        1
    );
    ok(
        store.reset(&key("missing")).await,
        "reset of a missing counter",
    );
}

/// 64 concurrent increments of one key get the counts 1..=64, each once.
pub async fn concurrent_increments_are_atomic(store: Arc<dyn CounterStore>) {
    let k = Arc::new(key("race"));
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let store = store.clone();
            let k = k.clone();
            tokio::spawn(async move { store.increment(&k, TimeDelta::minutes(1)).await })
        })
        .collect();
    let mut seen = BTreeSet::new();
    for task in tasks {
        let c = ok(task.await.expect("task"), "concurrent increment");
        assert!(seen.insert(c.count), "count {} returned twice", c.count);
    }
    assert_eq!(seen, (1..=64).collect::<BTreeSet<u64>>());
    assert_eq!(ok(store.count(&k).await, "count").count, 64);
}

/// Empty, NUL and oversize keys and windows out of range are `InvalidInput`, nothing kept.
pub async fn bad_input_is_invalid(store: Arc<dyn CounterStore>) {
    let window = TimeDelta::minutes(1);
    for (what, k) in [
        ("empty key", String::new()),
        ("NUL", "a\0b".to_owned()),
        ("oversize key", "k".repeat(MAX_KEY_BYTES + 1)),
    ] {
        err(
            store.increment(&k, window).await,
            ErrorKind::InvalidInput,
            what,
        );
    }
    let k = key("windows");
    for bad in [
        TimeDelta::zero(),
        TimeDelta::milliseconds(-5),
        MAX_WINDOW + TimeDelta::milliseconds(1),
    ] {
        err(
            store.increment(&k, bad).await,
            ErrorKind::InvalidInput,
            &format!("window {bad}"),
        );
    }
    assert_eq!(ok(store.count(&k).await, "count").count, 0, "nothing kept");
    let at_limit = "k".repeat(MAX_KEY_BYTES);
    ok(
        store.increment(&at_limit, MAX_WINDOW).await,
        "the longest key and window",
    );
    ok(store.reset(&at_limit).await, "reset");
}

/// `purge_expired` leaves live counters alone; ended ones are gone either way.
pub async fn purge_expired_keeps_live_counters(store: Arc<dyn CounterStore>) {
    let (ended, live) = (key("ended"), key("live"));
    ok(
        store.increment(&ended, TimeDelta::milliseconds(100)).await,
        "increment",
    );
    ok(
        store.increment(&live, TimeDelta::minutes(5)).await,
        "increment",
    );
    tokio::time::sleep(Duration::from_millis(250)).await;
    ok(store.purge_expired().await, "purge_expired");
    assert_eq!(ok(store.count(&ended).await, "count").count, 0);
    assert_eq!(
        ok(store.count(&live).await, "count").count,
        1,
        "live counter kept"
    );
}
