//! The MySQL and MariaDB backend of auth-adapter: the Auth.js [`Adapter`] on
//! [sqlx](https://docs.rs/sqlx), in the table layouts of
//! [`@auth/prisma-adapter`](https://authjs.dev/getting-started/adapters/prisma) (the Auth.js
//! docs' MySQL schema) and
//! [`@auth/drizzle-adapter`](https://authjs.dev/getting-started/adapters/drizzle) (its MySQL
//! tables), so a Rust service and a Node Auth.js app share one database, row for row.
//! MySQL 8 and MariaDB ≥ 10.6; TLS through rustls (`?ssl-mode=required` in the URL).
//!
//! ```no_run
//! use std::sync::Arc;
//! use auth_adapter_core::{Adapter, NewUser};
//! use auth_adapter_mysql::{Layout, MySqlAdapter, MySqlOptions};
//!
//! # async fn run() -> Result<(), auth_adapter_core::AdapterError> {
//! let options = MySqlOptions::new().layout(Layout::Prisma).max_connections(20);
//! let mysql = MySqlAdapter::connect("mysql://app:secret@localhost:3306/app", options).await?;
//! // Creates the missing tables, or adopts the ones Prisma or drizzle-kit made.
//! mysql.migrate().await?;
//!
//! let adapter: Arc<dyn Adapter> = Arc::new(mysql);
//! let user = adapter.create_user(NewUser::with_email("ada@example.com")).await?;
//! assert_eq!(adapter.get_user(&user.id).await?, Some(user.clone()));
//! # Ok(())
//! # }
//! ```
//!
//! # Layouts
//!
//! [`Layout::Prisma`] (the default: Prisma has four in five Auth.js SQL installs) is the
//! MySQL schema of the Auth.js Prisma docs, as `prisma migrate` creates it:
//!
//! | table | columns |
//! |---|---|
//! | `User` | `id VARCHAR(191)` PK (a cuid), `name`, `username` (unique, never written here), `email` (unique, nullable), `emailVerified DATETIME(3)`, `image` (`VARCHAR(191)`), `createdAt DATETIME(3)` (default now), `updatedAt DATETIME(3)` |
//! | `Account` | `id` PK (a cuid), `userId` (**unique**, foreign key `ON DELETE RESTRICT`), `type`, `provider`, `providerAccountId` (unique together), `refresh_token`, `access_token`, `id_token` (`TEXT`), `expires_at INT`, `token_type`, `scope`, `session_state`, `refresh_token_expires_in INT`, `createdAt`, `updatedAt` |
//! | `Session` | `id` PK (a cuid), `sessionToken` (unique), `userId` (indexed, `ON DELETE RESTRICT`), `expires DATETIME(3)`, `createdAt`, `updatedAt` |
//! | `VerificationToken` | `identifier`, `token` (unique together), `expires DATETIME(3)` |
//! | `Authenticator` | `credentialID` (unique), `userId` (`ON DELETE CASCADE`), PK `(userId, credentialID)`, `providerAccountId`, `credentialPublicKey`, `counter INT`, `credentialDeviceType`, `credentialBackedUp BOOLEAN`, `transports` |
//!
//! Every string is `VARCHAR(191)` unless marked `TEXT`. `@default(cuid())` and
//! `@updatedAt` are Prisma Client features, not database defaults, so the adapter writes
//! them itself: a 25-character cuid-like id (`c`, 8 base-36 digits of the time, 16 random
//! ones) for users, accounts and sessions, and `updatedAt` on every insert and update.
//! `refresh_token_expires_in` and `username` are kept as Node wrote them and never set.
//!
//! [`Layout::Drizzle`] is `@auth/drizzle-adapter`'s `defineTables()` for MySQL, as
//! `drizzle-kit generate` creates it:
//!
//! | table | columns |
//! |---|---|
//! | `user` | `id varchar(255)` PK (a UUID), `name`, `email` (unique, nullable), `emailVerified timestamp(3)`, `image` |
//! | `account` | `userId` (`ON DELETE cascade`), `type`, PK `(provider, providerAccountId)`, `refresh_token`, `access_token` (**`varchar(255)`**), `expires_at int`, `token_type`, `scope`, `id_token varchar(2048)`, `session_state` |
//! | `session` | `sessionToken` PK, `userId` (`ON DELETE cascade`), `expires timestamp` (**whole seconds**) |
//! | `verificationToken` | PK `(identifier, token)`, `expires timestamp` (whole seconds) |
//! | `authenticator` | `credentialID` (unique), `userId` (`ON DELETE cascade`), PK `(userId, credentialID)`, `providerAccountId`, `credentialPublicKey`, `counter int`, `credentialDeviceType`, `credentialBackedUp boolean`, `transports` |
//!
//! Every string is `varchar(255)` unless marked.
//!
//! # What a layout cannot hold
//!
//! Both layouts are narrower than the [`Adapter`] contract. The adapter never lets a
//! column cut or refuse a value: everything below is checked before any statement runs,
//! and is [`AdapterError::InvalidInput`](auth_adapter_core::AdapterError::InvalidInput)
//! (naming the field and the column's limit, never the value) with nothing written, or
//! the documented `Conflict`. The conformance suite runs every case on both layouts with
//! these limits declared (`auth_adapter_tests::Limits`).
//!
//! | limit | Prisma | Drizzle |
//! |---|---|---|
//! | strings (names, emails, images, keys, scopes, public keys, …) | 191 characters | 255 characters |
//! | `access_token`, `refresh_token` | 65 535 bytes (`TEXT`) | **255 characters** (Google and Microsoft access tokens are longer) |
//! | `id_token` | 65 535 bytes | 2048 characters |
//! | dates (`emailVerified`, `expires`) | 1000-01-01 to 9999-12-31 23:59:59.999 UTC | 1970-01-01 00:00:01 to **2038-01-19 03:14:07** UTC |
//! | session and verification token `expires` | milliseconds | **whole seconds**: a fraction is `InvalidInput` |
//! | accounts per user | **one**: a second `link_account` is `Conflict` (`Account.userId` is unique in the docs schema) | any |
//! | authenticator `counter`, account `expires_at` | `INT`: up to 2 147 483 647 | the same |
//! | cascades from users | none (`RESTRICT`): `delete_user` deletes the user's sessions, accounts and authenticators itself, in its transaction | `ON DELETE cascade` |
//!
//! Whole-second `expires` matter to callers that compute one from the clock: Auth.js
//! writes `now + maxAge` with milliseconds, which `mysql2` lets MySQL round (MariaDB cuts);
//! here it must be cut to the second by the caller.
//!
//! # Keys compare exactly
//!
//! `migrate` creates its tables with a binary collation without trailing-space padding
//! (`utf8mb4_nopad_bin` on MariaDB, `utf8mb4_0900_bin` on MySQL 8), so emails, tokens and
//! provider ids compare byte for byte, as on every other backend. (`prisma migrate` would
//! pick `utf8mb4_unicode_ci`, drizzle-kit the server's default; on tables adopted from
//! them, lookups and unique keys follow that collation: `Ada@x.io` and `ada@x.io` are one
//! email.) Neither Prisma nor drizzle-kit compares collations, so neither sees a change
//! to migrate away.
//!
//! # Migrations
//!
//! [`MySqlAdapter::migrate`] reads the catalog and creates the layout's missing tables
//! (users first, foreign keys inline) plus `auth_adapter_counters` (`key VARBINARY(1536)`
//! PK, `count BIGINT UNSIGNED`, `resets_at DATETIME(3)`: the
//! [`CounterStore`](auth_adapter_core::CounterStore), one upsert per increment on the
//! server's clock), which neither Auth.js adapter reads. Tables that exist are adopted as
//! they are, after checking they have the columns the adapter needs (else
//! `Unsupported`). MySQL commits DDL statement by statement, so `migrate` is idempotent
//! rather than one transaction: a run cut short is completed by the next, a second run
//! reports [`MigrationReport::is_noop`], and concurrent runs wait for each other on a
//! named lock (`GET_LOCK`). The URL must name the database.
//!
//! # Errors
//!
//! | cause | `AdapterError` |
//! |---|---|
//! | a value over a column's limit (see above), empty keys, NUL bytes | `InvalidInput` |
//! | duplicate key (`1062`) | `Conflict`, naming the key (email, account, session token, verification token, credential id, or "one account per user") |
//! | foreign key (`1452`): the user does not exist | `NotFound { entity: User }` |
//! | update of a missing user, account or authenticator | `NotFound` |
//! | connection refused or lost, TLS, pool timed out, deadlock, lock wait timeout, too many connections, server shutting down | `Backend`, [`is_transient`](auth_adapter_core::AdapterError::is_transient) |
//! | anything else | `Backend`, permanent |
//!
//! MySQL's messages repeat values (`Duplicate entry '<token>' …`): the `source` of a
//! `Backend` error is a [`ServerError`] with the quoted values replaced by `'…'`. `Debug`
//! of the adapter and its options never shows the connection URL.
//!
//! # Performance and atomicity
//!
//! [`get_session_and_user`](Adapter::get_session_and_user) is one prepared `JOIN` on the
//! unique session-token index: one round trip. MySQL has no `RETURNING`, so a write that
//! returns a row runs in a transaction: `use_verification_token`, `delete_session` and
//! `unlink_account` lock the row (`SELECT … FOR UPDATE`), read it and delete it, so of
//! concurrent callers exactly one gets it (checked with 64 callers on 64 connections);
//! updates read their row back under its lock; `delete_user` locks the user's row first,
//! which keeps new sessions and accounts out until it is gone. A transaction InnoDB rolls
//! back as a deadlock victim is run again (up to three times). [`MySqlAdapter::connect`]
//! turns off sqlx's ping before each acquire (a pool you build yourself should set
//! `test_before_acquire(false)` too).

#![deny(missing_docs)]

mod adapter;
mod checks;
mod error;
mod layout;
mod options;
mod rows;
mod schema;
mod sql;

pub use adapter::MySqlAdapter;
pub use auth_adapter_core::MigrationReport;
pub use error::ServerError;
pub use layout::Layout;
pub use options::MySqlOptions;

pub use auth_adapter_core::Adapter;
