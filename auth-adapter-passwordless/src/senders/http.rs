//! [`HttpOptions`] and what the HTTP senders (Resend, Twilio) share: a reqwest client on
//! rustls, and the request loop that retries 429, 5xx, timeouts and connection failures.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::{RequestBuilder, Response, StatusCode, header};

use crate::message::Content;
use crate::sender::SendError;
use crate::senders::scrub;

/// The most retries [`HttpOptions::retries`] takes.
const MAX_RETRIES: u32 = 10;

/// The most of an error response that is read.
const MAX_ERROR_BODY: usize = 16 * 1024;

/// How an HTTP sender (`ResendSender`, `TwilioSender`) times, retries and spaces its
/// requests.
///
/// A send makes at most `1 + retries` requests, each limited to `timeout` (connecting
/// included). After a 429, a 5xx, a timeout or a connection failure it waits and tries
/// again: as long as the provider's `Retry-After` says (seconds or an HTTP date), or else
/// `backoff`, doubled at each retry, with up to half of it taken off at random (so that
/// many senders do not retry in step), never more than `max_delay`. When a `Retry-After`
/// asks for longer than `max_delay`, the send stops at once and reports
/// [`SendError::Unavailable`] with that `retry_after`, so a sign-in request never hangs on
/// a provider. At most, a send takes `(1 + retries) × timeout + retries × max_delay`.
///
/// ```
/// use std::time::Duration;
/// use auth_adapter_passwordless::senders::HttpOptions;
///
/// let options = HttpOptions::new()
///     .timeout(Duration::from_secs(5))
///     .retries(3)
///     .backoff(Duration::from_millis(200));
/// assert_eq!(options.get_retries(), 3);
/// assert_eq!(options.get_max_delay(), Duration::from_secs(5));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpOptions {
    timeout: Duration,
    retries: u32,
    backoff: Duration,
    max_delay: Duration,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            timeout: Duration::from_secs(10),
            retries: 2,
            backoff: Duration::from_millis(500),
            max_delay: Duration::from_secs(5),
        }
    }
}

impl HttpOptions {
    /// The defaults: a 10 s timeout per request, 2 retries, a first backoff of 500 ms, at
    /// most 5 s between tries.
    pub fn new() -> Self {
        HttpOptions::default()
    }

    /// How long one request may take, connecting included (default 10 s; more than zero).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How many times a failed request is tried again (default 2, at most 10; 0: never).
    pub fn retries(mut self, retries: u32) -> Self {
        self.retries = retries;
        self
    }

    /// The wait before the first retry when the provider gave no `Retry-After` (default
    /// 500 ms); it doubles at each retry.
    pub fn backoff(mut self, backoff: Duration) -> Self {
        self.backoff = backoff;
        self
    }

    /// The longest wait between two tries (default 5 s). A `Retry-After` longer than this
    /// ends the send at once with [`SendError::Unavailable`] and that `retry_after`.
    pub fn max_delay(mut self, max_delay: Duration) -> Self {
        self.max_delay = max_delay;
        self
    }

    /// The timeout of one request.
    pub fn get_timeout(&self) -> Duration {
        self.timeout
    }

    /// How many retries a send makes at most.
    pub fn get_retries(&self) -> u32 {
        self.retries
    }

    /// The first backoff.
    pub fn get_backoff(&self) -> Duration {
        self.backoff
    }

    /// The longest wait between two tries.
    pub fn get_max_delay(&self) -> Duration {
        self.max_delay
    }

    fn validate(&self) -> Result<(), SendError> {
        if self.timeout.is_zero() {
            return Err(SendError::Config(
                "the HTTP timeout must be more than zero".into(),
            ));
        }
        if self.retries > MAX_RETRIES {
            return Err(SendError::Config(format!(
                "at most {MAX_RETRIES} retries (got {})",
                self.retries
            )));
        }
        Ok(())
    }

    /// The wait before retry number `retry` (0 for the first), with jitter.
    fn backoff_for(&self, retry: u32) -> Duration {
        let full = self
            .backoff
            .saturating_mul(1u32 << retry.min(20))
            .min(self.max_delay);
        let millis = u64::try_from(full.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(rand::random_range(millis / 2..=millis))
    }
}

/// A provider's base URL, checked, without a trailing `/`.
pub(crate) fn base_url(base: &str) -> Result<String, SendError> {
    let url = reqwest::Url::parse(base)
        .map_err(|e| SendError::Config(format!("the base URL is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(SendError::Config(
            "the base URL must be an http:// or https:// URL with a host".into(),
        ));
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(SendError::Config(
            "the base URL takes no query, fragment or credentials".into(),
        ));
    }
    Ok(base.trim_end_matches('/').to_owned())
}

/// A reqwest client on rustls (ring, webpki roots) and the retry loop of one provider.
#[derive(Debug, Clone)]
pub(crate) struct HttpClient {
    client: reqwest::Client,
    options: HttpOptions,
    provider: &'static str,
}

impl HttpClient {
    pub(crate) fn new(options: HttpOptions, provider: &'static str) -> Result<Self, SendError> {
        options.validate()?;
        let roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| SendError::Config(format!("TLS setup failed: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .timeout(options.timeout)
            .connect_timeout(options.timeout)
            // A redirect would turn the POST into a GET; a provider's API does not redirect.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!(
                env!("CARGO_PKG_NAME"),
                "/",
                env!("CARGO_PKG_VERSION")
            ))
            .build()
            .map_err(|e| SendError::Config(format!("HTTP client setup failed: {e}")))?;
        Ok(HttpClient {
            client,
            options,
            provider,
        })
    }

