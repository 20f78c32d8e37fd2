//! The real Auth.js app, `interop/authjs-app.mjs` (Express + `@auth/express`, an email
//! provider that hands its sign-in links to the test), started on a fresh store that a
//! Rust backend shares, and a minimal HTTP/1.1 client to drive it as a browser would.
//!
//! Only with the `authjs-app` feature (it brings the three backends). **Test support, not a
//! stable API.** Needs Node.js ≥ 20 with `npm ci --prefix interop`, and `DATABASE_URL` /
//! `REDIS_URL` for those stores (scripts/test starts throwaway servers). Every wait is
//! bounded by [`PATIENCE`].
//!
//! ```no_run
//! use auth_adapter_tests::interop::app::{AuthJsApp, Store};
//! # async fn run() {
//! let fresh = Store::Sqlite.fresh().await;
//! let mut js = AuthJsApp::start(&fresh.env, "database", "an AUTH_SECRET").await;
//! let (_jar, link) = js.request_link("ada@example.com", &js.origin()).await;
//! assert!(link.contains("/api/auth/callback/email?"));
//! drop(js);
//! fresh.remove().await;
//! # }
//! ```

use std::collections::BTreeMap;
use std::future::Future;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use auth_adapter_core::chrono::Utc;
use auth_adapter_core::{Adapter, CounterStore, TokenStore};
use auth_adapter_postgres::{PostgresAdapter, PostgresOptions};
use auth_adapter_redis::{RedisAdapter, RedisOptions};
use auth_adapter_sqlite::{SqliteAdapter, SqliteOptions};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::mpsc;

use super::interop_dir;

/// How long any one wait may take (the app starting, a request, a sign-in link).
pub const PATIENCE: Duration = Duration::from_secs(60);

/// Auth.js v5's session cookie on `http://`.
pub const SESSION_COOKIE: &str = "authjs.session-token";

/// `future`'s output, or a panic naming `what` once it has taken [`PATIENCE`].
pub async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    match tokio::time::timeout(PATIENCE, future).await {
        Ok(value) => value,
        Err(_) => panic!("{what} did not finish within {PATIENCE:?}"),
    }
}

/// The value of `name`, or a panic saying how to get a server (`how`: what it is).
pub fn required_env(name: &str, how: &str) -> String {
    match std::env::var(name) {
        Ok(value) if !value.is_empty() => value,
        _ => panic!(
            "{name} is not set: run scripts/test (starts a throwaway {how}), or set {name}=… to a server you own"
        ),
    }
}

// ---------------------------------------------------------------------------------------
// The stores

/// The stores the Auth.js app runs on, each in the layout of its Auth.js adapter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Store {
    /// PostgreSQL at `DATABASE_URL`, a fresh schema, `@auth/pg-adapter`'s layout.
    Postgres,
    /// The same, with the Rust adapter through the transaction-mode PgBouncer at
    /// `PGBOUNCER_URL` with `transaction_pooler(true)`; the Auth.js app stays on
    /// `DATABASE_URL` (node-postgres sets its `search_path` with a startup parameter
    /// PgBouncer 1.18 refuses).
    PostgresPooler,
    /// A fresh SQLite file, `@auth/drizzle-adapter`'s layout.
    Sqlite,
    /// Redis at `REDIS_URL`, a fresh key prefix, `@auth/unstorage-adapter`'s keys.
    Redis,
}

