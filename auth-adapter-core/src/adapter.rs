//! The [`Adapter`] trait: the Auth.js adapter interface, async and object safe.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::error::Result;
use crate::model::{
    AccountUpdate, AdapterAccount, AdapterAuthenticator, AdapterSession, AdapterUser, ExpiredCount,
    NewUser, SessionUpdate, UserUpdate, VerificationToken,
};

/// The storage layer of Auth.js: every method of its `Adapter` interface under its
/// snake_case name, plus three that its users keep asking for
/// ([`delete_expired`](Adapter::delete_expired),
/// [`delete_sessions_by_user_id`](Adapter::delete_sessions_by_user_id),
/// [`update_account`](Adapter::update_account)).
///
/// The trait is object safe: frameworks hold an `Arc<dyn Adapter>` and never need to know
/// which store is behind it.
///
/// # The contract every backend keeps
///
/// - **Not there is not an error.** Lookups and deletes of a missing record return
///   `Ok(None)` (or an empty `Vec`), also for ids the store could never hold (a non-numeric
///   id on PostgreSQL, an empty string, a string with a NUL byte). Updates of a missing
///   record return [`AdapterError::NotFound`](crate::AdapterError::NotFound).
/// - **Unique keys.** A taken email, `(provider, provider_account_id)`, session token,
///   `(identifier, token)` or credential id is
///   [`AdapterError::Conflict`](crate::AdapterError::Conflict), and nothing is written.
/// - **References.** Creating a session, account or authenticator for a user that does not
///   exist is `NotFound` (entity `User`). [`delete_user`](Adapter::delete_user) removes the
///   user's accounts, sessions and authenticators in the same atomic write; verification
///   tokens are keyed by email and stay.
/// - **Input.** Writes are checked with [`validate`](crate::backend::validate) before they reach the
///   store: empty keys, NUL bytes and values over the Auth.js PostgreSQL column limits
///   (255 characters) are `InvalidInput`, on every backend alike.
/// - **Dates** round-trip to at least the millisecond.
/// - **Expiry.** As in Auth.js, sessions and tokens are stored and returned whatever their
///   `expires`; the caller decides (see [`SessionPolicy`](crate::SessionPolicy)). A backend
///   may also drop them once `expires` has passed (Redis does, by TTL); it never returns a
///   record with a changed `expires`. [`delete_expired`](Adapter::delete_expired) removes
///   every session and token whose `expires` is before `now`.
/// - **One round trip** for [`get_session_and_user`](Adapter::get_session_and_user), the
///   per-request path.
/// - **Single use.** Of N concurrent [`use_verification_token`](Adapter::use_verification_token)
///   calls for one token, exactly one gets it.
///
/// # Implementing a backend
///
/// 1. Implement every method with `#[async_trait]`; call the
///    [`validate`](crate::backend::validate) function for each write's input first.
/// 2. Map the store's unique violations to `Conflict`, missing references to `NotFound`, and
///    driver errors to `Backend` with [`AdapterError::transient`](crate::AdapterError::transient)
///    for connection failures.
/// 3. Prove it: in the backend's `tests/`, one call of `auth_adapter_tests::conformance_suite!`
///    with a function that returns a fresh, isolated store runs every conformance case and the
///    model check, with the same test names as every other backend.
///
/// ```
/// use std::sync::Arc;
/// use auth_adapter_core::Adapter;
///
/// // Anything that implements the trait can stand behind a trait object.
/// fn share(adapter: impl Adapter) -> Arc<dyn Adapter> {
///     Arc::new(adapter)
/// }
/// ```
#[async_trait]
pub trait Adapter: std::fmt::Debug + Send + Sync + 'static {
    /// Creates a user; the backend assigns the id. A taken email is `Conflict`.
    async fn create_user(&self, user: NewUser) -> Result<AdapterUser>;

    /// The user with this id, if any.
    async fn get_user(&self, id: &str) -> Result<Option<AdapterUser>>;

    /// The user with exactly this email (case-sensitive), if any.
    async fn get_user_by_email(&self, email: &str) -> Result<Option<AdapterUser>>;

    /// The user who owns the account `(provider, provider_account_id)`, if any.
    async fn get_user_by_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> Result<Option<AdapterUser>>;

    /// Changes the fields set in `update` and returns the whole user. A missing user is
    /// `NotFound`; an email taken by another user is `Conflict`.
    async fn update_user(&self, update: UserUpdate) -> Result<AdapterUser>;

    /// Deletes the user with its accounts, sessions and authenticators, atomically, and
    /// returns the user as it was.
    async fn delete_user(&self, id: &str) -> Result<Option<AdapterUser>>;

    /// Links an account to its user. A taken `(provider, provider_account_id)` is `Conflict`;
    /// an unknown user is `NotFound`.
    async fn link_account(&self, account: AdapterAccount) -> Result<AdapterAccount>;

    /// Removes the account and returns it.
    async fn unlink_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> Result<Option<AdapterAccount>>;

    /// The account `(provider, provider_account_id)`, if any. (Auth.js takes the arguments
    /// the other way round; Rust takes the provider first everywhere.)
    async fn get_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> Result<Option<AdapterAccount>>;

    /// Changes an account's token fields (after a token refresh) and returns the whole
    /// account. A missing account is `NotFound`.
    async fn update_account(&self, update: AccountUpdate) -> Result<AdapterAccount>;

    /// Creates a session. A taken token is `Conflict`; an unknown user is `NotFound`.
    async fn create_session(&self, session: AdapterSession) -> Result<AdapterSession>;

    /// The session with this token and its user, in one round trip.
    async fn get_session_and_user(
        &self,
        session_token: &str,
    ) -> Result<Option<(AdapterSession, AdapterUser)>>;

    /// Moves a session's end and returns the updated session, or `None` if there is none.
    async fn update_session(&self, update: SessionUpdate) -> Result<Option<AdapterSession>>;

    /// Deletes a session and returns it.
    async fn delete_session(&self, session_token: &str) -> Result<Option<AdapterSession>>;

    /// Deletes every session of a user ("sign out everywhere") and returns how many.
    async fn delete_sessions_by_user_id(&self, user_id: &str) -> Result<u64>;

    /// Stores a verification token (its `token` already hashed). A taken
    /// `(identifier, token)` is `Conflict`.
    async fn create_verification_token(
        &self,
        token: VerificationToken,
    ) -> Result<VerificationToken>;

    /// Deletes and returns the token matching both `identifier` and `token`: single use, and
    /// atomic under concurrency. Expiry is the caller's to check.
    async fn use_verification_token(
        &self,
        identifier: &str,
        token: &str,
    ) -> Result<Option<VerificationToken>>;

    /// Stores a WebAuthn authenticator. A taken credential id is `Conflict`; an unknown user
    /// is `NotFound`.
    async fn create_authenticator(
        &self,
        authenticator: AdapterAuthenticator,
    ) -> Result<AdapterAuthenticator>;

    /// The authenticator with this credential id, if any.
    async fn get_authenticator(&self, credential_id: &str) -> Result<Option<AdapterAuthenticator>>;

    /// Every authenticator of a user (empty for an unknown user), in no particular order.
    async fn list_authenticators_by_user_id(
        &self,
        user_id: &str,
    ) -> Result<Vec<AdapterAuthenticator>>;

    /// Sets an authenticator's signature counter and returns it. A missing credential is
    /// `NotFound`.
    async fn update_authenticator_counter(
        &self,
        credential_id: &str,
        counter: u32,
    ) -> Result<AdapterAuthenticator>;

    /// Deletes every session and verification token whose `expires` is before `now`.
    async fn delete_expired(&self, now: DateTime<Utc>) -> Result<ExpiredCount>;
}

