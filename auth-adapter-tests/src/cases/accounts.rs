//! Accounts: link, look up (by account and the user behind it), update tokens, unlink.

use std::sync::Arc;

use auth_adapter_core::{AccountType, AccountUpdate, Adapter, AdapterAccount, AdapterUser};

use crate::check::{ErrorKind, err, ok};
use crate::fixtures;

async fn user_and_account(adapter: &Arc<dyn Adapter>) -> (AdapterUser, AdapterAccount) {
    let user = fixtures::create_user(adapter).await;
    let account = fixtures::account(&user.id);
    assert_eq!(
        ok(adapter.link_account(account.clone()).await, "link_account"),
        account,
        "link_account must return the account as given"
    );
    (user, account)
}

/// Auth.js #9 `linkAccount`: every field (tokens, `expires_at` as a number) is stored.
pub async fn link_account(adapter: Arc<dyn Adapter>) {
    let (_, account) = user_and_account(&adapter).await;
    assert_eq!(
        ok(
            adapter
                .get_account(&account.provider, &account.provider_account_id)
                .await,
            "get_account"
        ),
        Some(account)
    );
}

/// Auth.js #10 `getUserByAccount`: an unknown account is `None`; a real one returns the
/// (current) user.
pub async fn get_user_by_account(adapter: Arc<dyn Adapter>) {
    let (user, account) = user_and_account(&adapter).await;
    assert_eq!(
        ok(
            adapter
                .get_user_by_account("invalid-provider", "invalid-provider-account-id")
                .await,
            "get_user_by_account of an unknown account"
        ),
        None
    );
    let user = ok(
        adapter
            .update_user(
                auth_adapter_core::UserUpdate::new(&user.id).name(Some("Updated Name".into())),
            )
            .await,
        "update_user",
    );
    assert_eq!(
        ok(
            adapter
                .get_user_by_account(&account.provider, &account.provider_account_id)
                .await,
            "get_user_by_account"
        ),
        Some(user)
    );
}

/// Auth.js #16 `unlinkAccount`: the account is gone (and was returned); the user stays.
pub async fn unlink_account(adapter: Arc<dyn Adapter>) {
    let (user, account) = user_and_account(&adapter).await;
    assert_eq!(
        ok(
            adapter
                .unlink_account(&account.provider, &account.provider_account_id)
                .await,
            "unlink_account"
        ),
        Some(account.clone()),
        "unlink_account must return the removed account"
    );
    assert_eq!(
        ok(
            adapter
                .get_account(&account.provider, &account.provider_account_id)
                .await,
            "get_account"
        ),
        None
    );
    assert_eq!(
        ok(
            adapter
                .get_user_by_account(&account.provider, &account.provider_account_id)
                .await,
            "get_user_by_account"
        ),
        None
    );
    assert_eq!(ok(adapter.get_user(&user.id).await, "get_user"), Some(user));
    assert_eq!(
        ok(
            adapter
                .unlink_account(&account.provider, &account.provider_account_id)
                .await,
            "unlink_account again"
        ),
        None
    );
}

/// Auth.js #18 `getAccount`: a token-less `auth0` account is found only by its exact
/// `(provider, provider_account_id)`.
pub async fn get_account(adapter: Arc<dyn Adapter>) {
    let user = ok(
        adapter
            .create_user(auth_adapter_core::NewUser::with_email(
                fixtures::unique_email(),
            ))
            .await,
        "create_user",
    );
    let id = fixtures::uuid();
    let account = AdapterAccount::new(&user.id, AccountType::Oauth, "auth0", &id);
    assert_eq!(
        ok(adapter.link_account(account.clone()).await, "link_account"),
        account
    );
    for (provider, pid) in [
        ("invalid-provider", "invalid-provider-account-id"),
        ("invalid-provider", id.as_str()),
        ("auth0", "invalid-provider-account-id"),
    ] {
        assert_eq!(
            ok(adapter.get_account(provider, pid).await, "get_account"),
            None,
            "get_account({provider:?}, {pid:?}) must be None"
        );
    }
    assert_eq!(
        ok(adapter.get_account("auth0", &id).await, "get_account"),
        Some(account)
    );
}

