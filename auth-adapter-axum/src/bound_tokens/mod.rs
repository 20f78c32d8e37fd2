//! [`BoundTokens`]: tokens bound to a user (`aa_…`) as a request's principal
//! (`Authorization: Bearer`), and [`bound_token_routes`], which bind, list and unbind them
//! and sign in with one (BosBase's `bind-token`, `unbind-token`, `auth-with-token`).

mod proof;

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use auth_adapter_core::backend::dates;
use auth_adapter_core::{
    AdapterError, AdapterUser, BoundToken, CounterStore, NewTokenBinding, TokenError, TokenFormat,
    TokenSecret, TokenStore, client_bucket,
};
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRef, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, TimeDelta, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::client::FromRequest;
use crate::config::{AuthConfig, ConfigError};
use crate::csrf;
use crate::expiring::ExpiringMap;
use crate::extract::{AuthSession, Session};
use crate::rejection::AuthRejection;
use crate::routes::no_store;

/// Tokens bound to users, accepted as `Authorization: Bearer <token>` by
/// [`AuthSession`] (as [`Session::Token`], with the token's scopes; no session row is
/// written) and managed by [`bound_token_routes`]. Give it to
/// [`AuthConfigBuilder::bound_tokens`](crate::AuthConfigBuilder::bound_tokens).
///
/// A bearer value is first checked offline ([`TokenFormat::accept`]: prefix, length,
/// checksum), so garbage never reaches the store; a well-formed one is hashed with the
/// secret and looked up in one round trip. Unknown ones are counted per client address in
/// the [`CounterStore`] (shared by every instance); past the limit that address gets 429
/// without any lookup until its window ends (each instance learns it on that address's
/// next miss). Unknown, expired and revoked tokens get the same answer, so the answers
/// never tell which tokens existed.
///
/// ```
/// use std::sync::Arc;
/// use auth_adapter_axum::{AuthConfig, BoundTokens};
/// use auth_adapter_core::MemoryAdapter;
///
/// let store = Arc::new(MemoryAdapter::new()); // your backend: every one is all three stores
/// let config = AuthConfig::builder(store.clone())
///     .secret("the AUTH_SECRET of the Auth.js app")
///     .bound_tokens(BoundTokens::new(store.clone(), store).realm("users"))
///     .build()?;
/// # Ok::<(), auth_adapter_axum::ConfigError>(())
/// ```
#[derive(Clone)]
pub struct BoundTokens {
    store: Arc<dyn TokenStore>,
    counters: Arc<dyn CounterStore>,
    format: TokenFormat,
    realm: String,
    failures: u64,
    window: TimeDelta,
    #[cfg(feature = "passwordless")]
    codes: Option<auth_adapter_passwordless::Passwordless>,
}

impl fmt::Debug for BoundTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoundTokens")
            .field("format", &self.format)
            .field("realm", &self.realm)
            .field("failures", &self.failures)
            .field("window", &self.window)
            .field("codes", &self.takes_codes())
            .finish_non_exhaustive()
    }
}

impl BoundTokens {
    /// Tokens kept in `store`, unknown ones counted in `counters` (usually the same
    /// backend value). Defaults: [`TokenFormat::default`] (`aa_` tokens, no client-chosen
    /// ones), realm `users`, 20 unknown tokens per client address per 15 minutes.
    pub fn new(store: Arc<dyn TokenStore>, counters: Arc<dyn CounterStore>) -> Self {
        BoundTokens {
            store,
            counters,
            format: TokenFormat::default(),
            realm: "users".to_owned(),
            failures: 20,
            window: TimeDelta::minutes(15),
            #[cfg(feature = "passwordless")]
            codes: None,
        }
    }

    /// Whether `bind-token` and `unbind-token` take a one-time code as proof.
    fn takes_codes(&self) -> bool {
        #[cfg(feature = "passwordless")]
        return self.codes.is_some();
        #[cfg(not(feature = "passwordless"))]
        false
    }

    /// Lets `bind-token` and `unbind-token` act on a fresh one-time code instead of a
    /// session (feature `passwordless`): a script that has no session sends `{email, code}`
    /// or `{phone, code}` with its request, the code the passwordless routes' `POST
    /// /send-otp` sent. The code is checked and used up by `service` as by its
    /// [`confirm_otp`](auth_adapter_passwordless::Passwordless::confirm_otp), under the
    /// same wrong-code and per-address limits as a sign-in, and no session is created.
    #[cfg(feature = "passwordless")]
    pub fn codes(mut self, service: auth_adapter_passwordless::Passwordless) -> Self {
        self.codes = Some(service);
        self
    }

