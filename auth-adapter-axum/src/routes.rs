//! Auth.js's session routes: `GET /session`, `GET /csrf`, `POST /signout`.

use auth_adapter_core::backend::dates;
use axum::Extension;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRef, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, EXPIRES, LOCATION, PRAGMA, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use percent_encoding::percent_decode_str;
use serde::Serialize;
use serde_json::{Value, json};

use crate::config::{AuthConfig, Strategy};
use crate::csrf;
use crate::extract::{AuthSession, CookieSlot, Session};
use crate::session_cookie;

/// The routes, to [`nest`](Router::nest) under any path: `GET /session`, `GET /csrf`,
/// `POST /signout`. [`auth_router`] mounts them at Auth.js's `/api/auth`.
///
/// - `GET /session` answers as Auth.js does: `{"user": {"name", "email", "image"},
///   "expires"}` when signed in, `null` when not (`{}` with
///   [`legacy_session_body`](crate::AuthConfigBuilder::legacy_session_body)), never cached,
///   and slides the session cookie (with the [`session_cookies`](crate::session_cookies)
///   middleware).
/// - `GET /csrf` answers `{"csrfToken"}` and sets Auth.js's double-submit cookie
///   (`token|hash`, hash = SHA-256 of token and secret), reusing a valid one.
/// - `POST /signout` deletes the database session, clears every session cookie name and
///   chunk, and answers `{"url"}` (JSON clients, or `X-Auth-Return-Redirect: 1`) or a 302
///   to a same-site `callbackUrl`. It is refused (403) from another site: a form must carry
///   the `csrfToken` of the CSRF cookie (Auth.js's forms do); a JSON request must come from
///   the site itself (`Origin` of the site URL, or `Sec-Fetch-Site: same-origin`), so a
///   page's plain `fetch(…, {credentials: "include"})` works.
pub fn auth_routes<S>() -> Router<S>
where
    AuthConfig: FromRef<S>,
    S: Clone + Send + Sync + 'static,
{
    Router::new()
        .route("/session", get(session))
        .route("/csrf", get(csrf_token))
        .route("/signout", post(sign_out))
}

/// [`auth_routes`] at `/api/auth`, to [`merge`](Router::merge) into an app.
pub fn auth_router<S>() -> Router<S>
where
    AuthConfig: FromRef<S>,
    S: Clone + Send + Sync + 'static,
{
    Router::new().nest("/api/auth", auth_routes())
}

/// Auth.js's headers for answers that must never be cached.
pub(crate) fn no_store(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache, no-store"),
    );
    headers.insert(EXPIRES, HeaderValue::from_static("0"));
    headers.insert(PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// Auth.js's `GET /session` body for a signed-in request.
#[derive(Serialize)]
struct SessionBody<'a> {
    user: UserBody<'a>,
    expires: String,
}

#[derive(Serialize)]
struct UserBody<'a> {
    name: Option<&'a str>,
    email: Option<&'a str>,
    image: Option<&'a str>,
}

async fn session(State(config): State<AuthConfig>, session: Option<AuthSession>) -> Response {
    let response = match &session {
        // Serialized from borrowed fields: this answers every page load of a signed-in app.
        Some(AuthSession { user, session }) => Json(SessionBody {
            user: UserBody {
                name: user.name.as_deref(),
                email: user.email.as_deref(),
                image: user.image.as_deref(),
            },
            expires: dates::to_iso(&session.expires()),
        })
        .into_response(),
        None if config.legacy_session_body() => Json(json!({})).into_response(),
        None => Json(Value::Null).into_response(),
    };
    no_store(response)
}

pub(crate) async fn csrf_token(State(config): State<AuthConfig>, headers: HeaderMap) -> Response {
    let secret = config.csrf_secret();
    let name = config.csrf_cookie_name();
    let existing = csrf::from_cookie(&headers, name, &secret);
    let token = existing.clone().unwrap_or_else(csrf::new_token);
    let mut response = no_store(Json(json!({"csrfToken": token})).into_response());
    if existing.is_none() {
        response.headers_mut().append(
            SET_COOKIE,
            csrf::cookie(name, &token, &secret, config.secure()),
        );
    }
    response
}

