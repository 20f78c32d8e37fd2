//! The conformance cases, one `async fn(Arc<dyn Adapter>)` each, grouped by area.
//!
//! Every case is self-contained: it creates the users and records it needs, with unique
//! keys, and never assumes the store is empty, so cases may run in parallel on one store.
//! A case panics with a message saying what went wrong.

pub mod accounts;
pub mod authenticators;
pub mod concurrency;
pub mod counters;
pub mod dates;
pub mod input;
pub mod keys;
pub mod methods;
#[cfg(feature = "passwordless")]
pub mod passwordless;
pub mod sessions;
pub mod users;
pub mod verification_tokens;
