//! The `passwordless` and `passwordless_attack` workloads: `auth-adapter-passwordless`'s
//! service on each backend, with a sender that delivers nothing (it keeps the last code or
//! link per recipient in memory, so the op can verify it).
//!
//! - `passwordless`: whole sign-ins per second, each of a new address (so each creates its
//!   user, as a first sign-in does): `send_otp` + `verify_otp` by email code, and
//!   `send_magic_link` + `verify_magic_link`.
//! - `passwordless_attack`: whether one recipient under a wrong-code attack slows the
//!   sign-ins of everyone else. C tasks sign other users in by email code (C = each
//!   `--concurrency`), alone and while A tasks (A = the largest `--concurrency`) send wrong
//!   codes for one victim from random addresses, in interleaved rounds; their p99 with and
//!   without the attack, the attack's rate, and how many of its guesses were evaluated (at
//!   most the limit, 5: the rest are refused before the code is looked at).

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use auth_adapter_core::{Adapter, CounterStore};
use auth_adapter_passwordless::{
    Channel, Client, Content, Limit, Limits, Message, Passwordless, Recipient, SendError, Sender,
    SignInError,
};
use chrono::TimeDelta;

use crate::BoxError;
use crate::cli::{Options, Workload};
use crate::report::{self, Kind, RatioSummary, Row};
use crate::runner::{self, Op, Totals};

/// Delivers nothing; keeps the last code (or link token) per recipient for the op.
#[derive(Debug, Default)]
struct Inbox(Mutex<HashMap<String, String>>);

impl Inbox {
    fn take(&self, to: &str) -> Option<String> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(to)
    }
}

#[async_trait]
impl Sender for Inbox {
    async fn send(&self, message: &Message) -> Result<(), SendError> {
        let secret = match &message.content {
            Content::Code { code } => code.clone(),
            Content::MagicLink { url } => url
                .split(['?', '&'])
                .find_map(|p| p.strip_prefix("token="))
                .unwrap_or_default()
                .to_owned(),
            _ => String::new(),
        };
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(message.to.as_str().to_owned(), secret);
        Ok(())
    }

    fn delivers_to(&self, _to: &Recipient) -> bool {
        true
    }
}

/// The service under test: default code and wrong-code limits; the per-address limits
/// raised out of the way (every op here comes from this one machine).
fn service(
    adapter: Arc<dyn Adapter>,
    counters: Arc<dyn CounterStore>,
    inbox: Arc<Inbox>,
) -> Result<Passwordless, BoxError> {
    let lots = Limit::new(1 << 40, TimeDelta::minutes(15));
    let limits = Limits::default()
        .sends_per_ip(lots)
        .code_checks_per_ip(lots);
    Ok(Passwordless::builder(adapter, counters, inbox)
        .secret(crate::extractor::SECRET)
        .site_url("http://127.0.0.1:3000")
        .limits(limits)
        .build()?)
}

/// A client at a random 10.x address (the limits key on it; nothing is sent there).
fn client(rand: u64) -> Client {
    let [a, b, c, ..] = rand.to_le_bytes();
    Client::new(Some(IpAddr::V4(Ipv4Addr::new(10, a, b, c))))
}

/// A whole sign-in of a new address: send, read the inbox, verify.
struct SignIn {
    pwl: Passwordless,
    inbox: Arc<Inbox>,
    run_id: String,
    next: AtomicU64,
    by_link: bool,
}

#[async_trait]
impl Op for SignIn {
    async fn call(&self, rand: u64) -> Result<(), String> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let to = format!("pwl-{}-{n}@example.com", self.run_id);
        let client = client(rand);
        if self.by_link {
            self.pwl
                .send_magic_link(&to, None, &client)
                .await
                .map_err(|e| format!("send_magic_link: {e}"))?;
            let token = self.inbox.take(&to).ok_or("no link was sent")?;
            self.pwl
                .verify_magic_link(&to, &token, &client)
                .await
                .map_err(|e| format!("verify_magic_link: {e}"))?;
        } else {
            self.pwl
                .send_otp(Channel::Email, &to, &client)
                .await
                .map_err(|e| format!("send_otp: {e}"))?;
            let code = self.inbox.take(&to).ok_or("no code was sent")?;
            self.pwl
                .verify_otp(Channel::Email, &to, &code, &client)
                .await
                .map_err(|e| format!("verify_otp: {e}"))?;
        }
        Ok(())
    }
}