/// Writes an `impl Adapter for $ty` that forwards every method to `**self`-style deref.
macro_rules! forward_adapter {
    ($(#[$meta:meta])* impl<$t:ident> for $ty:ty) => {
        $(#[$meta])*
        #[async_trait]
        impl<$t: Adapter + ?Sized> Adapter for $ty {
            async fn create_user(&self, user: NewUser) -> Result<AdapterUser> {
                (**self).create_user(user).await
            }
            async fn get_user(&self, id: &str) -> Result<Option<AdapterUser>> {
                (**self).get_user(id).await
            }
            async fn get_user_by_email(&self, email: &str) -> Result<Option<AdapterUser>> {
                (**self).get_user_by_email(email).await
            }
            async fn get_user_by_account(
                &self,
                provider: &str,
                provider_account_id: &str,
            ) -> Result<Option<AdapterUser>> {
                (**self).get_user_by_account(provider, provider_account_id).await
            }
            async fn update_user(&self, update: UserUpdate) -> Result<AdapterUser> {
                (**self).update_user(update).await
            }
            async fn delete_user(&self, id: &str) -> Result<Option<AdapterUser>> {
                (**self).delete_user(id).await
            }
            async fn link_account(&self, account: AdapterAccount) -> Result<AdapterAccount> {
                (**self).link_account(account).await
            }
            async fn unlink_account(
                &self,
                provider: &str,
                provider_account_id: &str,
            ) -> Result<Option<AdapterAccount>> {
                (**self).unlink_account(provider, provider_account_id).await
            }
            async fn get_account(
                &self,
                provider: &str,
                provider_account_id: &str,
            ) -> Result<Option<AdapterAccount>> {
                (**self).get_account(provider, provider_account_id).await
            }
            async fn update_account(&self, update: AccountUpdate) -> Result<AdapterAccount> {
                (**self).update_account(update).await
            }
            async fn create_session(&self, session: AdapterSession) -> Result<AdapterSession> {
                (**self).create_session(session).await
            }
            async fn get_session_and_user(
                &self,
                session_token: &str,
            ) -> Result<Option<(AdapterSession, AdapterUser)>> {
                (**self).get_session_and_user(session_token).await
            }
            async fn update_session(
                &self,
                update: SessionUpdate,
            ) -> Result<Option<AdapterSession>> {
                (**self).update_session(update).await
            }
            async fn delete_session(
                &self,
                session_token: &str,
            ) -> Result<Option<AdapterSession>> {
                (**self).delete_session(session_token).await
            }
            async fn delete_sessions_by_user_id(&self, user_id: &str) -> Result<u64> {
                (**self).delete_sessions_by_user_id(user_id).await
            }
            async fn create_verification_token(
                &self,
                token: VerificationToken,
            ) -> Result<VerificationToken> {
                (**self).create_verification_token(token).await
            }
            async fn use_verification_token(
                &self,
                identifier: &str,
                token: &str,
            ) -> Result<Option<VerificationToken>> {
                (**self).use_verification_token(identifier, token).await
            }
            async fn create_authenticator(
                &self,
                authenticator: AdapterAuthenticator,
            ) -> Result<AdapterAuthenticator> {
                (**self).create_authenticator(authenticator).await
            }
            async fn get_authenticator(
                &self,
                credential_id: &str,
            ) -> Result<Option<AdapterAuthenticator>> {
                (**self).get_authenticator(credential_id).await
            }
            async fn list_authenticators_by_user_id(
                &self,
                user_id: &str,
            ) -> Result<Vec<AdapterAuthenticator>> {
                (**self).list_authenticators_by_user_id(user_id).await
            }
            async fn update_authenticator_counter(
                &self,
                credential_id: &str,
                counter: u32,
            ) -> Result<AdapterAuthenticator> {
                (**self).update_authenticator_counter(credential_id, counter).await
            }
            async fn delete_expired(&self, now: DateTime<Utc>) -> Result<ExpiredCount> {
                (**self).delete_expired(now).await
            }
        }
    };
}

forward_adapter!(
    /// Forwards to the shared adapter.
    impl<T> for Arc<T>
);
forward_adapter!(
    /// Forwards to the boxed adapter.
    impl<T> for Box<T>
);
forward_adapter!(
    /// Forwards to the borrowed adapter.
    impl<T> for &'static T
);