    /// The realm tokens are bound in and accepted from (BosBase's collection): a token
    /// bound in another realm never authenticates here.
    pub fn realm(mut self, realm: impl Into<String>) -> Self {
        self.realm = realm.into();
        self
    }

    /// The token format (prefix; whether client-chosen tokens may be bound).
    pub fn format(mut self, format: TokenFormat) -> Self {
        self.format = format;
        self
    }

    /// At most `max` unknown tokens per client address per `window`.
    pub fn failures_per_ip(mut self, max: u64, window: TimeDelta) -> Self {
        self.failures = max;
        self.window = window;
        self
    }
}

/// [`BoundTokens`] with the hashing key and the addresses blocked on this instance.
pub(crate) struct Bound {
    tokens: BoundTokens,
    secret: TokenSecret,
    blocked: ExpiringMap<()>,
}

impl fmt::Debug for Bound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.tokens.fmt(f)
    }
}

/// The most blocked addresses one instance remembers (older ones are dropped first).
const MAX_BLOCKED: usize = 10_000;

impl Bound {
    pub(crate) fn new(tokens: BoundTokens, secret: &str) -> Result<Self, ConfigError> {
        let secret = TokenSecret::new(secret).map_err(|_| ConfigError::EmptySecret)?;
        Ok(Bound {
            tokens,
            secret,
            blocked: ExpiringMap::new(MAX_BLOCKED),
        })
    }

    /// Checks a presented token offline.
    pub(crate) fn accept(&self, presented: &str) -> Result<BoundToken, TokenError> {
        self.tokens.format.accept(presented)
    }

    fn still_blocked(&self, bucket: &str) -> Option<u64> {
        let (until, ()) = self.blocked.get(bucket)?;
        Some(
            until
                .saturating_duration_since(Instant::now())
                .as_secs()
                .max(1),
        )
    }

    fn block(&self, bucket: String, for_: Duration) {
        self.blocked.insert(bucket, Instant::now() + for_, ());
    }

    /// The user of a well-formed token: one lookup, unless the address is over its limit.
    /// An unknown token counts against the address.
    pub(crate) async fn authenticate(
        &self,
        token: &BoundToken,
        ip: Option<IpAddr>,
        now: DateTime<Utc>,
    ) -> Result<Option<AuthSession>, AuthRejection> {
        let bucket = client_bucket(ip);
        if let Some(retry_after) = self.still_blocked(&bucket) {
            return Err(AuthRejection::RateLimited { retry_after });
        }
        let found = self
            .tokens
            .store
            .authenticate(&self.tokens.realm, &self.secret.hash(token), now)
            .await
            .map_err(|err| AuthRejection::from_store(&err))?;
        if let Some((binding, user)) = found {
            return Ok(Some(AuthSession {
                user,
                session: Session::Token(binding),
            }));
        }
        let key = format!("auth-adapter:bound-token-miss:{bucket}");
        let count = self
            .tokens
            .counters
            .increment(&key, self.tokens.window)
            .await
            .map_err(|err| AuthRejection::from_store(&err))?;
        if count.count > self.tokens.failures {
            let left = count.resets_in.to_std().unwrap_or_default();
            self.block(bucket, left);
            return Err(AuthRejection::RateLimited {
                retry_after: left.as_secs().max(1),
            });
        }
        Ok(None)
    }
}

// ---------------------------------------------------------------------------------------
// The routes

