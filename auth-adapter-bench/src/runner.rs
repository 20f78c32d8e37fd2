//! The load loop: N tokio tasks call one operation back to back for a fixed time, and
//! every call's latency goes into an HDR histogram.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use hdrhistogram::Histogram;

/// One benchmarked operation (which may be several adapter calls, e.g. create + delete).
///
/// `rand` is a fresh pseudo-random number per call, for picking a token or a user. The
/// error is a message without secrets (never a token).
#[async_trait]
pub(crate) trait Op: Send + Sync + 'static {
    async fn call(&self, rand: u64) -> Result<(), String>;
}

/// What one row measured.
#[derive(Debug, Clone)]
pub(crate) struct Measurement {
    pub(crate) ops: u64,
    pub(crate) errors: u64,
    pub(crate) seconds: f64,
    pub(crate) p50_us: u64,
    pub(crate) p99_us: u64,
    /// The first error seen, to explain a failing row.
    pub(crate) first_error: Option<String>,
}

impl Measurement {
    pub(crate) fn ops_per_sec(&self) -> f64 {
        if self.seconds > 0.0 {
            self.ops as f64 / self.seconds
        } else {
            0.0
        }
    }
}

/// xorshift64*: plenty for picking tokens, and no shared state between tasks.
#[derive(Debug)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        // SplitMix64 of the seed, so neighbouring seeds give unrelated sequences.
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

pub(crate) fn new_histogram() -> Histogram<u64> {
    // 1 µs to 1 min at 3 significant digits; `saturating_record` clamps anything beyond.
    // hdrhistogram only rejects low = 0, high < 2 * low or more than 5 significant digits,
    // none of which these constants are.
    #[allow(clippy::expect_used)]
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("constant, valid histogram bounds")
}

pub(crate) struct TaskResult {
    hist: Histogram<u64>,
    ops: u64,
    errors: u64,
    first_error: Option<String>,
}

/// When the tasks of a phase stop starting calls: at `until`, and earlier once `budget`
/// calls have started (all tasks together) or once `stop` is set. Every task makes its
/// first call whatever `until` and `stop` say (the budget permitting): on a loaded machine
/// a task can start after the phase's end, and a row without a single call would be
/// reported as a failure of the store.
#[derive(Clone)]
pub(crate) struct Limits {
    pub(crate) until: Instant,
    pub(crate) budget: Option<Arc<AtomicU64>>,
    pub(crate) stop: Option<Arc<AtomicBool>>,
}

impl Limits {
    /// Whether a task may start one more call (taking it from the budget if there is one);
    /// `first`: it has made none yet.
    fn go(&self, first: bool) -> bool {
        if !first && Instant::now() >= self.until {
            return false;
        }
        if !first
            && self
                .stop
                .as_ref()
                .is_some_and(|s| s.load(Ordering::Relaxed))
        {
            return false;
        }
        match &self.budget {
            None => true,
            Some(b) => b
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                .is_ok(),
        }
    }
}

async fn task_loop(op: Arc<dyn Op>, seed: u64, limits: Limits, record: bool) -> TaskResult {
    let mut rng = Rng::new(seed);
    let mut hist = new_histogram();
    let (mut ops, mut errors, mut first_error) = (0u64, 0u64, None);
    while limits.go(ops == 0) {
        let start = Instant::now();
        let result = op.call(rng.next()).await;
        let micros = u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX);
        ops += 1;
        if record {
            hist.saturating_record(micros.max(1));
        }
        if let Err(e) = result {
            errors += 1;
            first_error.get_or_insert(e);
        }
    }
    TaskResult {
        hist,
        ops,
        errors,
        first_error,
    }
}

async fn run_phase(
    op: &Arc<dyn Op>,
    concurrency: usize,
    duration: Duration,
    record: bool,
    seed: u64,
) -> (Vec<TaskResult>, f64) {
    let limits = Limits {
        until: Instant::now() + duration,
        budget: None,
        stop: None,
    };
    run_limited(op, concurrency, limits, record, seed).await
}

