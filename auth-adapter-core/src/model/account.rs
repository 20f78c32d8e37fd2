use std::fmt;

use serde::{Deserialize, Serialize};

use crate::redact::Redacted;

/// The kind of an account, as Auth.js writes it in the `type` column.
///
/// Reading never fails: a value written by another client is kept in
/// [`AccountType::Other`].
///
/// ```
/// use auth_adapter_core::AccountType;
/// assert_eq!(AccountType::from("oidc"), AccountType::Oidc);
/// assert_eq!(AccountType::from("saml").as_str(), "saml");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum AccountType {
    /// `"oauth"`
    Oauth,
    /// `"oidc"`
    Oidc,
    /// `"email"`
    Email,
    /// `"webauthn"`
    Webauthn,
    /// Any other value found in the store.
    Other(String),
}

impl AccountType {
    /// The stored string.
    pub fn as_str(&self) -> &str {
        match self {
            AccountType::Oauth => "oauth",
            AccountType::Oidc => "oidc",
            AccountType::Email => "email",
            AccountType::Webauthn => "webauthn",
            AccountType::Other(s) => s,
        }
    }
}

impl From<&str> for AccountType {
    fn from(s: &str) -> Self {
        match s {
            "oauth" => AccountType::Oauth,
            "oidc" => AccountType::Oidc,
            "email" => AccountType::Email,
            "webauthn" => AccountType::Webauthn,
            other => AccountType::Other(other.to_owned()),
        }
    }
}

impl From<String> for AccountType {
    fn from(s: String) -> Self {
        match AccountType::from(s.as_str()) {
            AccountType::Other(_) => AccountType::Other(s),
            known => known,
        }
    }
}

impl From<AccountType> for String {
    fn from(t: AccountType) -> Self {
        match t {
            AccountType::Other(s) => s,
            known => known.as_str().to_owned(),
        }
    }
}

impl fmt::Display for AccountType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An account linked to a user (OAuth/OIDC provider, email or WebAuthn).
///
/// Auth.js-owned fields serialize in camelCase (`userId`, `providerAccountId`), OAuth token
/// fields in snake_case (`access_token`, `expires_at`), exactly as Auth.js stores them.
/// `Debug` redacts the tokens.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdapterAccount {
    /// The owning user.
    #[serde(rename = "userId")]
    pub user_id: String,
    /// The account kind.
    #[serde(rename = "type")]
    pub account_type: AccountType,
    /// Provider id, e.g. `"github"`.
    pub provider: String,
    /// The user's id at the provider.
    #[serde(rename = "providerAccountId")]
    pub provider_account_id: String,
    /// OAuth refresh token (secret).
    pub refresh_token: Option<String>,
    /// OAuth access token (secret).
    pub access_token: Option<String>,
    /// Access token expiry, **seconds** since the Unix epoch.
    pub expires_at: Option<i64>,
    /// Token type, e.g. `"bearer"`.
    pub token_type: Option<String>,
    /// Granted scopes.
    pub scope: Option<String>,
    /// OIDC id token (secret).
    pub id_token: Option<String>,
    /// Provider session state.
    pub session_state: Option<String>,
}

impl AdapterAccount {
    /// An account with no tokens.
    pub fn new(
        user_id: impl Into<String>,
        account_type: AccountType,
        provider: impl Into<String>,
        provider_account_id: impl Into<String>,
    ) -> Self {
        AdapterAccount {
            user_id: user_id.into(),
            account_type,
            provider: provider.into(),
            provider_account_id: provider_account_id.into(),
            refresh_token: None,
            access_token: None,
            expires_at: None,
            token_type: None,
            scope: None,
            id_token: None,
            session_state: None,
        }
    }
}

