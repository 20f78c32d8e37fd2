//! Driver errors as [`AdapterError`]s.

use auth_adapter_core::AdapterError;
use redis::{ErrorKind, RedisError, ServerErrorKind};

/// Whether retrying may succeed: the connection failed (refused, reset, timed out,
/// dropped) or the server is temporarily unable to answer (loading, failing over).
pub(crate) fn is_transient(e: &RedisError) -> bool {
    e.is_io_error()
        || e.is_timeout()
        || e.is_connection_dropped()
        || e.is_connection_refusal()
        || matches!(
            e.kind(),
            ErrorKind::Server(
                ServerErrorKind::BusyLoading
                    | ServerErrorKind::TryAgain
                    | ServerErrorKind::MasterDown
                    | ServerErrorKind::ClusterDown
                    | ServerErrorKind::ReadOnly
            )
        )
}

/// Wraps a driver error; `what` names the operation. The driver's messages carry no
/// values of ours (commands' arguments are not echoed).
pub(crate) fn redis_error(what: &str, e: RedisError) -> AdapterError {
    if is_transient(&e) {
        AdapterError::transient(format!("redis {what} failed (retry may succeed)"), e)
    } else {
        AdapterError::backend(format!("redis {what} failed"), e)
    }
}

/// A script answered something it never answers: a bug or a different script under our
/// name.
pub(crate) fn unexpected(what: &str) -> AdapterError {
    AdapterError::backend_message(format!("redis {what}: unexpected script reply"))
}
