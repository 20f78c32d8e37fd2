//! The passwordless sign-in routes (feature `passwordless`): FutureAuth's six routes and
//! Auth.js's email callback, on an [`auth_adapter_passwordless::Passwordless`] service.

mod answer;
mod body;
mod confirm;

use auth_adapter_passwordless::{Passwordless, SignedIn as Verified};
use axum::Extension;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRef, State};
use axum::http::header::LOCATION;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;

use crate::client::FromRequest;
use crate::config::{AuthConfig, Strategy};
use crate::extract::{AuthSession, CookieSlot};
use crate::routes::{self, no_store};
use crate::{SignedIn, csrf};
pub(crate) use answer::sign_in_error;
use answer::{bad_request, forbidden};
use body::SessionBody;

/// The passwordless routes, to [`nest`](Router::nest) under the path the service's links
/// point at (its [`base_path`](auth_adapter_passwordless::PasswordlessBuilder::base_path));
/// [`passwordless_router`] mounts them at `/api/auth`. They include Auth.js's session
/// routes, so an app merges this router **instead of** [`auth_router`](crate::auth_router):
///
/// | route | body (JSON) | answer |
/// |---|---|---|
/// | `POST /send-magic-link` | `{email, callbackUrl?}` | `{"ok": true}`, the same for known and unknown addresses |
/// | `POST /verify-magic-link` | `{email, token}` | the session body below, and the session cookie |
/// | `POST /send-otp` | `{email}` or `{phone}` | `{"ok": true}` |
/// | `POST /verify-otp` | `{email}` or `{phone}`, and `code` | the session body, and the session cookie |
/// | `GET /session` | — | the session body, or `null` when signed out (Auth.js's answer) |
/// | `POST /sign-out` | — | `{"ok": true}`, the session deleted and its cookies cleared |
/// | `GET /callback/email` | Auth.js's link: `?callbackUrl&token&email` | a page with a button that POSTs the link |
/// | `POST /callback/email` | that page's form | a 302 to `callbackUrl` with the session cookie |
/// | `GET /csrf`, `POST /signout` | | Auth.js's, as in [`auth_routes`](crate::auth_routes) |
///
/// **The session body** is one shape that both kinds of client read: Auth.js's
/// `{"user": {"name", "email", "image"}, "expires"}` (what `useSession` and
/// `getSession` read), with the user's `id` and `emailVerified` added, and FutureAuth's
/// `"session": {"expires_at"}` beside it. Signed out, `GET /session` answers Auth.js's
/// `null` (status 200), so a FutureAuth-style client checks for `null` rather than a 401.
///
/// **Errors** are JSON `{"error": code, "message": text}`: 400 for what the client sent
/// (`invalid_request`, `invalid_email`, `invalid_phone`, `invalid_code`, `invalid_link`,
/// `expired`), 403 `csrf`, 429 `too_many_attempts` / `rate_limited` with `Retry-After`,
/// 503 `unavailable` with `Retry-After` (the store or the sender failed for now), 500
/// `internal`. No answer carries a code, a token or a driver's message.
///
/// **Cross-site requests.** Every `POST` must come from the site itself (`Origin` equal to
/// the site URL's, or `Sec-Fetch-Site: same-origin`), so a page's plain
/// `fetch(…, {credentials: "include"})` works, or carry the `csrfToken` of
/// [`GET /csrf`](crate::auth_routes) in its body (what a client without `Origin`, such as a
/// mobile app or a script, does).
///
/// **Mail scanners** open links to check them; a `GET` of the link therefore signs no one
/// in: it shows a page whose button POSTs the link (with a CSRF token), and only that
/// POST uses the token. The page sends `Referrer-Policy: no-referrer` and is never cached.
///
/// **The session** is a database session (an Auth.js session row) with
/// [`Strategy::Database`]; with [`Strategy::Jwt`] the verify routes set an Auth.js session
/// JWT instead (the row the service made is deleted). The client's IP address for the
/// limits comes from [`ClientIp`](crate::ClientIp) in the request's extensions when a middleware of yours
/// put it there (behind a proxy you trust), else from the connection (serve the app with
/// `into_make_service_with_connect_info::<SocketAddr>()`); without either, every client
/// shares one per-address bucket.
pub fn passwordless_routes<S>() -> Router<S>
where
    AuthConfig: FromRef<S>,
    Passwordless: FromRef<S>,
    S: Clone + Send + Sync + 'static,
{
    Router::new()
        .route("/session", get(session))
        .route("/csrf", get(routes::csrf_token))
        .route("/signout", post(routes::sign_out))
        .route("/sign-out", post(sign_out))
        .route("/send-magic-link", post(send_magic_link))
        .route("/verify-magic-link", post(verify_magic_link))
        .route("/send-otp", post(send_otp))
        .route("/verify-otp", post(verify_otp))
        .route(
            "/callback/email",
            get(confirm::page).post(confirm_magic_link),
        )
}

