//! How sqlx errors become [`AdapterError`]s.
//!
//! | sqlx / MySQL | `AdapterError` |
//! |---|---|
//! | duplicate key (`1062`) | `Conflict`, the entity the statement writes (a second account of a user where `Account.userId` is unique says so) |
//! | no referenced row (`1452`, `1216`) | `NotFound { entity: User }` (every foreign key points at the users) |
//! | I/O, TLS, pool timed out, pool closed, worker crashed | `Backend`, transient |
//! | deadlock (`1213`), lock wait timeout (`1205`), too many connections (`1040`, `1203`), server shutting down or gone (`1053`, `2006`, `2013`, `1927`, `4031`), read-only (`1290`, `1836`) | `Backend`, transient |
//! | anything else | `Backend`, permanent |
//!
//! MySQL's messages repeat values (`Duplicate entry '<the session token>' for key …`,
//! `Incorrect datetime value: '…'`), which can be secrets. So a database error is never
//! kept as it is: the `source` of a `Backend` error is a [`ServerError`] holding the error
//! number, the SQLSTATE and the message with every quoted value replaced by `'…'` (names
//! of keys, columns and tables stay).

use std::error::Error as StdError;
use std::fmt;

use auth_adapter_core::{AdapterError, Entity, backend::BoxError};
use sqlx::mysql::MySqlDatabaseError;

/// A MySQL or MariaDB error, stripped of the values its message can repeat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerError {
    number: u16,
    sqlstate: String,
    message: String,
}

impl ServerError {
    fn from_database(err: &MySqlDatabaseError) -> Self {
        ServerError {
            number: err.number(),
            sqlstate: err.code().unwrap_or_default().to_owned(),
            message: redact(err.message()),
        }
    }

    /// The server's error number, e.g. `1062`.
    pub fn number(&self) -> u16 {
        self.number
    }

    /// The SQLSTATE, e.g. `23000`.
    pub fn sqlstate(&self) -> &str {
        &self.sqlstate
    }

    /// The server's message, every quoted value replaced by `'…'`.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "MySQL error {} ({}): {}",
            self.number, self.sqlstate, self.message
        )
    }
}

impl StdError for ServerError {}

/// The words before a quoted name (not a value) in MySQL's messages.
const NAMES: &[&str] = &[
    "key ",
    "column ",
    "table ",
    "database ",
    "constraint ",
    "for ",
];

