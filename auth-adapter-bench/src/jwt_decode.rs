//! The `jwt_decode` workload: Auth.js session JWTs decoded per core. Rust
//! (`auth_adapter_axum::jwt::SessionJwt`, one thread, decoding back to back) against
//! Auth.js in Node (`@auth/core/jwt` for v5, `next-auth/jwt` for v4, one `await` loop in
//! `node interop/bench-jwt.mjs`), on the same tokens, interleaved in rounds.
//!
//! Two ratios per format: ops/s (one Rust thread ÷ one Node loop, wall clock) and ops per
//! CPU-second (each side's ops ÷ the CPU time it used in its windows: the Rust thread's own,
//! Node's whole process, whose HKDF runs on libuv's pool and whose GC has threads of its
//! own). The second is "per core" in the strict sense; the first is what one request loop
//! sees.

use std::path::Path;
use std::time::{Duration, Instant};

use auth_adapter_axum::jwt::{Claims, DEFAULT_MAX_AGE, SessionJwt};
use auth_adapter_core::cookies::SESSION_COOKIE;
use chrono::Utc;

use crate::BoxError;
use crate::bench::Outcome;
use crate::cli::{Options, Workload};
use crate::js;
use crate::report::{self, Kind, RatioSummary, Row};
use crate::runner::{self, Totals};

/// The least Rust ÷ `@auth/core` may be (v5), per core.
pub(crate) const TARGET: f64 = 10.0;

/// Distinct tokens (users) decoded in turn.
const TOKENS: usize = 100;

const SECRET: &str = "auth-adapter-bench jwt secret";

/// The backend column of the rows: no store is asked.
const NO_STORE: &str = "-";

/// One token format: the codec, its tokens, and how the rows name the two sides.
struct Format {
    version: &'static str,
    codec: SessionJwt,
    tokens: Vec<String>,
    rust_name: &'static str,
    js_name: &'static str,
}

fn formats() -> Result<Vec<Format>, BoxError> {
    let v5 = SessionJwt::v5([SECRET], SESSION_COOKIE)?;
    let v4 = SessionJwt::v4([SECRET])?;
    let mut out = Vec::new();
    for (version, codec, rust_name, js_name) in [
        (
            "v5",
            v5,
            "SessionJwt::v5 decode (Rust)",
            "@auth/core/jwt decode",
        ),
        (
            "v4",
            v4,
            "SessionJwt::v4 decode (Rust)",
            "next-auth/jwt decode (v4)",
        ),
    ] {
        let now = Utc::now();
        let tokens = (0..TOKENS)
            .map(|n| {
                // What Auth.js's default jwt callback puts in a token: sub, name, email, picture.
                let claims = Claims::for_user(
                    format!("{:08x}-bench-user-{n}", n * 7919),
                    Some(format!("Bench User {n}")),
                    Some(format!("user{n}@example.com")),
                    Some("https://example.com/avatar.png".to_owned()),
                );
                codec.encode(&claims, DEFAULT_MAX_AGE, now)
            })
            .collect::<Result<Vec<_>, _>>()?;
        out.push(Format {
            version,
            codec,
            tokens,
            rust_name,
            js_name,
        });
    }
    Ok(out)
}

/// The input of `interop/bench-jwt.mjs`.
fn js_input(formats: &[Format]) -> String {
    let mut input = serde_json::Map::new();
    for f in formats {
        let salt = (f.version == "v5").then_some(SESSION_COOKIE);
        input.insert(
            f.version.to_owned(),
            serde_json::json!({"secret": SECRET, "salt": salt, "tokens": f.tokens}),
        );
    }
    serde_json::Value::Object(input).to_string()
}

/// This thread's CPU time (Linux: `/proc/thread-self/schedstat`, nanoseconds on a CPU).
fn thread_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

/// What one Rust phase measured.
struct Phase {
    hist: hdrhistogram::Histogram<u64>,
    ops: u64,
    errors: u64,
    seconds: f64,
    cpu: Option<Duration>,
    first_error: Option<String>,
}

