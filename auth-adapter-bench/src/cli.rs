//! The command line, parsed by hand (a dozen flags do not need a parser crate).

use std::time::Duration;

use crate::BoxError;

/// The backends the benchmark knows, in the order `--backend all` runs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BackendKind {
    Memory,
    Sqlite,
    SqlitePrisma,
    Postgres,
    PostgresPrisma,
    PostgresDrizzle,
    MysqlPrisma,
    MysqlDrizzle,
    Redis,
}

impl BackendKind {
    pub(crate) const ALL: [BackendKind; 9] = [
        BackendKind::Memory,
        BackendKind::Sqlite,
        BackendKind::SqlitePrisma,
        BackendKind::Postgres,
        BackendKind::PostgresPrisma,
        BackendKind::PostgresDrizzle,
        BackendKind::MysqlPrisma,
        BackendKind::MysqlDrizzle,
        BackendKind::Redis,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            BackendKind::Memory => "memory",
            BackendKind::Sqlite => "sqlite",
            BackendKind::SqlitePrisma => "sqlite-prisma",
            BackendKind::Postgres => "postgres",
            BackendKind::PostgresPrisma => "postgres-prisma",
            BackendKind::PostgresDrizzle => "postgres-drizzle",
            BackendKind::MysqlPrisma => "mysql-prisma",
            BackendKind::MysqlDrizzle => "mysql-drizzle",
            BackendKind::Redis => "redis",
        }
    }

    fn parse(s: &str) -> Option<Vec<BackendKind>> {
        if s == "all" {
            return Some(BackendKind::ALL.to_vec());
        }
        let mut out = Vec::new();
        for part in s.split(',') {
            let kind = BackendKind::ALL
                .into_iter()
                .find(|k| k.name() == part.trim())?;
            if !out.contains(&kind) {
                out.push(kind);
            }
        }
        Some(out)
    }
}

/// The workloads, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Workload {
    /// `get_session_and_user` on random existing tokens: the per-request path.
    GetSessionAndUser,
    /// A first OAuth sign-in: `create_user` + `link_account` + `create_session`.
    SignIn,
    /// `create_session` + `delete_session` (a sign-in and sign-out of a known user).
    CreateDeleteSession,
    /// `create_verification_token` + `use_verification_token` (a magic link).
    VerificationToken,
    /// One user with many sessions: `create_session` for a user with 0 sessions against
    /// one with `--busy-sessions`, and other users' `get_session_and_user` latency with and
    /// without the writers.
    BusyUser,
    /// `get_session_and_user` bare against a whole `GET /api/auth/session` through axum
    /// (`auth-adapter-axum`'s extractor and middleware), on the same adapter and sessions.
    Extractor,
    /// `GET /api/auth/session` over a loopback socket: axum with this crate against the
    /// `@auth/express` app on the same store (PostgreSQL and Redis only).
    HttpSession,
    /// `get_session_and_user` behind PgBouncer in transaction mode: the adapter with
    /// `transaction_pooler` against the best raw sqlx lookup that works through the same
    /// pooler, and against the default options on a direct connection (PostgreSQL only).
    Pooler,
    /// Auth.js session JWTs decoded by `auth_adapter_axum::jwt::SessionJwt` (one thread)
    /// and by `@auth/core/jwt` / `next-auth/jwt` in Node. Asks no store: it runs once,
    /// whatever `--backend` says.
    JwtDecode,
    /// `auth-adapter-passwordless`: whole sign-ins of new addresses, by email code
    /// (`send_otp` + `verify_otp`) and by magic link, with a sender that delivers nothing.
    Passwordless,
    /// Other users' sign-ins by email code, alone and while one recipient is under a
    /// wrong-code attack: their p99 both ways.
    PasswordlessAttack,
    /// `GET /api/notes` of the `rest-api` example through the `AuthSession` extractor,
    /// against the same handler with no authentication, on the same notes store.
    Notes,
    /// `TokenStore::authenticate` with a random bound token against
    /// `get_session_and_user` with a random session, on the same store.
    BoundToken,
}

impl Workload {
    pub(crate) const ALL: [Workload; 13] = [
        Workload::GetSessionAndUser,
        Workload::SignIn,
        Workload::CreateDeleteSession,
        Workload::VerificationToken,
        Workload::BusyUser,
        Workload::Extractor,
        Workload::HttpSession,
        Workload::Pooler,
        Workload::JwtDecode,
        Workload::Passwordless,
        Workload::PasswordlessAttack,
        Workload::Notes,
        Workload::BoundToken,
    ];

