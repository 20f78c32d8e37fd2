//! Passwordless sign-in over any [`auth_adapter_core::Adapter`]: Auth.js magic links, and
//! one-time codes by email or SMS, with attempt and rate limits kept in the store
//! ([`auth_adapter_core::CounterStore`]) so that every instance of a service shares them.
//!
//! Delivery goes through a [`Sender`]: SMTP, Resend, Twilio, or the development console
//! ([`senders`]; each provider behind its Cargo feature: `smtp`, `resend`, `twilio`).
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod message;
mod sender;
pub mod senders;

pub use message::{Content, Message, Recipient};
pub use sender::{SendError, Sender};
