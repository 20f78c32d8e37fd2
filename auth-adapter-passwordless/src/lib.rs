//! Passwordless sign-in over any [`auth_adapter_core::Adapter`]: Auth.js magic links, and
//! one-time codes by email or SMS, with attempt and rate limits kept in the store
//! ([`auth_adapter_core::CounterStore`]) so that every instance of a service shares them.
//!
//! Delivery goes through a [`Sender`]: SMTP, Resend, Twilio, or the development console
//! ([`senders`]; each provider behind its Cargo feature: `smtp`, `resend`, `twilio`).
//!
//! # The service
//!
//! [`Passwordless`] holds the store (an `Adapter` and a `CounterStore`; every backend of
//! this project is both), a [`Sender`], the secret and the site URL. Its operations:
//!
//! | operation | does |
//! |---|---|
//! | [`send_magic_link`](Passwordless::send_magic_link) | stores an Auth.js verification token, sends Auth.js's link |
//! | [`verify_magic_link`](Passwordless::verify_magic_link) | uses the token up, finds or creates the user, creates a session |
//! | [`send_otp`](Passwordless::send_otp) | stores the keyed hash of a new code (replacing the last one), sends the code |
//! | [`verify_otp`](Passwordless::verify_otp) | counts the check, uses the code up, finds or creates the user, creates a session |
//! | [`get_session`](Passwordless::get_session), [`revoke_session`](Passwordless::revoke_session), [`revoke_all_sessions`](Passwordless::revoke_all_sessions) | Auth.js database sessions |
//!
//! ```
//! use std::sync::{Arc, Mutex};
//! use auth_adapter_core::MemoryAdapter;
//! use auth_adapter_passwordless::{
//!     Channel, Client, Content, Message, Passwordless, Recipient, SendError, Sender,
//! };
//!
//! /// A sender that keeps what it sends (use a real one: SMTP, Resend, Twilio).
//! #[derive(Debug, Default)]
//! struct Outbox(Mutex<Vec<Message>>);
//!
//! #[async_trait::async_trait]
//! impl Sender for Outbox {
//!     async fn send(&self, message: &Message) -> Result<(), SendError> {
//!         self.0.lock().unwrap().push(message.clone());
//!         Ok(())
//!     }
//!     fn delivers_to(&self, _: &Recipient) -> bool {
//!         true
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let store = Arc::new(MemoryAdapter::new()); // or PostgresAdapter, SqliteAdapter, RedisAdapter
//! let outbox = Arc::new(Outbox::default());
//! let service = Passwordless::builder(store.clone(), store, outbox.clone())
//!     .secret("the AUTH_SECRET of the Auth.js app")
//!     .site_url("https://app.example.com")
//!     .site_name("Acme")
//!     .build()?;
//! let client = Client::new(Some("203.0.113.7".parse()?));
//!
//! // A code by email.
//! service.send_otp(Channel::Email, "Ada@Example.com", &client).await?;
//! let code = match &outbox.0.lock().unwrap()[0].content {
//!     Content::Code { code } => code.clone(),
//!     _ => unreachable!(),
//! };
//! let signed_in = service.verify_otp(Channel::Email, "ada@example.com", &code, &client).await?;
//! assert_eq!(signed_in.user.email.as_deref(), Some("ada@example.com"));
//! assert!(signed_in.user.email_verified.is_some());
//!
//! // Its session is an Auth.js database session: the cookie holds its token.
//! let token = &signed_in.session.session_token;
//! assert!(service.get_session(token).await?.is_some());
//! assert!(service.revoke_session(token).await?);
//!
//! // A used code is refused.
//! assert!(service.verify_otp(Channel::Email, "ada@example.com", &code, &client).await.is_err());
//! # Ok(())
//! # }
//! ```
//!
//! # Magic links: Auth.js's own
//!
//! A link is what Auth.js's email provider sends, byte for byte: a raw token of 32 random
//! bytes in hex, stored as `sha256(token + secret)` under the normalised address, 24 hours,
//! `{site}/api/auth/callback/email?callbackUrl=…&token=…&email=…`. So with the same secret
//! and store, a link this service sends is redeemed by the Auth.js app (its
//! `/callback/email` route) and a link the Auth.js app sent is redeemed by
//! [`verify_magic_link`](Passwordless::verify_magic_link). Users follow Auth.js's rules:
//! found by email or created with `emailVerified = now`, `emailVerified` set again on each
//! email sign-in, no account row.
//!
//! **Mail scanners.** Mail security products open the links in incoming mail, which would
//! use a single-use link up before the user clicks (next-auth #4965, #10383, #1840). So
//! verification is a `POST`: the link's `GET` must show a page with a button that posts
//! `email` and `token` (the router of `auth-adapter-axum` does); scanners do not press
//! buttons. Auth.js's own `/callback/email` consumes on `GET`; links redeemed there keep
//! that behaviour.
//!
//! # One-time codes
//!
//! 6 digits by default ([`CodeFormat`]), 10 minutes ([`CODE_MAX_AGE`]). A code is stored as
//! a verification-token row, so every backend holds it and uses it up in one atomic call:
//!
//! - identifier `otp:` + the normalised recipient (`otp:ada@example.com`,
//!   `otp:+4915123456789`);
//! - token = hex HMAC-SHA256, keyed with a key derived from the secret, over the
//!   identifier, the code's *generation* and the code. Never the code, never a bare hash
//!   of it: a dump of the store does not let anyone test the 10⁶ codes offline.
//!
//! Checking a code is `use_verification_token(identifier, hmac)`: a right code is found and
//! deleted in the same atomic step (of two concurrent checks, one wins), a wrong one finds
//! nothing and leaves the real code in place. The returned row is compared again in
//! constant time.
//!
//! **Re-sends replace the code.** Each send increments the recipient's generation counter
//! (in the [`CounterStore`](auth_adapter_core::CounterStore), a one-day window) and mixes
//! it into the hash; a check reads the current generation in the same round trip as its
//! attempt counter. A code of an older generation can never match again (its row expires
//! in the store). The attempt budget is a different counter, which a send does not touch:
//! **re-sending does not reset it** (better-auth's issue #11162).
//!
//! **What an Auth.js app on the same store sees**: extra rows in `verification_token` (or
//! `user:token:otp:…` keys on Redis) that it never asks for. It could only redeem one
//! through `/callback/email?email=otp:…&token=T` with `sha256(T + secret)` equal to an
//! HMAC, a preimage no one can find; and even then it would sign in a user whose email is
//! `otp:…`, nobody's. Expired rows are removed by
//! [`Adapter::delete_expired`](auth_adapter_core::Adapter::delete_expired) (Redis expires
//! them by itself).
//!
//! # Limits, in the store
//!
//! [`Limits`]: code checks per recipient (5 per 15 minutes) and per client address,
//! sends per recipient and per client address. Every limit is a counter incremented
//! *before* the work it limits, atomically in the store: of 64 concurrent wrong guesses at
//! most 5 are evaluated, on every instance behind a load balancer. Past a limit the error
//! carries the time left ([`SignInError::retry_after`]).
//!
//! # No enumeration
//!
//! Sends never look the recipient up: the answer and the work (two counters, one row, one
//! message) are the same for an address that belongs to a user and one that does not.
//!
//! # Phone numbers and phone users
//!
//! Numbers are validated and written in E.164 with Google's libphonenumber metadata (the
//! `phonenumber` crate): per-country lengths and trunk prefixes are more than a few
//! hand-written rules get right (Italy keeps its leading 0, the US has no trunk 0…). A
//! number without `+` is read in the [default region](PasswordlessBuilder::default_region),
//! if one is set. A phone user is a user with `email` null and `name` the number, plus an
//! account `{type: "email", provider: "phone", providerAccountId: "+…"}` by which it is
//! found again ([`PHONE_PROVIDER`]); an Auth.js app reads it without error.
//!
//! # Keeping the store tidy
//!
//! Run [`Adapter::delete_expired`](auth_adapter_core::Adapter::delete_expired) and
//! [`CounterStore::purge_expired`](auth_adapter_core::CounterStore::purge_expired) from a
//! periodic task (hourly, say); Redis expires both by itself.
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod address;
mod client;
mod code;
mod config;
mod error;
mod limits;
mod link;
mod message;
mod sender;
pub mod senders;
mod service;
mod users;

pub use address::{MAX_EMAIL_CHARS, normalize_email};
pub use client::Client;
pub use code::CodeFormat;
pub use config::{BASE_PATH, CODE_MAX_AGE, PasswordlessBuilder};
pub use error::{ConfigError, LimitScope, SignInError};
pub use limits::{Limit, Limits};
pub use message::{Content, Message, Recipient};
pub use sender::{SendError, Sender};
pub use service::{CODE_IDENTIFIER_PREFIX, Channel, Passwordless, Sent, SignedIn};
pub use users::PHONE_PROVIDER;