/// Decodes `tokens` in turn, back to back on this (blocking) thread, for `time`.
fn decode_for(codec: &SessionJwt, tokens: &[String], time: Duration, start_at: usize) -> Phase {
    let mut hist = runner::new_histogram();
    let (mut ops, mut errors, mut first_error) = (0u64, 0u64, None);
    let cpu_start = thread_cpu();
    let start = Instant::now();
    let until = start + time;
    let mut i = start_at;
    loop {
        let t = Instant::now();
        if t >= until {
            break;
        }
        let token = tokens
            .get(i % tokens.len().max(1))
            .map_or("", String::as_str);
        i += 1;
        let result = codec.decode(token, Utc::now());
        let micros = u64::try_from(t.elapsed().as_micros()).unwrap_or(u64::MAX);
        hist.saturating_record(micros.max(1));
        ops += 1;
        match result {
            Ok(claims) if claims.sub.is_some() => {}
            Ok(_) => {
                errors += 1;
                first_error.get_or_insert_with(|| "a token decoded without a sub".to_owned());
            }
            Err(e) => {
                errors += 1;
                first_error.get_or_insert_with(|| format!("decode: {e}"));
            }
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    let cpu = thread_cpu()
        .zip(cpu_start)
        .map(|(end, start)| end.saturating_sub(start));
    Phase {
        hist,
        ops,
        errors,
        seconds,
        cpu,
        first_error,
    }
}

/// [`decode_for`] on a blocking thread, so the runtime's workers stay free.
async fn rust_phase(
    codec: &SessionJwt,
    tokens: &[String],
    time: Duration,
    start_at: usize,
) -> Result<Phase, BoxError> {
    let (codec, tokens) = (codec.clone(), tokens.to_vec());
    Ok(tokio::task::spawn_blocking(move || decode_for(&codec, &tokens, time, start_at)).await?)
}

/// Per format: the Rust and Node totals, and the CPU seconds each used in its windows.
struct Side {
    totals: Totals,
    cpu: Option<f64>,
}

impl Side {
    fn new() -> Self {
        Side {
            totals: Totals::new(),
            cpu: Some(0.0),
        }
    }

    fn add_cpu(&mut self, cpu: Option<f64>) {
        self.cpu = self.cpu.zip(cpu).map(|(a, b)| a + b);
    }
}

/// Runs the workload once (concurrency 1) and adds its rows, ratios, failures and notes to
/// `out`. `js_dir` is `interop/` when the Node side runs.
pub(crate) async fn run(options: &Options, js_dir: Option<&Path>, run_id: &str, out: &mut Outcome) {
    if let Err(e) = run_inner(options, js_dir, run_id, out).await {
        out.failures.push(format!("jwt_decode: {e}"));
    }
}

async fn run_inner(
    options: &Options,
    js_dir: Option<&Path>,
    run_id: &str,
    out: &mut Outcome,
) -> Result<(), BoxError> {
    let formats = formats()?;
    let input = js_dir
        .map(|_| -> Result<_, BoxError> {
            let path = std::env::temp_dir().join(format!("aa-bench-{run_id}-jwt.json"));
            std::fs::write(&path, js_input(&formats))?;
            Ok(crate::bench::TempFile(path))
        })
        .transpose()?;
    let mut js_dir = js_dir;
    let rounds = u32::try_from(options.duration.as_secs())
        .unwrap_or(1)
        .max(1);
    let slice = options.duration / rounds;
    let warmup = runner::warm_up_time(options.duration);
    let mut rust: Vec<Side> = formats.iter().map(|_| Side::new()).collect();
    let mut node: Vec<Side> = formats.iter().map(|_| Side::new()).collect();
    for f in &formats {
        rust_phase(&f.codec, &f.tokens, warmup, 0).await?;
    }
    for round in 0..rounds {
        for ((f, r), n) in formats.iter().zip(&mut rust).zip(&mut node) {
            let start_at = usize::try_from(round).unwrap_or(0) * 37;
            let phase = rust_phase(&f.codec, &f.tokens, slice, start_at).await?;
            r.totals.add_measured(
                &phase.hist,
                phase.ops,
                phase.errors,
                phase.seconds,
                phase.first_error,
            );
            r.add_cpu(phase.cpu.map(|d| d.as_secs_f64()));
            let (Some(dir), Some(input)) = (js_dir, &input) else {
                continue;
            };
            let args = ["--version", f.version].map(str::to_owned);
            let what = format!("bench-jwt.mjs --version {}", f.version);
            match js::run_script(
                dir,
                "bench-jwt.mjs",
                &args,
                &[],
                slice,
                warmup,
                &input.0,
                &what,
            )
            .await
            {
                Ok(run) => {
                    let m = run.measurement;
                    n.totals
                        .add_measured(&run.hist, m.ops, m.errors, m.seconds, m.first_error);
                    n.add_cpu(run.cpu_seconds);
                }
                Err(e) => {
                    out.failures.push(format!("jwt_decode {}: {e}", f.js_name));
                    js_dir = None;
                }
            }
        }
    }
    let workload = Workload::JwtDecode.name();
    let with_js = js_dir.is_some();
    for ((f, r), n) in formats.iter().zip(rust).zip(node) {
        let rust_cpu = r.cpu;
        let node_cpu = n.cpu;
        let rust_m = r.totals.finish();
        let mut group = vec![Row::new(
            NO_STORE,
            workload,
            1,
            Kind::Adapter,
            f.rust_name,
            &rust_m,
        )];
        if with_js {
            let node_m = n.totals.finish();
            group.push(Row::new(
                NO_STORE,
                workload,
                1,
                Kind::Js,
                f.js_name,
                &node_m,
            ));
            let target = (f.version == "v5").then_some(TARGET);
            out.ratios.push(RatioSummary::new(
                NO_STORE,
                workload,
                1,
                format!("{}: ops/s, one Rust thread ÷ one Node loop", f.version),
                report::ratio(rust_m.ops_per_sec(), node_m.ops_per_sec()),
                target,
            ));
            let per_cpu =
                |ops: u64, cpu: Option<f64>| cpu.filter(|c| *c > 0.0).map(|c| ops as f64 / c);
            let (rust_per_cpu, node_per_cpu) =
                (per_cpu(rust_m.ops, rust_cpu), per_cpu(node_m.ops, node_cpu));
            out.ratios.push(RatioSummary::new(
                NO_STORE,
                workload,
                1,
                format!(
                    "{}: ops per CPU-second, Rust ({}) ÷ Node ({}, whole process)",
                    f.version,
                    rust_per_cpu.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.0}")),
                    node_per_cpu.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.0}")),
                ),
                rust_per_cpu
                    .zip(node_per_cpu)
                    .and_then(|(r, n)| report::ratio(r, n)),
                target,
            ));
        }
        report::fill_ratios(&mut group);
        out.rows.extend(group);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_decode_and_the_node_input_names_both_formats() {
        let formats = formats().unwrap();
        assert_eq!(formats.len(), 2);
        for f in &formats {
            assert_eq!(f.tokens.len(), TOKENS);
            let phase = decode_for(&f.codec, &f.tokens, Duration::from_millis(20), 3);
            assert!(phase.ops > 0);
            assert_eq!(phase.errors, 0, "{:?}", phase.first_error);
        }
        let v: serde_json::Value = serde_json::from_str(&js_input(&formats)).unwrap();
        assert_eq!(v["v5"]["salt"], SESSION_COOKIE);
        assert!(v["v4"]["salt"].is_null());
        assert_eq!(v["v4"]["tokens"].as_array().map(Vec::len), Some(TOKENS));
    }
}
