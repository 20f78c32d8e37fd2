//! Input at the edges: ids a store cannot hold, oversize and NUL values, Unicode and
//! separator characters in keys, secrets in `Debug` output.

use std::sync::Arc;

use auth_adapter_core::backend::validate::MAX_VARCHAR;
use auth_adapter_core::{
    AccountType, AccountUpdate, Adapter, AdapterAccount, AdapterAuthenticator, AdapterSession,
    NewUser, SessionUpdate, UserUpdate, VerificationToken,
};

use crate::check::{ErrorKind, err, hides, ok};
use crate::fixtures;

/// Ids no store could hold, or that look like ids of another store.
fn impossible_ids() -> Vec<String> {
    vec![
        "not-a-number".into(),
        String::new(),
        "a\0b".into(),
        "\0".into(),
        fixtures::uuid(),
        "0".into(),
        "-1".into(),
        "99999999999999999999999".into(),
        "1 OR 1=1".into(),
        "user:1".into(),
        "x".repeat(MAX_VARCHAR + 1),
    ]
}

/// Lookups, deletes and lists with non-numeric, empty, NUL-containing, overflowing and
/// unknown ids answer `None` (or nothing), never an error.
pub async fn impossible_ids_are_not_found(adapter: Arc<dyn Adapter>) {
    // A real record so that an adapter cannot pass by being empty.
    let user = fixtures::create_user(&adapter).await;
    ok(
        adapter.create_session(fixtures::session(&user.id)).await,
        "create_session",
    );
    for id in impossible_ids() {
        let what = format!("id {:?}", id.escape_debug().to_string());
        assert_eq!(
            ok(adapter.get_user(&id).await, &what),
            None,
            "get_user {what}"
        );
        assert_eq!(
            ok(adapter.get_user_by_email(&id).await, &what),
            None,
            "get_user_by_email {what}"
        );
        assert_eq!(
            ok(adapter.get_user_by_account(&id, &id).await, &what),
            None,
            "get_user_by_account {what}"
        );
        assert_eq!(
            ok(adapter.get_account(&id, &id).await, &what),
            None,
            "get_account {what}"
        );
        assert_eq!(
            ok(adapter.get_session_and_user(&id).await, &what),
            None,
            "get_session_and_user {what}"
        );
        assert_eq!(
            ok(adapter.get_authenticator(&id).await, &what),
            None,
            "get_authenticator {what}"
        );
        assert_eq!(
            ok(adapter.list_authenticators_by_user_id(&id).await, &what),
            Vec::new(),
            "list_authenticators_by_user_id {what}"
        );
        assert_eq!(
            ok(adapter.delete_session(&id).await, &what),
            None,
            "delete_session {what}"
        );
        assert_eq!(
            ok(adapter.delete_sessions_by_user_id(&id).await, &what),
            0,
            "delete_sessions_by_user_id {what}"
        );
        assert_eq!(
            ok(adapter.unlink_account(&id, &id).await, &what),
            None,
            "unlink_account {what}"
        );
        assert_eq!(
            ok(adapter.use_verification_token(&id, &id).await, &what),
            None,
            "use_verification_token {what}"
        );
        assert_eq!(
            ok(adapter.delete_user(&id).await, &what),
            None,
            "delete_user {what}"
        );
    }
    assert_eq!(ok(adapter.get_user(&user.id).await, "get_user"), Some(user));
}