/// A taken `(provider, provider_account_id)` is `Conflict`, also for another user; the
/// first account is unchanged.
pub async fn link_account_duplicate_is_conflict(adapter: Arc<dyn Adapter>) {
    let (user, account) = user_and_account(&adapter).await;
    let other = fixtures::create_user(&adapter).await;
    for owner in [&user, &other] {
        let dup = AdapterAccount {
            user_id: owner.id.clone(),
            access_token: Some(fixtures::uuid()),
            ..account.clone()
        };
        let e = err(
            adapter.link_account(dup.clone()).await,
            ErrorKind::Conflict,
            "link_account with a taken (provider, providerAccountId)",
        );
        crate::check::error_hides(
            &e,
            dup.access_token.as_deref().unwrap_or_default(),
            "account conflict",
        );
    }
    assert_eq!(
        ok(
            adapter
                .get_account(&account.provider, &account.provider_account_id)
                .await,
            "get_account"
        ),
        Some(account.clone())
    );
    assert_eq!(
        ok(
            adapter
                .get_user_by_account(&account.provider, &account.provider_account_id)
                .await,
            "get_user_by_account"
        ),
        Some(user)
    );
    // The same provider account id at another provider is another account.
    let elsewhere = AdapterAccount {
        provider: "gitlab".into(),
        user_id: other.id.clone(),
        ..account
    };
    assert_eq!(
        ok(
            adapter.link_account(elsewhere.clone()).await,
            "link_account"
        ),
        elsewhere
    );
}

/// Linking an account to a user that does not exist is `NotFound`, and nothing is stored.
pub async fn link_account_unknown_user_is_not_found(adapter: Arc<dyn Adapter>) {
    let user = fixtures::create_user(&adapter).await;
    ok(adapter.delete_user(&user.id).await, "delete_user");
    for user_id in [user.id.clone(), fixtures::uuid()] {
        let account = fixtures::account(&user_id);
        err(
            adapter.link_account(account.clone()).await,
            ErrorKind::NotFound,
            "link_account for an unknown user",
        );
        assert_eq!(
            ok(
                adapter
                    .get_account(&account.provider, &account.provider_account_id)
                    .await,
                "get_account"
            ),
            None,
            "an account for an unknown user was stored"
        );
    }
}

/// An account type Auth.js does not know (written by another client) round-trips as
/// `AccountType::Other`, and an account with no tokens keeps them all `None`.
/// (Each of another user where the layout allows one account per user.)
pub async fn account_type_other_round_trips(adapter: Arc<dyn Adapter>) {
    let mut user = fixtures::create_user(&adapter).await;
    for account_type in [
        AccountType::Other("custom".into()),
        AccountType::Oidc,
        AccountType::Email,
    ] {
        if crate::limits::current().one_account_per_user {
            user = fixtures::create_user(&adapter).await;
        }
        let account =
            AdapterAccount::new(&user.id, account_type, "custom-provider", fixtures::uuid());
        assert_eq!(
            ok(adapter.link_account(account.clone()).await, "link_account"),
            account
        );
        assert_eq!(
            ok(
                adapter
                    .get_account(&account.provider, &account.provider_account_id)
                    .await,
                "get_account"
            ),
            Some(account)
        );
    }
}