/// [`passwordless_routes`] at `/api/auth` (where Auth.js serves its routes, and where the
/// service's links point by default), to [`merge`](Router::merge) into an app.
///
/// ```
/// use std::sync::Arc;
/// use auth_adapter_axum::{AuthConfig, FromRef, passwordless_router, session_cookies};
/// use auth_adapter_core::MemoryAdapter;
/// use auth_adapter_passwordless::{Passwordless, Sender};
/// use axum::{Router, middleware};
///
/// #[derive(Clone)]
/// struct App {
///     auth: AuthConfig,
///     passwordless: Passwordless,
/// }
///
/// // (`#[derive(FromRef)]` with axum's `macros` feature writes these two.)
/// impl FromRef<App> for AuthConfig {
///     fn from_ref(app: &App) -> Self { app.auth.clone() }
/// }
/// impl FromRef<App> for Passwordless {
///     fn from_ref(app: &App) -> Self { app.passwordless.clone() }
/// }
///
/// # fn sender() -> Arc<dyn Sender> { unimplemented!() }
/// # fn app() -> Result<Router, Box<dyn std::error::Error>> {
/// let store = Arc::new(MemoryAdapter::new()); // your backend here
/// let secret = "the AUTH_SECRET of the Auth.js app";
/// let state = App {
///     auth: AuthConfig::builder(store.clone())
///         .secret(secret)
///         .site_url("https://app.example.com")
///         .build()?,
///     passwordless: Passwordless::builder(store.clone(), store, sender())
///         .secret(secret)
///         .site_url("https://app.example.com")
///         .build()?,
/// };
/// let app: Router = Router::new()
///     .merge(passwordless_router())
///     .layer(middleware::from_fn(session_cookies))
///     .with_state(state);
/// # Ok(app) }
/// ```
pub fn passwordless_router<S>() -> Router<S>
where
    AuthConfig: FromRef<S>,
    Passwordless: FromRef<S>,
    S: Clone + Send + Sync + 'static,
{
    Router::new().nest("/api/auth", passwordless_routes())
}

/// The service's [`Client`](auth_adapter_passwordless::Client) of a request.
struct Client(auth_adapter_passwordless::Client);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        let FromRequest(ip, agent) = FromRequest::from_request_parts(parts, state).await?;
        let mut client = auth_adapter_passwordless::Client::new(ip);
        if let Some(agent) = agent {
            client = client.user_agent(agent);
        }
        Ok(Client(client))
    }
}

/// Refuses a POST that neither comes from the site itself nor carries the CSRF token.
fn cross_site(config: &AuthConfig, headers: &HeaderMap, csrf_token: Option<&str>) -> bool {
    !(csrf::same_site(headers, config) || csrf::verify(headers, config, csrf_token))
}

/// `{"ok": true}`, never cached.
fn ok() -> Response {
    no_store(axum::Json(json!({"ok": true})).into_response())
}

async fn session(State(config): State<AuthConfig>, session: Option<AuthSession>) -> Response {
    let _ = config;
    match &session {
        Some(s) => no_store(SessionBody::of(&s.user, s.session.expires()).into_response()),
        None => no_store(axum::Json(serde_json::Value::Null).into_response()),
    }
}

async fn sign_out(
    State(config): State<AuthConfig>,
    headers: HeaderMap,
    slot: Option<Extension<CookieSlot>>,
    session: Option<AuthSession>,
    bytes: Bytes,
) -> Response {
    let posted: body::CsrfOnly = body::parse_or_empty(&bytes);
    if cross_site(&config, &headers, posted.csrf_token.as_deref()) {
        return forbidden();
    }
    let cleared = match routes::end_session(&config, &headers, session.as_ref()).await {
        Ok(cleared) => cleared,
        Err(rejection) => return rejection.into_response(),
    };
    let mut response = ok();
    routes::put_cookies(&mut response, slot, cleared);
    response
}

async fn send_magic_link(
    State(config): State<AuthConfig>,
    State(service): State<Passwordless>,
    headers: HeaderMap,
    client: Client,
    bytes: Bytes,
) -> Response {
    let posted: body::SendMagicLink = match body::parse(&bytes) {
        Ok(posted) => posted,
        Err(invalid) => return invalid.into_response(),
    };
    if cross_site(&config, &headers, posted.csrf_token.as_deref()) {
        return forbidden();
    }
    match service
        .send_magic_link(&posted.email, posted.callback_url.as_deref(), &client.0)
        .await
    {
        Ok(_) => ok(),
        Err(err) => sign_in_error(&err),
    }
}

