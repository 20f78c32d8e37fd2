//! A REST API on the sessions of an Auth.js app: each signed-in user's notes (list,
//! create, update, delete), guarded by the [`AuthSession`] extractor.
//!
//! It shares the Auth.js app's store: run it with the `DATABASE_URL` (PostgreSQL,
//! `@auth/pg-adapter`'s tables) or the SQLite file (`SQLITE_PATH`, default `auth.db`,
//! `@auth/drizzle-adapter`'s tables) or `REDIS_URL` (`@auth/unstorage-adapter`'s keys) of
//! that app, and its `AUTH_SECRET`. A browser signed in to the Auth.js app (a Next.js
//! front end) sends its session cookie here with every request; the notes live beside the
//! Auth.js tables (see [`notes`]).
//!
//! | route | body (JSON) | answer |
//! |---|---|---|
//! | `GET /api/notes` | — | the user's notes, oldest first |
//! | `POST /api/notes` | `{"text"}` | 201 and the note |
//! | `PATCH /api/notes/{id}` | `{"text"}` | the note, or 404 |
//! | `DELETE /api/notes/{id}` | — | 204, or 404 |
//! | `GET /api/me` | — | the signed-in user |
//! | `POST /api/auth/bind-token`, `POST /api/auth/unbind-token`, `GET /api/auth/tokens` | see [`bound_token_routes`](auth_adapter::axum::bound_token_routes) | tokens for scripts |
//!
//! **Scripts** reach the API with a token bound to the user's account:
//! `Authorization: Bearer aa_…`. A signed-in user binds one (`POST /api/auth/bind-token
//! {"name", "scopes"}` from the page, with the session cookie); the answer shows the token
//! once. A token acts for its user within its scopes: [`READ`] for the `GET` routes,
//! [`WRITE`] for the others (403 `insufficient_scope` otherwise); a browser session has
//! both. Unknown tokens are throttled per client address.
//!
//! Signed out: 401. Errors are `{"error", "message"}`. Bodies must be sent as
//! `Content-Type: application/json`, which a cross-site form cannot send (a cross-site
//! `fetch` with it needs a CORS preflight this API never grants).

pub mod notes;

use std::sync::Arc;

use auth_adapter::axum::{
    AuthConfig, AuthSession, BoundTokens, FromRef, bound_token_router, session_cookies,
};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router, middleware};
use serde::Deserialize;
use serde_json::json;

pub use notes::{Note, Notes, NotesError};
pub use passwordless::{Backend, Settings, server};

/// The longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 10_000;

/// The scope a bound token needs to read notes (`GET /api/notes`, `GET /api/me`).
pub const READ: &str = "notes:read";

/// The scope a bound token needs to create, change or delete notes.
pub const WRITE: &str = "notes:write";

/// The state the routes share.
#[derive(Clone, Debug)]
pub struct ApiState {
    /// Sessions: the extractor's settings (the Auth.js app's secret and store).
    pub auth: AuthConfig,
    /// The notes.
    pub notes: Arc<dyn Notes>,
}

impl FromRef<ApiState> for AuthConfig {
    fn from_ref(state: &ApiState) -> Self {
        state.auth.clone()
    }
}

impl ApiState {
    /// The state of an API with `settings` on `backend` (creates the notes table when it
    /// is missing).
    pub async fn open(
        settings: &Settings,
        backend: &Backend,
    ) -> Result<ApiState, Box<dyn std::error::Error + Send + Sync>> {
        let auth = AuthConfig::builder(backend.adapter())
            .secret(settings.secret.clone())
            .site_url(settings.site_url.clone())
            .bound_tokens(BoundTokens::new(backend.tokens(), backend.counters()))
            .build()?;
        let notes = notes::open(backend).await?;
        Ok(ApiState { auth, notes })
    }
}

