use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::redact::Redacted;

/// A database session. `Debug` redacts the token.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdapterSession {
    /// The cookie value (secret); unique.
    pub session_token: String,
    /// The signed-in user.
    pub user_id: String,
    /// When the session ends.
    #[serde(with = "crate::backend::dates")]
    pub expires: DateTime<Utc>,
}

impl fmt::Debug for AdapterSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdapterSession")
            .field("session_token", &Redacted(&self.session_token))
            .field("user_id", &self.user_id)
            .field("expires", &self.expires)
            .finish()
    }
}

/// An update of a session, found by its token. `expires: None` changes nothing and returns
/// the session as it is.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionUpdate {
    /// The session to update.
    pub session_token: String,
    /// The new end of the session.
    pub expires: Option<DateTime<Utc>>,
}

impl SessionUpdate {
    /// Moves the session's end to `expires`.
    pub fn new(session_token: impl Into<String>, expires: DateTime<Utc>) -> Self {
        SessionUpdate {
            session_token: session_token.into(),
            expires: Some(expires),
        }
    }
}

impl fmt::Debug for SessionUpdate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionUpdate")
            .field("session_token", &Redacted(&self.session_token))
            .field("expires", &self.expires)
            .finish()
    }
}

/// How many expired rows [`Adapter::delete_expired`](crate::Adapter::delete_expired) removed.
///
/// A backend that also expires rows by itself (Redis, by TTL) counts only what this call
/// removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpiredCount {
    /// Sessions removed.
    pub sessions: u64,
    /// Verification tokens removed.
    pub verification_tokens: u64,
}
