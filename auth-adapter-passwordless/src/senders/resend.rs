//! [`ResendSender`]: email through Resend's API (`POST /emails`).

use std::fmt;

use async_trait::async_trait;
use reqwest::header::{self, HeaderValue};

use crate::message::{Message, Recipient};
use crate::sender::{SendError, Sender};
use crate::senders::http::{HttpClient, HttpOptions, base_url};

/// Resend's API.
const DEFAULT_BASE_URL: &str = "https://api.resend.com";

/// What a [`ResendSender`] needs: the API key, the From address, and optionally another
/// base URL and other [`HttpOptions`]. `Debug` never shows the key.
///
/// ```
/// use auth_adapter_passwordless::senders::{HttpOptions, ResendOptions};
///
/// let options = ResendOptions::new("re_123", "Acme <login@acme.test>")
///     .http(HttpOptions::new().retries(1));
/// assert_eq!(options.get_base_url(), "https://api.resend.com");
/// assert!(!format!("{options:?}").contains("re_123"));
/// ```
#[derive(Clone)]
pub struct ResendOptions {
    api_key: String,
    from: String,
    base_url: String,
    http: HttpOptions,
}

impl fmt::Debug for ResendOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResendOptions")
            .field("api_key", &"<redacted>")
            .field("from", &self.from)
            .field("base_url", &self.base_url)
            .field("http", &self.http)
            .finish()
    }
}

impl ResendOptions {
    /// An API key (`re_…`) and the From address, as Resend takes it: `login@acme.test` or
    /// `Acme <login@acme.test>`, on a domain verified with Resend.
    pub fn new(api_key: impl Into<String>, from: impl Into<String>) -> Self {
        ResendOptions {
            api_key: api_key.into(),
            from: from.into(),
            base_url: DEFAULT_BASE_URL.to_owned(),
            http: HttpOptions::default(),
        }
    }

    /// Where the API is (default `https://api.resend.com`); the sender posts to
    /// `{base_url}/emails`. Tests point it at a local stand-in.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// Timeout, retries and backoff (default [`HttpOptions::new`]).
    pub fn http(mut self, http: HttpOptions) -> Self {
        self.http = http;
        self
    }

    /// The From address.
    pub fn get_from(&self) -> &str {
        &self.from
    }

    /// The base URL.
    pub fn get_base_url(&self) -> &str {
        &self.base_url
    }

    /// Timeout, retries and backoff.
    pub fn get_http(&self) -> &HttpOptions {
        &self.http
    }
}

/// Sends sign-in emails through [Resend](https://resend.com/docs/api-reference/emails/send-email):
/// `POST {base}/emails` with `Authorization: Bearer <key>` and the JSON body
/// `{"from", "to": [address], "subject", "html", "text"}`.
///
/// Each send carries one `Idempotency-Key` (a random UUID) on all its tries, so a retry
/// after a 5xx or a timeout does not send the email twice. Retries, timeouts and errors as
/// [`HttpOptions`] and the [module docs](super) say; provider errors are reported with
/// Resend's `name` and `message`. Emails only.
///
/// ```no_run
/// use auth_adapter_passwordless::senders::{ResendOptions, ResendSender};
/// use auth_adapter_passwordless::{Content, Message, Recipient, SendError, Sender};
///
/// # async fn run() -> Result<(), SendError> {
/// let key = std::env::var("RESEND_API_KEY").unwrap_or_default();
/// let sender = ResendSender::new(ResendOptions::new(key, "Acme <login@acme.test>"))?;
/// let message = Message::new(
///     Recipient::Email("alice@example.com".into()),
///     Content::Code { code: "123456".into() },
///     chrono::Utc::now() + chrono::TimeDelta::minutes(10),
///     "Acme",
/// );
/// sender.send(&message).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct ResendSender {
    client: HttpClient,
    endpoint: String,
    authorization: HeaderValue,
    from: String,
}

impl fmt::Debug for ResendSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResendSender")
            .field("endpoint", &self.endpoint)
            .field("from", &self.from)
            .field("api_key", &"<redacted>")
            .field("http", self.client.options())
            .finish()
    }
}

impl ResendSender {
    /// A sender with these options. [`SendError::Config`] for an empty key or From
    /// address, a base URL that is not an `http(s)://` URL, or bad [`HttpOptions`].
    pub fn new(options: ResendOptions) -> Result<Self, SendError> {
        let ResendOptions {
            api_key,
            from,
            base_url: base,
            http,
        } = options;
        if api_key.trim().is_empty() {
            return Err(SendError::Config("the Resend API key is empty".into()));
        }
        let mut authorization = HeaderValue::from_str(&format!("Bearer {api_key}"))
            .ok()
            .filter(|_| api_key.chars().all(|c| c.is_ascii_graphic()))
            .ok_or_else(|| {
                SendError::Config("the Resend API key has characters a key does not have".into())
            })?;
        authorization.set_sensitive(true);
        if !from.contains('@') {
            return Err(SendError::Config(
                "the From address must be an email address (`Acme <login@acme.test>`)".into(),
            ));
        }
        Ok(ResendSender {
            client: HttpClient::new(http, "Resend")?,
            endpoint: format!("{}/emails", base_url(&base)?),
            authorization,
            from,
        })
    }
}

#[async_trait]
impl Sender for ResendSender {
    async fn send(&self, message: &Message) -> Result<(), SendError> {
        let Recipient::Email(to) = &message.to else {
            return Err(SendError::Unsupported("phone numbers (Resend sends email)"));
        };
        let body = serde_json::json!({
            "from": self.from,
            "to": [to],
            "subject": message.subject(),
            "html": message.html(),
            "text": message.text(),
        });
        let idempotency_key = uuid::Uuid::new_v4().to_string();
        self.client
            .send(
                |client| {
                    client
                        .post(&self.endpoint)
                        .header(header::AUTHORIZATION, self.authorization.clone())
                        .header("Idempotency-Key", &idempotency_key)
                        .json(&body)
                },
                &message.content,
                error_text,
            )
            .await
    }

    fn delivers_to(&self, to: &Recipient) -> bool {
        matches!(to, Recipient::Email(_))
    }
}

/// Resend's error body: `{"statusCode": 422, "name": "validation_error", "message": "…"}`.
fn error_text(body: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    let name = value.get("name").and_then(|v| v.as_str());
    let message = value.get("message").and_then(|v| v.as_str());
    match (name, message) {
        (Some(name), Some(message)) => Some(format!("{name}: {message}")),
        (None, Some(text)) | (Some(text), None) => Some(text.to_owned()),
        (None, None) => None,
    }
}