/// The bound-token routes, to [`nest`](Router::nest) under any path;
/// [`bound_token_router`] mounts them at `/api/auth`. They need
/// [`bound_tokens`](crate::AuthConfigBuilder::bound_tokens) in the configuration (without,
/// every route answers 404 `not_enabled`).
///
/// | route | who | body (JSON) | answer |
/// |---|---|---|---|
/// | `POST /bind-token` | a signed-in session (not a bound token), or a one-time code | `{name?, scopes?, expiresIn? (seconds), token? (client-chosen, if the format allows)}`, and the proof | 201 `{token, binding}`: the token, shown this once |
/// | `POST /unbind-token` | a signed-in session, or a one-time code | `{id}`, and the proof | `{"ok": true}`, or 404 `not_found` |
/// | `GET /tokens` | a session or a bound token | — | `{tokens: [binding…]}`, never a token or its hash |
/// | `POST /auth-with-token` | anyone with a token | `{token}` | `{token: <session token or JWT>, record: <user>}` and the session cookie (BosBase's answer) |
///
/// A binding is `{id, userId, realm, name, displayPrefix, scopes, createdAt, lastUsedAt,
/// expires}`. Errors are JSON `{"error": code}` with stable codes: `unauthenticated` (401),
/// `invalid_token` (401: malformed, unknown, expired or revoked, one answer for all),
/// `session_required` (403: a bound token cannot bind or unbind tokens), `csrf` (403),
/// `rate_limited` (429 with `Retry-After`), `conflict` (409: that token is bound already;
/// it never moves), `weak_token` / `invalid_request` (400), `unavailable` (503 with
/// `Retry-After`), `internal` (500). The state-changing routes that act for a session must
/// come from the site (`Origin` / `Sec-Fetch-Site`) or carry the `csrfToken`;
/// `auth-with-token` is refused only when a browser says it comes from another site.
pub fn bound_token_routes<S>() -> Router<S>
where
    AuthConfig: FromRef<S>,
    S: Clone + Send + Sync + 'static,
{
    Router::new()
        .route("/bind-token", post(bind))
        .route("/unbind-token", post(unbind))
        .route("/tokens", get(list))
        .route("/auth-with-token", post(auth_with_token))
}

/// [`bound_token_routes`] at `/api/auth`, to [`merge`](Router::merge) into an app.
pub fn bound_token_router<S>() -> Router<S>
where
    AuthConfig: FromRef<S>,
    S: Clone + Send + Sync + 'static,
{
    Router::new().nest("/api/auth", bound_token_routes())
}

fn error(status: StatusCode, code: &str) -> Response {
    no_store((status, Json(json!({"error": code}))).into_response())
}

/// A refused request: its status and error code.
struct Refusal(StatusCode, &'static str);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        error(self.0, self.1)
    }
}

fn store_error(err: &AdapterError) -> Response {
    match err {
        AdapterError::Conflict { .. } => error(StatusCode::CONFLICT, "conflict"),
        AdapterError::InvalidInput { .. } => error(StatusCode::BAD_REQUEST, "invalid_request"),
        AdapterError::NotFound { .. } => error(StatusCode::NOT_FOUND, "not_found"),
        _ => AuthRejection::from_store(err).into_response(),
    }
}

fn user_json(user: &AdapterUser) -> Value {
    json!({
        "id": user.id,
        "name": user.name,
        "email": user.email,
        "image": user.image,
        "emailVerified": user.email_verified.as_ref().map(dates::to_iso),
    })
}

/// No `Debug`: it may hold a client-chosen token and a code.
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct BindBody {
    name: Option<String>,
    #[serde(default)]
    scopes: Vec<String>,
    expires_in: Option<i64>,
    token: Option<String>,
    #[serde(flatten)]
    proof: proof::Proof,
}

fn parse<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, Refusal> {
    if bytes.len() > 16 * 1024 {
        return Err(Refusal(StatusCode::BAD_REQUEST, "invalid_request"));
    }
    serde_json::from_slice(bytes).map_err(|_| Refusal(StatusCode::BAD_REQUEST, "invalid_request"))
}

/// A POST that acts for the request's session: from the site itself, or with its token.
fn same_site_or_token(config: &AuthConfig, headers: &HeaderMap, token: Option<&str>) -> bool {
    csrf::same_site(headers, config) || csrf::verify(headers, config, token)
}

