//! [`DevSender`]: prints sign-in links and codes to the terminal during development.

use std::fmt;
use std::io::Write;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use crate::message::{Content, Message, Recipient};
use crate::sender::{SendError, Sender};

/// The environment variables [`DevSender`] reads: when any of them is `production` or
/// `prod` (in any case), it refuses to run.
pub const PRODUCTION_VARS: [&str; 4] = ["AUTH_ENV", "APP_ENV", "RUST_ENV", "NODE_ENV"];

/// A development sender: instead of delivering, it prints each message's link or code
/// to the terminal (stderr, or a writer of yours), in a block marked as not delivered.
/// It delivers to email addresses and phone numbers alike.
///
/// It prints secrets, so it refuses to run in production: [`DevSender::from_env`]
/// answers [`SendError::Config`] when any of [`PRODUCTION_VARS`] (`AUTH_ENV`, `APP_ENV`,
/// `RUST_ENV`, `NODE_ENV`) is `production` or `prod`, in any case. There is no override:
/// a deployment that says it is production is one. [`DevSender::from_vars`] applies the
/// same rule to values from elsewhere (a configuration file, a test).
///
/// ```
/// use auth_adapter_passwordless::senders::DevSender;
/// use auth_adapter_passwordless::SendError;
///
/// // NODE_ENV=production: refused.
/// let production = DevSender::from_vars(|name| (name == "NODE_ENV").then(|| "production".into()));
/// assert!(matches!(production, Err(SendError::Config(_))));
///
/// // Nothing says production: prints to stderr.
/// let sender = DevSender::from_vars(|_| None)?;
/// # Ok::<(), SendError>(())
/// ```
///
/// A message as it prints:
///
/// ```text
/// ======== auth-adapter development sender: NOT DELIVERED ========
/// to:      alice@example.com (email)
/// subject: Sign in to Acme
/// code:    123456
/// expires: 2026-12-01 12:10:00 UTC
/// =================================================================
/// ```
#[derive(Clone)]
pub struct DevSender {
    out: Arc<Mutex<Box<dyn Write + Send>>>,
}

impl fmt::Debug for DevSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DevSender").finish_non_exhaustive()
    }
}

impl DevSender {
    /// A development sender printing to stderr, unless the process environment says
    /// production (see [`PRODUCTION_VARS`]): then [`SendError::Config`].
    pub fn from_env() -> Result<Self, SendError> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// A development sender printing to stderr, unless `var` (an environment lookup:
    /// the variable's value, or `None` when unset) says production for one of
    /// [`PRODUCTION_VARS`]: then [`SendError::Config`].
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, SendError> {
        for name in PRODUCTION_VARS {
            if let Some(value) = var(name) {
                let value = value.trim();
                if value.eq_ignore_ascii_case("production") || value.eq_ignore_ascii_case("prod") {
                    return Err(SendError::Config(format!(
                        "the development sender prints sign-in links and codes, and \
                         {name}={value} says this is production: configure a real sender"
                    )));
                }
            }
        }
        Ok(DevSender {
            out: Arc::new(Mutex::new(Box::new(std::io::stderr()))),
        })
    }

    /// Prints to `writer` instead of stderr (a log file, or a buffer a test reads).
    pub fn writer(mut self, writer: impl Write + Send + 'static) -> Self {
        self.out = Arc::new(Mutex::new(Box::new(writer)));
        self
    }
}

#[async_trait]
impl Sender for DevSender {
    async fn send(&self, message: &Message) -> Result<(), SendError> {
        let (kind, to) = match &message.to {
            Recipient::Email(address) => ("email", address),
            Recipient::Phone(number) => ("SMS", number),
        };
        let (label, secret) = match &message.content {
            Content::MagicLink { url } => ("link:   ", url),
            Content::Code { code } => ("code:   ", code),
        };
        let block = format!(
            "\n======== auth-adapter development sender: NOT DELIVERED ========\n\
             to:      {to} ({kind})\n\
             subject: {subject}\n\
             {label} {secret}\n\
             expires: {expires}\n\
             =================================================================\n",
            subject = message.subject(),
            expires = message.expires.format("%Y-%m-%d %H:%M:%S UTC"),
        );
        let mut out = self
            .out
            .lock()
            .map_err(|_| SendError::Config("the development sender's writer panicked".into()))?;
        out.write_all(block.as_bytes())
            .and_then(|()| out.flush())
            .map_err(|e| SendError::Unavailable {
                message: format!("the development sender could not print: {e}"),
                retry_after: None,
            })
    }

    fn delivers_to(&self, _to: &Recipient) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeDelta, TimeZone, Utc};

    /// A writer the test reads back.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Captured {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    fn vars(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[tokio::test]
    async fn prints_links_and_codes_in_a_marked_block() {
        let out = Captured::default();
        let sender = DevSender::from_vars(vars(&[("NODE_ENV", "development")]))
            .unwrap()
            .writer(out.clone());
        let expires = Utc.with_ymd_and_hms(2030, 1, 2, 3, 4, 5).unwrap();
        let code = Message::new(
            Recipient::Phone("+4915112345678".into()),
            Content::Code {
                code: "482913".into(),
            },
            expires,
            "Acme",
        );
        let link = Message::new(
            Recipient::Email("alice@example.test".into()),
            Content::MagicLink {
                url: "https://acme.test/api/auth/callback/email?token=abc&email=x".into(),
            },
            Utc::now() + TimeDelta::hours(24),
            "Acme",
        );
        assert!(sender.delivers_to(&code.to) && sender.delivers_to(&link.to));
        sender.send(&code).await.unwrap();
        sender.send(&link).await.unwrap();

        let printed = out.text();
        assert_eq!(printed.matches("NOT DELIVERED").count(), 2, "{printed}");
        assert!(
            printed.contains("to:      +4915112345678 (SMS)"),
            "{printed}"
        );
        assert!(printed.contains("code:    482913"), "{printed}");
        assert!(
            printed.contains("expires: 2030-01-02 03:04:05 UTC"),
            "{printed}"
        );
        assert!(
            printed.contains("to:      alice@example.test (email)"),
            "{printed}"
        );
        assert!(
            printed
                .contains("link:    https://acme.test/api/auth/callback/email?token=abc&email=x"),
            "{printed}"
        );
        assert!(printed.contains("subject: Sign in to Acme"), "{printed}");
        assert!(!format!("{sender:?}").contains("482913"));
    }

    #[test]
    fn refuses_when_any_variable_says_production() {
        for pairs in [
            &[("NODE_ENV", "production")][..],
            &[("APP_ENV", "Production")],
            &[("RUST_ENV", " prod ")],
            &[("AUTH_ENV", "PRODUCTION"), ("NODE_ENV", "development")],
            &[("NODE_ENV", "development"), ("APP_ENV", "production")],
        ] {
            let pairs: &'static [(&str, &str)] = pairs;
            match DevSender::from_vars(vars(pairs)) {
                Err(SendError::Config(text)) => {
                    assert!(text.contains("production"), "{text}")
                }
                other => panic!("{pairs:?} gave {other:?}"),
            }
        }
        for pairs in [
            &[][..],
            &[("NODE_ENV", "development")],
            &[("APP_ENV", "staging"), ("RUST_ENV", "test")],
            &[("NODE_ENV", "productionish")],
        ] {
            let pairs: &'static [(&str, &str)] = pairs;
            assert!(DevSender::from_vars(vars(pairs)).is_ok(), "{pairs:?}");
        }
    }
}
