//! [`AuthConfig`]: everything the extractor needs, held in the app state.

use std::fmt;
use std::sync::Arc;

use auth_adapter_core::{Adapter, SessionPolicy, cookies};

use crate::bound_tokens::{Bound, BoundTokens};
use crate::jwt::SessionJwt;
use crate::session_cache::SessionCache;

/// How Auth.js keeps its sessions (its `session.strategy` option).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Strategy {
    /// A session row per sign-in (Auth.js's default when it has an adapter): the cookie
    /// holds the session token, each request looks it up.
    #[default]
    Database,
    /// An encrypted JWT in the cookie (Auth.js's default without an adapter): no store is
    /// asked; the user comes from the token's claims.
    Jwt,
}

/// Why an [`AuthConfig`] could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// No secret: Auth.js's `AUTH_SECRET` keys the JWTs and the CSRF tokens.
    #[error("a secret is required (Auth.js's AUTH_SECRET)")]
    MissingSecret,
    /// A secret is empty.
    #[error("a secret is empty")]
    EmptySecret,
    /// The site URL is not an `http://` or `https://` URL.
    #[error("the site URL must start with http:// or https://")]
    SiteUrl,
    /// A cookie name holds a character a cookie name cannot hold.
    #[error("the cookie name may hold only visible ASCII other than ()<>@,;:\\\"/[]?={{}}")]
    CookieName,
}

/// The session settings of a service that accepts Auth.js sessions: the adapter (for the
/// database strategy), the [`SessionPolicy`], the secrets (`AUTH_SECRET`, first one
/// current, the others still accepted: rotation), the site URL (an `https://` site uses
/// the `__Secure-` cookie names and `Secure` cookies), and the [`Strategy`].
///
/// Cheap to clone. The extractor takes it from the app state with [`FromRef`], so a state
/// without it is a compile error, not a failure at run time:
///
/// ```
/// use std::sync::Arc;
/// use auth_adapter_axum::{AuthConfig, AuthSession};
/// use auth_adapter_core::MemoryAdapter;
/// use axum::extract::FromRef;
///
/// #[derive(Clone)]
/// struct AppState {
///     auth: AuthConfig,
///     // … your pools and clients
/// }
///
/// impl FromRef<AppState> for AuthConfig {
///     fn from_ref(state: &AppState) -> Self {
///         state.auth.clone()
///     }
/// }
///
/// async fn me(session: AuthSession) -> String {
///     session.user.email.unwrap_or_default()
/// }
///
/// let auth = AuthConfig::builder(Arc::new(MemoryAdapter::new()))
///     .secret("the AUTH_SECRET of the Auth.js app")
///     .site_url("https://app.example.com")
///     .build()?;
/// let app: axum::Router<()> = axum::Router::new()
///     .route("/me", axum::routing::get(me))
///     .layer(axum::middleware::from_fn(auth_adapter_axum::session_cookies))
///     .with_state(AppState { auth });
/// # Ok::<(), auth_adapter_axum::ConfigError>(())
/// ```
///
/// [`FromRef`]: axum::extract::FromRef
#[derive(Clone)]
pub struct AuthConfig {
    inner: Arc<Inner>,
}

struct Inner {
    adapter: Arc<dyn Adapter>,
    policy: SessionPolicy,
    strategy: Strategy,
    secure: bool,
    secrets: Vec<String>,
    cookie_name: Option<String>,
    /// `scheme://host[:port]` of the site URL, for the `Origin` check.
    origin: Option<String>,
    sign_in_url: Option<String>,
    legacy_session_body: bool,
    /// One codec per cookie name a v5 JWT may arrive in: the name is the key's salt.
    v5: Vec<(String, SessionJwt)>,
    v4: SessionJwt,
    bound_tokens: Option<Bound>,
    session_cache: Option<SessionCache>,
}

