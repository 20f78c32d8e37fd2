//! [`SmtpSender`]: email over SMTP with lettre (tokio, rustls, pooled connections).

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::transport::smtp::{self, PoolConfig};
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use percent_encoding::percent_decode_str;

use crate::message::{Content, Message, Recipient};
use crate::sender::{SendError, Sender};
use crate::senders::scrub;

/// How an SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SmtpTls {
    /// TLS from the first byte ("SMTPS", implicit TLS), default port 465. The default.
    Implicit,
    /// A plain connection upgraded with `STARTTLS`, which the server must offer (no
    /// fallback to plain text), default port 587.
    StartTls,
    /// No TLS at all, default port 25: for a local development or test server only, since
    /// credentials and messages cross the network in clear.
    None,
}

impl SmtpTls {
    /// The port this mode uses unless told otherwise.
    pub fn default_port(self) -> u16 {
        match self {
            SmtpTls::Implicit => 465,
            SmtpTls::StartTls => 587,
            SmtpTls::None => 25,
        }
    }
}

/// Where and how a [`SmtpSender`] sends: server, port, TLS mode, credentials, the From
/// address, the timeout and the pool size. `Debug` never shows the password.
///
/// From parts:
///
/// ```
/// use std::time::Duration;
/// use auth_adapter_passwordless::senders::{SmtpOptions, SmtpTls};
///
/// let options = SmtpOptions::new("smtp.example.com", "Acme <login@acme.test>")
///     .tls(SmtpTls::StartTls)
///     .credentials("apikey", "secret")
///     .timeout(Duration::from_secs(5));
/// assert_eq!(options.get_port(), 587);
/// assert!(!format!("{options:?}").contains("secret"));
/// ```
///
/// From a URL, `scheme://[user[:password]@]host[:port][/hello-name][?tls=…]`, with the
/// user and password percent-encoded:
///
/// | URL | TLS | default port |
/// |---|---|---|
/// | `smtps://user:pass@smtp.example.com` | [`SmtpTls::Implicit`] | 465 |
/// | `smtp://user:pass@smtp.example.com` or `…?tls=required` | [`SmtpTls::StartTls`] | 587 |
/// | `smtp://127.0.0.1:2525?tls=none` | [`SmtpTls::None`] | 25 |
///
/// Unlike lettre's URLs, a bare `smtp://` requires `STARTTLS`: plain text has to be asked
/// for (`tls=none`), and lettre's `tls=opportunistic` (STARTTLS when the server offers it,
/// which an attacker on the path can suppress) is refused.
///
/// ```
/// use auth_adapter_passwordless::senders::{SmtpOptions, SmtpTls};
///
/// let options = SmtpOptions::from_url("smtps://me%40acme.test:p%40ss@smtp.example.com", "login@acme.test")?;
/// assert_eq!((options.get_tls(), options.get_port()), (SmtpTls::Implicit, 465));
/// assert_eq!(options.get_username(), Some("me@acme.test"));
/// # Ok::<(), auth_adapter_passwordless::SendError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpOptions {
    host: String,
    port: Option<u16>,
    tls: SmtpTls,
    credentials: Option<(String, String)>,
    from: String,
    hello_name: Option<String>,
    timeout: Duration,
    pool_max_size: u32,
}

impl fmt::Debug for SmtpOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpOptions")
            .field("host", &self.host)
            .field("port", &self.get_port())
            .field("tls", &self.tls)
            .field("username", &self.get_username())
            .field("password", &self.credentials.as_ref().map(|_| "<redacted>"))
            .field("from", &self.from)
            .field("hello_name", &self.hello_name)
            .field("timeout", &self.timeout)
            .field("pool_max_size", &self.pool_max_size)
            .finish()
    }
}

impl SmtpOptions {
    /// The server `host` with implicit TLS on port 465, no credentials, and `from` as the
    /// From address (`login@acme.test` or `Acme <login@acme.test>`); a 10 s timeout, up to
    /// 10 pooled connections.
    pub fn new(host: impl Into<String>, from: impl Into<String>) -> Self {
        SmtpOptions {
            host: host.into(),
            port: None,
            tls: SmtpTls::Implicit,
            credentials: None,
            from: from.into(),
            hello_name: None,
            timeout: Duration::from_secs(10),
            pool_max_size: 10,
        }
    }

