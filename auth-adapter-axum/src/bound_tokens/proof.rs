//! Who a `bind-token` or `unbind-token` request acts for: the request's session, or (with
//! the `passwordless` feature and [`BoundTokens::codes`](super::BoundTokens::codes)) a
//! fresh one-time code in its body, used up by the check.

use auth_adapter_core::AdapterUser;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{Bound, Refusal, error, from_another_site, same_site_or_token};
use crate::client::FromRequest;
use crate::config::AuthConfig;
use crate::extract::{AuthSession, Session};

/// The proof fields of a body: a one-time code sent to `email` or `phone` (by the
/// passwordless routes' `POST /send-otp`), and the CSRF token for a session's request.
/// No `Debug`: it holds a code.
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Proof {
    #[cfg_attr(not(feature = "passwordless"), allow(dead_code))]
    email: Option<String>,
    #[cfg_attr(not(feature = "passwordless"), allow(dead_code))]
    phone: Option<String>,
    code: Option<String>,
    #[serde(alias = "csrf_token")]
    csrf_token: Option<String>,
}

/// The user the request proves to be, or the answer that refuses it.
///
/// A session (never a bound token: `session_required`) must come from the site or carry
/// the CSRF token. Without a session, a one-time code for the body's `email` or `phone`
/// is checked and used up (the passwordless service's limits and errors; no session is
/// created); a browser request from another site is refused first. Without either:
/// `unauthenticated`.
pub(super) async fn prove(
    config: &AuthConfig,
    bound: &Bound,
    headers: &HeaderMap,
    session: Option<AuthSession>,
    client: FromRequest,
    proof: &Proof,
) -> Result<AdapterUser, Response> {
    if let Some(session) = session {
        if matches!(session.session, Session::Token(_)) {
            return Err(Refusal(StatusCode::FORBIDDEN, "session_required").into_response());
        }
        if !same_site_or_token(config, headers, proof.csrf_token.as_deref()) {
            return Err(error(StatusCode::FORBIDDEN, "csrf"));
        }
        return Ok(session.user);
    }
    let Some(code) = proof.code.as_deref() else {
        return Err(error(StatusCode::UNAUTHORIZED, "unauthenticated"));
    };
    if from_another_site(config, headers) {
        return Err(error(StatusCode::FORBIDDEN, "csrf"));
    }
    by_code(bound, client, proof, code).await
}

#[cfg(feature = "passwordless")]
async fn by_code(
    bound: &Bound,
    client: FromRequest,
    proof: &Proof,
    code: &str,
) -> Result<AdapterUser, Response> {
    use auth_adapter_passwordless::Channel;
    let Some(service) = bound.tokens.codes.as_ref() else {
        return Err(error(StatusCode::UNAUTHORIZED, "unauthenticated"));
    };
    let (channel, to) = match (&proof.email, &proof.phone) {
        (Some(email), None) => (Channel::Email, email),
        (None, Some(phone)) => (Channel::Sms, phone),
        _ => return Err(error(StatusCode::BAD_REQUEST, "invalid_request")),
    };
    let FromRequest(ip, agent) = client;
    let mut client = auth_adapter_passwordless::Client::new(ip);
    if let Some(agent) = agent {
        client = client.user_agent(agent);
    }
    service
        .confirm_otp(channel, to, code, &client)
        .await
        .map_err(|err| crate::passwordless::sign_in_error(&err))
}

#[cfg(not(feature = "passwordless"))]
async fn by_code(_: &Bound, _: FromRequest, _: &Proof, _: &str) -> Result<AdapterUser, Response> {
    Err(error(StatusCode::UNAUTHORIZED, "unauthenticated"))
}
