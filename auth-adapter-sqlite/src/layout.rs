//! [`Layout`] and [`TableNames`]: which Auth.js tables the adapter reads and writes, and
//! (internally) the shape of a Prisma database it found: which of Prisma's bookkeeping
//! columns each table has.

use auth_adapter_core::{AdapterError, Result};
use chrono::{DateTime, NaiveDate, Utc};

/// Which Auth.js SQLite layout the tables are in. See the [crate docs](crate#layouts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Layout {
    /// `@auth/drizzle-adapter`'s default SQLite tables (the default): `user`, `account`,
    /// `session`, `verificationToken`, `authenticator`; dates as INTEGER epoch
    /// milliseconds, UUID user ids.
    #[default]
    Drizzle,
    /// `@auth/prisma-adapter` with the Auth.js docs' SQLite schema: `User`, `Account`,
    /// `Session`, `VerificationToken`, `Authenticator`; dates as the ISO-8601 text Prisma's
    /// SQLite driver adapters write, cuid ids, `createdAt`/`updatedAt` where the tables have
    /// them.
    Prisma,
}

impl Layout {
    /// The layout's name: `"drizzle"` or `"prisma"`.
    pub fn name(self) -> &'static str {
        match self {
            Layout::Drizzle => "drizzle",
            Layout::Prisma => "prisma",
        }
    }

    /// The default table names: `(user, account, session, verificationToken,
    /// authenticator)`.
    fn default_names(self) -> [&'static str; 5] {
        match self {
            Layout::Drizzle => [
                "user",
                "account",
                "session",
                "verificationToken",
                "authenticator",
            ],
            Layout::Prisma => [
                "User",
                "Account",
                "Session",
                "VerificationToken",
                "Authenticator",
            ],
        }
    }
}

/// The names of the five Auth.js tables, where they differ from the layout's defaults (a
/// Prisma model with `@@map("users")`, Drizzle tables of your own). Unset names are the
/// layout's.
///
/// ```
/// use auth_adapter_sqlite::{Layout, SqliteOptions, TableNames};
///
/// let options = SqliteOptions::new()
///     .layout(Layout::Prisma)
///     .table_names(TableNames::new().user("users").account("accounts"));
/// assert_eq!(options.get_table_names().get_user(), Some("users"));
/// assert_eq!(options.get_table_names().get_session(), None); // "Session"
/// ```
///
/// A name may hold any character except `"`, `` ` ``, `[`, `]` and control characters, must
/// not start with `sqlite_`, and the five must differ from each other (SQLite compares
/// names without regard to ASCII case) and from this crate's own tables
/// (`auth_adapter_counter`, `auth_adapter_token`). Names are case-insensitive in SQLite:
/// `User` and `user` are one table, so one file holds one layout.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TableNames {
    user: Option<String>,
    account: Option<String>,
    session: Option<String>,
    verification_token: Option<String>,
    authenticator: Option<String>,
}

impl TableNames {
    /// Every table under the layout's own name.
    pub fn new() -> Self {
        TableNames::default()
    }

    /// The users table (`user` / `User`).
    pub fn user(mut self, name: impl Into<String>) -> Self {
        self.user = Some(name.into());
        self
    }

    /// The accounts table (`account` / `Account`).
    pub fn account(mut self, name: impl Into<String>) -> Self {
        self.account = Some(name.into());
        self
    }

    /// The sessions table (`session` / `Session`).
    pub fn session(mut self, name: impl Into<String>) -> Self {
        self.session = Some(name.into());
        self
    }

    /// The verification tokens table (`verificationToken` / `VerificationToken`).
    pub fn verification_token(mut self, name: impl Into<String>) -> Self {
        self.verification_token = Some(name.into());
        self
    }

    /// The authenticators table (`authenticator` / `Authenticator`).
    pub fn authenticator(mut self, name: impl Into<String>) -> Self {
        self.authenticator = Some(name.into());
        self
    }

