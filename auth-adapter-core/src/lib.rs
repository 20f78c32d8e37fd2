//! The storage layer of [Auth.js](https://authjs.dev) (next-auth), for Rust.
//!
//! A Rust service and a Node.js Auth.js app can share one database: this crate holds the
//! contract both sides keep: the [`Adapter`] trait (every Auth.js adapter method, async
//! and object safe), its model types, the [`AdapterError`] every backend returns, and the
//! Auth.js rules for magic-link tokens and database sessions, byte for byte. Backends live
//! in their own crates (PostgreSQL, SQLite, Redis); [`MemoryAdapter`] (feature `memory`)
//! is a complete one in process memory.
//!
//! Beside the [`Adapter`], two store traits that the sign-in layer needs and every backend
//! implements on the same store: [`CounterStore`] (attempt and rate limits) and
//! [`TokenStore`] (tokens bound to an account, API-key style, kept as keyed hashes; their
//! format and hashing are in [`bound_token`]).
//!
//! # Example: an Auth.js sign-in, step by step
//!
//! ```
//! # #[cfg(feature = "memory")]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
//! use std::sync::Arc;
//! use auth_adapter_core::{
//!     Adapter, AdapterSession, MemoryAdapter, NewUser, SessionPolicy, VerificationToken,
//!     generate_session_token, generate_verification_token, hash_verification_token,
//!     normalize_identifier,
//! };
//! use chrono::Utc;
//!
//! let adapter: Arc<dyn Adapter> = Arc::new(MemoryAdapter::new());
//! let secret = "the AUTH_SECRET of the Auth.js app";
//!
//! // 1. The user asks for a magic link: store the hashed token, mail the raw one.
//! let email = normalize_identifier(" Ada@Example.com ")?;
//! let raw = generate_verification_token();
//! adapter
//!     .create_verification_token(VerificationToken {
//!         identifier: email.clone(),
//!         token: hash_verification_token(&raw, secret),
//!         expires: Utc::now() + chrono::TimeDelta::hours(24),
//!     })
//!     .await?;
//!
//! // 2. The link is clicked: the token is consumed, once.
//! let used = adapter
//!     .use_verification_token(&email, &hash_verification_token(&raw, secret))
//!     .await?
//!     .ok_or("unknown or used link")?;
//! assert!(used.expires > Utc::now());
//!
//! // 3. The user is created and signed in with a database session.
//! let user = adapter
//!     .create_user(NewUser { email_verified: Some(Utc::now()), ..NewUser::with_email(&email) })
//!     .await?;
//! let policy = SessionPolicy::default();
//! let session = adapter
//!     .create_session(AdapterSession {
//!         session_token: generate_session_token(),
//!         user_id: user.id.clone(),
//!         expires: policy.expires_from(Utc::now()),
//!     })
//!     .await?;
//!
//! // 4. Every request: one round trip finds the session and its user.
//! let (_, current) = policy
//!     .resolve(adapter.as_ref(), &session.session_token, Utc::now())
//!     .await?
//!     .ok_or("signed out")?;
//! assert_eq!(current.email.as_deref(), Some("ada@example.com"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })
//! # }
//! # #[cfg(not(feature = "memory"))]
//! # fn main() {}
//! ```
//!
//! # Features
//! - `memory`: [`MemoryAdapter`].

#![deny(missing_docs)]

mod adapter;
pub mod backend;
pub mod bound_token;
pub mod cookies;
mod counter;
mod error;
#[cfg(feature = "memory")]
mod memory;
mod migration;
mod model;
mod redact;
mod session_policy;
mod token;
mod token_store;

pub use adapter::Adapter;
pub use bound_token::{BoundToken, TokenError, TokenFormat, TokenHash, TokenSecret};
pub use counter::{Count, CounterStore, MAX_WINDOW, client_bucket};
pub use error::{AdapterError, Entity, Result};
#[cfg(feature = "memory")]
pub use memory::MemoryAdapter;
pub use migration::MigrationReport;
pub use model::{
    AccountType, AccountUpdate, AdapterAccount, AdapterAuthenticator, AdapterSession, AdapterUser,
    ExpiredCount, NewUser, SessionUpdate, UserUpdate, VerificationToken,
};
pub use session_policy::{SessionCheck, SessionPolicy, generate_session_token};
pub use token::{
    VERIFICATION_TOKEN_MAX_AGE, generate_verification_token, hash_verification_token,
    hash_verification_token_with_secrets, normalize_identifier, tokens_match,
};
pub use token_store::{
    LAST_USED_INTERVAL, MAX_DISPLAY_PREFIX_CHARS, MAX_SCOPES, NewTokenBinding, TokenBinding,
    TokenStore,
};

/// Re-exported so backends and users name the same versions.
pub use async_trait::async_trait;
pub use chrono;
