//! When a database session is valid, extended or over, by the Auth.js rules.

use chrono::{DateTime, TimeDelta, Utc};

use crate::adapter::Adapter;
use crate::error::Result;
use crate::model::{AdapterSession, AdapterUser, SessionUpdate};

/// A new session token: a UUID v4, as Auth.js's `generateSessionToken` default.
pub fn generate_session_token() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The session lifetime settings, with the Auth.js defaults (`maxAge` 30 days,
/// `updateAge` 24 hours).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// How long a session lasts from its last extension.
    pub max_age: TimeDelta,
    /// How often, at most, a session's end is moved forward.
    pub update_age: TimeDelta,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy {
            max_age: TimeDelta::days(30),
            update_age: TimeDelta::hours(24),
        }
    }
}

/// What to do with a session that was presented, see [`SessionPolicy::check`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionCheck {
    /// `expires` has passed: delete the session and treat the request as signed out.
    Expired,
    /// Valid and not due for extension.
    Valid,
    /// Valid, and its end should move to `expires`.
    Extend {
        /// The new end of the session (`now + max_age`).
        expires: DateTime<Utc>,
    },
}

impl SessionPolicy {
    /// The end of a session created or extended at `now`: `now + max_age`, cut to the
    /// whole second.
    ///
    /// Whole seconds are all a cookie's `Expires` and a JWT's `exp` carry, and all every
    /// layout stores: the MySQL Drizzle layout keeps session expiries in a `TIMESTAMP` of
    /// whole seconds and refuses a fraction rather than round it. A session this crate's
    /// users create or extend therefore fits every backend, and its cookie says exactly
    /// when the row expires.
    ///
    /// ```
    /// use auth_adapter_core::SessionPolicy;
    /// use chrono::{TimeDelta, Timelike, Utc};
    /// let now = Utc::now();
    /// let expires = SessionPolicy::default().expires_from(now);
    /// assert_eq!(expires.nanosecond(), 0);
    /// assert!(expires <= now + TimeDelta::days(30) && expires > now + TimeDelta::days(30) - TimeDelta::seconds(1));
    /// ```
    pub fn expires_from(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        crate::backend::dates::truncate_to_seconds(now + self.max_age)
    }

    /// Applies the Auth.js rule: expired when `expires < now`; extended when
    /// `expires - max_age + update_age <= now`.
    ///
    /// ```
    /// use auth_adapter_core::{SessionCheck, SessionPolicy};
    /// use chrono::{TimeDelta, Utc};
    /// let policy = SessionPolicy::default();
    /// let now = Utc::now();
    /// // Created a moment ago: valid, not rewritten.
    /// assert_eq!(policy.check(now + TimeDelta::days(30), now), SessionCheck::Valid);
    /// // Created 25 hours ago: extended to now + 30 days (in whole seconds).
    /// let expires = now + TimeDelta::days(30) - TimeDelta::hours(25);
    /// assert_eq!(
    ///     policy.check(expires, now),
    ///     SessionCheck::Extend { expires: policy.expires_from(now) }
    /// );
    /// assert_eq!(policy.check(now - TimeDelta::seconds(1), now), SessionCheck::Expired);
    /// ```
    pub fn check(&self, expires: DateTime<Utc>, now: DateTime<Utc>) -> SessionCheck {
        if expires < now {
            SessionCheck::Expired
        } else if expires - self.max_age + self.update_age <= now {
            SessionCheck::Extend {
                expires: self.expires_from(now),
            }
        } else {
            SessionCheck::Valid
        }
    }

    /// Reads a presented session the way Auth.js does: looks it up, deletes it if it has
    /// expired (and answers `None`), extends it when due, and returns it with its user.
    pub async fn resolve<A: Adapter + ?Sized>(
        &self,
        adapter: &A,
        session_token: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(AdapterSession, AdapterUser)>> {
        let Some((mut session, user)) = adapter.get_session_and_user(session_token).await? else {
            return Ok(None);
        };
        match self.check(session.expires, now) {
            SessionCheck::Expired => {
                adapter.delete_session(session_token).await?;
                Ok(None)
            }
            SessionCheck::Valid => Ok(Some((session, user))),
            SessionCheck::Extend { expires } => {
                let update = SessionUpdate::new(session_token, expires);
                match adapter.update_session(update).await? {
                    Some(updated) => session = updated,
                    None => return Ok(None),
                }
                Ok(Some((session, user)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extension_boundary_is_inclusive() {
        let p = SessionPolicy::default();
        let now = Utc::now();
        let due = now + p.max_age - p.update_age; // dueDate == now
        assert_eq!(
            p.check(due, now),
            SessionCheck::Extend {
                expires: p.expires_from(now)
            }
        );
        let not_due = due + TimeDelta::milliseconds(1);
        assert_eq!(p.check(not_due, now), SessionCheck::Valid);
        assert_eq!(
            p.check(now, now),
            SessionCheck::Extend {
                expires: p.expires_from(now)
            }
        );
    }

    #[test]
    fn session_tokens_are_uuid_v4() {
        let t = generate_session_token();
        let parsed = uuid::Uuid::parse_str(&t).unwrap();
        assert_eq!(parsed.get_version_num(), 4);
    }
}