/// `concurrency` tasks calling `op` back to back until `limits` stop them; returns each
/// task's result and the seconds from the start until the last task finished.
pub(crate) async fn run_limited(
    op: &Arc<dyn Op>,
    concurrency: usize,
    limits: Limits,
    record: bool,
    seed: u64,
) -> (Vec<TaskResult>, f64) {
    let start = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|i| {
            tokio::spawn(task_loop(
                Arc::clone(op),
                seed.wrapping_mul(1_000_003).wrapping_add(i as u64),
                limits.clone(),
                record,
            ))
        })
        .collect();
    let mut results = Vec::with_capacity(concurrency);
    for t in tasks {
        match t.await {
            Ok(r) => results.push(r),
            Err(e) => results.push(TaskResult {
                hist: new_histogram(),
                ops: 0,
                errors: 1,
                first_error: Some(format!("benchmark task failed: {e}")),
            }),
        }
    }
    (results, start.elapsed().as_secs_f64())
}

/// Running totals of one op across rounds.
pub(crate) struct Totals {
    hist: Histogram<u64>,
    ops: u64,
    errors: u64,
    seconds: f64,
    first_error: Option<String>,
}

impl Totals {
    pub(crate) fn new() -> Self {
        Totals {
            hist: new_histogram(),
            ops: 0,
            errors: 0,
            seconds: 0.0,
            first_error: None,
        }
    }

    /// Adds one phase of the op: timed (its ops, latencies and `seconds` count) when
    /// `seconds` is given, a warm-up (only its errors count) when not.
    pub(crate) fn add(&mut self, results: Vec<TaskResult>, seconds: Option<f64>) {
        for r in results {
            self.errors += r.errors;
            self.first_error = self.first_error.take().or(r.first_error);
            // Warm-up rounds (no `seconds`) are not timed, but their errors count: a workload
            // that fails must fail the smoke run.
            if seconds.is_some() {
                self.ops += r.ops;
                // Every histogram has the same bounds, so adding cannot fail; if it did, the
                // row would only lose percentile precision.
                let _ = self.hist.add(&r.hist);
            }
        }
        self.seconds += seconds.unwrap_or(0.0);
    }

    /// Adds a timed phase measured elsewhere (the Auth.js adapter's process): its latency
    /// histogram, ops (failed ones included), errors and seconds.
    pub(crate) fn add_measured(
        &mut self,
        hist: &Histogram<u64>,
        ops: u64,
        errors: u64,
        seconds: f64,
        first_error: Option<String>,
    ) {
        // Same bounds as every histogram here, so adding cannot fail (see `add`).
        let _ = self.hist.add(hist);
        self.ops += ops;
        self.errors += errors;
        self.seconds += seconds;
        self.first_error = self.first_error.take().or(first_error);
    }

    /// The timed seconds added so far.
    pub(crate) fn seconds(&self) -> f64 {
        self.seconds
    }

    pub(crate) fn finish(self) -> Measurement {
        Measurement {
            ops: self.ops,
            errors: self.errors,
            seconds: self.seconds,
            p50_us: self.hist.value_at_quantile(0.50),
            p99_us: self.hist.value_at_quantile(0.99),
            first_error: self.first_error,
        }
    }
}

/// Runs each of `ops` from `concurrency` tasks for `duration` in total, interleaved: the
/// time is cut into `rounds` slices and every round runs each op for one slice, in turn.
/// So a change in the machine's background load during the run hits every op alike, and
/// their ratio stays fair. Before the first round, each op runs an unrecorded warm-up of a
/// tenth of `duration` (at most 500 ms) which fills pools and statement caches.
pub(crate) async fn measure_interleaved(
    ops: &[Arc<dyn Op>],
    concurrency: usize,
    duration: Duration,
    rounds: u32,
    seed: u64,
) -> Vec<Measurement> {
    let rounds = rounds.max(1);
    let mut run = Interleaved::new(ops, concurrency, seed);
    run.warm_up(warm_up_time(duration)).await;
    for _ in 0..rounds {
        run.round(duration / rounds).await;
    }
    run.finish()
}

