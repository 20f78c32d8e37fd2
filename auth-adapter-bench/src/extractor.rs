//! The `extractor` workload: what `auth-adapter-axum` adds to a session read. In the same
//! process, on the same adapter and sessions, interleaved: the bare
//! `get_session_and_user(token)`; the `AuthSession` extractor alone on a request's parts
//! with that session's cookie (finding the cookie, the lookup, Auth.js's expiry rules and
//! the sliding `Set-Cookie`); a whole `GET /api/auth/session` with that cookie through an
//! axum `Router` (`auth_router()` + the `session_cookies` middleware); and the same request
//! without a cookie (the HTTP path alone, no lookup).

use std::sync::Arc;

use async_trait::async_trait;
use auth_adapter_axum::{AuthConfig, AuthSession, auth_router, session_cookies};
use auth_adapter_core::Adapter;
use auth_adapter_core::cookies::SESSION_COOKIE;
use axum::body::{Body, to_bytes};
use axum::extract::OptionalFromRequestParts;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{Request, StatusCode};
use axum::{Router, middleware};
use tower::ServiceExt;

use crate::BoxError;
use crate::cli::{Options, Workload};
use crate::report::{self, Kind, RatioSummary, Row};
use crate::runner::{self, Op};
use crate::workloads::{self, Dataset};

/// The least extractor ÷ bare ops/s may be: the extractor costs at most 10 %.
pub(crate) const TARGET: f64 = 0.9;

/// The `AUTH_SECRET` of the apps under test (`http_session` gives it to Auth.js's too).
pub(crate) const SECRET: &str = "auth-adapter-bench secret";

/// The configuration under test: database strategy, `http` (the cookie is
/// `authjs.session-token`).
fn config(adapter: Arc<dyn Adapter>) -> Result<AuthConfig, BoxError> {
    Ok(AuthConfig::builder(adapter).secret(SECRET).build()?)
}

/// The app under test: Auth.js's routes and the cookie middleware, on `adapter`.
pub(crate) fn router(adapter: Arc<dyn Adapter>) -> Result<Router, BoxError> {
    let config = config(adapter)?;
    Ok(Router::new()
        .merge(auth_router())
        .layer(middleware::from_fn(session_cookies))
        .with_state(config))
}

/// `GET /api/auth/session` through `router`, with a random session's cookie (or none).
pub(crate) struct SessionRequest {
    router: Router,
    data: Arc<Dataset>,
    with_cookie: bool,
}

impl SessionRequest {
    pub(crate) fn new(router: Router, data: Arc<Dataset>, with_cookie: bool) -> Self {
        SessionRequest {
            router,
            data,
            with_cookie,
        }
    }
}

#[async_trait]
impl Op for SessionRequest {
    async fn call(&self, rand: u64) -> Result<(), String> {
        let mut request = Request::builder().uri("/api/auth/session");
        if self.with_cookie {
            let cookie = format!("{SESSION_COOKIE}={}", self.data.token(rand));
            request = request.header(COOKIE, cookie);
        }
        let request = request.body(Body::empty()).map_err(|e| e.to_string())?;
        let response = match self.router.clone().oneshot(request).await {
            Ok(r) => r,
            Err(never) => match never {},
        };
        if response.status() != StatusCode::OK {
            return Err(format!(
                "GET /api/auth/session answered {}",
                response.status()
            ));
        }
        // The session read slides the cookie: the middleware must have put it on.
        let refreshed = response.headers().contains_key(SET_COOKIE);
        let body = to_bytes(response.into_body(), 64 * 1024)
            .await
            .map_err(|e| format!("reading the body: {e}"))?;
        match (self.with_cookie, refreshed, &body[..]) {
            (true, true, body) if body.starts_with(b"{") && contains(body, b"\"user\"") => Ok(()),
            (true, _, _) => Err(
                "GET /api/auth/session with an existing session's cookie answered no session, \
                 or set no cookie"
                    .into(),
            ),
            (false, false, b"null") => Ok(()),
            (false, _, _) => {
                Err("GET /api/auth/session without a cookie did not answer null".into())
            }
        }
    }
}

/// `Option<AuthSession>` extracted from the parts of a request carrying a random session's
/// cookie, as a handler's argument is: no router, no response.
struct Extract {
    config: AuthConfig,
    data: Arc<Dataset>,
}

