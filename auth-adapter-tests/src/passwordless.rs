//! Test support for `auth-adapter-passwordless`: a [`RecordingSender`] whose messages tests
//! read links and codes from, a [`Store`] made of any backend, a [`CallLog`] that records
//! which store methods were called, and the [`passwordless_suite!`](crate::passwordless_suite)
//! cases ([`cases::passwordless`](crate::cases::passwordless)).
//!
//! Only with the `passwordless` feature. **Test support, not a stable API.**

use std::sync::{Arc, Mutex, PoisonError};

use auth_adapter_core::chrono::{DateTime, TimeDelta, Utc};
use auth_adapter_core::{
    AccountUpdate, Adapter, AdapterAccount, AdapterAuthenticator, AdapterSession, AdapterUser,
    Count, CounterStore, ExpiredCount, NewUser, Result as AdapterResult, SessionUpdate, UserUpdate,
    VerificationToken, async_trait,
};
use auth_adapter_passwordless::{Content, Message, Recipient, SendError, Sender};

/// A backend as the service takes it: the same value as `Adapter` and `CounterStore`.
#[derive(Debug, Clone)]
pub struct Store {
    /// The store of users, sessions and tokens.
    pub adapter: Arc<dyn Adapter>,
    /// The store of counters.
    pub counters: Arc<dyn CounterStore>,
}

impl<T: Adapter + CounterStore> From<Arc<T>> for Store {
    fn from(store: Arc<T>) -> Self {
        Store {
            adapter: store.clone(),
            counters: store,
        }
    }
}

/// A [`Sender`] that keeps every message it is given, delivers to emails and phones, and
/// can be told to fail (it still keeps the message, so a test can try the link or code
/// that was withdrawn).
#[derive(Debug, Default)]
pub struct RecordingSender {
    messages: Mutex<Vec<Message>>,
    failing: Mutex<bool>,
    emails_only: bool,
}

impl RecordingSender {
    /// A sender that accepts every message.
    pub fn new() -> Self {
        RecordingSender::default()
    }

    /// A sender that delivers to email addresses only (as an SMTP sender would).
    pub fn emails_only() -> Self {
        RecordingSender {
            emails_only: true,
            ..RecordingSender::default()
        }
    }

    /// From now on, every send fails with [`SendError::Unavailable`] (or succeeds again).
    pub fn set_failing(&self, failing: bool) {
        *self.failing.lock().unwrap_or_else(PoisonError::into_inner) = failing;
    }

    /// Every message given to it so far, failed ones included.
    pub fn messages(&self) -> Vec<Message> {
        self.messages
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The newest message to `to` (its address or number as sent).
    pub fn last_to(&self, to: &str) -> Option<Message> {
        self.messages()
            .into_iter()
            .rev()
            .find(|m| m.to.as_str() == to)
    }

    /// The code of the newest message to `to`; panics if there is none.
    pub fn last_code(&self, to: &str) -> String {
        match self.last_to(to).map(|m| m.content) {
            Some(Content::Code { code }) => code,
            other => panic!("no code was sent to {to}: {other:?}"),
        }
    }

    /// The link of the newest message to `to`; panics if there is none.
    pub fn last_link(&self, to: &str) -> MagicLink {
        match self.last_to(to).map(|m| m.content) {
            Some(Content::MagicLink { url }) => MagicLink::parse(&url),
            other => panic!("no link was sent to {to}: {other:?}"),
        }
    }
}

#[async_trait]
impl Sender for RecordingSender {
    async fn send(&self, message: &Message) -> Result<(), SendError> {
        self.messages
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(message.clone());
        if *self.failing.lock().unwrap_or_else(PoisonError::into_inner) {
            return Err(SendError::Unavailable {
                message: "the recording sender was told to fail".into(),
                retry_after: None,
            });
        }
        Ok(())
    }

    fn delivers_to(&self, to: &Recipient) -> bool {
        !self.emails_only || matches!(to, Recipient::Email(_))
    }
}

/// A magic link taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MagicLink {
    /// The whole link.
    pub url: String,
    /// Everything before `?`.
    pub path: String,
    /// `callbackUrl`, decoded.
    pub callback_url: String,
    /// `token`, decoded.
    pub token: String,
    /// `email`, decoded.
    pub email: String,
    /// The parameter names in order.
    pub names: Vec<String>,
}

impl MagicLink {
    /// Parses `url`; panics if it is not a link with a query.
    pub fn parse(url: &str) -> MagicLink {
        let (path, query) = url
            .split_once('?')
            .unwrap_or_else(|| panic!("a link without a query: {url}"));
        let mut names = Vec::new();
        let (mut callback_url, mut token, mut email) = (None, None, None);
        for pair in query.split('&') {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = form_decode(value);
            names.push(name.to_owned());
            match name {
                "callbackUrl" => callback_url = Some(value),
                "token" => token = Some(value),
                "email" => email = Some(value),
                _ => {}
            }
        }
        MagicLink {
            url: url.to_owned(),
            path: path.to_owned(),
            callback_url: callback_url.unwrap_or_default(),
            token: token.unwrap_or_default(),
            email: email.unwrap_or_default(),
            names,
        }
    }
}

