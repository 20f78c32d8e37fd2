//! The `busy_user` workload: whether one user with many sessions slows down creating one
//! more session for that user, or other users' requests.
//!
//! A defect of the Redis backend made `create_session` check every session the user already
//! had (SMEMBERS + EXISTS inside one Lua script): with one user and 16 writers, creates fell
//! from 835/s over the first 2,000 sessions to 28/s at 20,000, and since Redis runs one
//! script at a time, every other user's `get_session_and_user` waited up to a second. This
//! workload measures both effects on every backend:
//!
//! - W writers (the largest `--concurrency`) call `create_session` for a user with no
//!   sessions, then for a user that has `--busy-sessions` (N, created through the adapter
//!   before the rounds): the rate at N ÷ the rate at 0.
//! - Meanwhile one task calls `get_session_and_user` on random sessions of the *other*
//!   users; its p99 is compared with its p99 when no writer runs, and with its p99 while the
//!   writers work on the user with no sessions (same load, without the busy user's set).
//!
//! The phases run interleaved in rounds (like [`runner::measure_interleaved`]), so a change
//! in background load hits them alike; the order of the two writer phases alternates. A
//! writer phase stops after one slice of time or after N/10 creates (at least 50),
//! whichever comes first, and the sessions it created are deleted, untimed, before the next
//! phase: the users' counts stay within 0..N/10 and N..1.1N instead of drifting up.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use auth_adapter_core::{Adapter, AdapterSession, NewUser, generate_session_token};
use chrono::{TimeDelta, Utc};

use crate::BoxError;
use crate::cli::{Options, Workload};
use crate::report::{self, BusySummary, Kind, Row};
use crate::runner::{self, Limits, Op, TaskResult, Totals};
use crate::workloads::{self, Dataset};

/// Concurrent lookups of the other users: one request at a time, as one other user's.
const PROBES: usize = 1;

/// At most this many measured rounds, whatever the backend's speed (the memory backend
/// finishes a capped phase in a millisecond).
const MAX_ROUNDS: u32 = 400;

/// Creates `create_session` for one user, keeping the tokens so they can be deleted.
struct Writer {
    adapter: Arc<dyn Adapter>,
    user_id: String,
    created: Mutex<Vec<String>>,
}

#[async_trait]
impl Op for Writer {
    async fn call(&self, _rand: u64) -> Result<(), String> {
        let session = self
            .adapter
            .create_session(AdapterSession {
                session_token: generate_session_token(),
                user_id: self.user_id.clone(),
                expires: Utc::now() + TimeDelta::days(30),
            })
            .await
            .map_err(|e| format!("create_session: {e}"))?;
        self.created
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(session.session_token);
        Ok(())
    }
}

impl Writer {
    /// Deletes the sessions created since the last call, 16 at a time, so the user has
    /// as many sessions as before the phase.
    async fn undo(&self) -> Result<(), BoxError> {
        const PARALLEL: usize = 16;
        let tokens =
            std::mem::take(&mut *self.created.lock().unwrap_or_else(PoisonError::into_inner));
        let per_task = tokens.len().div_ceil(PARALLEL).max(1);
        let mut tasks = Vec::new();
        for chunk in tokens.chunks(per_task) {
            let adapter = Arc::clone(&self.adapter);
            let chunk = chunk.to_vec();
            tasks.push(tokio::spawn(async move {
                for token in chunk {
                    match adapter.delete_session(&token).await {
                        Ok(Some(_)) => {}
                        Ok(None) => {
                            return Err(
                                "delete_session: a session the benchmark created was not found"
                                    .to_owned(),
                            );
                        }
                        Err(e) => return Err(format!("delete_session: {e}")),
                    }
                }
                Ok(())
            }));
        }
        for t in tasks {
            t.await??;
        }
        Ok(())
    }
}

/// A user created for this workload.
async fn new_user(
    adapter: &Arc<dyn Adapter>,
    run_id: &str,
    what: &str,
) -> Result<String, BoxError> {
    let user = adapter
        .create_user(NewUser {
            name: Some(format!("Busy User ({what})")),
            email: Some(format!("busy-{run_id}-{what}@example.com")),
            email_verified: None,
            image: None,
        })
        .await?;
    Ok(user.id)
}

/// What one writer phase measured: the writers' and the probe's task results and seconds.
struct Phase {
    writers: (Vec<TaskResult>, f64),
    probe: (Vec<TaskResult>, f64),
}

