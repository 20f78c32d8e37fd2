//! The Redis keys, as the JS adapters read and write them: names, types and JSON shapes;
//! data JS wrote; the email, by-user-id and per-user indexes kept in step, and keys that
//! would collide with them; concurrent writers that never lose an update or share a key.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use auth_adapter_core::{
    AccountType, AccountUpdate, Adapter, AdapterAccount, AdapterAuthenticator, NewUser, UserUpdate,
    VerificationToken, backend::dates,
};
use chrono::{TimeDelta, Utc};
use common::*;
use serde_json::{Value, json};

fn authenticator(user_id: &str, credential_id: &str) -> AdapterAuthenticator {
    AdapterAuthenticator {
        credential_id: credential_id.to_owned(),
        user_id: user_id.to_owned(),
        provider_account_id: credential_id.to_owned(),
        credential_public_key: "cHVibGljLWtleQ==".into(),
        counter: 7,
        credential_device_type: "singleDevice".into(),
        credential_backed_up: true,
        transports: Some("usb,nfc".into()),
    }
}

fn parse(raw: &Option<String>) -> Value {
    serde_json::from_str(raw.as_deref().expect("key present")).expect("JSON value")
}

#[tokio::test]
async fn every_key_has_the_name_type_and_json_shape_the_js_adapters_read() {
    let (a, p) = fresh().await;
    let mut c = raw_conn().await;
    let verified = dates::truncate_to_millis(Utc::now());
    let user = a
        .create_user(NewUser {
            name: Some("Ada".into()),
            email: Some("ada@example.com".into()),
            email_verified: Some(verified),
            image: None,
        })
        .await
        .unwrap();
    assert!(uuid::Uuid::parse_str(&user.id).is_ok_and(|u| u.get_version_num() == 4));

    let mut account = AdapterAccount::new(&user.id, AccountType::Oauth, "github", "42");
    account.access_token = Some("gho_x".into());
    account.expires_at = Some(2_592_000);
    a.link_account(account.clone()).await.unwrap();
    let s = a
        .create_session(session(&user.id, "tok-1", TimeDelta::days(7)))
        .await
        .unwrap();
    let t = a
        .create_verification_token(VerificationToken {
            identifier: "ada@example.com".into(),
            token: "hashed".into(),
            expires: dates::truncate_to_millis(Utc::now() + TimeDelta::hours(24)),
        })
        .await
        .unwrap();
    a.create_authenticator(authenticator(&user.id, "cred/1+A="))
        .await
        .unwrap();
    a.create_authenticator(authenticator(&user.id, "cred2"))
        .await
        .unwrap();

    let u = parse(&get_raw(&mut c, &format!("{p}user:{}", user.id)).await);
    assert_eq!(
        u,
        json!({"id": user.id, "name": "Ada", "email": "ada@example.com",
               "emailVerified": dates::to_iso(&verified), "image": null})
    );
    assert!(dates::to_iso(&verified).ends_with('Z'));
    assert_eq!(
        get_raw(&mut c, &format!("{p}user:email:ada@example.com")).await,
        Some(user.id.clone()),
        "index values are plain strings, not JSON-quoted"
    );
    let acc = parse(&get_raw(&mut c, &format!("{p}user:account:github:42")).await);
    assert_eq!(
        acc,
        json!({"id": "github:42", "userId": user.id, "type": "oauth", "provider": "github",
               "providerAccountId": "42", "access_token": "gho_x", "expires_at": 2_592_000,
               "refresh_token": null, "token_type": null, "scope": null, "id_token": null,
               "session_state": null}),
        "absent token fields are null, as @auth/unstorage-adapter writes them"
    );
    assert_eq!(
        get_raw(&mut c, &format!("{p}user:account:by-user-id:{}", user.id)).await,
        Some(format!("{p}user:account:github:42"))
    );
    let sess = parse(&get_raw(&mut c, &format!("{p}user:session:tok-1")).await);
    assert_eq!(
        sess,
        json!({"sessionToken": "tok-1", "userId": user.id, "expires": dates::to_iso(&s.expires)})
    );
    assert_eq!(
        get_raw(&mut c, &format!("{p}user:session:by-user-id:{}", user.id)).await,
        Some(format!("{p}user:session:tok-1"))
    );
    let tok = parse(&get_raw(&mut c, &format!("{p}user:token:ada@example.com:hashed")).await);
    assert_eq!(
        tok,
        json!({"identifier": "ada@example.com", "token": "hashed", "expires": dates::to_iso(&t.expires)})
    );
    let auth = parse(&get_raw(&mut c, &format!("{p}authenticator:cred/1+A=")).await);
    assert_eq!(
        auth,
        json!({"credentialID": "cred/1+A=", "userId": user.id, "providerAccountId": "cred/1+A=",
               "credentialPublicKey": "cHVibGljLWtleQ==", "counter": 7,
               "credentialDeviceType": "singleDevice", "credentialBackedUp": true,
               "transports": "usb,nfc"})
    );
    assert_eq!(
        get_raw(&mut c, &format!("{p}authenticator:by-user-id:{}", user.id)).await,
        Some(r#"["cred2","cred/1+A="]"#.to_owned()),
        "newest first, exactly as JSON.stringify writes it"
    );

    // Our own keys, beside the JS ones.
    assert_eq!(
        key_type(
            &mut c,
            &format!("{p}auth-adapter:user-sessions:{}", user.id)
        )
        .await,
        "set"
    );
    assert_eq!(
        key_type(
            &mut c,
            &format!("{p}auth-adapter:user-accounts:{}", user.id)
        )
        .await,
        "set"
    );
    assert_eq!(
        key_type(&mut c, &format!("{p}auth-adapter:sessions-by-expiry")).await,
        "zset"
    );
    assert_eq!(
        key_type(&mut c, &format!("{p}auth-adapter:tokens-by-expiry")).await,
        "zset"
    );
    let mut all = keys_under(&mut c, &p).await;
    all.iter_mut()
        .for_each(|k| *k = k[p.len()..].replace(&user.id, "{id}"));
    all.sort();
    assert_eq!(
        all,
        [
            "auth-adapter:sessions-by-expiry",
            "auth-adapter:tokens-by-expiry",
            "auth-adapter:user-accounts:{id}",
            "auth-adapter:user-sessions:{id}",
            "authenticator:by-user-id:{id}",
            "authenticator:cred/1+A=",
            "authenticator:cred2",
            "user:account:by-user-id:{id}",
            "user:account:github:42",
            "user:email:ada@example.com",
            "user:session:by-user-id:{id}",
            "user:session:tok-1",
            "user:token:ada@example.com:hashed",
            "user:{id}",
        ]
    );
}

#[tokio::test]
async fn reads_what_the_js_adapters_write() {
    let (a, p) = fresh().await;
    let mut c = raw_conn().await;
    let id = uuid::Uuid::new_v4().to_string();
    let set = |k: String, v: String| redis::cmd("SET").arg(k).arg(v).clone();
    let cmds = [
        set(
            format!("{p}user:{id}"),
            json!({"id": id, "email": "js@example.com", "emailVerified": "2026-11-22T11:33:29Z",
                   "name": "JS", "role": "admin"})
            .to_string(),
        ),
        set(format!("{p}user:email:js@example.com"), id.clone()),
        set(
            format!("{p}user:session:js-tok"),
            json!({"sessionToken": "js-tok", "userId": id, "expires": "2030-01-01T00:00:00.000Z"})
                .to_string(),
        ),
        set(
            format!("{p}authenticator:c1"),
            json!({"credentialID": "c1", "userId": id, "providerAccountId": "c1",
                   "credentialPublicKey": "k", "counter": 1, "credentialDeviceType": "platform",
                   "credentialBackedUp": false})
            .to_string(),
        ),
        set(
            format!("{p}authenticator:by-user-id:{id}"),
            r#"["c1","c1"]"#.into(),
        ),
    ];
    for cmd in cmds {
        let _: () = cmd.query_async(&mut c).await.unwrap();
    }
    let user = a
        .get_user_by_email("js@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.id, id);
    assert_eq!(user.image, None);
    assert_eq!(
        user.email_verified.map(|d| dates::to_iso(&d)).as_deref(),
        Some("2026-11-22T11:33:29.000Z")
    );
    let (s, u) = a.get_session_and_user("js-tok").await.unwrap().unwrap();
    assert_eq!(
        (s.user_id.as_str(), u.id.as_str()),
        (id.as_str(), id.as_str())
    );
    let list = a.list_authenticators_by_user_id(&id).await.unwrap();
    assert_eq!(
        list.len(),
        1,
        "the JS adapter's duplicate ids are read once"
    );
    assert!(!list[0].credential_backed_up);

    // Updating keeps the fields only the JS app knows.
    a.update_user(UserUpdate::new(&id).name(Some("Renamed".into())))
        .await
        .unwrap();
    let stored = parse(&get_raw(&mut c, &format!("{p}user:{id}")).await);
    assert_eq!(stored["role"], "admin");
    assert_eq!(stored["name"], "Renamed");
}

#[tokio::test]
async fn delete_user_removes_every_session_account_and_authenticator() {
    let (a, p) = fresh().await;
    let mut c = raw_conn().await;
    let keep = a
        .create_user(NewUser::with_email("keep@example.com"))
        .await
        .unwrap();
    a.create_session(session(&keep.id, "keep", TimeDelta::hours(1)))
        .await
        .unwrap();
    let before = keys_under(&mut c, &p).await;

    let user = a
        .create_user(NewUser::with_email("gone@example.com"))
        .await
        .unwrap();
    for t in ["s1", "s2", "s3"] {
        a.create_session(session(&user.id, t, TimeDelta::hours(1)))
            .await
            .unwrap();
    }
    for (provider, id) in [("github", "1"), ("google", "2")] {
        a.link_account(AdapterAccount::new(
            &user.id,
            AccountType::Oauth,
            provider,
            id,
        ))
        .await
        .unwrap();
    }
    a.create_authenticator(authenticator(&user.id, "c1"))
        .await
        .unwrap();
    let deleted = a.delete_user(&user.id).await.unwrap().unwrap();
    assert_eq!(deleted, user);

    let mut after = keys_under(&mut c, &p).await;
    after.retain(|k| !k.ends_with("sessions-by-expiry"));
    let mut before = before;
    before.retain(|k| !k.ends_with("sessions-by-expiry"));
    assert_eq!(after, before, "nothing of the deleted user is left");
    let members: Vec<String> = redis::cmd("ZRANGE")
        .arg(format!("{p}auth-adapter:sessions-by-expiry"))
        .arg(0)
        .arg(-1)
        .query_async(&mut c)
        .await
        .unwrap();
    assert_eq!(members, [format!("{p}user:session:keep")]);
    assert_eq!(a.get_user_by_email("gone@example.com").await.unwrap(), None);
    assert!(a.get_session_and_user("keep").await.unwrap().is_some());
}

#[tokio::test]
async fn email_change_moves_the_index_atomically_and_conflicts_are_refused() {
    let (a, p) = fresh().await;
    let mut c = raw_conn().await;
    let u1 = a
        .create_user(NewUser::with_email("one@example.com"))
        .await
        .unwrap();
    let u2 = a
        .create_user(NewUser::with_email("two@example.com"))
        .await
        .unwrap();
    let err = a
        .update_user(UserUpdate::new(&u1.id).email(Some("two@example.com".into())))
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "{err}");
    assert_eq!(
        get_raw(&mut c, &format!("{p}user:email:two@example.com")).await,
        Some(u2.id.clone())
    );
    let moved = a
        .update_user(UserUpdate::new(&u1.id).email(Some("uno@example.com".into())))
        .await
        .unwrap();
    assert_eq!(moved.email.as_deref(), Some("uno@example.com"));
    assert_eq!(
        get_raw(&mut c, &format!("{p}user:email:one@example.com")).await,
        None
    );
    assert_eq!(
        get_raw(&mut c, &format!("{p}user:email:uno@example.com")).await,
        Some(u1.id.clone())
    );
    // The old address is free again.
    a.create_user(NewUser::with_email("one@example.com"))
        .await
        .unwrap();
    // Clearing the email drops the index.
    a.update_user(UserUpdate::new(&u2.id).email(None))
        .await
        .unwrap();
    assert_eq!(
        get_raw(&mut c, &format!("{p}user:email:two@example.com")).await,
        None
    );
}

#[tokio::test]
async fn a_stale_js_email_index_does_not_block_or_mislead() {
    let (a, p) = fresh().await;
    let mut c = raw_conn().await;
    let user = a
        .create_user(NewUser::with_email("new@example.com"))
        .await
        .unwrap();
    // What the JS updateUser leaves behind: the old index still names the user.
    let _: () = redis::cmd("SET")
        .arg(format!("{p}user:email:old@example.com"))
        .arg(&user.id)
        .query_async(&mut c)
        .await
        .unwrap();
    assert_eq!(a.get_user_by_email("old@example.com").await.unwrap(), None);
    let other = a
        .create_user(NewUser::with_email("old@example.com"))
        .await
        .unwrap();
    assert_eq!(
        a.get_user_by_email("old@example.com")
            .await
            .unwrap()
            .map(|u| u.id),
        Some(other.id)
    );
}

#[tokio::test]
async fn unlinking_keeps_the_js_by_user_index_pointing_at_a_live_account() {
    let (a, p) = fresh().await;
    let mut c = raw_conn().await;
    let user = a.create_user(NewUser::default()).await.unwrap();
    for id in ["1", "2"] {
        a.link_account(AdapterAccount::new(&user.id, AccountType::Oidc, "p", id))
            .await
            .unwrap();
    }
    let index = format!("{p}user:account:by-user-id:{}", user.id);
    assert_eq!(
        get_raw(&mut c, &index).await,
        Some(format!("{p}user:account:p:2"))
    );
    a.unlink_account("p", "2").await.unwrap().unwrap();
    assert_eq!(
        get_raw(&mut c, &index).await,
        Some(format!("{p}user:account:p:1"))
    );
    a.unlink_account("p", "1").await.unwrap().unwrap();
    assert_eq!(get_raw(&mut c, &index).await, None);
    let account = a
        .update_account(AccountUpdate::new("p", "1"))
        .await
        .unwrap_err();
    assert!(account.is_not_found());
}

#[tokio::test]
async fn keys_that_would_collide_with_the_js_indexes_are_refused_or_moved() {
    let (a, p) = fresh().await;
    let mut c = raw_conn().await;
    let user = a.create_user(NewUser::default()).await.unwrap();
    let err = a
        .create_session(session(
            &user.id,
            &format!("by-user-id:{}", user.id),
            TimeDelta::hours(1),
        ))
        .await
        .unwrap_err();
    assert!(err.is_invalid_input(), "{err}");
    // Provider `by-user-id` would land on the JS index of the user's accounts: such an
    // account takes the added, unambiguous key instead, and the index stays a plain string.
    let account = AdapterAccount::new(&user.id, AccountType::Oauth, "by-user-id", &user.id);
    a.link_account(account.clone()).await.unwrap();
    assert_eq!(
        a.get_account("by-user-id", &user.id).await.unwrap(),
        Some(account.clone())
    );
    let index = format!("{p}user:account:by-user-id:{}", user.id);
    let moved = format!("{p}auth-adapter:account:10:by-user-id:{}", user.id);
    assert_eq!(get_raw(&mut c, &index).await, Some(moved.clone()));
    assert!(get_raw(&mut c, &moved).await.is_some());
    assert_eq!(
        a.unlink_account("by-user-id", &user.id).await.unwrap(),
        Some(account)
    );
    assert_eq!(get_raw(&mut c, &index).await, None);
    // Lookups of ids that could only name another kind of key are "not found".
    assert_eq!(a.get_user("email:x@example.com").await.unwrap(), None);
    assert_eq!(
        a.get_session_and_user(&format!("by-user-id:{}", user.id))
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn use_verification_token_has_exactly_one_winner() {
    let (a, _) = fresh().await;
    a.create_verification_token(VerificationToken {
        identifier: "race@example.com".into(),
        token: "h".into(),
        expires: Utc::now() + TimeDelta::hours(1),
    })
    .await
    .unwrap();
    let mut tasks = Vec::new();
    for _ in 0..32 {
        let a = a.clone();
        tasks.push(tokio::spawn(async move {
            a.use_verification_token("race@example.com", "h")
                .await
                .unwrap()
        }));
    }
    let mut winners = 0;
    for t in tasks {
        winners += usize::from(t.await.unwrap().is_some());
    }
    assert_eq!(winners, 1);
    let _ = Duration::ZERO;
}

#[tokio::test]
async fn concurrent_writers_never_lose_an_update_or_share_a_unique_key() {
    let (a, p) = fresh().await;
    let mut c = raw_conn().await;

    // Same email from 16 callers: one user.
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let a = a.clone();
        tasks.push(tokio::spawn(async move {
            a.create_user(NewUser::with_email("same@example.com")).await
        }));
    }
    let mut created = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => created += 1,
            Err(e) => assert!(e.is_conflict(), "{e}"),
        }
    }
    assert_eq!(created, 1);

    // 16 authenticators registered at once: the JS list keeps all of them (the JS
    // adapter's read-then-write loses some).
    let user = a.create_user(NewUser::default()).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..16 {
        let a = a.clone();
        let id = user.id.clone();
        tasks.push(tokio::spawn(async move {
            a.create_authenticator(authenticator(&id, &format!("cred{i}")))
                .await
                .unwrap()
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let list: Vec<String> = serde_json::from_str(
        &get_raw(&mut c, &format!("{p}authenticator:by-user-id:{}", user.id))
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(list.len(), 16);
    assert_eq!(
        a.list_authenticators_by_user_id(&user.id)
            .await
            .unwrap()
            .len(),
        16
    );

    // Concurrent partial updates of one user: every field survives (compare-and-set).
    let mut tasks = Vec::new();
    for i in 0..8 {
        let a = a.clone();
        let id = user.id.clone();
        tasks.push(tokio::spawn(async move {
            let update = if i % 2 == 0 {
                UserUpdate::new(&id).name(Some(format!("name{i}")))
            } else {
                UserUpdate::new(&id).image(Some(format!("image{i}")))
            };
            a.update_user(update).await.unwrap()
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let u = a.get_user(&user.id).await.unwrap().unwrap();
    assert!(u.name.is_some() && u.image.is_some(), "{u:?}");
}
