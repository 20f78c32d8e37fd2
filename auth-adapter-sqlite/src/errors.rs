//! Mapping SQLite, pool and blocking-task failures to [`AdapterError`].

use auth_adapter_core::{AdapterError, Entity};
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
                OnConflict::NoKey => AdapterError::key_taken(Entity::Other),
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

/// Why the connection pool could not run a call (see `connections.rs`).
#[derive(Debug)]
pub(crate) enum PoolFailure {
    /// Every connection stayed busy for the whole acquire timeout.
    Timeout,
    /// The adapter was closed (or dropped) before the call got a connection.
    Closed,
    /// A new connection could not be opened.
    Open(rusqlite::Error),
    /// A new connection opened but its pragmas could not be applied.
    Configure(Box<dyn std::error::Error + Send + Sync>),
    /// The closure panicked on the blocking thread; its connection was discarded.
    Panic,
    /// The runtime dropped the blocking task before it ran (it is shutting down).
    Cancelled,
}

/// Maps a pool failure: a wait timeout or a busy database is transient, the rest permanent.
pub(crate) fn pool_error(failure: PoolFailure) -> AdapterError {
    match failure {
        PoolFailure::Timeout => {
            AdapterError::transient_message("timed out waiting for a SQLite connection")
        }
        PoolFailure::Open(e) => match &e {
            rusqlite::Error::SqliteFailure(..) => {
                let mapped = driver_error(e);
                if mapped.is_transient() {
                    mapped
                } else {
                    match mapped.into_source() {
                        Some(source) => {
                            AdapterError::backend("could not open the SQLite database", source)
                        }
                        None => AdapterError::backend_message("could not open the SQLite database"),
                    }
                }
            }
            _ => AdapterError::backend("could not open the SQLite database", e),
        },
        PoolFailure::Configure(e) => {
            AdapterError::backend("could not configure a new SQLite connection", e)
        }
        PoolFailure::Closed => AdapterError::backend_message("the SQLite adapter is closed"),
        // The panic payload is dropped, not printed: it could hold anything.
        PoolFailure::Panic => AdapterError::backend_message(
            "the blocking SQLite task panicked; its transaction was rolled back",
        ),
        PoolFailure::Cancelled => {
            AdapterError::backend_message("the blocking SQLite task was cancelled")
        }
    }
}

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
                    entity: Entity::User,
                    ..
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
        assert!(pool_error(PoolFailure::Timeout).is_transient());
        assert!(!pool_error(PoolFailure::Closed).is_transient());
        // A new connection that finds the file locked may succeed on a retry; a path that
        // cannot be opened will not.
        assert!(pool_error(PoolFailure::Open(sqlite_failure(ffi::SQLITE_BUSY))).is_transient());
        assert!(
            !pool_error(PoolFailure::Open(sqlite_failure(ffi::SQLITE_CANTOPEN))).is_transient()
        );
    }

    #[test]
    fn task_failures_are_backend_errors() {
        let err = pool_error(PoolFailure::Panic);
        assert!(matches!(
            err,
            AdapterError::Backend {
                transient: false,
                ..
            }
        ));
        let err = pool_error(PoolFailure::Cancelled);
        assert!(matches!(err, AdapterError::Backend { .. }));
    }
}
