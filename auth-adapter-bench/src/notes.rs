//! The `notes` workload: what signing in costs a REST API. `GET /api/notes` of the
//! `rest-api` example (its router, its notes store on the same backend) through the
//! `AuthSession` extractor, with a database session's cookie (Auth.js's database strategy:
//! a lookup per request) and with a session JWT's cookie (its JWT strategy: decoded in
//! process, no lookup), and with database sessions remembered for [`CACHE_TTL`] in the
//! process (`AuthConfigBuilder::session_cache`), against the same handler with no
//! authentication (the user named in a header), interleaved on the same data.

use std::sync::Arc;

use async_trait::async_trait;
use auth_adapter_axum::jwt::{Claims, SessionJwt};
use auth_adapter_axum::{AuthConfig, Strategy};
use auth_adapter_core::cookies::SESSION_COOKIE;
use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::State;
use axum::http::header::COOKIE;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rest_api::{ApiState, Notes};
use tower::ServiceExt;

use crate::BoxError;
use crate::backends::Store;
use crate::cli::{Options, Workload};
use crate::report::{self, Kind, RatioSummary, Row};
use crate::runner::{self, Op};
use crate::workloads::Dataset;

/// The least authenticated ÷ unauthenticated ops/s may be: signing in adds at most 10 %.
pub(crate) const TARGET: f64 = 0.9;

/// The sessions the cached row's requests come from: a cache serves clients that come back
/// within its TTL, so this row models 100 signed-in clients making the requests (with all
/// 10,000 sessions of the dataset picked at random, few would return within 5 s at these
/// request rates, and the row would measure the misses).
const ACTIVE_SESSIONS: usize = 100;

/// How long the cached row remembers a session.
const CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(5);

/// Notes each user has.
const NOTES_PER_USER: usize = 2;

/// The header the unauthenticated handler takes the user from.
const USER_HEADER: &str = "x-user-id";

