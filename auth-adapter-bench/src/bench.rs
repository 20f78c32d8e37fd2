//! The run: for each backend and workload, a fresh store, the dataset, then every row
//! (adapter, raw drivers, JS adapter) at every concurrency.

use std::path::Path;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::BoxError;
use crate::backends::{self, Store};
use crate::bound_token;
use crate::busy_user;
use crate::cli::{BackendKind, Options, Workload};
use crate::extractor;
use crate::http_session;
use crate::js;
use crate::jwt_decode;
use crate::notes;
use crate::passwordless;
use crate::pooler;
use crate::report::{self, BusySummary, Kind, RatioSummary, Row};
use crate::runner::{self, Totals};
use crate::workloads::{self, Dataset};

/// What a run ended with: every row, and what went wrong outside the rows.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    pub(crate) rows: Vec<Row>,
    pub(crate) failures: Vec<String>,
    pub(crate) notes: Vec<String>,
    /// One per backend that ran `busy_user`.
    pub(crate) busy: Vec<BusySummary>,
    /// The ratios `extractor` and `jwt_decode` stand for, with their targets.
    pub(crate) ratios: Vec<RatioSummary>,
}

fn run_id(kind: BackendKind, workload: Workload) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    // Lower-case letters, digits and `_`: valid in a schema name, a key prefix and a path.
    format!(
        "{:x}_{}_{}_{}",
        nanos & 0xffff_ffff_ffff,
        std::process::id(),
        &kind.name()[..2],
        &workload.name()[..4]
    )
}

/// Progress goes to stderr, so stdout holds only the table or the JSON rows.
fn log(msg: &str) {
    eprintln!("[bench] {msg}");
}

/// Runs everything `options` selects. Rows are printed as JSON lines as they complete when
/// `--json`; the caller prints the table.
pub(crate) async fn run(options: &Options) -> Outcome {
    let mut out = Outcome::default();
    log_load("start");
    run_all(options, &mut out).await;
    log_load("end");
    out
}

/// The machine's load average (Linux), so a run's figures can be read with the background
/// load they were measured under.
fn log_load(when: &str) {
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
        log(&format!(
            "load average at {when}: {} ({cores} cores)",
            load.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        ));
    }
}

