//! Mapping SQLite, pool and blocking-task failures to [`AdapterError`].

use std::fmt;

use auth_adapter_core::{AdapterError, Entity};
use deadpool_sqlite::{InteractError, PoolError};
use rusqlite::ffi;

/// What a unique-key violation means for the statement that hit it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum OnConflict {
    /// The unique key of this kind of record is taken.
    KeyTaken(Entity),
    /// The statement has no unique key to violate; a violation is still reported.
    NoKey,
}

/// Maps a driver error of a statement that may violate a unique key (`on_conflict`) or the
/// `userId` foreign key (→ `NotFound { User }`).
pub(crate) fn write_error(err: rusqlite::Error, on_conflict: OnConflict) -> AdapterError {
    match constraint_kind(&err) {
        Some(ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY) => {
            match on_conflict {
                OnConflict::KeyTaken(entity) => AdapterError::key_taken(entity),
                OnConflict::NoKey => AdapterError::conflict(Entity::User, "unique key violated"),
            }
        }
        Some(ffi::SQLITE_CONSTRAINT_FOREIGNKEY) => AdapterError::not_found(Entity::User),
        _ => driver_error(err),
    }
}

fn constraint_kind(err: &rusqlite::Error) -> Option<i32> {
    match err {
        rusqlite::Error::SqliteFailure(e, _)
            if e.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            Some(e.extended_code)
        }
        _ => None,
    }
}

/// Maps any other driver error: busy/locked databases are transient, the rest permanent.
/// SQLite's messages name tables and columns, never bound values, so no secret leaks here.
pub(crate) fn driver_error(err: rusqlite::Error) -> AdapterError {
    match &err {
        rusqlite::Error::SqliteFailure(e, _)
            if matches!(
                e.code,
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
            ) =>
        {
            AdapterError::transient("the SQLite database is locked by another connection", err)
        }
        rusqlite::Error::FromSqlConversionFailure(..)
        | rusqlite::Error::InvalidColumnType(..)
        | rusqlite::Error::IntegralValueOutOfRange(..) => {
            AdapterError::backend("a stored value could not be read", err)
        }
        _ => AdapterError::backend("SQLite statement failed", err),
    }
}

/// Maps a failure to get a connection from a pool.
pub(crate) fn pool_error(err: PoolError) -> AdapterError {
    match err {
        PoolError::Timeout(_) => AdapterError::transient(
            "timed out waiting for a SQLite connection",
            Message("pool timeout"),
        ),
        PoolError::Backend(e) => match &e {
            rusqlite::Error::SqliteFailure(..) => {
                let mapped = driver_error(e);
                if mapped.is_transient() {
                    mapped
                } else {
                    AdapterError::backend(
                        "could not open the SQLite database",
                        unwrap_source(mapped),
                    )
                }
            }
            _ => AdapterError::backend("could not open the SQLite database", e),
        },
        PoolError::PostCreateHook(e) => AdapterError::backend(
            "could not configure a new SQLite connection",
            Message(format!("{e}")),
        ),
        PoolError::Closed => {
            AdapterError::backend("the SQLite adapter is closed", Message("pool closed"))
        }
        PoolError::NoRuntimeSpecified => AdapterError::backend(
            "the SQLite pool has no async runtime",
            Message("no runtime"),
        ),
    }
}

fn unwrap_source(err: AdapterError) -> Box<dyn std::error::Error + Send + Sync> {
    match err {
        AdapterError::Backend {
            source: Some(source),
            ..
        } => source,
        other => Box::new(other),
    }
}

/// Maps a failure of the blocking task that ran the SQLite calls: a panic inside it, or a
/// task the runtime cancelled (shut down). Never retried: the connection is discarded.
pub(crate) fn interact_error(err: InteractError) -> AdapterError {
    match err {
        // The panic payload is dropped, not printed: it could hold anything.
        InteractError::Panic(_) => AdapterError::backend(
            "the blocking SQLite task panicked; its transaction was rolled back",
            Message("panic in blocking task"),
        ),
        InteractError::Cancelled => AdapterError::backend(
            "the blocking SQLite task was cancelled",
            Message("blocking task cancelled"),
        ),
    }
}

/// A plain message used as an error source.
#[derive(Debug)]
pub(crate) struct Message<T>(pub(crate) T);

impl<T: fmt::Display> fmt::Display for Message<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<T: fmt::Display + fmt::Debug> std::error::Error for Message<T> {}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite_failure(code: i32) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(ffi::Error::new(code), Some("details".into()))
    }

    #[test]
    fn constraints_map_to_conflict_and_not_found() {
        let on = OnConflict::KeyTaken(Entity::Session);
        let err = write_error(sqlite_failure(ffi::SQLITE_CONSTRAINT_PRIMARYKEY), on);
        assert!(err.is_conflict(), "{err}");
        let err = write_error(sqlite_failure(ffi::SQLITE_CONSTRAINT_UNIQUE), on);
        assert!(err.is_conflict(), "{err}");
        let err = write_error(sqlite_failure(ffi::SQLITE_CONSTRAINT_FOREIGNKEY), on);
        assert!(
            matches!(
                err,
                AdapterError::NotFound {
                    entity: Entity::User
                }
            ),
            "{err}"
        );
        let err = write_error(sqlite_failure(ffi::SQLITE_CONSTRAINT_NOTNULL), on);
        assert!(matches!(err, AdapterError::Backend { .. }), "{err}");
    }

    #[test]
    fn busy_and_locked_are_transient() {
        assert!(driver_error(sqlite_failure(ffi::SQLITE_BUSY)).is_transient());
        assert!(driver_error(sqlite_failure(ffi::SQLITE_BUSY_SNAPSHOT)).is_transient());
        assert!(driver_error(sqlite_failure(ffi::SQLITE_LOCKED)).is_transient());
        assert!(!driver_error(sqlite_failure(ffi::SQLITE_CORRUPT)).is_transient());
        assert!(pool_error(PoolError::Timeout(deadpool_sqlite::TimeoutType::Wait)).is_transient());
        assert!(!pool_error(PoolError::Closed).is_transient());
    }

    #[test]
    fn task_failures_are_backend_errors() {
        let err = interact_error(InteractError::Panic(Box::new("secret-ish payload")));
        assert!(matches!(
            err,
            AdapterError::Backend {
                transient: false,
                ..
            }
        ));
        assert!(!format!("{err:?}").contains("secret-ish"));
        let err = interact_error(InteractError::Cancelled);
        assert!(matches!(err, AdapterError::Backend { .. }));
    }
}