/// The same list as the example's handler, for the user the request names.
async fn list_unauthenticated(State(notes): State<Arc<dyn Notes>>, headers: HeaderMap) -> Response {
    let user = headers
        .get(USER_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    match notes.list(user).await {
        Ok(list) => axum::Json(list).into_response(),
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

/// How a [`ListNotes`] request says who it is for.
enum Who {
    /// The user's id in a header, for the handler with no authentication.
    Header,
    /// A database session's cookie.
    Session,
    /// A session JWT's cookie, one per user (in the order of the dataset's users).
    Jwt(Vec<String>),
}

/// `GET /api/notes` for a random session's user.
struct ListNotes {
    router: Router,
    data: Arc<Dataset>,
    who: Who,
    /// Requests pick among the first this many sessions (all of them for every row but
    /// the cached one).
    active: usize,
}

#[async_trait]
impl Op for ListNotes {
    async fn call(&self, rand: u64) -> Result<(), String> {
        let sessions = self.data.session_tokens.len().min(self.active).max(1) as u64;
        let i = usize::try_from(rand % sessions).unwrap_or(0);
        let token = self.data.session_tokens.get(i).map_or("", String::as_str);
        let users = self.data.user_ids.len().max(1);
        let user = self.data.user_ids.get(i % users).map_or("", String::as_str);
        let request = Request::get("/api/notes");
        let request = match &self.who {
            Who::Header => request.header(USER_HEADER, user),
            Who::Session => request.header(COOKIE, format!("{SESSION_COOKIE}={token}")),
            Who::Jwt(jwts) => {
                let jwt = jwts.get(i % users).map_or("", String::as_str);
                request.header(COOKIE, format!("{SESSION_COOKIE}={jwt}"))
            }
        };
        let request = request.body(Body::empty()).map_err(|e| e.to_string())?;
        let response = match self.router.clone().oneshot(request).await {
            Ok(r) => r,
            Err(never) => match never {},
        };
        if response.status() != StatusCode::OK {
            return Err(format!("GET /api/notes answered {}", response.status()));
        }
        let body = to_bytes(response.into_body(), 1 << 20)
            .await
            .map_err(|e| format!("reading the body: {e}"))?;
        let list: serde_json::Value =
            serde_json::from_slice(&body).map_err(|e| format!("not JSON: {e}"))?;
        match list.as_array() {
            Some(notes) if notes.len() == NOTES_PER_USER => Ok(()),
            _ => Err(format!(
                "GET /api/notes answered not the user's {NOTES_PER_USER} notes: {list}"
            )),
        }
    }
}

/// The rows of one backend, at every concurrency, and the ratio of each.
pub(crate) async fn run(
    options: &Options,
    backend: &str,
    store: &dyn Store,
    data: &Arc<Dataset>,
) -> Result<(Vec<Row>, Vec<RatioSummary>), BoxError> {
    let settings = rest_api::Settings::from_vars(|name| {
        (name == "AUTH_SECRET").then(|| crate::extractor::SECRET.to_owned())
    })?;
    let example = store.example_backend().ok_or(
        "the examples do not run on this store (notes is for memory, SQLite, PostgreSQL and Redis)",
    )?;
    let state = ApiState::open(&settings, &example).await?;
    for user in &data.user_ids {
        for n in 0..NOTES_PER_USER {
            state.notes.create(user, &format!("note {n}")).await?;
        }
    }
    let authenticated = rest_api::app(state.clone());
    // The same API on the JWT strategy (the same notes), and a session JWT per user as
    // Auth.js would have issued it.
    let jwt_state = ApiState {
        auth: AuthConfig::builder(example.adapter())
            .secret(crate::extractor::SECRET)
            .strategy(Strategy::Jwt)
            .build()?,
        notes: state.notes.clone(),
    };
    let cached_state = ApiState {
        auth: AuthConfig::builder(example.adapter())
            .secret(crate::extractor::SECRET)
            .session_cache(CACHE_TTL)
            .build()?,
        notes: state.notes.clone(),
    };
    let codec = SessionJwt::v5([crate::extractor::SECRET], SESSION_COOKIE)?;
    let now = chrono::Utc::now();
    let max_age = chrono::TimeDelta::days(30);
    let jwts = data
        .user_ids
        .iter()
        .map(|id| {
            codec.encode(
                &Claims::for_user(id.clone(), None, None, None),
                max_age,
                now,
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    let unauthenticated = Router::new()
        .route("/api/notes", get(list_unauthenticated))
        .with_state(state.notes.clone());
    let op = |router: Router, who: Who, active: usize| -> Arc<dyn Op> {
        Arc::new(ListNotes {
            router,
            data: Arc::clone(data),
            who,
            active,
        })
    };
    let ops: Vec<(Kind, &str, Arc<dyn Op>)> = vec![
        (
            Kind::Adapter,
            "GET /api/notes, no authentication",
            op(unauthenticated, Who::Header, usize::MAX),
        ),
        (
            Kind::Axum,
            "GET /api/notes through AuthSession, database session",
            op(authenticated, Who::Session, usize::MAX),
        ),
        (
            Kind::Axum,
            "GET /api/notes through AuthSession, session JWT",
            op(rest_api::app(jwt_state), Who::Jwt(jwts), usize::MAX),
        ),
        (
            Kind::Axum,
            "GET /api/notes through AuthSession, database session, 5 s session cache, 100 active sessions",
            op(rest_api::app(cached_state), Who::Session, ACTIVE_SESSIONS),
        ),
    ];
    let workload = Workload::Notes.name();
    let mut rows = Vec::new();
    let mut ratios = Vec::new();
    for (i, &concurrency) in options.concurrency.iter().enumerate() {
        let seed = (i as u64) << 32 | 0x4e07;
        let mut group =
            runner::measure_rows(&ops, backend, workload, concurrency, options.duration, seed)
                .await;
        report::fill_ratios(&mut group);
        if let [bare, session, jwt, cached, ..] = &group[..] {
            for (figure, guarded) in [
                (
                    "ops/s: GET /api/notes, database session ÷ no authentication",
                    session,
                ),
                (
                    "ops/s: GET /api/notes, session JWT ÷ no authentication",
                    jwt,
                ),
                (
                    "ops/s: GET /api/notes, database session with a 5 s cache (100 active sessions) ÷ no authentication",
                    cached,
                ),
            ] {
                ratios.push(RatioSummary::new(
                    backend,
                    workload,
                    concurrency,
                    figure,
                    report::ratio(guarded.ops_per_sec, bare.ops_per_sec),
                    Some(TARGET),
                ));
            }
        }
        rows.extend(group);
    }
    Ok((rows, ratios))
}
