//! The one error type every backend returns.

use std::error::Error as StdError;
use std::fmt;

/// The kind of record an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Entity {
    /// An [`AdapterUser`](crate::AdapterUser).
    User,
    /// An [`AdapterAccount`](crate::AdapterAccount).
    Account,
    /// An [`AdapterSession`](crate::AdapterSession).
    Session,
    /// A [`VerificationToken`](crate::VerificationToken).
    VerificationToken,
    /// An [`AdapterAuthenticator`](crate::AdapterAuthenticator).
    Authenticator,
    /// A token bound to a user ([`TokenBinding`](crate::TokenBinding)).
    BoundToken,
    /// A record the backend cannot name (a unique constraint it does not know, say).
    Other,
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Entity::User => "user",
            Entity::Account => "account",
            Entity::Session => "session",
            Entity::VerificationToken => "verification token",
            Entity::Authenticator => "authenticator",
            Entity::BoundToken => "bound token",
            Entity::Other => "record",
        })
    }
}

impl Entity {
    /// The words for "this record's unique key is taken", never with the key's value.
    fn key_taken_message(self) -> &'static str {
        match self {
            Entity::User => "email is already taken",
            Entity::Account => "(provider, providerAccountId) is already linked",
            Entity::Session => "session token is already in use",
            Entity::VerificationToken => "(identifier, token) already exists",
            Entity::Authenticator => "credentialID is already registered",
            Entity::BoundToken => "token is already bound in this realm",
            Entity::Other => "unique key is already taken",
        }
    }
}

/// A boxed driver error kept as the [`source`](std::error::Error::source) of
/// [`AdapterError::Backend`].
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// Everything that can go wrong in an [`Adapter`](crate::Adapter) call.
///
/// "Not there" is not an error for lookups and deletes: those return `Ok(None)`, as in
/// Auth.js. Messages never contain a secret (session, verification or OAuth tokens).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AdapterError {
    /// The record an update or a reference needs does not exist.
    #[error("{entity} not found")]
    #[non_exhaustive]
    NotFound {
        /// What was missing.
        entity: Entity,
    },
    /// A unique key is already taken (email, account, session token, credential id, a
    /// bound token in its realm, …).
    #[error("conflict: {entity} {message}")]
    #[non_exhaustive]
    Conflict {
        /// The kind of record whose key is taken.
        entity: Entity,
        /// Which key, in words, never with a secret value.
        message: String,
    },
    /// The input was rejected before it reached the store (empty ids, NUL bytes, values over
    /// a column's limit). Nothing was written.
    #[error("invalid input: `{field}` {reason}")]
    #[non_exhaustive]
    InvalidInput {
        /// The field that was rejected, by its Auth.js name.
        field: &'static str,
        /// Why, in words, never with the value itself.
        reason: String,
    },
    /// The backend cannot do this.
    #[error("unsupported: {message}")]
    #[non_exhaustive]
    Unsupported {
        /// What cannot be done, and why, in words.
        message: String,
    },
    /// The store or its driver failed.
    #[error("backend error: {message}")]
    #[non_exhaustive]
    Backend {
        /// What failed, in words.
        message: String,
        /// Whether retrying the same call may succeed (connection refused or reset, pool
        /// timeout, serialization failure).
        transient: bool,
        /// The driver's error.
        #[source]
        source: Option<BoxError>,
    },
}

impl AdapterError {
    /// A [`NotFound`](AdapterError::NotFound) error.
    pub fn not_found(entity: Entity) -> Self {
        AdapterError::NotFound { entity }
    }

    /// A [`Conflict`](AdapterError::Conflict) error.
    pub fn conflict(entity: Entity, message: impl Into<String>) -> Self {
        AdapterError::Conflict {
            entity,
            message: message.into(),
        }
    }

    /// The [`Conflict`](AdapterError::Conflict) of `entity`'s unique key being taken (a user's
    /// email, an account's `(provider, providerAccountId)`, a session token, a verification
    /// token's `(identifier, token)`, a credential id), worded the same on every backend.
    pub fn key_taken(entity: Entity) -> Self {
        AdapterError::conflict(entity, entity.key_taken_message())
    }

