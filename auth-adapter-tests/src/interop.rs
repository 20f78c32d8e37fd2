//! The harness of the backends' interop tests: the real Auth.js adapters from npm, run
//! through `node interop/peer.mjs` on the same store as a Rust backend.
//!
//! **Test support, not a stable API.** This module exists only with the `interop` feature
//! (the pattern of `object_store`'s `integration` feature) and serves this workspace's own
//! `tests/interop.rs` files; it may change in any release. It finds `interop/` next to this
//! crate's source, so it works from a checkout of the workspace only, after
//! `npm ci --prefix interop` (or `scripts/test`, which runs it), with Node.js ≥ 20.
//!
//! ```toml
//! [dev-dependencies]
//! auth-adapter-tests = { workspace = true, features = ["interop"] }
//! ```
//!
//! One [`Peer`] names the adapter (`peer.mjs --adapter …`) and the environment that points
//! it at the store; each [`Peer::call`] starts one node process that runs the calls in order
//! (see `interop/README.md` for the protocol). Dates cross as `{"$date": iso}`: [`date`],
//! [`from_date`], [`to_js`] and [`from_js`] convert.
//!
//! ```no_run
//! use auth_adapter_tests::interop::{Peer, ok};
//! use serde_json::{Value, json};
//! # async fn run() {
//! let js = Peer::new("unstorage-redis")
//!     .env("REDIS_URL", "redis://127.0.0.1:6379")
//!     .env("KEY_PREFIX", "test:");
//! let results = js
//!     .call(json!([{"method": "getUser", "args": ["no-such-id"]}]))
//!     .await;
//! assert_eq!(ok(&results[0]), &Value::Null);
//! # }
//! ```
//!
//! Every failure panics with what went wrong: `interop/node_modules` missing, `node` not
//! installed, the peer failing (its exit status and stderr), or the peer still running
//! after [`Peer::time_limit`] (default [`TIME_LIMIT`]), when it is killed.
//!
//! [`Guarded`] is here too: an adapter plus something that must live as long as it (a
//! temporary directory), for a conformance factory that has to return `Arc<dyn Adapter>`.

#[cfg(feature = "authjs-app")]
pub mod app;

use std::ffi::{OsStr, OsString};
use std::fmt::Debug;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use auth_adapter_core::chrono::{DateTime, Utc};
use auth_adapter_core::{
    AccountUpdate, Adapter, AdapterAccount, AdapterAuthenticator, AdapterSession, AdapterUser,
    ExpiredCount, NewUser, Result as AdapterResult, SessionUpdate, UserUpdate, VerificationToken,
    async_trait, backend::dates,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};

/// How long one peer run (node start-up, a setup, the calls) may take by default before it
/// is killed and the test fails: a peer stuck on a lock must not hang the test binary.
pub const TIME_LIMIT: Duration = Duration::from_secs(120);

/// The object keys whose string values [`to_js`] sends as dates: where the Auth.js models
/// hold their `Date`s.
pub const DATE_KEYS: [&str; 2] = ["emailVerified", "expires"];

/// What `npm ci` would have installed into; `interop/` of this workspace.
fn interop_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../interop")
}

/// One real Auth.js adapter, driven by `node interop/peer.mjs --adapter <name>` with the
/// environment given by [`env`](Peer::env). Each [`call`](Peer::call) or
/// [`setup`](Peer::setup) is one node process.
#[derive(Debug, Clone)]
pub struct Peer {
    adapter: String,
    env: Vec<(String, OsString)>,
    time_limit: Duration,
}

impl Peer {
    /// The adapter `peer.mjs` knows as `adapter`: `pg`, `drizzle-sqlite` or
    /// `unstorage-redis`.
    pub fn new(adapter: impl Into<String>) -> Self {
        Peer {
            adapter: adapter.into(),
            env: Vec::new(),
            time_limit: TIME_LIMIT,
        }
    }

    /// Sets `key=value` in node's environment (`DATABASE_URL`, `PG_SCHEMA`, `SQLITE_PATH`,
    /// `REDIS_URL`, `KEY_PREFIX`: see `interop/README.md`).
    pub fn env(mut self, key: impl Into<String>, value: impl AsRef<OsStr>) -> Self {
        self.env.push((key.into(), value.as_ref().to_owned()));
        self
    }

    /// How long one run may take before node is killed and the test fails (default
    /// [`TIME_LIMIT`]).
    pub fn time_limit(mut self, limit: Duration) -> Self {
        self.time_limit = limit;
        self
    }

