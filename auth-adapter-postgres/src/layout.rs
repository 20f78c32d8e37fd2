//! [`Layout`] and [`Tables`]: which Auth.js adapter's tables the PostgreSQL backend reads
//! and writes, and what they are called.

use std::borrow::Cow;

use auth_adapter_core::Result;

use crate::options::validate_identifier;

/// Which Auth.js adapter made (or would make) the tables. See the
/// [crate docs](crate#layouts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Layout {
    /// `@auth/pg-adapter`'s `schema.sql`: `users`, `accounts`, `sessions`,
    /// `verification_token` (and our `authenticators`); `SERIAL` integer ids, `TIMESTAMPTZ`
    /// dates. The default, as it was before layouts existed.
    #[default]
    PgAdapter,
    /// `@auth/prisma-adapter` with the Auth.js docs' PostgreSQL schema, as `prisma migrate`
    /// creates it: `"User"`, `"Account"`, `"Session"`, `"VerificationToken"`,
    /// `"Authenticator"`; `TEXT` cuid ids, `TIMESTAMP(3)` dates (UTC, no time zone),
    /// `createdAt` / `updatedAt`. Older variants (ids on accounts and sessions, no
    /// bookkeeping columns, a nullable email) are recognised from the catalog.
    Prisma,
    /// `@auth/drizzle-adapter`'s PostgreSQL tables, as `drizzle-kit` creates them: `user`,
    /// `account`, `session`, `verificationToken`, `authenticator`; `text` UUID ids,
    /// `timestamp` dates (UTC, no time zone, microseconds).
    Drizzle,
}

impl Layout {
    /// The layout's name: `"pg-adapter"`, `"prisma"` or `"drizzle"`.
    pub fn name(self) -> &'static str {
        match self {
            Layout::PgAdapter => "pg-adapter",
            Layout::Prisma => "prisma",
            Layout::Drizzle => "drizzle",
        }
    }

    /// The table names the layout's tool gives by default.
    pub fn default_tables(self) -> Tables {
        match self {
            Layout::PgAdapter => PG_ADAPTER_TABLES,
            Layout::Prisma => Tables::from_static(
                "User",
                "Account",
                "Session",
                "VerificationToken",
                "Authenticator",
            ),
            Layout::Drizzle => Tables::from_static(
                "user",
                "account",
                "session",
                "verificationToken",
                "authenticator",
            ),
        }
    }

    /// A new row id as the layout's JavaScript client makes it.
    pub(crate) fn new_id(self) -> String {
        match self {
            Layout::Prisma => auth_adapter_core::backend::ids::cuid(),
            _ => auth_adapter_core::backend::ids::uuid(),
        }
    }
}

/// `@auth/pg-adapter`'s tables (and our `authenticators`).
pub(crate) const PG_ADAPTER_TABLES: Tables = Tables::from_static(
    "users",
    "accounts",
    "sessions",
    "verification_token",
    "authenticators",
);

/// The names of the five Auth.js tables, for layouts whose tables the app names itself:
/// a Prisma model with `@@map("users")`, Drizzle tables passed to `DrizzleAdapter(db, {
/// usersTable, … })`. Each name is used verbatim and quoted (case-sensitive), so it must
/// be a plain identifier: ASCII letters, digits and `_`, not starting with a digit, at
/// most 63 bytes.
///
/// ```
/// use auth_adapter_postgres::{Layout, PostgresOptions, Tables};
///
/// // model User { … @@map("users") } and model Account { … @@map("accounts") }
/// let tables = Layout::Prisma.default_tables().user("users").account("accounts");
/// let options = PostgresOptions::new().layout(Layout::Prisma).tables(tables);
/// assert_eq!(options.get_tables().get_user(), "users");
/// assert_eq!(options.get_tables().get_session(), "Session");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Tables {
    user: Cow<'static, str>,
    account: Cow<'static, str>,
    session: Cow<'static, str>,
    verification_token: Cow<'static, str>,
    authenticator: Cow<'static, str>,
}

impl Tables {
    const fn from_static(
        user: &'static str,
        account: &'static str,
        session: &'static str,
        verification_token: &'static str,
        authenticator: &'static str,
    ) -> Self {
        Tables {
            user: Cow::Borrowed(user),
            account: Cow::Borrowed(account),
            session: Cow::Borrowed(session),
            verification_token: Cow::Borrowed(verification_token),
            authenticator: Cow::Borrowed(authenticator),
        }
    }

