//! A passwordless sign-in server with its own page: enter an email address or a phone
//! number, get a code (or a link), sign in, see who you are, sign out.
//!
//! `cargo run -p passwordless` keeps its data in `auth.db` (SQLite, `@auth/drizzle-adapter`'s
//! tables) in the working directory; `DATABASE_URL=postgres://…` (`@auth/pg-adapter`'s
//! tables) or `REDIS_URL=redis://…` (`@auth/unstorage-adapter`'s keys) use those instead.
//! The development sender prints each code and link in the terminal (or appends them to
//! the file `DEV_OUTBOX` names). Settings, with Auth.js's names: `AUTH_SECRET`, `AUTH_URL`,
//! `PORT`; see [`settings`].
//!
//! The routes: the page at `/`, `GET /api/me` (the signed-in user, 401 when signed out),
//! and [`passwordless_router`]'s under `/api/auth`.

pub mod server;
pub mod settings;
pub mod store;

use std::fs::OpenOptions;
use std::sync::Arc;

use auth_adapter::axum::{AuthConfig, AuthSession, FromRef, passwordless_router, session_cookies};
use auth_adapter::passwordless::senders::DevSender;
use auth_adapter::passwordless::{Passwordless, Sender};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router, middleware};
use serde_json::json;

pub use settings::{Settings, SettingsError, StoreUrl};
pub use store::Backend;

/// The page, served at `/`: plain HTML and JavaScript, no build step.
pub const PAGE: &str = include_str!("page.html");

/// The state the routes share.
#[derive(Clone, Debug)]
pub struct AppState {
    /// Sessions: the extractor's settings.
    pub auth: AuthConfig,
    /// The sign-in service.
    pub passwordless: Passwordless,
}

impl FromRef<AppState> for AuthConfig {
    fn from_ref(app: &AppState) -> Self {
        app.auth.clone()
    }
}

impl FromRef<AppState> for Passwordless {
    fn from_ref(app: &AppState) -> Self {
        app.passwordless.clone()
    }
}

impl AppState {
    /// The state of a server with `settings` on `backend`, sending with `sender`.
    pub fn new(
        settings: &Settings,
        backend: &Backend,
        sender: Arc<dyn Sender>,
    ) -> Result<AppState, Box<dyn std::error::Error + Send + Sync>> {
        let auth = AuthConfig::builder(backend.adapter())
            .secret(settings.secret.clone())
            .site_url(settings.site_url.clone())
            .build()?;
        let passwordless = Passwordless::builder(backend.adapter(), backend.counters(), sender)
            .secret(settings.secret.clone())
            .site_url(settings.site_url.clone())
            .production(settings.production)
            .build()?;
        Ok(AppState { auth, passwordless })
    }
}

/// The development sender of `settings`: it prints to stderr, or appends to `DEV_OUTBOX`.
/// Refused in production (it prints secrets).
pub fn dev_sender(
    settings: &Settings,
) -> Result<Arc<dyn Sender>, Box<dyn std::error::Error + Send + Sync>> {
    let sender = if settings.production {
        DevSender::from_vars(|name| (name == "AUTH_ENV").then(|| "production".into()))?
    } else {
        DevSender::from_vars(|_| None)?
    };
    Ok(match &settings.dev_outbox {
        Some(path) => {
            let file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| format!("DEV_OUTBOX={}: {e}", path.display()))?;
            Arc::new(sender.writer(file))
        }
        None => Arc::new(sender),
    })
}

/// The server's routes on `state`.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/", get(page))
        .route("/api/me", get(me))
        .merge(passwordless_router())
        .layer(middleware::from_fn(session_cookies))
        .with_state(state)
}

async fn page() -> Response {
    (
        [(axum::http::header::CACHE_CONTROL, "no-store")],
        Html(PAGE),
    )
        .into_response()
}

/// The signed-in user (401 from the extractor when signed out).
async fn me(session: AuthSession) -> Json<serde_json::Value> {
    let user = session.user;
    Json(json!({
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "emailVerified": user.email_verified,
        "expires": session.session.expires(),
    }))
}