    /// Runs `calls`, a JSON array of `{"method": …, "args": [...]}`, in order in one node
    /// process; one result per call: `Ok(value)` (`Ok(Value::Null)` for `undefined`) or
    /// `Err(message)` when the JS method threw. Dates in `args` go as `{"$date": iso}`
    /// ([`date`], [`to_js`]) and come back so ([`from_date`], [`from_js`]).
    pub async fn call(&self, calls: Value) -> Vec<Result<Value, String>> {
        let Some(list) = calls.as_array() else {
            panic!("Peer::call takes a JSON array of {{\"method\", \"args\"}} objects, not {calls}")
        };
        let methods: Vec<&str> = list
            .iter()
            .map(|call| call["method"].as_str().unwrap_or("?"))
            .collect();
        let what = format!("the calls {methods:?}");
        let request = json!({ "calls": calls }).to_string();
        let response = self.run(&[], request.as_bytes(), &what).await;
        let Some(results) = response["results"].as_array() else {
            panic!("the peer's answer to {what} has no `results` array: {response}")
        };
        assert_eq!(
            results.len(),
            list.len(),
            "the peer answered {what} with another number of results: {response}"
        );
        results
            .iter()
            .map(|result| match result.get("error") {
                Some(Value::String(message)) => Err(message.clone()),
                Some(error) => Err(error.to_string()),
                None => Ok(result["ok"].clone()),
            })
            .collect()
    }

    /// Like [`call`](Peer::call), but every call must succeed: their values, or a panic
    /// naming the first call that failed and its error.
    pub async fn call_ok(&self, calls: Value) -> Vec<Value> {
        let methods: Vec<String> = calls
            .as_array()
            .into_iter()
            .flatten()
            .map(|call| call["method"].as_str().unwrap_or("?").to_owned())
            .collect();
        self.call(calls)
            .await
            .into_iter()
            .zip(methods)
            .enumerate()
            .map(|(i, (result, method))| {
                result.unwrap_or_else(|e| panic!("call {i} ({method}) failed in JS: {e}"))
            })
            .collect()
    }

    /// Runs `peer.mjs --setup <name>` (e.g. `upstream-schema` for `pg`, `drizzle-kit` for
    /// `drizzle-sqlite`); the JSON line it prints.
    pub async fn setup(&self, name: &str) -> Value {
        self.run(&["--setup", name], b"", &format!("the setup {name:?}"))
            .await
    }

    /// Runs node with `args`, `input` on its stdin; the one JSON line it prints. Panics
    /// with `what` (what the test waited for) and node's stderr if node cannot start, exits
    /// with an error, prints something else, or outlives the time limit.
    async fn run(&self, args: &[&str], input: &[u8], what: &str) -> Value {
        let dir = interop_dir();
        let command_line = format!(
            "node interop/peer.mjs --adapter {}{}",
            self.adapter,
            args.iter().map(|a| format!(" {a}")).collect::<String>()
        );
        assert!(
            dir.join("node_modules").is_dir(),
            "interop/node_modules is missing: run `npm ci --prefix interop` (or scripts/test) \
             before the interop tests"
        );
        let mut child = tokio::process::Command::new("node")
            .arg(dir.join("peer.mjs"))
            .args(["--adapter", &self.adapter])
            .args(args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "could not run `node` ({e}): the interop tests need Node.js >= 20 on the \
                     PATH, then `npm ci --prefix interop` (or scripts/test)"
                )
            });
        let mut stdin = child.stdin.take().expect("piped stdin");
        let mut stdout_pipe = child.stdout.take().expect("piped stdout");
        let mut stderr_pipe = child.stderr.take().expect("piped stderr");
        let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
        let finished = tokio::time::timeout(self.time_limit, async {
            let feed = async move {
                // A peer that exits before reading all of it fails below, with its stderr.
                let _ = stdin.write_all(input).await;
                drop(stdin);
            };
            let (_, _, _, status) = tokio::join!(
                feed,
                drain(&mut stdout_pipe, &mut stdout),
                drain(&mut stderr_pipe, &mut stderr),
                child.wait(),
            );
            status
        })
        .await;
        let stderr_text = || match String::from_utf8_lossy(&stderr).trim_end() {
            "" => "(nothing)".to_owned(),
            text => text.to_owned(),
        };
        let status = match finished {
            Ok(status) => status.unwrap_or_else(|e| panic!("waiting for `{command_line}`: {e}")),
            Err(_) => {
                let _ = child.start_kill();
                let _ = tokio::time::timeout(Duration::from_secs(10), child.wait()).await;
                panic!(
                    "`{command_line}` did not finish {what} within {:?} and was killed; its \
                     stderr so far:\n{}",
                    self.time_limit,
                    stderr_text()
                )
            }
        };
        if !status.success() {
            let stderr = stderr_text();
            let hint = if stderr.contains("ERR_MODULE_NOT_FOUND") {
                "\n(a package is missing from interop/node_modules: run \
                 `npm ci --prefix interop` (or scripts/test))"
            } else {
                ""
            };
            panic!("`{command_line}` failed ({status}) on {what}; its stderr:\n{stderr}{hint}");
        }
        let text = String::from_utf8_lossy(&stdout);
        serde_json::from_str(text.trim()).unwrap_or_else(|e| {
            panic!(
                "`{command_line}` answered {what} with something other than one JSON line \
                 ({e}): {text}\nits stderr:\n{}",
                stderr_text()
            )
        })
    }
}

