//! [`Layout`]: the two table layouts the MySQL backend keeps, and what each can hold.
//!
//! Both are fixed by the JavaScript tool that made the tables (`prisma migrate` from the
//! Auth.js docs schema, `drizzle-kit` from `@auth/drizzle-adapter`'s tables), so a Node
//! app and this adapter share them as they are. Where a column is narrower than what the
//! [`Adapter`](auth_adapter_core::Adapter) contract promises, [`Columns`] says how narrow,
//! and the adapter refuses what would not fit (see [`crate::checks`]).

use auth_adapter_core::backend::ids;
use chrono::{DateTime, NaiveDate, Utc};

/// Which Auth.js layout the tables are in. See the [crate docs](crate#layouts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Layout {
    /// `@auth/prisma-adapter` with the MySQL schema of the Auth.js docs: tables `User`,
    /// `Account`, `Session`, `VerificationToken`, `Authenticator`; `VARCHAR(191)` strings,
    /// `DATETIME(3)` dates, cuid ids, `createdAt`/`updatedAt`; a unique `Account.userId`
    /// (one account per user) and no cascades from `User`.
    #[default]
    Prisma,
    /// `@auth/drizzle-adapter`'s MySQL tables: `user`, `account`, `session`,
    /// `verificationToken`, `authenticator`; `VARCHAR(255)` strings (OAuth tokens too),
    /// `TIMESTAMP` dates (whole seconds on sessions and verification tokens, 1970 to 2038),
    /// UUID ids, cascading foreign keys.
    Drizzle,
}

impl Layout {
    /// The layout's name: `"prisma"` or `"drizzle"`.
    pub fn name(self) -> &'static str {
        match self {
            Layout::Prisma => "prisma",
            Layout::Drizzle => "drizzle",
        }
    }
}

/// How much a text column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Width {
    /// `VARCHAR(n)`: `n` characters.
    Chars(usize),
    /// `TEXT`: 65 535 bytes.
    TextBytes(usize),
}

/// The bytes a MySQL `TEXT` column holds.
const TEXT_BYTES: usize = 65_535;

/// The tables of a layout: names, and the widths and ranges of the columns.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Columns {
    pub(crate) layout: Layout,
    pub(crate) user: &'static str,
    pub(crate) account: &'static str,
    pub(crate) session: &'static str,
    pub(crate) verification_token: &'static str,
    pub(crate) authenticator: &'static str,
    /// Every `VARCHAR` column not listed below (ids, keys, names, scopes, public keys …).
    pub(crate) varchar: usize,
    /// `access_token` and `refresh_token`.
    pub(crate) oauth_token: Width,
    /// `id_token`.
    pub(crate) id_token: Width,
    /// The earliest and latest dates every date column holds.
    pub(crate) earliest: DateTime<Utc>,
    pub(crate) latest: DateTime<Utc>,
    /// Whether `expires` of sessions and verification tokens is a whole-second `TIMESTAMP`.
    pub(crate) whole_second_expires: bool,
    /// Whether the user's sessions and accounts go with it by themselves (`ON DELETE
    /// CASCADE`); where not, `delete_user` deletes them first, in its transaction.
    pub(crate) cascades: bool,
    /// Whether the Prisma bookkeeping columns exist: `id` on accounts and sessions (a
    /// cuid the writer makes), `createdAt` (a default) and `updatedAt` (no default).
    pub(crate) prisma_columns: bool,
}

impl Columns {
    /// The layout's name, for messages.
    pub(crate) fn name(&self) -> &'static str {
        self.layout.name()
    }
}

const fn date(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32, ms: u32) -> DateTime<Utc> {
    match NaiveDate::from_ymd_opt(y, m, d) {
        Some(day) => match day.and_hms_milli_opt(h, min, s, ms) {
            Some(t) => t.and_utc(),
            None => DateTime::<Utc>::MIN_UTC,
        },
        None => DateTime::<Utc>::MIN_UTC,
    }
}

/// `DATETIME`: `1000-01-01 00:00:00` to `9999-12-31 23:59:59.999` (with 3 digits).
pub(crate) const DATETIME_EARLIEST: DateTime<Utc> = date(1000, 1, 1, 0, 0, 0, 0);
/// The last millisecond a `DATETIME(3)` holds.
pub(crate) const DATETIME_LATEST: DateTime<Utc> = date(9999, 12, 31, 23, 59, 59, 999);
/// `TIMESTAMP`: `1970-01-01 00:00:01` UTC …
pub(crate) const TIMESTAMP_EARLIEST: DateTime<Utc> = date(1970, 1, 1, 0, 0, 1, 0);
/// … to `2038-01-19 03:14:07` UTC (the whole second; kept for every `TIMESTAMP` column,
/// also `emailVerified`'s `TIMESTAMP(3)`, so the range is one for the whole layout).
pub(crate) const TIMESTAMP_LATEST: DateTime<Utc> = date(2038, 1, 19, 3, 14, 7, 0);

impl Layout {
    pub(crate) fn columns(self) -> Columns {
        match self {
            Layout::Prisma => Columns {
                layout: self,
                user: "User",
                account: "Account",
                session: "Session",
                verification_token: "VerificationToken",
                authenticator: "Authenticator",
                varchar: 191,
                oauth_token: Width::TextBytes(TEXT_BYTES),
                id_token: Width::TextBytes(TEXT_BYTES),
                earliest: DATETIME_EARLIEST,
                latest: DATETIME_LATEST,
                whole_second_expires: false,
                cascades: false,
                prisma_columns: true,
            },
            Layout::Drizzle => Columns {
                layout: self,
                user: "user",
                account: "account",
                session: "session",
                verification_token: "verificationToken",
                authenticator: "authenticator",
                varchar: 255,
                oauth_token: Width::Chars(255),
                id_token: Width::Chars(2048),
                earliest: TIMESTAMP_EARLIEST,
                latest: TIMESTAMP_LATEST,
                whole_second_expires: true,
                cascades: true,
                prisma_columns: false,
            },
        }
    }

    /// A new user id as the JavaScript side makes it: a cuid-like id for Prisma
    /// ([`ids::cuid`]), `crypto.randomUUID()`'s form for Drizzle ([`ids::uuid`]).
    pub(crate) fn new_id(self) -> String {
        match self {
            Layout::Prisma => ids::cuid(),
            Layout::Drizzle => ids::uuid(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuids_look_like_cuids() {
        let a = Layout::Prisma.new_id();
        let b = Layout::Prisma.new_id();
        assert_eq!(a.len(), 25);
        assert!(a.starts_with('c'));
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        );
        assert_ne!(a, b);
    }

    #[test]
    fn ranges_are_what_mysql_documents() {
        assert_eq!(DATETIME_EARLIEST.to_rfc3339(), "1000-01-01T00:00:00+00:00");
        assert_eq!(TIMESTAMP_LATEST.timestamp(), i64::from(i32::MAX));
        assert_eq!(TIMESTAMP_EARLIEST.timestamp(), 1);
        assert_eq!(DATETIME_LATEST.timestamp_subsec_millis(), 999);
    }
}