fn sign_in(pwl: &Passwordless, inbox: &Arc<Inbox>, run_id: &str, by_link: bool) -> Arc<SignIn> {
    Arc::new(SignIn {
        pwl: pwl.clone(),
        inbox: Arc::clone(inbox),
        run_id: format!("{run_id}-{}", if by_link { "l" } else { "c" }),
        next: AtomicU64::new(0),
        by_link,
    })
}

/// The rows of `passwordless` on one backend, at every concurrency.
pub(crate) async fn run(
    options: &Options,
    backend: &str,
    adapter: Arc<dyn Adapter>,
    counters: Arc<dyn CounterStore>,
    run_id: &str,
) -> Result<Vec<Row>, BoxError> {
    let inbox = Arc::new(Inbox::default());
    let pwl = service(adapter, counters, Arc::clone(&inbox))?;
    let ops: Vec<(Kind, &str, Arc<dyn Op>)> = vec![
        (
            Kind::Adapter,
            "send_otp + verify_otp (email code)",
            sign_in(&pwl, &inbox, run_id, false),
        ),
        (
            Kind::Adapter,
            "send_magic_link + verify_magic_link",
            sign_in(&pwl, &inbox, run_id, true),
        ),
    ];
    let mut rows = Vec::new();
    for (i, &concurrency) in options.concurrency.iter().enumerate() {
        let seed = (i as u64) << 32 | 0x9a55;
        rows.extend(
            runner::measure_rows(
                &ops,
                backend,
                Workload::Passwordless.name(),
                concurrency,
                options.duration,
                seed,
            )
            .await,
        );
    }
    Ok(rows)
}

/// Wrong codes for one victim, from random addresses.
struct Attack {
    pwl: Passwordless,
    victim: String,
    wrong: String,
    /// Guesses that were evaluated (answered `InvalidCode`, not refused by the limit).
    evaluated: Arc<AtomicU64>,
}

#[async_trait]
impl Op for Attack {
    async fn call(&self, rand: u64) -> Result<(), String> {
        match self
            .pwl
            .verify_otp(Channel::Email, &self.victim, &self.wrong, &client(rand))
            .await
        {
            Err(SignInError::InvalidCode) => {
                self.evaluated.fetch_add(1, Ordering::Relaxed);
                Ok(())
            }
            Err(SignInError::TooManyAttempts { .. }) => Ok(()),
            Ok(_) => Err("a wrong code signed in".into()),
            Err(e) => Err(format!("verify_otp: {e}")),
        }
    }
}