/// Decodes `application/x-www-form-urlencoded` (`+` is a space).
pub fn form_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A store that records the name of every `Adapter` and `CounterStore` method called on it
/// (never the arguments), forwarding each call to the store it wraps.
#[derive(Debug)]
pub struct CallLog {
    inner: Store,
    calls: Mutex<Vec<&'static str>>,
}

impl CallLog {
    /// Wraps `store`.
    pub fn new(store: Store) -> Arc<Self> {
        Arc::new(CallLog {
            inner: store,
            calls: Mutex::new(Vec::new()),
        })
    }

    /// The methods called since the last `take`, in order, and forgets them.
    pub fn take(&self) -> Vec<&'static str> {
        std::mem::take(&mut *self.calls.lock().unwrap_or_else(PoisonError::into_inner))
    }

    fn log(&self, name: &'static str) {
        self.calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(name);
    }
}

#[async_trait]
impl CounterStore for CallLog {
    async fn increment(&self, key: &str, window: TimeDelta) -> AdapterResult<Count> {
        self.log("increment");
        self.inner.counters.increment(key, window).await
    }
    async fn count(&self, key: &str) -> AdapterResult<Count> {
        self.log("count");
        self.inner.counters.count(key).await
    }
    async fn reset(&self, key: &str) -> AdapterResult<()> {
        self.log("reset");
        self.inner.counters.reset(key).await
    }
    async fn purge_expired(&self) -> AdapterResult<u64> {
        self.log("purge_expired");
        self.inner.counters.purge_expired().await
    }
}

/// Forwards each method to `self.inner.adapter` after logging its name.
macro_rules! logged {
    ($($name:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {
        #[async_trait]
        impl Adapter for CallLog {
            $(
                async fn $name(&self, $($arg: $ty),*) -> AdapterResult<$ret> {
                    self.log(stringify!($name));
                    self.inner.adapter.$name($($arg),*).await
                }
            )*
        }
    };
}

logged! {
    create_user(user: NewUser) -> AdapterUser;
    get_user(id: &str) -> Option<AdapterUser>;
    get_user_by_email(email: &str) -> Option<AdapterUser>;
    get_user_by_account(provider: &str, provider_account_id: &str) -> Option<AdapterUser>;
    update_user(update: UserUpdate) -> AdapterUser;
    delete_user(id: &str) -> Option<AdapterUser>;
    link_account(account: AdapterAccount) -> AdapterAccount;
    unlink_account(provider: &str, provider_account_id: &str) -> Option<AdapterAccount>;
    get_account(provider: &str, provider_account_id: &str) -> Option<AdapterAccount>;
    update_account(update: AccountUpdate) -> AdapterAccount;
    create_session(session: AdapterSession) -> AdapterSession;
    get_session_and_user(session_token: &str) -> Option<(AdapterSession, AdapterUser)>;
    update_session(update: SessionUpdate) -> Option<AdapterSession>;
    delete_session(session_token: &str) -> Option<AdapterSession>;
    delete_sessions_by_user_id(user_id: &str) -> u64;
    create_verification_token(token: VerificationToken) -> VerificationToken;
    use_verification_token(identifier: &str, token: &str) -> Option<VerificationToken>;
    create_authenticator(authenticator: AdapterAuthenticator) -> AdapterAuthenticator;
    get_authenticator(credential_id: &str) -> Option<AdapterAuthenticator>;
    list_authenticators_by_user_id(user_id: &str) -> Vec<AdapterAuthenticator>;
    update_authenticator_counter(credential_id: &str, counter: u32) -> AdapterAuthenticator;
    delete_expired(now: DateTime<Utc>) -> ExpiredCount;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_decoding_reverses_url_search_params() {
        assert_eq!(form_decode("a%2Bb%40c.io"), "a+b@c.io");
        assert_eq!(form_decode("x+y"), "x y");
        assert_eq!(form_decode("100%"), "100%");
        assert_eq!(form_decode("%zz"), "%zz");
        assert_eq!(form_decode("%C3%BC"), "ü");
    }

    #[test]
    fn links_are_taken_apart() {
        let link = MagicLink::parse(
            "https://x.io/api/auth/callback/email?callbackUrl=https%3A%2F%2Fx.io&token=ab&email=a%40b.co",
        );
        assert_eq!(link.path, "https://x.io/api/auth/callback/email");
        assert_eq!(link.callback_url, "https://x.io");
        assert_eq!((link.token.as_str(), link.email.as_str()), ("ab", "a@b.co"));
        assert_eq!(link.names, ["callbackUrl", "token", "email"]);
    }
}
