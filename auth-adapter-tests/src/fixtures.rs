//! Test data: the Auth.js default fixtures, with unique keys so cases can share a store.
//!
//! Every date here is millisecond-aligned (backends keep milliseconds), and every key
//! (email, token, provider account id, credential id) carries a fresh UUID.

use std::sync::Arc;

use auth_adapter_core::backend::dates::truncate_to_millis;
use auth_adapter_core::{
    AccountType, Adapter, AdapterAccount, AdapterAuthenticator, AdapterSession, AdapterUser,
    NewUser, VerificationToken,
};
use chrono::{DateTime, TimeDelta, Utc};

/// Auth.js `ONE_MONTH` in seconds (30 days), the fixture account's `expires_at`.
pub const ONE_MONTH_SECS: i64 = 30 * 24 * 60 * 60;

/// A fresh UUID v4 as text.
pub fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// `prefix` followed by a fresh UUID, e.g. `"session-…"`.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid())
}

/// A fresh email address that no other case uses.
pub fn unique_email() -> String {
    format!("{}@example.com", uuid())
}

/// Now, truncated to whole milliseconds.
pub fn now_ms() -> DateTime<Utc> {
    truncate_to_millis(Utc::now())
}

/// Now plus `delta`, truncated to whole seconds (as Auth.js's `ONE_WEEK_FROM_NOW` etc.).
pub fn from_now_secs(delta: TimeDelta) -> DateTime<Utc> {
    auth_adapter_core::backend::dates::truncate_to_seconds(Utc::now() + delta)
}

/// Auth.js `ONE_WEEK_FROM_NOW`.
pub fn one_week_from_now() -> DateTime<Utc> {
    from_now_secs(TimeDelta::days(7))
}

/// Auth.js `ONE_MONTH_FROM_NOW`.
pub fn one_month_from_now() -> DateTime<Utc> {
    from_now_secs(TimeDelta::days(30))
}

/// Auth.js `FIFTEEN_MINUTES_FROM_NOW`.
pub fn fifteen_minutes_from_now() -> DateTime<Utc> {
    from_now_secs(TimeDelta::minutes(15))
}

/// An `expires` in the past (now minus `minutes`) that keeps its milliseconds, or whole
/// seconds where the backend's [`Limits`](crate::Limits) store `expires` so.
pub fn minutes_ago(minutes: i64) -> DateTime<Utc> {
    crate::limits::current().expires(truncate_to_millis(Utc::now() - TimeDelta::minutes(minutes)))
}

/// The Auth.js default user fixture (`Fill Murray`), with a unique email and an
/// `email_verified` that keeps its milliseconds.
pub fn new_user() -> NewUser {
    NewUser {
        name: Some("Fill Murray".to_owned()),
        email: Some(unique_email()),
        email_verified: Some(now_ms()),
        image: Some("https://www.fillmurray.com/460/300".to_owned()),
    }
}

/// The user `new_user` describes, as the store should return it with the id `id`.
pub fn as_stored(id: &str, user: &NewUser) -> AdapterUser {
    AdapterUser {
        id: id.to_owned(),
        name: user.name.clone(),
        email: user.email.clone(),
        email_verified: user.email_verified,
        image: user.image.clone(),
    }
}

/// Creates a [`new_user`] and checks the store returned every field as given.
pub async fn create_user(adapter: &Arc<dyn Adapter>) -> AdapterUser {
    let input = new_user();
    let user = adapter
        .create_user(input.clone())
        .await
        .expect("create_user of a fresh fixture user failed");
    assert_eq!(
        user,
        as_stored(&user.id, &input),
        "create_user must return the user as given, with its new id"
    );
    user
}

/// The Auth.js default session fixture for `user_id`: a UUID token that expires one week
/// from now.
pub fn session(user_id: &str) -> AdapterSession {
    AdapterSession {
        session_token: uuid(),
        user_id: user_id.to_owned(),
        expires: one_week_from_now(),
    }
}

/// The Auth.js default account fixture for `user_id` (GitHub, every token set).
pub fn account(user_id: &str) -> AdapterAccount {
    AdapterAccount {
        user_id: user_id.to_owned(),
        account_type: AccountType::Oauth,
        provider: "github".to_owned(),
        provider_account_id: uuid(),
        refresh_token: Some(uuid()),
        access_token: Some(uuid()),
        expires_at: Some(ONE_MONTH_SECS),
        token_type: Some("bearer".to_owned()),
        scope: Some("user".to_owned()),
        id_token: Some(uuid()),
        session_state: Some(uuid()),
    }
}

/// A verification token for `identifier` (a hashed-looking unique token, expiring in
/// fifteen minutes).
pub fn verification_token(identifier: &str) -> VerificationToken {
    VerificationToken {
        identifier: identifier.to_owned(),
        token: auth_adapter_core::hash_verification_token(&uuid(), "anything"),
        expires: fifteen_minutes_from_now(),
    }
}

/// An authenticator of `user_id` as Auth.js's tests build it, with a unique credential id
/// that is also its `provider_account_id`.
pub fn authenticator(user_id: &str, transports: Option<&str>) -> AdapterAuthenticator {
    let credential_id = uuid();
    AdapterAuthenticator {
        provider_account_id: credential_id.clone(),
        credential_id,
        user_id: user_id.to_owned(),
        credential_public_key: uuid(),
        counter: 42,
        credential_device_type: "platform".to_owned(),
        credential_backed_up: true,
        transports: transports.map(str::to_owned),
    }
}

/// Links the `webauthn` account for `authenticator` and creates the authenticator, as
/// Auth.js registration does; checks both are returned as given. Returns whether the
/// account was linked: always, except where the backend's [`Limits`](crate::Limits) allow
/// one account per user and the user has one already (then linking must be `Conflict`,
/// and the authenticator is created without it).
pub async fn register_authenticator(
    adapter: &Arc<dyn Adapter>,
    authenticator: &AdapterAuthenticator,
) -> bool {
    let account = AdapterAccount::new(
        &authenticator.user_id,
        AccountType::Webauthn,
        "webauthn",
        &authenticator.provider_account_id,
    );
    let linked = match adapter.link_account(account.clone()).await {
        Err(e) if e.is_conflict() && crate::limits::current().one_account_per_user => None,
        linked => Some(linked.expect("link_account of the webauthn account failed")),
    };
    if let Some(linked) = &linked {
        assert_eq!(
            linked, &account,
            "link_account must return the account as given"
        );
    }
    let created = adapter
        .create_authenticator(authenticator.clone())
        .await
        .expect("create_authenticator failed");
    assert_eq!(
        &created, authenticator,
        "create_authenticator must return the authenticator as given"
    );
    linked.is_some()
}

/// Sorts authenticators by credential id, to compare lists that come in no particular order.
pub fn sorted(mut list: Vec<AdapterAuthenticator>) -> Vec<AdapterAuthenticator> {
    list.sort_by(|a, b| a.credential_id.cmp(&b.credential_id));
    list
}