    /// An [`InvalidInput`](AdapterError::InvalidInput) error.
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        AdapterError::InvalidInput {
            field,
            reason: reason.into(),
        }
    }

    /// A permanent [`Backend`](AdapterError::Backend) error wrapping a driver error.
    pub fn backend(message: impl Into<String>, source: impl Into<BoxError>) -> Self {
        AdapterError::Backend {
            message: message.into(),
            transient: false,
            source: Some(source.into()),
        }
    }

    /// A transient [`Backend`](AdapterError::Backend) error (worth retrying).
    pub fn transient(message: impl Into<String>, source: impl Into<BoxError>) -> Self {
        AdapterError::Backend {
            message: message.into(),
            transient: true,
            source: Some(source.into()),
        }
    }

    /// A permanent [`Backend`](AdapterError::Backend) error with no driver error behind it
    /// (a value in the store that cannot be read, a reply the backend never gives).
    pub fn backend_message(message: impl Into<String>) -> Self {
        AdapterError::Backend {
            message: message.into(),
            transient: false,
            source: None,
        }
    }

    /// A transient [`Backend`](AdapterError::Backend) error with no driver error behind it
    /// (no connection free in time, a value that kept changing under concurrent writers).
    pub fn transient_message(message: impl Into<String>) -> Self {
        AdapterError::Backend {
            message: message.into(),
            transient: true,
            source: None,
        }
    }

    /// An [`Unsupported`](AdapterError::Unsupported) error.
    pub fn unsupported(message: impl Into<String>) -> Self {
        AdapterError::Unsupported {
            message: message.into(),
        }
    }

    /// The driver error behind a [`Backend`](AdapterError::Backend) error, taken out of it.
    pub fn into_source(self) -> Option<BoxError> {
        match self {
            AdapterError::Backend { source, .. } => source,
            _ => None,
        }
    }

    /// Whether retrying the same call may succeed. Only backend errors can be transient.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            AdapterError::Backend {
                transient: true,
                ..
            }
        )
    }

    /// Whether this is [`AdapterError::NotFound`].
    pub fn is_not_found(&self) -> bool {
        matches!(self, AdapterError::NotFound { .. })
    }

    /// Whether this is [`AdapterError::Conflict`].
    pub fn is_conflict(&self) -> bool {
        matches!(self, AdapterError::Conflict { .. })
    }

    /// Whether this is [`AdapterError::InvalidInput`].
    pub fn is_invalid_input(&self) -> bool {
        matches!(self, AdapterError::InvalidInput { .. })
    }
}

/// `Result` with [`AdapterError`].
pub type Result<T, E = AdapterError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_transient_backend_errors_are_transient() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        assert!(AdapterError::transient("connect", io).is_transient());
        let io = std::io::Error::other("bad");
        assert!(!AdapterError::backend("query", io).is_transient());
        assert!(!AdapterError::not_found(Entity::User).is_transient());
    }

    #[test]
    fn backend_error_keeps_its_source() {
        let io = std::io::Error::other("driver said no");
        let err = AdapterError::backend("query failed", io);
        let source = std::error::Error::source(&err).map(ToString::to_string);
        assert_eq!(source.as_deref(), Some("driver said no"));
        assert_eq!(err.to_string(), "backend error: query failed");
    }

    #[test]
    fn errors_without_a_source_say_what_failed() {
        let err = AdapterError::transient_message("no connection free in time");
        assert!(err.is_transient());
        assert!(std::error::Error::source(&err).is_none());
        assert!(!AdapterError::backend_message("unreadable").is_transient());
        assert_eq!(
            AdapterError::key_taken(Entity::Other).to_string(),
            "conflict: record unique key is already taken"
        );
        assert_eq!(
            AdapterError::unsupported("no such thing").to_string(),
            "unsupported: no such thing"
        );
    }
}
