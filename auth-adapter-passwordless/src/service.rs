//! [`Passwordless`]: sending and checking magic links and one-time codes.

use std::fmt;
use std::sync::Arc;

use auth_adapter_core::backend::dates::truncate_to_seconds;
use auth_adapter_core::{
    Adapter, AdapterSession, AdapterUser, Count, CounterStore, SessionPolicy, VerificationToken,
    generate_session_token, generate_verification_token, hash_verification_token,
    normalize_identifier, tokens_match,
};
use chrono::{DateTime, TimeDelta, Utc};

use crate::address::{Region, normalize_email, normalize_phone};
use crate::client::Client;
use crate::code::{CodeFormat, CodeKey};
use crate::config::PasswordlessBuilder;
use crate::error::{LimitScope, SignInError};
use crate::limits::{Limits, keys};
use crate::link::Site;
use crate::message::{Content, Message, Recipient};
use crate::sender::Sender;
use crate::users;

/// How a one-time code travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Channel {
    /// By email, to an address.
    Email,
    /// By SMS, to a phone number.
    Sms,
}

/// A link or code was sent. The answer is the same whether the address belongs to a user
/// or not.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Sent {
    /// Where it went, normalised (an address as Auth.js normalises it, a number in E.164).
    pub to: Recipient,
    /// When the link or code stops working.
    pub expires: DateTime<Utc>,
}

/// A verified sign-in: the user and the new database session (an Auth.js session row; its
/// token is the session cookie's value). `Debug` redacts the token.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignedIn {
    /// The user, as stored after this sign-in (`email_verified` set for an email sign-in).
    pub user: AdapterUser,
    /// The new session.
    pub session: AdapterSession,
    /// Whether this sign-in created the user.
    pub is_new_user: bool,
}

/// Passwordless sign-in over any backend: Auth.js magic links, and one-time codes by email
/// or SMS, with every attempt and rate limit kept in the store. See the crate docs for the
/// whole picture; [`Passwordless::builder`] for the settings.
///
/// Cheap to clone (one `Arc`); `Debug` shows no secret.
#[derive(Clone)]
pub struct Passwordless {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) adapter: Arc<dyn Adapter>,
    pub(crate) counters: Arc<dyn CounterStore>,
    pub(crate) sender: Arc<dyn Sender>,
    /// Auth.js's secret list joined with `,`: what it concatenates to a link's token.
    pub(crate) link_secret: String,
    pub(crate) secret_count: usize,
    pub(crate) code_key: CodeKey,
    pub(crate) site: Site,
    pub(crate) site_name: String,
    pub(crate) code_format: CodeFormat,
    pub(crate) code_max_age: TimeDelta,
    pub(crate) link_max_age: TimeDelta,
    pub(crate) policy: SessionPolicy,
    pub(crate) limits: Limits,
    pub(crate) region: Option<Region>,
    pub(crate) production: bool,
}

impl fmt::Debug for Passwordless {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("Passwordless")
            .field("adapter", &i.adapter)
            .field("counters", &i.counters)
            .field("sender", &i.sender)
            .field("secrets", &format_args!("[{} redacted]", i.secret_count))
            .field("site_url", &i.site.url())
            .field("site_name", &i.site_name)
            .field("code_format", &i.code_format)
            .field("code_max_age", &i.code_max_age)
            .field("link_max_age", &i.link_max_age)
            .field("policy", &i.policy)
            .field("limits", &i.limits)
            .field("production", &i.production)
            .finish()
    }
}

/// How long a code's generation counter lives: far longer than a code, so that a new
/// window (which starts the count again) almost never opens while a code is out.
const GENERATION_WINDOW: TimeDelta = TimeDelta::days(1);

/// The longest magic-link token looked at (Auth.js's are 64 characters).
const MAX_TOKEN_LEN: usize = 512;