/// Updates of records that do not exist are `NotFound` (or `InvalidInput` for a key the
/// validator rejects); none of them creates anything.
pub async fn updates_of_missing_records_are_not_found(adapter: Arc<dyn Adapter>) {
    for id in impossible_ids() {
        let expected = if id.is_empty() || id.contains('\0') {
            ErrorKind::InvalidInput
        } else {
            ErrorKind::NotFound
        };
        err(
            adapter
                .update_user(UserUpdate::new(&id).name(Some("x".into())))
                .await,
            expected,
            &format!("update_user of id {:?}", id.escape_debug().to_string()),
        );
        let counter = adapter.update_authenticator_counter(&id, 1).await;
        let e = counter.expect_err("update_authenticator_counter of a missing credential");
        assert!(
            e.is_not_found() || (expected == ErrorKind::InvalidInput && e.is_invalid_input()),
            "update_authenticator_counter of {:?}: expected NotFound, got {e}",
            id.escape_debug().to_string()
        );
        assert_eq!(
            ok(adapter.get_authenticator(&id).await, "get_authenticator"),
            None
        );
    }
    let pid = fixtures::uuid();
    err(
        adapter
            .update_account(AccountUpdate::new("github", &pid).scope(Some("s".into())))
            .await,
        ErrorKind::NotFound,
        "update_account of a missing account",
    );
    assert_eq!(
        ok(adapter.get_account("github", &pid).await, "get_account"),
        None
    );
}

/// Oversize values (256 characters where the limit is 255, or one over a layout's
/// documented [`Limits::max_varchar`](crate::Limits::max_varchar)) are `InvalidInput` and
/// nothing is stored; values at the limit, also multi-byte ones, are accepted.
pub async fn oversize_input_is_invalid(adapter: Arc<dyn Adapter>) {
    let max_varchar = crate::limits::current().max_varchar;
    let long = "n".repeat(max_varchar + 1);
    let long_email = format!("{}@example.com", "e".repeat(max_varchar + 1 - 12));
    assert_eq!(long_email.chars().count(), max_varchar + 1);

    let with_long_name = NewUser {
        name: Some(long.clone()),
        ..NewUser::with_email(fixtures::unique_email())
    };
    err(
        adapter.create_user(with_long_name.clone()).await,
        ErrorKind::InvalidInput,
        "create_user with a 256-character name",
    );
    assert_eq!(
        ok(
            adapter
                .get_user_by_email(with_long_name.email.as_deref().unwrap_or_default())
                .await,
            "get_user_by_email"
        ),
        None,
        "a rejected user was stored"
    );
    err(
        adapter.create_user(NewUser::with_email(&long_email)).await,
        ErrorKind::InvalidInput,
        "create_user with a 256-character email",
    );
    assert_eq!(
        ok(
            adapter.get_user_by_email(&long_email).await,
            "get_user_by_email"
        ),
        None
    );

    let user = fixtures::create_user(&adapter).await;
    err(
        adapter
            .update_user(UserUpdate::new(&user.id).name(Some(long.clone())))
            .await,
        ErrorKind::InvalidInput,
        "update_user with a 256-character name",
    );
    assert_eq!(
        ok(adapter.get_user(&user.id).await, "get_user"),
        Some(user.clone()),
        "a rejected update changed the user"
    );

    for account in [
        AdapterAccount::new(&user.id, AccountType::Oauth, &long, fixtures::uuid()),
        AdapterAccount::new(&user.id, AccountType::Oauth, "github", &long),
        AdapterAccount::new(
            &user.id,
            AccountType::Other(long.clone()),
            "github",
            fixtures::uuid(),
        ),
    ] {
        err(
            adapter.link_account(account.clone()).await,
            ErrorKind::InvalidInput,
            "link_account with a 256-character key",
        );
        assert_eq!(
            ok(
                adapter
                    .get_account(&account.provider, &account.provider_account_id)
                    .await,
                "get_account"
            ),
            None,
            "a rejected account was stored"
        );
    }

    let session = AdapterSession {
        session_token: "s".repeat(max_varchar + 1),
        ..fixtures::session(&user.id)
    };
    err(
        adapter.create_session(session.clone()).await,
        ErrorKind::InvalidInput,
        "create_session with a 256-character token",
    );
    assert_eq!(
        ok(
            adapter.get_session_and_user(&session.session_token).await,
            "get_session_and_user"
        ),
        None
    );
    assert_eq!(
        ok(
            adapter.delete_sessions_by_user_id(&user.id).await,
            "delete_sessions_by_user_id"
        ),
        0,
        "a rejected session was stored"
    );

    // Exactly at the limit, in multi-byte characters, is fine.
    let max = "é".repeat(max_varchar);
    let max_email = format!("{}@example.com", "é".repeat(max_varchar - 12));
    let accepted = ok(
        adapter
            .create_user(NewUser {
                name: Some(max.clone()),
                ..NewUser::with_email(&max_email)
            })
            .await,
        "create_user with 255-character name and email",
    );
    assert_eq!(
        ok(
            adapter.get_user_by_email(&max_email).await,
            "get_user_by_email"
        ),
        Some(accepted.clone())
    );
    let account = AdapterAccount::new(&accepted.id, AccountType::Oauth, &max, &max);
    assert_eq!(
        ok(
            adapter.link_account(account.clone()).await,
            "link_account at the limit"
        ),
        account
    );
    assert_eq!(
        ok(adapter.get_account(&max, &max).await, "get_account"),
        Some(account)
    );
    let session = AdapterSession {
        session_token: max.clone(),
        ..fixtures::session(&accepted.id)
    };
    assert_eq!(
        ok(
            adapter.create_session(session.clone()).await,
            "create_session at the limit"
        ),
        session
    );
    assert_eq!(
        ok(
            adapter.get_session_and_user(&max).await,
            "get_session_and_user"
        ),
        Some((session, accepted))
    );
}

