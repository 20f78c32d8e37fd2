//! [`Sender`]: how sign-in messages leave the service.

use std::fmt::Debug;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::message::{Message, Recipient};

/// Delivers sign-in messages: SMTP, an email API, an SMS API, the development console.
///
/// A sender answers `Ok` only once the provider has accepted the message. On `Err` the
/// service withdraws the link or code it made, so a failed send leaves nothing usable.
/// Errors never carry the message's link or code.
#[async_trait]
pub trait Sender: Debug + Send + Sync + 'static {
    /// Sends `message` to `message.to`.
    async fn send(&self, message: &Message) -> Result<(), SendError>;

    /// Whether this sender can deliver to `to` (an email sender cannot send SMS).
    fn delivers_to(&self, to: &Recipient) -> bool;
}

#[async_trait]
impl<T: Sender + ?Sized> Sender for Arc<T> {
    async fn send(&self, message: &Message) -> Result<(), SendError> {
        (**self).send(message).await
    }
    fn delivers_to(&self, to: &Recipient) -> bool {
        (**self).delivers_to(to)
    }
}

/// Why a message was not sent. None of them carries the link or code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// The provider refused this message for good (a bad address, a rejected sender,
    /// wrong credentials): sending it again will not help.
    #[error("the message was refused: {message}")]
    Rejected {
        /// What the provider said (status and its error text, never the message body).
        message: String,
    },
    /// The provider could not be reached or was busy (connection failure, timeout, 429,
    /// 5xx), also after the sender's own retries.
    #[error("the message could not be sent now: {message}")]
    Unavailable {
        /// What went wrong.
        message: String,
        /// How long the provider asked to wait, when it said.
        retry_after: Option<Duration>,
    },
    /// This sender does not deliver to this kind of recipient (SMS through an email
    /// sender).
    #[error("this sender does not deliver to {0}")]
    Unsupported(&'static str),
    /// The sender is set up wrong (a missing key, the development sender in production).
    #[error("the sender is misconfigured: {0}")]
    Config(String),
}