    pub(crate) fn options(&self) -> &HttpOptions {
        &self.options
    }

    /// Sends the request `request` builds until the provider accepts it (2xx), refuses it
    /// (another 4xx or 3xx: [`SendError::Rejected`] with the text `error_text` finds in the
    /// body), or the retries run out ([`SendError::Unavailable`]).
    pub(crate) async fn send(
        &self,
        request: impl Fn(&reqwest::Client) -> RequestBuilder,
        content: &Content,
        error_text: fn(&str) -> Option<String>,
    ) -> Result<(), SendError> {
        let provider = self.provider;
        let mut retry = 0;
        loop {
            let (message, retry_after) = match request(&self.client).send().await {
                Ok(response) if response.status().is_success() => return Ok(()),
                Ok(response) => {
                    let status = response.status();
                    if !retryable(status) {
                        let body = read_capped(response).await;
                        let text = error_text(&body).unwrap_or_default();
                        let text = scrub(&text, content);
                        return Err(SendError::Rejected {
                            message: if text.is_empty() {
                                format!("{provider} answered {status}")
                            } else {
                                format!("{provider} answered {status}: {text}")
                            },
                        });
                    }
                    let retry_after = retry_after(&response);
                    (format!("{provider} answered {status}"), retry_after)
                }
                Err(e) if e.is_timeout() => (
                    format!(
                        "{provider} did not answer within {:?}",
                        self.options.timeout
                    ),
                    None,
                ),
                Err(e) if e.is_connect() => (format!("could not connect to {provider}"), None),
                Err(_) => (format!("the request to {provider} failed"), None),
            };
            if retry >= self.options.retries {
                return Err(SendError::Unavailable {
                    message: format!("{message} ({} tries)", retry + 1),
                    retry_after,
                });
            }
            let wait = match retry_after {
                Some(wait) if wait > self.options.max_delay => {
                    return Err(SendError::Unavailable {
                        message: format!("{message} and asked to wait {}s", wait.as_secs()),
                        retry_after,
                    });
                }
                Some(wait) => wait,
                None => self.options.backoff_for(retry),
            };
            tokio::time::sleep(wait).await;
            retry += 1;
        }
    }
}

/// 429 and 5xx are worth another try; every other status is the provider's answer.
fn retryable(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error()
}

/// The wait a `Retry-After` header asks for: seconds, or an HTTP date.
fn retry_after(response: &Response) -> Option<Duration> {
    let value = response.headers().get(header::RETRY_AFTER)?.to_str().ok()?;
    parse_retry_after(value, Utc::now())
}

fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = DateTime::parse_from_rfc2822(value).ok()?;
    Some(
        (at.with_timezone(&Utc) - now)
            .to_std()
            .unwrap_or(Duration::ZERO),
    )
}

/// The start of an error response's body, as text.
async fn read_capped(mut response: Response) -> String {
    let mut body = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        let room = MAX_ERROR_BODY - body.len();
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= MAX_ERROR_BODY {
            break;
        }
    }
    String::from_utf8_lossy(&body).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_takes_seconds_and_dates() {
        let now = Utc::now();
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        let later = (now + chrono::TimeDelta::seconds(30)).to_rfc2822();
        let wait = parse_retry_after(&later, now).unwrap_or_default();
        assert!(wait > Duration::from_secs(28) && wait <= Duration::from_secs(30));
        let past = "Wed, 21 Oct 2015 07:28:00 GMT";
        assert_eq!(parse_retry_after(past, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn backoff_doubles_with_jitter_and_stays_under_the_cap() {
        let options = HttpOptions::new()
            .backoff(Duration::from_millis(100))
            .max_delay(Duration::from_millis(300));
        for _ in 0..50 {
            let first = options.backoff_for(0);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
            let second = options.backoff_for(1);
            assert!(second >= Duration::from_millis(100) && second <= Duration::from_millis(200));
            assert!(options.backoff_for(30) <= Duration::from_millis(300));
        }
    }

    #[test]
    fn bad_options_and_base_urls_are_config_errors() {
        let zero = HttpClient::new(HttpOptions::new().timeout(Duration::ZERO), "x");
        assert!(matches!(zero, Err(SendError::Config(_))));
        let many = HttpClient::new(HttpOptions::new().retries(11), "x");
        assert!(matches!(many, Err(SendError::Config(_))));
        assert_eq!(
            base_url("http://127.0.0.1:8080/").ok().as_deref(),
            Some("http://127.0.0.1:8080")
        );
        for bad in [
            "",
            "api.resend.com",
            "ftp://x.test",
            "https://u:p@x.test",
            "https://x.test?a=1",
        ] {
            assert!(matches!(base_url(bad), Err(SendError::Config(_))), "{bad}");
        }
    }
}
