//! [`AuthSession`]: the signed-in user of a request, read the way Auth.js reads it.

use std::borrow::Cow;
use std::sync::{Arc, Mutex, PoisonError};

use auth_adapter_core::backend::dates;
use auth_adapter_core::{AdapterSession, AdapterUser, SessionCheck, TokenBinding};
use axum::extract::{FromRef, FromRequestParts, OptionalFromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header::SET_COOKIE};
use axum::middleware::Next;
use axum::response::Response;
use chrono::{DateTime, Utc};

use crate::config::{AuthConfig, Strategy};
use crate::jwt::Claims;
use crate::rejection::AuthRejection;
use crate::session_cookie::{self, Presented, RequestCookies, Source};

/// The session of a signed-in request, and its user.
///
/// As an extractor it answers 401 when the request is signed out (see [`AuthRejection`]);
/// `Option<AuthSession>` answers `None` instead and fails only when the store does. Where
/// the session comes from, in this order: the cookies `__Secure-authjs.session-token`,
/// `authjs.session-token`, `__Secure-next-auth.session-token`, `next-auth.session-token`
/// (each whole or in chunks `.0`, `.1`, …), the name set with
/// [`cookie_name`](crate::AuthConfigBuilder::cookie_name), then `Authorization: Bearer`.
///
/// **Database strategy**: the token is looked up in one round trip and Auth.js's rules
/// apply: an expired session is deleted and its cookie cleared, a session due for
/// extension is extended. **JWT strategy**: the token is decrypted (Auth.js v5 or next-auth
/// v4, by the cookie's name), and re-issued with a new expiry. Either way the cookie is
/// sent again with the session's expiry, so it slides as Auth.js's does; that needs the
/// [`session_cookies`] middleware on the router, which adds the `Set-Cookie` headers to
/// the response (without it the extractor works, but no cookie is refreshed or cleared).
#[derive(Debug, Clone)]
pub struct AuthSession {
    /// The signed-in user. With the JWT strategy it is built from the token's claims
    /// (`sub`, `name`, `email`, `picture`); `email_verified` is then unknown (`None`).
    pub user: AdapterUser,
    /// The session itself.
    pub session: Session,
}

/// A session, as the strategy keeps it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Session {
    /// A session row (database strategy), as extended by this read.
    Database(AdapterSession),
    /// The claims of the session JWT, as re-issued by this read.
    Jwt(Claims),
    /// A token bound to the user (`Authorization: Bearer`, see
    /// [`BoundTokens`](crate::BoundTokens)): the request's principal, no session row.
    Token(TokenBinding),
}

impl Session {
    /// When the session ends.
    pub fn expires(&self) -> DateTime<Utc> {
        match self {
            Session::Database(session) => session.expires,
            Session::Jwt(claims) => claims.expires_at().unwrap_or(DateTime::UNIX_EPOCH),
            Session::Token(binding) => binding.expires.unwrap_or(dates::MAX),
        }
    }
}

impl AuthSession {
    /// The scopes the request may use: those of its bound token, or `None` for a session
    /// (a signed-in user, with no scope limit).
    pub fn scopes(&self) -> Option<&[String]> {
        match &self.session {
            Session::Token(binding) => Some(&binding.scopes),
            _ => None,
        }
    }

    /// Whether the request may use `scope`: always with a session, with a bound token when
    /// the token holds it.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes()
            .is_none_or(|scopes| scopes.iter().any(|s| s == scope))
    }
}

/// The `Set-Cookie` headers the extractor wants on the response, shared with the
/// [`session_cookies`] middleware through the request's extensions.
#[derive(Debug, Clone, Default)]
pub(crate) struct CookieSlot(Arc<Mutex<Vec<HeaderValue>>>);

impl CookieSlot {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<HeaderValue>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Puts `cookies` on the response instead of what was queued (signing out).
    pub(crate) fn replace(&self, cookies: Vec<HeaderValue>) {
        *self.lock() = cookies;
    }
}

/// What the first extraction of a request found, for the next ones.
#[derive(Debug, Clone)]
struct Resolved(Result<Option<AuthSession>, AuthRejection>);

/// Middleware that puts on each response the session cookies [`AuthSession`] set or
/// cleared while reading the request: add it to every router that extracts sessions.
///
/// ```
/// # let router: axum::Router = axum::Router::new();
/// let router = router.layer(axum::middleware::from_fn(auth_adapter_axum::session_cookies));
/// ```
pub async fn session_cookies(mut request: Request, next: Next) -> Response {
    let slot = CookieSlot::default();
    request.extensions_mut().insert(slot.clone());
    let mut response = next.run(request).await;
    let cookies = std::mem::take(&mut *slot.lock());
    for cookie in cookies {
        response.headers_mut().append(SET_COOKIE, cookie);
    }
    response
}

