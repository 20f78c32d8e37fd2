//! The model check: random sequences of every `Adapter` operation, applied to a backend and
//! to a reference model made of plain maps ([`reference`]); every answer must agree.
//!
//! Operations draw from small pools of emails, provider ids, tokens and credential ids
//! (with Unicode, `:`, `?`, empty, NUL and oversize values among them), so duplicates,
//! conflicts, deletes of existing records and cascades happen often. Backend user ids are
//! mapped to the model's (`u0`, `u1`, …); errors are compared by kind. Sessions and tokens
//! expire a day or more in the future, so a backend that expires them by TTL keeps them
//! for the whole run, and `delete_expired` is called with instants among their expiries.
//! After each sequence, every record the pools can name is read back from both sides.
//!
//! [`tokens`] is the same for the [`TokenStore`](auth_adapter_core::TokenStore); both run
//! through one driver ([`drive`]).

mod ops;
mod reference;
mod sut;
mod tokens;

pub use tokens::{run_token_model_check, run_token_model_check_with};

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use auth_adapter_core::Adapter;

use crate::limits::Limits;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};
use proptest_state_machine::ReferenceStateMachine;

use ops::{Op, UserRef};
use reference::{Expected, ModelState, Reference};
use sut::{Got, Sut};

/// How many sequences the model check runs, and how long each is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelConfig {
    /// Sequences (proptest cases), each on a fresh store.
    pub cases: u32,
    /// The most operations in one sequence.
    pub steps: usize,
}

impl Default for ModelConfig {
    /// 64 sequences of up to 40 operations.
    fn default() -> Self {
        ModelConfig {
            cases: 64,
            steps: 40,
        }
    }
}

impl ModelConfig {
    /// The default, raised (or lowered) by the environment variables
    /// `AUTH_ADAPTER_MODEL_CASES` and `AUTH_ADAPTER_MODEL_STEPS`.
    ///
    /// # Panics
    /// If either variable is set but is not a positive number.
    pub fn from_env() -> Self {
        fn var(name: &str) -> Option<u64> {
            let value = std::env::var(name).ok()?;
            match value.trim().parse::<u64>() {
                Ok(n) if n > 0 => Some(n),
                _ => panic!("{name} must be a positive number, got {value:?}"),
            }
        }
        let default = ModelConfig::default();
        ModelConfig {
            cases: var("AUTH_ADAPTER_MODEL_CASES")
                .map_or(default.cases, |n| u32::try_from(n).unwrap_or(u32::MAX)),
            steps: var("AUTH_ADAPTER_MODEL_STEPS")
                .map_or(default.steps, |n| usize::try_from(n).unwrap_or(usize::MAX)),
        }
    }
}