/// The API's routes on `state`.
pub fn app(state: ApiState) -> Router {
    Router::new()
        .route("/api/me", get(me))
        .route("/api/notes", get(list).post(create))
        .route(
            "/api/notes/{id}",
            axum::routing::patch(update).delete(delete),
        )
        .merge(bound_token_router())
        .layer(middleware::from_fn(session_cookies))
        .with_state(state)
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({"error": code, "message": message}))).into_response()
}

/// A refused request body: status, error code, message.
type Refusal = (StatusCode, &'static str, &'static str);

fn refused((status, code, message): Refusal) -> Response {
    error(status, code, message)
}

fn unavailable(err: &NotesError) -> Response {
    tracing::error!("{err}");
    error(
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
        "the notes store is unavailable; try again",
    )
}

fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "not_found", "no such note")
}

/// The refusal of a bound token without `scope` (a session may do everything).
fn lacks(session: &AuthSession, scope: &str) -> Option<Response> {
    (!session.has_scope(scope)).then(|| {
        error(
            StatusCode::FORBIDDEN,
            "insufficient_scope",
            "this token's scopes do not allow it",
        )
    })
}

#[derive(Deserialize)]
struct NoteBody {
    text: String,
}

/// The note text of a JSON body, or the 4xx answer to it.
fn note_text(headers: &HeaderMap, body: &Bytes) -> Result<String, Refusal> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/json")
        });
    if !json {
        return Err((
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "invalid_request",
            "send the note as JSON (Content-Type: application/json)",
        ));
    }
    let Ok(NoteBody { text }) = serde_json::from_slice(body) else {
        return Err((
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "the body must be {\"text\": \"…\"}",
        ));
    };
    let chars = text.chars().count();
    if text.trim().is_empty() || chars > MAX_NOTE_CHARS {
        return Err((
            StatusCode::BAD_REQUEST,
            "invalid_text",
            "a note's text must be 1 to 10000 characters, not only spaces",
        ));
    }
    Ok(text)
}

async fn me(session: AuthSession) -> Response {
    if let Some(refusal) = lacks(&session, READ) {
        return refusal;
    }
    Json(json!({
        "id": session.user.id,
        "email": session.user.email,
        "name": session.user.name,
    }))
    .into_response()
}

async fn list(State(state): State<ApiState>, session: AuthSession) -> Response {
    if let Some(refusal) = lacks(&session, READ) {
        return refusal;
    }
    match state.notes.list(&session.user.id).await {
        Ok(notes) => Json(notes).into_response(),
        Err(err) => unavailable(&err),
    }
}

async fn create(
    State(state): State<ApiState>,
    session: AuthSession,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(refusal) = lacks(&session, WRITE) {
        return refusal;
    }
    let text = match note_text(&headers, &body) {
        Ok(text) => text,
        Err(refusal) => return refused(refusal),
    };
    match state.notes.create(&session.user.id, &text).await {
        Ok(note) => (StatusCode::CREATED, Json(note)).into_response(),
        Err(err) => unavailable(&err),
    }
}

async fn update(
    State(state): State<ApiState>,
    session: AuthSession,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(refusal) = lacks(&session, WRITE) {
        return refusal;
    }
    let text = match note_text(&headers, &body) {
        Ok(text) => text,
        Err(refusal) => return refused(refusal),
    };
    match state.notes.update(&session.user.id, &id, &text).await {
        Ok(Some(note)) => Json(note).into_response(),
        Ok(None) => not_found(),
        Err(err) => unavailable(&err),
    }
}

async fn delete(
    State(state): State<ApiState>,
    session: AuthSession,
    Path(id): Path<String>,
) -> Response {
    if let Some(refusal) = lacks(&session, WRITE) {
        return refusal;
    }
    match state.notes.delete(&session.user.id, &id).await {
        Ok(true) => StatusCode::NO_CONTENT.into_response(),
        Ok(false) => not_found(),
        Err(err) => unavailable(&err),
    }
}
