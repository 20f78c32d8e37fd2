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
//!   It runs through the writers' own adapter (on Redis one multiplexed connection, on
//!   PostgreSQL one pool, so its requests queue behind theirs on the client side), and,
//!   where the store gives one ([`Store::separate_adapter`](crate::backends::Store)), a
//!   second task runs through an adapter with its own connection, as another application
//!   process would: that one sees what the server does to other users' requests.
//!
//! The phases run interleaved in rounds (like [`runner::Interleaved`]), so a change
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
use crate::report::{self, BusySummary, Kind, LookupP99, Row};
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
                // Whole seconds: what every layout stores (MySQL's Drizzle layout no more).
                expires: chrono::DateTime::from_timestamp(
                    (Utc::now() + TimeDelta::days(30)).timestamp(),
                    0,
                )
                .unwrap_or_else(Utc::now),
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

/// What one writer phase measured: the writers' and each probe's task results and seconds.
struct Phase {
    writers: (Vec<TaskResult>, f64),
    probes: Vec<(Vec<TaskResult>, f64)>,
}

/// The probes, each its own task, until `stop` is set or `until`.
fn spawn_probes(
    probes: &[Probe],
    until: Instant,
    stop: &Arc<AtomicBool>,
    record: bool,
    seed: u64,
) -> Vec<tokio::task::JoinHandle<(Vec<TaskResult>, f64)>> {
    probes
        .iter()
        .enumerate()
        .map(|(i, probe)| {
            let limits = Limits {
                until,
                budget: None,
                stop: Some(Arc::clone(stop)),
            };
            let op = Arc::clone(&probe.op);
            let seed = seed ^ (0x9e37 + i as u64);
            tokio::spawn(
                async move { runner::run_limited(&op, PROBES, limits, record, seed).await },
            )
        })
        .collect()
}

/// The writers on one user and, at the same time, the probes, until the writers stop
/// (after `slice` or `cap` creates).
async fn writers_with_probes(
    writer: &Arc<dyn Op>,
    writers: usize,
    probes: &[Probe],
    slice: Duration,
    cap: u64,
    record: bool,
    seed: u64,
) -> Result<Phase, BoxError> {
    let until = Instant::now() + slice;
    let stop = Arc::new(AtomicBool::new(false));
    let probe_tasks = spawn_probes(probes, until, &stop, record, seed);
    let writer_limits = Limits {
        until,
        budget: Some(Arc::new(AtomicU64::new(cap))),
        stop: None,
    };
    let w = runner::run_limited(writer, writers, writer_limits, record, seed).await;
    stop.store(true, Ordering::Relaxed);
    let mut p = Vec::with_capacity(probe_tasks.len());
    for t in probe_tasks {
        p.push(t.await?);
    }
    Ok(Phase {
        writers: w,
        probes: p,
    })
}

/// Lookups of the other users' sessions through one adapter.
struct Probe {
    /// `shared adapter` (the writers' own) or `separate adapter` (its own connection).
    name: &'static str,
    op: Arc<dyn Op>,
}

/// One probe's totals in the three phases: no writers, writers on the user with 0
/// sessions, writers on the busy user.
struct ProbeTotals {
    none: Totals,
    at_0: Totals,
    at_n: Totals,
}

/// The rows and the summary of `busy_user` on one backend. `data` holds the other users
/// and their sessions (already created); `separate` is a second adapter on the same store
/// with its own connection, if the backend gives one.
pub(crate) async fn run(
    options: &Options,
    backend: &str,
    adapter: &Arc<dyn Adapter>,
    separate: Option<Arc<dyn Adapter>>,
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
    let lookup = |a: &Arc<dyn Adapter>| {
        workloads::adapter_op(
            Workload::GetSessionAndUser,
            Arc::clone(a),
            Arc::clone(data),
            run_id,
        )
    };
    let mut probes = vec![Probe {
        name: "shared adapter",
        op: lookup(adapter),
    }];
    if let Some(separate) = &separate {
        probes.push(Probe {
            name: "separate adapter",
            op: lookup(separate),
        });
    }

    let (mut create_0, mut create_n) = (Totals::new(), Totals::new());
    let mut lookups: Vec<ProbeTotals> = probes
        .iter()
        .map(|_| ProbeTotals {
            none: Totals::new(),
            at_0: Totals::new(),
            at_n: Totals::new(),
        })
        .collect();
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
                writers_with_probes(op, writers, &probes, slice, cap, record, seed + i as u64)
                    .await?;
            writer.undo().await?;
            lengths += phase.writers.1;
            let creates = if is_busy {
                &mut create_n
            } else {
                &mut create_0
            };
            creates.add(phase.writers.0, timed(phase.writers.1));
            for (t, (results, seconds)) in lookups.iter_mut().zip(phase.probes) {
                let t = if is_busy { &mut t.at_n } else { &mut t.at_0 };
                t.add(results, timed(seconds));
            }
        }
        // The probes alone, for as long as the writer phases took on average.
        let alone = Instant::now() + Duration::from_secs_f64(lengths / 2.0);
        let never = Arc::new(AtomicBool::new(false));
        for (t, task) in
            lookups
                .iter_mut()
                .zip(spawn_probes(&probes, alone, &never, record, seed + 2))
        {
            let (results, seconds) = task.await?;
            t.none.add(results, timed(seconds));
        }

        let enough = create_0.seconds().min(create_n.seconds()) >= options.duration.as_secs_f64();
        if record && (enough || round >= MAX_ROUNDS) {
            break;
        }
        round += 1;
    }

    let (create_0, create_n) = (create_0.finish(), create_n.finish());
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
    let mut rows = vec![
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
    ];
    let mut p99s = Vec::new();
    for (probe, t) in probes.iter().zip(lookups) {
        let (none, at_0, at_n) = (t.none.finish(), t.at_0.finish(), t.at_n.finish());
        let name = probe.name;
        rows.push(row(PROBES, format!("lookup, {name}: no writers"), &none));
        rows.push(row(
            PROBES,
            format!("lookup, {name}: writers on user with 0"),
            &at_0,
        ));
        rows.push(row(
            PROBES,
            format!("lookup, {name}: writers on user with {n}"),
            &at_n,
        ));
        p99s.push(LookupP99 {
            adapter: name,
            no_writers_us: none.p99_us,
            writers_at_0_us: at_0.p99_us,
            writers_at_n_us: at_n.p99_us,
            ratio_vs_no_writers: report::ratio(at_n.p99_us as f64, none.p99_us as f64),
            ratio_vs_writers_at_0: report::ratio(at_n.p99_us as f64, at_0.p99_us as f64),
        });
    }
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
        lookup_p99: p99s,
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
        let second: Arc<dyn Adapter> = Arc::clone(&adapter);
        let (rows, summary) = run(&options, "memory", &adapter, Some(second), &data, "t")
            .await
            .unwrap();
        // 2 create rows, 3 lookup rows for each of the two probes.
        assert_eq!(rows.len(), 8);
        assert_eq!(summary.lookup_p99.len(), 2);
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
        let probes = [Probe {
            name: "shared adapter",
            op: probe,
        }];
        let phase = writers_with_probes(&op, 4, &probes, Duration::from_secs(5), 37, true, 1)
            .await
            .unwrap();
        assert_eq!(phase.probes.len(), 1);
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