/// [`measure_interleaved`] over named ops, as report rows: one round per second of
/// `duration` (at least one).
pub(crate) async fn measure_rows(
    ops: &[(crate::report::Kind, &str, Arc<dyn Op>)],
    backend: &str,
    workload: &str,
    concurrency: usize,
    duration: Duration,
    seed: u64,
) -> Vec<crate::report::Row> {
    let op_list: Vec<Arc<dyn Op>> = ops.iter().map(|(_, _, op)| Arc::clone(op)).collect();
    let rounds = u32::try_from(duration.as_secs()).unwrap_or(1);
    let measured = measure_interleaved(&op_list, concurrency, duration, rounds, seed).await;
    ops.iter()
        .zip(&measured)
        .map(|((kind, name, _), m)| {
            crate::report::Row::new(backend, workload, concurrency, *kind, name, m)
        })
        .collect()
}

/// The unrecorded warm-up before a row: a tenth of its duration, at most 500 ms.
pub(crate) fn warm_up_time(duration: Duration) -> Duration {
    (duration / 10).min(Duration::from_millis(500))
}

/// Interleaved rounds of several ops (each op for one slice per round, in turn, after one
/// unrecorded warm-up), driven one round at a time so the caller can run something else
/// (the Auth.js adapter's process) between the rounds.
pub(crate) struct Interleaved {
    ops: Vec<Arc<dyn Op>>,
    concurrency: usize,
    seed: u64,
    round: u64,
    totals: Vec<Totals>,
}

impl Interleaved {
    pub(crate) fn new(ops: &[Arc<dyn Op>], concurrency: usize, seed: u64) -> Self {
        Interleaved {
            ops: ops.to_vec(),
            concurrency,
            seed,
            round: 0,
            totals: ops.iter().map(|_| Totals::new()).collect(),
        }
    }

    /// Each op for `time`, unrecorded (only errors count).
    pub(crate) async fn warm_up(&mut self, time: Duration) {
        for (op, t) in self.ops.iter().zip(&mut self.totals) {
            let (warm, _) = run_phase(op, self.concurrency, time, false, self.seed ^ 0xA5A5).await;
            t.add(warm, None);
        }
    }

    /// Each op for `slice`, in turn, recorded.
    pub(crate) async fn round(&mut self, slice: Duration) {
        let phase_seed = self.seed.wrapping_add(self.round.wrapping_mul(0x1_0000));
        for (op, t) in self.ops.iter().zip(&mut self.totals) {
            let (results, seconds) = run_phase(op, self.concurrency, slice, true, phase_seed).await;
            t.add(results, Some(seconds));
        }
        self.round += 1;
    }

    pub(crate) fn finish(self) -> Vec<Measurement> {
        self.totals.into_iter().map(Totals::finish).collect()
    }
}

