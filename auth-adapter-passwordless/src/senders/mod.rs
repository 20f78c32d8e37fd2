//! The [`Sender`](crate::Sender)s this crate ships: SMTP, Resend's email API, Twilio's
//! Messages API, and a development console.
//!
//! | sender | feature | delivers to | transport |
//! |---|---|---|---|
//! | `SmtpSender` | `smtp` | email | SMTP through [lettre](https://docs.rs/lettre) on tokio, rustls, pooled connections |
//! | `ResendSender` | `resend` | email | `POST {base}/emails` (Resend), JSON, bearer key |
//! | `TwilioSender` | `twilio` | phone (SMS) | `POST {base}/2010-04-01/Accounts/{sid}/Messages.json` (Twilio), form, Basic auth |
//! | [`DevSender`] | always | both | prints to the terminal; refuses to run in production |
//!
//! (Each provider's types are here when its feature is on.)
//!
//! Every sender takes its text from the [`Message`](crate::Message): the subject is
//! [`Message::subject`](crate::Message::subject) (which never holds the code or link),
//! emails carry [`text`](crate::Message::text) and [`html`](crate::Message::html) as
//! `multipart/alternative`, an SMS is the `text`.
//!
//! # Errors and retries
//! - [`SendError::Rejected`](crate::SendError::Rejected): the provider refused the message
//!   for good (an HTTP 4xx other than 429, an SMTP 5xx reply). Its text is the provider's
//!   status and error text, with the message's code or link cut out should the provider
//!   repeat them.
//! - [`SendError::Unavailable`](crate::SendError::Unavailable): the provider was busy or
//!   could not be reached. The HTTP senders first retry 429, 5xx, timeouts and connection
//!   failures a bounded number of times with exponential backoff (honouring `Retry-After`),
//!   every request under a timeout: see `HttpOptions`. The SMTP sender does not retry:
//!   lettre's pool replaces broken connections, and a 4xx reply is reported at once.
//! - [`SendError::Unsupported`](crate::SendError::Unsupported): an SMS through an email
//!   sender, or the other way round; nothing is sent.
//! - [`SendError::Config`](crate::SendError::Config): a bad URL, address or key, or the
//!   development sender in production; returned by the constructors.
//!
//! No error, and no `Debug` output of a sender or its options, shows an API key, token or
//! password, or the message's code or link.
//!
//! # TLS
//! rustls with the webpki root certificates, on the ring crypto provider, for both SMTP
//! and HTTP; nothing links OpenSSL.

mod dev;
#[cfg(any(feature = "resend", feature = "twilio"))]
mod http;
#[cfg(feature = "resend")]
mod resend;
#[cfg(feature = "smtp")]
mod smtp;
#[cfg(feature = "twilio")]
mod twilio;

pub use dev::{DevSender, PRODUCTION_VARS};
#[cfg(any(feature = "resend", feature = "twilio"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "resend", feature = "twilio"))))]
pub use http::HttpOptions;
#[cfg(feature = "resend")]
#[cfg_attr(docsrs, doc(cfg(feature = "resend")))]
pub use resend::{ResendOptions, ResendSender};
#[cfg(feature = "smtp")]
#[cfg_attr(docsrs, doc(cfg(feature = "smtp")))]
pub use smtp::{SmtpOptions, SmtpSender, SmtpTls};
#[cfg(feature = "twilio")]
#[cfg_attr(docsrs, doc(cfg(feature = "twilio")))]
pub use twilio::{TwilioFrom, TwilioOptions, TwilioSender};

#[cfg(any(feature = "smtp", feature = "resend", feature = "twilio"))]
use crate::message::Content;

/// The longest provider text an error keeps.
#[cfg(any(feature = "smtp", feature = "resend", feature = "twilio"))]
const MAX_PROVIDER_TEXT: usize = 300;

/// `text` as an error may carry it: the message's code, link and link token cut out (a
/// provider may repeat what it was sent), control characters replaced, and cut to
/// [`MAX_PROVIDER_TEXT`] characters.
#[cfg(any(feature = "smtp", feature = "resend", feature = "twilio"))]
fn scrub(text: &str, content: &Content) -> String {
    let mut out = text.to_owned();
    for secret in secrets(content) {
        if !secret.is_empty() {
            out = out.replace(secret, "<redacted>");
        }
    }
    let mut clean: String = out
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_PROVIDER_TEXT)
        .collect();
    if out.chars().count() > MAX_PROVIDER_TEXT {
        clean.push('…');
    }
    clean.trim().to_owned()
}

/// The secrets a message carries: the code, or the link and the token inside it.
#[cfg(any(feature = "smtp", feature = "resend", feature = "twilio"))]
fn secrets(content: &Content) -> Vec<&str> {
    match content {
        Content::Code { code } => vec![code.as_str()],
        Content::MagicLink { url } => {
            let token = url
                .split(['?', '&'])
                .find_map(|pair| pair.strip_prefix("token="))
                .unwrap_or("");
            // The whole link first, so that its token is not cut out of it alone.
            vec![url.as_str(), token]
        }
    }
}

#[cfg(all(test, any(feature = "smtp", feature = "resend", feature = "twilio")))]
mod tests {
    use super::*;

    #[test]
    fn scrub_cuts_out_codes_links_and_tokens() {
        let code = Content::Code {
            code: "482913".into(),
        };
        assert_eq!(
            scrub("invalid body: 482913 is your code", &code),
            "invalid body: <redacted> is your code"
        );
        let link = Content::MagicLink {
            url: "https://a.test/api/auth/callback/email?callbackUrl=x&token=abc123&email=e".into(),
        };
        let said = scrub(
            "bad link https://a.test/api/auth/callback/email?callbackUrl=x&token=abc123&email=e \
             and token abc123\nnext line",
            &link,
        );
        assert!(!said.contains("abc123") && !said.contains("callback/email"));
        assert!(!said.contains('\n'));
        let long = "x".repeat(1000);
        assert_eq!(scrub(&long, &code).chars().count(), MAX_PROVIDER_TEXT + 1);
    }
}