/// One fresh store: the Rust adapter on it, the env that points the Auth.js app at it,
/// and what to remove afterwards ([`Fresh::remove`]).
#[derive(Debug)]
pub struct Fresh {
    /// The Rust backend on the store.
    pub adapter: Arc<dyn Adapter>,
    /// The backend as a counter store (the same value).
    pub counters: Arc<dyn CounterStore>,
    /// The backend as a token store (the same value).
    pub tokens: Arc<dyn TokenStore>,
    /// What points `authjs-app.mjs` at the store (`ADAPTER`, `DATABASE_URL`, …).
    pub env: Vec<(&'static str, String)>,
    cleanup: Cleanup,
}

#[derive(Debug)]
enum Cleanup {
    Schema(PostgresAdapter, String),
    File(PathBuf),
    Prefix(RedisAdapter, String),
}

/// The comment the postgres tests mark their schemas with: their stale-schema sweep drops
/// one this test left behind (a panic skips [`Fresh::remove`]).
const PG_MARK: &str = "auth-adapter-postgres test schema, created at unix time ";

/// Expands to one `#[tokio::test]` per case and backend, in modules `memory`, `postgres`,
/// `sqlite` and `redis`: each calls `super::case(backend)` with the backend's name, which
/// [`Stores::open`] takes. For HTTP tests that run the same scenario on every store.
#[macro_export]
macro_rules! on_every_backend {
    ($($case:ident),* $(,)?) => {
        mod memory {
            $(#[tokio::test] async fn $case() { super::$case("memory").await })*
        }
        mod postgres {
            $(#[tokio::test] async fn $case() { super::$case("postgres").await })*
        }
        mod sqlite {
            $(#[tokio::test] async fn $case() { super::$case("sqlite").await })*
        }
        mod redis {
            $(#[tokio::test] async fn $case() { super::$case("redis").await })*
        }
    };
}

/// One backend as the sign-in layer takes it: the same value as each store trait, and what
/// to remove afterwards (nothing for memory).
#[derive(Debug)]
pub struct Stores {
    /// The store of users, sessions and tokens.
    pub adapter: Arc<dyn Adapter>,
    /// The store of counters.
    pub counters: Arc<dyn CounterStore>,
    /// The store of bound tokens.
    pub tokens: Arc<dyn TokenStore>,
    fresh: Option<Fresh>,
}

impl Stores {
    /// A fresh store of `backend`: `memory`, `postgres`, `sqlite` or `redis` (the names
    /// [`on_every_backend!`](crate::on_every_backend) passes).
    pub async fn open(backend: &str) -> Stores {
        let kind = match backend {
            "memory" => {
                let store = Arc::new(auth_adapter_core::MemoryAdapter::new());
                return Stores {
                    adapter: store.clone(),
                    counters: store.clone(),
                    tokens: store,
                    fresh: None,
                };
            }
            "postgres" => Store::Postgres,
            "sqlite" => Store::Sqlite,
            "redis" => Store::Redis,
            other => panic!("no backend called {other}"),
        };
        let fresh = kind.fresh().await;
        Stores {
            adapter: fresh.adapter.clone(),
            counters: fresh.counters.clone(),
            tokens: fresh.tokens.clone(),
            fresh: Some(fresh),
        }
    }

    /// Removes the store.
    pub async fn remove(self) {
        drop((self.adapter, self.counters, self.tokens));
        if let Some(fresh) = self.fresh {
            fresh.remove().await;
        }
    }
}

impl Store {
    /// A new, empty store of this kind, migrated, with what the app needs to reach it.
    pub async fn fresh(self) -> Fresh {
        match self {
            Store::Postgres | Store::PostgresPooler => {
                let url = required_env("DATABASE_URL", "PostgreSQL");
                let schema = format!("aa_{}", uuid::Uuid::new_v4().simple());
                let (rust_url, options) = match self {
                    Store::PostgresPooler => (
                        required_env("PGBOUNCER_URL", "PgBouncer in transaction mode"),
                        PostgresOptions::new().transaction_pooler(true),
                    ),
                    _ => (url.clone(), PostgresOptions::new()),
                };
                let adapter = within(
                    "connecting to PostgreSQL",
                    PostgresAdapter::connect(&rust_url, options.schema(&schema)),
                )
                .await
                .expect("connect to DATABASE_URL / PGBOUNCER_URL");
                within("migrate", adapter.migrate()).await.expect("migrate");
                let now = Utc::now().timestamp();
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                    "COMMENT ON SCHEMA \"{schema}\" IS '{PG_MARK}{now}'"
                )))
                .execute(adapter.pool())
                .await
                .expect("mark the schema");
                let store = Arc::new(adapter.clone());
                Fresh {
                    adapter: store.clone(),
                    counters: store.clone(),
                    tokens: store,
                    env: vec![
                        ("ADAPTER", "pg".into()),
                        ("DATABASE_URL", url),
                        ("PG_SCHEMA", schema.clone()),
                    ],
                    cleanup: Cleanup::Schema(adapter, schema),
                }
            }
            Store::Sqlite => {
                let path =
                    std::env::temp_dir().join(format!("aa-authjs-app-{}.db", uuid::Uuid::new_v4()));
                let adapter = within(
                    "opening SQLite",
                    SqliteAdapter::open(&path, SqliteOptions::default()),
                )
                .await
                .expect("open the SQLite file");
                within("migrate", adapter.migrate()).await.expect("migrate");
                let store = Arc::new(adapter);
                Fresh {
                    adapter: store.clone(),
                    counters: store.clone(),
                    tokens: store,
                    env: vec![
                        ("ADAPTER", "drizzle-sqlite".into()),
                        ("SQLITE_PATH", path.display().to_string()),
                    ],
                    cleanup: Cleanup::File(path),
                }
            }
            Store::Redis => {
                let url = required_env("REDIS_URL", "redis-server");
                let prefix = format!("aa-authjs-app:{}:", uuid::Uuid::new_v4());
                let adapter = within(
                    "connecting to REDIS_URL",
                    RedisAdapter::connect(&url, RedisOptions::new().key_prefix(prefix.clone())),
                )
                .await
                .expect("connect to REDIS_URL");
                let store = Arc::new(adapter.clone());
                Fresh {
                    adapter: store.clone(),
                    counters: store.clone(),
                    tokens: store,
                    env: vec![
                        ("ADAPTER", "unstorage-redis".into()),
                        ("REDIS_URL", url),
                        ("KEY_PREFIX", prefix.clone()),
                    ],
                    cleanup: Cleanup::Prefix(adapter, prefix),
                }
            }
        }
    }
}

impl Fresh {
    /// Removes the store (the schema, the file, the keys).
    pub async fn remove(self) {
        match self.cleanup {
            Cleanup::Schema(adapter, schema) => {
                let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                    "DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"
                )))
                .execute(adapter.pool())
                .await;
            }
            Cleanup::File(path) => {
                drop(self.adapter);
                drop(self.counters);
                drop(self.tokens);
                for suffix in ["", "-wal", "-shm", "-journal"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Prefix(adapter, prefix) => {
                let mut conn = adapter.connection();
                let mut cursor = 0u64;
                loop {
                    let Ok((next, keys)): redis::RedisResult<(u64, Vec<String>)> =
                        redis::cmd("SCAN")
                            .cursor_arg(cursor)
                            .arg("MATCH")
                            .arg(format!("{prefix}*"))
                            .arg("COUNT")
                            .arg(1000)
                            .query_async(&mut conn)
                            .await
                    else {
                        break;
                    };
                    if !keys.is_empty() {
                        let _: redis::RedisResult<()> =
                            redis::cmd("DEL").arg(&keys).query_async(&mut conn).await;
                    }
                    if next == 0 {
                        break;
                    }
                    cursor = next;
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// The Auth.js app

/// `node interop/authjs-app.mjs`, killed when dropped (and it exits by itself when its
/// stdin closes, so nothing outlives the test).
#[derive(Debug)]
pub struct AuthJsApp {
    port: u16,
    lines: mpsc::UnboundedReceiver<Value>,
    stderr: Arc<Mutex<String>>,
    _stdin: ChildStdin,
    _child: Child,
}

impl AuthJsApp {
    /// Starts the app on the store `env` points at, with Auth.js's `session.strategy`
    /// (`"database"` or `"jwt"`) and `AUTH_SECRET`; returns once it listens.
    pub async fn start(env: &[(&'static str, String)], strategy: &str, secret: &str) -> Self {
        let dir = interop_dir();
        for package in ["@auth/express", "express"] {
            assert!(
                dir.join("node_modules").join(package).is_dir(),
                "interop/node_modules/{package} is missing: run `npm ci --prefix interop` (or scripts/test)"
            );
        }
        let mut command = Command::new("node");
        command
            .arg(dir.join("authjs-app.mjs"))
            .current_dir(&dir)
            .env("STRATEGY", strategy)
            .env("AUTH_SECRET", secret)
            .env_remove("AUTH_URL")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command.spawn().unwrap_or_else(|e| {
            panic!(
                "could not run `node` ({e}): install Node.js >= 20, then `npm ci --prefix interop`"
            )
        });
        let stdin = child.stdin.take().unwrap();
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut err_lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let sink = stderr.clone();
        tokio::spawn(async move {
            while let Ok(Some(line)) = err_lines.next_line().await {
                let mut all = sink.lock().unwrap();
                all.push_str(&line);
                all.push('\n');
            }
        });
        let (sender, mut lines) = mpsc::unbounded_channel();
        let mut out_lines = BufReader::new(child.stdout.take().unwrap()).lines();
        tokio::spawn(async move {
            while let Ok(Some(line)) = out_lines.next_line().await {
                let value =
                    serde_json::from_str(&line).unwrap_or_else(|_| json!({ "unparsed": line }));
                if sender.send(value).is_err() {
                    break;
                }
            }
        });
        let first = tokio::time::timeout(PATIENCE, lines.recv()).await;
        let port = match first {
            Ok(Some(line)) if line["port"].is_u64() => line["port"].as_u64().unwrap() as u16,
            other => panic!(
                "authjs-app.mjs did not print its port within {PATIENCE:?} (got {other:?}); stderr:\n{}",
                stderr.lock().unwrap()
            ),
        };
        AuthJsApp {
            port,
            lines,
            stderr,
            _stdin: stdin,
            _child: child,
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// What the app wrote to stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Asks the app for a sign-in link as a browser does (`GET /api/auth/csrf`, then
    /// `POST /api/auth/signin/email` with the CSRF token, `email` and `callback_url`,
    /// answered with a redirect to `verify-request`), and returns the browser's cookies and
    /// the link the email provider "sent".
    pub async fn request_link(&mut self, email: &str, callback_url: &str) -> (Jar, String) {
        let mut jar = Jar::default();
        let reply = self.request("GET", "/api/auth/csrf", &jar, None).await;
        assert_eq!(reply.status, 200, "{reply:?}");
        jar.update(&reply);
        let csrf = reply.json()["csrfToken"]
            .as_str()
            .unwrap_or_else(|| panic!("no csrfToken: {reply:?}"))
            .to_owned();
        assert!(jar.0.contains_key("authjs.csrf-token"), "{reply:?}");
        let body = form(&[
            ("email", email),
            ("csrfToken", &csrf),
            ("callbackUrl", callback_url),
        ]);
        let reply = self
            .request("POST", "/api/auth/signin/email", &jar, Some(&body))
            .await;
        assert_eq!(reply.status, 302, "{reply:?}");
        assert!(
            reply
                .header("location")
                .is_some_and(|l| l.contains("/api/auth/verify-request")),
            "{reply:?}"
        );
        jar.update(&reply);
        let link = self.link_for(email).await;
        (jar, link)
    }

    /// The sign-in link the email provider "sent" to `email`.
    pub async fn link_for(&mut self, email: &str) -> String {
        let wait = async {
            while let Some(line) = self.lines.recv().await {
                if line["link"]["email"] == email {
                    return line["link"]["url"].as_str().map(str::to_owned);
                }
            }
            None
        };
        match tokio::time::timeout(PATIENCE, wait).await {
            Ok(Some(url)) => url,
            other => panic!(
                "no sign-in link for {email} within {PATIENCE:?} ({other:?}); stderr:\n{}",
                self.stderr()
            ),
        }
    }

    /// `method path` with `jar`'s cookies and, if given, a form body; panics (with the
    /// app's stderr) if there is no answer within [`PATIENCE`].
    pub async fn request(&self, method: &str, path: &str, jar: &Jar, form: Option<&str>) -> Reply {
        let what = format!("{method} {path} on the Auth.js app");
        match tokio::time::timeout(PATIENCE, http(self.port, method, path, jar, form)).await {
            Ok(Ok(reply)) => reply,
            Ok(Err(e)) => panic!("{what}: {e}; stderr:\n{}", self.stderr()),
            Err(_) => panic!(
                "{what} got no answer within {PATIENCE:?}; stderr:\n{}",
                self.stderr()
            ),
        }
    }

    /// Auth.js's own `GET /api/auth/session` with `cookie` as the session cookie.
    pub async fn session(&self, cookie: &str) -> Value {
        let mut jar = Jar::default();
        jar.0.insert(SESSION_COOKIE.into(), cookie.into());
        let reply = self.request("GET", "/api/auth/session", &jar, None).await;
        assert_eq!(reply.status, 200, "{reply:?}");
        serde_json::from_str(&reply.body).unwrap_or_else(|_| panic!("{reply:?}"))
    }
}

// ---------------------------------------------------------------------------------------
// Minimal HTTP/1.1 over TcpStream

/// A browser's cookies for the app, by name.
#[derive(Debug, Default, Clone)]
pub struct Jar(pub BTreeMap<String, String>);

impl Jar {
    /// The `Cookie` header value.
    pub fn header(&self) -> String {
        self.0
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Takes in the reply's `Set-Cookie`s: a cookie cleared (empty, `Max-Age=0` or
    /// expired) is removed.
    pub fn update(&mut self, reply: &Reply) {
        for line in reply.all("set-cookie") {
            let mut parts = line.split(';');
            let Some((name, value)) = parts.next().and_then(|p| p.split_once('=')) else {
                continue;
            };
            let cleared = value.is_empty()
                || parts.any(|attr| {
                    let attr = attr.trim().to_ascii_lowercase();
                    attr == "max-age=0" || attr.starts_with("expires=thu, 01 jan 1970")
                });
            if cleared {
                self.0.remove(name.trim());
            } else {
                self.0
                    .insert(name.trim().to_owned(), value.trim().to_owned());
            }
        }
    }
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// Every header, names lower-cased, in order.
    pub headers: Vec<(String, String)>,
    /// The body (de-chunked).
    pub body: String,
}

impl Reply {
    /// Every value of header `name`.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The first value of header `name`.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.all(name).into_iter().next()
    }

    /// The body as JSON; panics if it is not.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {self:?}"))
    }
}

/// One HTTP/1.1 request to `127.0.0.1:port` (`Connection: close`), its answer read whole.
pub async fn http(
    port: u16,
    method: &str,
    path: &str,
    jar: &Jar,
    form: Option<&str>,
) -> std::io::Result<Reply> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await?;
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nAccept: */*\r\n"
    );
    if !jar.0.is_empty() {
        request.push_str(&format!("Cookie: {}\r\n", jar.header()));
    }
    let body = form.unwrap_or("");
    if form.is_some() {
        request.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
    }
    if form.is_some() || method != "GET" {
        request.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).await?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await?;
    let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| bad("no end of headers"))?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut rest = raw[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("no status line"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
    if chunked {
        let mut body = Vec::new();
        let mut at = 0;
        loop {
            let end = rest[at..]
                .windows(2)
                .position(|w| w == b"\r\n")
                .ok_or_else(|| bad("truncated chunk size"))?;
            let size_text = String::from_utf8_lossy(&rest[at..at + end]).into_owned();
            let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
                .map_err(|_| bad("bad chunk size"))?;
            at += end + 2;
            if size == 0 {
                break;
            }
            body.extend_from_slice(rest.get(at..at + size).ok_or_else(|| bad("short chunk"))?);
            at += size + 2;
        }
        rest = body;
    }
    Ok(Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&rest).into_owned(),
    })
}

/// `pairs` as an `application/x-www-form-urlencoded` body.
pub fn form(pairs: &[(&str, &str)]) -> String {
    use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                utf8_percent_encode(k, NON_ALPHANUMERIC),
                utf8_percent_encode(v, NON_ALPHANUMERIC)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}