/// NUL bytes anywhere in text are `InvalidInput` (PostgreSQL cannot store them), and
/// nothing is stored.
pub async fn nul_bytes_are_invalid(adapter: Arc<dyn Adapter>) {
    let user = fixtures::create_user(&adapter).await;
    let nul_email = format!("nul\0{}", fixtures::unique_email());
    for bad in [
        NewUser::with_email(&nul_email),
        NewUser {
            name: Some("a\0b".into()),
            ..NewUser::with_email(fixtures::unique_email())
        },
        NewUser {
            image: Some("https://x/\0".into()),
            ..NewUser::with_email(fixtures::unique_email())
        },
    ] {
        err(
            adapter.create_user(bad.clone()).await,
            ErrorKind::InvalidInput,
            "create_user with a NUL byte",
        );
        assert_eq!(
            ok(
                adapter
                    .get_user_by_email(bad.email.as_deref().unwrap_or_default())
                    .await,
                "get_user_by_email"
            ),
            None,
            "a user with a NUL byte was stored"
        );
    }
    err(
        adapter
            .update_user(UserUpdate::new(&user.id).image(Some("\0".into())))
            .await,
        ErrorKind::InvalidInput,
        "update_user with a NUL byte",
    );
    assert_eq!(
        ok(adapter.get_user(&user.id).await, "get_user"),
        Some(user.clone())
    );

    let base = fixtures::account(&user.id);
    for account in [
        AdapterAccount {
            provider: "git\0hub".into(),
            ..base.clone()
        },
        AdapterAccount {
            provider_account_id: format!("{}\0", fixtures::uuid()),
            ..base.clone()
        },
        AdapterAccount {
            access_token: Some("tok\0en".into()),
            ..base.clone()
        },
        AdapterAccount {
            scope: Some("\0".into()),
            ..base.clone()
        },
    ] {
        err(
            adapter.link_account(account.clone()).await,
            ErrorKind::InvalidInput,
            "link_account with a NUL byte",
        );
    }
    assert_eq!(
        ok(
            adapter
                .get_account(&base.provider, &base.provider_account_id)
                .await,
            "get_account"
        ),
        None,
        "an account with a NUL byte was stored"
    );
    ok(adapter.link_account(base.clone()).await, "link_account");
    err(
        adapter
            .update_account(
                AccountUpdate::new(&base.provider, &base.provider_account_id)
                    .access_token(Some("a\0".into())),
            )
            .await,
        ErrorKind::InvalidInput,
        "update_account with a NUL byte",
    );
    assert_eq!(
        ok(
            adapter
                .get_account(&base.provider, &base.provider_account_id)
                .await,
            "get_account"
        ),
        Some(base),
        "a rejected update_account changed the account"
    );

    let session = AdapterSession {
        session_token: format!("{}\0", fixtures::uuid()),
        ..fixtures::session(&user.id)
    };
    err(
        adapter.create_session(session).await,
        ErrorKind::InvalidInput,
        "create_session with a NUL byte",
    );
    err(
        adapter
            .update_session(SessionUpdate::new("a\0b", fixtures::one_week_from_now()))
            .await,
        ErrorKind::InvalidInput,
        "update_session with a NUL byte",
    );
    assert_eq!(
        ok(
            adapter.delete_sessions_by_user_id(&user.id).await,
            "delete_sessions_by_user_id"
        ),
        0,
        "a session with a NUL byte was stored"
    );

    let email = fixtures::unique_email();
    for token in [
        VerificationToken {
            identifier: format!("{email}\0"),
            ..fixtures::verification_token(&email)
        },
        VerificationToken {
            token: "t\0".into(),
            ..fixtures::verification_token(&email)
        },
    ] {
        err(
            adapter.create_verification_token(token.clone()).await,
            ErrorKind::InvalidInput,
            "create_verification_token with a NUL byte",
        );
        assert_eq!(
            ok(
                adapter
                    .use_verification_token(&token.identifier, &token.token)
                    .await,
                "use_verification_token"
            ),
            None
        );
    }

    let base = fixtures::authenticator(&user.id, Some("usb"));
    for a in [
        AdapterAuthenticator {
            credential_id: format!("{}\0", base.credential_id),
            ..base.clone()
        },
        AdapterAuthenticator {
            credential_public_key: "k\0".into(),
            ..base.clone()
        },
        AdapterAuthenticator {
            transports: Some("usb\0".into()),
            ..base.clone()
        },
        AdapterAuthenticator {
            credential_device_type: "\0".into(),
            ..base.clone()
        },
        AdapterAuthenticator {
            provider_account_id: "\0".into(),
            ..base.clone()
        },
    ] {
        err(
            adapter.create_authenticator(a).await,
            ErrorKind::InvalidInput,
            "create_authenticator with a NUL byte",
        );
    }
    assert_eq!(
        ok(
            adapter.list_authenticators_by_user_id(&user.id).await,
            "list_authenticators_by_user_id"
        ),
        Vec::new(),
        "an authenticator with a NUL byte was stored"
    );
}

