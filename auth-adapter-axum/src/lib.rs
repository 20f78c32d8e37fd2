//! Auth.js (next-auth) sessions for Rust web services.
//!
//! A Rust service beside an Auth.js app serves the same signed-in users: database sessions
//! through an [`auth-adapter`](https://docs.rs/auth-adapter) backend, and JWT sessions
//! through [`jwt`], which reads and writes the session cookies of Auth.js v5
//! (`@auth/core`) and next-auth v4 byte-compatibly, with pure-Rust cryptography.
//!
//! In axum: put an [`AuthConfig`] in the app state (through [`FromRef`]), the
//! [`session_cookies`] middleware on the router, and take [`AuthSession`] (or
//! `Option<AuthSession>`) in a handler:
//!
//! ```
//! use std::sync::Arc;
//! use auth_adapter_axum::{AuthConfig, AuthSession, Strategy, session_cookies};
//! use auth_adapter_core::MemoryAdapter;
//! use axum::{Json, Router, middleware, routing::get};
//!
//! async fn me(session: AuthSession) -> Json<serde_json::Value> {
//!     Json(serde_json::json!({ "id": session.user.id, "email": session.user.email }))
//! }
//!
//! # fn app() -> Result<Router, auth_adapter_axum::ConfigError> {
//! let auth = AuthConfig::builder(Arc::new(MemoryAdapter::new())) // your backend here
//!     .strategy(Strategy::Database) // Auth.js's default with an adapter
//!     .secret("the AUTH_SECRET of the Auth.js app")
//!     .site_url("https://app.example.com") // https: `__Secure-` cookies
//!     .build()?;
//! let app = Router::new()
//!     .route("/api/me", get(me))
//!     .layer(middleware::from_fn(session_cookies))
//!     .with_state(auth);
//! # Ok(app) }
//! ```
//!
//! The [`jwt`] module is framework-free: it reads and writes the session JWTs of both
//! Auth.js generations.
//!
//! ```
//! use auth_adapter_axum::jwt::{Claims, DEFAULT_MAX_AGE, SessionJwt};
//! use chrono::{TimeDelta, Utc};
//!
//! // The same AUTH_SECRET as the Auth.js app; the salt is the session cookie's name.
//! let jwt = SessionJwt::v5(["the AUTH_SECRET of the Auth.js app"], "authjs.session-token")?;
//!
//! // Sign a user in: Auth.js reads this cookie value as its own.
//! let claims = Claims::for_user("user-1", Some("Ada".into()), Some("ada@example.com".into()), None);
//! let cookie_value = jwt.encode(&claims, DEFAULT_MAX_AGE, Utc::now())?;
//!
//! // Every request: decode; on a session read, re-issue so the expiry slides.
//! let session = jwt.decode(&cookie_value, Utc::now())?;
//! assert_eq!(session.name.as_deref(), Some("Ada"));
//! let _refreshed = jwt.encode(&session, DEFAULT_MAX_AGE, Utc::now())?;
//!
//! // Past its expiry (plus 15 s of clock tolerance) the token means "signed out".
//! let later = Utc::now() + DEFAULT_MAX_AGE + TimeDelta::seconds(16);
//! assert!(jwt.decode(&cookie_value, later).is_err());
//! # Ok::<(), auth_adapter_axum::jwt::JwtError>(())
//! ```

#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod bound_tokens;
mod client;
mod config;
mod csrf;
mod expiring;
mod extract;
mod guard;
pub mod jwt;
#[cfg(feature = "passwordless")]
mod passwordless;
mod rejection;
mod routes;
mod session_cache;
mod session_cookie;
mod sign_in;

pub use bound_tokens::{BoundTokens, bound_token_router, bound_token_routes};
pub use client::ClientIp;
pub use config::{AuthConfig, AuthConfigBuilder, ConfigError, Strategy};
pub use extract::{AuthSession, Session, session_cookies};
pub use guard::require_auth;
#[cfg(feature = "passwordless")]
#[cfg_attr(docsrs, doc(cfg(feature = "passwordless")))]
pub use passwordless::{passwordless_router, passwordless_routes};
pub use rejection::AuthRejection;
pub use routes::{auth_router, auth_routes};
pub use sign_in::SignedIn;

/// Re-exported for app states that hold an [`AuthConfig`].
pub use axum::extract::FromRef;