/// Runs the model check with [`ModelConfig::from_env`]. `factory` must return a NEW,
/// isolated store on every call (one per sequence, also while shrinking).
///
/// Call it from a plain `#[test]` (not from inside a tokio runtime): it builds its own
/// multi-thread runtime and drives the backend with `block_on`.
///
/// # Panics
/// When the backend and the model disagree, with the shrunk sequence of operations, the
/// step that disagreed, and both answers.
pub fn run_model_check<F, Fut>(factory: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = Arc<dyn Adapter>>,
{
    run_model_check_with(ModelConfig::from_env(), factory);
}

/// [`run_model_check`] for a backend with documented [`Limits`]: the model expects what
/// they say (a second account of a user is `Conflict`, say), and sessions and tokens
/// expire at instants the layout stores.
///
/// # Panics
/// As [`run_model_check`].
pub fn run_model_check_within<F, Fut>(limits: Limits, factory: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = Arc<dyn Adapter>>,
{
    run(ModelConfig::from_env(), limits, factory);
}

/// [`run_model_check`] with an explicit configuration.
///
/// # Panics
/// As [`run_model_check`].
pub fn run_model_check_with<F, Fut>(config: ModelConfig, factory: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = Arc<dyn Adapter>>,
{
    run(config, Limits::CONTRACT, factory);
}

fn run<F, Fut>(config: ModelConfig, limits: Limits, factory: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = Arc<dyn Adapter>>,
{
    drive::<Reference, _, _, _>(
        config,
        factory,
        "`User(n)` is the n-th created user",
        move |runtime, adapter, mut initial, ops, seen| {
            initial.limits = limits;
            run_sequence(runtime, adapter, initial, ops, seen)
        },
    );
}

/// Runs `config.cases` random sequences of the state machine `M`, each on a fresh store
/// from `factory`, through `check`; on a failure, shrinks it and panics with the shrunk
/// sequence (`legend` says how to read it) and `check`'s reason. Shared by the model
/// checks of every store trait.
pub(crate) fn drive<M, S, F, Fut>(
    config: ModelConfig,
    factory: F,
    legend: &str,
    check: impl Fn(
        &tokio::runtime::Runtime,
        S,
        M::State,
        &[M::Transition],
        Option<&AtomicUsize>,
    ) -> Result<(), String>,
) where
    M: ReferenceStateMachine,
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("build a tokio runtime for the model check");
    let mut runner = TestRunner::new(Config {
        cases: config.cases,
        failure_persistence: None,
        max_shrink_iters: 2048,
        ..Config::default()
    });
    let strategy = M::sequential_strategy(1..=config.steps.max(1));
    let result = runner.run(&strategy, |(initial, ops, seen)| {
        let store = runtime.block_on(factory());
        check(&runtime, store, initial, &ops, seen.as_deref()).map_err(TestCaseError::fail)
    });
    match result {
        Ok(()) => {}
        Err(TestError::Fail(reason, (_, ops, _))) => {
            let listing: Vec<String> = ops
                .iter()
                .enumerate()
                .map(|(i, op)| format!("  {:>2}. {op:?}", i + 1))
                .collect();
            panic!(
                "model check failed: backend and model disagree.\n\
                 Shrunk sequence ({} operations; {legend}):\n{}\n\
                 {reason}",
                ops.len(),
                listing.join("\n"),
            );
        }
        Err(TestError::Abort(reason)) => panic!("model check aborted: {reason}"),
    }
}

/// How long one operation of the model check may take before the check stops.
const STEP_TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(60);

/// Runs one operation's future under [`STEP_TIME_LIMIT`]. A stuck store ends the test
/// process at once with the operation named: shrinking would retry the stuck call hundreds
/// of times.
pub(crate) fn within_limit<T>(
    runtime: &tokio::runtime::Runtime,
    op: &dyn std::fmt::Debug,
    call: impl Future<Output = T>,
) -> T {
    match runtime.block_on(async { tokio::time::timeout(STEP_TIME_LIMIT, call).await }) {
        Ok(answer) => answer,
        Err(_) => {
            eprintln!(
                "model check: {op:?} did not finish within {STEP_TIME_LIMIT:?}: a call to the \
                 store is stuck (is its server up and answering?)"
            );
            std::process::exit(101)
        }
    }
}

fn step(runtime: &tokio::runtime::Runtime, sut: &mut Sut, op: &Op) -> Result<Got, String> {
    within_limit(runtime, op, sut.run(op))
}

fn agrees(expected: &Expected, got: &Got) -> bool {
    match (expected, got) {
        (Ok(e), Ok(g)) => e == g,
        (Err(kinds), Err((kind, _))) => kinds.contains(kind),
        _ => false,
    }
}

fn disagreement(what: &str, op: &Op, expected: &Expected, got: &Got) -> String {
    let expected = match expected {
        Ok(answer) => format!("Ok({answer:?})"),
        Err(kinds) => format!("Err(one of {kinds:?})"),
    };
    let got = match got {
        Ok(answer) => format!("Ok({answer:?})"),
        Err((kind, message)) => format!("Err({kind:?}: {message})"),
    };
    format!("{what}: {op:?}\n  model:   {expected}\n  backend: {got}")
}

fn run_sequence(
    runtime: &tokio::runtime::Runtime,
    adapter: Arc<dyn Adapter>,
    mut model: ModelState,
    ops: &[Op],
    seen: Option<&AtomicUsize>,
) -> Result<(), String> {
    let mut sut = Sut::new(adapter, model.limits);
    for (i, op) in ops.iter().enumerate() {
        // Tell the strategy how far the sequence got, for its first shrinking step.
        if let Some(seen) = seen {
            seen.fetch_add(1, Ordering::SeqCst);
        }
        model = Reference::apply(model, op);
        let expected = model.expected.take().ok_or("the model gave no answer")?;
        let got = step(runtime, &mut sut, op)?;
        if !agrees(&expected, &got) {
            let what = format!("step {} of {}", i + 1, ops.len());
            return Err(disagreement(&what, op, &expected, &got));
        }
    }
    final_check(runtime, &mut model, &mut sut)
}

/// Reads back every record the pools can name, from both sides.
fn final_check(
    runtime: &tokio::runtime::Runtime,
    model: &mut ModelState,
    sut: &mut Sut,
) -> Result<(), String> {
    let mut reads = Vec::new();
    for n in 0..model.created {
        reads.push(Op::GetUser(UserRef::User(n)));
        reads.push(Op::ListAuthenticatorsByUserId(UserRef::User(n)));
    }
    for email in ops::emails() {
        reads.push(Op::GetUserByEmail(email));
    }
    for &provider in ops::PROVIDERS {
        for &id in ops::ACCOUNT_IDS {
            reads.push(Op::GetAccount { provider, id });
            reads.push(Op::GetUserByAccount { provider, id });
        }
    }
    for token in ops::session_tokens() {
        reads.push(Op::GetSessionAndUser(token));
    }
    for &credential_id in ops::CREDENTIALS {
        reads.push(Op::GetAuthenticator(credential_id));
    }
    // Destructive, so last: every token is used, then used again (which must find nothing).
    for _ in 0..2 {
        for &identifier in ops::IDENTIFIERS {
            for &token in ops::TOKENS {
                reads.push(Op::UseVerificationToken { identifier, token });
            }
        }
    }
    for op in &reads {
        let expected = model.answer(op.call(&model.limits, reference::resolve));
        let got = step(runtime, sut, op)?;
        if !agrees(&expected, &got) {
            return Err(disagreement(
                "reading back after the sequence",
                op,
                &expected,
                &got,
            ));
        }
    }
    Ok(())
}