    /// Options from an `smtp://` or `smtps://` URL (see the table above) and the From
    /// address. [`SendError::Config`] for another scheme, a URL without a host, an unknown
    /// `tls` value, or a user or password that is not UTF-8 once decoded.
    pub fn from_url(url: &str, from: impl Into<String>) -> Result<Self, SendError> {
        // The URL may hold a password: no error repeats it.
        let parsed = url::Url::parse(url)
            .map_err(|e| SendError::Config(format!("the SMTP URL is not a URL: {e}")))?;
        let tls_param = parsed
            .query_pairs()
            .find(|(key, _)| key == "tls")
            .map(|(_, value)| value.into_owned());
        let tls = match (parsed.scheme(), tls_param.as_deref()) {
            ("smtps", None) => SmtpTls::Implicit,
            ("smtp", None | Some("required")) => SmtpTls::StartTls,
            ("smtp", Some("none")) => SmtpTls::None,
            ("smtp", Some("opportunistic")) => {
                return Err(SendError::Config(
                    "tls=opportunistic falls back to plain text when an attacker hides \
                     STARTTLS: use tls=required, smtps://, or tls=none for a local server"
                        .into(),
                ));
            }
            ("smtp" | "smtps", Some(other)) => {
                return Err(SendError::Config(format!(
                    "unknown tls={other} in the SMTP URL (smtp:// takes tls=required or \
                     tls=none; smtps:// takes none)"
                )));
            }
            (scheme, _) => {
                return Err(SendError::Config(format!(
                    "the SMTP URL's scheme is {scheme}, not smtp or smtps"
                )));
            }
        };
        let host = match parsed.host() {
            Some(url::Host::Domain(domain)) => domain.to_owned(),
            Some(url::Host::Ipv4(ip)) => ip.to_string(),
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            None => return Err(SendError::Config("the SMTP URL has no host".into())),
        };
        let decode = |part: &str, what: &str| {
            percent_decode_str(part)
                .decode_utf8()
                .map(|s| s.into_owned())
                .map_err(|_| SendError::Config(format!("the SMTP URL's {what} is not UTF-8")))
        };
        let credentials = if parsed.username().is_empty() {
            None
        } else {
            let user = decode(parsed.username(), "user")?;
            let password = decode(parsed.password().unwrap_or(""), "password")?;
            Some((user, password))
        };
        let hello_name = Some(parsed.path().trim_matches('/'))
            .filter(|name| !name.is_empty())
            .map(|name| decode(name, "hello name"))
            .transpose()?;
        Ok(SmtpOptions {
            port: parsed.port(),
            tls,
            credentials,
            hello_name,
            ..SmtpOptions::new(host, from)
        })
    }

    /// The port (default: [`SmtpTls::default_port`] of the TLS mode).
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// How the connection is secured (default [`SmtpTls::Implicit`]).
    pub fn tls(mut self, tls: SmtpTls) -> Self {
        self.tls = tls;
        self
    }

    /// Signs in with this user and password (`AUTH PLAIN` or `LOGIN`, whichever the server
    /// offers). With [`SmtpTls::None`] they cross the network in clear.
    pub fn credentials(mut self, user: impl Into<String>, password: impl Into<String>) -> Self {
        self.credentials = Some((user.into(), password.into()));
        self
    }

    /// The name this client gives in `EHLO` (default `localhost`).
    pub fn hello_name(mut self, name: impl Into<String>) -> Self {
        self.hello_name = Some(name.into());
        self
    }

    /// How long one send may take in all: connecting, TLS, the greeting, signing in and
    /// every command (default 10 s). Past it the send ends with
    /// [`SendError::Unavailable`] and the connection pool is replaced.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The most connections kept open to the server (default 10).
    pub fn pool_max_size(mut self, size: u32) -> Self {
        self.pool_max_size = size;
        self
    }

    /// The server.
    pub fn get_host(&self) -> &str {
        &self.host
    }

