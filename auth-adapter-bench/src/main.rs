//! Benchmark of every auth-adapter backend against its raw driver (the same lookup written
//! by hand, in this process) and against the Auth.js adapters from npm on the same store.
//!
//! Run it with `scripts/bench` (starts throwaway PostgreSQL and Redis servers), or directly
//! with `cargo run --release -p auth-adapter-bench -- --help`. See BENCHMARKS.md.

use std::process::ExitCode;

mod backends;
mod bench;
mod bound_token;
mod busy_user;
mod cli;
mod extractor;
mod http_session;
mod js;
mod jwt_decode;
mod notes;
mod passwordless;
mod pooler;
mod report;
mod runner;
mod workloads;

/// Errors of the benchmark itself (setup, servers, the JS side).
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = match cli::parse(args.iter().map(String::as_str)) {
        Ok(cli::Command::Run(o)) => o,
        Ok(cli::Command::Help) => {
            print!("{}", cli::USAGE);
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("error: {e}\n\n{}", cli::USAGE);
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(bench::run(&options));
    if !options.json {
        println!();
        print!("{}", report::table(&outcome.rows));
        if !outcome.busy.is_empty() {
            println!();
            print!("{}", report::busy_table(&outcome.busy));
        }
        if !outcome.ratios.is_empty() {
            println!();
            print!("{}", report::ratio_table(&outcome.ratios));
        }
    }
    for note in &outcome.notes {
        eprintln!("note: {note}");
    }
    let mut failed = false;
    for f in &outcome.failures {
        eprintln!("error: {f}");
        failed = true;
    }
    for row in outcome.rows.iter().filter(|r| r.failed()) {
        eprintln!(
            "error: {} {} c={} {}: {} errors in {} ops; first: {}",
            row.backend,
            row.workload,
            row.concurrency,
            row.implementation,
            row.errors,
            row.ops,
            row.first_error
                .as_deref()
                .unwrap_or("(none: no operation finished)")
        );
        failed = true;
    }
    if failed {
        eprintln!("error: the benchmark did not complete cleanly (see above)");
        return ExitCode::FAILURE;
    }
    if options.smoke {
        eprintln!("smoke run passed: every selected backend and workload ran without errors");
    }
    ExitCode::SUCCESS
}