    /// The users table's name, if set.
    pub fn get_user(&self) -> Option<&str> {
        self.user.as_deref()
    }

    /// The accounts table's name, if set.
    pub fn get_account(&self) -> Option<&str> {
        self.account.as_deref()
    }

    /// The sessions table's name, if set.
    pub fn get_session(&self) -> Option<&str> {
        self.session.as_deref()
    }

    /// The verification tokens table's name, if set.
    pub fn get_verification_token(&self) -> Option<&str> {
        self.verification_token.as_deref()
    }

    /// The authenticators table's name, if set.
    pub fn get_authenticator(&self) -> Option<&str> {
        self.authenticator.as_deref()
    }
}

/// The tables this crate keeps beside the Auth.js ones, under fixed names.
pub(crate) const OWN_TABLES: [&str; 2] = ["auth_adapter_counter", "auth_adapter_token"];

/// The resolved table names of a layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Tables {
    pub(crate) layout: Layout,
    pub(crate) user: String,
    pub(crate) account: String,
    pub(crate) session: String,
    pub(crate) verification_token: String,
    pub(crate) authenticator: String,
}

impl Tables {
    /// The names `names` sets, the layout's defaults for the others; checked.
    pub(crate) fn resolve(layout: Layout, names: &TableNames) -> Result<Tables> {
        let [u, a, s, v, au] = layout.default_names();
        let pick = |set: &Option<String>, default: &str| set.clone().unwrap_or(default.into());
        let tables = Tables {
            layout,
            user: pick(&names.user, u),
            account: pick(&names.account, a),
            session: pick(&names.session, s),
            verification_token: pick(&names.verification_token, v),
            authenticator: pick(&names.authenticator, au),
        };
        tables.check()?;
        Ok(tables)
    }

    fn all(&self) -> [(&'static str, &str); 5] {
        [
            ("table_names.user", &self.user),
            ("table_names.account", &self.account),
            ("table_names.session", &self.session),
            ("table_names.verification_token", &self.verification_token),
            ("table_names.authenticator", &self.authenticator),
        ]
    }

    fn check(&self) -> Result<()> {
        let all = self.all();
        for (i, (field, name)) in all.iter().enumerate() {
            if name.is_empty() || name.chars().count() > 128 {
                return Err(AdapterError::invalid(
                    field,
                    "must be 1 to 128 characters long",
                ));
            }
            if name
                .chars()
                .any(|c| matches!(c, '"' | '`' | '[' | ']') || c.is_control())
            {
                return Err(AdapterError::invalid(
                    field,
                    "must not hold quotes, backticks, brackets or control characters",
                ));
            }
            if name.to_ascii_lowercase().starts_with("sqlite_") {
                return Err(AdapterError::invalid(
                    field,
                    "must not start with `sqlite_` (SQLite reserves those names)",
                ));
            }
            if OWN_TABLES.iter().any(|own| own.eq_ignore_ascii_case(name)) {
                return Err(AdapterError::invalid(
                    field,
                    "names one of this crate's own tables",
                ));
            }
            if all[..i]
                .iter()
                .any(|(_, other)| other.eq_ignore_ascii_case(name))
            {
                return Err(AdapterError::invalid(
                    field,
                    "names the same table as another table name (SQLite ignores ASCII case)",
                ));
            }
        }
        Ok(())
    }
}

/// How a layout stores dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DateFormat {
    /// INTEGER milliseconds since the epoch (drizzle's `timestamp_ms`).
    EpochMillis,
    /// The text `@prisma/adapter-better-sqlite3` (and `@prisma/adapter-libsql`) write by
    /// default: JavaScript's `toISOString()` with `Z` spelled `+00:00`,
    /// `2026-11-22T11:33:29.559+00:00`.
    PrismaText,
}

/// Which of Prisma's bookkeeping columns a table has: an `id` the client makes (a cuid),
/// `createdAt` (`@default(now())`, written by the client too) and `updatedAt` (`@updatedAt`,
/// no database default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Extras {
    pub(crate) id: bool,
    pub(crate) created_at: bool,
    pub(crate) updated_at: bool,
}