/// Appends all of `pipe` to `sink`. Cancel-safe: what was read stays in `sink` (for the
/// stderr of a peer that timed out).
async fn drain(pipe: &mut (impl AsyncRead + Unpin), sink: &mut Vec<u8>) {
    let mut chunk = [0u8; 8192];
    while let Ok(n @ 1..) = pipe.read(&mut chunk).await {
        sink.extend_from_slice(&chunk[..n]);
    }
}

/// The value of a call that must have succeeded; panics with the JS error otherwise.
pub fn ok(result: &Result<Value, String>) -> &Value {
    match result {
        Ok(value) => value,
        Err(error) => panic!("JS call failed: {error}"),
    }
}

/// A date as the peer's JSON: `{"$date": "2026-11-22T11:33:29.559Z"}`.
pub fn date(date: &DateTime<Utc>) -> Value {
    json!({ "$date": dates::to_iso(date) })
}

/// The date in a `{"$date": iso}` the peer returned.
pub fn from_date(value: &Value) -> DateTime<Utc> {
    let iso = value["$date"]
        .as_str()
        .unwrap_or_else(|| panic!("a {{\"$date\": …}}, not {value}"));
    dates::from_iso(iso).unwrap_or_else(|| panic!("an ISO date, not {iso:?}"))
}

/// A Rust model as the peer's JSON: its serde form with the strings under [`DATE_KEYS`]
/// sent as `{"$date": iso}`, at any depth.
pub fn to_js(value: &impl Serialize) -> Value {
    fn wrap(value: Value) -> Value {
        match value {
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .map(|(key, value)| match value {
                        Value::String(iso) if DATE_KEYS.contains(&key.as_str()) => {
                            (key, json!({ "$date": iso }))
                        }
                        other => (key, wrap(other)),
                    })
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.into_iter().map(wrap).collect()),
            other => other,
        }
    }
    wrap(serde_json::to_value(value).expect("a model serializes"))
}

/// The peer's JSON as a Rust model: every `{"$date": iso}` back to the ISO string serde
/// reads. Panics if the value does not read as `T`.
pub fn from_js<T: DeserializeOwned>(value: &Value) -> T {
    fn unwrap(value: Value) -> Value {
        match value {
            Value::Object(map) if map.len() == 1 && map.contains_key("$date") => {
                map.into_iter().next().map(|(_, v)| v).unwrap_or_default()
            }
            Value::Object(map) => {
                Value::Object(map.into_iter().map(|(k, v)| (k, unwrap(v))).collect())
            }
            Value::Array(items) => Value::Array(items.into_iter().map(unwrap).collect()),
            other => other,
        }
    }
    serde_json::from_value(unwrap(value.clone()))
        .unwrap_or_else(|e| panic!("JS value {value} does not read as the Rust model: {e}"))
}

/// An adapter and a guard that must live as long as it (a temporary directory holding its
/// database file, say), so that an `Arc<dyn Adapter>` can own both. Implements [`Adapter`]
/// by forwarding every method to `adapter`. Dropped adapter first, then guard.
#[derive(Debug)]
pub struct Guarded<A, G> {
    /// The adapter every [`Adapter`] method goes to.
    pub adapter: A,
    /// Kept alive until the adapter is dropped, then dropped itself.
    pub guard: G,
}

impl<A, G> Guarded<A, G> {
    /// `adapter`, keeping `guard` until it is dropped.
    pub fn new(adapter: A, guard: G) -> Self {
        Guarded { adapter, guard }
    }
}

