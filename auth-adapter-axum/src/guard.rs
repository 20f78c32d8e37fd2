//! [`require_auth`]: a middleware that lets only signed-in requests through.

use axum::extract::{FromRef, Request, State};
use axum::http::header::{ACCEPT, LOCATION};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

use crate::config::AuthConfig;
use crate::extract::AuthSession;
use crate::rejection::AuthRejection;

/// Middleware for a router whose every route needs a signed-in user. A signed-out request
/// gets the [`AuthRejection`] (401 JSON), or, when it comes from a browser page
/// (`Accept: text/html`) and [`sign_in_url`](crate::AuthConfigBuilder::sign_in_url) is set,
/// a 302 to the sign-in page with `callbackUrl` set to the page it asked for. The session
/// it read is cached for the handlers' own [`AuthSession`] extractors.
///
/// ```
/// # use std::sync::Arc;
/// # use auth_adapter_axum::{AuthConfig, require_auth, session_cookies};
/// # use axum::{Router, middleware, routing::get};
/// # let config = AuthConfig::builder(Arc::new(auth_adapter_core::MemoryAdapter::new()))
/// #     .secret("s").sign_in_url("/login").build().unwrap();
/// let private: Router = Router::new()
///     .route("/dashboard", get(|| async { "only for the signed-in" }))
///     .route_layer(middleware::from_fn_with_state(config.clone(), require_auth::<AuthConfig>))
///     .layer(middleware::from_fn(session_cookies))
///     .with_state(config);
/// ```
pub async fn require_auth<S>(State(state): State<S>, request: Request, next: Next) -> Response
where
    AuthConfig: FromRef<S>,
    S: Send + Sync + Clone + 'static,
{
    let (mut parts, body) = request.into_parts();
    let found =
        <AuthSession as axum::extract::FromRequestParts<S>>::from_request_parts(&mut parts, &state)
            .await;
    match found {
        Ok(_) => next.run(Request::from_parts(parts, body)).await,
        Err(rejection @ AuthRejection::Unauthenticated { .. }) => {
            let config = AuthConfig::from_ref(&state);
            let wants_html = parts
                .headers
                .get(ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("text/html"));
            match config.sign_in_url() {
                Some(sign_in) if wants_html => {
                    let asked = parts.uri.path_and_query().map_or("/", |p| p.as_str());
                    let separator = if sign_in.contains('?') { '&' } else { '?' };
                    let location = format!(
                        "{sign_in}{separator}callbackUrl={}",
                        utf8_percent_encode(asked, NON_ALPHANUMERIC)
                    );
                    let mut response = StatusCode::FOUND.into_response();
                    if let Ok(location) = HeaderValue::from_str(&location) {
                        response.headers_mut().insert(LOCATION, location);
                    }
                    response
                }
                _ => rejection.into_response(),
            }
        }
        Err(rejection) => rejection.into_response(),
    }
}