    /// The name on the command line, in the output and in `interop/bench.mjs`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Workload::GetSessionAndUser => "get_session_and_user",
            Workload::SignIn => "sign_in",
            Workload::CreateDeleteSession => "create_delete_session",
            Workload::VerificationToken => "verification_token",
            Workload::BusyUser => "busy_user",
            Workload::Extractor => "extractor",
            Workload::HttpSession => "http_session",
            Workload::Pooler => "pooler",
            Workload::JwtDecode => "jwt_decode",
            Workload::Passwordless => "passwordless",
            Workload::PasswordlessAttack => "passwordless_attack",
            Workload::Notes => "notes",
            Workload::BoundToken => "bound_token",
        }
    }

    fn parse(s: &str) -> Option<Vec<Workload>> {
        if s == "all" {
            return Some(Workload::ALL.to_vec());
        }
        let mut out = Vec::new();
        for part in s.split(',') {
            let w = Workload::ALL
                .into_iter()
                .find(|w| w.name() == part.trim())?;
            if !out.contains(&w) {
                out.push(w);
            }
        }
        Some(out)
    }
}

/// Everything the command line sets.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    pub(crate) backends: Vec<BackendKind>,
    pub(crate) workloads: Vec<Workload>,
    pub(crate) concurrency: Vec<usize>,
    pub(crate) duration: Duration,
    pub(crate) users: usize,
    pub(crate) sessions: usize,
    pub(crate) busy_sessions: usize,
    pub(crate) json: bool,
    pub(crate) smoke: bool,
    pub(crate) js: bool,
    pub(crate) pool_size: u32,
}

pub(crate) const USAGE: &str = "\
auth-adapter-bench: every auth-adapter backend against its raw driver and the Auth.js adapters

USAGE: auth-adapter-bench [OPTIONS]    (or scripts/bench [OPTIONS], which starts the servers)

