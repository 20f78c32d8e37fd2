//! [`TokenStore`]: tokens bound to an account, kept as keyed hashes; the storage of
//! API-key style sign-in (`Authorization: Bearer aa_…`, BosBase's `auth-with-token`).

use std::fmt::{self, Debug};
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::backend::dates::truncate_to_millis;
use crate::bound_token::{BoundToken, TokenHash, TokenSecret};
use crate::error::Result;
use crate::model::AdapterUser;

/// How often a token's [`last_used_at`](TokenBinding::last_used_at) is written at most: a
/// use within this time of the recorded one leaves it as it is, so authenticating writes
/// nothing on most requests.
pub const LAST_USED_INTERVAL: TimeDelta = TimeDelta::seconds(60);

/// The most scopes a binding holds.
pub const MAX_SCOPES: usize = 64;

/// The longest display prefix a binding stores, in characters.
pub const MAX_DISPLAY_PREFIX_CHARS: usize = 32;

/// A bound token as its owner sees it in a list: everything but the token and its hash.
///
/// Serializes in camelCase with ISO-8601 dates (`createdAt`, `lastUsedAt`, `expires`), the
/// shape an HTTP listing answers with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenBinding {
    /// The binding's id (a UUID the store assigned): what revoking names.
    pub id: String,
    /// The user the token signs in.
    pub user_id: String,
    /// The realm it was bound in (`users`, `_superusers`, …): it authenticates there only.
    pub realm: String,
    /// A name its owner gave it ("CI deploy").
    pub name: Option<String>,
    /// The start of the token, to tell tokens apart (`aa_Vq3X`, show it as `aa_Vq3X…`).
    pub display_prefix: String,
    /// What the token may do, as the application names it; the store only keeps them.
    pub scopes: Vec<String>,
    /// When it was bound.
    #[serde(with = "crate::backend::dates")]
    pub created_at: DateTime<Utc>,
    /// When it last authenticated, to within [`LAST_USED_INTERVAL`]; `None` if never.
    #[serde(with = "crate::backend::dates::option")]
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it stops authenticating; `None` for never.
    #[serde(with = "crate::backend::dates::option")]
    pub expires: Option<DateTime<Utc>>,
}

impl TokenBinding {
    /// Whether the binding holds `scope` (exactly, compared as text).
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    /// Whether the binding has expired at `now`: its `expires` is at or before `now`.
    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        self.expires.is_some_and(|e| e <= now)
    }
}

/// Whether a use at `now` writes `last_used_at`: never written, or written
/// [`LAST_USED_INTERVAL`] or longer before `now`. For backends.
pub fn last_use_is_due(last_used_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    last_used_at.is_none_or(|last| last <= now - LAST_USED_INTERVAL)
}

/// A token to bind: its hash (never the token), where and to whom, and what it may do.
///
/// ```
/// use auth_adapter_core::{NewTokenBinding, TokenFormat, TokenSecret};
/// use chrono::{TimeDelta, Utc};
///
/// let secret = TokenSecret::new("the AUTH_SECRET of the app")?;
/// let token = TokenFormat::default().generate(); // shown to the user once
/// let binding = NewTokenBinding::new("42", "users", &token, &secret)
///     .name("CI deploy")
///     .scopes(["read", "deploy"])
///     .expires(Utc::now() + TimeDelta::days(90));
/// assert_eq!(binding.token_hash, secret.hash(&token));
/// assert_eq!(binding.display_prefix, token.display_prefix());
/// # Ok::<(), auth_adapter_core::AdapterError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct NewTokenBinding {
    /// The user the token signs in; must exist.
    pub user_id: String,
    /// The realm it is bound in: 1 to 255 characters, no NUL.
    pub realm: String,
    /// The token's keyed hash ([`TokenSecret::hash`]): unique within the realm.
    pub token_hash: TokenHash,
    /// [`BoundToken::display_prefix`]: 1 to [`MAX_DISPLAY_PREFIX_CHARS`] characters.
    pub display_prefix: String,
    /// A name for it: 1 to 255 characters, no NUL.
    pub name: Option<String>,
    /// Up to [`MAX_SCOPES`] scopes, each 1 to 255 characters without NUL or white space,
    /// kept in the given order.
    pub scopes: Vec<String>,
    /// When it is bound (stored to the millisecond).
    pub created_at: DateTime<Utc>,
    /// When it stops authenticating: after `created_at`; `None` for never.
    pub expires: Option<DateTime<Utc>>,
}