/// The rows and ratios of `passwordless_attack` on one backend.
pub(crate) async fn run_attack(
    options: &Options,
    backend: &str,
    adapter: Arc<dyn Adapter>,
    counters: Arc<dyn CounterStore>,
    run_id: &str,
) -> Result<(Vec<Row>, Vec<RatioSummary>), BoxError> {
    let workload = Workload::PasswordlessAttack.name();
    let inbox = Arc::new(Inbox::default());
    let pwl = service(adapter, counters, Arc::clone(&inbox))?;
    let limit = pwl.limits().get_wrong_codes().get_max();
    let victim = format!("victim-{run_id}@example.com");
    pwl.send_otp(Channel::Email, &victim, &client(0)).await?;
    let code = inbox
        .take(&victim)
        .ok_or("no code was sent to the victim")?;
    let wrong: String = code
        .bytes()
        .map(|b| char::from(b'0' + (b - b'0' + 1) % 10))
        .collect();
    let evaluated = Arc::new(AtomicU64::new(0));
    let attack: Arc<dyn Op> = Arc::new(Attack {
        pwl: pwl.clone(),
        victim,
        wrong,
        evaluated: Arc::clone(&evaluated),
    });
    let attackers = options.concurrency.iter().copied().max().unwrap_or(16);
    let valid: Arc<dyn Op> = sign_in(&pwl, &inbox, run_id, false);

    let mut rows = Vec::new();
    let mut ratios = Vec::new();
    for (i, &concurrency) in options.concurrency.iter().enumerate() {
        let seed = (i as u64) << 32 | 0xa77a;
        let (mut alone, mut attacked, mut attack_totals) =
            (Totals::new(), Totals::new(), Totals::new());
        let rounds = u32::try_from(options.duration.as_secs())
            .unwrap_or(1)
            .max(1);
        let slice = options.duration / rounds;
        // Round 0 warms up (errors count, times do not).
        for round in 0..=rounds {
            let record = round > 0;
            let timed = |s: f64| record.then_some(s);
            let length = if record {
                slice
            } else {
                runner::warm_up_time(options.duration)
            };
            let phase_seed = seed.wrapping_add(u64::from(round) << 16);
            let run_alone = async {
                let limits = runner::Limits {
                    until: Instant::now() + length,
                    budget: None,
                    stop: None,
                };
                runner::run_limited(&valid, concurrency, limits, record, phase_seed).await
            };
            let run_attacked = async {
                let stop = Arc::new(AtomicBool::new(false));
                let attack_limits = runner::Limits {
                    until: Instant::now() + length * 10 + Duration::from_secs(60),
                    budget: None,
                    stop: Some(Arc::clone(&stop)),
                };
                let attack = Arc::clone(&attack);
                let attackers_task = tokio::spawn(async move {
                    runner::run_limited(&attack, attackers, attack_limits, record, !phase_seed)
                        .await
                });
                let limits = runner::Limits {
                    until: Instant::now() + length,
                    budget: None,
                    stop: None,
                };
                let valid =
                    runner::run_limited(&valid, concurrency, limits, record, phase_seed).await;
                stop.store(true, Ordering::Relaxed);
                (valid, attackers_task.await)
            };
            // Alternate which phase runs first, so drifting background load hits both.
            let (a, (b, attack_result)) = if round % 2 == 0 {
                let a = run_alone.await;
                (a, run_attacked.await)
            } else {
                let b = run_attacked.await;
                (run_alone.await, b)
            };
            alone.add(a.0, timed(a.1));
            attacked.add(b.0, timed(b.1));
            let (results, seconds) = attack_result?;
            attack_totals.add(results, timed(seconds));
        }
        let (alone, attacked, attack_m) =
            (alone.finish(), attacked.finish(), attack_totals.finish());
        let row = |c: usize, what: &str, m: &runner::Measurement| {
            Row::new(backend, workload, c, Kind::Adapter, what, m)
        };
        rows.push(row(concurrency, "sign-in by email code, no attack", &alone));
        rows.push(row(
            concurrency,
            "sign-in by email code, during the attack",
            &attacked,
        ));
        rows.push(row(
            attackers,
            "wrong codes for one recipient (the attack)",
            &attack_m,
        ));
        ratios.push(RatioSummary::new(
            backend,
            workload,
            concurrency,
            "p99 of other users' sign-ins: during the attack ÷ without",
            report::ratio(attacked.p99_us as f64, alone.p99_us as f64),
            None,
        ));
    }
    let evaluated = evaluated.load(Ordering::Relaxed);
    if evaluated > limit {
        return Err(format!(
            "{evaluated} wrong codes for one recipient were evaluated, more than the limit of {limit}"
        )
        .into());
    }
    ratios.push(RatioSummary::new(
        backend,
        workload,
        attackers,
        format!("attack guesses evaluated (limit {limit}, the rest refused unread)"),
        Some(evaluated as f64),
        None,
    ));
    Ok((rows, ratios))
}

#[cfg(test)]
mod tests {
    use super::*;
    use auth_adapter_core::MemoryAdapter;

    fn options() -> Options {
        match crate::cli::parse(["--smoke", "--duration", "50ms", "--concurrency", "2"]) {
            Ok(crate::cli::Command::Run(o)) => o,
            Err(e) => panic!("{e}"),
            Ok(other) => panic!("{other:?}"),
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sign_ins_run_on_the_memory_adapter() {
        let store = Arc::new(MemoryAdapter::new());
        let rows = run(&options(), "memory", store.clone(), store.clone(), "t")
            .await
            .unwrap();
        assert_eq!(rows.len(), 2);
        for r in &rows {
            assert!(!r.failed(), "{r:?}");
        }
        // Every sign-in made its user.
        assert!(
            store
                .get_user_by_email("pwl-t-c-0@example.com")
                .await
                .unwrap()
                .is_some()
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_attack_is_refused_past_the_limit_and_sign_ins_go_on() {
        let store = Arc::new(MemoryAdapter::new());
        let (rows, ratios) = run_attack(&options(), "memory", store.clone(), store, "t")
            .await
            .unwrap();
        assert_eq!(rows.len(), 3);
        for r in &rows {
            assert!(!r.failed(), "{r:?}");
        }
        let evaluated = ratios.last().and_then(|r| r.ratio).unwrap();
        assert!(evaluated <= 5.0, "{evaluated}");
        assert!(rows[2].ops > 5, "the attack ran: {:?}", rows[2]);
    }
}
