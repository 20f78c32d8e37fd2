//! The `bound_token` workload: the per-request path of a bound token (`TokenStore::
//! authenticate`, `Authorization: Bearer aa_…`) against the per-request path of a session
//! (`Adapter::get_session_and_user`), interleaved on the same store, users and server.
//!
//! Every seeded user gets two tokens bound in realm `users`, server-generated
//! (`TokenFormat::default().generate()`, hashed with a `TokenSecret`): one for each
//! `authenticate` row, so the two rows never touch each other's `last_used_at`. The hashes
//! are computed once beforehand: the rows compare store calls, and the HMAC is the
//! caller's work (about a microsecond, the same for every backend).
//!
//! `authenticate` records the last use at most once per `LAST_USED_INTERVAL` (a minute)
//! per token, so the figure depends on whether the recorded use is due. The workload
//! reports both:
//! - **last use fresh** (the target row): before the rows, every token of this row is
//!   authenticated once (untimed), so in the first minute after that no measured call
//!   writes, as on a server whose tokens are used more than once a minute. Calls pass
//!   `Utc::now()`; a run longer than a minute writes each token's use once a minute again,
//!   as production does.
//! - **last use due**: every call passes a `now` a minute later than the previous call's
//!   (a logical clock that starts a minute ahead), so every call records its use: the
//!   write path, as for a token used less than once a minute. Its tokens have no expiry
//!   (the clock passes years in a run). Reported, no target.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use async_trait::async_trait;
use auth_adapter_core::{
    Adapter, NewTokenBinding, TokenFormat, TokenHash, TokenSecret, TokenStore,
};
use chrono::{DateTime, TimeDelta, Utc};

use crate::BoxError;
use crate::cli::{Options, Workload};
use crate::report::{self, Kind, RatioSummary, Row};
use crate::runner::{self, Op};
use crate::workloads::{self, Dataset};

/// The least `authenticate` ÷ `get_session_and_user` ops/s may be (issue 13).
pub(crate) const TARGET: f64 = 0.9;

/// The realm every token is bound in (BosBase's `users` collection).
const REALM: &str = "users";

/// The server secret the tokens are hashed with (a benchmark's, not a real one).
const SECRET: &str = "auth-adapter-bench bound_token secret";

/// The row names, in the order the rows run.
const FRESH: &str = "authenticate, last use fresh (no write)";
const SESSION: &str = "get_session_and_user";
const DUE: &str = "authenticate, last use due (writes it)";

/// Binds one server-generated token per user, 16 binds at a time; returns their hashes.
async fn bind_one_each(
    store: &Arc<dyn TokenStore>,
    secret: &TokenSecret,
    users: &[String],
    name: &str,
    expires: Option<DateTime<Utc>>,
) -> Result<Vec<TokenHash>, BoxError> {
    const PARALLEL: usize = 16;
    let format = TokenFormat::default();
    let mut hashes = Vec::with_capacity(users.len());
    for chunk in users.chunks(PARALLEL) {
        let mut batch = Vec::new();
        for user in chunk {
            let token = format.generate();
            let mut binding = NewTokenBinding::new(user.as_str(), REALM, &token, secret)
                .name(name)
                .scopes(["read", "write"]);
            binding.expires = expires;
            hashes.push(binding.token_hash.clone());
            let store = Arc::clone(store);
            batch.push(tokio::spawn(async move { store.bind_token(binding).await }));
        }
        for t in batch {
            t.await??;
        }
    }
    Ok(hashes)
}

/// The `now` an `authenticate` row passes.
enum Clock {
    /// The wall clock: the last use, recorded by the touch pass, is fresh for a minute.
    Wall,
    /// A minute later on every call, from `start`: the last use is always due.
    EveryCallAMinuteLater {
        start: DateTime<Utc>,
        calls: AtomicI64,
    },
}

impl Clock {
    fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::Wall => Utc::now(),
            Clock::EveryCallAMinuteLater { start, calls } => {
                let n = calls.fetch_add(1, Ordering::Relaxed);
                *start + TimeDelta::minutes(n)
            }
        }
    }
}

/// `authenticate(REALM, random hash, now)`, which must find the token and its user.
struct Authenticate {
    store: Arc<dyn TokenStore>,
    hashes: Vec<TokenHash>,
    clock: Clock,
}