impl NewTokenBinding {
    /// `token`, hashed with `secret`, for `user_id` in `realm`, bound now, with no name,
    /// no scopes and no expiry.
    pub fn new(
        user_id: impl Into<String>,
        realm: impl Into<String>,
        token: &BoundToken,
        secret: &TokenSecret,
    ) -> Self {
        NewTokenBinding {
            user_id: user_id.into(),
            realm: realm.into(),
            token_hash: secret.hash(token),
            display_prefix: token.display_prefix(),
            name: None,
            scopes: Vec::new(),
            created_at: truncate_to_millis(Utc::now()),
            expires: None,
        }
    }

    /// Names the token.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets its scopes.
    pub fn scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Sets when it stops authenticating.
    pub fn expires(mut self, expires: DateTime<Utc>) -> Self {
        self.expires = Some(expires);
        self
    }
}

impl fmt::Debug for NewTokenBinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewTokenBinding")
            .field("user_id", &self.user_id)
            .field("realm", &self.realm)
            .field("token_hash", &self.token_hash)
            .field("display_prefix", &self.display_prefix)
            .field("name", &self.name)
            .field("scopes", &self.scopes)
            .field("created_at", &self.created_at)
            .field("expires", &self.expires)
            .finish()
    }
}

/// Tokens bound to users, kept as keyed hashes, beside the [`Adapter`](crate::Adapter)'s
/// users (a backend implements both on the same store).
///
/// The caller owns the server secret and the token: it makes or checks the token with a
/// [`TokenFormat`](crate::TokenFormat), hashes it with its [`TokenSecret`], and gives the
/// store the [`TokenHash`]. The store never sees either, so nothing it holds or logs can
/// authenticate.
///
/// ```
/// # #[cfg(feature = "memory")]
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
/// use auth_adapter_core::{
///     Adapter, MemoryAdapter, NewTokenBinding, NewUser, TokenFormat, TokenSecret, TokenStore,
/// };
/// use chrono::Utc;
///
/// let store = MemoryAdapter::new();
/// let (format, secret) = (TokenFormat::default(), TokenSecret::new("AUTH_SECRET")?);
/// let user = store.create_user(NewUser::with_email("ada@example.com")).await?;
///
/// // Bind: generate, show once, keep the hash.
/// let token = format.generate();
/// let shown_once = token.expose_secret().to_owned();
/// let bound = store
///     .bind_token(NewTokenBinding::new(&user.id, "users", &token, &secret).scopes(["read"]))
///     .await?;
///
/// // Every request: check offline, hash, one lookup.
/// let presented = format.accept(&shown_once)?;
/// let (binding, who) = store
///     .authenticate("users", &secret.hash(&presented), Utc::now())
///     .await?
///     .ok_or("unknown, expired or revoked token")?;
/// assert_eq!((binding.id.as_str(), who.id.as_str()), (bound.id.as_str(), user.id.as_str()));
/// assert!(binding.has_scope("read"));
/// // Another realm never knows it.
/// assert!(store.authenticate("_superusers", &secret.hash(&presented), Utc::now()).await?.is_none());
///
/// store.revoke_token(&user.id, &bound.id).await?;
/// assert!(store.authenticate("users", &secret.hash(&presented), Utc::now()).await?.is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })
/// # }
/// # #[cfg(not(feature = "memory"))]
/// # fn main() {}
/// ```
///
/// # Contract
/// - A binding is unique by `(realm, token_hash)`: binding a hash that is bound in the
///   realm already is [`Conflict`](crate::AdapterError::Conflict) (entity
///   [`BoundToken`](crate::Entity::BoundToken)) and leaves the existing binding exactly as
///   it was: a token never moves to another user (BosBase's upsert does). The same token
///   may be bound in two realms, as two bindings.
/// - [`authenticate`](Self::authenticate) is one round trip on every backend (the
///   per-request path), answers `None` for an unknown hash, another realm's binding, an
///   expired binding (`expires <= now`) and a revoked one, and records the use in
///   `last_used_at` at most once per [`LAST_USED_INTERVAL`] per token (never when `now`
///   is earlier than the recorded use), in the same round trip.
/// - A user's bindings go with the user: [`Adapter::delete_user`](crate::Adapter::delete_user)
///   removes them in the same atomic operation, on every backend.
/// - Binding checks its input first: an unknown user is
///   [`NotFound`](crate::AdapterError::NotFound) (entity `User`); an empty or NUL-holding
///   or oversize realm, name, display prefix or scope, more than [`MAX_SCOPES`] scopes, a
///   date outside the stored range or an `expires` not after `created_at` is
///   [`InvalidInput`](crate::AdapterError::InvalidInput) with nothing stored. Lookups with
///   impossible keys (an empty realm, a user id the store cannot hold) answer `None` or
///   nothing.
/// - Times are the caller's (`now` arguments, `created_at`), taken to the millisecond.
/// - An expired binding stays listed, with its past `expires`, until
///   [`purge_expired_tokens`](Self::purge_expired_tokens) removes it, or is not listed at
///   all on a backend that drops it when it expires (Redis with TTLs); it never
///   authenticates.
/// - A backend keeps bindings apart from the Auth.js data (its own table or keys), so the
///   Auth.js adapters keep working on the same store.
#[async_trait]
pub trait TokenStore: Debug + Send + Sync + 'static {
    /// Binds a token to a user in a realm; returns the binding with its new id.
    async fn bind_token(&self, binding: NewTokenBinding) -> Result<TokenBinding>;

    /// The binding of `token_hash` in `realm` and its user, if it authenticates at `now`;
    /// records the use (see the contract). The returned `last_used_at` is `now` when this
    /// call recorded the use, else the recorded one it read (under concurrent uses, possibly
    /// the one from just before another call recorded its own).
    async fn authenticate(
        &self,
        realm: &str,
        token_hash: &TokenHash,
        now: DateTime<Utc>,
    ) -> Result<Option<(TokenBinding, AdapterUser)>>;

    /// The user's bindings, in every realm, oldest first (by `created_at`, then `id`).
    async fn list_tokens(&self, user_id: &str) -> Result<Vec<TokenBinding>>;

    /// Removes the binding `token_id` if it belongs to `user_id` (another user's binding is
    /// left alone and answers `None`); returns it.
    async fn revoke_token(&self, user_id: &str, token_id: &str) -> Result<Option<TokenBinding>>;

    /// Removes every binding of the user, in every realm; returns how many.
    async fn revoke_all_tokens(&self, user_id: &str) -> Result<u64>;

    /// Removes the bindings expired at `now` (`expires <= now`); returns how many it
    /// removed (not those a backend already dropped by itself).
    async fn purge_expired_tokens(&self, now: DateTime<Utc>) -> Result<u64>;
}