async fn bind(
    State(config): State<AuthConfig>,
    headers: HeaderMap,
    session: Option<AuthSession>,
    client: FromRequest,
    bytes: Bytes,
) -> Response {
    let Some(bound) = config.bound_tokens() else {
        return error(StatusCode::NOT_FOUND, "not_enabled");
    };
    let body: BindBody = match parse(&bytes) {
        Ok(body) => body,
        Err(refusal) => return refusal.into_response(),
    };
    let user = match proof::prove(&config, bound, &headers, session, client, &body.proof).await {
        Ok(user) => user,
        Err(refusal) => return refusal,
    };
    let token = match &body.token {
        Some(chosen) => match bound.tokens.format.client_chosen(chosen) {
            Ok(token) => token,
            Err(_) => return error(StatusCode::BAD_REQUEST, "weak_token"),
        },
        None => bound.tokens.format.generate(),
    };
    let mut binding = NewTokenBinding::new(&user.id, &bound.tokens.realm, &token, &bound.secret)
        .scopes(body.scopes);
    if let Some(name) = body.name {
        binding = binding.name(name);
    }
    if let Some(seconds) = body.expires_in {
        match TimeDelta::try_seconds(seconds).filter(|d| *d > TimeDelta::zero()) {
            Some(d) => {
                let expires = binding.created_at + d;
                binding = binding.expires(expires);
            }
            None => return error(StatusCode::BAD_REQUEST, "invalid_request"),
        }
    }
    match bound.tokens.store.bind_token(binding).await {
        Ok(binding) => no_store(
            (
                StatusCode::CREATED,
                Json(json!({"token": token.expose_secret(), "binding": binding})),
            )
                .into_response(),
        ),
        Err(err) => store_error(&err),
    }
}

/// No `Debug`: it may hold a code.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UnbindBody {
    id: String,
    #[serde(flatten)]
    proof: proof::Proof,
}

async fn unbind(
    State(config): State<AuthConfig>,
    headers: HeaderMap,
    session: Option<AuthSession>,
    client: FromRequest,
    bytes: Bytes,
) -> Response {
    let Some(bound) = config.bound_tokens() else {
        return error(StatusCode::NOT_FOUND, "not_enabled");
    };
    let body: UnbindBody = match parse(&bytes) {
        Ok(body) => body,
        Err(refusal) => return refusal.into_response(),
    };
    let user = match proof::prove(&config, bound, &headers, session, client, &body.proof).await {
        Ok(user) => user,
        Err(refusal) => return refusal,
    };
    match bound.tokens.store.revoke_token(&user.id, &body.id).await {
        Ok(Some(_)) => no_store(Json(json!({"ok": true})).into_response()),
        Ok(None) => error(StatusCode::NOT_FOUND, "not_found"),
        Err(err) => store_error(&err),
    }
}

async fn list(State(config): State<AuthConfig>, session: AuthSession) -> Response {
    let Some(bound) = config.bound_tokens() else {
        return error(StatusCode::NOT_FOUND, "not_enabled");
    };
    match bound.tokens.store.list_tokens(&session.user.id).await {
        Ok(tokens) => no_store(Json(json!({"tokens": tokens})).into_response()),
        Err(err) => store_error(&err),
    }
}

/// No `Debug`: it holds a token.
#[derive(Deserialize)]
struct AuthWithTokenBody {
    token: String,
}

/// Whether a browser says the request comes from another site.
fn from_another_site(config: &AuthConfig, headers: &HeaderMap) -> bool {
    csrf::sender(headers, config) == csrf::Sender::Elsewhere
}

async fn auth_with_token(
    State(config): State<AuthConfig>,
    headers: HeaderMap,
    client: FromRequest,
    bytes: Bytes,
) -> Response {
    let Some(bound) = config.bound_tokens() else {
        return error(StatusCode::NOT_FOUND, "not_enabled");
    };
    if from_another_site(&config, &headers) {
        return error(StatusCode::FORBIDDEN, "csrf");
    }
    let body: AuthWithTokenBody = match parse(&bytes) {
        Ok(body) => body,
        Err(refusal) => return refusal.into_response(),
    };
    let Ok(token) = bound.accept(&body.token) else {
        return error(StatusCode::UNAUTHORIZED, "invalid_token");
    };
    let user = match bound.authenticate(&token, client.0, Utc::now()).await {
        Ok(Some(session)) => session.user,
        Ok(None) => return error(StatusCode::UNAUTHORIZED, "invalid_token"),
        Err(rejection) => return rejection.into_response(),
    };
    match config.sign_in(&user).await {
        Ok(signed_in) => {
            let body = json!({"token": signed_in.value, "record": user_json(&user)});
            no_store((signed_in, Json(body)).into_response())
        }
        Err(err) => AuthRejection::from_store(&err).into_response(),
    }
}