/// [`measure_interleaved`] for one op, in one round.
#[cfg(test)]
pub(crate) async fn measure(
    op: Arc<dyn Op>,
    concurrency: usize,
    duration: Duration,
    seed: u64,
) -> Measurement {
    let mut m = measure_interleaved(&[op], concurrency, duration, 1, seed).await;
    m.pop().unwrap_or(Measurement {
        ops: 0,
        errors: 0,
        seconds: 0.0,
        p50_us: 0,
        p99_us: 0,
        first_error: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    struct Counting(AtomicU64);

    #[async_trait]
    impl Op for Counting {
        async fn call(&self, rand: u64) -> Result<(), String> {
            let n = self.0.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(Duration::from_millis(1)).await;
            if n == 3 && rand != 0 {
                Err("the fourth call fails".into())
            } else {
                Ok(())
            }
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn counts_ops_errors_and_latency() {
        let op = Arc::new(Counting(AtomicU64::new(0)));
        let m = measure(op.clone(), 4, Duration::from_millis(100), 1).await;
        assert!(m.ops > 4, "{m:?}");
        assert_eq!(m.errors, 1, "{m:?}");
        assert_eq!(m.first_error.as_deref(), Some("the fourth call fails"));
        assert!(
            m.p50_us >= 1000,
            "a 1 ms sleep takes at least 1000 µs: {m:?}"
        );
        assert!(m.p99_us >= m.p50_us);
        // Every call ran in the warm-up or in the measured phase, and only measured calls count.
        assert!(op.0.load(Ordering::Relaxed) >= m.ops);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn interleaved_rounds_give_every_op_its_share_of_the_time() {
        let a: Arc<dyn Op> = Arc::new(Counting(AtomicU64::new(100)));
        let b: Arc<dyn Op> = Arc::new(Counting(AtomicU64::new(100)));
        let ms = measure_interleaved(&[a, b], 2, Duration::from_millis(120), 3, 7).await;
        assert_eq!(ms.len(), 2);
        for m in &ms {
            assert_eq!(m.errors, 0, "{m:?}");
            assert!(m.ops > 0, "{m:?}");
            // Three slices of 40 ms each (and, on a loaded machine, whatever the scheduler
            // adds: this checks the slices add up, not speed).
            assert!((0.1..5.0).contains(&m.seconds), "{m:?}");
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn limits_stop_a_phase_by_budget_or_flag() {
        let op: Arc<dyn Op> = Arc::new(Counting(AtomicU64::new(100)));
        let far = Instant::now() + Duration::from_secs(60);
        let budget = Limits {
            until: far,
            budget: Some(Arc::new(AtomicU64::new(9))),
            stop: None,
        };
        let (results, _) = run_limited(&op, 4, budget, true, 1).await;
        assert_eq!(results.iter().map(|r| r.ops).sum::<u64>(), 9);
        let stopped = Limits {
            until: far,
            budget: None,
            stop: Some(Arc::new(AtomicBool::new(true))),
        };
        // Stopped from the start: each task still makes its first call, then stops.
        let (results, _) = run_limited(&op, 4, stopped, true, 1).await;
        assert_eq!(
            results.iter().map(|r| r.ops).collect::<Vec<_>>(),
            [1, 1, 1, 1]
        );
        // Past its end from the start: the same.
        let over = Limits {
            until: Instant::now(),
            budget: None,
            stop: None,
        };
        let (results, _) = run_limited(&op, 4, over, true, 1).await;
        assert_eq!(
            results.iter().map(|r| r.ops).collect::<Vec<_>>(),
            [1, 1, 1, 1]
        );
    }

    #[test]
    fn measurements_from_elsewhere_merge_into_one_set_of_percentiles() {
        let mut t = Totals::new();
        let mut fast = new_histogram();
        fast.saturating_record_n(100, 98);
        let mut slow = new_histogram();
        slow.saturating_record_n(5000, 2);
        t.add_measured(&fast, 98, 0, 1.0, None);
        t.add_measured(&slow, 3, 1, 0.5, Some("boom".into()));
        let m = t.finish();
        assert_eq!((m.ops, m.errors), (101, 1));
        assert!((m.seconds - 1.5).abs() < 1e-9);
        assert!((99..=101).contains(&m.p50_us), "{m:?}");
        assert!(m.p99_us >= 4990, "{m:?}");
        assert_eq!(m.first_error.as_deref(), Some("boom"));
    }

    #[test]
    fn rng_streams_differ_by_seed() {
        let (mut a, mut b) = (Rng::new(1), Rng::new(2));
        let xs: Vec<u64> = (0..4).map(|_| a.next()).collect();
        let ys: Vec<u64> = (0..4).map(|_| b.next()).collect();
        assert_ne!(xs, ys);
        assert!(xs.iter().all(|x| *x != 0));
    }
}
