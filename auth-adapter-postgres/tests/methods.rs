//! The adapter methods on PostgreSQL: ids that are not int4 are not found (reads) or name
//! no user (writes), every method round trips, and of concurrent token uses one wins.

// Helpers outside #[test] fns unwrap too: a failed setup should fail the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{ms, session_for};

use auth_adapter_core::{
    AccountType, AccountUpdate, Adapter, AdapterAccount, AdapterAuthenticator, AdapterError,
    AdapterSession, Entity, NewUser, SessionUpdate, UserUpdate, VerificationToken,
};
use chrono::{TimeDelta, Utc};
use common::migrated_adapter;

fn authenticator_for(user_id: &str, credential_id: &str) -> AdapterAuthenticator {
    AdapterAuthenticator {
        credential_id: credential_id.to_owned(),
        user_id: user_id.to_owned(),
        provider_account_id: credential_id.to_owned(),
        credential_public_key: "public-key-base64".to_owned(),
        counter: 7,
        credential_device_type: "singleDevice".to_owned(),
        credential_backed_up: true,
        transports: Some("usb,nfc".to_owned()),
    }
}

#[tokio::test]
async fn ids_that_are_not_int4_are_not_found() {
    let (adapter, _, _) = migrated_adapter().await;
    let user = adapter
        .create_user(NewUser::with_email("ids@example.com"))
        .await
        .unwrap();
    adapter
        .create_session(session_for(&user.id, "ids-token"))
        .await
        .unwrap();
    for id in [
        "abc",
        "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
        "2147483648",
        "-2147483649",
        "99999999999999999999",
        "1.0",
        " 1",
        "",
        "a\0b",
    ] {
        assert_eq!(adapter.get_user(id).await.unwrap(), None, "{id:?}");
        assert_eq!(adapter.delete_user(id).await.unwrap(), None, "{id:?}");
        assert_eq!(adapter.delete_sessions_by_user_id(id).await.unwrap(), 0);
        assert!(
            adapter
                .list_authenticators_by_user_id(id)
                .await
                .unwrap()
                .is_empty()
        );
        if id.is_empty() || id.contains('\0') {
            continue; // InvalidInput for writes, checked by the conformance suite
        }
        let err = adapter
            .create_session(session_for(id, "t"))
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                AdapterError::NotFound {
                    entity: Entity::User,
                    ..
                }
            ),
            "{err}"
        );
        let err = adapter
            .link_account(AdapterAccount::new(id, AccountType::Oauth, "p", "x"))
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                AdapterError::NotFound {
                    entity: Entity::User,
                    ..
                }
            ),
            "{err}"
        );
        let err = adapter
            .create_authenticator(authenticator_for(id, "cred"))
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                AdapterError::NotFound {
                    entity: Entity::User,
                    ..
                }
            ),
            "{err}"
        );
        let err = adapter
            .update_user(UserUpdate::new(id).name(None))
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                AdapterError::NotFound {
                    entity: Entity::User,
                    ..
                }
            ),
            "{err}"
        );
    }
    // A well-formed id of nobody: the foreign key answers.
    let err = adapter
        .create_session(session_for("2000000000", "t2"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            AdapterError::NotFound {
                entity: Entity::User,
                ..
            }
        ),
        "{err}"
    );
    assert!(adapter.get_user(&user.id).await.unwrap().is_some());
}