#[async_trait]
impl Op for Authenticate {
    async fn call(&self, rand: u64) -> Result<(), String> {
        let count = self.hashes.len().max(1) as u64;
        let Some(hash) = usize::try_from(rand % count)
            .ok()
            .and_then(|i| self.hashes.get(i))
        else {
            return Err("no token was bound".into());
        };
        match self.store.authenticate(REALM, hash, self.clock.now()).await {
            Ok(Some(_)) => Ok(()),
            Ok(None) => Err("authenticate: a bound token did not authenticate".into()),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// The rows of one backend at every concurrency, and their ratios.
pub(crate) async fn run(
    options: &Options,
    backend: &str,
    adapter: &Arc<dyn Adapter>,
    store: Arc<dyn TokenStore>,
    data: &Arc<Dataset>,
) -> Result<(Vec<Row>, Vec<RatioSummary>), BoxError> {
    let secret = TokenSecret::new(SECRET)?;
    // The fresh row's tokens expire in 90 days (the check is part of the path); the due
    // row's never do, since its clock runs a minute per call: years within a run.
    let in_90_days = Some(Utc::now() + TimeDelta::days(90));
    let fresh = bind_one_each(&store, &secret, &data.user_ids, "bench fresh", in_90_days).await?;
    let due = bind_one_each(&store, &secret, &data.user_ids, "bench due", None).await?;
    // The touch pass: every token of the fresh row records a use now, untimed.
    for hash in &fresh {
        if store.authenticate(REALM, hash, Utc::now()).await?.is_none() {
            return Err("a token just bound does not authenticate".into());
        }
    }
    let ops: Vec<(Kind, &str, Arc<dyn Op>)> = vec![
        (
            Kind::Adapter,
            FRESH,
            Arc::new(Authenticate {
                store: Arc::clone(&store),
                hashes: fresh,
                clock: Clock::Wall,
            }),
        ),
        (
            Kind::Adapter,
            SESSION,
            workloads::adapter_op(
                Workload::GetSessionAndUser,
                Arc::clone(adapter),
                Arc::clone(data),
                "",
            ),
        ),
        (
            Kind::Adapter,
            DUE,
            Arc::new(Authenticate {
                store,
                hashes: due,
                clock: Clock::EveryCallAMinuteLater {
                    start: Utc::now() + TimeDelta::minutes(1),
                    calls: AtomicI64::new(0),
                },
            }),
        ),
    ];
    let workload = Workload::BoundToken.name();
    let mut rows = Vec::new();
    let mut ratios = Vec::new();
    for (i, &concurrency) in options.concurrency.iter().enumerate() {
        let seed = (i as u64) << 32 | 0xb07d;
        let mut group =
            runner::measure_rows(&ops, backend, workload, concurrency, options.duration, seed)
                .await;
        // Every row against get_session_and_user: "adapter ÷ this" reads session ÷ row.
        if let [fresh, session, due, ..] = &mut group[..] {
            fresh.adapter_ratio = report::ratio(session.ops_per_sec, fresh.ops_per_sec);
            due.adapter_ratio = report::ratio(session.ops_per_sec, due.ops_per_sec);
            ratios.push(RatioSummary::new(
                backend,
                workload,
                concurrency,
                "ops/s: authenticate ÷ get_session_and_user",
                report::ratio(fresh.ops_per_sec, session.ops_per_sec),
                Some(TARGET),
            ));
            ratios.push(RatioSummary::new(
                backend,
                workload,
                concurrency,
                "ops/s: authenticate writing its last use ÷ get_session_and_user",
                report::ratio(due.ops_per_sec, session.ops_per_sec),
                None,
            ));
        }
        rows.extend(group);
    }
    Ok((rows, ratios))
}

#[cfg(test)]
mod tests {
    use super::*;
    use auth_adapter_core::MemoryAdapter;
    use std::time::Duration;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_row_runs_without_errors_and_the_due_row_writes() {
        let memory = Arc::new(MemoryAdapter::new());
        let adapter: Arc<dyn Adapter> = memory.clone();
        let data = Arc::new(workloads::seed(&adapter, "t", 5, 20).await.unwrap());
        let mut options = match crate::cli::parse(["--smoke", "--concurrency", "2"]) {
            Ok(crate::cli::Command::Run(o)) => o,
            other => panic!("{other:?}"),
        };
        options.duration = Duration::from_millis(100);
        let (rows, ratios) = run(&options, "memory", &adapter, memory.clone(), &data)
            .await
            .unwrap();
        assert_eq!(
            rows.iter()
                .map(|r| r.implementation.as_str())
                .collect::<Vec<_>>(),
            [FRESH, SESSION, DUE]
        );
        for row in &rows {
            assert!(!row.failed(), "{row:?}");
        }
        assert_eq!(ratios.len(), 2);
        assert_eq!(ratios[0].target, Some(TARGET));
        assert!(ratios.iter().all(|r| r.ratio.is_some()), "{ratios:?}");
        // Two tokens per user; the due row's uses are recorded a minute or more ahead.
        let listed = memory.list_tokens(&data.user_ids[0]).await.unwrap();
        assert_eq!(listed.len(), 2);
        let now = Utc::now();
        let fresh = listed
            .iter()
            .find(|b| b.name.as_deref() == Some("bench fresh"));
        let due = listed
            .iter()
            .find(|b| b.name.as_deref() == Some("bench due"));
        assert!(fresh.and_then(|b| b.last_used_at).is_some_and(|t| t <= now));
        // Five users and a hundred milliseconds of calls: every due token was used.
        assert!(
            due.and_then(|b| b.last_used_at)
                .is_some_and(|t| t > now + TimeDelta::seconds(30)),
            "{due:?}"
        );
    }
}
