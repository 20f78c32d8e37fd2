//! The Auth.js adapters from npm, driven by `node interop/bench.mjs` on the same store, and
//! Auth.js's session JWT decoding, by `node interop/bench-jwt.mjs`.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde::Deserialize;

use crate::BoxError;
use crate::cli::Workload;
use crate::runner::{self, Measurement};

/// How to point `interop/bench.mjs` at the store of a run.
#[derive(Debug, Clone)]
pub(crate) struct JsTarget {
    /// `pg`, `drizzle-sqlite` or `unstorage-redis`.
    pub(crate) adapter: &'static str,
    /// The npm package, for the table.
    pub(crate) package: &'static str,
    /// The environment bench.mjs reads (DATABASE_URL + PG_SCHEMA, SQLITE_PATH, REDIS_URL +
    /// KEY_PREFIX).
    pub(crate) env: Vec<(&'static str, String)>,
}

/// The workloads bench.mjs implements.
pub(crate) fn supports(workload: Workload) -> bool {
    matches!(
        workload,
        Workload::GetSessionAndUser | Workload::CreateDeleteSession
    )
}

/// The `interop/` directory of this workspace.
pub(crate) fn interop_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or_else(|| Path::new("."))
        .join("interop")
}

/// Whether the JS side can run: `None` if it can, else why not.
pub(crate) fn unavailable_reason(dir: &Path) -> Option<String> {
    if !dir.join("bench.mjs").is_file() {
        return Some(format!("{} is missing", dir.join("bench.mjs").display()));
    }
    if !dir.join("node_modules").is_dir() {
        return Some(format!(
            "{} is missing: run `npm ci --prefix interop` (scripts/bench does it)",
            dir.join("node_modules").display()
        ));
    }
    let node = std::process::Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    match node {
        Ok(s) if s.success() => None,
        _ => Some("`node` is not on PATH: install Node.js 20 or later".to_owned()),
    }
}

/// bench.mjs's output line.
#[derive(Debug, Deserialize)]
struct JsResult {
    ops: u64,
    seconds: f64,
    p50_us: Option<f64>,
    p99_us: Option<f64>,
    errors: u64,
    /// `[[µs, count], ...]` (asked for with `--histogram`).
    #[serde(default)]
    histogram: Vec<(u64, u64)>,
    /// The process's CPU time in the measured window (bench-jwt.mjs prints it).
    #[serde(default)]
    cpu_seconds: Option<f64>,
}

/// One run of bench.mjs: the row's figures, and every latency in a histogram, to merge
/// with the other rounds of the row.
#[derive(Debug)]
pub(crate) struct JsRun {
    pub(crate) measurement: Measurement,
    pub(crate) hist: Histogram<u64>,
    /// The process's CPU time in the measured window, when the script reports it.
    pub(crate) cpu_seconds: Option<f64>,
}

fn micros(v: Option<f64>) -> u64 {
    // Latencies are non-negative microsecond counts well inside u64.
    v.map_or(0, |v| v.max(0.0).round() as u64)
}

/// Runs the JS adapter for `duration` after an unrecorded `warmup` (one round of a row, or
/// a whole row). `input` holds the dataset (see
/// [`Dataset::to_js_input`](crate::workloads::Dataset::to_js_input)).
pub(crate) async fn run(
    dir: &Path,
    target: &JsTarget,
    workload: Workload,
    concurrency: usize,
    duration: Duration,
    warmup: Duration,
    input: &Path,
) -> Result<JsRun, BoxError> {
    let args = [
        "--adapter",
        target.adapter,
        "--workload",
        workload.name(),
        "--concurrency",
        &concurrency.to_string(),
    ]
    .map(str::to_owned);
    let what = format!(
        "bench.mjs --adapter {} --workload {}",
        target.adapter,
        workload.name()
    );
    run_script(
        dir,
        "bench.mjs",
        &args,
        &target.env,
        duration,
        warmup,
        input,
        &what,
    )
    .await
}

/// Runs `node <dir>/<script> <args> --duration-ms … --warmup-ms … --histogram --input
/// <input>` (bench.mjs, bench-jwt.mjs: the same output line) and reads its result. `what`
/// names the run in errors.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn run_script(
    dir: &Path,
    script: &str,
    args: &[String],
    env: &[(&'static str, String)],
    duration: Duration,
    warmup: Duration,
    input: &Path,
    what: &str,
) -> Result<JsRun, BoxError> {
    let duration_ms = duration.as_millis().max(1);
    let mut cmd = tokio::process::Command::new("node");
    cmd.arg(dir.join(script))
        .args(args)
        .args(["--duration-ms", &duration_ms.to_string()])
        .args(["--warmup-ms", &warmup.as_millis().to_string()])
        .arg("--histogram")
        .arg("--input")
        .arg(input)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let limit = (duration + warmup) * 2 + Duration::from_secs(90);
    let output = tokio::time::timeout(limit, cmd.output())
        .await
        .map_err(|_| format!("node {what} did not finish within {limit:?}"))?
        .map_err(|e| format!("could not start node {script}: {e}"))?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stderr = stderr.trim();
    if !output.status.success() {
        return Err(format!(
            "node {what} failed ({}): {}",
            output.status,
            tail(stderr, 1500)
        )
        .into());
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with('{'))
        .ok_or_else(|| {
            format!(
                "node {script} printed no result line; stderr: {}",
                tail(stderr, 1500)
            )
        })?;
    let r: JsResult = serde_json::from_str(line)
        .map_err(|e| format!("node {script} printed an unreadable result ({e}): {line}"))?;
    let mut hist = runner::new_histogram();
    for (us, count) in &r.histogram {
        hist.saturating_record_n(*us, *count);
    }
    let measurement = Measurement {
        // The scripts count successful ops only; count failed ones as ops too, like the Rust rows.
        ops: r.ops + r.errors,
        errors: r.errors,
        seconds: r.seconds,
        p50_us: micros(r.p50_us),
        p99_us: micros(r.p99_us),
        first_error: (r.errors > 0).then(|| {
            let first = stderr.lines().last().unwrap_or("(no message)");
            tail(first, 500).to_owned()
        }),
    };
    Ok(JsRun {
        measurement,
        hist,
        cpu_seconds: r.cpu_seconds,
    })
}

/// The last `max` bytes of `s` (at a character boundary).
fn tail(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut start = s.len() - max;
    while !s.is_char_boundary(start) {
        start += 1;
    }
    &s[start..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_keeps_the_end_at_a_char_boundary() {
        assert_eq!(tail("abc", 10), "abc");
        assert_eq!(tail("abcdef", 3), "def");
        assert_eq!(tail("aé", 1), "");
    }

    #[test]
    fn interop_dir_is_in_this_workspace() {
        assert!(interop_dir().ends_with("interop"));
        assert!(interop_dir().join("package.json").is_file());
    }

    #[test]
    fn only_the_workloads_bench_mjs_knows() {
        assert!(supports(Workload::GetSessionAndUser));
        assert!(supports(Workload::CreateDeleteSession));
        assert!(!supports(Workload::SignIn));
        assert!(!supports(Workload::VerificationToken));
        assert!(!supports(Workload::BusyUser));
    }
}