#[tokio::test]
async fn every_method_round_trips() {
    let (adapter, _, _) = migrated_adapter().await;
    let verified = ms(Utc::now());
    let user = adapter
        .create_user(NewUser {
            name: Some("Ada".into()),
            email: Some("rt@example.com".into()),
            email_verified: Some(verified),
            image: None,
        })
        .await
        .unwrap();
    assert_eq!(user.email_verified, Some(verified));

    // update_user: only the fields given change; Some(None) clears.
    let updated = adapter
        .update_user(
            UserUpdate::new(&user.id)
                .image(Some("img".into()))
                .name(None),
        )
        .await
        .unwrap();
    assert_eq!(updated.name, None);
    assert_eq!(updated.image.as_deref(), Some("img"));
    assert_eq!(updated.email, user.email);
    assert_eq!(updated.email_verified, Some(verified));

    let mut account =
        AdapterAccount::new(&user.id, AccountType::Other("saml".into()), "okta", "u1");
    account.access_token = Some("at".into());
    account.expires_at = Some(1_795_000_409);
    assert_eq!(
        adapter.link_account(account.clone()).await.unwrap(),
        account
    );
    let refreshed = adapter
        .update_account(
            AccountUpdate::new("okta", "u1")
                .access_token(Some("at2".into()))
                .expires_at(None),
        )
        .await
        .unwrap();
    assert_eq!(refreshed.access_token.as_deref(), Some("at2"));
    assert_eq!(refreshed.expires_at, None);
    assert_eq!(refreshed.account_type, AccountType::Other("saml".into()));
    let err = adapter
        .update_account(AccountUpdate::new("okta", "nobody"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            AdapterError::NotFound {
                entity: Entity::Account,
                ..
            }
        ),
        "{err}"
    );

    let session = session_for(&user.id, "rt-token");
    assert_eq!(
        adapter.create_session(session.clone()).await.unwrap(),
        session
    );
    let later = ms(Utc::now() + TimeDelta::days(30));
    let moved = adapter
        .update_session(SessionUpdate::new("rt-token", later))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(moved.expires, later);
    let same = adapter
        .update_session(SessionUpdate {
            session_token: "rt-token".into(),
            expires: None,
        })
        .await
        .unwrap();
    assert_eq!(same, Some(moved.clone()));
    assert_eq!(
        adapter.get_session_and_user("rt-token").await.unwrap(),
        Some((moved, updated.clone()))
    );

    let auth = authenticator_for(&user.id, "cred-1");
    assert_eq!(
        adapter.create_authenticator(auth.clone()).await.unwrap(),
        auth
    );
    let bumped = adapter
        .update_authenticator_counter("cred-1", u32::MAX)
        .await
        .unwrap();
    assert_eq!(bumped.counter, u32::MAX);
    assert_eq!(
        adapter
            .list_authenticators_by_user_id(&user.id)
            .await
            .unwrap(),
        vec![bumped]
    );
    let err = adapter
        .create_authenticator(authenticator_for(&user.id, "cred-1"))
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        AdapterError::Conflict {
            entity: Entity::Authenticator,
            ..
        }
    ));

    // delete_expired removes only what is past.
    let past = ms(Utc::now() - TimeDelta::minutes(5));
    adapter
        .create_session(AdapterSession {
            expires: past,
            ..session_for(&user.id, "old-token")
        })
        .await
        .unwrap();
    for (token, expires) in [("t-old", past), ("t-new", later)] {
        adapter
            .create_verification_token(VerificationToken {
                identifier: "rt@example.com".into(),
                token: token.into(),
                expires,
            })
            .await
            .unwrap();
    }
    let removed = adapter.delete_expired(Utc::now()).await.unwrap();
    assert_eq!((removed.sessions, removed.verification_tokens), (1, 1));
    assert!(
        adapter
            .get_session_and_user("rt-token")
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        adapter
            .use_verification_token("rt@example.com", "t-new")
            .await
            .unwrap()
            .is_some()
    );

    // delete_user takes accounts, sessions and authenticators along.
    assert_eq!(
        adapter.delete_sessions_by_user_id(&user.id).await.unwrap(),
        1
    );
    adapter
        .create_session(session_for(&user.id, "rt-token-2"))
        .await
        .unwrap();
    assert_eq!(adapter.delete_user(&user.id).await.unwrap(), Some(updated));
    assert_eq!(adapter.get_account("okta", "u1").await.unwrap(), None);
    assert_eq!(adapter.get_authenticator("cred-1").await.unwrap(), None);
    assert_eq!(adapter.delete_session("rt-token-2").await.unwrap(), None);
}

#[tokio::test]
async fn one_of_many_concurrent_token_uses_wins() {
    let (adapter, _, _) = migrated_adapter().await;
    adapter
        .create_verification_token(VerificationToken {
            identifier: "race@example.com".into(),
            token: "h".into(),
            expires: ms(Utc::now() + TimeDelta::hours(1)),
        })
        .await
        .unwrap();
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let adapter = adapter.clone();
            tokio::spawn(async move {
                adapter
                    .use_verification_token("race@example.com", "h")
                    .await
            })
        })
        .collect();
    let mut winners = 0;
    for task in tasks {
        if task.await.unwrap().unwrap().is_some() {
            winners += 1;
        }
    }
    assert_eq!(winners, 1);
}
