use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::redact::Redacted;

/// A stored magic-link token. `token` is the **hashed** value
/// ([`hash_verification_token`](crate::hash_verification_token)); `Debug` redacts it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationToken {
    /// The normalised email address the token was sent to.
    pub identifier: String,
    /// The hashed token (secret).
    pub token: String,
    /// When the token stops being valid.
    #[serde(with = "crate::backend::dates")]
    pub expires: DateTime<Utc>,
}

impl fmt::Debug for VerificationToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerificationToken")
            .field("identifier", &self.identifier)
            .field("token", &Redacted(&self.token))
            .field("expires", &self.expires)
            .finish()
    }
}