async fn run_all(options: &Options, out: &mut Outcome) {
    // jwt_decode asks no store: it runs once, after the workloads that do.
    let store_workloads: Vec<Workload> = options
        .workloads
        .iter()
        .copied()
        .filter(|w| *w != Workload::JwtDecode)
        .collect();
    // A selected backend without its server URL fails the run before anything starts.
    let backends = if store_workloads.is_empty() {
        Vec::new()
    } else {
        options.backends.clone()
    };
    for kind in &backends {
        if let Err(e) = backends::url(*kind) {
            out.failures.push(e.to_string());
        }
    }
    if backends.contains(&BackendKind::Postgres)
        && store_workloads.contains(&Workload::Pooler)
        && let Err(e) = backends::pooler_url()
    {
        out.failures.push(e.to_string());
    }
    if !out.failures.is_empty() {
        return;
    }
    let interop = js::interop_dir();
    // The interop/ directory when the JS rows can run.
    let js_dir = if options.js {
        match js::unavailable_reason(&interop) {
            None => Some(interop.as_path()),
            Some(why) => {
                out.notes
                    .push(format!("Auth.js adapter rows skipped: {why}"));
                None
            }
        }
    } else {
        None
    };
    for kind in backends {
        for workload in store_workloads.clone() {
            if workload == Workload::HttpSession
                && !matches!(kind, BackendKind::Postgres | BackendKind::Redis)
            {
                out.notes.push(format!(
                    "http_session skipped on {}: it runs on postgres and redis only",
                    kind.name()
                ));
                continue;
            }
            if workload == Workload::Pooler && kind != BackendKind::Postgres {
                out.notes.push(format!(
                    "pooler skipped on {}: it runs on postgres only",
                    kind.name()
                ));
                continue;
            }
            let id = run_id(kind, workload);
            log(&format!(
                "{} {}: creating the store",
                kind.name(),
                workload.name()
            ));
            let store = match backends::open(kind, options, &id).await {
                Ok(s) => s,
                Err(e) => {
                    out.failures.push(format!(
                        "{} {}: could not create the store: {e}",
                        kind.name(),
                        workload.name()
                    ));
                    continue;
                }
            };
            // Ctrl-C stops the rows but still removes the store (a schema or keys on a
            // server the user may own).
            let mut interrupted = false;
            let result = tokio::select! {
                r = run_workload(
                    options,
                    kind,
                    workload,
                    store.as_ref(),
                    &id,
                    js_dir,
                    out,
                ) => r,
                _ = tokio::signal::ctrl_c() => {
                    interrupted = true;
                    Err("interrupted (Ctrl-C); the store was removed".into())
                }
            };
            if let Err(e) = store.cleanup().await {
                out.failures.push(format!(
                    "{} {}: cleaning up the store failed: {e}",
                    kind.name(),
                    workload.name()
                ));
            }
            match result {
                Ok(rows) => out.rows.extend(rows),
                Err(e) => out
                    .failures
                    .push(format!("{} {}: {e}", kind.name(), workload.name())),
            }
            if interrupted {
                return;
            }
        }
    }
    if options.workloads.contains(&Workload::JwtDecode) {
        log("jwt_decode: Rust and Node decoding the same Auth.js session JWTs");
        let (before, ratios_before) = (out.rows.len(), out.ratios.len());
        let id = format!("{:x}_jwt", std::process::id());
        tokio::select! {
            () = jwt_decode::run(options, js_dir, &id, out) => {}
            _ = tokio::signal::ctrl_c() => {
                out.failures.push("jwt_decode: interrupted (Ctrl-C)".into());
                return;
            }
        }
        for row in &out.rows[before..] {
            log_row(row, options.json);
        }
        for r in &out.ratios[ratios_before..] {
            log_ratio(r, options.json);
        }
    }
}