    /// The users table.
    pub fn user(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.user = name.into();
        self
    }

    /// The accounts table.
    pub fn account(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.account = name.into();
        self
    }

    /// The sessions table.
    pub fn session(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.session = name.into();
        self
    }

    /// The verification tokens table.
    pub fn verification_token(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.verification_token = name.into();
        self
    }

    /// The authenticators (WebAuthn) table.
    pub fn authenticator(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.authenticator = name.into();
        self
    }

    /// The users table's name.
    pub fn get_user(&self) -> &str {
        &self.user
    }

    /// The accounts table's name.
    pub fn get_account(&self) -> &str {
        &self.account
    }

    /// The sessions table's name.
    pub fn get_session(&self) -> &str {
        &self.session
    }

    /// The verification tokens table's name.
    pub fn get_verification_token(&self) -> &str {
        &self.verification_token
    }

    /// The authenticators table's name.
    pub fn get_authenticator(&self) -> &str {
        &self.authenticator
    }

    /// The five names with their roles, users first.
    pub(crate) fn all(&self) -> [(Role, &str); 5] {
        [
            (Role::User, &self.user),
            (Role::Account, &self.account),
            (Role::Session, &self.session),
            (Role::VerificationToken, &self.verification_token),
            (Role::Authenticator, &self.authenticator),
        ]
    }

    /// The name of the table in `role`.
    pub(crate) fn name(&self, role: Role) -> &str {
        match role {
            Role::User => &self.user,
            Role::Account => &self.account,
            Role::Session => &self.session,
            Role::VerificationToken => &self.verification_token,
            Role::Authenticator => &self.authenticator,
        }
    }

    /// The name for a [`MigrationReport`](auth_adapter_core::MigrationReport), which holds
    /// `&'static str`: the name itself when it was given as one (every default is), else
    /// the role (`"user table"`).
    pub(crate) fn static_name(&self, role: Role) -> &'static str {
        let name = match role {
            Role::User => &self.user,
            Role::Account => &self.account,
            Role::Session => &self.session,
            Role::VerificationToken => &self.verification_token,
            Role::Authenticator => &self.authenticator,
        };
        match name {
            Cow::Borrowed(s) => s,
            Cow::Owned(_) => role.label(),
        }
    }

    /// Checks every name (see the type's docs) and that no two are the same.
    pub(crate) fn validate(&self) -> Result<()> {
        let all = self.all();
        for (role, name) in all {
            validate_identifier(role.field(), name)?;
        }
        for (i, (role, name)) in all.iter().enumerate() {
            if all[..i].iter().any(|(_, other)| other == name) {
                return Err(auth_adapter_core::AdapterError::invalid(
                    role.field(),
                    "names a table another role uses already",
                ));
            }
        }
        Ok(())
    }
}

/// What a table holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    User,
    Account,
    Session,
    VerificationToken,
    Authenticator,
}

impl Role {
    /// The option's field name in error messages.
    fn field(self) -> &'static str {
        match self {
            Role::User => "tables.user",
            Role::Account => "tables.account",
            Role::Session => "tables.session",
            Role::VerificationToken => "tables.verification_token",
            Role::Authenticator => "tables.authenticator",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Role::User => "user table",
            Role::Account => "account table",
            Role::Session => "session table",
            Role::VerificationToken => "verification token table",
            Role::Authenticator => "authenticator table",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_tools_names() {
        assert_eq!(Layout::default(), Layout::PgAdapter);
        let prisma = Layout::Prisma.default_tables();
        assert_eq!(prisma.get_verification_token(), "VerificationToken");
        assert_eq!(Layout::Drizzle.default_tables().get_user(), "user");
        assert_eq!(prisma.static_name(Role::User), "User");
        let mapped = prisma.user(String::from("users"));
        assert_eq!(mapped.static_name(Role::User), "user table");
    }

    #[test]
    fn names_are_plain_identifiers_and_distinct() {
        assert!(Layout::Drizzle.default_tables().validate().is_ok());
        let bad = Layout::Drizzle.default_tables().session("a\"b");
        assert!(bad.validate().unwrap_err().is_invalid_input());
        let twice = Layout::Drizzle.default_tables().session("user");
        let err = twice.validate().unwrap_err();
        assert!(err.to_string().contains("tables.session"), "{err}");
    }
}