OPTIONS:
  --backend B          memory|sqlite|sqlite-prisma|postgres|postgres-prisma|postgres-drizzle|
                       mysql-prisma|mysql-drizzle|redis|all, or a comma list (default all)
  --workload W         get_session_and_user|sign_in|create_delete_session|verification_token|
                       busy_user|extractor|http_session|pooler|jwt_decode|passwordless|
                       passwordless_attack|notes|bound_token|all, or a comma list
                       (default all)
  --concurrency LIST   comma list of concurrent tasks per row (default 1,16)
  --duration D         measured time per row: 5s, 500ms, or seconds (default 5s)
  --users N            users created before the run (default 1000)
  --sessions N         sessions created before the run (default 10000)
  --busy-sessions N    busy_user: sessions the busy user has before its rows (default 20000)
  --pool-size N        PostgreSQL connections in the pool the adapter and raw sqlx share
                       (default: the largest --concurrency, which is how interop/bench.mjs
                       sizes @auth/pg-adapter's pool)
  --no-js              skip the Auth.js rows (node interop/bench.mjs, interop/bench-jwt.mjs)
  --json               one JSON object per row on stdout instead of the table (and one
                       per busy_user summary, whose kind is summary)
  --smoke              a quick check that everything runs: 200ms per row, 50 users,
                       200 sessions, 200 busy sessions; fails if any workload errors
                       (asserts nothing about speed)
  -h, --help           this text

WORKLOADS:
  get_session_and_user   get_session_and_user(random existing token), against the raw driver
                         and the Auth.js adapter
  sign_in                create_user + link_account + create_session
  create_delete_session  create_session(random user) + delete_session, against the Auth.js
                         adapter
  verification_token     create_verification_token + use_verification_token
  busy_user              one user with many sessions. W writers (W = the largest
                         --concurrency) call create_session for a user that has 0 sessions,
                         and for one that has N = --busy-sessions (created beforehand); the
                         summary gives creates/s at N ÷ at 0. Meanwhile one task looks up
                         random sessions of the other users (get_session_and_user) through
                         the writers' adapter and, on Redis, one through a second adapter
                         with its own connection (as another app process); their p99 is
                         given with no writers, with the writers on the user with 0 and
                         with the writers on the busy user. The three phases run in
                         interleaved rounds until each writer phase has --duration measured;
                         a writer phase stops after a slice (--duration/5, at most 1 s) or
                         N/10 creates (at least 50), and its sessions are deleted, untimed,
                         so the users' counts stay within 0..N/10 and N..1.1N.
  extractor              auth-adapter-axum in the same process, on the same adapter and
                         sessions: the bare get_session_and_user(random token) against a whole
                         GET /api/auth/session with that session's cookie through an axum
                         Router (auth_router() + the session_cookies middleware, via
                         tower::ServiceExt::oneshot, body read), and the same request with no
                         cookie (the HTTP path alone); ratio axum ÷ bare ops/s (target
                         ≥ 0.90: the extractor costs at most 10 %)
  http_session           GET /api/auth/session over loopback TCP (HTTP/1.1 keep-alive, one
                         connection per concurrent task, a random seeded session's cookie):
                         axum::serve with auth_router() + session_cookies in this process
                         against node interop/authjs-app.mjs (@auth/express, database
                         strategy) on the same store, interleaved; ratio axum ÷ express req/s
                         (target ≥ 5 at concurrency 16). PostgreSQL and Redis only; without
                         interop/node_modules (or with --no-js) only the axum rows run
  pooler                 get_session_and_user(random token) behind PgBouncer in transaction
                         mode (PGBOUNCER_URL, in front of DATABASE_URL's database): the
                         adapter with PostgresOptions::transaction_pooler against the same
                         lookup by hand with sqlx::raw_sql and an escaped literal (the best
                         that works through the pooler: one round trip), and against an
                         unnamed sqlx statement inside a transaction (also safe: four round
                         trips); and the adapter with the default options on a direct
                         connection (what pooler mode costs), and with transaction_pooler
                         on a direct connection (the protocol's share of it). Interleaved;
                         ratios transaction_pooler via PgBouncer ÷ raw_sql via PgBouncer
                         (target ≥ 0.90) and ÷ default options direct (reported).
                         PostgreSQL only
  jwt_decode             Auth.js session JWTs (encoded here, 100 users' claims): Rust
                         SessionJwt::v5 / ::v4 decode on one thread against @auth/core/jwt /
                         next-auth/jwt decode in one Node loop (node interop/bench-jwt.mjs),
                         interleaved; ratios Rust ÷ Node ops/s and ops per CPU-second
                         (target for v5 ≥ 10). Always concurrency 1; asks no store, so it runs
                         once whatever --backend says
  passwordless           auth-adapter-passwordless on the store, with a sender that delivers
                         nothing (it keeps the code or link in memory): whole sign-ins of new
                         addresses per second, send_otp + verify_otp by email code, and
                         send_magic_link + verify_magic_link (each creates its user and a
                         session; counters and limits in the store as in production, the
                         per-address limits raised)
  passwordless_attack    other users' sign-ins by email code (C tasks, each --concurrency)
                         alone and while the largest --concurrency tasks send wrong codes for
                         one recipient from random addresses, interleaved rounds; their p99
                         both ways (ratio during ÷ without), the attack's rate, and how many
                         guesses were evaluated (at most 5: the rest are refused unread; more
                         fails the run)
  notes                  GET /api/notes of examples/rest-api (2 notes per user, in a notes
                         table / hash on the same store) through the AuthSession extractor
                         with a session cookie, against the same handler with no
                         authentication; the ratio (target: signing in costs <= 10 %)
  bound_token            tokens bound to users (TokenStore, the Authorization: Bearer path):
                         two server-generated tokens bound per user (realm users, hashed
                         beforehand), then interleaved: authenticate(realm, hash, now) with a
                         random token whose last use is fresh (every token authenticated
                         once, untimed, before the rows: no call writes in the next minute),
                         get_session_and_user with a random session, and authenticate with
                         the other tokens and a now a minute later on every call (every call
                         writes last_used_at). Ratio authenticate (fresh) ÷
                         get_session_and_user ops/s (target >= 0.90), and the writing row's
                         ratio (reported). Not on mysql-* (no TokenStore there)

ENVIRONMENT:
  DATABASE_URL         PostgreSQL server for --backend postgres / postgres-prisma /
                       postgres-drizzle (a schema is created per run)
  MYSQL_URL            MySQL 8 / MariaDB server for --backend mysql-prisma / mysql-drizzle (a
                       database is created per run; the user must be allowed to)
  PGBOUNCER_URL        PgBouncer (pool_mode = transaction) in front of DATABASE_URL's database,
                       for the pooler workload
  REDIS_URL            Redis server for --backend redis (a key prefix is used per run)
";

/// What the command line asks for: a run, or the usage text.
#[derive(Debug)]
pub(crate) enum Command {
    Run(Options),
    Help,
}

/// The flag's value: the part after `=`, or else the next argument.
fn value<'a>(
    inline: Option<&'a str>,
    args: &mut dyn Iterator<Item = &'a str>,
    flag: &str,
) -> Result<&'a str, BoxError> {
    match inline {
        Some(v) => Ok(v),
        None => args
            .next()
            .ok_or_else(|| format!("{flag} needs a value (see --help)").into()),
    }
}

fn number(s: &str, flag: &str) -> Result<usize, BoxError> {
    s.parse::<usize>()
        .map_err(|_| format!("{flag}: `{s}` is not a whole number").into())
}

/// `5s`, `500ms`, `2.5s`, `3` (seconds).
pub(crate) fn parse_duration(s: &str) -> Result<Duration, BoxError> {
    let bad =
        || -> BoxError { format!("--duration: `{s}` is not a duration like 5s or 500ms").into() };
    let (num, unit_ms) = if let Some(n) = s.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1000.0)
    } else {
        (s, 1000.0)
    };
    let v: f64 = num.trim().parse().map_err(|_| bad())?;
    if !v.is_finite() || v <= 0.0 {
        return Err(bad());
    }
    Ok(Duration::from_secs_f64(v * unit_ms / 1000.0))
}

/// Parses the arguments after the program name.
pub(crate) fn parse<'a>(args: impl IntoIterator<Item = &'a str>) -> Result<Command, BoxError> {
    let mut backends = None;
    let mut workloads = None;
    let mut concurrency = None;
    let mut duration = None;
    let mut users = None;
    let mut sessions = None;
    let mut busy_sessions = None;
    let mut pool_size = None;
    let mut json = false;
    let mut smoke = false;
    let mut js = true;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        // Accept `--flag=value` as well as `--flag value`.
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v)),
            _ => (arg, None),
        };
        let val = |args: &mut dyn Iterator<Item = &'a str>| value(inline, args, flag);
        match flag {
            "-h" | "--help" => return Ok(Command::Help),
            "--backend" => {
                let v = val(&mut args)?;
                backends = Some(BackendKind::parse(v).ok_or_else(|| {
                    format!("--backend: `{v}` is not memory, sqlite, sqlite-prisma, postgres, postgres-prisma, postgres-drizzle, mysql-prisma, mysql-drizzle, redis or all")
                })?);
            }
            "--workload" => {
                let v = val(&mut args)?;
                workloads = Some(Workload::parse(v).ok_or_else(|| {
                    format!("--workload: `{v}` is not a workload name (see --help)")
                })?);
            }
            "--concurrency" => {
                let v = val(&mut args)?;
                let list = v
                    .split(',')
                    .map(|p| number(p.trim(), "--concurrency"))
                    .collect::<Result<Vec<_>, _>>()?;
                if list.is_empty() || list.contains(&0) {
                    return Err("--concurrency: every value must be at least 1".into());
                }
                concurrency = Some(list);
            }
            "--duration" => duration = Some(parse_duration(val(&mut args)?)?),
            "--users" => users = Some(number(val(&mut args)?, "--users")?),
            "--sessions" => sessions = Some(number(val(&mut args)?, "--sessions")?),
            "--busy-sessions" => {
                busy_sessions = Some(number(val(&mut args)?, "--busy-sessions")?);
            }
            "--pool-size" => {
                let n = number(val(&mut args)?, "--pool-size")?;
                let n = u32::try_from(n)
                    .ok()
                    .filter(|n| *n >= 1)
                    .ok_or("--pool-size: must be between 1 and 2^32-1")?;
                pool_size = Some(n);
            }
            "--json" => json = true,
            "--smoke" => smoke = true,
            "--no-js" => js = false,
            other => return Err(format!("unknown argument `{other}` (see --help)").into()),
        }
    }
    let users = users.unwrap_or(if smoke { 50 } else { 1000 });
    let sessions = sessions.unwrap_or(if smoke { 200 } else { 10_000 });
    let busy_sessions = busy_sessions.unwrap_or(if smoke { 200 } else { 20_000 });
    if users == 0 || sessions == 0 || busy_sessions == 0 {
        return Err("--users, --sessions and --busy-sessions must be at least 1".into());
    }
    let concurrency = concurrency.unwrap_or_else(|| vec![1, 16]);
    let largest = concurrency.iter().copied().max().unwrap_or(1);
    let pool_size = pool_size.unwrap_or_else(|| u32::try_from(largest).unwrap_or(u32::MAX));
    Ok(Command::Run(Options {
        backends: backends.unwrap_or_else(|| BackendKind::ALL.to_vec()),
        workloads: workloads.unwrap_or_else(|| Workload::ALL.to_vec()),
        concurrency,
        duration: duration.unwrap_or(if smoke {
            Duration::from_millis(200)
        } else {
            Duration::from_secs(5)
        }),
        users,
        sessions,
        busy_sessions,
        json,
        smoke,
        js,
        pool_size,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Options {
        match parse(args.iter().copied()) {
            Ok(Command::Run(o)) => o,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        let o = run(&[]);
        assert_eq!(o.backends, BackendKind::ALL.to_vec());
        assert_eq!(o.concurrency, vec![1, 16]);
        assert_eq!(o.duration, Duration::from_secs(5));
        assert_eq!((o.users, o.sessions), (1000, 10_000));
        assert_eq!(o.busy_sessions, 20_000);
        assert_eq!(o.workloads, Workload::ALL.to_vec());
        assert!(o.workloads.contains(&Workload::BusyUser));
        assert!(!o.json && !o.smoke && o.js);
        assert_eq!(
            o.pool_size, 16,
            "the pool is as large as the largest concurrency"
        );
        assert_eq!(run(&["--concurrency", "1,64"]).pool_size, 64);
        assert_eq!(run(&["--pool-size", "5"]).pool_size, 5);
    }

    #[test]
    fn smoke_shrinks_the_run_unless_told_otherwise() {
        let o = run(&["--smoke", "--backend", "redis"]);
        assert_eq!(o.backends, vec![BackendKind::Redis]);
        assert_eq!(o.duration, Duration::from_millis(200));
        assert_eq!((o.users, o.sessions), (50, 200));
        assert_eq!(o.busy_sessions, 200);
        let o = run(&[
            "--smoke",
            "--duration=1s",
            "--users",
            "7",
            "--busy-sessions",
            "30",
        ]);
        assert_eq!(o.duration, Duration::from_secs(1));
        assert_eq!(o.users, 7);
        assert_eq!(o.busy_sessions, 30);
    }

    #[test]
    fn lists_and_durations_parse() {
        let o = run(&[
            "--concurrency",
            "1,4,64",
            "--duration",
            "250ms",
            "--backend=sqlite,postgres",
        ]);
        assert_eq!(o.concurrency, vec![1, 4, 64]);
        assert_eq!(o.duration, Duration::from_millis(250));
        assert_eq!(o.backends, vec![BackendKind::Sqlite, BackendKind::Postgres]);
        assert_eq!(
            parse_duration("2.5s").ok(),
            Some(Duration::from_millis(2500))
        );
        assert_eq!(parse_duration("3").ok(), Some(Duration::from_secs(3)));
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        for bad in [
            &["--backend", "mysql"][..],
            &["--concurrency", "0"],
            &["--concurrency", "a"],
            &["--duration", "-1s"],
            &["--duration"],
            &["--frobnicate"],
            &["--users", "0"],
            &["--busy-sessions", "0"],
            &["--workload", "busy"],
        ] {
            assert!(parse(bad.iter().copied()).is_err(), "{bad:?}");
        }
        assert!(matches!(parse(["--help"]), Ok(Command::Help)));
    }

    #[test]
    fn every_workload_is_named_in_the_help_and_parses_by_name() {
        for w in Workload::ALL {
            assert!(USAGE.contains(w.name()), "{} is not in --help", w.name());
            assert_eq!(run(&["--workload", w.name()]).workloads, vec![w]);
        }
        assert!(USAGE.contains("--busy-sessions"));
    }
}