macro_rules! forward_token_store {
    ($($ty:ty),*) => {$(
        #[async_trait]
        impl<T: TokenStore + ?Sized> TokenStore for $ty {
            async fn bind_token(&self, binding: NewTokenBinding) -> Result<TokenBinding> {
                (**self).bind_token(binding).await
            }
            async fn authenticate(
                &self,
                realm: &str,
                token_hash: &TokenHash,
                now: DateTime<Utc>,
            ) -> Result<Option<(TokenBinding, AdapterUser)>> {
                (**self).authenticate(realm, token_hash, now).await
            }
            async fn list_tokens(&self, user_id: &str) -> Result<Vec<TokenBinding>> {
                (**self).list_tokens(user_id).await
            }
            async fn revoke_token(
                &self,
                user_id: &str,
                token_id: &str,
            ) -> Result<Option<TokenBinding>> {
                (**self).revoke_token(user_id, token_id).await
            }
            async fn revoke_all_tokens(&self, user_id: &str) -> Result<u64> {
                (**self).revoke_all_tokens(user_id).await
            }
            async fn purge_expired_tokens(&self, now: DateTime<Utc>) -> Result<u64> {
                (**self).purge_expired_tokens(now).await
            }
        }
    )*};
}

forward_token_store!(Arc<T>, Box<T>);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_use_is_written_once_a_minute() {
        let t = DateTime::from_timestamp_millis(1_800_000_000_000).unwrap();
        assert!(last_use_is_due(None, t));
        assert!(!last_use_is_due(Some(t), t));
        assert!(!last_use_is_due(
            Some(t),
            t + TimeDelta::milliseconds(59_999)
        ));
        assert!(last_use_is_due(Some(t), t + LAST_USED_INTERVAL));
        assert!(!last_use_is_due(Some(t), t - TimeDelta::hours(1)));
    }

    #[test]
    fn bindings_serialize_in_camel_case_without_secrets() {
        let b = TokenBinding {
            id: "b1".into(),
            user_id: "u1".into(),
            realm: "users".into(),
            name: Some("CI".into()),
            display_prefix: "aa_Ab12".into(),
            scopes: vec!["read".into()],
            created_at: DateTime::from_timestamp_millis(0).unwrap(),
            last_used_at: None,
            expires: None,
        };
        let json = serde_json::to_string(&b).unwrap();
        assert_eq!(
            json,
            r#"{"id":"b1","userId":"u1","realm":"users","name":"CI","displayPrefix":"aa_Ab12","scopes":["read"],"createdAt":"1970-01-01T00:00:00.000Z","lastUsedAt":null,"expires":null}"#
        );
        assert!(b.has_scope("read") && !b.has_scope("write"));
        assert!(!b.is_expired(Utc::now()));
    }
}