    /// The port: the one set, or the TLS mode's default.
    pub fn get_port(&self) -> u16 {
        self.port.unwrap_or_else(|| self.tls.default_port())
    }

    /// The TLS mode.
    pub fn get_tls(&self) -> SmtpTls {
        self.tls
    }

    /// The user signed in as, if any.
    pub fn get_username(&self) -> Option<&str> {
        self.credentials.as_ref().map(|(user, _)| user.as_str())
    }

    /// The From address.
    pub fn get_from(&self) -> &str {
        &self.from
    }

    /// The `EHLO` name set, if any.
    pub fn get_hello_name(&self) -> Option<&str> {
        self.hello_name.as_deref()
    }

    /// The timeout.
    pub fn get_timeout(&self) -> Duration {
        self.timeout
    }

    /// The pool size.
    pub fn get_pool_max_size(&self) -> u32 {
        self.pool_max_size
    }
}

/// Sends sign-in emails over SMTP, through a pool of connections kept open (lettre's
/// `AsyncSmtpTransport` on tokio, TLS by rustls with the webpki roots).
///
/// Each email is `multipart/alternative` with [`Message::text`] and [`Message::html`],
/// subject [`Message::subject`], From the configured address, To the recipient, and a
/// `Message-ID` on the From address's domain. Emails only; no retries (the pool replaces
/// broken connections): an SMTP 5xx reply is [`SendError::Rejected`], a 4xx reply, a
/// timeout or a connection or TLS failure [`SendError::Unavailable`], their text without
/// the code or link.
///
/// ```no_run
/// use auth_adapter_passwordless::senders::{SmtpOptions, SmtpSender};
/// use auth_adapter_passwordless::{Content, Message, Recipient, SendError, Sender};
///
/// # async fn run() -> Result<(), SendError> {
/// let url = std::env::var("SMTP_URL").unwrap_or_default(); // smtps://user:pass@smtp.example.com
/// let sender = SmtpSender::new(SmtpOptions::from_url(&url, "Acme <login@acme.test>")?)?;
/// sender.check_connection().await?; // at startup: the server answers and takes the login
/// let message = Message::new(
///     Recipient::Email("alice@example.com".into()),
///     Content::MagicLink { url: "https://acme.test/api/auth/callback/email?token=…".into() },
///     chrono::Utc::now() + chrono::TimeDelta::hours(24),
///     "Acme",
/// );
/// sender.send(&message).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct SmtpSender {
    pool: Arc<Mutex<Pool>>,
    from: Mailbox,
    domain: String,
    options: SmtpOptions,
}

type Transport = AsyncSmtpTransport<Tokio1Executor>;

/// The transport in use, and how many times it was replaced.
struct Pool {
    generation: u64,
    transport: Transport,
}