/// The rows of one backend × workload. `js_dir` is `interop/` when the JS rows run. A
/// failing JS row is added to `out.failures` and leaves the other rows standing;
/// `busy_user` adds its summary to `out.busy`. The rows are returned, not added.
async fn run_workload(
    options: &Options,
    kind: BackendKind,
    workload: Workload,
    store: &dyn Store,
    id: &str,
    js_dir: Option<&Path>,
    out: &mut Outcome,
) -> Result<Vec<Row>, BoxError> {
    let adapter = store.adapter();
    let (users, sessions) = workloads::dataset_size(workload, options.users, options.sessions);
    if users + sessions > 0 {
        log(&format!(
            "{} {}: creating {users} users and {sessions} sessions",
            kind.name(),
            workload.name()
        ));
    }
    let data: Arc<Dataset> = Arc::new(workloads::seed(&adapter, id, users, sessions).await?);
    if workload == Workload::Extractor {
        let (rows, ratios) = extractor::run(options, kind.name(), &adapter, &data, id).await?;
        for row in &rows {
            log_row(row, options.json);
        }
        for r in &ratios {
            log_ratio(r, options.json);
        }
        out.ratios.extend(ratios);
        return Ok(rows);
    }
    if workload == Workload::Notes {
        if store.example_backend().is_none() {
            out.notes.push(format!(
                "{}: notes skipped (the examples run on memory, SQLite, PostgreSQL and Redis)",
                kind.name()
            ));
            return Ok(Vec::new());
        }
        let (rows, ratios) = notes::run(options, kind.name(), store, &data).await?;
        for row in &rows {
            log_row(row, options.json);
        }
        for r in &ratios {
            log_ratio(r, options.json);
        }
        out.ratios.extend(ratios);
        return Ok(rows);
    }
    if workload == Workload::BoundToken {
        let Some(tokens) = store.tokens() else {
            out.notes.push(format!(
                "{}: bound_token skipped (this backend does not implement TokenStore)",
                kind.name()
            ));
            return Ok(Vec::new());
        };
        log(&format!(
            "{} bound_token: binding two tokens per user and touching the first",
            kind.name()
        ));
        let (rows, ratios) =
            bound_token::run(options, kind.name(), &adapter, tokens, &data).await?;
        for row in &rows {
            log_row(row, options.json);
        }
        for r in &ratios {
            log_ratio(r, options.json);
        }
        out.ratios.extend(ratios);
        return Ok(rows);
    }
    if workload == Workload::Passwordless {
        let rows = passwordless::run(options, kind.name(), adapter, store.counters(), id).await?;
        for row in &rows {
            log_row(row, options.json);
        }
        return Ok(rows);
    }
    if workload == Workload::Pooler {
        let url = crate::backends::pooler_url()?;
        let (rows, ratios) = pooler::run(options, kind.name(), store, &data, &url).await?;
        for row in &rows {
            log_row(row, options.json);
        }
        for r in &ratios {
            log_ratio(r, options.json);
        }
        out.ratios.extend(ratios);
        return Ok(rows);
    }
    if workload == Workload::PasswordlessAttack {
        let (rows, ratios) =
            passwordless::run_attack(options, kind.name(), adapter, store.counters(), id).await?;
        for row in &rows {
            log_row(row, options.json);
        }
        for r in &ratios {
            log_ratio(r, options.json);
        }
        out.ratios.extend(ratios);
        return Ok(rows);
    }
    if workload == Workload::HttpSession {
        let target = store.js();
        let express = js_dir.zip(target.as_ref());
        if express.is_none() {
            out.notes.push(format!(
                "{} http_session: the @auth/express rows skipped (no interop/node_modules, \
                 no node, or --no-js): axum rows only",
                kind.name()
            ));
        }
        let (rows, ratios) =
            http_session::run(options, kind.name(), &adapter, &data, id, express).await?;
        for row in &rows {
            log_row(row, options.json);
        }
        for r in &ratios {
            log_ratio(r, options.json);
        }
        out.ratios.extend(ratios);
        return Ok(rows);
    }
    if workload == Workload::BusyUser {
        let separate = store.separate_adapter().await?;
        let (rows, summary) =
            busy_user::run(options, kind.name(), &adapter, separate, &data, id).await?;
        for row in &rows {
            log_row(row, options.json);
        }
        let p99s: Vec<String> = summary
            .lookup_p99
            .iter()
            .map(|p| {
                format!(
                    "{}: {} µs with no writers, {} µs with writers on the user with 0, {} µs \
                     with writers on the busy user",
                    p.adapter, p.no_writers_us, p.writers_at_0_us, p.writers_at_n_us
                )
            })
            .collect();
        log(&format!(
            "{} busy_user: creates/s at {} sessions ÷ at 0 = {} ({} measured rounds); other \
             users' lookup p99, {}",
            kind.name(),
            summary.busy_sessions,
            summary
                .create_ratio
                .map_or_else(|| "n/a".to_owned(), |r| format!("{r:.2}")),
            summary.rounds,
            p99s.join("; "),
        ));
        if options.json {
            println!(
                "{}",
                serde_json::to_string(&summary)
                    .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
            );
        }
        out.busy.push(summary);
        return Ok(rows);
    }
    let raws = if workload == Workload::GetSessionAndUser {
        store.raw_lookups(&data).await?
    } else {
        Vec::new()
    };
    let js_target = store.js().zip(js_dir).filter(|_| js::supports(workload));
    let input_file = match &js_target {
        Some(_) => {
            let path = std::env::temp_dir().join(format!("aa-bench-{id}.json"));
            std::fs::write(&path, data.to_js_input())?;
            Some(TempFile(path))
        }
        None => None,
    };

    // One op for every concurrency, so the unique emails and account ids it generates keep
    // counting up instead of colliding with the previous row's.
    let op = workloads::adapter_op(workload, Arc::clone(&adapter), Arc::clone(&data), id);
    let mut rows = Vec::new();
    for (i, &concurrency) in options.concurrency.iter().enumerate() {
        let seed = (i as u64) << 32 | 0x5eed;
        let mut group = Vec::new();
        // The adapter, its raw baselines and the Auth.js adapter, interleaved in one-second
        // rounds: each round runs the Rust ops in turn, then one bench.mjs process.
        let mut ops = vec![Arc::clone(&op)];
        ops.extend(raws.iter().map(|r| Arc::clone(&r.op)));
        let rounds = u32::try_from(options.duration.as_secs())
            .unwrap_or(1)
            .max(1);
        let slice = options.duration / rounds;
        let warmup = runner::warm_up_time(options.duration);
        let mut rust = runner::Interleaved::new(&ops, concurrency, seed);
        rust.warm_up(warmup).await;
        let mut js_rounds = js_target
            .as_ref()
            .zip(input_file.as_ref())
            .map(|(target, input)| (target, input, Totals::new()));
        for _ in 0..rounds {
            rust.round(slice).await;
            let Some(((target, interop), input, totals)) = js_rounds.as_mut() else {
                continue;
            };
            // Every bench.mjs process starts cold, so each warms up (unrecorded) for as long
            // as the Rust ops did once, before their first round.
            match js::run(
                interop,
                target,
                workload,
                concurrency,
                slice,
                warmup,
                &input.0,
            )
            .await
            {
                Ok(run) => {
                    let m = run.measurement;
                    totals.add_measured(&run.hist, m.ops, m.errors, m.seconds, m.first_error);
                }
                Err(e) => {
                    out.failures.push(format!(
                        "{} {} c={concurrency} {}: {e}",
                        kind.name(),
                        workload.name(),
                        target.package
                    ));
                    js_rounds = None;
                }
            }
        }
        let measured = rust.finish();
        let names = std::iter::once((Kind::Adapter, "auth-adapter"))
            .chain(raws.iter().map(|r| (Kind::Raw, r.name)));
        for ((kind_of_row, name), m) in names.zip(&measured) {
            group.push(Row::new(
                kind.name(),
                workload.name(),
                concurrency,
                kind_of_row,
                name,
                m,
            ));
        }
        if let Some(((target, _), _, totals)) = js_rounds {
            group.push(Row::new(
                kind.name(),
                workload.name(),
                concurrency,
                Kind::Js,
                target.package,
                &totals.finish(),
            ));
        }
        report::fill_ratios(&mut group);
        for row in &group {
            log_row(row, options.json);
        }
        rows.extend(group);
    }
    Ok(rows)
}