/// Empty keys (session token, provider, provider account id, identifier, token,
/// credential id, user id) are `InvalidInput`, and nothing is stored.
pub async fn empty_keys_are_invalid(adapter: Arc<dyn Adapter>) {
    let user = fixtures::create_user(&adapter).await;
    err(
        adapter.create_user(NewUser::with_email("")).await,
        ErrorKind::InvalidInput,
        "create_user with an empty email",
    );
    let base = fixtures::account(&user.id);
    for account in [
        AdapterAccount {
            provider: String::new(),
            ..base.clone()
        },
        AdapterAccount {
            provider_account_id: String::new(),
            ..base.clone()
        },
        AdapterAccount {
            user_id: String::new(),
            ..base.clone()
        },
    ] {
        err(
            adapter.link_account(account).await,
            ErrorKind::InvalidInput,
            "link_account with an empty key",
        );
    }
    assert_eq!(
        ok(
            adapter.get_account("", &base.provider_account_id).await,
            "get_account"
        ),
        None
    );
    assert_eq!(
        ok(adapter.get_account(&base.provider, "").await, "get_account"),
        None
    );
    for session in [
        AdapterSession {
            session_token: String::new(),
            ..fixtures::session(&user.id)
        },
        AdapterSession {
            user_id: String::new(),
            ..fixtures::session(&user.id)
        },
    ] {
        err(
            adapter.create_session(session).await,
            ErrorKind::InvalidInput,
            "create_session with an empty key",
        );
    }
    assert_eq!(
        ok(
            adapter.get_session_and_user("").await,
            "get_session_and_user"
        ),
        None
    );
    assert_eq!(
        ok(
            adapter.delete_sessions_by_user_id(&user.id).await,
            "delete_sessions_by_user_id"
        ),
        0
    );
    let email = fixtures::unique_email();
    for token in [
        VerificationToken {
            identifier: String::new(),
            ..fixtures::verification_token(&email)
        },
        VerificationToken {
            token: String::new(),
            ..fixtures::verification_token(&email)
        },
    ] {
        err(
            adapter.create_verification_token(token.clone()).await,
            ErrorKind::InvalidInput,
            "create_verification_token with an empty key",
        );
        assert_eq!(
            ok(
                adapter
                    .use_verification_token(&token.identifier, &token.token)
                    .await,
                "use_verification_token"
            ),
            None
        );
    }
    let base = fixtures::authenticator(&user.id, None);
    for a in [
        AdapterAuthenticator {
            credential_id: String::new(),
            ..base.clone()
        },
        AdapterAuthenticator {
            user_id: String::new(),
            ..base.clone()
        },
        AdapterAuthenticator {
            provider_account_id: String::new(),
            ..base.clone()
        },
    ] {
        err(
            adapter.create_authenticator(a).await,
            ErrorKind::InvalidInput,
            "create_authenticator with an empty key",
        );
    }
    assert_eq!(
        ok(adapter.get_authenticator("").await, "get_authenticator"),
        None
    );
    assert_eq!(
        ok(
            adapter.list_authenticators_by_user_id(&user.id).await,
            "list_authenticators_by_user_id"
        ),
        Vec::new()
    );
}