/// A form body's fields, decoded.
pub(crate) fn form_fields(body: &[u8]) -> Vec<(String, String)> {
    String::from_utf8_lossy(body)
        .split('&')
        .filter_map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |s: &str| {
                percent_decode_str(&s.replace('+', " "))
                    .decode_utf8()
                    .ok()
                    .map(|v| v.into_owned())
            };
            Some((decode(name)?, decode(value)?))
        })
        .collect()
}

pub(crate) fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

/// Where to send the client after signing out or in: a same-site `callbackUrl`, else `/`.
pub(crate) fn callback_url(config: &AuthConfig, requested: Option<&str>) -> String {
    let fallback = config
        .origin()
        .map_or_else(|| "/".to_owned(), |o| format!("{o}/"));
    let Some(url) = requested.filter(|u| !u.is_empty()) else {
        return fallback;
    };
    if url.starts_with('/') && !url.starts_with("//") && !url.starts_with("/\\") {
        return url.to_owned();
    }
    match config.origin() {
        Some(origin)
            if url.to_ascii_lowercase() == origin
                || url
                    .to_ascii_lowercase()
                    .strip_prefix(origin)
                    .is_some_and(|rest| rest.starts_with(['/', '?', '#'])) =>
        {
            url.to_owned()
        }
        _ => fallback,
    }
}

pub(crate) async fn sign_out(
    State(config): State<AuthConfig>,
    headers: HeaderMap,
    slot: Option<Extension<CookieSlot>>,
    session: Option<AuthSession>,
    body: Bytes,
) -> Response {
    let form = is_form(&headers);
    let fields = if form { form_fields(&body) } else { Vec::new() };
    let field = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let allowed = if form {
        csrf::verify(&headers, &config, field("csrfToken"))
    } else {
        csrf::same_site(&headers, &config)
    };
    if !allowed {
        return (StatusCode::FORBIDDEN, Json(json!({"error": "csrf"}))).into_response();
    }
    let cleared = match end_session(&config, &headers, session.as_ref()).await {
        Ok(cleared) => cleared,
        Err(rejection) => return rejection.into_response(),
    };
    let url = callback_url(&config, field("callbackUrl"));
    let json_answer = !form
        || headers
            .get("x-auth-return-redirect")
            .is_some_and(|v| v.as_bytes() == b"1");
    let mut response = if json_answer {
        Json(json!({"url": url})).into_response()
    } else {
        // A URL that cannot be a header value (control characters) goes home instead.
        let location = HeaderValue::from_str(&url).unwrap_or(HeaderValue::from_static("/"));
        let mut r = StatusCode::FOUND.into_response();
        r.headers_mut().insert(LOCATION, location);
        r
    };
    put_cookies(&mut response, slot, cleared);
    no_store(response)
}

/// Ends the request's session: deletes its row (database strategy) and returns the
/// `Set-Cookie` values that clear every session cookie name and chunk the request held.
pub(crate) async fn end_session(
    config: &AuthConfig,
    headers: &HeaderMap,
    session: Option<&AuthSession>,
) -> Result<Vec<HeaderValue>, crate::AuthRejection> {
    if let Some(AuthSession {
        session: Session::Database(row),
        ..
    }) = session
        && config.strategy() == Strategy::Database
    {
        if let Some(cache) = config.session_cache() {
            cache.forget(&row.session_token);
        }
        config
            .adapter()
            .delete_session(&row.session_token)
            .await
            .map_err(|err| crate::AuthRejection::from_store(&err))?;
    }
    let cookies = session_cookie::RequestCookies::parse(headers);
    Ok(session_cookie::clear(
        &cookies,
        config.read_names(),
        config.secure(),
    ))
}

/// Puts `cookies` on the response: through the [`session_cookies`](crate::session_cookies)
/// middleware's slot when it runs (replacing the refreshed cookie that reading the session
/// queued), else straight on the response.
pub(crate) fn put_cookies(
    response: &mut Response,
    slot: Option<Extension<CookieSlot>>,
    cookies: Vec<HeaderValue>,
) {
    match slot {
        Some(Extension(slot)) => slot.replace(cookies),
        None => {
            for cookie in cookies {
                response.headers_mut().append(SET_COOKIE, cookie);
            }
        }
    }
}
