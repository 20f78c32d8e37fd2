//! [`PasswordlessBuilder`]: the settings of a [`Passwordless`] service, checked once.

use std::sync::Arc;

use auth_adapter_core::{Adapter, CounterStore, SessionPolicy, VERIFICATION_TOKEN_MAX_AGE};
use chrono::TimeDelta;

use crate::address::Region;
use crate::code::{CodeFormat, CodeKey};
use crate::error::ConfigError;
use crate::limits::Limits;
use crate::link::Site;
use crate::sender::Sender;
use crate::service::{Inner, Passwordless};

/// How long a code works unless configured: 10 minutes.
pub const CODE_MAX_AGE: TimeDelta = TimeDelta::minutes(10);

/// Auth.js's base path under `next-auth` (and of `@auth/express` mounted at `/api/auth`).
pub const BASE_PATH: &str = "/api/auth";

/// Builds a [`Passwordless`] service; see [`Passwordless::builder`].
#[derive(Debug)]
#[must_use]
pub struct PasswordlessBuilder {
    adapter: Arc<dyn Adapter>,
    counters: Arc<dyn CounterStore>,
    sender: Arc<dyn Sender>,
    secrets: Secrets,
    site_url: Option<String>,
    base_path: String,
    provider_id: String,
    site_name: Option<String>,
    code_format: CodeFormat,
    code_max_age: TimeDelta,
    link_max_age: TimeDelta,
    policy: SessionPolicy,
    limits: Limits,
    default_region: Option<String>,
    production: bool,
}

/// The secrets, never printed.
#[derive(Default)]
struct Secrets(Vec<String>);

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{} redacted]", self.0.len())
    }
}

impl PasswordlessBuilder {
    pub(crate) fn new(
        adapter: Arc<dyn Adapter>,
        counters: Arc<dyn CounterStore>,
        sender: Arc<dyn Sender>,
    ) -> Self {
        PasswordlessBuilder {
            adapter,
            counters,
            sender,
            secrets: Secrets::default(),
            site_url: None,
            base_path: BASE_PATH.to_owned(),
            provider_id: "email".to_owned(),
            site_name: None,
            code_format: CodeFormat::default(),
            code_max_age: CODE_MAX_AGE,
            link_max_age: VERIFICATION_TOKEN_MAX_AGE,
            policy: SessionPolicy::default(),
            limits: Limits::default(),
            default_region: None,
            production: false,
        }
    }

    /// The Auth.js app's `AUTH_SECRET` (required). Links are hashed with it exactly as
    /// Auth.js hashes them, so either side redeems the other's links; codes are hashed with
    /// a key derived from the first one. Call it again to add the secrets Auth.js lists
    /// after it (`AUTH_SECRET_1`, …): Auth.js then hashes links with the list joined by
    /// `,`, and so does this service.
    pub fn secret(mut self, secret: impl Into<String>) -> Self {
        self.secrets.0.push(secret.into());
        self
    }

    /// The site's URL (Auth.js's `AUTH_URL` without the base path), required: links are
    /// `{site_url}{base_path}/callback/{provider_id}?callbackUrl=…&token=…&email=…`, and
    /// callback URLs must be on its origin.
    pub fn site_url(mut self, url: impl Into<String>) -> Self {
        self.site_url = Some(url.into());
        self
    }

    /// Where Auth.js's routes are mounted (default [`BASE_PATH`], `/api/auth`; `@auth/core`
    /// alone uses `/auth`).
    pub fn base_path(mut self, path: impl Into<String>) -> Self {
        self.base_path = path.into();
        self
    }

    /// The id of the Auth.js email provider links name (default `email`, the id of Auth.js's
    /// Nodemailer and custom email providers unless they set another).
    pub fn provider_id(mut self, id: impl Into<String>) -> Self {
        self.provider_id = id.into();
        self
    }

    /// The name messages sign in to (default: the site URL's host).
    pub fn site_name(mut self, name: impl Into<String>) -> Self {
        self.site_name = Some(name.into());
        self
    }

    /// What codes look like (default 6 digits).
    pub fn code_format(mut self, format: CodeFormat) -> Self {
        self.code_format = format;
        self
    }

    /// How long a code works (default [`CODE_MAX_AGE`], 10 minutes).
    pub fn code_max_age(mut self, max_age: TimeDelta) -> Self {
        self.code_max_age = max_age;
        self
    }

    /// How long a link works (default Auth.js's 24 hours, its email provider's `maxAge`).
    pub fn link_max_age(mut self, max_age: TimeDelta) -> Self {
        self.link_max_age = max_age;
        self
    }

    /// The lifetime of the sessions a sign-in creates (Auth.js's `session.maxAge`).
    pub fn policy(mut self, policy: SessionPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The attempt and rate limits (default [`Limits::default`]).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The region (ISO 3166 alpha-2, `"DE"`) of phone numbers written without a country
    /// code. Default: none, every number must start with `+` or `00`.
    pub fn default_region(mut self, region: impl Into<String>) -> Self {
        self.default_region = Some(region.into());
        self
    }

    /// Whether this is a production deployment (default `false`): then the site URL must be
    /// `https://`. Senders read it through [`Passwordless::is_production`] (the development
    /// console sender refuses to run in production).
    pub fn production(mut self, production: bool) -> Self {
        self.production = production;
        self
    }

    /// Checks every setting and builds the service.
    pub fn build(self) -> Result<Passwordless, ConfigError> {
        let secrets = self.secrets.0;
        if secrets.iter().any(String::is_empty) {
            return Err(ConfigError::EmptySecret);
        }
        let Some(first) = secrets.first() else {
            return Err(ConfigError::MissingSecret);
        };
        let url = self.site_url.ok_or(ConfigError::MissingSiteUrl)?;
        let site = Site::new(&url, &self.base_path, &self.provider_id)?;
        if self.production && !site.is_https() {
            return Err(ConfigError::InsecureSiteUrl);
        }
        let year = TimeDelta::days(366);
        let lifetime_ok = |d: TimeDelta| d > TimeDelta::zero() && d <= year;
        if !lifetime_ok(self.code_max_age) {
            return Err(ConfigError::Lifetime("code lifetime"));
        }
        if !lifetime_ok(self.link_max_age) {
            return Err(ConfigError::Lifetime("link lifetime"));
        }
        if !lifetime_ok(self.policy.max_age) {
            return Err(ConfigError::Lifetime("session max age"));
        }
        if let Some(name) = self.limits.invalid() {
            return Err(ConfigError::Limit(name));
        }
        let region = match &self.default_region {
            None => None,
            Some(code) => Some(Region::parse(code).ok_or(ConfigError::Region)?),
        };
        let site_name = self.site_name.unwrap_or_else(|| site.host().to_owned());
        Ok(Passwordless {
            inner: Arc::new(Inner {
                code_key: CodeKey::derive(first),
                link_secret: secrets.join(","),
                secret_count: secrets.len(),
                adapter: self.adapter,
                counters: self.counters,
                sender: self.sender,
                site,
                site_name,
                code_format: self.code_format,
                code_max_age: self.code_max_age,
                link_max_age: self.link_max_age,
                policy: self.policy,
                limits: self.limits,
                region,
                production: self.production,
            }),
        })
    }
}