/// Unicode, `:` and `?` (separators in key-value layouts and URLs) in emails, provider
/// ids, tokens and credential ids round-trip, and keys that differ only there stay apart.
pub async fn unicode_and_separators_round_trip(adapter: Arc<dyn Adapter>) {
    let tag = fixtures::uuid();
    let email = format!("ünï:cødé?{tag}@例え.jp");
    let user = ok(
        adapter
            .create_user(NewUser {
                name: Some("Zoë 🦀 O'Brien: \"quoted\" ?".into()),
                image: Some("https://example.com/a?b=c:d&e=🦀".into()),
                ..NewUser::with_email(&email)
            })
            .await,
        "create_user with Unicode",
    );
    assert_eq!(
        ok(adapter.get_user_by_email(&email).await, "get_user_by_email"),
        Some(user.clone())
    );
    assert_eq!(
        ok(adapter.get_user(&user.id).await, "get_user"),
        Some(user.clone())
    );

    let account = AdapterAccount {
        provider: format!("prövider:{tag}?x"),
        provider_account_id: "id:with?sep/ärator*".into(),
        ..fixtures::account(&user.id)
    };
    ok(adapter.link_account(account.clone()).await, "link_account");
    // Same provider, an id differing only after a separator: another account (of another
    // user where the layout allows one account per user).
    let sibling_owner = if crate::limits::current().one_account_per_user {
        fixtures::create_user(&adapter).await
    } else {
        user.clone()
    };
    let sibling = AdapterAccount {
        provider_account_id: "id:with?sep/ärator*2".into(),
        ..fixtures::account(&sibling_owner.id)
    };
    let sibling = AdapterAccount {
        provider: account.provider.clone(),
        ..sibling
    };
    ok(
        adapter.link_account(sibling.clone()).await,
        "link_account of a sibling",
    );
    for (a, owner) in [(&account, &user), (&sibling, &sibling_owner)] {
        assert_eq!(
            ok(
                adapter
                    .get_account(&a.provider, &a.provider_account_id)
                    .await,
                "get_account"
            ),
            Some(a.clone())
        );
        assert_eq!(
            ok(
                adapter
                    .get_user_by_account(&a.provider, &a.provider_account_id)
                    .await,
                "get_user_by_account"
            ),
            Some(owner.clone())
        );
    }

    let session = AdapterSession {
        session_token: format!("séssion:{tag}?🦀"),
        ..fixtures::session(&user.id)
    };
    ok(
        adapter.create_session(session.clone()).await,
        "create_session",
    );
    assert_eq!(
        ok(
            adapter.get_session_and_user(&session.session_token).await,
            "get_session_and_user"
        ),
        Some((session.clone(), user.clone()))
    );
    assert_eq!(
        ok(
            adapter
                .get_session_and_user(&format!("séssion:{tag}?"))
                .await,
            "get_session_and_user of a prefix"
        ),
        None
    );

    let token = VerificationToken {
        token: format!("tök:en?{tag}"),
        ..fixtures::verification_token(&email)
    };
    ok(
        adapter.create_verification_token(token.clone()).await,
        "create_verification_token",
    );
    assert_eq!(
        ok(
            adapter
                .use_verification_token(&email, &format!("tök:en?{tag}x"))
                .await,
            "use_verification_token of a longer token"
        ),
        None
    );
    assert_eq!(
        ok(
            adapter.use_verification_token(&email, &token.token).await,
            "use_verification_token"
        ),
        Some(token)
    );

    let authenticator = AdapterAuthenticator {
        credential_id: format!("créd:{tag}?+/="),
        ..fixtures::authenticator(&user.id, Some("usb,ble"))
    };
    ok(
        adapter.create_authenticator(authenticator.clone()).await,
        "create_authenticator",
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
        vec![authenticator]
    );
}