impl<S> OptionalFromRequestParts<S> for AuthSession
where
    AuthConfig: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AuthRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        if let Some(Resolved(found)) = parts.extensions.get::<Resolved>() {
            return found.clone();
        }
        let config = AuthConfig::from_ref(state);
        let (found, cookies) = resolve(parts, &config, Utc::now()).await;
        if let Some(slot) = parts.extensions.get::<CookieSlot>() {
            slot.lock().extend(cookies);
        }
        parts.extensions.insert(Resolved(found.clone()));
        found
    }
}

impl<S> FromRequestParts<S> for AuthSession
where
    AuthConfig: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let bearer = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .is_some_and(|v| v.as_bytes().starts_with(b"Bearer "));
        <AuthSession as OptionalFromRequestParts<S>>::from_request_parts(parts, state)
            .await?
            .ok_or(AuthRejection::Unauthenticated { bearer })
    }
}

/// Reads the request's session: the session (or `None` when signed out) and the cookies
/// to send back.
async fn resolve(
    parts: &Parts,
    config: &AuthConfig,
    now: DateTime<Utc>,
) -> (Result<Option<AuthSession>, AuthRejection>, Vec<HeaderValue>) {
    let cookies = RequestCookies::parse(&parts.headers);
    let Some(presented) = session_cookie::find(&cookies, &parts.headers, config.read_names())
    else {
        return (Ok(None), Vec::new());
    };
    if presented.source == Source::Bearer
        && let Some(bound) = config.bound_tokens()
        && let Ok(token) = bound.accept(&presented.token)
    {
        let ip = crate::client::ip_of(parts);
        return (bound.authenticate(&token, ip, now).await, Vec::new());
    }
    let found = match config.strategy() {
        Strategy::Jwt => Ok(from_jwt(config, &presented, now)),
        _ => from_database(config, &presented, now).await,
    };
    let cookies = match (&found, &presented.source) {
        (Ok(Some(session)), Source::Cookie(name)) => {
            let value: Option<Cow<'_, str>> = match &session.session {
                Session::Database(row) => Some(Cow::Borrowed(&row.session_token)),
                Session::Jwt(claims) => config
                    .jwt_for(Some(name))
                    .and_then(|codec| codec.encode(claims, config.policy().max_age, now).ok())
                    .map(Cow::Owned),
                Session::Token(_) => None,
            };
            match value {
                Some(value) => session_cookie::write(
                    &cookies,
                    name,
                    &value,
                    session.session.expires(),
                    config.secure() || name.starts_with("__Secure-"),
                ),
                None => Vec::new(),
            }
        }
        (Ok(None), Source::Cookie(name)) => {
            session_cookie::clear(&cookies, [name.as_str()], config.secure())
        }
        _ => Vec::new(),
    };
    (found, cookies)
}

async fn from_database(
    config: &AuthConfig,
    presented: &Presented,
    now: DateTime<Utc>,
) -> Result<Option<AuthSession>, AuthRejection> {
    let cache = config.session_cache();
    if let Some((session, user)) = cache.and_then(|c| c.get(&presented.token))
        && config.policy().check(session.expires, now) == SessionCheck::Valid
    {
        return Ok(Some(AuthSession {
            user,
            session: Session::Database(session),
        }));
    }
    let resolved = config
        .policy()
        .resolve(config.adapter().as_ref(), &presented.token, now)
        .await
        .map_err(|err| AuthRejection::from_store(&err))?;
    if let Some(cache) = cache {
        match &resolved {
            Some((session, user)) => cache.put(session, user),
            None => cache.forget(&presented.token),
        }
    }
    Ok(resolved.map(|(session, user)| AuthSession {
        user,
        session: Session::Database(session),
    }))
}

fn from_jwt(config: &AuthConfig, presented: &Presented, now: DateTime<Utc>) -> Option<AuthSession> {
    let name = match &presented.source {
        Source::Cookie(name) => Some(name.as_str()),
        Source::Bearer => None,
    };
    let mut claims = config.jwt_for(name)?.decode(&presented.token, now).ok()?;
    let id = claims.sub.clone()?;
    // The read re-issues the token: its expiry slides to now + max age.
    claims.iat = Some(now.timestamp());
    claims.exp = Some((now + config.policy().max_age).timestamp());
    let user = AdapterUser {
        id,
        name: claims.name.clone(),
        email: claims.email.clone(),
        email_verified: None,
        image: claims.picture.clone(),
    };
    Some(AuthSession {
        user,
        session: Session::Jwt(claims),
    })
}