/// A user with several accounts is found through each of them. Where the layout allows
/// one account per user (a documented [`Limits`](crate::Limits)), linking a second is
/// `Conflict` and stores nothing, and the first is untouched.
pub async fn user_with_several_accounts(adapter: Arc<dyn Adapter>) {
    let user = fixtures::create_user(&adapter).await;
    let mut accounts = Vec::new();
    for provider in ["github", "google", "apple"] {
        let account = AdapterAccount {
            provider: provider.into(),
            ..fixtures::account(&user.id)
        };
        if crate::limits::current().one_account_per_user && !accounts.is_empty() {
            err(
                adapter.link_account(account.clone()).await,
                ErrorKind::Conflict,
                "link_account of a second account (one account per user)",
            );
            assert_eq!(
                ok(
                    adapter
                        .get_account(&account.provider, &account.provider_account_id)
                        .await,
                    "get_account"
                ),
                None,
                "a refused second account was stored"
            );
            continue;
        }
        ok(adapter.link_account(account.clone()).await, "link_account");
        accounts.push(account);
    }
    if accounts.len() == 1 {
        assert_eq!(
            ok(
                adapter
                    .get_user_by_account(&accounts[0].provider, &accounts[0].provider_account_id)
                    .await,
                "get_user_by_account"
            ),
            Some(user.clone())
        );
        // Once it is unlinked, another can be linked.
        ok(
            adapter
                .unlink_account(&accounts[0].provider, &accounts[0].provider_account_id)
                .await,
            "unlink_account",
        );
        let next = AdapterAccount {
            provider: "google".into(),
            ..fixtures::account(&user.id)
        };
        ok(
            adapter.link_account(next.clone()).await,
            "link_account after unlinking",
        );
        assert_eq!(
            ok(
                adapter
                    .get_user_by_account(&next.provider, &next.provider_account_id)
                    .await,
                "get_user_by_account"
            ),
            Some(user)
        );
        return;
    }
    for account in &accounts {
        assert_eq!(
            ok(
                adapter
                    .get_user_by_account(&account.provider, &account.provider_account_id)
                    .await,
                "get_user_by_account"
            ),
            Some(user.clone())
        );
    }
    ok(
        adapter
            .unlink_account(&accounts[0].provider, &accounts[0].provider_account_id)
            .await,
        "unlink_account",
    );
    assert_eq!(
        ok(
            adapter
                .get_account(&accounts[1].provider, &accounts[1].provider_account_id)
                .await,
            "get_account"
        ),
        Some(accounts[1].clone()),
        "unlinking one account touched another"
    );
}

/// `update_account` (token refresh) changes only the named fields, clears with
/// `Some(None)`, and returns the whole account.
pub async fn update_account_refreshes_tokens(adapter: Arc<dyn Adapter>) {
    let (user, account) = user_and_account(&adapter).await;
    let access = fixtures::uuid();
    let update = AccountUpdate::new(&account.provider, &account.provider_account_id)
        .access_token(Some(access.clone()))
        .expires_at(Some(1_900_000_000))
        .id_token(None);
    let expected = AdapterAccount {
        access_token: Some(access),
        expires_at: Some(1_900_000_000),
        id_token: None,
        ..account.clone()
    };
    assert_eq!(
        ok(adapter.update_account(update).await, "update_account"),
        expected
    );
    assert_eq!(
        ok(
            adapter
                .get_account(&account.provider, &account.provider_account_id)
                .await,
            "get_account"
        ),
        Some(expected.clone())
    );
    let nothing = AccountUpdate::new(&account.provider, &account.provider_account_id);
    assert_eq!(
        ok(
            adapter.update_account(nothing).await,
            "update_account with nothing to change"
        ),
        expected
    );
    assert_eq!(
        ok(
            adapter
                .get_user_by_account(&account.provider, &account.provider_account_id)
                .await,
            "get_user_by_account"
        ),
        Some(user)
    );
}

/// `update_account` of an account that does not exist is `NotFound` and creates nothing.
pub async fn update_account_missing_is_not_found(adapter: Arc<dyn Adapter>) {
    let pid = fixtures::uuid();
    err(
        adapter
            .update_account(AccountUpdate::new("github", &pid).access_token(Some("x".into())))
            .await,
        ErrorKind::NotFound,
        "update_account of a missing account",
    );
    assert_eq!(
        ok(adapter.get_account("github", &pid).await, "get_account"),
        None
    );
}
