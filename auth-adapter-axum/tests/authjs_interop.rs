//! Interop with a real Auth.js app: `interop/authjs-app.mjs` (Express + `@auth/express`, an
//! email provider that hands its sign-in link to this test) on the same store as the Rust
//! backend. For each store (PostgreSQL in `@auth/pg-adapter`'s layout, SQLite in
//! `@auth/drizzle-adapter`'s, Redis in `@auth/unstorage-adapter`'s keys) and each strategy
//! (database, JWT), a user signs in through Auth.js's own HTTP flow (csrf → signin →
//! link → callback), the Rust extractor accepts that cookie and sees the same user, a
//! session (or JWT) the Rust side issues is accepted by Auth.js's `/session`, and
//! tampering, expiry and sign-out are seen alike by both.
//!
//! PostgreSQL runs a third time with the Rust adapter behind a transaction-mode PgBouncer.
//!
//! Needs Node.js ≥ 20 with `npm ci --prefix interop`, and `DATABASE_URL` / `REDIS_URL` /
//! `PGBOUNCER_URL` (scripts/test starts throwaway servers). Every wait is bounded by [`PATIENCE`].

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers may panic

use std::collections::BTreeMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use auth_adapter_axum::jwt::{Claims, SessionJwt};
use auth_adapter_axum::{AuthConfig, AuthSession, Strategy, session_cookies};
use auth_adapter_core::{Adapter, AdapterSession, SessionUpdate, generate_session_token};
use auth_adapter_postgres::{PostgresAdapter, PostgresOptions};
use auth_adapter_redis::{RedisAdapter, RedisOptions};
use auth_adapter_sqlite::{SqliteAdapter, SqliteOptions};
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use axum::routing::get;
use axum::{Json, Router, middleware};
use chrono::{TimeDelta, Utc};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::mpsc;
use tower::ServiceExt;

/// How long any one wait may take (the app starting, a request, a sign-in link).
const PATIENCE: Duration = Duration::from_secs(60);

const SECRET: &str = "the AUTH_SECRET both sides share, long enough to look real";

/// Auth.js v5's session cookie on `http://`.
const SESSION_COOKIE: &str = "authjs.session-token";

/// `future`'s output, or a panic naming `what` once it has taken [`PATIENCE`].
async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    match tokio::time::timeout(PATIENCE, future).await {
        Ok(value) => value,
        Err(_) => panic!("{what} did not finish within {PATIENCE:?}"),
    }
}

fn interop_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../interop")
}

fn required_env(name: &str, how: &str) -> String {
    match std::env::var(name) {
        Ok(value) if !value.is_empty() => value,
        _ => panic!(
            "{name} is not set: run scripts/test (starts a throwaway {how}), or set {name}=… to a server you own"
        ),
    }
}

// ---------------------------------------------------------------------------------------
// The stores

#[derive(Debug, Clone, Copy)]
enum Store {
    Postgres,
    /// The Rust adapter through the transaction-mode PgBouncer at PGBOUNCER_URL with
    /// `transaction_pooler(true)`; the Auth.js app on DATABASE_URL (node-postgres sets its
    /// `search_path` with a startup parameter PgBouncer 1.18 refuses).
    PostgresPooler,
    Sqlite,
    Redis,
}