impl fmt::Debug for AuthConfig {
    // Never the secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthConfig")
            .field("adapter", &self.inner.adapter)
            .field("policy", &self.inner.policy)
            .field("strategy", &self.inner.strategy)
            .field("secure", &self.inner.secure)
            .field(
                "secrets",
                &format_args!("[{} redacted]", self.inner.secrets.len()),
            )
            .field("cookie_name", &self.inner.cookie_name)
            .field("bound_tokens", &self.inner.bound_tokens)
            .field("session_cache", &self.inner.session_cache)
            .finish()
    }
}

impl AuthConfig {
    /// Starts a configuration on `adapter` (the store of the database strategy; with the
    /// JWT strategy it is not asked on each request).
    pub fn builder(adapter: Arc<dyn Adapter>) -> AuthConfigBuilder {
        AuthConfigBuilder {
            adapter,
            policy: SessionPolicy::default(),
            strategy: Strategy::Database,
            site_url: None,
            secrets: Vec::new(),
            cookie_name: None,
            sign_in_url: None,
            legacy_session_body: false,
            bound_tokens: None,
            session_cache: None,
        }
    }

    /// The in-process session cache, when
    /// [`session_cache`](AuthConfigBuilder::session_cache) was set.
    pub(crate) fn session_cache(&self) -> Option<&SessionCache> {
        self.inner.session_cache.as_ref()
    }

    /// The bound-token settings, when [`bound_tokens`](AuthConfigBuilder::bound_tokens)
    /// were given.
    pub(crate) fn bound_tokens(&self) -> Option<&Bound> {
        self.inner.bound_tokens.as_ref()
    }

    /// The adapter.
    pub fn adapter(&self) -> &Arc<dyn Adapter> {
        &self.inner.adapter
    }

    /// The session policy (lifetime, extension).
    pub fn policy(&self) -> &SessionPolicy {
        &self.inner.policy
    }

    /// The session strategy.
    pub fn strategy(&self) -> Strategy {
        self.inner.strategy
    }

    /// Whether cookies are `Secure` with `__Secure-` names (an `https://` site).
    pub fn secure(&self) -> bool {
        self.inner.secure
    }

    /// The name this service writes the session cookie under: Auth.js v5's, or the one
    /// set with [`AuthConfigBuilder::cookie_name`].
    pub fn session_cookie_name(&self) -> &str {
        self.inner
            .cookie_name
            .as_deref()
            .unwrap_or_else(|| cookies::session_cookie_name(self.inner.secure))
    }

    /// The CSRF cookie's name: `__Host-authjs.csrf-token` on https, as Auth.js names it.
    pub fn csrf_cookie_name(&self) -> &'static str {
        if self.inner.secure {
            "__Host-authjs.csrf-token"
        } else {
            "authjs.csrf-token"
        }
    }

    /// The secret as Auth.js hashes it into CSRF tokens (its list joined with `,`).
    pub(crate) fn csrf_secret(&self) -> String {
        self.inner.secrets.join(",")
    }

    /// The site's origin (`https://app.example.com`), when a site URL was given.
    pub(crate) fn origin(&self) -> Option<&str> {
        self.inner.origin.as_deref()
    }

    /// Where [`require_auth`](crate::require_auth) sends a browser that is signed out.
    pub(crate) fn sign_in_url(&self) -> Option<&str> {
        self.inner.sign_in_url.as_deref()
    }

    /// Whether a signed-out `GET /session` answers `{}` (next-auth v4) instead of `null`.
    pub(crate) fn legacy_session_body(&self) -> bool {
        self.inner.legacy_session_body
    }

    /// Every cookie name a session is read from, in the order they are tried.
    pub(crate) fn read_names(&self) -> impl Iterator<Item = &str> {
        cookies::SESSION_COOKIE_NAMES
            .into_iter()
            .chain(self.inner.cookie_name.as_deref())
    }

    /// The codec for a JWT that came in cookie `name` (or as a bearer token: `None`).
    pub(crate) fn jwt_for(&self, name: Option<&str>) -> Option<&SessionJwt> {
        let name = name.unwrap_or_else(|| self.session_cookie_name());
        if name == cookies::LEGACY_SESSION_COOKIE || name == cookies::LEGACY_SECURE_SESSION_COOKIE {
            return Some(&self.inner.v4);
        }
        self.inner
            .v5
            .iter()
            .find(|(salt, _)| salt == name)
            .map(|(_, codec)| codec)
    }
}

