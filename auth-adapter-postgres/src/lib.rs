//! The PostgreSQL backend of auth-adapter: the Auth.js [`Adapter`] on
//! [sqlx](https://docs.rs/sqlx), in the table layout of
//! [`@auth/pg-adapter`](https://authjs.dev/getting-started/adapters/pg),
//! [`@auth/prisma-adapter`](https://authjs.dev/getting-started/adapters/prisma) or
//! [`@auth/drizzle-adapter`](https://authjs.dev/getting-started/adapters/drizzle) (see
//! [Layouts](#layouts)), so a Rust service and a Node Auth.js app share one database, row
//! for row.
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
//! # Layouts
//!
//! [`PostgresOptions::layout`] picks the tables: [`Layout::PgAdapter`] (the default, below),
//! [`Layout::Prisma`] or [`Layout::Drizzle`] ([further down](#the-prisma-layout)). Every
//! layout lives in the schema (namespace) chosen with [`PostgresOptions::schema`] (default
//! `public`), runs the same conformance suite, and answers the same input the same way
//! within the limits it documents.
//!
//! ```no_run
//! use auth_adapter_postgres::{Layout, PostgresAdapter, PostgresOptions};
//!
//! # async fn run() -> Result<(), auth_adapter_core::AdapterError> {
//! // The tables of a Prisma app whose User model says @@map("users").
//! let tables = Layout::Prisma.default_tables().user("users");
//! let options = PostgresOptions::new().layout(Layout::Prisma).tables(tables);
//! let postgres = PostgresAdapter::connect("postgres://app@localhost:5432/app", options).await?;
//! postgres.migrate().await?; // adopts the tables `prisma migrate` made
//! # Ok(())
//! # }
//! ```
//!
//! ## The pg-adapter layout
//!
//! Exactly `@auth/pg-adapter`'s `schema.sql`:
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
//! | function `auth_adapter_token_used(token_id, used_at, due_before)` | PL/pgSQL: `UPDATE auth_adapter_tokens SET last_used_at = used_at` when the recorded use is `NULL` or at most `due_before`; answers whether it wrote | `authenticate` is one plain `SELECT` that calls it only when the last use is due (at most once a minute per token), so a request that is not due runs no data-modifying plan; a database migrated before it existed gets it on its next `migrate` |
//!
//! All of it is additive: **Node's `@auth/pg-adapter` keeps working on the same tables**.
//! It writes the same columns; its `deleteUser` deletes the user first and then the
//! (already cascaded) sessions and accounts; and where its writes would now break a unique
//! key, it gets an error instead of creating the duplicate. It never touches
//! `authenticators`, `auth_adapter_counters` or `auth_adapter_tokens` (its `deleteUser`
//! removes a user's bound tokens through the cascade, as ours does).
//!
//! ## The Prisma layout
//!
//! [`Layout::Prisma`] is the Auth.js docs' PostgreSQL schema for `@auth/prisma-adapter`, as
//! `prisma migrate` creates it (the DDL is Prisma's, constraint names included):
//!
//! | table | columns |
//! |---|---|
//! | `"User"` | `id TEXT` PK (a cuid), `name`, `email` (**`NOT NULL`**, unique `User_email_key`), `"emailVerified" TIMESTAMP(3)`, `image`, `"createdAt" TIMESTAMP(3)` (default now), `"updatedAt" TIMESTAMP(3)` (no default) |
//! | `"Account"` | PK `(provider, "providerAccountId")`, `"userId"` (FK `ON DELETE CASCADE`), `type`, `refresh_token`, `access_token`, `expires_at INTEGER`, `token_type`, `scope`, `id_token`, `session_state` (`TEXT`), `"createdAt"`, `"updatedAt"` |
//! | `"Session"` | `"sessionToken"` (unique, no PK), `"userId"` (FK cascade), `expires TIMESTAMP(3)`, `"createdAt"`, `"updatedAt"` |
//! | `"VerificationToken"` | PK `(identifier, token)`, `expires TIMESTAMP(3)` |
//! | `"Authenticator"` | PK `("userId", "credentialID")`, `"credentialID"` unique, `"providerAccountId"`, `"credentialPublicKey"`, `counter INTEGER`, `"credentialDeviceType"`, `"credentialBackedUp" BOOLEAN`, `transports` |
//!
//! Dates are `timestamp(3) without time zone` holding UTC, as Prisma writes them; the
//! adapter writes and reads them as UTC whatever the connection's `TimeZone`.
//! `@default(cuid())` and `@updatedAt` are Prisma Client features, not database defaults,
//! so the adapter makes them: user ids are 25-character cuids
//! ([`ids::cuid`](auth_adapter_core::backend::ids::cuid)), and `"updatedAt"` is set to the
//! server's time on every insert and update.
//!
//! **Variants.** Real Prisma databases were made from different schemas: the v4-era docs
//! (a cuid `id` on `"Account"` and `"Session"`, `@@unique` keys), schemas without
//! `createdAt` / `updatedAt`, a nullable `email`, relations without `onDelete: Cascade`.
//! The adapter reads the catalog (in [`migrate`](PostgresAdapter::migrate), or on its first
//! call) and writes what the tables have: an `id` where one exists without a default,
//! `"updatedAt"` where it exists (`"createdAt"` only where it has no default), an email only
//! where it is required; `delete_user` deletes the user's sessions, accounts and
//! authenticators in its own statement, so foreign keys that `RESTRICT` hold too. Columns
//! it does not know keep their defaults. Ids of the users table and its references must be
//! text (`TEXT`, `VARCHAR`), dates all `timestamp` or all `timestamptz`; anything else is
//! [`AdapterError::Unsupported`](auth_adapter_core::AdapterError::Unsupported), and so is a
//! missing table (run `migrate`) or column.
//!
//! ## The Drizzle layout
//!
//! [`Layout::Drizzle`] is `@auth/drizzle-adapter`'s `defineTables()` for PostgreSQL, as
//! `drizzle-kit generate` creates it:
//!
//! | table | columns |
//! |---|---|
//! | `"user"` | `id text` PK (a UUID), `name`, `email` (unique, nullable), `"emailVerified" timestamp`, `image` |
//! | `"account"` | PK `(provider, "providerAccountId")`, `"userId"` (FK `ON DELETE cascade`), `type`, tokens `text`, `expires_at integer`, `token_type`, `scope`, `id_token`, `session_state` |
//! | `"session"` | `"sessionToken" text` PK, `"userId"` (FK cascade), `expires timestamp` |
//! | `"verificationToken"` | PK `(identifier, token)`, `expires timestamp` |
//! | `"authenticator"` | PK `("userId", "credentialID")`, `"credentialID"` unique, `counter integer`, `"credentialBackedUp" boolean`, the rest `text` |
//!
//! `timestamp` is drizzle-kit's default precision, microseconds, without time zone: the
//! adapter stores milliseconds (what a JavaScript `Date` holds) as UTC, which is what
//! drizzle-orm's `mode: "date"` columns write and read. User ids are
//! `crypto.randomUUID()`'s form. Drizzle apps often pass their own tables to
//! `DrizzleAdapter(db, { usersTable, … })`: name them with [`PostgresOptions::tables`].
//!
//! ## What the Prisma and Drizzle layouts cannot hold
//!
//! Checked before any statement runs, as
//! [`AdapterError::InvalidInput`](auth_adapter_core::AdapterError::InvalidInput) naming the
//! field and the column, with nothing written; the conformance suite runs every case on
//! both layouts with these limits declared (`auth_adapter_tests::Limits`):
//!
//! | limit | Prisma | Drizzle |
//! |---|---|---|
//! | a user without email (created, or updated to none) | **refused** where `email` is `NOT NULL` (the docs schema) | allowed |
//! | authenticator `counter`, account `expires_at` | `INTEGER`: up to 2 147 483 647 | the same |
//!
//! Strings are `text` and dates span what PostgreSQL and JavaScript both hold, as in the
//! pg-adapter layout.
//!
//! ## What `migrate` creates for them
//!
//! Only what is missing, in one transaction, never altering a table that exists: the
//! tool's tables (so `prisma migrate diff` and `drizzle-kit` see no difference), then the
//! crate's own `auth_adapter_counters` and `auth_adapter_tokens` (as in the pg-adapter
//! layout, with `user_id TEXT` referencing the users table's `id` `ON DELETE CASCADE`, so a
//! user deleted by Node takes its bound tokens along). No index or constraint is added to
//! the tool's tables: Prisma's schema has no index on `"userId"`, so signing a user out
//! everywhere scans the sessions (add `@@index([userId])` to the Prisma schema, or an
//! `index()` to the Drizzle table, if that matters; the adapter works either way). A
//! v4-era Prisma database without `"Authenticator"` gets the docs' `"Authenticator"`.
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
//! `DELETE`, and `EXECUTE` on `auth_adapter_token_used` (which `PUBLIC` has unless it was
//! revoked), so an app can migrate once with an owner role and run with a smaller one.
//!
//! A unique index on the same columns, or a cascading foreign key from `"userId"` to
//! `users`, that the owner already added under another name counts as ours and is kept
//! as it is (its violations map to the same `Conflict`s).
//!
//! A table of the right name with a missing column is [`AdapterError::Unsupported`](auth_adapter_core::AdapterError::Unsupported).
//!
//! # Transaction poolers
//!
//! Apps that run many instances against one PostgreSQL usually reach it through a pooler
//! in **transaction mode**: PgBouncer with `pool_mode = transaction`, Supabase's Supavisor
//! (port 6543), the "pooled" connection strings of Neon and other managed services. Such
//! a pooler lends a server connection for one transaction, or for one statement outside
//! a transaction, and then gives it to another client. Anything a client leaves on a
//! server connection is then met by other clients, and missing when the same client
//! comes back. With the default options that breaks at once: sqlx names its prepared
//! statements `sqlx_s_1`, `sqlx_s_2`, … per client connection and keeps them on the
//! server, so the second client to prepare `sqlx_s_1` on a server connection gets
//! `42P05 prepared statement "sqlx_s_1" already exists` (or `26000 … does not exist`
//! when its Execute lands elsewhere); PgBouncer refuses the connection before that, over
//! sqlx's `extra_float_digits` startup parameter (`08P01 unsupported startup
//! parameter`), unless `ignore_startup_parameters` lists it.
//!
//! Set [`PostgresOptions::transaction_pooler`] for such a URL. The adapter then keeps
//! nothing on a server connection beyond the statement that runs:
//!
//! - **no prepared statement**, named or unnamed: every call is one statement sent as one
//!   simple `Query`, its values written into the text as typed literals (escape strings
//!   of pure ASCII, so no client encoding or `standard_conforming_strings` setting can
//!   change where a literal ends; the escaping is unit-tested against injection);
//! - **no `SET`**: the adapter sends none in either mode; the session settings it relies
//!   on (`DateStyle`, `TimeZone`, `client_encoding`) are sqlx's startup parameters, which
//!   PgBouncer replays on every server connection it lends; tables are named with their
//!   schema, so `search_path` does not matter;
//! - **no session-level advisory lock**: [`migrate`](PostgresAdapter::migrate) takes
//!   `pg_advisory_xact_lock` inside its one transaction (a pooler lends one server
//!   connection for a whole transaction), released at commit or rollback; its own
//!   statements are unnamed and parsed inside that transaction, in both modes;
//! - **no temporary objects, no `LISTEN`, no cursors** left open between calls.
//!
//! So `migrate` works through the pooler, under concurrent migrators too, and a failed
//! run leaves nothing behind: if the client goes away mid-run, the pooler closes that
//! server connection and PostgreSQL rolls the transaction back.
//!
//! **Round trips.** Every call stays one round trip, `get_session_and_user` included,
//! which is as few as the protocol allows. What else was tried, through Debian's
//! PgBouncer 1.18 (which, unlike 1.21 and later with `max_prepared_statements`, does not
//! track prepared statements itself):
//!
//! | approach | round trips per lookup | behind a transaction pooler |
//! |---|---|---|
//! | sqlx's default: named statement, cached per connection | 1 (2 on its first use on a connection) | fails: `42P05` / `26000` |
//! | `PgConnectOptions::statement_cache_capacity(0)` | 2 | fails: sqlx still names every statement, and never closes it (`42P05` at once) |
//! | `.persistent(false)` (an unnamed statement) | 2: Parse/Describe/Sync, then Bind/Execute/Sync | **wrong answers**: sqlx syncs between Parse and Bind, so the pooler may put the Bind on another server connection, where another client's unnamed statement waits. With 40 clients running two statements that differ only in a constant, 3,448 of 8,000 calls returned the other statement's result and 14 failed with `26000` |
//! | `.persistent(false)` inside a transaction | 4: `BEGIN`, Parse/Describe, Bind/Execute, `COMMIT` | works |
//! | one simple `Query`, values as literals (**`transaction_pooler`**) | 1 | works |
//!
//! sqlx cannot send Parse, Bind and Execute under one Sync (as libpq's `PQexecParams`
//! does), which is what would let an unnamed bound statement work in one round trip;
//! the simple query protocol is the one-round-trip form left. It costs the server a parse
//! and plan per call: see BENCHMARKS.md ("Behind a transaction pooler") for what that and
//! the pooler's extra hop cost, against the same lookup written by hand.
//!
//! **What to know.**
//!
//! - Values are in the statement text. [`connect`](PostgresAdapter::connect) turns sqlx's
//!   statement logging off (it logs every statement at `DEBUG` and slow ones at `WARN`);
//!   a pool given to [`from_pool`](PostgresAdapter::from_pool) should be built with
//!   `.disable_statement_logging()` too. PostgreSQL's own log shows them where it logs a
//!   statement: a failed one (`log_min_error_statement`, `error` by default; a unique
//!   violation's `DETAIL` already names the key in either mode), a slow one
//!   (`log_min_duration_statement`), every one (`log_statement = all`); and
//!   `pg_stat_activity.query` shows the running one. Session tokens and OAuth tokens are
//!   among those values: keep such logs as private as the tables, or turn statement
//!   logging down for the adapter's role.
//! - With [`from_pool`](PostgresAdapter::from_pool), the pool's connect options are
//!   yours: for PgBouncer, build it with `PgConnectOptions::extra_float_digits(None)` (or
//!   list `extra_float_digits` in PgBouncer's `ignore_startup_parameters`), and with
//!   `.disable_statement_logging()`.
//! - Queries of your own on [`pool`](PostgresAdapter::pool) must follow the same rule:
//!   `sqlx::raw_sql`, or `.persistent(false)` inside a transaction.
//! - A pooler in session mode, or PgBouncer ≥ 1.21 with `max_prepared_statements` set
//!   (and `extra_float_digits` ignored), works with the default options too.
//! - Node's `@auth/pg-adapter` (node-postgres) sends unnamed statements with Parse, Bind
//!   and Execute under one Sync, which works through such a pooler; but a `search_path`
//!   passed as the `options` startup parameter is refused by PgBouncer 1.18, so a schema
//!   other than `public` needs `ALTER ROLE … SET search_path` there.
//!
//! **Every layout.** The Prisma and Drizzle layouts run their statements through the same
//! code path (statement texts split at `$n`, one [`PostgresOptions::transaction_pooler`]
//! switch): their `timestamp without time zone` dates travel as `'…'::timestamp` literals
//! of the UTC time and are read back from text, their text ids as text; their `migrate`
//! is one transaction under a transaction-scoped lock, and the catalog read that finds
//! their variant is one statement of the same kind. On MySQL, ProxySQL plays the pooler's
//! part, and differently: it keeps prepared statements itself (it prepares them again on
//! whichever backend connection runs them), so sqlx's prepared statements hold there; it
//! stops sharing a client's backend connection (multiplexing) once that client uses
//! session state it cannot replay (user variables, `GET_LOCK`, temporary tables, a `SET`
//! it does not track), which stays correct but costs connections. A MySQL backend would
//! therefore keep its per-request path free of such state, and its `migrate` (whose DDL
//! MySQL commits statement by statement, pooler or not) would run over a direct
//! connection, or stop with an error saying so, and make every step idempotent.
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
//! Under [`PostgresOptions::transaction_pooler`], each call is one simple `Query` instead,
//! still one round trip ([above](#transaction-poolers)).

#![deny(missing_docs)]

mod adapter;
mod error;
mod layout;
mod literal;
mod options;
mod query;
mod rows;
mod schema;
mod shape;
mod sql;
mod tool_tables;

pub use adapter::PostgresAdapter;
pub use auth_adapter_core::MigrationReport;
pub use error::ServerError;
pub use layout::{Layout, Tables};
pub use options::PostgresOptions;

pub use auth_adapter_core::Adapter;
