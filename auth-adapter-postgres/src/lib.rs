//! The PostgreSQL backend of auth-adapter: the Auth.js [`Adapter`] on
//! [sqlx](https://docs.rs/sqlx), in the table layout of
//! [`@auth/pg-adapter`](https://authjs.dev/getting-started/adapters/pg), so a Rust service
//! and a Node Auth.js app share one database, row for row.
//!
//! ```no_run
//! use std::sync::Arc;
//! use auth_adapter_core::{Adapter, NewUser};
//! use auth_adapter_postgres::{PostgresAdapter, PostgresOptions};
//!
//! # async fn run() -> Result<(), auth_adapter_core::AdapterError> {
//! let options = PostgresOptions::new().schema("public").max_connections(20);
//! let postgres =
//!     PostgresAdapter::connect("postgres://app@localhost:5432/app", options).await?;
//! // Creates the tables, or adopts the ones @auth/pg-adapter's schema.sql made.
//! postgres.migrate().await?;
//!
//! let adapter: Arc<dyn Adapter> = Arc::new(postgres);
//! let user = adapter.create_user(NewUser::with_email("ada@example.com")).await?;
//! assert_eq!(adapter.get_user(&user.id).await?, Some(user.clone()));
//! assert_eq!(adapter.get_user("not-a-number").await?, None);
//! # Ok(())
//! # }
//! ```
//!
//! # Layout
//!
//! Exactly `@auth/pg-adapter`'s `schema.sql`, in the schema (namespace) chosen with
//! [`PostgresOptions::schema`] (default `public`):
//!
//! | table | columns |
//! |---|---|
//! | `users` | `id SERIAL` PK, `name VARCHAR(255)`, `email VARCHAR(255)`, `"emailVerified" TIMESTAMPTZ`, `image TEXT` |
//! | `accounts` | `id SERIAL` PK, `"userId" INTEGER`, `type`, `provider`, `"providerAccountId"` (`VARCHAR(255)`), `refresh_token`, `access_token`, `expires_at BIGINT` (seconds), `id_token`, `scope`, `session_state`, `token_type` (`TEXT`) |
//! | `sessions` | `id SERIAL` PK, `"userId" INTEGER`, `expires TIMESTAMPTZ`, `"sessionToken" VARCHAR(255)` |
//! | `verification_token` | `identifier TEXT`, `expires TIMESTAMPTZ`, `token TEXT`, PK `(identifier, token)` |
//!
//! camelCase columns are quoted identifiers, as upstream. Ids are `SERIAL` integers and
//! cross the API as their decimal text (`"42"`). Text that is not the canonical decimal of
//! an `i32` (a UUID, `"abc"`, `"007"`, a number beyond `i32`) names no user: lookups and
//! deletes answer `Ok(None)` (or `0`, or an empty list) without asking the server, and
//! writes that reference a user (`create_session`, `link_account`, `create_authenticator`,
//! `update_user`) answer `NotFound { entity: User }`. Dates are stored to the millisecond,
//! as the JavaScript `Date`s Auth.js holds, so both sides read the same instant.
//!
//! # What `migrate` adds to upstream's schema, and why
//!
//! Upstream has no constraint besides the primary keys, which lets a race create two users
//! with one email (account linking by email is then ambiguous), makes every session lookup
//! a sequential scan, and leaves accounts and sessions behind when a user is deleted
//! outside the adapter. [`PostgresAdapter::migrate`] adds the following, and the adapter
//! relies on it (`delete_user` cascades through the foreign keys, `Conflict`s come from the
//! unique keys), so run `migrate` once before using an adapter on a database:
//!
//! | name | what | why |
//! |---|---|---|
//! | `users_email_key` | `UNIQUE (email)` (many `NULL`s allowed) | one user per address; `Conflict` instead of a silent duplicate |
//! | `accounts_provider_account_key` | `UNIQUE (provider, "providerAccountId")` | one owner per provider account; serves `get_user_by_account` |
//! | `sessions_session_token_key` | `UNIQUE ("sessionToken")` | serves the per-request lookup; no shared tokens |
//! | `accounts_user_id_fkey`, `sessions_user_id_fkey`, `authenticators_user_id_fkey` | `FOREIGN KEY ("userId") REFERENCES users (id) ON DELETE CASCADE` | no rows for missing users; `delete_user` is one atomic statement |
//! | `accounts_user_id_idx`, `sessions_user_id_idx`, `authenticators_user_id_idx` | index on `"userId"` | sign out everywhere, the cascades, authenticator lists |
//! | table `authenticators` | `"credentialID" TEXT` PK, `"userId" INTEGER`, `"providerAccountId" TEXT`, `"credentialPublicKey" TEXT`, `counter BIGINT` (checked to the `u32` range), `"credentialDeviceType" TEXT`, `"credentialBackedUp" BOOLEAN`, `transports TEXT` | WebAuthn, which pg-adapter does not implement |
//! | table `auth_adapter_counters` | `key TEXT` PK, `count BIGINT`, `resets_at TIMESTAMPTZ` | the [`CounterStore`](auth_adapter_core::CounterStore) (attempt and rate limits shared by every instance): one upsert per increment, windows on the server's clock |
//! | table `auth_adapter_tokens` | `id TEXT` PK (a UUID), `user_id INTEGER` (FK to `users` `ON DELETE CASCADE`), `realm TEXT`, `token_hash TEXT` (HMAC-SHA256, hex), `name TEXT`, `display_prefix TEXT`, `scopes TEXT[]`, `created_at`, `last_used_at`, `expires` (`TIMESTAMPTZ`); `UNIQUE (realm, token_hash)`; indexes `auth_adapter_tokens_user_id_idx` and `auth_adapter_tokens_expires_idx` (partial, non-null `expires`) | the [`TokenStore`](auth_adapter_core::TokenStore) (tokens bound to users, never stored in clear): a bound token is `Conflict`, never moved; a user's delete, ours or Node's, takes its tokens in the same statement |
//!
//! All of it is additive: **Node's `@auth/pg-adapter` keeps working on the same tables**.
//! It writes the same columns; its `deleteUser` deletes the user first and then the
//! (already cascaded) sessions and accounts; and where its writes would now break a unique
//! key, it gets an error instead of creating the duplicate. It never touches
//! `authenticators`, `auth_adapter_counters` or `auth_adapter_tokens` (its `deleteUser`
//! removes a user's bound tokens through the cascade, as ours does).
//!
//! # Migrations
//!
//! `migrate` runs in one transaction under an advisory lock per schema, so concurrent
//! migrators (several instances starting at once) run one after the other. It reads the
//! catalog and does only what is missing, which makes it idempotent (a second run returns
//! a [`MigrationReport`] that [`is_noop`](MigrationReport::is_noop)) and gives two paths
//! to the same end state. No migrations table is kept (sqlx's `_sqlx_migrations` included):
//! a version number could not describe tables that Node created or altered, and it would be
//! one more table beside Auth.js's. The two paths:
//!
//! - **Empty schema** (created if missing): the upstream tables, then the additions above.
//! - **Tables made by Auth.js's `schema.sql`, with data**: adopted in place, every row
//!   kept. Before adding a constraint, `migrate` locks the tables against writes and looks
//!   for rows that would break it: emails held by several users, accounts linked twice,
//!   sessions sharing a token, and accounts, sessions or authenticators whose user does not
//!   exist. If there are any, it changes nothing (the transaction is rolled back) and
//!   returns [`AdapterError::Conflict`](auth_adapter_core::AdapterError::Conflict) whose message lists them: emails and
//!   `(provider, providerAccountId)` pairs by value, sessions by their row `id` (a session
//!   token is a secret and is never printed), at most 20 per kind. Fix those rows and run
//!   it again.
//!
//! `migrate` needs a role that may create in the schema and owns the tables (for
//! `ALTER TABLE`); the adapter's other calls need only `SELECT`, `INSERT`, `UPDATE` and
//! `DELETE`, so an app can migrate once with an owner role and run with a smaller one.
//!
//! A unique index on the same columns, or a cascading foreign key from `"userId"` to
//! `users`, that the owner already added under another name counts as ours and is kept
//! as it is (its violations map to the same `Conflict`s).
//!
//! A table of the right name with a missing column is [`AdapterError::Unsupported`](auth_adapter_core::AdapterError::Unsupported).
//!
//! # Errors
//!
//! | cause | `AdapterError` |
//! |---|---|
//! | a validated field is empty, holds a NUL byte or is over 255 characters (checked before any query) | `InvalidInput` |
//! | an invalid schema name, or a URL that does not parse | `InvalidInput` |
//! | unique violation (SQLSTATE `23505`) | `Conflict`, naming the key (email, account, session token, verification token, credential id) |
//! | foreign key violation (`23503`): the user does not exist | `NotFound { entity: User }` |
//! | update of a missing user, account or authenticator | `NotFound` |
//! | connection refused or reset, I/O, TLS, pool timed out or closed, `08…`, `40001`, `40P01`, `53300`, `57P01`–`57P03` | `Backend`, [`is_transient`](auth_adapter_core::AdapterError::is_transient) |
//! | anything else | `Backend`, permanent |
//!
//! No message carries a secret: PostgreSQL's `DETAIL` (which repeats key values) is
//! dropped, and the `source` of a database error is a [`ServerError`] with only the
//! SQLSTATE, the primary message and the constraint and table names. `Debug` of the
//! adapter and its options never shows the connection URL.
//!
//! # Performance
//!
//! [`get_session_and_user`](Adapter::get_session_and_user) is one prepared `JOIN` on the
//! unique session-token index; every statement text is built once per adapter and sqlx
//! prepares and caches it per connection. Multi-row writes are single statements
//! (`delete_user` via the cascades, `delete_expired` as one statement with two
//! data-modifying CTEs), `update_user` and `update_account` are one `UPDATE … RETURNING`,
//! and `use_verification_token` is one `DELETE … RETURNING`, so of concurrent uses exactly
//! one gets the token. [`authenticate`](auth_adapter_core::TokenStore::authenticate) (a bound
//! token, per request) is one prepared statement too: the binding and its user by the
//! unique `(realm, token_hash)` index and the users primary key, and, in a data-modifying
//! CTE of the same statement, its `last_used_at` moved only when it is a minute old (a
//! use that writes nothing writes no row version; of concurrent uses, the row lock and
//! PostgreSQL's recheck of the `WHERE` let one write). Ids that cannot exist (non-numeric, empty, with a NUL byte) are
//! answered without a query. (sqlx's pool pings a connection when it is returned, after
//! the caller has its answer; size the pool with that in mind. [`PostgresAdapter::connect`]
//! turns off sqlx's second ping before each acquire, so the per-request path stays one
//! round trip; a pool you build yourself should set `test_before_acquire(false)` too.)

#![deny(missing_docs)]

mod adapter;
mod error;
mod options;
mod rows;
mod schema;
mod sql;

pub use adapter::PostgresAdapter;
pub use auth_adapter_core::MigrationReport;
pub use error::ServerError;
pub use options::PostgresOptions;

pub use auth_adapter_core::Adapter;
