//! Redis backend for [auth-adapter](auth_adapter_core): the Auth.js adapter interface on
//! Redis, **key-compatible with `@auth/unstorage-adapter` and
//! `@auth/upstash-redis-adapter`**, so a Rust service and a Node Auth.js app can share one
//! Redis, and without those adapters' defects (no TTLs, nothing atomic, orphaned sessions
//! and accounts, a reusable magic link under concurrency).
//!
//! ```no_run
//! use auth_adapter_core::{Adapter, AdapterSession, NewUser, SessionPolicy, generate_session_token};
//! use auth_adapter_redis::{RedisAdapter, RedisOptions};
//! use chrono::Utc;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! // The same `baseKeyPrefix` as the JS app (Auth.js' default is "").
//! let adapter = RedisAdapter::connect(
//!     "redis://127.0.0.1:6379",
//!     RedisOptions::new().key_prefix("myapp:"),
//! )
//! .await?;
//!
//! let user = adapter.create_user(NewUser::with_email("ada@example.com")).await?;
//! let session = adapter
//!     .create_session(AdapterSession {
//!         session_token: generate_session_token(),
//!         user_id: user.id.clone(),
//!         expires: SessionPolicy::default().expires_from(Utc::now()),
//!     })
//!     .await?;
//!
//! // Every request: one EVALSHA finds the session and its user.
//! let (_, current) = adapter
//!     .get_session_and_user(&session.session_token)
//!     .await?
//!     .ok_or("signed out")?;
//! assert_eq!(current.id, user.id);
//! # Ok(())
//! # }
//! ```
//!
//! Requires Redis 6.2 or newer (`SET … PXAT`, `KEEPTTL`, `SCAN … TYPE`) on a standalone
//! server or a single shard: the scripts touch keys they discover, which Redis Cluster does
//! not allow. Valkey works the same.
//!
//! # Key layout
//!
//! `{p}` is the base prefix ([`RedisOptions::key_prefix`], the JS `baseKeyPrefix`). The
//! keys the JS adapters read keep their names, types and value formats:
//!
//! | key | type | value |
//! |---|---|---|
//! | `{p}user:{id}` | string | JSON user: `{"id","name","email","emailVerified","image"}` (`null` for absent) |
//! | `{p}user:email:{email}` | string | the user id, plain (not JSON-quoted); email verbatim |
//! | `{p}user:account:{provider}:{providerAccountId}` | string | JSON account with Auth.js names plus `"id": "{provider}:{providerAccountId}"`; absent token fields omitted, `expires_at` a number (seconds) |
//! | `{p}user:account:by-user-id:{id}` | string | full key of the user's most recently linked account (kept for the JS `deleteUser`) |
//! | `{p}user:session:{sessionToken}` | string | JSON `{"sessionToken","userId","expires"}` |
//! | `{p}user:session:by-user-id:{id}` | string | full key of the user's most recently written session |
//! | `{p}user:token:{identifier}:{token}` | string | JSON `{"identifier","token","expires"}` |
//! | `{p}authenticator:{credentialID}` | string | JSON with the Auth.js names; `counter` a number, `credentialBackedUp` a boolean |
//! | `{p}authenticator:by-user-id:{id}` | string | JSON array of credential ids, newest first, no duplicates |
//!
//! Dates are ISO-8601 UTC with milliseconds (`2026-11-22T11:33:29.559Z`), what JavaScript's
//! `JSON.stringify` writes. Reading accepts what JS writes: extra fields (kept when this
//! crate rewrites a value), missing optional fields, dates with or without fractional
//! seconds or with an offset, numbers written as floats, and the duplicate ids the JS
//! `updateAuthenticatorCounter` leaves in the authenticator list. User ids are UUID v4, as
//! in both JS adapters.
//!
//! This crate adds, beside them (the JS adapters never look at these):
//!
//! | key | type | holds |
//! |---|---|---|
//! | `{p}auth-adapter:user-sessions:{id}` | set | full keys of the user's sessions |
//! | `{p}auth-adapter:user-accounts:{id}` | set | full keys of the user's accounts |
//! | `{p}auth-adapter:sessions-by-expiry` | sorted set | full session keys, scored by `expires` (ms since the epoch) |
//! | `{p}auth-adapter:tokens-by-expiry` | sorted set | full verification-token keys, scored by `expires` |
//! | `{p}auth-adapter:account:{n}:{provider}:{providerAccountId}` | string | an account whose Auth.js key another account holds (`n`: bytes in `provider`) |
//! | `{p}auth-adapter:counter:{key}` | string | a counter of the [`CounterStore`](auth_adapter_core::CounterStore): the count, with a TTL at the end of its window (one script per increment) |
//! | `{p}auth-adapter:token:{n}:{identifier}:{token}` | string | a verification token whose Auth.js key another token holds (`n`: bytes in `identifier`) |
//! | `{p}auth-adapter:bound-token:{hash}:{realm}` | hash | a token bound to a user, by the [`TokenStore`](auth_adapter_core::TokenStore): fields `id`, `userId`, `realm`, `name` (absent for none), `displayPrefix`, `scopes` (space-separated), `createdAt`, `lastUsedAt`, `expires` (ms since the epoch; the last two absent for none); `{hash}` is the token's HMAC-SHA256 (64 hex digits, never the token), so the key is unambiguous |
//! | `{p}auth-adapter:bound-token-id:{id}` | string | the full key of the binding with that id (for revoking by id) |
//! | `{p}auth-adapter:user-bound-tokens:{id}` | set | full keys of the user's bindings |
//! | `{p}auth-adapter:bound-tokens-by-expiry` | sorted set | full keys of the bindings that expire, scored by `expires` |
//!
//! The key names are written once, in `src/keys.rs`; the Lua scripts (`src/lua/`) get them
//! from there as `K_*` constants.
//!
//! Every write that changes a session, account or token maintains them in the same
//! script. The single-value JS indexes only name the *latest* session and account, which
//! is why the JS `deleteUser` orphans the others; the sets let
//! [`delete_user`](auth_adapter_core::Adapter::delete_user) and
//! [`delete_sessions_by_user_id`](auth_adapter_core::Adapter::delete_sessions_by_user_id)
//! find all of them, and the sorted sets let
//! [`delete_expired`](auth_adapter_core::Adapter::delete_expired) find expired records
//! for any `now` without scanning.
//!
//! Keys joined from two parts cannot say which parts built them: `("a:b", "c")` and
//! `("a", "b:c")` both make `user:account:a:b:c`. Every read compares the stored
//! `provider`/`providerAccountId` (or `identifier`/`token`, `sessionToken`, `id`,
//! `credentialID`) with the ones asked for, and a second account or token whose Auth.js key
//! is held by another record is written at its `auth-adapter:` key above, where reads look
//! next: the two never see each other (the JS adapters find only the one at the Auth.js
//! key). An account of provider `by-user-id` always takes the `auth-adapter:` key, which
//! keeps the JS index of the user's accounts intact. A session token or credential id
//! starting with `by-user-id:` is `InvalidInput`; user ids containing `:` are "not found"
//! (UUIDs never contain one).
//!
//! # Expiry
//!
//! With [`RedisOptions::expire_by_ttl`] (the default) sessions and verification tokens are
//! written with `SET … PXAT {expires}`, so Redis drops them when they end;
//! [`update_session`](auth_adapter_core::Adapter::update_session) moves the TTL with the
//! new `expires`. A session or token whose `expires` is already past (by the server's
//! clock) when it is created is checked like any other (unknown user → `NotFound`, taken
//! token → `Conflict`) and returned, but not stored; one moved into the past by
//! `update_session` is removed and returned with its new `expires`. So an expired record
//! this crate wrote is "not found", never returned with a changed `expires` (one the JS
//! adapters wrote has no TTL and is returned with its past `expires`, as Auth.js expects
//! and handles). Users, accounts and
//! authenticators never expire. With `expire_by_ttl(false)` nothing expires by itself (as
//! with the JS adapters) and expired records are returned until `delete_expired` removes
//! them.
//!
//! `delete_expired(now)` reads the members of the expiry sorted sets scored before `now`,
//! a page of 256 at a time, with their values, and removes (compare-and-delete, with the
//! per-user set entry and the JS index) those whose stored `expires` is before `now`. A
//! session whose `expires` the JS `updateSession` moved is re-scored instead, and members
//! whose keys are gone are forgotten (with TTLs on and `now` in the past, also those scored
//! up to the present). It counts only what it removed, not what a TTL removed. With TTLs
//! on, every create also forgets up to 16 members whose keys Redis already expired, so the
//! sorted sets stay bounded without `delete_expired`; a per-user set forgets expired
//! sessions when the user gets a new one.
//!
//! # Atomicity
//!
//! Every operation that touches more than one key is one Lua script (sent with `EVALSHA`,
//! loaded again after `NOSCRIPT`), which Redis runs atomically; each script reads first and
//! writes last, so a read failure (a key of the wrong type) leaves everything as it was.
//! Unique keys (email, account, session token, `(identifier, token)`, credential id) and
//! the user a session, account or authenticator refers to are checked inside the script
//! that writes. [`use_verification_token`](auth_adapter_core::Adapter::use_verification_token)
//! reads and deletes in one script: of N concurrent callers exactly one gets the token.
//! Updates (user, account, session, authenticator counter) build the new JSON in Rust and
//! write it with a compare-and-set script, retried if another writer got in between; an
//! email change moves the email index in the same script (`Conflict` if the new address
//! belongs to another user). An email index left stale by the JS `updateUser` (it never
//! removes the old one) neither blocks the address nor answers `get_user_by_email`.
//!
//! # Bound tokens
//!
//! Each [`TokenStore`](auth_adapter_core::TokenStore) call is one script. Binding checks
//! the user and that `(realm, hash)` is free in the script that writes (a bound token is
//! `Conflict`, never overwritten); with TTLs on, a binding with an `expires` gets it as its
//! TTL (and one already past is answered, not stored). `authenticate` is one `EVALSHA` that
//! reads the binding and its user and writes `lastUsedAt` only when it is a minute old.
//! [`delete_user`](auth_adapter_core::Adapter::delete_user) removes the user's bindings
//! (and their id keys, set and expiry entries) in its script. The JS adapters know nothing
//! of these keys: a user they delete leaves its bindings, which never authenticate (the
//! user is gone) and which `revoke_all_tokens` of its id removes.
//!
//! # One round trip
//!
//! [`get_session_and_user`](auth_adapter_core::Adapter::get_session_and_user) is one
//! `EVALSHA` of a cached script that `GET`s the session, reads its `userId` and `GET`s the
//! user on the server. (`redis::Script` sends `EVALSHA` and, only if the server answers
//! `NOSCRIPT` after a restart or `SCRIPT FLUSH`, `SCRIPT LOAD` and `EVALSHA` again.) The
//! lookups by email and by account are one script each too.
//!
//! # Data written only by the JS adapters
//!
//! The JS adapters do not maintain this crate's sets. `delete_user` therefore also follows
//! the JS single-value indexes (the latest session and account) and the authenticator
//! list, and checks the `userId` of everything it deletes; a user's *older* sessions and
//! accounts written by JS are indexed nowhere. With [`RedisOptions::sweep_unindexed`] they
//! are found by a `SCAN` of the prefix's `user:session:*` / `user:account:*` keys (cost in
//! proportion to the keyspace) and deleted in the same atomic script; without it they are
//! left, as the JS `deleteUser` leaves them. The same option makes `delete_expired` scan for
//! expired sessions and tokens that only JS wrote. `@auth/unstorage-adapter` normalises
//! keys (`/` and `\` become `:`, repeated `:` collapse, everything after `?` is dropped);
//! this crate writes keys verbatim, so values containing those characters name different
//! keys on the two sides.
//!
//! # Errors
//!
//! Connection refused, reset or timed out, and a server that is loading or failing over,
//! are [`AdapterError::Backend`](auth_adapter_core::AdapterError::Backend) with
//! `is_transient() == true`; the [`ConnectionManager`](redis::aio::ConnectionManager)
//! reconnects by itself, so a later call succeeds once the server is back. Script and
//! protocol errors are permanent. A value another client wrote that cannot be read is a
//! permanent `Backend` error naming the kind of record and the field, never the value;
//! a value that is not even JSON is left in place by the deleting operations.

#![deny(missing_docs)]

mod adapter;
mod codec;
mod error;
mod keys;
mod options;
mod scripts;

pub use adapter::RedisAdapter;
pub use options::RedisOptions;