/// The writers on one user and, at the same time, the probe, until the writers stop (after
/// `slice` or `cap` creates).
async fn writers_with_probe(
    writer: &Arc<dyn Op>,
    writers: usize,
    probe: &Arc<dyn Op>,
    slice: Duration,
    cap: u64,
    record: bool,
    seed: u64,
) -> Result<Phase, BoxError> {
    let until = Instant::now() + slice;
    let stop = Arc::new(AtomicBool::new(false));
    let probe_limits = Limits {
        until,
        budget: None,
        stop: Some(Arc::clone(&stop)),
    };
    let probe_op = Arc::clone(probe);
    let probe_task = tokio::spawn(async move {
        runner::run_limited(&probe_op, PROBES, probe_limits, record, seed ^ 0x9e37).await
    });
    let writer_limits = Limits {
        until,
        budget: Some(Arc::new(AtomicU64::new(cap))),
        stop: None,
    };
    let w = runner::run_limited(writer, writers, writer_limits, record, seed).await;
    stop.store(true, Ordering::Relaxed);
    let p = probe_task.await?;
    Ok(Phase {
        writers: w,
        probe: p,
    })
}

/// The five rows and the summary of `busy_user` on one backend. `data` holds the other
/// users and their sessions (already created).
pub(crate) async fn run(
    options: &Options,
    backend: &str,
    adapter: &Arc<dyn Adapter>,
    data: &Arc<Dataset>,
    run_id: &str,
) -> Result<(Vec<Row>, BusySummary), BoxError> {
    let n = options.busy_sessions;
    let writers = options.concurrency.iter().copied().max().unwrap_or(16);
    let cap = u64::try_from((n / 10).max(50)).unwrap_or(u64::MAX);
    let slice = (options.duration / 5).min(Duration::from_secs(1));

    let fresh_id = new_user(adapter, run_id, "none").await?;
    let busy_id = new_user(adapter, run_id, "busy").await?;
    log(&format!(
        "{backend} busy_user: creating {n} sessions for the busy user"
    ));
    let started = Instant::now();
    workloads::create_sessions(adapter, n, |_| busy_id.clone()).await?;
    log(&format!(
        "{backend} busy_user: {n} sessions created in {:.1} s ({:.0}/s, 16 at a time)",
        started.elapsed().as_secs_f64(),
        n as f64 / started.elapsed().as_secs_f64().max(1e-9)
    ));

    let fresh = Arc::new(Writer {
        adapter: Arc::clone(adapter),
        user_id: fresh_id,
        created: Mutex::new(Vec::new()),
    });
    let busy = Arc::new(Writer {
        adapter: Arc::clone(adapter),
        user_id: busy_id,
        created: Mutex::new(Vec::new()),
    });
    let fresh_op: Arc<dyn Op> = fresh.clone();
    let busy_op: Arc<dyn Op> = busy.clone();
    let probe = workloads::adapter_op(
        Workload::GetSessionAndUser,
        Arc::clone(adapter),
        Arc::clone(data),
        run_id,
    );

    let [
        mut create_0,
        mut create_n,
        mut idle,
        mut probe_0,
        mut probe_n,
    ] = [(); 5].map(|()| Totals::new());
    // Round 0 is the warm-up: run, counted for errors only.
    let mut round: u32 = 0;
    loop {
        let record = round > 0;
        let timed = |seconds: f64| record.then_some(seconds);
        let seed = u64::from(round) << 20 | 0xb05e;
        let mut lengths = 0.0;
        // Alternate which user's writers run first.
        let order: [(&Arc<dyn Op>, &Writer, bool); 2] = if round.is_multiple_of(2) {
            [(&fresh_op, &fresh, false), (&busy_op, &busy, true)]
        } else {
            [(&busy_op, &busy, true), (&fresh_op, &fresh, false)]
        };
        for (i, (op, writer, is_busy)) in order.into_iter().enumerate() {
            let phase =
                writers_with_probe(op, writers, &probe, slice, cap, record, seed + i as u64)
                    .await?;
            writer.undo().await?;
            lengths += phase.writers.1;
            let (creates, lookups) = if is_busy {
                (&mut create_n, &mut probe_n)
            } else {
                (&mut create_0, &mut probe_0)
            };
            creates.add(phase.writers.0, timed(phase.writers.1));
            lookups.add(phase.probe.0, timed(phase.probe.1));
        }
        // The probe alone, for as long as the writer phases took on average.
        let alone = Duration::from_secs_f64(lengths / 2.0);
        let probe_limits = Limits {
            until: Instant::now() + alone,
            budget: None,
            stop: None,
        };
        let (results, seconds) =
            runner::run_limited(&probe, PROBES, probe_limits, record, seed + 2).await;
        idle.add(results, timed(seconds));

        let enough = create_0.seconds().min(create_n.seconds()) >= options.duration.as_secs_f64();
        if record && (enough || round >= MAX_ROUNDS) {
            break;
        }
        round += 1;
    }

    let [create_0, create_n, idle, probe_0, probe_n] =
        [create_0, create_n, idle, probe_0, probe_n].map(Totals::finish);
    let row = |concurrency: usize, what: String, m: &runner::Measurement| {
        Row::new(
            backend,
            Workload::BusyUser.name(),
            concurrency,
            Kind::Adapter,
            &what,
            m,
        )
    };
    let rows = vec![
        row(
            writers,
            "create_session, user with 0 sessions".into(),
            &create_0,
        ),
        row(
            writers,
            format!("create_session, user with {n} sessions"),
            &create_n,
        ),
        row(PROBES, "other users' lookups, no writers".into(), &idle),
        row(
            PROBES,
            "other users' lookups, writers on user with 0".into(),
            &probe_0,
        ),
        row(
            PROBES,
            format!("other users' lookups, writers on user with {n}"),
            &probe_n,
        ),
    ];
    let (rate_0, rate_n) = (create_0.ops_per_sec(), create_n.ops_per_sec());
    let summary = BusySummary {
        backend: backend.to_owned(),
        workload: Workload::BusyUser.name(),
        kind: "summary",
        writers,
        busy_sessions: n,
        creates_per_round: cap,
        rounds: round,
        create_per_sec_at_0: rate_0.round(),
        create_per_sec_at_n: rate_n.round(),
        create_ratio: report::ratio(rate_n, rate_0),
        lookup_p99_us_no_writers: idle.p99_us,
        lookup_p99_us_writers_at_0: probe_0.p99_us,
        lookup_p99_us_writers_at_n: probe_n.p99_us,
        p99_ratio_vs_no_writers: report::ratio(probe_n.p99_us as f64, idle.p99_us as f64),
        p99_ratio_vs_writers_at_0: report::ratio(probe_n.p99_us as f64, probe_0.p99_us as f64),
    };
    Ok((rows, summary))
}