async fn send_otp(
    State(config): State<AuthConfig>,
    State(service): State<Passwordless>,
    headers: HeaderMap,
    client: Client,
    bytes: Bytes,
) -> Response {
    let posted: body::SendOtp = match body::parse(&bytes) {
        Ok(posted) => posted,
        Err(invalid) => return invalid.into_response(),
    };
    if cross_site(&config, &headers, posted.csrf_token.as_deref()) {
        return forbidden();
    }
    let Some((channel, to)) = posted.to.channel() else {
        return bad_request("invalid_request", "email or phone is required");
    };
    match service.send_otp(channel, to, &client.0).await {
        Ok(_) => ok(),
        Err(err) => sign_in_error(&err),
    }
}

async fn verify_magic_link(
    State(config): State<AuthConfig>,
    State(service): State<Passwordless>,
    headers: HeaderMap,
    client: Client,
    bytes: Bytes,
) -> Response {
    let posted: body::VerifyMagicLink = match body::parse(&bytes) {
        Ok(posted) => posted,
        Err(invalid) => return invalid.into_response(),
    };
    if cross_site(&config, &headers, posted.csrf_token.as_deref()) {
        return forbidden();
    }
    let verified = service
        .verify_magic_link(&posted.email, &posted.token, &client.0)
        .await;
    signed_in_answer(&config, &service, verified).await
}

async fn verify_otp(
    State(config): State<AuthConfig>,
    State(service): State<Passwordless>,
    headers: HeaderMap,
    client: Client,
    bytes: Bytes,
) -> Response {
    let posted: body::VerifyOtp = match body::parse(&bytes) {
        Ok(posted) => posted,
        Err(invalid) => return invalid.into_response(),
    };
    if cross_site(&config, &headers, posted.csrf_token.as_deref()) {
        return forbidden();
    }
    let Some((channel, to)) = posted.to.channel() else {
        return bad_request("invalid_request", "email or phone is required");
    };
    let verified = service
        .verify_otp(channel, to, &posted.code, &client.0)
        .await;
    signed_in_answer(&config, &service, verified).await
}

/// The session cookie for a verified sign-in: the service's session row (database
/// strategy), or a session JWT in its place (JWT strategy).
async fn session_for(
    config: &AuthConfig,
    service: &Passwordless,
    verified: &Verified,
) -> Result<SignedIn, Response> {
    if config.strategy() != Strategy::Jwt {
        return Ok(config.signed_in_with(verified.session.clone()));
    }
    // The JWT is the session: the row the service made would only linger until it expires.
    if let Err(err) = service
        .revoke_session(&verified.session.session_token)
        .await
    {
        return Err(sign_in_error(&err));
    }
    config
        .sign_in(&verified.user)
        .await
        .map_err(|err| crate::AuthRejection::from_store(&err).into_response())
}

async fn signed_in_answer(
    config: &AuthConfig,
    service: &Passwordless,
    verified: Result<Verified, auth_adapter_passwordless::SignInError>,
) -> Response {
    let verified = match verified {
        Ok(verified) => verified,
        Err(err) => return sign_in_error(&err),
    };
    match session_for(config, service, &verified).await {
        Ok(signed_in) => {
            let body = SessionBody::of(&verified.user, signed_in.session.expires());
            no_store((signed_in, body).into_response())
        }
        Err(response) => response,
    }
}

/// `POST /callback/email`: the confirm page's form.
async fn confirm_magic_link(
    State(config): State<AuthConfig>,
    State(service): State<Passwordless>,
    headers: HeaderMap,
    client: Client,
    bytes: Bytes,
) -> Response {
    let fields = routes::form_fields(&bytes);
    let field = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    if !routes::is_form(&headers) || cross_site(&config, &headers, field("csrfToken")) {
        return confirm::failed(
            StatusCode::FORBIDDEN,
            "This request did not come from the sign-in page.",
        );
    }
    let (Some(email), Some(token)) = (field("email"), field("token")) else {
        return confirm::failed(StatusCode::BAD_REQUEST, "The sign-in link is incomplete.");
    };
    let verified = match service.verify_magic_link(email, token, &client.0).await {
        Ok(verified) => verified,
        Err(err) => return confirm::from_error(&err),
    };
    match session_for(&config, &service, &verified).await {
        Ok(signed_in) => {
            let url = routes::callback_url(&config, field("callbackUrl"));
            let location = HeaderValue::from_str(&url).unwrap_or(HeaderValue::from_static("/"));
            no_store((StatusCode::FOUND, signed_in, [(LOCATION, location)]).into_response())
        }
        Err(response) => response,
    }
}
