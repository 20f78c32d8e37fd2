//! Auth.js's "methods exist" tests. In Rust the trait guarantees every method exists, so
//! these call the methods and check their answers, for records that exist and for ones
//! nobody created.

use std::sync::Arc;

use auth_adapter_core::{AccountUpdate, Adapter, SessionUpdate, UserUpdate};

use crate::check::{ErrorKind, err, ok};
use crate::fixtures;

/// Auth.js #1 `Required (User, Account, Session) methods exist`: every required method
/// answers, with `None`/`NotFound` for records that do not exist.
pub async fn required_methods_exist(adapter: Arc<dyn Adapter>) {
    let user = fixtures::create_user(&adapter).await;
    let missing = fixtures::uuid();
    assert_eq!(ok(adapter.get_user(&missing).await, "get_user"), None);
    assert_eq!(
        ok(
            adapter.get_user_by_email(&fixtures::unique_email()).await,
            "get_user_by_email"
        ),
        None
    );
    assert_eq!(
        ok(
            adapter.get_user_by_account("github", &missing).await,
            "get_user_by_account"
        ),
        None
    );
    let updated = ok(
        adapter
            .update_user(UserUpdate::new(&user.id).name(Some("Bill".into())))
            .await,
        "update_user",
    );
    assert_eq!(updated.name.as_deref(), Some("Bill"));
    let account = fixtures::account(&user.id);
    assert_eq!(
        ok(adapter.link_account(account.clone()).await, "link_account"),
        account
    );
    let session = fixtures::session(&user.id);
    assert_eq!(
        ok(
            adapter.create_session(session.clone()).await,
            "create_session"
        ),
        session
    );
    assert_eq!(
        ok(
            adapter.get_session_and_user(&missing).await,
            "get_session_and_user"
        ),
        None
    );
    assert_eq!(
        ok(
            adapter
                .update_session(SessionUpdate::new(&missing, fixtures::one_month_from_now()))
                .await,
            "update_session"
        ),
        None
    );
    assert_eq!(
        ok(adapter.delete_session(&missing).await, "delete_session"),
        None
    );
    err(
        adapter
            .update_user(UserUpdate::new(&missing).name(None))
            .await,
        ErrorKind::NotFound,
        "update_user of a user that does not exist",
    );

    // The rest of the trait, once each, so a backend cannot leave one unimplemented.
    assert_eq!(
        ok(
            adapter
                .get_account(&account.provider, &account.provider_account_id)
                .await,
            "get_account"
        ),
        Some(account.clone())
    );
    let refreshed = ok(
        adapter
            .update_account(
                AccountUpdate::new(&account.provider, &account.provider_account_id)
                    .scope(Some("user repo".into())),
            )
            .await,
        "update_account",
    );
    assert_eq!(refreshed.scope.as_deref(), Some("user repo"));
    let authenticator = fixtures::authenticator(&user.id, Some("internal"));
    assert_eq!(
        ok(
            adapter.create_authenticator(authenticator.clone()).await,
            "create_authenticator"
        ),
        authenticator
    );
    assert_eq!(
        ok(
            adapter
                .get_authenticator(&authenticator.credential_id)
                .await,
            "get_authenticator"
        ),
        Some(authenticator.clone())
    );
    assert_eq!(
        ok(
            adapter.list_authenticators_by_user_id(&user.id).await,
            "list_authenticators_by_user_id"
        ),
        vec![authenticator.clone()]
    );
    let counted = ok(
        adapter
            .update_authenticator_counter(&authenticator.credential_id, 43)
            .await,
        "update_authenticator_counter",
    );
    assert_eq!(counted.counter, 43);
    ok(
        adapter.delete_expired(fixtures::now_ms()).await,
        "delete_expired",
    );
    assert_eq!(
        ok(
            adapter.delete_sessions_by_user_id(&user.id).await,
            "delete_sessions_by_user_id"
        ),
        1
    );
    assert_eq!(
        ok(
            adapter
                .unlink_account(&account.provider, &account.provider_account_id)
                .await,
            "unlink_account"
        ),
        Some(refreshed)
    );
    assert_eq!(
        ok(adapter.delete_user(&user.id).await, "delete_user"),
        Some(updated)
    );
}

/// Auth.js #12 `Verification Token methods exist`: both token methods answer.
pub async fn verification_token_methods_exist(adapter: Arc<dyn Adapter>) {
    let token = fixtures::verification_token(&fixtures::unique_email());
    assert_eq!(
        ok(
            adapter.create_verification_token(token.clone()).await,
            "create_verification_token"
        ),
        token
    );
    assert_eq!(
        ok(
            adapter
                .use_verification_token(&fixtures::unique_email(), &token.token)
                .await,
            "use_verification_token with another identifier"
        ),
        None
    );
    assert_eq!(
        ok(
            adapter
                .use_verification_token(&token.identifier, &token.token)
                .await,
            "use_verification_token"
        ),
        Some(token)
    );
}

/// Auth.js #15 `Future methods exist`: `unlink_account` and `delete_user` answer `None`
/// for records that do not exist.
pub async fn future_methods_exist(adapter: Arc<dyn Adapter>) {
    assert_eq!(
        ok(
            adapter.unlink_account("github", &fixtures::uuid()).await,
            "unlink_account of a missing account"
        ),
        None
    );
    assert_eq!(
        ok(
            adapter.delete_user(&fixtures::uuid()).await,
            "delete_user of a missing user"
        ),
        None
    );
}