impl Extras {
    const NONE: Extras = Extras {
        id: false,
        created_at: false,
        updated_at: false,
    };
    const STAMPS: Extras = Extras {
        id: false,
        created_at: true,
        updated_at: true,
    };
    const ALL: Extras = Extras {
        id: true,
        created_at: true,
        updated_at: true,
    };

    /// Whether an insert writes the current time (to `createdAt`, `updatedAt` or both).
    pub(crate) fn stamps(self) -> bool {
        self.created_at || self.updated_at
    }
}

/// What the adapter found (or created) in the database: how dates are stored, the
/// bookkeeping columns of each table, and whether `email` is required.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Shape {
    pub(crate) dates: DateFormat,
    /// The users' `id` is always one of the adapter's columns: `user.id` is never set.
    pub(crate) user: Extras,
    pub(crate) account: Extras,
    pub(crate) session: Extras,
    pub(crate) verification_token: Extras,
    pub(crate) authenticator: Extras,
    /// `email` is `NOT NULL` (the `String @unique` of adapter-prisma's own test schema).
    pub(crate) email_required: bool,
}

impl Shape {
    /// The drizzle tables: no bookkeeping, dates in milliseconds.
    pub(crate) const DRIZZLE: Shape = Shape {
        dates: DateFormat::EpochMillis,
        user: Extras::NONE,
        account: Extras::NONE,
        session: Extras::NONE,
        verification_token: Extras::NONE,
        authenticator: Extras::NONE,
        email_required: false,
    };

    /// The Auth.js docs' SQLite schema, as `migrate` creates it.
    pub(crate) const PRISMA_DOCS: Shape = Shape {
        dates: DateFormat::PrismaText,
        user: Extras::STAMPS,
        account: Extras::ALL,
        session: Extras::ALL,
        verification_token: Extras::NONE,
        authenticator: Extras::NONE,
        email_required: false,
    };

    /// What the layout's `migrate` creates.
    #[cfg(test)]
    pub(crate) fn created_by_migrate(layout: Layout) -> Shape {
        match layout {
            Layout::Drizzle => Shape::DRIZZLE,
            Layout::Prisma => Shape::PRISMA_DOCS,
        }
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

/// The earliest date the Prisma layout stores: `0000-01-01T00:00:00.000Z`. Its text dates
/// have four-digit years there, which sort as the times they name and which SQLite's date
/// functions (`delete_expired`) read.
pub(crate) const PRISMA_EARLIEST: DateTime<Utc> = date(0, 1, 1, 0, 0, 0, 0);
/// The latest: `9999-12-31T23:59:59.999Z`.
pub(crate) const PRISMA_LATEST: DateTime<Utc> = date(9999, 12, 31, 23, 59, 59, 999);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_default_to_the_layout_and_are_checked() {
        let t = Tables::resolve(Layout::Prisma, &TableNames::new().user("users")).unwrap();
        assert_eq!((t.user.as_str(), t.session.as_str()), ("users", "Session"));
        let t = Tables::resolve(Layout::Drizzle, &TableNames::new()).unwrap();
        assert_eq!(t.verification_token, "verificationToken");
        for bad in [
            TableNames::new().user(""),
            TableNames::new().user("a\"b"),
            TableNames::new().session("sqlite_master"),
            TableNames::new().account("auth_adapter_token"),
            TableNames::new().account("USER"),
            TableNames::new().authenticator("x\ny"),
        ] {
            let err = Tables::resolve(Layout::Drizzle, &bad).unwrap_err();
            assert!(err.is_invalid_input(), "{bad:?}: {err}");
        }
    }

    #[test]
    fn prisma_dates_span_four_digit_years() {
        assert_eq!(PRISMA_EARLIEST.to_rfc3339(), "0000-01-01T00:00:00+00:00");
        assert_eq!(PRISMA_LATEST.timestamp_subsec_millis(), 999);
    }
}