/// `Debug` of sessions, accounts, tokens, authenticators and their updates never shows a
/// secret, including for the records a backend returns.
pub async fn debug_output_hides_secrets(adapter: Arc<dyn Adapter>) {
    let user = fixtures::create_user(&adapter).await;
    let session = ok(
        adapter.create_session(fixtures::session(&user.id)).await,
        "create_session",
    );
    hides(&session, &session.session_token, "AdapterSession");
    let (stored, _) = ok(
        adapter.get_session_and_user(&session.session_token).await,
        "get_session_and_user",
    )
    .expect("session exists");
    hides(
        &stored,
        &session.session_token,
        "AdapterSession from the store",
    );
    let update = SessionUpdate::new(&session.session_token, fixtures::one_month_from_now());
    hides(&update, &session.session_token, "SessionUpdate");

    let account = ok(
        adapter.link_account(fixtures::account(&user.id)).await,
        "link_account",
    );
    for secret in [
        &account.access_token,
        &account.refresh_token,
        &account.id_token,
    ] {
        let secret = secret.as_deref().expect("the fixture sets every token");
        hides(&account, secret, "AdapterAccount");
        let stored = ok(
            adapter
                .get_account(&account.provider, &account.provider_account_id)
                .await,
            "get_account",
        );
        hides(&stored, secret, "AdapterAccount from the store");
    }
    let refresh = fixtures::uuid();
    let update = AccountUpdate::new(&account.provider, &account.provider_account_id)
        .refresh_token(Some(refresh.clone()))
        .access_token(Some(refresh.clone()))
        .id_token(Some(refresh.clone()));
    hides(&update, &refresh, "AccountUpdate");
    let updated = ok(adapter.update_account(update).await, "update_account");
    hides(
        &updated,
        &refresh,
        "AdapterAccount returned by update_account",
    );

    let token = fixtures::verification_token(&fixtures::unique_email());
    hides(&token, &token.token, "VerificationToken");
    ok(
        adapter.create_verification_token(token.clone()).await,
        "create_verification_token",
    );
    let used = ok(
        adapter
            .use_verification_token(&token.identifier, &token.token)
            .await,
        "use_verification_token",
    );
    hides(&used, &token.token, "VerificationToken from the store");

    let authenticator = fixtures::authenticator(&user.id, None);
    hides(
        &authenticator,
        &authenticator.credential_public_key,
        "AdapterAuthenticator",
    );
    let created = ok(
        adapter.create_authenticator(authenticator.clone()).await,
        "create_authenticator",
    );
    hides(
        &created,
        &authenticator.credential_public_key,
        "AdapterAuthenticator from the store",
    );
}
