//! [`SignInError`]: why a send or a verification was refused, and [`ConfigError`].

use std::time::Duration;

use auth_adapter_core::AdapterError;

use crate::sender::SendError;

/// Which send limit was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LimitScope {
    /// Too many messages to this address or number
    /// ([`Limits::sends_per_recipient`](crate::Limits::sends_per_recipient)).
    Recipient,
    /// Too many requests from this client address
    /// ([`Limits::sends_per_ip`](crate::Limits::sends_per_ip),
    /// [`Limits::code_checks_per_ip`](crate::Limits::code_checks_per_ip)).
    ClientIp,
}

impl std::fmt::Display for LimitScope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            LimitScope::Recipient => "for this recipient",
            LimitScope::ClientIp => "from this address",
        })
    }
}

/// Why a sign-in step was refused. No variant carries a link, token, code or secret, nor
/// the address or number it was about; `Display` is fit for a log line.
///
/// How a web layer answers them: the `Invalid*` and [`Expired`](SignInError::Expired)
/// errors are the client's (400); [`TooManyAttempts`](SignInError::TooManyAttempts) and
/// [`RateLimited`](SignInError::RateLimited) are 429 with
/// [`retry_after`](SignInError::retry_after) as `Retry-After`;
/// [`Send`](SignInError::Send) and a transient [`Store`](SignInError::Store) error are
/// 503 (see [`is_transient`](SignInError::is_transient)). A send never says whether the
/// address belongs to a user.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignInError {
    /// Not an email address a message can be sent to.
    #[error("invalid email address: it {reason}")]
    #[non_exhaustive]
    InvalidEmail {
        /// What is wrong with it, in words, without the address.
        reason: &'static str,
    },
    /// Not a phone number a text can be sent to.
    #[error("invalid phone number: it {reason}")]
    #[non_exhaustive]
    InvalidPhone {
        /// What is wrong with it, in words, without the number.
        reason: &'static str,
    },
    /// The link's token is unknown for this address, or was used already.
    #[error("the sign-in link is unknown or was already used")]
    InvalidLink,
    /// The code is wrong, was used already, was replaced by a newer one, or none was sent.
    #[error("the code is wrong, used, replaced by a newer one, or was never sent")]
    InvalidCode,
    /// The link or code was right but its lifetime is over (it is used up all the same).
    #[error("the sign-in link or code has expired")]
    Expired,
    /// Too many codes were checked for this recipient in the current window: no code,
    /// right or wrong, is looked at until it ends.
    #[error("too many codes were tried for this recipient; try again in {} s", secs(*retry_after))]
    #[non_exhaustive]
    TooManyAttempts {
        /// When the window ends.
        retry_after: Duration,
    },
    /// A send or code-check limit was reached.
    #[error("too many requests {scope}; try again in {} s", secs(*retry_after))]
    #[non_exhaustive]
    RateLimited {
        /// Which limit.
        scope: LimitScope,
        /// When its window ends.
        retry_after: Duration,
    },
    /// The sender failed; the link or code it carried was withdrawn, nothing usable is left.
    #[error("the sign-in message could not be sent: {0}")]
    Send(#[source] SendError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] AdapterError),
}

