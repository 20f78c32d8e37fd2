//! How sqlx errors become [`AdapterError`]s.
//!
//! | sqlx / PostgreSQL | `AdapterError` |
//! |---|---|
//! | unique violation (SQLSTATE `23505`) | `Conflict`, entity and key from the constraint (or table) name |
//! | foreign key violation (`23503`) | `NotFound { entity: User }` (every foreign key points at `users`) |
//! | I/O, TLS, pool timed out, pool closed, worker crashed | `Backend`, transient |
//! | connection exceptions (`08…`), serialization failure (`40001`), deadlock (`40P01`), too many connections (`53300`), server shutting down or starting (`57P01`–`57P03`) | `Backend`, transient |
//! | anything else | `Backend`, permanent |
//!
//! PostgreSQL's `DETAIL` field repeats the offending values (`Key ("sessionToken")=(…)`),
//! which can be secrets. So a database error is never kept as it is: the `source` of a
//! `Backend` error is a [`ServerError`] holding only the SQLSTATE, the primary message and
//! the constraint and table names.

use std::error::Error as StdError;
use std::fmt;

use auth_adapter_core::{AdapterError, Entity, backend::BoxError};
use sqlx::error::DatabaseError;

use crate::layout::{PG_ADAPTER_TABLES, Role, Tables};

/// A PostgreSQL error, stripped of the fields that can repeat stored values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerError {
    code: String,
    message: String,
    constraint: Option<String>,
    table: Option<String>,
}

impl ServerError {
    fn from_database(err: &dyn DatabaseError) -> Self {
        ServerError {
            code: err.code().map(|c| c.into_owned()).unwrap_or_default(),
            message: err.message().to_owned(),
            constraint: err.constraint().map(str::to_owned),
            table: err.table().map(str::to_owned),
        }
    }

    /// The SQLSTATE code, e.g. `23505`.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The server's primary message (never the `DETAIL`).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The constraint involved, if any.
    pub fn constraint(&self) -> Option<&str> {
        self.constraint.as_deref()
    }

    /// The table involved, if any.
    pub fn table(&self) -> Option<&str> {
        self.table.as_deref()
    }
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PostgreSQL error {}: {}", self.code, self.message)
    }
}

impl StdError for ServerError {}

/// sqlx errors that are not database errors carry no stored values (their messages are
/// about the connection or a column's type), so they are kept as the source as they are.
/// A database error is replaced by its [`ServerError`].
fn source(err: sqlx::Error) -> BoxError {
    match err.as_database_error() {
        Some(db) => Box::new(ServerError::from_database(db)),
        None => Box::new(err),
    }
}

/// SQLSTATEs worth retrying: the connection or the server's state, not the statement.
fn transient_sqlstate(code: &str) -> bool {
    code.starts_with("08") // connection exception
        || matches!(
            code,
            "40001" // serialization_failure
                | "40P01" // deadlock_detected
                | "53300" // too_many_connections
                | "57P01" // admin_shutdown
                | "57P02" // crash_shutdown
                | "57P03" // cannot_connect_now
        )
}

/// The entity and key a unique violation is about, from the constraint name (ours, see
/// [`schema`](crate::schema)) or, for a constraint someone else added (and every
/// constraint of the Prisma and Drizzle layouts), the table, among `tables`.
fn unique_violation(
    constraint: Option<&str>,
    table: Option<&str>,
    tables: &Tables,
) -> AdapterError {
    let by_constraint = match constraint {
        Some("users_email_key") => Some(Entity::User),
        Some("accounts_provider_account_key") => Some(Entity::Account),
        Some("sessions_session_token_key") => Some(Entity::Session),
        Some("verification_token_pkey") => Some(Entity::VerificationToken),
        Some("authenticators_pkey") => Some(Entity::Authenticator),
        Some("auth_adapter_tokens_realm_hash_key" | "auth_adapter_tokens_pkey") => {
            Some(Entity::BoundToken)
        }
        _ => None,
    };
    let by_table = || {
        let table = table?;
        if table == "auth_adapter_tokens" {
            return Some(Entity::BoundToken);
        }
        tables
            .all()
            .into_iter()
            .find(|(_, name)| *name == table)
            .map(|(role, _)| match role {
                Role::User => Entity::User,
                Role::Account => Entity::Account,
                Role::Session => Entity::Session,
                Role::VerificationToken => Entity::VerificationToken,
                Role::Authenticator => Entity::Authenticator,
            })
    };
    match by_constraint.or_else(by_table) {
        Some(entity) => AdapterError::key_taken(entity),
        _ => AdapterError::conflict(
            Entity::Other,
            format!(
                "unique constraint {} is violated",
                constraint.unwrap_or("(unnamed)")
            ),
        ),
    }
}