/// Builds an [`AuthConfig`]; see [`AuthConfig::builder`].
#[derive(Debug)]
#[must_use]
pub struct AuthConfigBuilder {
    adapter: Arc<dyn Adapter>,
    policy: SessionPolicy,
    strategy: Strategy,
    site_url: Option<String>,
    secrets: Vec<String>,
    cookie_name: Option<String>,
    sign_in_url: Option<String>,
    legacy_session_body: bool,
    bound_tokens: Option<BoundTokens>,
    session_cache: Option<std::time::Duration>,
}

impl AuthConfigBuilder {
    /// Remember each database session read from the store for `ttl` in this process
    /// (default: off, every request asks the store, as Auth.js does).
    ///
    /// Within `ttl` of its read a session is served from memory: no round trip. The
    /// Auth.js rules still hold for what the cache holds (a session past its `expires`, or
    /// due for extension, goes to the store, which deletes or extends it), and a sign-out
    /// through this crate's routes forgets the session at once. What the cache cannot
    /// see is a change made elsewhere: a session deleted by the Auth.js app, another
    /// instance or a revocation in the store is still accepted by this instance until its
    /// entry ends. Pick `ttl` as the longest such delay you accept (a second or a few);
    /// [`Duration::ZERO`](std::time::Duration::ZERO) keeps the cache off. At most 10,000
    /// sessions are remembered per instance. Session JWTs and bound tokens are never
    /// cached.
    pub fn session_cache(mut self, ttl: std::time::Duration) -> Self {
        self.session_cache = (!ttl.is_zero()).then_some(ttl);
        self
    }

    /// Accept tokens bound to users (`Authorization: Bearer aa_…`) as a request's principal,
    /// and serve [`bound_token_routes`](crate::bound_token_routes) (default: off). The
    /// tokens are hashed with the first [`secret`](Self::secret).
    pub fn bound_tokens(mut self, tokens: BoundTokens) -> Self {
        self.bound_tokens = Some(tokens);
        self
    }

    /// The sign-in page a signed-out browser is redirected to by
    /// [`require_auth`](crate::require_auth), with `callbackUrl` set to the page it asked
    /// for (default: none, every signed-out request gets 401).
    pub fn sign_in_url(mut self, url: impl Into<String>) -> Self {
        self.sign_in_url = Some(url.into());
        self
    }

    /// Answer a signed-out `GET /session` with `{}`, as next-auth v4 does, instead of
    /// Auth.js v5's `null` (default `false`).
    pub fn legacy_session_body(mut self, on: bool) -> Self {
        self.legacy_session_body = on;
        self
    }