/// `message` with the text of every `'…'` replaced by `…`, except names of keys, columns
/// and tables, which say what failed without repeating a stored value.
fn redact(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(open) = rest.find('\'') {
        let (before, after) = rest.split_at(open);
        out.push_str(before);
        let after = &after[1..];
        let Some(close) = after.find('\'') else {
            out.push_str("'…");
            return out;
        };
        let quoted = &after[..close];
        let is_name = NAMES.iter().any(|w| out.ends_with(w)) && !before.ends_with("entry ");
        out.push('\'');
        out.push_str(if is_name { quoted } else { "…" });
        out.push('\'');
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// sqlx errors that are not database errors carry no stored values (their messages are
/// about the connection or a column's type), so they are kept as the source as they are.
fn source(err: sqlx::Error) -> BoxError {
    match err
        .as_database_error()
        .and_then(|db| db.try_downcast_ref::<MySqlDatabaseError>())
    {
        Some(db) => Box::new(ServerError::from_database(db)),
        None => Box::new(err),
    }
}

/// Error numbers worth retrying: the connection or the server's state, not the statement.
fn transient_number(number: u16) -> bool {
    matches!(
        number,
        1040 // too many connections
            | 1053 // server shutdown in progress
            | 1203 // user has too many connections
            | 1205 // lock wait timeout
            | 1213 // deadlock
            | 1290 | 1836 // read-only (a failover in progress)
            | 1927 // MariaDB: connection killed
            | 2006 | 2013 // server gone away, lost connection
            | 4031 // MySQL: disconnected for inactivity
    )
}

/// The key a duplicate-key message names (`… for key 'Account_userId_key'`; MySQL 8
/// prefixes the table: `'Account.Account_userId_key'`).
fn duplicate_key(message: &str) -> Option<&str> {
    let start = message.rfind("for key '")? + "for key '".len();
    let name = message[start..].strip_suffix('\'')?;
    Some(name.rsplit('.').next().unwrap_or(name))
}

/// A duplicate key on a write of `entity`.
fn unique_violation(entity: Entity, message: &str) -> AdapterError {
    match duplicate_key(message) {
        // The Prisma MySQL docs schema's `userId @unique`: one account per user.
        Some(key) if entity == Entity::Account && key.contains("userId") => AdapterError::conflict(
            Entity::Account,
            "this user already has an account: Account.userId is unique in this layout (the Prisma MySQL docs schema), so a user has at most one account",
        ),
        _ => AdapterError::key_taken(entity),
    }
}

/// Maps an sqlx error of a statement that writes `entity` (see the module docs).
pub(crate) fn map_write_err(entity: Entity) -> impl Fn(sqlx::Error) -> AdapterError {
    move |err| map(err, entity)
}

/// Maps an sqlx error of a statement that writes no unique key.
pub(crate) fn map_err(err: sqlx::Error) -> AdapterError {
    map(err, Entity::Other)
}

fn map(err: sqlx::Error, entity: Entity) -> AdapterError {
    match &err {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => {
            let message = format!("cannot reach MySQL: {err}");
            AdapterError::transient(message, err)
        }
        sqlx::Error::Database(db) => {
            let Some(my) = db.try_downcast_ref::<MySqlDatabaseError>() else {
                return AdapterError::backend("MySQL rejected a statement", source(err));
            };
            match my.number() {
                1062 | 1022 | 1586 => unique_violation(entity, my.message()),
                1452 | 1216 => AdapterError::not_found(Entity::User),
                n if transient_number(n) => {
                    let message = format!("MySQL is unavailable ({n})");
                    AdapterError::transient(message, source(err))
                }
                n => {
                    let message = format!("MySQL rejected a statement ({n})");
                    AdapterError::backend(message, source(err))
                }
            }
        }
        _ => {
            let message = format!("MySQL driver error: {err}");
            AdapterError::backend(message, source(err))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_redacted_names_are_kept() {
        let m = "Duplicate entry 'secret-token' for key 'Session_sessionToken_key'";
        assert_eq!(
            redact(m),
            "Duplicate entry '…' for key 'Session_sessionToken_key'"
        );
        let m = "Incorrect datetime value: '2040-01-01 00:00:00' for column `x`.`session`.`expires` at row 1";
        assert!(!redact(m).contains("2040"));
        assert_eq!(redact("unterminated 'abc"), "unterminated '…");
        assert_eq!(
            duplicate_key("Duplicate entry 'a' for key 'Account.Account_userId_key'"),
            Some("Account_userId_key")
        );
        assert_eq!(
            duplicate_key("Duplicate entry 'a' for key 'PRIMARY'"),
            Some("PRIMARY")
        );
    }

    #[test]
    fn one_account_per_user_is_named() {
        let e = unique_violation(
            Entity::Account,
            "Duplicate entry 'u' for key 'Account_userId_key'",
        );
        assert!(e.to_string().contains("at most one account"), "{e}");
        let e = unique_violation(Entity::Account, "Duplicate entry 'u-p' for key 'PRIMARY'");
        assert!(e.to_string().contains("providerAccountId"), "{e}");
    }

    #[test]
    fn connection_failures_are_transient() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        assert!(map_err(sqlx::Error::Io(io)).is_transient());
        assert!(map_err(sqlx::Error::PoolTimedOut).is_transient());
        assert!(!map_err(sqlx::Error::RowNotFound).is_transient());
        assert!(transient_number(1213) && transient_number(2013));
        assert!(!transient_number(1062) && !transient_number(1406));
    }
}