/// Maps any sqlx error to an [`AdapterError`] (see the module docs for the table), naming
/// the pg-adapter layout's tables in a unique violation.
pub(crate) fn map_err(err: sqlx::Error) -> AdapterError {
    map_err_in(err, &PG_ADAPTER_TABLES)
}

/// Maps any sqlx error to an [`AdapterError`] (see the module docs for the table); a
/// unique violation is named by its table among `tables`.
pub(crate) fn map_err_in(err: sqlx::Error, tables: &Tables) -> AdapterError {
    match &err {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => {
            let message = format!("cannot reach PostgreSQL: {err}");
            AdapterError::transient(message, err)
        }
        sqlx::Error::Database(db) => {
            let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
            match code.as_str() {
                "23505" => unique_violation(db.constraint(), db.table(), tables),
                "23503" => AdapterError::not_found(Entity::User),
                c if transient_sqlstate(c) => {
                    let message = format!("PostgreSQL is unavailable ({c})");
                    AdapterError::transient(message, source(err))
                }
                c => {
                    let message = format!("PostgreSQL rejected a statement ({c})");
                    AdapterError::backend(message, source(err))
                }
            }
        }
        _ => {
            let message = format!("PostgreSQL driver error: {err}");
            AdapterError::backend(message, source(err))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_failures_are_transient() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        assert!(map_err(sqlx::Error::Io(io)).is_transient());
        assert!(map_err(sqlx::Error::PoolTimedOut).is_transient());
        assert!(map_err(sqlx::Error::PoolClosed).is_transient());
        assert!(!map_err(sqlx::Error::RowNotFound).is_transient());
        assert!(!map_err(sqlx::Error::Protocol("bad".into())).is_transient());
    }

    #[test]
    fn transient_sqlstates() {
        for code in [
            "08006", "08001", "40001", "40P01", "53300", "57P01", "57P03",
        ] {
            assert!(transient_sqlstate(code), "{code}");
        }
        for code in ["23505", "22P02", "42P01", "42501"] {
            assert!(!transient_sqlstate(code), "{code}");
        }
    }

    #[test]
    fn unique_violations_name_the_key_never_a_value() {
        let pg = &PG_ADAPTER_TABLES;
        let err = unique_violation(Some("sessions_session_token_key"), Some("sessions"), pg);
        assert!(matches!(
            err,
            AdapterError::Conflict {
                entity: Entity::Session,
                ..
            }
        ));
        let err = unique_violation(Some("accounts_provider_account_key"), None, pg);
        assert!(err.to_string().contains("providerAccountId"), "{err}");
        // A constraint someone else added is recognised by its table.
        let err = unique_violation(Some("my_own_email_idx"), Some("users"), pg);
        assert!(err.to_string().contains("email"), "{err}");
        // The Prisma and Drizzle layouts' constraints, by their tables.
        let prisma = crate::Layout::Prisma.default_tables();
        let err = unique_violation(Some("Session_sessionToken_key"), Some("Session"), &prisma);
        assert!(matches!(
            err,
            AdapterError::Conflict {
                entity: Entity::Session,
                ..
            }
        ));
        let drizzle = crate::Layout::Drizzle.default_tables();
        let err = unique_violation(Some("user_email_unique"), Some("user"), &drizzle);
        assert!(matches!(
            err,
            AdapterError::Conflict {
                entity: Entity::User,
                ..
            }
        ));
    }
}
