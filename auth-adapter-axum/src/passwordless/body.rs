//! The JSON the passwordless routes take and give.

use auth_adapter_core::AdapterUser;
use auth_adapter_core::backend::dates;
use auth_adapter_passwordless::Channel;
use axum::Json;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::answer::bad_request;

/// The largest body a passwordless route reads.
const MAX_BODY: usize = 16 * 1024;

/// A body that is not what the route takes: 400 `invalid_request` with why.
#[derive(Debug)]
pub(super) struct Invalid(&'static str);

impl IntoResponse for Invalid {
    fn into_response(self) -> Response {
        bad_request("invalid_request", self.0)
    }
}

/// Parses a JSON body.
pub(super) fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Invalid> {
    if bytes.len() > MAX_BODY {
        return Err(Invalid("the body is too large"));
    }
    serde_json::from_slice(bytes).map_err(|err| {
        // serde's message names the field and what was expected, never a value it read.
        let message = match err.classify() {
            serde_json::error::Category::Data => "a field is missing or of the wrong type",
            _ => "the body is not JSON",
        };
        Invalid(message)
    })
}

/// Parses a JSON body that may be empty (`{}` then).
pub(super) fn parse_or_empty<T: DeserializeOwned + Default>(bytes: &[u8]) -> T {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return T::default();
    }
    parse(bytes).unwrap_or_default()
}

/// A body that carries nothing but, perhaps, the CSRF token.
#[derive(Debug, Default, Deserialize)]
pub(super) struct CsrfOnly {
    #[serde(rename = "csrfToken", alias = "csrf_token")]
    pub(super) csrf_token: Option<String>,
}

/// Where a code goes: `email` or `phone` (email wins when both are sent, as FutureAuth's).
#[derive(Debug, Deserialize)]
pub(super) struct To {
    email: Option<String>,
    phone: Option<String>,
}

impl To {
    pub(super) fn channel(&self) -> Option<(Channel, &str)> {
        match (&self.email, &self.phone) {
            (Some(email), _) => Some((Channel::Email, email)),
            (None, Some(phone)) => Some((Channel::Sms, phone)),
            (None, None) => None,
        }
    }
}

#[derive(Deserialize)]
pub(super) struct SendMagicLink {
    pub(super) email: String,
    #[serde(rename = "callbackUrl", alias = "callback_url")]
    pub(super) callback_url: Option<String>,
    #[serde(rename = "csrfToken", alias = "csrf_token")]
    pub(super) csrf_token: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct SendOtp {
    #[serde(flatten)]
    pub(super) to: To,
    #[serde(rename = "csrfToken", alias = "csrf_token")]
    pub(super) csrf_token: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct VerifyMagicLink {
    pub(super) email: String,
    pub(super) token: String,
    #[serde(rename = "csrfToken", alias = "csrf_token")]
    pub(super) csrf_token: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct VerifyOtp {
    #[serde(flatten)]
    pub(super) to: To,
    pub(super) code: String,
    #[serde(rename = "csrfToken", alias = "csrf_token")]
    pub(super) csrf_token: Option<String>,
}

/// The session body of the passwordless routes: Auth.js's `{user: {name, email, image},
/// expires}` with `user.id` and `user.emailVerified`, and FutureAuth's `session.expires_at`.
#[derive(Serialize)]
pub(super) struct SessionBody<'a> {
    user: User<'a>,
    expires: String,
    session: SessionExpiry,
}

#[derive(Serialize)]
struct User<'a> {
    id: &'a str,
    name: Option<&'a str>,
    email: Option<&'a str>,
    image: Option<&'a str>,
    #[serde(rename = "emailVerified")]
    email_verified: Option<String>,
}

#[derive(Serialize)]
struct SessionExpiry {
    expires_at: String,
}

impl<'a> SessionBody<'a> {
    pub(super) fn of(user: &'a AdapterUser, expires: DateTime<Utc>) -> Self {
        let expires = dates::to_iso(&expires);
        SessionBody {
            user: User {
                id: &user.id,
                name: user.name.as_deref(),
                email: user.email.as_deref(),
                image: user.image.as_deref(),
                email_verified: user.email_verified.as_ref().map(dates::to_iso),
            },
            session: SessionExpiry {
                expires_at: expires.clone(),
            },
            expires,
        }
    }
}

impl IntoResponse for SessionBody<'_> {
    fn into_response(self) -> Response {
        Json(self).into_response()
    }
}