#[async_trait]
impl Op for Extract {
    async fn call(&self, rand: u64) -> Result<(), String> {
        let cookie = format!("{SESSION_COOKIE}={}", self.data.token(rand));
        let (mut parts, ()) = Request::builder()
            .uri("/api/auth/session")
            .header(COOKIE, cookie)
            .body(())
            .map_err(|e| e.to_string())?
            .into_parts();
        let found = <AuthSession as OptionalFromRequestParts<AuthConfig>>::from_request_parts(
            &mut parts,
            &self.config,
        )
        .await
        .map_err(|e| e.to_string())?;
        match found {
            Some(session) if !session.user.id.is_empty() => Ok(()),
            _ => Err("the extractor found no session for an existing session's cookie".into()),
        }
    }
}

pub(crate) fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The rows of one backend, at every concurrency, and the axum ÷ bare ratio of each.
pub(crate) async fn run(
    options: &Options,
    backend: &str,
    adapter: &Arc<dyn Adapter>,
    data: &Arc<Dataset>,
    run_id: &str,
) -> Result<(Vec<Row>, Vec<RatioSummary>), BoxError> {
    let app = router(Arc::clone(adapter))?;
    let bare = workloads::adapter_op(
        Workload::GetSessionAndUser,
        Arc::clone(adapter),
        Arc::clone(data),
        run_id,
    );
    let ops: Vec<(Kind, &str, Arc<dyn Op>)> = vec![
        (Kind::Adapter, "bare get_session_and_user", bare),
        (
            Kind::Axum,
            "AuthSession extractor",
            Arc::new(Extract {
                config: config(Arc::clone(adapter))?,
                data: Arc::clone(data),
            }),
        ),
        (
            Kind::Axum,
            "axum GET /api/auth/session",
            Arc::new(SessionRequest::new(app.clone(), Arc::clone(data), true)),
        ),
        (
            Kind::Axum,
            "axum GET /api/auth/session, no cookie",
            Arc::new(SessionRequest::new(app, Arc::clone(data), false)),
        ),
    ];
    let workload = Workload::Extractor.name();
    let mut rows = Vec::new();
    let mut ratios = Vec::new();
    for (i, &concurrency) in options.concurrency.iter().enumerate() {
        let seed = (i as u64) << 32 | 0xa8e5;
        let mut group =
            runner::measure_rows(&ops, backend, workload, concurrency, options.duration, seed)
                .await;
        report::fill_ratios(&mut group);
        if let [bare, extractor, route, ..] = &group[..] {
            ratios.push(RatioSummary::new(
                backend,
                workload,
                concurrency,
                "ops/s: AuthSession extractor ÷ bare get_session_and_user",
                report::ratio(extractor.ops_per_sec, bare.ops_per_sec),
                Some(TARGET),
            ));
            ratios.push(RatioSummary::new(
                backend,
                workload,
                concurrency,
                "ops/s: axum GET /api/auth/session ÷ bare get_session_and_user",
                report::ratio(route.ops_per_sec, bare.ops_per_sec),
                None,
            ));
        }
        rows.extend(group);
    }
    Ok((rows, ratios))
}

#[cfg(test)]
mod tests {
    use super::*;
    use auth_adapter_core::MemoryAdapter;

    #[tokio::test]
    async fn the_request_reads_the_session_and_without_a_cookie_answers_null() {
        let adapter: Arc<dyn Adapter> = Arc::new(MemoryAdapter::new());
        let data = Arc::new(workloads::seed(&adapter, "t", 2, 4).await.unwrap());
        let app = router(Arc::clone(&adapter)).unwrap();
        let signed_in = SessionRequest::new(app.clone(), Arc::clone(&data), true);
        let signed_out = SessionRequest::new(app.clone(), Arc::clone(&data), false);
        for rand in 0..8 {
            signed_in.call(rand).await.unwrap();
            signed_out.call(rand).await.unwrap();
        }
        let unknown = Arc::new(Dataset {
            user_ids: vec![],
            session_tokens: vec!["no-such-token".into()],
        });
        assert!(
            SessionRequest::new(app, Arc::clone(&unknown), true)
                .call(0)
                .await
                .is_err()
        );
        let extract = |data| Extract {
            config: config(Arc::clone(&adapter)).unwrap(),
            data,
        };
        for rand in 0..8 {
            extract(Arc::clone(&data)).call(rand).await.unwrap();
        }
        assert!(extract(unknown).call(0).await.is_err());
    }
}
