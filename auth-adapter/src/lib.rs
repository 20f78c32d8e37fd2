//! Auth.js (next-auth) storage for Rust: pick a backend with a Cargo feature.
//!
//! This crate re-exports everything of [`auth_adapter_core`] (the [`Adapter`] trait, the
//! models, [`AdapterError`], the Auth.js token and session rules) and, by feature, the
//! backends, each as a module and with its main types at the root.
//!
//! # Backends
//!
//! | feature | module | at the root | store and layout |
//! |---|---|---|---|
//! | `memory` | | [`MemoryAdapter`] | process memory |
//! | `postgres` | [`postgres`] | [`PostgresAdapter`], [`PostgresOptions`] | PostgreSQL, the `@auth/pg-adapter` tables |
//! | `mysql` | [`mysql`] | [`MySqlAdapter`], [`MySqlOptions`] | MySQL 8 or MariaDB, the `@auth/prisma-adapter` or `@auth/drizzle-adapter` tables |
//! | `sqlite` | [`sqlite`] | [`SqliteAdapter`], [`SqliteOptions`] | SQLite, the `@auth/drizzle-adapter` or `@auth/prisma-adapter` tables |
//! | `redis` | [`redis`] | [`RedisAdapter`], [`RedisOptions`] | Redis, the `@auth/unstorage-adapter` keys |
//!
//! And for web services, feature `axum`: module [`axum`] (the
//! `auth-adapter-axum` crate), an extractor that accepts exactly the sessions Auth.js
//! issues (database and JWT), Auth.js's session routes and a guard. Feature
//! `passwordless`: module [`passwordless`] (the `auth-adapter-passwordless` crate), magic
//! links and one-time codes by email and SMS on any backend; with `axum` too, its routes
//! (`axum::passwordless_router`).
//!
//! No feature is on by default. Everything else of a backend (its other option types) is in
//! its module; [`MigrationReport`] is one type for every backend.
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

// Link targets of the table, per feature. Docs built without a backend's feature have
// none of its items: its names then point back at this table instead of being broken
// intra-doc links (docs.rs builds with every feature).
#![cfg_attr(feature = "memory", doc = "\n[`MemoryAdapter`]: MemoryAdapter")]
#![cfg_attr(not(feature = "memory"), doc = "\n[`MemoryAdapter`]: #backends")]
#![cfg_attr(
    feature = "postgres",
    doc = "\n[`postgres`]: mod@postgres\n[`PostgresAdapter`]: PostgresAdapter\n[`PostgresOptions`]: PostgresOptions"
)]
#![cfg_attr(
    not(feature = "postgres"),
    doc = "\n[`postgres`]: #backends\n[`PostgresAdapter`]: #backends\n[`PostgresOptions`]: #backends"
)]
#![cfg_attr(
    feature = "mysql",
    doc = "\n[`mysql`]: mod@mysql\n[`MySqlAdapter`]: MySqlAdapter\n[`MySqlOptions`]: MySqlOptions"
)]
#![cfg_attr(
    not(feature = "mysql"),
    doc = "\n[`mysql`]: #backends\n[`MySqlAdapter`]: #backends\n[`MySqlOptions`]: #backends"
)]
#![cfg_attr(
    feature = "sqlite",
    doc = "\n[`sqlite`]: mod@sqlite\n[`SqliteAdapter`]: SqliteAdapter\n[`SqliteOptions`]: SqliteOptions"
)]
#![cfg_attr(
    not(feature = "sqlite"),
    doc = "\n[`sqlite`]: #backends\n[`SqliteAdapter`]: #backends\n[`SqliteOptions`]: #backends"
)]
#![cfg_attr(
    feature = "redis",
    doc = "\n[`redis`]: mod@redis\n[`RedisAdapter`]: RedisAdapter\n[`RedisOptions`]: RedisOptions"
)]
#![cfg_attr(
    not(feature = "redis"),
    doc = "\n[`redis`]: #backends\n[`RedisAdapter`]: #backends\n[`RedisOptions`]: #backends"
)]
#![cfg_attr(feature = "axum", doc = "\n[`axum`]: mod@axum")]
#![cfg_attr(not(feature = "axum"), doc = "\n[`axum`]: #backends")]
#![cfg_attr(feature = "passwordless", doc = "\n[`passwordless`]: mod@passwordless")]
#![cfg_attr(not(feature = "passwordless"), doc = "\n[`passwordless`]: #backends")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]

#[doc(inline)]
pub use auth_adapter_core::*;

#[cfg(feature = "memory")]
#[cfg_attr(docsrs, doc(cfg(feature = "memory")))]
#[doc(inline)]
pub use auth_adapter_core::MemoryAdapter;

/// The PostgreSQL backend (feature `postgres`): the `auth-adapter-postgres` crate.
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
#[doc(inline)]
pub use auth_adapter_postgres as postgres;

#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
#[doc(inline)]
pub use auth_adapter_postgres::{PostgresAdapter, PostgresOptions};

/// The MySQL and MariaDB backend (feature `mysql`): the `auth-adapter-mysql` crate.
#[cfg(feature = "mysql")]
#[cfg_attr(docsrs, doc(cfg(feature = "mysql")))]
#[doc(inline)]
pub use auth_adapter_mysql as mysql;

#[cfg(feature = "mysql")]
#[cfg_attr(docsrs, doc(cfg(feature = "mysql")))]
#[doc(inline)]
pub use auth_adapter_mysql::{MySqlAdapter, MySqlOptions};

/// The Redis backend (feature `redis`): the `auth-adapter-redis` crate.
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
#[doc(inline)]
pub use auth_adapter_redis as redis;

#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
#[doc(inline)]
pub use auth_adapter_redis::{RedisAdapter, RedisOptions};

/// The SQLite backend (feature `sqlite`): the `auth-adapter-sqlite` crate.
#[cfg(feature = "sqlite")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
#[doc(inline)]
pub use auth_adapter_sqlite as sqlite;

#[cfg(feature = "sqlite")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
#[doc(inline)]
pub use auth_adapter_sqlite::{SqliteAdapter, SqliteOptions};

/// Auth.js sessions in axum (feature `axum`): the `auth-adapter-axum` crate.
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
#[doc(inline)]
pub use auth_adapter_axum as axum;

/// Passwordless sign-in (feature `passwordless`): the `auth-adapter-passwordless` crate.
#[cfg(feature = "passwordless")]
#[cfg_attr(docsrs, doc(cfg(feature = "passwordless")))]
#[doc(inline)]
pub use auth_adapter_passwordless as passwordless;
