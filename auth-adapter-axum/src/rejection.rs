//! [`AuthRejection`]: why a request has no session, as an HTTP answer.

use axum::Json;
use axum::http::header::{RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Why [`AuthSession`](crate::AuthSession) was refused. The answer is JSON
/// `{"error": …}`; it never carries a token, a secret or a driver's message.
///
/// | variant | status | body `error` |
/// |---|---|---|
/// | `Unauthenticated` | 401 (with `WWW-Authenticate: Bearer` when a bearer token was sent) | `"unauthenticated"` |
/// | `Unavailable` | 503 with `Retry-After: 1`: the store failed in a way worth retrying | `"unavailable"` |
/// | `Internal` | 500: the store failed for good | `"internal"` |
/// | `RateLimited` | 429 with `Retry-After`: too many unknown bound tokens from this address | `"rate_limited"` |
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthRejection {
    /// No session, or one that is expired, unknown, tampered with or signed with another
    /// secret: the client is signed out.
    #[error("not signed in")]
    Unauthenticated {
        /// Whether the request sent `Authorization: Bearer` (the answer then says how to
        /// authenticate, as RFC 6750 asks).
        bearer: bool,
    },
    /// The store failed transiently (connection refused, pool timeout).
    #[error("the session store is unavailable")]
    Unavailable,
    /// The store failed permanently.
    #[error("the session could not be read")]
    Internal,
    /// Too many unknown bound tokens came from this client address: its tokens are not
    /// looked up until the window ends (see [`BoundTokens`](crate::BoundTokens)).
    #[error("too many unknown tokens from this address")]
    RateLimited {
        /// Seconds until the window ends (`Retry-After`).
        retry_after: u64,
    },
}

impl AuthRejection {
    /// The rejection for a store error: transient ones are worth a retry.
    pub(crate) fn from_store(err: &auth_adapter_core::AdapterError) -> Self {
        if err.is_transient() {
            AuthRejection::Unavailable
        } else {
            AuthRejection::Internal
        }
    }
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        match self {
            AuthRejection::Unauthenticated { bearer } => {
                let mut response = (
                    StatusCode::UNAUTHORIZED,
                    Json(json!({"error": "unauthenticated"})),
                )
                    .into_response();
                if bearer {
                    response.headers_mut().insert(
                        WWW_AUTHENTICATE,
                        HeaderValue::from_static("Bearer error=\"invalid_token\""),
                    );
                }
                response
            }
            AuthRejection::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                [(RETRY_AFTER, HeaderValue::from_static("1"))],
                Json(json!({"error": "unavailable"})),
            )
                .into_response(),
            AuthRejection::RateLimited { retry_after } => (
                StatusCode::TOO_MANY_REQUESTS,
                [(RETRY_AFTER, HeaderValue::from(retry_after))],
                Json(json!({"error": "rate_limited"})),
            )
                .into_response(),
            AuthRejection::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                Json(json!({"error": "internal"})),
            )
                .into_response(),
        }
    }
}