/// Logs a ratio to stderr, and prints it as JSON on stdout with `--json`.
pub(crate) fn log_ratio(r: &RatioSummary, json: bool) {
    log(&format!(
        "{} {} c={} {}: {}{}",
        r.backend,
        r.workload,
        r.concurrency,
        r.figure,
        r.ratio
            .map_or_else(|| "n/a".to_owned(), |v| format!("{v:.2}")),
        match r.met() {
            Some(true) => format!(" (target ≥ {:.2}: met)", r.target.unwrap_or_default()),
            Some(false) => format!(" (target ≥ {:.2}: missed)", r.target.unwrap_or_default()),
            None => String::new(),
        }
    ));
    if json {
        println!(
            "{}",
            serde_json::to_string(r).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
        );
    }
}

/// Logs a finished row to stderr, and prints it as JSON on stdout with `--json`.
pub(crate) fn log_row(row: &Row, json: bool) {
    log(&format!(
        "{} {} c={} {}: {:.0} ops/s, p50 {} µs, p99 {} µs, {} errors{}",
        row.backend,
        row.workload,
        row.concurrency,
        row.implementation,
        row.ops_per_sec,
        row.p50_us,
        row.p99_us,
        row.errors,
        row.adapter_ratio
            .map(|r| format!(", adapter ÷ this = {r:.2}"))
            .unwrap_or_default()
    ));
    if json {
        println!("{}", report::json_line(row));
    }
}

/// A file removed when dropped.
pub(crate) struct TempFile(pub(crate) std::path::PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
