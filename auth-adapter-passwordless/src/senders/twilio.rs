//! [`TwilioSender`]: SMS through Twilio's Messages API.

use std::fmt;

use async_trait::async_trait;

use crate::message::{Message, Recipient};
use crate::sender::{SendError, Sender};
use crate::senders::http::{HttpClient, HttpOptions, base_url};

/// Twilio's API.
const DEFAULT_BASE_URL: &str = "https://api.twilio.com";

/// Where a Twilio SMS comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TwilioFrom {
    /// A Twilio phone number in E.164 (`+15017122661`) or an alphanumeric sender ID: the
    /// `From` parameter.
    Number(String),
    /// A Messaging Service (`MG…`) that picks the number: the `MessagingServiceSid`
    /// parameter.
    MessagingService(String),
}

/// What a [`TwilioSender`] needs: the account SID, its credentials, where messages come
/// from, and optionally another base URL and other [`HttpOptions`]. `Debug` never shows
/// the auth token or API key secret.
///
/// ```
/// use auth_adapter_passwordless::senders::{TwilioFrom, TwilioOptions};
///
/// let options = TwilioOptions::new(
///     "AC0123456789abcdef0123456789abcdef",
///     "auth-token",
///     TwilioFrom::Number("+15017122661".into()),
/// );
/// assert_eq!(options.get_base_url(), "https://api.twilio.com");
/// assert!(!format!("{options:?}").contains("auth-token"));
/// ```
#[derive(Clone)]
pub struct TwilioOptions {
    account_sid: String,
    username: String,
    password: String,
    from: TwilioFrom,
    base_url: String,
    http: HttpOptions,
}

impl fmt::Debug for TwilioOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TwilioOptions")
            .field("account_sid", &self.account_sid)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("from", &self.from)
            .field("base_url", &self.base_url)
            .field("http", &self.http)
            .finish()
    }
}

impl TwilioOptions {
    /// The account SID (`AC…`), its auth token (HTTP Basic `AccountSid:AuthToken`), and
    /// the sender.
    pub fn new(
        account_sid: impl Into<String>,
        auth_token: impl Into<String>,
        from: TwilioFrom,
    ) -> Self {
        let account_sid = account_sid.into();
        TwilioOptions {
            username: account_sid.clone(),
            account_sid,
            password: auth_token.into(),
            from,
            base_url: DEFAULT_BASE_URL.to_owned(),
            http: HttpOptions::default(),
        }
    }

    /// Authenticates with an API key (`SK…`) and its secret instead of the auth token, as
    /// Twilio recommends for production.
    pub fn api_key(mut self, key_sid: impl Into<String>, secret: impl Into<String>) -> Self {
        self.username = key_sid.into();
        self.password = secret.into();
        self
    }

    /// Where the API is (default `https://api.twilio.com`); the sender posts to
    /// `{base_url}/2010-04-01/Accounts/{sid}/Messages.json`. Tests point it at a local
    /// stand-in.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// Timeout, retries and backoff (default [`HttpOptions::new`]).
    pub fn http(mut self, http: HttpOptions) -> Self {
        self.http = http;
        self
    }

    /// The account SID.
    pub fn get_account_sid(&self) -> &str {
        &self.account_sid
    }

    /// Where messages come from.
    pub fn get_from(&self) -> &TwilioFrom {
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

/// Sends sign-in codes by SMS through
/// [Twilio's Messages API](https://www.twilio.com/docs/messaging/api/message-resource):
/// `POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json` with HTTP Basic auth and
/// the form `To`, `From` (or `MessagingServiceSid`), `Body` = [`Message::text`].
///
/// Twilio's Messages API takes no idempotency key, so a retry after a 5xx or a timeout
/// whose request had in fact gone through sends the SMS twice (the same code). Retries,
/// timeouts and errors as [`HttpOptions`] and the [module docs](super) say; provider
/// errors are reported with Twilio's `code` and `message`. Phone numbers only.
///
/// ```no_run
/// use auth_adapter_passwordless::senders::{TwilioFrom, TwilioOptions, TwilioSender};
/// use auth_adapter_passwordless::{Content, Message, Recipient, SendError, Sender};
///
/// # async fn run() -> Result<(), SendError> {
/// let sender = TwilioSender::new(TwilioOptions::new(
///     "AC0123456789abcdef0123456789abcdef",
///     std::env::var("TWILIO_AUTH_TOKEN").unwrap_or_default(),
///     TwilioFrom::MessagingService("MG0123456789abcdef0123456789abcdef".into()),
/// ))?;
/// let message = Message::new(
///     Recipient::Phone("+4915112345678".into()),
///     Content::Code { code: "123456".into() },
///     chrono::Utc::now() + chrono::TimeDelta::minutes(10),
///     "Acme",
/// );
/// sender.send(&message).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct TwilioSender {
    client: HttpClient,
    endpoint: String,
    username: String,
    password: String,
    from: TwilioFrom,
}

impl fmt::Debug for TwilioSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TwilioSender")
            .field("endpoint", &self.endpoint)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("from", &self.from)
            .field("http", self.client.options())
            .finish()
    }
}

impl TwilioSender {
    /// A sender with these options. [`SendError::Config`] for an account SID that is not
    /// one (letters and digits), empty credentials or sender, a base URL that is not an
    /// `http(s)://` URL, or bad [`HttpOptions`].
    pub fn new(options: TwilioOptions) -> Result<Self, SendError> {
        let TwilioOptions {
            account_sid,
            username,
            password,
            from,
            base_url: base,
            http,
        } = options;
        if account_sid.is_empty() || !account_sid.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(SendError::Config(
                "the Twilio account SID must be letters and digits (`AC…`)".into(),
            ));
        }
        if username.is_empty() || password.is_empty() {
            return Err(SendError::Config("the Twilio credentials are empty".into()));
        }
        let (TwilioFrom::Number(sender) | TwilioFrom::MessagingService(sender)) = &from;
        if sender.trim().is_empty() {
            return Err(SendError::Config("the Twilio sender is empty".into()));
        }
        Ok(TwilioSender {
            client: HttpClient::new(http, "Twilio")?,
            endpoint: format!(
                "{}/2010-04-01/Accounts/{account_sid}/Messages.json",
                base_url(&base)?
            ),
            username,
            password,
            from,
        })
    }
}

#[async_trait]
impl Sender for TwilioSender {
    async fn send(&self, message: &Message) -> Result<(), SendError> {
        let Recipient::Phone(to) = &message.to else {
            return Err(SendError::Unsupported("email addresses (Twilio sends SMS)"));
        };
        let from = match &self.from {
            TwilioFrom::Number(number) => ("From", number.as_str()),
            TwilioFrom::MessagingService(sid) => ("MessagingServiceSid", sid.as_str()),
        };
        let body = message.text();
        let form = [("To", to.as_str()), from, ("Body", body.as_str())];
        self.client
            .send(
                |client| {
                    client
                        .post(&self.endpoint)
                        .basic_auth(&self.username, Some(&self.password))
                        .form(&form)
                },
                &message.content,
                error_text,
            )
            .await
    }

    fn delivers_to(&self, to: &Recipient) -> bool {
        matches!(to, Recipient::Phone(_))
    }
}

/// Twilio's error body: `{"code": 21211, "message": "…", "more_info": "…", "status": 400}`.
fn error_text(body: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    let message = value.get("message").and_then(|v| v.as_str())?;
    Some(match value.get("code").and_then(|v| v.as_u64()) {
        Some(code) => format!("error {code}: {message}"),
        None => message.to_owned(),
    })
}