impl fmt::Debug for SmtpSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpSender")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl SmtpSender {
    /// A sender with these options; it connects on the first send. Call it inside a tokio
    /// runtime (the pool runs a task there that closes idle connections).
    /// [`SendError::Config`] for a From address that is not one, an empty host, a zero
    /// timeout or pool size, a host name TLS cannot check, or no tokio runtime.
    pub fn new(options: SmtpOptions) -> Result<Self, SendError> {
        let from: Mailbox = options.from.parse().map_err(|_| {
            SendError::Config(
                "the From address is not an address (`login@acme.test` or \
                 `Acme <login@acme.test>`)"
                    .into(),
            )
        })?;
        if options.host.is_empty() {
            return Err(SendError::Config("the SMTP host is empty".into()));
        }
        // lettre's pool starts its idle-connection reaper with `tokio::spawn`, which panics
        // outside a runtime.
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(SendError::Config(
                "SmtpSender::new must be called inside a tokio runtime".into(),
            ));
        }
        if options.timeout.is_zero() || options.pool_max_size == 0 {
            return Err(SendError::Config(
                "the SMTP timeout and pool size must be more than zero".into(),
            ));
        }
        let transport = transport(&options)?;
        Ok(SmtpSender {
            pool: Arc::new(Mutex::new(Pool {
                generation: 0,
                transport,
            })),
            domain: from.email.domain().to_owned(),
            from,
            options,
        })
    }

    /// Connects (or takes a pooled connection), signs in when credentials are set, and
    /// checks that the server answers: a configuration check for startup. Errors as
    /// [`Sender::send`]'s.
    pub async fn check_connection(&self) -> Result<(), SendError> {
        let none = Content::Code {
            code: String::new(),
        };
        let answered = self
            .within_timeout(|transport| async move { transport.test_connection().await })
            .await?;
        match answered {
            Ok(true) => Ok(()),
            Ok(false) => Err(SendError::Unavailable {
                message: "the SMTP server did not answer NOOP".into(),
                retry_after: None,
            }),
            Err(e) => Err(smtp_error(&e, &none)),
        }
    }

    /// Runs `work` on the current transport within the timeout. On a timeout the pool is
    /// replaced: a connection given up on in the middle of a command would otherwise go
    /// back to the pool with a reply still on its way, and answer the next command wrong.
    async fn within_timeout<T, F>(&self, work: impl FnOnce(Transport) -> F) -> Result<T, SendError>
    where
        F: Future<Output = T>,
    {
        let (generation, transport) = {
            let pool = self.pool.lock().unwrap_or_else(PoisonError::into_inner);
            (pool.generation, pool.transport.clone())
        };
        match tokio::time::timeout(self.options.timeout, work(transport)).await {
            Ok(done) => Ok(done),
            Err(_) => {
                self.replace_pool(generation);
                Err(SendError::Unavailable {
                    message: format!(
                        "the SMTP server did not finish within {:?}",
                        self.options.timeout
                    ),
                    retry_after: None,
                })
            }
        }
    }

    fn replace_pool(&self, generation: u64) {
        let mut pool = self.pool.lock().unwrap_or_else(PoisonError::into_inner);
        if pool.generation != generation {
            return; // another send replaced it already
        }
        if let Ok(fresh) = transport(&self.options) {
            let old = std::mem::replace(&mut pool.transport, fresh);
            pool.generation += 1;
            // Closes the old pool's idle connections, and the busy ones when they return.
            tokio::spawn(async move { old.shutdown().await });
        }
    }

    /// The options this sender was made with.
    pub fn options(&self) -> &SmtpOptions {
        &self.options
    }

    fn email(&self, to: &str, message: &Message) -> Result<lettre::Message, SendError> {
        let to: Address = to.parse().map_err(|_| SendError::Rejected {
            message: "the recipient is not an email address".into(),
        })?;
        lettre::Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(None, to))
            .subject(message.subject())
            .message_id(Some(format!("<{}@{}>", uuid::Uuid::new_v4(), self.domain)))
            .multipart(MultiPart::alternative_plain_html(
                message.text(),
                message.html(),
            ))
            .map_err(|e| SendError::Rejected {
                message: format!(
                    "the email could not be built: {}",
                    scrub(&e.to_string(), &message.content)
                ),
            })
    }
}

#[async_trait]
impl Sender for SmtpSender {
    async fn send(&self, message: &Message) -> Result<(), SendError> {
        let Recipient::Email(to) = &message.to else {
            return Err(SendError::Unsupported("phone numbers (SMTP sends email)"));
        };
        let email = self.email(to, message)?;
        self.within_timeout(|transport| async move { transport.send(email).await })
            .await?
            .map(drop)
            .map_err(|e| smtp_error(&e, &message.content))
    }

    fn delivers_to(&self, to: &Recipient) -> bool {
        matches!(to, Recipient::Email(_))
    }
}

/// A pooled lettre transport for `options` (checked by [`SmtpSender::new`]).
fn transport(options: &SmtpOptions) -> Result<Transport, SendError> {
    let tls_parameters = || {
        TlsParameters::new(options.host.clone())
            .map_err(|e| SendError::Config(format!("SMTP TLS setup failed: {e}")))
    };
    let tls = match options.tls {
        SmtpTls::Implicit => Tls::Wrapper(tls_parameters()?),
        SmtpTls::StartTls => Tls::Required(tls_parameters()?),
        SmtpTls::None => Tls::None,
    };
    // lettre's own timeout bounds connecting only; `within_timeout` bounds the rest.
    let mut builder = Transport::builder_dangerous(&options.host)
        .port(options.get_port())
        .tls(tls)
        .timeout(Some(options.timeout))
        .pool_config(PoolConfig::new().max_size(options.pool_max_size));
    if let Some((user, password)) = &options.credentials {
        builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
    }
    if let Some(name) = &options.hello_name {
        builder = builder.hello_name(ClientId::Domain(name.clone()));
    }
    Ok(builder.build())
}