impl Passwordless {
    /// Starts a service on a store and a sender. `adapter` and `counters` are usually the
    /// same backend value (every backend implements both traits):
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use auth_adapter_core::MemoryAdapter;
    /// # use auth_adapter_passwordless::{Passwordless, Sender};
    /// # fn sender() -> Arc<dyn Sender> { unimplemented!() }
    /// # fn build() -> Result<Passwordless, auth_adapter_passwordless::ConfigError> {
    /// let store = Arc::new(MemoryAdapter::new());
    /// let service = Passwordless::builder(store.clone(), store, sender())
    ///     .secret("the AUTH_SECRET of the Auth.js app")
    ///     .site_url("https://app.example.com")
    ///     .build()?;
    /// # Ok(service) }
    /// ```
    pub fn builder(
        adapter: Arc<dyn Adapter>,
        counters: Arc<dyn CounterStore>,
        sender: Arc<dyn Sender>,
    ) -> PasswordlessBuilder {
        PasswordlessBuilder::new(adapter, counters, sender)
    }

    /// The store of users, sessions and tokens.
    pub fn adapter(&self) -> &Arc<dyn Adapter> {
        &self.inner.adapter
    }

    /// The store of the limits' counters.
    pub fn counters(&self) -> &Arc<dyn CounterStore> {
        &self.inner.counters
    }

    /// The sender.
    pub fn sender(&self) -> &Arc<dyn Sender> {
        &self.inner.sender
    }

    /// The session lifetime.
    pub fn policy(&self) -> &SessionPolicy {
        &self.inner.policy
    }

    /// The limits.
    pub fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    /// The site's URL (scheme and host lower-cased, no trailing `/`).
    pub fn site_url(&self) -> &str {
        self.inner.site.url()
    }

    /// The name messages sign in to.
    pub fn site_name(&self) -> &str {
        &self.inner.site_name
    }

    /// Whether the service was built for production.
    pub fn is_production(&self) -> bool {
        self.inner.production
    }

    /// How long a code works.
    pub fn code_max_age(&self) -> TimeDelta {
        self.inner.code_max_age
    }

    /// How long a link works.
    pub fn link_max_age(&self) -> TimeDelta {
        self.inner.link_max_age
    }

    /// Where a sign-in with `callback_url` lands, as Auth.js's default `redirect` callback
    /// decides: a path on the site, a URL on the site's origin, or else the site's URL.
    pub fn callback_url(&self, callback_url: Option<&str>) -> String {
        self.inner.site.callback_url(callback_url)
    }

    // -----------------------------------------------------------------------------------
    // Magic links

    /// Sends a magic link to `email`, exactly as Auth.js's email provider would: a raw
    /// token of 64 hex characters in the link, its hash `sha256(token + secret)` stored
    /// through `create_verification_token` with the normalised address as identifier,
    /// expiring after the link lifetime (24 hours by default). The link is
    /// `{site}{base_path}/callback/{provider}?callbackUrl=…&token=…&email=…`, so the Auth.js
    /// app on the same store redeems it too. `callback_url` is kept only if it is on the
    /// site (see [`callback_url`](Self::callback_url)).
    ///
    /// The store is not asked who the address belongs to: the answer, and the work done,
    /// are the same for every address. Counts against
    /// [`sends_per_recipient`](Limits::sends_per_recipient) and
    /// [`sends_per_ip`](Limits::sends_per_ip). If the sender fails, the token is used up
    /// before the error is returned: no usable link is left.
    pub async fn send_magic_link(
        &self,
        email: &str,
        callback_url: Option<&str>,
        client: &Client,
    ) -> Result<Sent, SignInError> {
        let email = normalize_email(email)?;
        let to = Recipient::Email(email.clone());
        self.check_deliverable(&to)?;
        let callback = self.callback_url(callback_url);
        self.charge_send(&limit_name(&to), client).await?;
        let raw = generate_verification_token();
        let hashed = hash_verification_token(&raw, &self.inner.link_secret);
        let expires = truncate_to_seconds(Utc::now() + self.inner.link_max_age);
        let row = VerificationToken {
            identifier: email.clone(),
            token: hashed,
            expires,
        };
        let url = self.inner.site.magic_link(&callback, &raw, &email);
        self.store_and_send(row, to, Content::MagicLink { url })
            .await
    }

