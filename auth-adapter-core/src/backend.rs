//! For backend authors: what every [`Adapter`](crate::Adapter) implementation shares, kept
//! apart from what application code calls.
//!
//! - [`validate`]: the input checks every backend runs before a write, so that bad input is
//!   the same [`InvalidInput`](crate::AdapterError::InvalidInput) on every store;
//! - [`ids`]: row ids as the JavaScript clients make them (Prisma's cuid, Drizzle's UUID);
//! - [`dates`]: dates as Auth.js writes them (ISO-8601 with milliseconds, JavaScript's
//!   expanded years) and the range every backend stores;
//! - [`BoxError`]: the driver error kept as the source of a
//!   [`Backend`](crate::AdapterError::Backend) error;
//! - [`MigrationReport`]: what a backend's `migrate()` did;
//! - [`last_use_is_due`]: when a [`TokenStore`](crate::TokenStore) writes a token's last use.
//!
//! A new backend proves itself with `auth_adapter_tests::conformance_suite!` (see
//! CONTRIBUTING.md).

pub mod dates;
pub mod ids;
pub mod validate;

pub use crate::error::BoxError;
pub use crate::migration::MigrationReport;
pub use crate::token_store::last_use_is_due;

/// One field of a partial update (`UserUpdate`, `AccountUpdate`) as the `(set, value)` pair
/// of SQL's `CASE WHEN $set THEN $value ELSE column END`: `Some(Some(v))` sets `v`,
/// `Some(None)` clears, `None` keeps the column.
///
/// ```
/// use auth_adapter_core::backend::set_or_keep;
/// assert_eq!(set_or_keep(&Some(Some("Ada"))), (true, Some("Ada")));
/// assert_eq!(set_or_keep::<&str>(&Some(None)), (true, None));
/// assert_eq!(set_or_keep::<&str>(&None), (false, None));
/// ```
pub fn set_or_keep<T: Clone>(field: &Option<Option<T>>) -> (bool, Option<T>) {
    match field {
        Some(value) => (true, value.clone()),
        None => (false, None),
    }
}
