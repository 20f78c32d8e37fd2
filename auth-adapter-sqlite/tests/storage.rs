//! What the SQLite file holds: acknowledged writes survive a reopen, dates and booleans
//! are stored as drizzle stores them, rows other clients wrote (ISO dates, unknown types)
//! read fine, and an unreadable stored date is an error, not a panic.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers may panic

mod common;

use auth_adapter_core::chrono::{DateTime, TimeDelta, Utc};
use auth_adapter_core::{
    AccountType, Adapter, AdapterAccount, AdapterAuthenticator, AdapterSession, NewUser,
    VerificationToken,
};
use auth_adapter_sqlite::{SqliteAdapter, SqliteOptions};
use common::{Scratch, TempDir};

fn ms(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_are_there_after_the_file_is_reopened() {
    let dir = TempDir::new();
    let expires = ms(1_795_000_409_559);
    let (user, session, account, token, authenticator) = {
        let adapter = SqliteAdapter::open(dir.db(), SqliteOptions::default())
            .await
            .unwrap();
        adapter.migrate().await.unwrap();
        let user = adapter
            .create_user(NewUser {
                name: Some("Ada".into()),
                email: Some("ada@example.com".into()),
                email_verified: Some(ms(1_795_000_000_123)),
                image: None,
            })
            .await
            .unwrap();
        let session = adapter
            .create_session(AdapterSession {
                session_token: "session-token".into(),
                user_id: user.id.clone(),
                expires,
            })
            .await
            .unwrap();
        let mut account = AdapterAccount::new(&user.id, AccountType::Oidc, "google", "g-1");
        account.access_token = Some("access".into());
        account.expires_at = Some(1_795_000_409);
        let account = adapter.link_account(account).await.unwrap();
        let token = adapter
            .create_verification_token(VerificationToken {
                identifier: "ada@example.com".into(),
                token: "hashed".into(),
                expires,
            })
            .await
            .unwrap();
        let authenticator = adapter
            .create_authenticator(AdapterAuthenticator {
                credential_id: "cred==".into(),
                user_id: user.id.clone(),
                provider_account_id: "cred==".into(),
                credential_public_key: "key".into(),
                counter: 7,
                credential_device_type: "multiDevice".into(),
                credential_backed_up: true,
                transports: Some("usb,nfc".into()),
            })
            .await
            .unwrap();
        (user, session, account, token, authenticator)
        // The adapter is dropped here, closing every connection.
    };
    let adapter = SqliteAdapter::open(dir.db(), SqliteOptions::default())
        .await
        .unwrap();
    assert!(adapter.migrate().await.unwrap().is_noop());
    assert_eq!(
        adapter
            .get_session_and_user(&session.session_token)
            .await
            .unwrap(),
        Some((session, user.clone()))
    );
    assert_eq!(
        adapter.get_account("google", "g-1").await.unwrap(),
        Some(account)
    );
    assert_eq!(
        adapter.get_authenticator("cred==").await.unwrap(),
        Some(authenticator)
    );
    assert_eq!(
        adapter
            .use_verification_token("ada@example.com", "hashed")
            .await
            .unwrap(),
        Some(token)
    );
    assert_eq!(adapter.get_user(&user.id).await.unwrap(), Some(user));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dates_and_booleans_are_stored_as_drizzle_stores_them() {
    let adapter = Scratch::new().await;
    let user = adapter
        .create_user(NewUser {
            email_verified: Some(ms(1_795_000_000_123)),
            ..NewUser::with_email("ada@example.com")
        })
        .await
        .unwrap();
    adapter
        .create_session(AdapterSession {
            session_token: "t".into(),
            user_id: user.id.clone(),
            expires: ms(1_795_000_409_559),
        })
        .await
        .unwrap();
    adapter
        .create_authenticator(AdapterAuthenticator {
            credential_id: "c".into(),
            user_id: user.id.clone(),
            provider_account_id: "c".into(),
            credential_public_key: "k".into(),
            counter: 1,
            credential_device_type: "singleDevice".into(),
            credential_backed_up: true,
            transports: None,
        })
        .await
        .unwrap();
    let stored = adapter
        .adapter
        .with_reader(|conn| {
            let user: (String, i64) = conn.query_row(
                "SELECT typeof(emailVerified), emailVerified FROM user",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let session: (String, i64) =
                conn.query_row("SELECT typeof(expires), expires FROM session", [], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?;
            let backed_up: (String, i64) = conn.query_row(
                "SELECT typeof(credentialBackedUp), credentialBackedUp FROM authenticator",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            Ok((user, session, backed_up))
        })
        .await
        .unwrap();
    assert_eq!(stored.0, ("integer".into(), 1_795_000_000_123));
    assert_eq!(stored.1, ("integer".into(), 1_795_000_409_559));
    assert_eq!(stored.2, ("integer".into(), 1));
    assert!(uuid::Uuid::parse_str(&user.id).is_ok_and(|id| id.get_version_num() == 4));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_other_clients_wrote_with_iso_dates_and_unknown_types_read_fine() {
    let adapter = Scratch::new().await;
    adapter
        .adapter
        .with_writer(|conn| {
            conn.execute_batch(
                "INSERT INTO user (id, name, email, emailVerified, image)
                     VALUES ('kysely-user', 'K', 'k@example.com', '2026-11-18T11:13:29.559Z', NULL);
                 INSERT INTO session (sessionToken, userId, expires)
                     VALUES ('iso-session', 'kysely-user', '2026-11-18T12:13:29.559+01:00'),
                            ('sqlite-session', 'kysely-user', '2026-11-18 11:13:29');
                 INSERT INTO account (userId, type, provider, providerAccountId, expires_at)
                     VALUES ('kysely-user', 'saml', 'okta', 'o-1', 1795000409);
                 INSERT INTO verificationToken (identifier, token, expires)
                     VALUES ('k@example.com', 'iso-token', '2026-11-18T11:13:29.559Z');
                 INSERT INTO authenticator VALUES ('c', 'kysely-user', 'c', 'k', 3, 'platform', 0, NULL);",
            )
        })
        .await
        .unwrap();
    let expected = ms(1_795_000_409_559);
    let user = adapter.get_user("kysely-user").await.unwrap().unwrap();
    assert_eq!(user.email_verified, Some(expected));
    let (session, _) = adapter
        .get_session_and_user("iso-session")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(session.expires, expected);
    let (session, _) = adapter
        .get_session_and_user("sqlite-session")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(session.expires, ms(1_795_000_409_000));
    let account = adapter.get_account("okta", "o-1").await.unwrap().unwrap();
    assert_eq!(account.account_type, AccountType::Other("saml".into()));
    assert_eq!(account.expires_at, Some(1_795_000_409));
    assert!(
        !adapter
            .get_authenticator("c")
            .await
            .unwrap()
            .unwrap()
            .credential_backed_up
    );

    // delete_expired sees ISO-text dates too: nothing before them, everything after.
    let none = adapter
        .delete_expired(expected - TimeDelta::hours(1))
        .await
        .unwrap();
    assert_eq!((none.sessions, none.verification_tokens), (0, 0));
    let all = adapter
        .delete_expired(expected + TimeDelta::milliseconds(1))
        .await
        .unwrap();
    assert_eq!((all.sessions, all.verification_tokens), (2, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_stored_date_is_a_backend_error_not_a_panic() {
    let adapter = Scratch::new().await;
    adapter
        .adapter
        .with_writer(|conn| {
            conn.execute(
                "INSERT INTO user (id, emailVerified) VALUES ('bad', 'not a date')",
                [],
            )
        })
        .await
        .unwrap();
    let err = adapter.get_user("bad").await.unwrap_err();
    assert!(
        matches!(err, auth_adapter_core::AdapterError::Backend { .. }),
        "{err:?}"
    );
}