    /// Redeems a magic link (the `email` and `token` of its query, decoded), minted by this
    /// service or by the Auth.js app on the same store: the token is used up atomically
    /// (of concurrent calls, one gets it), refused when unknown, used, or expired; then the
    /// user is found by email or created, with `emailVerified` set to now (Auth.js's rules;
    /// no account row), and a new database session is created.
    ///
    /// Mail scanners open links: call this from a `POST`, never from the link's `GET`. The
    /// `GET` should show a page whose button posts `email` and `token` here.
    /// `client` is for the caller's logs: a link's 256-bit token needs no attempt limit.
    pub async fn verify_magic_link(
        &self,
        email: &str,
        token: &str,
        client: &Client,
    ) -> Result<SignedIn, SignInError> {
        let _ = client;
        // Auth.js's own normalisation only: any link Auth.js made is looked up as it was.
        let email = normalize_identifier(email)
            .map_err(|_| SignInError::invalid_email("is not one address with exactly one @"))?;
        if token.is_empty() || token.len() > MAX_TOKEN_LEN {
            return Err(SignInError::InvalidLink);
        }
        let hashed = hash_verification_token(token, &self.inner.link_secret);
        let Some(row) = self
            .inner
            .adapter
            .use_verification_token(&email, &hashed)
            .await?
        else {
            return Err(SignInError::InvalidLink);
        };
        if !tokens_match(&row.token, &hashed) || row.identifier != email {
            return Err(SignInError::InvalidLink);
        }
        let now = Utc::now();
        if row.expires < now {
            return Err(SignInError::Expired);
        }
        let (user, is_new_user) = users::by_email(self.inner.adapter.as_ref(), &email, now).await?;
        self.new_session(user, is_new_user, now).await
    }

    // -----------------------------------------------------------------------------------
    // One-time codes

    /// Sends a one-time code to `to` (an email address for [`Channel::Email`], a phone
    /// number for [`Channel::Sms`]), replacing the code sent before: only the newest code
    /// of a recipient works. What is stored is a verification-token row with identifier
    /// `otp:` + the normalised recipient and, as token, the keyed hash of the code (see the
    /// crate docs); never the code.
    ///
    /// Same answer and same work for every recipient; counts against the send limits; a
    /// failed send leaves no usable code.
    pub async fn send_otp(
        &self,
        channel: Channel,
        to: &str,
        client: &Client,
    ) -> Result<Sent, SignInError> {
        let to = self.recipient(channel, to)?;
        let identifier = code_identifier(&to)?;
        self.check_deliverable(&to)?;
        let name = limit_name(&to);
        self.charge_send(&name, client).await?;
        // Counted only once the send is allowed: a refused send must not replace the code
        // that is out.
        let generation = self
            .inner
            .counters
            .increment(&keys::generation(&name), GENERATION_WINDOW)
            .await?
            .count;
        let code = self.inner.code_format.generate();
        let row = VerificationToken {
            token: self.inner.code_key.hash(&identifier, generation, &code),
            identifier,
            expires: truncate_to_seconds(Utc::now() + self.inner.code_max_age),
        };
        self.store_and_send(row, to, Content::Code { code }).await
    }

    /// Checks a one-time code for `to` and signs in: the user of that address (Auth.js's
    /// rules, `emailVerified` set) or that number (see the crate docs), with a new database
    /// session.
    ///
    /// Before the code is looked at, the recipient's
    /// [`wrong_codes`](Limits::wrong_codes) counter and the client's
    /// [`code_checks_per_ip`](Limits::code_checks_per_ip) counter are incremented in the
    /// store, atomically: of any number of concurrent checks, at most the limit are
    /// evaluated. Past either limit the code is not evaluated, even a right one:
    /// [`SignInError::TooManyAttempts`] / [`SignInError::RateLimited`], with the time left.
    /// Once a recipient's budget is spent, a check is refused after two reads (its counter
    /// and the code's generation, one round trip) without writing anything. A right code is
    /// used up atomically and resets the recipient's counter.
    ///
    /// Round trips: two reads, then two increments, then the code's row, in sequence; then
    /// the user and the session.
    pub async fn verify_otp(
        &self,
        channel: Channel,
        to: &str,
        code: &str,
        client: &Client,
    ) -> Result<SignedIn, SignInError> {
        let (user, is_new_user, now) = self.use_otp(channel, to, code, client).await?;
        self.new_session(user, is_new_user, now).await
    }

    /// Checks a one-time code for `to` as a proof of identity, without signing in: the code
    /// is checked, counted and used up exactly as by [`verify_otp`](Self::verify_otp)
    /// (same limits, same errors), and the user it proves is returned (found, or created
    /// as a sign-in would), but no session is created.
    ///
    /// For a step that needs a fresh proof rather than a session, such as binding a token
    /// to an account from a script (`auth-adapter-axum`'s `bind-token` takes one).
    pub async fn confirm_otp(
        &self,
        channel: Channel,
        to: &str,
        code: &str,
        client: &Client,
    ) -> Result<AdapterUser, SignInError> {
        let (user, _, _) = self.use_otp(channel, to, code, client).await?;
        Ok(user)
    }

