//! Auth.js (next-auth) storage for Rust: pick a backend with a Cargo feature.
//!
//! This crate re-exports everything of [`auth_adapter_core`] (the [`Adapter`] trait, the
//! models, [`AdapterError`], the Auth.js token and session rules) and, by feature, the
//! backends:
//!
//! | feature | module | store and layout |
//! |---|---|---|
//! | `memory` | [`MemoryAdapter`] | process memory |
//! | `postgres` | `auth_adapter::postgres` | PostgreSQL, the `@auth/pg-adapter` tables |
//! | `sqlite` | `auth_adapter::sqlite` | SQLite, the `@auth/drizzle-adapter` tables |
//! | `redis` | `auth_adapter::redis` | Redis, the `@auth/unstorage-adapter` keys |
//!
//! ```toml
//! [dependencies]
//! auth-adapter = { version = "0.1", features = ["postgres"] }
//! ```
//!
//! Code that only needs the trait takes an `Arc<dyn Adapter>` and works with all of them:
//!
//! ```
//! use std::sync::Arc;
//! use auth_adapter::{Adapter, AdapterError, AdapterUser};
//!
//! async fn current_user(
//!     adapter: &Arc<dyn Adapter>,
//!     session_token: &str,
//! ) -> Result<Option<AdapterUser>, AdapterError> {
//!     Ok(adapter
//!         .get_session_and_user(session_token)
//!         .await?
//!         .map(|(_session, user)| user))
//! }
//! ```

#![deny(missing_docs)]

pub use auth_adapter_core::*;

/// The PostgreSQL backend (feature `postgres`): the `auth-adapter-postgres` crate.
#[cfg(feature = "postgres")]
pub use auth_adapter_postgres as postgres;

/// The Redis backend (feature `redis`): the `auth-adapter-redis` crate.
#[cfg(feature = "redis")]
pub use auth_adapter_redis as redis;

/// The SQLite backend (feature `sqlite`): the `auth-adapter-sqlite` crate.
#[cfg(feature = "sqlite")]
pub use auth_adapter_sqlite as sqlite;
