//! [`AuthConfig::sign_in`]: a new session for a user, as Auth.js makes one, with the cookie
//! that carries it.

use auth_adapter_core::{AdapterError, AdapterSession, AdapterUser, generate_session_token};
use axum::http::{HeaderValue, header::SET_COOKIE};
use axum::response::{IntoResponseParts, ResponseParts};
use chrono::Utc;

use crate::config::{AuthConfig, Strategy};
use crate::extract::Session;
use crate::jwt::Claims;
use crate::session_cookie::{self, RequestCookies};

/// A session just made by [`AuthConfig::sign_in`]. As a response part it sets the session
/// cookie: return it beside the body (`(signed_in, Json(user))`).
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The new session.
    pub session: Session,
    cookies: Vec<HeaderValue>,
}

impl IntoResponseParts for SignedIn {
    type Error = std::convert::Infallible;

    fn into_response_parts(self, mut res: ResponseParts) -> Result<ResponseParts, Self::Error> {
        for cookie in self.cookies {
            res.headers_mut().append(SET_COOKIE, cookie);
        }
        Ok(res)
    }
}

impl AuthConfig {
    /// Signs `user` in as Auth.js's callback does: with the database strategy a new
    /// session row (`create_session`, a fresh token, expiring after the policy's max age),
    /// with the JWT strategy a session JWT of the user's `sub`, `name`, `email` and
    /// `picture`. Either way Auth.js reads the resulting cookie as its own.
    pub async fn sign_in(&self, user: &AdapterUser) -> Result<SignedIn, AdapterError> {
        let now = Utc::now();
        let expires = self.policy().expires_from(now);
        let name = self.session_cookie_name();
        let (session, value) = match self.strategy() {
            Strategy::Jwt => {
                let claims = Claims::for_user(
                    user.id.clone(),
                    user.name.clone(),
                    user.email.clone(),
                    user.image.clone(),
                );
                let codec = self
                    .jwt_for(Some(name))
                    .ok_or_else(|| AdapterError::backend_message("no session JWT key"))?;
                let token = codec
                    .encode(&claims, self.policy().max_age, now)
                    .map_err(|_| {
                        AdapterError::backend_message("could not encode the session JWT")
                    })?;
                let mut claims = claims;
                claims.iat = Some(now.timestamp());
                claims.exp = Some(expires.timestamp());
                (Session::Jwt(claims), token)
            }
            _ => {
                let row = self
                    .adapter()
                    .create_session(AdapterSession {
                        session_token: generate_session_token(),
                        user_id: user.id.clone(),
                        expires,
                    })
                    .await?;
                let token = row.session_token.clone();
                (Session::Database(row), token)
            }
        };
        let cookies = session_cookie::write(
            &RequestCookies::default(),
            name,
            &value,
            session.expires(),
            self.secure(),
        );
        Ok(SignedIn { session, cookies })
    }
}

impl AuthConfig {
    /// The cookie of a session row made elsewhere (the passwordless service makes its own),
    /// as [`sign_in`](Self::sign_in) would set it.
    #[cfg_attr(not(feature = "passwordless"), allow(dead_code))]
    pub(crate) fn signed_in_with(&self, row: AdapterSession) -> SignedIn {
        let cookies = session_cookie::write(
            &RequestCookies::default(),
            self.session_cookie_name(),
            &row.session_token,
            row.expires,
            self.secure(),
        );
        SignedIn {
            session: Session::Database(row),
            cookies,
        }
    }
}