#[async_trait]
impl<A: auth_adapter_core::CounterStore, G: Debug + Send + Sync + 'static>
    auth_adapter_core::CounterStore for Guarded<A, G>
{
    async fn increment(
        &self,
        key: &str,
        window: auth_adapter_core::chrono::TimeDelta,
    ) -> AdapterResult<auth_adapter_core::Count> {
        self.adapter.increment(key, window).await
    }
    async fn count(&self, key: &str) -> AdapterResult<auth_adapter_core::Count> {
        self.adapter.count(key).await
    }
    async fn reset(&self, key: &str) -> AdapterResult<()> {
        self.adapter.reset(key).await
    }
    async fn purge_expired(&self) -> AdapterResult<u64> {
        self.adapter.purge_expired().await
    }
}

#[async_trait]
impl<A: Adapter, G: Debug + Send + Sync + 'static> Adapter for Guarded<A, G> {
    async fn create_user(&self, user: NewUser) -> AdapterResult<AdapterUser> {
        self.adapter.create_user(user).await
    }
    async fn get_user(&self, id: &str) -> AdapterResult<Option<AdapterUser>> {
        self.adapter.get_user(id).await
    }
    async fn get_user_by_email(&self, email: &str) -> AdapterResult<Option<AdapterUser>> {
        self.adapter.get_user_by_email(email).await
    }
    async fn get_user_by_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> AdapterResult<Option<AdapterUser>> {
        self.adapter
            .get_user_by_account(provider, provider_account_id)
            .await
    }
    async fn update_user(&self, update: UserUpdate) -> AdapterResult<AdapterUser> {
        self.adapter.update_user(update).await
    }
    async fn delete_user(&self, id: &str) -> AdapterResult<Option<AdapterUser>> {
        self.adapter.delete_user(id).await
    }
    async fn link_account(&self, account: AdapterAccount) -> AdapterResult<AdapterAccount> {
        self.adapter.link_account(account).await
    }
    async fn unlink_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> AdapterResult<Option<AdapterAccount>> {
        self.adapter
            .unlink_account(provider, provider_account_id)
            .await
    }
    async fn get_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> AdapterResult<Option<AdapterAccount>> {
        self.adapter
            .get_account(provider, provider_account_id)
            .await
    }
    async fn update_account(&self, update: AccountUpdate) -> AdapterResult<AdapterAccount> {
        self.adapter.update_account(update).await
    }
    async fn create_session(&self, session: AdapterSession) -> AdapterResult<AdapterSession> {
        self.adapter.create_session(session).await
    }
    async fn get_session_and_user(
        &self,
        session_token: &str,
    ) -> AdapterResult<Option<(AdapterSession, AdapterUser)>> {
        self.adapter.get_session_and_user(session_token).await
    }
    async fn update_session(&self, update: SessionUpdate) -> AdapterResult<Option<AdapterSession>> {
        self.adapter.update_session(update).await
    }
    async fn delete_session(&self, session_token: &str) -> AdapterResult<Option<AdapterSession>> {
        self.adapter.delete_session(session_token).await
    }
    async fn delete_sessions_by_user_id(&self, user_id: &str) -> AdapterResult<u64> {
        self.adapter.delete_sessions_by_user_id(user_id).await
    }
    async fn create_verification_token(
        &self,
        token: VerificationToken,
    ) -> AdapterResult<VerificationToken> {
        self.adapter.create_verification_token(token).await
    }
    async fn use_verification_token(
        &self,
        identifier: &str,
        token: &str,
    ) -> AdapterResult<Option<VerificationToken>> {
        self.adapter.use_verification_token(identifier, token).await
    }
    async fn create_authenticator(
        &self,
        authenticator: AdapterAuthenticator,
    ) -> AdapterResult<AdapterAuthenticator> {
        self.adapter.create_authenticator(authenticator).await
    }
    async fn get_authenticator(
        &self,
        credential_id: &str,
    ) -> AdapterResult<Option<AdapterAuthenticator>> {
        self.adapter.get_authenticator(credential_id).await
    }
    async fn list_authenticators_by_user_id(
        &self,
        user_id: &str,
    ) -> AdapterResult<Vec<AdapterAuthenticator>> {
        self.adapter.list_authenticators_by_user_id(user_id).await
    }
    async fn update_authenticator_counter(
        &self,
        credential_id: &str,
        counter: u32,
    ) -> AdapterResult<AdapterAuthenticator> {
        self.adapter
            .update_authenticator_counter(credential_id, counter)
            .await
    }
    async fn delete_expired(&self, now: DateTime<Utc>) -> AdapterResult<ExpiredCount> {
        self.adapter.delete_expired(now).await
    }
}