    /// [`verify_otp`](Self::verify_otp) up to the session: the checked and used code's
    /// user, whether it was created, and when.
    async fn use_otp(
        &self,
        channel: Channel,
        to: &str,
        code: &str,
        client: &Client,
    ) -> Result<(AdapterUser, bool, DateTime<Utc>), SignInError> {
        let to = self.recipient(channel, to)?;
        let identifier = code_identifier(&to)?;
        let name = limit_name(&to);
        let limits = &self.inner.limits;
        let counters = &self.inner.counters;
        let checks_key = keys::code_checks(&name);
        let ip_key = keys::code_checks_ip(&client.bucket());
        let generation_key = keys::generation(&name);
        let (per_recipient, per_ip) = (limits.get_wrong_codes(), limits.get_code_checks_per_ip());
        // First two reads: once a recipient's budget is spent, a guess costs the store no
        // write at all, so an attack on one recipient stays cheap to refuse.
        let (seen, generation) =
            tokio::join!(counters.count(&checks_key), counters.count(&generation_key));
        let (seen, generation) = (seen?, generation?);
        if seen.count >= per_recipient.get_max() {
            return Err(SignInError::too_many_attempts(seen.resets_in));
        }
        // Then the increments, which decide: of concurrent checks that all read a count
        // below the limit, only those whose increment stays within it are evaluated.
        let (checks, ip_checks) = tokio::join!(
            counters.increment(&checks_key, per_recipient.get_window()),
            counters.increment(&ip_key, per_ip.get_window()),
        );
        let (checks, ip_checks) = (checks?, ip_checks?);
        if over(&checks, per_recipient.get_max()) {
            return Err(SignInError::too_many_attempts(checks.resets_in));
        }
        if over(&ip_checks, per_ip.get_max()) {
            return Err(SignInError::rate_limited(
                LimitScope::ClientIp,
                ip_checks.resets_in,
            ));
        }
        let Some(code) = self.inner.code_format.clean(code) else {
            return Err(SignInError::InvalidCode);
        };
        let hashed = self
            .inner
            .code_key
            .hash(&identifier, generation.count, &code);
        let Some(row) = self
            .inner
            .adapter
            .use_verification_token(&identifier, &hashed)
            .await?
        else {
            return Err(SignInError::InvalidCode);
        };
        if !tokens_match(&row.token, &hashed) {
            return Err(SignInError::InvalidCode);
        }
        let now = Utc::now();
        if row.expires < now {
            return Err(SignInError::Expired);
        }
        let adapter = self.inner.adapter.as_ref();
        let (reset, found) = tokio::join!(counters.reset(&checks_key), async {
            match &to {
                Recipient::Phone(number) => users::by_phone(adapter, number).await,
                _ => users::by_email(adapter, to.as_str(), now).await,
            }
        });
        // The code is used and the user found: a counter that could not be reset expires
        // with its window, and is no reason to refuse this sign-in.
        let _ = reset;
        let (user, is_new_user) = found?;
        Ok((user, is_new_user, now))
    }

    // -----------------------------------------------------------------------------------
    // Sessions

    /// The session with this token and its user, read with Auth.js's rules: an expired
    /// session is deleted and answers `None`, one due for extension is extended.
    pub async fn get_session(
        &self,
        session_token: &str,
    ) -> Result<Option<(AdapterSession, AdapterUser)>, SignInError> {
        Ok(self
            .inner
            .policy
            .resolve(self.inner.adapter.as_ref(), session_token, Utc::now())
            .await?)
    }

    /// Signs one session out (deletes its row); whether there was one.
    pub async fn revoke_session(&self, session_token: &str) -> Result<bool, SignInError> {
        Ok(self
            .inner
            .adapter
            .delete_session(session_token)
            .await?
            .is_some())
    }

    /// Signs a user out everywhere (deletes every session of theirs); how many there were.
    pub async fn revoke_all_sessions(&self, user_id: &str) -> Result<u64, SignInError> {
        Ok(self
            .inner
            .adapter
            .delete_sessions_by_user_id(user_id)
            .await?)
    }