fn log(msg: &str) {
    eprintln!("[bench] {msg}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use auth_adapter_core::MemoryAdapter;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn busy_user_runs_on_the_memory_adapter_and_leaves_the_counts_as_they_were() {
        let adapter: Arc<dyn Adapter> = Arc::new(MemoryAdapter::new());
        let data = Arc::new(workloads::seed(&adapter, "t", 5, 20).await.unwrap());
        let options =
            match crate::cli::parse(["--smoke", "--busy-sessions", "60", "--duration", "50ms"]) {
                Ok(crate::cli::Command::Run(o)) => o,
                other => panic!("{other:?}"),
            };
        let (rows, summary) = run(&options, "memory", &adapter, &data, "t").await.unwrap();
        assert_eq!(rows.len(), 5);
        for r in &rows {
            assert!(!r.failed(), "{r:?}");
            assert_eq!(r.workload, "busy_user");
        }
        assert_eq!((summary.writers, summary.busy_sessions), (16, 60));
        assert_eq!(summary.creates_per_round, 50);
        assert!(summary.rounds >= 1);
        assert!(summary.create_ratio.is_some(), "{summary:?}");
        // The busy user still has exactly its 60 sessions: every round's creates were undone.
        let busy = adapter
            .get_user_by_email("busy-t-busy@example.com")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            adapter.delete_sessions_by_user_id(&busy.id).await.unwrap(),
            60
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_writer_phase_stops_at_its_cap() {
        let adapter: Arc<dyn Adapter> = Arc::new(MemoryAdapter::new());
        let id = new_user(&adapter, "t", "cap").await.unwrap();
        let writer = Arc::new(Writer {
            adapter: Arc::clone(&adapter),
            user_id: id,
            created: Mutex::new(Vec::new()),
        });
        let op: Arc<dyn Op> = writer.clone();
        let data = Arc::new(workloads::seed(&adapter, "t", 1, 1).await.unwrap());
        let probe = workloads::adapter_op(Workload::BusyUser, Arc::clone(&adapter), data, "t");
        let phase = writers_with_probe(&op, 4, &probe, Duration::from_secs(5), 37, true, 1)
            .await
            .unwrap();
        let mut t = Totals::new();
        t.add(phase.writers.0, Some(phase.writers.1));
        assert_eq!(t.finish().ops, 37);
        assert!(
            phase.writers.1 < 5.0,
            "the cap, not the slice, ended the phase"
        );
        assert_eq!(writer.created.lock().unwrap().len(), 37);
        writer.undo().await.unwrap();
        assert!(writer.created.lock().unwrap().is_empty());
    }
}