/// Whole seconds, rounded up (a `Retry-After` of 0 would invite an immediate retry).
fn secs(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

impl SignInError {
    /// How long to wait before trying again, when the error says: the window of a limit, or
    /// what the delivery provider asked for. Whole seconds rounded up make a `Retry-After`.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            SignInError::TooManyAttempts { retry_after }
            | SignInError::RateLimited { retry_after, .. } => Some(*retry_after),
            SignInError::Send(SendError::Unavailable { retry_after, .. }) => *retry_after,
            _ => None,
        }
    }

    /// [`retry_after`](Self::retry_after) in whole seconds, rounded up: the value of a
    /// `Retry-After` header.
    pub fn retry_after_secs(&self) -> Option<u64> {
        self.retry_after().map(secs)
    }

    /// Whether the same request may succeed later without any change: a delivery provider
    /// that was unreachable or busy, or a transient store failure.
    pub fn is_transient(&self) -> bool {
        match self {
            SignInError::Send(SendError::Unavailable { .. }) => true,
            SignInError::Store(e) => e.is_transient(),
            _ => false,
        }
    }

    pub(crate) fn invalid_email(reason: &'static str) -> Self {
        SignInError::InvalidEmail { reason }
    }

    pub(crate) fn invalid_phone(reason: &'static str) -> Self {
        SignInError::InvalidPhone { reason }
    }

    pub(crate) fn too_many_attempts(retry_after: chrono::TimeDelta) -> Self {
        SignInError::TooManyAttempts {
            retry_after: to_duration(retry_after),
        }
    }

    pub(crate) fn rate_limited(scope: LimitScope, retry_after: chrono::TimeDelta) -> Self {
        SignInError::RateLimited {
            scope,
            retry_after: to_duration(retry_after),
        }
    }
}

/// A counter's `resets_in` as a `Duration`, at least one millisecond: a limit that is
/// reached has a window that has not ended.
fn to_duration(d: chrono::TimeDelta) -> Duration {
    d.to_std().unwrap_or_default().max(Duration::from_millis(1))
}

/// Why a [`Passwordless`](crate::Passwordless) service could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// No secret was given: it keys the codes and hashes the links, as Auth.js's
    /// `AUTH_SECRET` does.
    #[error("a secret is required (Auth.js's AUTH_SECRET)")]
    MissingSecret,
    /// A secret is empty.
    #[error("a secret is empty")]
    EmptySecret,
    /// No site URL was given: sign-in links point to it.
    #[error("a site URL is required (Auth.js's AUTH_URL): sign-in links point to it")]
    MissingSiteUrl,
    /// The site URL is not an `http://` or `https://` URL with a host, and nothing after
    /// its path.
    #[error("the site URL must be http:// or https://, with a host, without query or fragment")]
    SiteUrl,
    /// `production` is on and the site URL is `http://`: links would travel in clear.
    #[error("in production the site URL must be https://")]
    InsecureSiteUrl,
    /// The base path or the provider id holds characters a URL path cannot hold as is.
    #[error("the {0} may hold only letters, digits and -._~/ characters")]
    Path(&'static str),
    /// The code format cannot make codes: see [`CodeFormat::new`](crate::CodeFormat::new).
    #[error("the code format {0}")]
    CodeFormat(&'static str),
    /// A lifetime is zero, negative or over a year.
    #[error("the {0} must be more than zero and at most a year")]
    Lifetime(&'static str),
    /// A limit is zero, or its window is outside what the counter store takes.
    #[error("the limit {0} must allow at least one, in a window of 1 ms to a year")]
    Limit(&'static str),
    /// The default phone region is not an ISO 3166 code libphonenumber knows.
    #[error("the default phone region must be an ISO 3166 alpha-2 code such as \"DE\"")]
    Region,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_rounds_up_and_never_says_zero() {
        let e = SignInError::too_many_attempts(chrono::TimeDelta::milliseconds(1500));
        assert_eq!(e.retry_after_secs(), Some(2));
        assert!(e.to_string().contains("2 s"), "{e}");
        let e = SignInError::rate_limited(LimitScope::ClientIp, chrono::TimeDelta::zero());
        assert_eq!(e.retry_after_secs(), Some(1));
        assert!(e.to_string().contains("from this address"), "{e}");
        assert_eq!(SignInError::InvalidCode.retry_after(), None);
        let busy = SignInError::Send(SendError::Unavailable {
            message: "429".into(),
            retry_after: Some(Duration::from_secs(3)),
        });
        assert_eq!(busy.retry_after_secs(), Some(3));
        assert!(busy.is_transient());
        assert!(!SignInError::Expired.is_transient());
    }
}