    /// The session lifetime and extension rule (Auth.js's `maxAge` and `updateAge`).
    pub fn policy(mut self, policy: SessionPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The session strategy (default [`Strategy::Database`]).
    pub fn strategy(mut self, strategy: Strategy) -> Self {
        self.strategy = strategy;
        self
    }

    /// Auth.js's `AUTH_SECRET` (required: it keys the session JWTs and the CSRF tokens, as
    /// in Auth.js). Call it again to add older
    /// secrets that are still accepted (Auth.js's `AUTH_SECRET_1`, …): the first encodes.
    pub fn secret(mut self, secret: impl Into<String>) -> Self {
        self.secrets.push(secret.into());
        self
    }

    /// The site's URL (Auth.js's `AUTH_URL`): `https://` makes cookies `Secure` with
    /// `__Secure-` names. Default: `http`, as Auth.js does without a URL.
    pub fn site_url(mut self, url: impl Into<String>) -> Self {
        self.site_url = Some(url.into());
        self
    }

    /// A session cookie name of your own (Auth.js's `cookies.sessionToken.name`): read
    /// after the Auth.js names, and the name this service writes.
    pub fn cookie_name(mut self, name: impl Into<String>) -> Self {
        self.cookie_name = Some(name.into());
        self
    }

    /// Checks the settings and derives the JWT keys once.
    pub fn build(self) -> Result<AuthConfig, ConfigError> {
        if self.secrets.iter().any(String::is_empty) {
            return Err(ConfigError::EmptySecret);
        }
        if self.secrets.is_empty() {
            return Err(ConfigError::MissingSecret);
        }
        let secure = match self.site_url.as_deref() {
            None => false,
            Some(url) if url.starts_with("https://") => true,
            Some(url) if url.starts_with("http://") => false,
            Some(_) => return Err(ConfigError::SiteUrl),
        };
        if let Some(name) = &self.cookie_name
            && !is_cookie_name(name)
        {
            return Err(ConfigError::CookieName);
        }
        let mut v5 = Vec::new();
        let names = [cookies::SECURE_SESSION_COOKIE, cookies::SESSION_COOKIE]
            .into_iter()
            .chain(self.cookie_name.as_deref());
        for name in names {
            let codec =
                SessionJwt::v5(&self.secrets, name).map_err(|_| ConfigError::MissingSecret)?;
            v5.push((name.to_owned(), codec));
        }
        let v4 = SessionJwt::v4(&self.secrets).map_err(|_| ConfigError::MissingSecret)?;
        let bound_tokens = match self.bound_tokens {
            Some(tokens) => Some(Bound::new(tokens, &self.secrets[0])?),
            None => None,
        };
        Ok(AuthConfig {
            inner: Arc::new(Inner {
                adapter: self.adapter,
                policy: self.policy,
                strategy: self.strategy,
                secure,
                secrets: self.secrets,
                cookie_name: self.cookie_name,
                origin: self.site_url.as_deref().map(origin_of),
                sign_in_url: self.sign_in_url,
                legacy_session_body: self.legacy_session_body,
                v5,
                v4,
                bound_tokens,
                session_cache: self.session_cache.map(SessionCache::new),
            }),
        })
    }
}

/// `scheme://authority` of an http(s) URL, lower-cased as browsers send `Origin`.
fn origin_of(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("http", url));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    format!("{scheme}://{authority}").to_ascii_lowercase()
}

/// RFC 6265's `token`: visible ASCII without separators.
fn is_cookie_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use auth_adapter_core::MemoryAdapter;

    fn builder() -> AuthConfigBuilder {
        AuthConfig::builder(Arc::new(MemoryAdapter::new()))
    }

    #[test]
    fn refuses_what_cannot_work() {
        let jwt = builder().strategy(Strategy::Jwt).build();
        assert!(matches!(jwt, Err(ConfigError::MissingSecret)));
        assert!(matches!(
            builder().secret("").build(),
            Err(ConfigError::EmptySecret)
        ));
        assert!(matches!(
            builder().secret("s").site_url("ftp://x").build(),
            Err(ConfigError::SiteUrl)
        ));
        assert!(matches!(
            builder().secret("s").cookie_name("a;b").build(),
            Err(ConfigError::CookieName)
        ));
        assert!(matches!(builder().build(), Err(ConfigError::MissingSecret)));
        assert!(builder().secret("s").build().is_ok());
    }

    #[test]
    fn https_means_secure_names_and_debug_hides_secrets() {
        let config = builder()
            .secret("s3cret-value")
            .site_url("https://app.example.com")
            .build()
            .unwrap();
        assert!(config.secure());
        assert_eq!(
            config.session_cookie_name(),
            "__Secure-authjs.session-token"
        );
        let debug = format!("{config:?}");
        assert!(!debug.contains("s3cret-value"), "{debug}");
        assert!(debug.contains("1 redacted"), "{debug}");
    }
}