impl fmt::Debug for AdapterAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdapterAccount")
            .field("user_id", &self.user_id)
            .field("account_type", &self.account_type)
            .field("provider", &self.provider)
            .field("provider_account_id", &self.provider_account_id)
            .field("refresh_token", &Redacted(&self.refresh_token))
            .field("access_token", &Redacted(&self.access_token))
            .field("expires_at", &self.expires_at)
            .field("token_type", &self.token_type)
            .field("scope", &self.scope)
            .field("id_token", &Redacted(&self.id_token))
            .field("session_state", &self.session_state)
            .finish()
    }
}

/// A partial update of an account's token fields (token refresh): `None` keeps a field,
/// `Some(None)` clears it. The account is found by `(provider, provider_account_id)`.
#[derive(Clone, PartialEq, Eq)]
pub struct AccountUpdate {
    /// Provider id.
    pub provider: String,
    /// The user's id at the provider.
    pub provider_account_id: String,
    /// New refresh token.
    pub refresh_token: Option<Option<String>>,
    /// New access token.
    pub access_token: Option<Option<String>>,
    /// New expiry (seconds since the epoch).
    pub expires_at: Option<Option<i64>>,
    /// New token type.
    pub token_type: Option<Option<String>>,
    /// New scopes.
    pub scope: Option<Option<String>>,
    /// New id token.
    pub id_token: Option<Option<String>>,
    /// New session state.
    pub session_state: Option<Option<String>>,
}

impl AccountUpdate {
    /// An update of the account `(provider, provider_account_id)` that changes nothing yet.
    pub fn new(provider: impl Into<String>, provider_account_id: impl Into<String>) -> Self {
        AccountUpdate {
            provider: provider.into(),
            provider_account_id: provider_account_id.into(),
            refresh_token: None,
            access_token: None,
            expires_at: None,
            token_type: None,
            scope: None,
            id_token: None,
            session_state: None,
        }
    }

    /// Sets (or clears) the refresh token.
    pub fn refresh_token(mut self, v: Option<String>) -> Self {
        self.refresh_token = Some(v);
        self
    }

    /// Sets (or clears) the access token.
    pub fn access_token(mut self, v: Option<String>) -> Self {
        self.access_token = Some(v);
        self
    }

    /// Sets (or clears) the expiry, in seconds since the epoch.
    pub fn expires_at(mut self, v: Option<i64>) -> Self {
        self.expires_at = Some(v);
        self
    }

    /// Sets (or clears) the token type.
    pub fn token_type(mut self, v: Option<String>) -> Self {
        self.token_type = Some(v);
        self
    }

    /// Sets (or clears) the scopes.
    pub fn scope(mut self, v: Option<String>) -> Self {
        self.scope = Some(v);
        self
    }

    /// Sets (or clears) the id token.
    pub fn id_token(mut self, v: Option<String>) -> Self {
        self.id_token = Some(v);
        self
    }

    /// Sets (or clears) the session state.
    pub fn session_state(mut self, v: Option<String>) -> Self {
        self.session_state = Some(v);
        self
    }

    /// Applies this update to `account`.
    pub fn apply_to(&self, account: &mut AdapterAccount) {
        fn set<T: Clone>(dst: &mut Option<T>, src: &Option<Option<T>>) {
            if let Some(v) = src {
                dst.clone_from(v);
            }
        }
        set(&mut account.refresh_token, &self.refresh_token);
        set(&mut account.access_token, &self.access_token);
        set(&mut account.expires_at, &self.expires_at);
        set(&mut account.token_type, &self.token_type);
        set(&mut account.scope, &self.scope);
        set(&mut account.id_token, &self.id_token);
        set(&mut account.session_state, &self.session_state);
    }
}

impl fmt::Debug for AccountUpdate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccountUpdate")
            .field("provider", &self.provider)
            .field("provider_account_id", &self.provider_account_id)
            .field("refresh_token", &Redacted(&self.refresh_token))
            .field("access_token", &Redacted(&self.access_token))
            .field("expires_at", &self.expires_at)
            .field("token_type", &self.token_type)
            .field("scope", &self.scope)
            .field("id_token", &Redacted(&self.id_token))
            .field("session_state", &self.session_state)
            .finish()
    }
}
