//! The error answers of the passwordless routes: JSON `{"error", "message"}`.

use auth_adapter_passwordless::{SendError, SignInError};
use axum::Json;
use axum::http::StatusCode;
use axum::http::header::RETRY_AFTER;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::routes::no_store;

fn answer(status: StatusCode, code: &str, message: &str, retry_after: Option<u64>) -> Response {
    let mut response =
        no_store((status, Json(json!({"error": code, "message": message}))).into_response());
    if let Some(secs) = retry_after {
        response
            .headers_mut()
            .insert(RETRY_AFTER, axum::http::HeaderValue::from(secs));
    }
    response
}

/// 400 with `code` and `message`.
pub(super) fn bad_request(code: &str, message: &str) -> Response {
    answer(StatusCode::BAD_REQUEST, code, message, None)
}

/// 403: a cross-site request.
pub(super) fn forbidden() -> Response {
    answer(
        StatusCode::FORBIDDEN,
        "csrf",
        "the request must come from the site itself or carry its csrfToken",
        None,
    )
}

/// The status, code and `Retry-After` of a refused sign-in step, and whether its own text
/// may be shown (the client's mistakes and limits; never a store's or a sender's failure,
/// whose text could carry a driver's or a provider's message).
pub(super) fn classify(err: &SignInError) -> (StatusCode, &'static str, Option<u64>, bool) {
    match err {
        SignInError::InvalidEmail { .. } => (StatusCode::BAD_REQUEST, "invalid_email", None, true),
        SignInError::InvalidPhone { .. } => (StatusCode::BAD_REQUEST, "invalid_phone", None, true),
        SignInError::InvalidLink => (StatusCode::BAD_REQUEST, "invalid_link", None, true),
        SignInError::InvalidCode => (StatusCode::BAD_REQUEST, "invalid_code", None, true),
        SignInError::Expired => (StatusCode::BAD_REQUEST, "expired", None, true),
        SignInError::TooManyAttempts { .. } => (
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            err.retry_after_secs(),
            true,
        ),
        SignInError::RateLimited { .. } => (
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            err.retry_after_secs(),
            true,
        ),
        SignInError::Send(SendError::Unsupported(_)) => {
            (StatusCode::BAD_REQUEST, "unsupported_channel", None, true)
        }
        _ if err.is_transient() => (
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            Some(err.retry_after_secs().unwrap_or(1)),
            false,
        ),
        _ => (StatusCode::INTERNAL_SERVER_ERROR, "internal", None, false),
    }
}

/// The answer to a refused sign-in step.
pub(crate) fn sign_in_error(err: &SignInError) -> Response {
    let (status, code, retry_after, show) = classify(err);
    let message = if show {
        err.to_string()
    } else if status == StatusCode::SERVICE_UNAVAILABLE {
        "the sign-in service is unavailable; try again shortly".to_owned()
    } else {
        "the sign-in failed".to_owned()
    };
    answer(status, code, &message, retry_after)
}