    // -----------------------------------------------------------------------------------
    // The steps

    fn recipient(&self, channel: Channel, to: &str) -> Result<Recipient, SignInError> {
        Ok(match channel {
            Channel::Email => Recipient::Email(normalize_email(to)?),
            Channel::Sms => Recipient::Phone(normalize_phone(to, self.inner.region)?),
        })
    }

    fn check_deliverable(&self, to: &Recipient) -> Result<(), SignInError> {
        if self.inner.sender.delivers_to(to) {
            return Ok(());
        }
        let kind = match to {
            Recipient::Phone(_) => "phone numbers",
            _ => "email addresses",
        };
        Err(SignInError::Send(crate::SendError::Unsupported(kind)))
    }

    /// Counts one send for the recipient and one for the client, in parallel, and refuses
    /// past either limit.
    async fn charge_send(&self, name: &str, client: &Client) -> Result<(), SignInError> {
        let limits = &self.inner.limits;
        let (per_recipient, per_ip) = (limits.get_sends_per_recipient(), limits.get_sends_per_ip());
        let counters = &self.inner.counters;
        let (recipient_key, ip_key) = (keys::sends(name), keys::sends_ip(&client.bucket()));
        let (recipient, ip) = tokio::join!(
            counters.increment(&recipient_key, per_recipient.get_window()),
            counters.increment(&ip_key, per_ip.get_window()),
        );
        let (recipient, ip) = (recipient?, ip?);
        if over(&recipient, per_recipient.get_max()) {
            return Err(SignInError::rate_limited(
                LimitScope::Recipient,
                recipient.resets_in,
            ));
        }
        if over(&ip, per_ip.get_max()) {
            return Err(SignInError::rate_limited(
                LimitScope::ClientIp,
                ip.resets_in,
            ));
        }
        Ok(())
    }

    /// Stores the row, then sends; if sending fails, uses the row up so that nothing
    /// usable is left, and reports the sender's error.
    async fn store_and_send(
        &self,
        row: VerificationToken,
        to: Recipient,
        content: Content,
    ) -> Result<Sent, SignInError> {
        let expires = row.expires;
        let (identifier, token) = (row.identifier.clone(), row.token.clone());
        self.inner.adapter.create_verification_token(row).await?;
        let message = Message::new(to.clone(), content, expires, &self.inner.site_name);
        match self.inner.sender.send(&message).await {
            Ok(()) => Ok(Sent { to, expires }),
            Err(e) => {
                // If even this fails the store is down: say so, it is the graver fault.
                self.inner
                    .adapter
                    .use_verification_token(&identifier, &token)
                    .await?;
                Err(SignInError::Send(e))
            }
        }
    }

    async fn new_session(
        &self,
        user: AdapterUser,
        is_new_user: bool,
        now: DateTime<Utc>,
    ) -> Result<SignedIn, SignInError> {
        let session = self
            .inner
            .adapter
            .create_session(AdapterSession {
                session_token: generate_session_token(),
                user_id: user.id.clone(),
                expires: self.inner.policy.expires_from(now),
            })
            .await?;
        Ok(SignedIn {
            user,
            session,
            is_new_user,
        })
    }
}

/// Whether a counter is past a limit of `max`.
fn over(count: &Count, max: u64) -> bool {
    count.count > max
}

/// The recipient in counter keys: `email:…` or `phone:…`.
fn limit_name(to: &Recipient) -> String {
    match to {
        Recipient::Phone(n) => format!("phone:{n}"),
        _ => format!("email:{}", to.as_str()),
    }
}

/// The prefix of a code row's identifier: apart from every magic link's (whose identifier
/// is the bare address).
pub const CODE_IDENTIFIER_PREFIX: &str = "otp:";

/// The identifier of a recipient's code rows, within the 255 characters of Auth.js's
/// `identifier` column.
fn code_identifier(to: &Recipient) -> Result<String, SignInError> {
    let identifier = format!("{CODE_IDENTIFIER_PREFIX}{}", to.as_str());
    if identifier.chars().count() > auth_adapter_core::backend::validate::MAX_VARCHAR {
        return Err(SignInError::invalid_email(
            "is too long for a sign-in code (at most 251 characters)",
        ));
    }
    Ok(identifier)
}
