//! [`Limits`]: what a backend's table layout cannot hold of the [`Adapter`] contract, as the
//! backend documents it, so that the few cases that touch such a limit check the documented
//! behaviour (a typed `InvalidInput` or `Conflict`, nothing stored) instead of being skipped.
//!
//! Most backends have none: they pass nothing and get [`Limits::CONTRACT`], with which
//! every case runs exactly as the contract states. A backend whose layout is fixed by
//! another tool (the MySQL layouts of Prisma and Drizzle: `VARCHAR(191)` columns,
//! `TIMESTAMP` in whole seconds, a unique `Account.userId`; the PostgreSQL Prisma layout's
//! required email) passes its own to
//! [`conformance_suite!`](crate::conformance_suite):
//!
//! ```no_run
//! # use std::sync::Arc;
//! # async fn fresh_adapter() -> Arc<dyn auth_adapter_core::Adapter> { todo!() }
//! use auth_adapter_tests::Limits;
//!
//! auth_adapter_tests::conformance_suite!(
//!     fresh_adapter,
//!     limits = Limits::CONTRACT.max_varchar(191).one_account_per_user(true)
//! );
//! # fn main() {}
//! ```
//!
//! The suite runs each case with its limits in scope (a tokio task-local); a case reads
//! them with [`current`]. A case called by hand runs under [`Limits::CONTRACT`] unless
//! wrapped in [`scope`].
//!
//! [`Adapter`]: auth_adapter_core::Adapter

use auth_adapter_core::backend::dates;
use auth_adapter_core::backend::validate::{MAX_KEY_BYTES, MAX_VARCHAR};
use chrono::{DateTime, TimeDelta, Utc};

/// How long the longest stored key may be: the contract counts bytes of UTF-8, a layout
/// with `VARCHAR(n)` columns counts characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyLimit {
    /// At most this many bytes of UTF-8 (the contract: [`MAX_KEY_BYTES`]).
    Bytes(usize),
    /// At most this many characters (a `VARCHAR(n)` column).
    Chars(usize),
}

impl KeyLimit {
    /// The longest key of ASCII characters (one byte each) this limit takes.
    pub fn ascii_len(self) -> usize {
        match self {
            KeyLimit::Bytes(n) | KeyLimit::Chars(n) => n,
        }
    }

    /// A key of two-byte characters (`é`) one unit over the limit.
    pub fn over_in_two_byte_chars(self) -> String {
        match self {
            KeyLimit::Bytes(n) => "é".repeat(n / 2 + 1),
            KeyLimit::Chars(n) => "é".repeat(n + 1),
        }
    }
}

/// The documented limits of a backend's layout (see the [module docs](self)).
///
/// Build one from [`Limits::CONTRACT`] with the setters; each names one way a layout falls
/// short of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// The longest user name and email, account type, provider and provider account id,
    /// session token and verification token identifier, in characters (the contract:
    /// [`MAX_VARCHAR`], 255).
    pub max_varchar: usize,
    /// The longest verification `token`, `credentialID` and authenticator
    /// `providerAccountId` (the contract: [`MAX_KEY_BYTES`] bytes).
    pub max_key: KeyLimit,
    /// The earliest date stored (`emailVerified`, `expires`); the contract: [`dates::MIN`].
    pub earliest_date: DateTime<Utc>,
    /// The latest date stored; the contract: [`dates::MAX`].
    pub latest_date: DateTime<Utc>,
    /// Whether a session's and a verification token's `expires` are stored in whole
    /// seconds, a fraction of a second being `InvalidInput` (the contract keeps
    /// milliseconds).
    pub whole_second_expires: bool,
    /// Whether a user can have at most one account, linking a second being `Conflict`.
    pub one_account_per_user: bool,
    /// The largest authenticator counter stored (the contract: `u32::MAX`).
    pub max_counter: u32,
    /// Whether every user must have an email, a user without one (created, or updated to
    /// none) being `InvalidInput` (the Prisma docs' PostgreSQL schema: `email String
    /// @unique`, `NOT NULL`).
    pub email_required: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits::CONTRACT
    }
}

impl Limits {
    /// No limit beyond the contract: what every backend without a documented limit has.
    pub const CONTRACT: Limits = Limits {
        max_varchar: MAX_VARCHAR,
        max_key: KeyLimit::Bytes(MAX_KEY_BYTES),
        earliest_date: dates::MIN,
        latest_date: dates::MAX,
        whole_second_expires: false,
        one_account_per_user: false,
        max_counter: u32::MAX,
        email_required: false,
    };

    /// Sets [`max_varchar`](Self::max_varchar).
    pub const fn max_varchar(mut self, chars: usize) -> Self {
        self.max_varchar = chars;
        self
    }

    /// Sets [`max_key`](Self::max_key).
    pub const fn max_key(mut self, limit: KeyLimit) -> Self {
        self.max_key = limit;
        self
    }

    /// Sets the dates stored, [`earliest_date`](Self::earliest_date) to
    /// [`latest_date`](Self::latest_date).
    pub const fn dates(mut self, earliest: DateTime<Utc>, latest: DateTime<Utc>) -> Self {
        self.earliest_date = earliest;
        self.latest_date = latest;
        self
    }

    /// Sets [`whole_second_expires`](Self::whole_second_expires).
    pub const fn whole_second_expires(mut self, yes: bool) -> Self {
        self.whole_second_expires = yes;
        self
    }

    /// Sets [`one_account_per_user`](Self::one_account_per_user).
    pub const fn one_account_per_user(mut self, yes: bool) -> Self {
        self.one_account_per_user = yes;
        self
    }

    /// Sets [`max_counter`](Self::max_counter).
    pub const fn max_counter(mut self, max: u32) -> Self {
        self.max_counter = max;
        self
    }

    /// Sets [`email_required`](Self::email_required).
    pub const fn email_required(mut self, yes: bool) -> Self {
        self.email_required = yes;
        self
    }

    /// `at` as a session's or token's `expires` the layout stores unchanged: itself, or
    /// cut to whole seconds where [`whole_second_expires`](Self::whole_second_expires).
    pub fn expires(&self, at: DateTime<Utc>) -> DateTime<Utc> {
        if self.whole_second_expires {
            auth_adapter_core::backend::dates::truncate_to_seconds(at)
        } else {
            at
        }
    }

    /// The smallest step between two storable `expires`: a millisecond, or a second.
    pub fn expires_step(&self) -> TimeDelta {
        if self.whole_second_expires {
            TimeDelta::seconds(1)
        } else {
            TimeDelta::milliseconds(1)
        }
    }
}

tokio::task_local! {
    static LIMITS: Limits;
}

/// The limits of the backend whose suite is running ([`Limits::CONTRACT`] outside one).
pub fn current() -> Limits {
    LIMITS.try_with(|l| *l).unwrap_or(Limits::CONTRACT)
}

/// Runs `case` with `limits` as [`current`].
pub async fn scope<F: std::future::Future>(limits: Limits, case: F) -> F::Output {
    LIMITS.scope(limits, case).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_contract_changes_nothing() {
        let at = DateTime::from_timestamp_millis(1_795_000_409_559).unwrap();
        assert_eq!(Limits::CONTRACT.expires(at), at);
        assert_eq!(Limits::CONTRACT.expires_step(), TimeDelta::milliseconds(1));
        let seconds = Limits::CONTRACT.whole_second_expires(true);
        assert_eq!(seconds.expires(at).timestamp_subsec_millis(), 0);
        assert_eq!(current(), Limits::CONTRACT);
    }
}