/// An SMTP 5xx is the server's final word; everything else may pass.
fn smtp_error(error: &smtp::Error, content: &Content) -> SendError {
    let text = scrub(&error.to_string(), content);
    if error.is_permanent() {
        SendError::Rejected {
            message: format!("the SMTP server refused the message: {text}"),
        }
    } else {
        let what = if error.is_timeout() {
            "the SMTP server did not answer in time"
        } else if error.is_transient() {
            "the SMTP server deferred the message"
        } else {
            "the SMTP connection failed"
        };
        SendError::Unavailable {
            message: format!("{what}: {text}"),
            retry_after: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_give_the_tls_mode_port_and_credentials() {
        let o = SmtpOptions::from_url("smtp://u%20x:p%3Aw@mail.test:2525/client.test", "a@b.test")
            .unwrap();
        assert_eq!(o.get_tls(), SmtpTls::StartTls);
        assert_eq!(o.get_port(), 2525);
        assert_eq!(o.credentials, Some(("u x".into(), "p:w".into())));
        assert_eq!(o.get_hello_name(), Some("client.test"));
        let o = SmtpOptions::from_url("smtp://127.0.0.1?tls=none", "a@b.test").unwrap();
        assert_eq!(
            (o.get_tls(), o.get_port(), o.get_host()),
            (SmtpTls::None, 25, "127.0.0.1")
        );
        assert_eq!(o.get_username(), None);
        let o = SmtpOptions::from_url("smtp://[::1]:25?tls=required", "a@b.test").unwrap();
        assert_eq!((o.get_tls(), o.get_host()), (SmtpTls::StartTls, "::1"));
        let o = SmtpOptions::from_url("smtps://mail.test", "a@b.test").unwrap();
        assert_eq!((o.get_tls(), o.get_port()), (SmtpTls::Implicit, 465));
    }

    #[test]
    fn bad_urls_are_config_errors_that_do_not_repeat_the_password() {
        for url in [
            "http://mail.test",
            "smtp://u:hunter2@mail.test?tls=opportunistic",
            "smtp://u:hunter2@mail.test?tls=maybe",
            "smtps://u:hunter2@mail.test?tls=none",
            "smtp://u:hunter2@",
            "not a url hunter2",
            "smtp://u:%FF%FE@mail.test",
        ] {
            match SmtpOptions::from_url(url, "a@b.test") {
                Err(SendError::Config(text)) => assert!(!text.contains("hunter2"), "{text}"),
                other => panic!("{url}: {other:?}"),
            }
        }
    }

    #[test]
    fn outside_a_runtime_new_is_a_config_error() {
        let options = SmtpOptions::new("mail.test", "a@b.test");
        assert!(matches!(
            SmtpSender::new(options),
            Err(SendError::Config(_))
        ));
    }

    #[tokio::test]
    async fn debug_hides_the_password_and_bad_settings_are_refused() {
        let options =
            SmtpOptions::new("mail.test", "Acme <login@acme.test>").credentials("user", "hunter2");
        let sender = SmtpSender::new(options.clone()).unwrap();
        assert!(!format!("{options:?}{sender:?}").contains("hunter2"));
        assert!(format!("{sender:?}").contains("user"));
        for bad in [
            SmtpOptions::new("mail.test", "not an address"),
            SmtpOptions::new("", "a@b.test"),
            SmtpOptions::new("mail.test", "a@b.test").timeout(Duration::ZERO),
            SmtpOptions::new("mail.test", "a@b.test").pool_max_size(0),
        ] {
            assert!(matches!(SmtpSender::new(bad), Err(SendError::Config(_))));
        }
    }
}