/// One fresh store: the Rust adapter on it, the env that points the Auth.js app at it,
/// and what to remove afterwards.
struct Fresh {
    adapter: Arc<dyn Adapter>,
    env: Vec<(&'static str, String)>,
    cleanup: Cleanup,
}

enum Cleanup {
    Schema(PostgresAdapter, String),
    File(PathBuf),
    Prefix(RedisAdapter, String),
}

/// The comment the postgres tests mark their schemas with: their stale-schema sweep drops
/// one this test left behind (a panic skips [`Fresh::remove`]).
const PG_MARK: &str = "auth-adapter-postgres test schema, created at unix time ";

impl Store {
    async fn fresh(self) -> Fresh {
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
                Fresh {
                    adapter: Arc::new(adapter.clone()),
                    env: vec![
                        ("ADAPTER", "pg".into()),
                        ("DATABASE_URL", url),
                        ("PG_SCHEMA", schema.clone()),
                    ],
                    cleanup: Cleanup::Schema(adapter, schema),
                }
            }
            Store::Sqlite => {
                let path = std::env::temp_dir()
                    .join(format!("auth-adapter-axum-{}.db", uuid::Uuid::new_v4()));
                let adapter = within(
                    "opening SQLite",
                    SqliteAdapter::open(&path, SqliteOptions::default()),
                )
                .await
                .expect("open the SQLite file");
                within("migrate", adapter.migrate()).await.expect("migrate");
                Fresh {
                    adapter: Arc::new(adapter),
                    env: vec![
                        ("ADAPTER", "drizzle-sqlite".into()),
                        ("SQLITE_PATH", path.display().to_string()),
                    ],
                    cleanup: Cleanup::File(path),
                }
            }
            Store::Redis => {
                let url = required_env("REDIS_URL", "redis-server");
                let prefix = format!("aa-axum-test:{}:", uuid::Uuid::new_v4());
                let adapter = within(
                    "connecting to REDIS_URL",
                    RedisAdapter::connect(&url, RedisOptions::new().key_prefix(prefix.clone())),
                )
                .await
                .expect("connect to REDIS_URL");
                Fresh {
                    adapter: Arc::new(adapter.clone()),
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
    async fn remove(self) {
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
struct AuthJsApp {
    port: u16,
    lines: mpsc::UnboundedReceiver<Value>,
    stderr: Arc<Mutex<String>>,
    _stdin: ChildStdin,
    _child: Child,
}

impl AuthJsApp {
    async fn start(env: &[(&'static str, String)], strategy: Strategy) -> Self {
        let dir = interop_dir();
        for package in ["@auth/express", "express"] {
            assert!(
                dir.join("node_modules").join(package).is_dir(),
                "interop/node_modules/{package} is missing: run `npm ci --prefix interop` (or scripts/test)"
            );
        }
        let strategy = match strategy {
            Strategy::Jwt => "jwt",
            _ => "database",
        };
        let mut command = Command::new("node");
        command
            .arg(dir.join("authjs-app.mjs"))
            .current_dir(&dir)
            .env("STRATEGY", strategy)
            .env("AUTH_SECRET", SECRET)
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

    fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// The sign-in link the email provider "sent" to `email`.
    async fn link_for(&mut self, email: &str) -> String {
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

    async fn request(&self, method: &str, path: &str, jar: &Jar, form: Option<&str>) -> Reply {
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
    async fn session(&self, cookie: &str) -> Value {
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
struct Jar(BTreeMap<String, String>);

impl Jar {
    fn header(&self) -> String {
        self.0
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Takes in the reply's `Set-Cookie`s: a cookie cleared (empty, `Max-Age=0` or
    /// expired) is removed.
    fn update(&mut self, reply: &Reply) {
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

#[derive(Debug)]
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.all(name).into_iter().next()
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {self:?}"))
    }
}

async fn http(
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

fn form(pairs: &[(&str, &str)]) -> String {
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

// ---------------------------------------------------------------------------------------
// The Rust side

async fn me(session: AuthSession) -> Json<Value> {
    Json(json!({"id": session.user.id, "email": session.user.email}))
}

fn rust_app(adapter: Arc<dyn Adapter>, strategy: Strategy, origin: &str) -> Router {
    let config = AuthConfig::builder(adapter)
        .strategy(strategy)
        .secret(SECRET)
        .site_url(origin)
        .build()
        .unwrap();
    Router::new()
        .route("/me", get(me))
        .layer(middleware::from_fn(session_cookies))
        .with_state(config)
}

/// The Rust service's answer to `GET /me` with `cookie` as the session cookie: its status,
/// body, and `Set-Cookie`s.
async fn rust_me(app: &Router, cookie: &str) -> (StatusCode, Value, Vec<String>) {
    let request = Request::get("/me")
        .header(header::COOKIE, format!("{SESSION_COOKIE}={cookie}"))
        .body(Body::empty())
        .unwrap();
    let response = within("the Rust app", app.clone().oneshot(request))
        .await
        .unwrap();
    let status = response.status();
    let cookies = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let bytes = to_bytes(response.into_body(), 1 << 20).await.unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        cookies,
    )
}

/// A cookie value with one character of its middle changed.
fn tampered(value: &str) -> String {
    let mut bytes = value.as_bytes().to_vec();
    let at = bytes.len() / 2;
    bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).unwrap()
}

// ---------------------------------------------------------------------------------------
// The scenario

async fn scenario(store: Store, strategy: Strategy) {
    let fresh = store.fresh().await;
    let mut js = AuthJsApp::start(&fresh.env, strategy).await;
    let origin = js.origin();
    let rust = rust_app(fresh.adapter.clone(), strategy, &origin);
    let email = format!("u{}@example.com", uuid::Uuid::new_v4().simple());

    // Sign in through Auth.js's HTTP flow, as a browser does.
    let mut jar = Jar::default();
    let reply = js.request("GET", "/api/auth/csrf", &jar, None).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    jar.update(&reply);
    let csrf = reply.json()["csrfToken"].as_str().unwrap().to_owned();
    assert!(jar.0.contains_key("authjs.csrf-token"), "{reply:?}");

    let callback_url = format!("{origin}/");
    let body = form(&[
        ("email", &email),
        ("csrfToken", &csrf),
        ("callbackUrl", &callback_url),
    ]);
    let reply = js
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
    let link = js.link_for(&email).await;
    let path = link
        .strip_prefix(&origin)
        .unwrap_or_else(|| panic!("the link {link} is not on {origin}"));
    let reply = js.request("GET", path, &jar, None).await;
    assert_eq!(reply.status, 302, "{reply:?}");
    assert_eq!(reply.header("location"), Some(callback_url.as_str()));
    let session_line = reply
        .all("set-cookie")
        .into_iter()
        .find(|l| l.starts_with(&format!("{SESSION_COOKIE}=")))
        .unwrap_or_else(|| panic!("no session cookie: {reply:?}"))
        .to_owned();
    assert!(
        session_line.contains("Path=/")
            && session_line.contains("HttpOnly")
            && session_line.contains("SameSite=Lax"),
        "{session_line}"
    );
    jar.update(&reply);
    let cookie = jar.0[SESSION_COOKIE].clone();

    // Auth.js itself sees the user.
    let session = js.session(&cookie).await;
    assert_eq!(session["user"]["email"], email, "{session}");

    // The Rust extractor accepts Auth.js's cookie and sees the same user.
    let (status, body, set) = rust_me(&rust, &cookie).await;
    assert_eq!(status, StatusCode::OK, "{body} {}", js.stderr());
    assert_eq!(body["email"], email);
    let user_id = body["id"].as_str().unwrap().to_owned();
    assert_eq!(set.len(), 1, "{set:?}");
    // The cookie the Rust side sends back has Auth.js's attributes; a database session is
    // not due for extension yet, so the line is Auth.js's, byte for byte. A JWT is
    // re-issued (new IV and `iat`), so only its attributes match, the expiry to the second
    // or so; and Auth.js accepts the re-issued token.
    match strategy {
        Strategy::Jwt => {
            let (value, rust_attrs) = set[0].split_once("; ").unwrap();
            let (_, js_attrs) = session_line.split_once("; ").unwrap();
            let without_expires = |attrs: &str| -> (Vec<String>, i64) {
                let mut expires = 0;
                let rest = attrs
                    .split("; ")
                    .filter(|a| match a.strip_prefix("Expires=") {
                        Some(date) => {
                            expires =
                                chrono::DateTime::parse_from_rfc2822(&date.replace("GMT", "+0000"))
                                    .unwrap_or_else(|e| panic!("{date}: {e}"))
                                    .timestamp();
                            false
                        }
                        None => true,
                    })
                    .map(str::to_owned)
                    .collect();
                (rest, expires)
            };
            let (rust_rest, rust_expires) = without_expires(rust_attrs);
            let (js_rest, js_expires) = without_expires(js_attrs);
            assert_eq!(rust_rest, js_rest, "{} vs {session_line}", set[0]);
            assert!(
                (rust_expires - js_expires).abs() <= 5,
                "{} vs {session_line}",
                set[0]
            );
            let reissued = value.strip_prefix(&format!("{SESSION_COOKIE}=")).unwrap();
            assert_ne!(reissued, cookie);
            let session = js.session(reissued).await;
            assert_eq!(session["user"]["email"], email, "{session}");
        }
        _ => assert_eq!(set[0], session_line),
    }
    if let Strategy::Database = strategy {
        let (row, user) = fresh
            .adapter
            .get_session_and_user(&cookie)
            .await
            .unwrap()
            .expect("the session Auth.js created is in the store");
        assert_eq!(row.user_id, user_id);
        assert_eq!(user.email.as_deref(), Some(email.as_str()));
    }

    // A tampered cookie: signed out on both sides.
    let bad = tampered(&cookie);
    let (status, _, set) = rust_me(&rust, &bad).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        set.iter().any(|c| c.contains("Max-Age=0")),
        "the Rust side clears a bad cookie: {set:?}"
    );
    assert_eq!(js.session(&bad).await, Value::Null);

    // The other way: a session the Rust side issues, read by Auth.js's own /session.
    match strategy {
        Strategy::Jwt => {
            let codec = SessionJwt::v5([SECRET], SESSION_COOKIE).unwrap();
            let claims = Claims::for_user(&user_id, None, Some(email.clone()), None);
            let token = codec
                .encode(&claims, TimeDelta::days(30), Utc::now())
                .unwrap();
            let session = js.session(&token).await;
            assert_eq!(session["user"]["email"], email, "{session}");
            // Expired on the Rust side: Auth.js agrees, and so does the extractor.
            let expired = codec
                .encode(&claims, TimeDelta::hours(-1), Utc::now())
                .unwrap();
            assert_eq!(js.session(&expired).await, Value::Null);
            assert_eq!(rust_me(&rust, &expired).await.0, StatusCode::UNAUTHORIZED);
        }
        _ => {
            let token = generate_session_token();
            fresh
                .adapter
                .create_session(AdapterSession {
                    session_token: token.clone(),
                    user_id: user_id.clone(),
                    expires: Utc::now() + TimeDelta::days(30),
                })
                .await
                .unwrap();
            let session = js.session(&token).await;
            assert_eq!(session["user"]["email"], email, "{session}");
            assert_eq!(rust_me(&rust, &token).await.0, StatusCode::OK);
            // Expired by the Rust side: Auth.js sees it signed out.
            fresh
                .adapter
                .update_session(SessionUpdate::new(
                    &token,
                    Utc::now() - TimeDelta::minutes(1),
                ))
                .await
                .unwrap();
            assert_eq!(js.session(&token).await, Value::Null);
            assert_eq!(rust_me(&rust, &token).await.0, StatusCode::UNAUTHORIZED);
            // Signed out by the Rust side (the row deleted): Auth.js sees it too.
            let token = generate_session_token();
            fresh
                .adapter
                .create_session(AdapterSession {
                    session_token: token.clone(),
                    user_id: user_id.clone(),
                    expires: Utc::now() + TimeDelta::days(30),
                })
                .await
                .unwrap();
            assert_eq!(js.session(&token).await["user"]["email"], email);
            fresh.adapter.delete_session(&token).await.unwrap();
            assert_eq!(js.session(&token).await, Value::Null);
        }
    }

    // Sign out on Auth.js.
    let reply = js.request("GET", "/api/auth/csrf", &jar, None).await;
    jar.update(&reply);
    let csrf = reply.json()["csrfToken"].as_str().unwrap().to_owned();
    let body = form(&[("csrfToken", &csrf), ("callbackUrl", &callback_url)]);
    let reply = js
        .request("POST", "/api/auth/signout", &jar, Some(&body))
        .await;
    assert_eq!(reply.status, 302, "{reply:?}");
    jar.update(&reply);
    assert!(
        !jar.0.contains_key(SESSION_COOKIE),
        "Auth.js clears its session cookie on sign-out: {reply:?}"
    );
    match strategy {
        Strategy::Jwt => {
            // A JWT session has nothing to delete: the old cookie stays valid until it
            // expires, for Auth.js and for the Rust side alike.
            assert_eq!(js.session(&cookie).await["user"]["email"], email);
            assert_eq!(rust_me(&rust, &cookie).await.0, StatusCode::OK);
        }
        _ => {
            let (status, _, _) = rust_me(&rust, &cookie).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "signed out on Auth.js");
            assert_eq!(js.session(&cookie).await, Value::Null);
        }
    }

    drop(js);
    fresh.remove().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_database_sessions() {
    scenario(Store::Sqlite, Strategy::Database).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_jwt_sessions() {
    scenario(Store::Sqlite, Strategy::Jwt).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_database_sessions() {
    scenario(Store::Postgres, Strategy::Database).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_jwt_sessions() {
    scenario(Store::Postgres, Strategy::Jwt).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_through_a_transaction_pooler_database_sessions() {
    scenario(Store::PostgresPooler, Strategy::Database).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_database_sessions() {
    scenario(Store::Redis, Strategy::Database).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_jwt_sessions() {
    scenario(Store::Redis, Strategy::Jwt).await;
}
