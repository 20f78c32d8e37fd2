//! Redis-specific behaviour: the exact keys the JS adapters read, TTLs, the per-user sets,
//! one round trip, errors and reconnection.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use auth_adapter_core::AdapterError;
use auth_adapter_core::{
    AccountType, AccountUpdate, Adapter, AdapterAccount, AdapterAuthenticator, AdapterSession,
    NewUser, SessionUpdate, UserUpdate, VerificationToken, backend::dates,
};
use auth_adapter_redis::{RedisAdapter, RedisOptions};
use chrono::{TimeDelta, Utc};
use common::*;
use serde_json::{Value, json};

fn session(user_id: &str, token: &str, expires_in: TimeDelta) -> AdapterSession {
    AdapterSession {
        session_token: token.to_owned(),
        user_id: user_id.to_owned(),
        expires: dates::truncate_to_millis(Utc::now() + expires_in),
    }
}

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

async fn pttl(conn: &mut redis::aio::ConnectionManager, key: &str) -> i64 {
    redis::cmd("PTTL")
        .arg(key)
        .query_async(conn)
        .await
        .expect("PTTL")
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
async fn sessions_and_tokens_expire_by_ttl_at_their_expires() {
    let (a, p) = fresh().await;
    let mut c = raw_conn().await;
    let user = a
        .create_user(NewUser::with_email("ttl@example.com"))
        .await
        .unwrap();
    a.create_session(session(&user.id, "t", TimeDelta::hours(1)))
        .await
        .unwrap();
    let key = format!("{p}user:session:t");
    let ttl = pttl(&mut c, &key).await;
    assert!(
        (3_590_000..=3_600_000).contains(&ttl),
        "PTTL {ttl} should be about one hour"
    );
    a.update_session(SessionUpdate::new("t", Utc::now() + TimeDelta::days(30)))
        .await
        .unwrap();
    let ttl = pttl(&mut c, &key).await;
    let month = 30 * 24 * 3_600_000;
    assert!(
        (month - 10_000..=month).contains(&ttl),
        "update_session moves the TTL; PTTL {ttl}"
    );

    a.create_verification_token(VerificationToken {
        identifier: "ttl@example.com".into(),
        token: "h".into(),
        expires: Utc::now() + TimeDelta::minutes(15),
    })
    .await
    .unwrap();
    let ttl = pttl(&mut c, &format!("{p}user:token:ttl@example.com:h")).await;
    assert!((890_000..=900_000).contains(&ttl), "PTTL {ttl}");

    // Users and accounts never expire.
    assert_eq!(pttl(&mut c, &format!("{p}user:{}", user.id)).await, -1);

    // A session that is already over is checked but not stored.
    let past = a
        .create_session(session(&user.id, "old", TimeDelta::seconds(-5)))
        .await
        .unwrap();
    assert!(past.expires < Utc::now());
    assert_eq!(a.get_session_and_user("old").await.unwrap(), None);
    assert_eq!(get_raw(&mut c, &format!("{p}user:session:old")).await, None);
    let err = a
        .create_session(session(
            "0b6f8c5e-1f5b-4f55-9a32-1f8d1d3c6a10",
            "x",
            TimeDelta::seconds(-5),
        ))
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");

    // A session moved into the past is gone at once; the update still reports it.
    let moved = a
        .update_session(SessionUpdate::new("t", Utc::now() - TimeDelta::seconds(1)))
        .await
        .unwrap()
        .unwrap();
    assert!(moved.expires < Utc::now());
    assert_eq!(get_raw(&mut c, &key).await, None);
}

#[tokio::test]
async fn without_ttls_records_stay_until_delete_expired() {
    let p = fresh_prefix();
    let a = adapter_with(
        RedisOptions::new()
            .key_prefix(p.clone())
            .expire_by_ttl(false),
    )
    .await;
    let mut c = raw_conn().await;
    let user = a.create_user(NewUser::default()).await.unwrap();
    let old = a
        .create_session(session(&user.id, "old", TimeDelta::seconds(-5)))
        .await
        .unwrap();
    a.create_session(session(&user.id, "new", TimeDelta::hours(1)))
        .await
        .unwrap();
    assert_eq!(pttl(&mut c, &format!("{p}user:session:new")).await, -1);
    let (s, _) = a.get_session_and_user("old").await.unwrap().unwrap();
    assert_eq!(s, old, "returned with its past expires");
    let n = a.delete_expired(Utc::now()).await.unwrap();
    assert_eq!((n.sessions, n.verification_tokens), (1, 0));
    assert_eq!(a.get_session_and_user("old").await.unwrap(), None);
    assert!(a.get_session_and_user("new").await.unwrap().is_some());
    // A future `now` (as the model check uses) also counts.
    let n = a
        .delete_expired(Utc::now() + TimeDelta::hours(2))
        .await
        .unwrap();
    assert_eq!(n.sessions, 1);
    let left: Vec<String> = keys_under(&mut c, &p)
        .await
        .into_iter()
        .filter(|k| k.contains("session"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[tokio::test]
async fn delete_expired_honours_a_js_extension_of_the_session() {
    let p = fresh_prefix();
    let a = adapter_with(
        RedisOptions::new()
            .key_prefix(p.clone())
            .expire_by_ttl(false),
    )
    .await;
    let mut c = raw_conn().await;
    let user = a.create_user(NewUser::default()).await.unwrap();
    a.create_session(session(&user.id, "s", TimeDelta::hours(1)))
        .await
        .unwrap();
    // The JS adapter's updateSession rewrites the value and knows nothing of our zset.
    let later = dates::to_iso(&(Utc::now() + TimeDelta::days(3)));
    let _: () = redis::cmd("SET")
        .arg(format!("{p}user:session:s"))
        .arg(json!({"sessionToken": "s", "userId": user.id, "expires": later}).to_string())
        .query_async(&mut c)
        .await
        .unwrap();
    let n = a
        .delete_expired(Utc::now() + TimeDelta::hours(2))
        .await
        .unwrap();
    assert_eq!(n.sessions, 0, "a session extended by JS is not expired");
    assert!(a.get_session_and_user("s").await.unwrap().is_some());
    let n = a
        .delete_expired(Utc::now() + TimeDelta::days(4))
        .await
        .unwrap();
    assert_eq!(n.sessions, 1);
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
async fn malformed_values_are_permanent_backend_errors_naming_the_kind() {
    let (a, p) = fresh().await;
    let mut c = raw_conn().await;
    let id = uuid::Uuid::new_v4().to_string();
    let _: () = redis::cmd("SET")
        .arg(format!("{p}user:{id}"))
        .arg("{not json s3cret")
        .query_async(&mut c)
        .await
        .unwrap();
    let _: () = redis::cmd("SET")
        .arg(format!("{p}user:session:bad"))
        .arg(r#"{"sessionToken":"bad","userId":"u","expires":"s3cret"}"#)
        .query_async(&mut c)
        .await
        .unwrap();
    for err in [
        a.get_user(&id).await.unwrap_err(),
        a.get_session_and_user("bad").await.unwrap_err(),
    ] {
        assert!(!err.is_transient());
        let text = format!(
            "{err}: {:?}",
            std::error::Error::source(&err).map(|s| s.to_string())
        );
        assert!(text.contains("user") || text.contains("session"), "{text}");
        assert!(!text.contains("s3cret"), "{text}");
    }
    // A value that is not even JSON is kept, not half-deleted.
    let _: () = redis::cmd("SET")
        .arg(format!("{p}user:session:worse"))
        .arg("{not json")
        .query_async(&mut c)
        .await
        .unwrap();
    assert!(a.delete_session("worse").await.is_err());
    assert!(
        get_raw(&mut c, &format!("{p}user:session:worse"))
            .await
            .is_some()
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
async fn a_read_that_fails_never_consumes_or_deletes() {
    let (a, p) = fresh().await;
    let mut c = raw_conn().await;
    let user = a.create_user(NewUser::default()).await.unwrap();
    let conn = c.clone();
    let set = |key: String, value: &str| {
        let mut c = conn.clone();
        let value = value.to_owned();
        async move {
            let _: () = redis::cmd("SET")
                .arg(key)
                .arg(value)
                .query_async(&mut c)
                .await
                .unwrap();
        }
    };
    // Another client wrote dates Rust cannot read (beyond chrono's year 262142).
    let far = "+275760-09-13T00:00:00.000Z";
    let uid = uuid::Uuid::new_v4().to_string();
    set(
        format!("{p}user:{uid}"),
        &format!(r#"{{"id":"{uid}","email":null,"emailVerified":"{far}"}}"#),
    )
    .await;
    set(
        format!("{p}user:token:x@example.com:t"),
        &format!(r#"{{"identifier":"x@example.com","token":"t","expires":"{far}"}}"#),
    )
    .await;
    set(
        format!("{p}user:session:s"),
        &format!(
            r#"{{"sessionToken":"s","userId":"{}","expires":"{far}"}}"#,
            user.id
        ),
    )
    .await;
    set(
        format!("{p}user:account:gh:1"),
        r#"{"provider":"gh","providerAccountId":"1","userId":7}"#,
    )
    .await;
    assert!(a.delete_user(&uid).await.is_err());
    assert!(
        a.use_verification_token("x@example.com", "t")
            .await
            .is_err()
    );
    assert!(a.delete_session("s").await.is_err());
    assert!(a.unlink_account("gh", "1").await.is_err());
    for key in [
        format!("{p}user:{uid}"),
        format!("{p}user:token:x@example.com:t"),
        format!("{p}user:session:s"),
        format!("{p}user:account:gh:1"),
    ] {
        assert!(get_raw(&mut c, &key).await.is_some(), "{key} kept");
    }
    // Dates with JavaScript's expanded years inside the range are read.
    set(
        format!("{p}user:token:y@example.com:t"),
        r#"{"identifier":"y@example.com","token":"t","expires":"+010000-01-01T00:00:00.000Z"}"#,
    )
    .await;
    let token = a
        .use_verification_token("y@example.com", "t")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(dates::to_iso(&token.expires), "+010000-01-01T00:00:00.000Z");
}

#[tokio::test]
async fn create_session_costs_the_same_whatever_sessions_the_user_has() {
    // The script samples a fixed number of the user's sessions: with thousands of dead
    // members in the user's set, a create still touches only a handful, and the set
    // shrinks towards the live sessions as creates go on.
    let (a, p) = fresh().await;
    let mut c = raw_conn().await;
    let user = a.create_user(NewUser::default()).await.unwrap();
    let set_key = format!("{p}auth-adapter:user-sessions:{}", user.id);
    let dead: Vec<String> = (0..5000)
        .map(|i| format!("{p}user:session:gone-{i}"))
        .collect();
    let _: () = redis::cmd("SADD")
        .arg(&set_key)
        .arg(&dead)
        .query_async(&mut c)
        .await
        .unwrap();
    for _ in 0..200 {
        a.create_session(session(
            &user.id,
            &uuid::Uuid::new_v4().to_string(),
            TimeDelta::hours(1),
        ))
        .await
        .unwrap();
    }
    let members: usize = redis::cmd("SCARD")
        .arg(&set_key)
        .query_async(&mut c)
        .await
        .unwrap();
    // 200 live sessions and at most 4 members checked per create: at most 800 of the
    // 5000 dead ones are gone (a whole-set scan would have left exactly 200), and some are.
    assert!(
        (5200 - 800..5200).contains(&members),
        "members after 200 creates: {members}"
    );
}

#[tokio::test]
async fn bad_option_values_are_invalid_input_never_clamped() {
    let conn = raw_conn().await;
    for (field, options) in [
        (
            "connection_timeout",
            RedisOptions::new().connection_timeout(Some(Duration::ZERO)),
        ),
        (
            "response_timeout",
            RedisOptions::new().response_timeout(Some(Duration::ZERO)),
        ),
    ] {
        for err in [
            RedisAdapter::from_pool(conn.clone(), options.clone()).unwrap_err(),
            RedisAdapter::connect(&redis_url(), options)
                .await
                .unwrap_err(),
        ] {
            assert!(
                matches!(err, AdapterError::InvalidInput { field: f, .. } if f == field),
                "{field}: {err}"
            );
        }
    }
    // `None` is "no limit", not a bad value.
    let options = RedisOptions::new().response_timeout(None);
    assert!(RedisAdapter::from_pool(conn, options).is_ok());
}

#[tokio::test]
async fn debug_output_hides_the_password() {
    let url = redis_url();
    let a = adapter_with(RedisOptions::new()).await;
    let text = format!("{a:?}");
    assert!(text.contains("RedisAdapter"), "{text}");
    if let Some((_, rest)) = url.split_once("://")
        && let Some((userinfo, _)) = rest.split_once('@')
        && let Some((_, password)) = userinfo.split_once(':')
        && !password.is_empty()
    {
        assert!(!text.contains(password), "{text}");
    }
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
async fn get_session_and_user_is_one_round_trip() {
    let proxy = server::CountingProxy::start(redis_address()).await;
    let url = url_with_address(&redis_url(), "127.0.0.1", proxy.port);
    let prefix = fresh_prefix();
    let a = auth_adapter_redis::RedisAdapter::connect(
        &url,
        RedisOptions::new().key_prefix(prefix.clone()),
    )
    .await
    .unwrap();
    let user = a
        .create_user(NewUser::with_email("rt@example.com"))
        .await
        .unwrap();
    a.create_session(session(&user.id, "rt", TimeDelta::hours(1)))
        .await
        .unwrap();
    // The first call may load the script (EVALSHA, NOSCRIPT, SCRIPT LOAD, EVALSHA).
    a.get_session_and_user("rt").await.unwrap().unwrap();
    proxy.take();

    let (s, u) = a.get_session_and_user("rt").await.unwrap().unwrap();
    assert_eq!((s.user_id.as_str(), u), (user.id.as_str(), user.clone()));
    assert_eq!(proxy.take(), ["EVALSHA"]);
    assert_eq!(a.get_session_and_user("missing").await.unwrap(), None);
    assert_eq!(proxy.take(), ["EVALSHA"]);
    // The proxy sees every command: a plain lookup is one GET, so the count is honest.
    a.get_user(&user.id).await.unwrap().unwrap();
    assert_eq!(proxy.take(), ["GET"]);
}

#[tokio::test]
async fn transient_errors_while_the_server_is_down_and_recovery_after_a_restart() {
    let mut server = server::PrivateServer::start().await;
    let a = auth_adapter_redis::RedisAdapter::connect(
        &server.url(),
        RedisOptions::new()
            .key_prefix(fresh_prefix())
            .reconnect_retries(1)
            .connection_timeout(Some(Duration::from_millis(300)))
            .response_timeout(Some(Duration::from_secs(1))),
    )
    .await
    .unwrap();
    let user = a
        .create_user(NewUser::with_email("up@example.com"))
        .await
        .unwrap();
    a.create_session(session(&user.id, "s", TimeDelta::hours(1)))
        .await
        .unwrap();
    assert!(a.get_session_and_user("s").await.unwrap().is_some());

    server.kill().await;
    for _ in 0..3 {
        let err = a.get_session_and_user("s").await.unwrap_err();
        assert!(err.is_transient(), "{err}");
        let err = a.create_user(NewUser::default()).await.unwrap_err();
        assert!(err.is_transient(), "{err}");
    }

    server.restart().await;
    // The manager reconnects on its own; a call may still see the failed connection once.
    let mut recovered = None;
    for _ in 0..50 {
        match a.create_user(NewUser::with_email("back@example.com")).await {
            Ok(u) => {
                recovered = Some(u);
                break;
            }
            Err(e) => {
                assert!(e.is_transient(), "{e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    let back = recovered.expect("the adapter works again after the restart");
    // The fresh server has no scripts cached: EVALSHA got NOSCRIPT and the script was
    // loaded again, transparently.
    a.create_session(session(&back.id, "s2", TimeDelta::hours(1)))
        .await
        .unwrap();
    let (_, u) = a.get_session_and_user("s2").await.unwrap().unwrap();
    assert_eq!(u, back);
    server.kill().await;
}

#[tokio::test]
async fn connecting_to_a_server_that_is_not_there_is_transient() {
    let port = server::free_port();
    let err = auth_adapter_redis::RedisAdapter::connect(
        &format!("redis://127.0.0.1:{port}"),
        RedisOptions::new()
            .reconnect_retries(0)
            .connection_timeout(Some(Duration::from_millis(300))),
    )
    .await
    .unwrap_err();
    assert!(err.is_transient(), "{err}");
}

#[tokio::test]
async fn script_errors_are_permanent() {
    let (a, p) = fresh().await;
    let mut c = raw_conn().await;
    let user = a.create_user(NewUser::default()).await.unwrap();
    // Someone else put a list where the JS session index lives.
    let _: () = redis::cmd("RPUSH")
        .arg(format!("{p}user:session:by-user-id:{}", user.id))
        .arg("x")
        .query_async(&mut c)
        .await
        .unwrap();
    let err = a.delete_user(&user.id).await.unwrap_err();
    assert!(!err.is_transient(), "{err}");
    assert!(
        a.get_user(&user.id).await.unwrap().is_some(),
        "nothing half-deleted"
    );
}

#[tokio::test]
async fn with_ttls_the_expiry_index_of_expired_keys_is_pruned_on_create() {
    let (a, p) = fresh().await;
    let mut c = raw_conn().await;
    let user = a.create_user(NewUser::default()).await.unwrap();
    // What Redis leaves once a session's TTL fired: the key is gone, our index entries not.
    let gone = format!("{p}user:session:gone");
    let zset = format!("{p}auth-adapter:sessions-by-expiry");
    let past = (Utc::now() - TimeDelta::minutes(1)).timestamp_millis();
    let _: () = redis::cmd("ZADD")
        .arg(&zset)
        .arg(past)
        .arg(&gone)
        .query_async(&mut c)
        .await
        .unwrap();
    let _: () = redis::cmd("SADD")
        .arg(format!("{p}auth-adapter:user-sessions:{}", user.id))
        .arg(&gone)
        .query_async(&mut c)
        .await
        .unwrap();
    a.create_session(session(&user.id, "long", TimeDelta::hours(1)))
        .await
        .unwrap();
    let members: Vec<String> = redis::cmd("ZRANGE")
        .arg(&zset)
        .arg(0)
        .arg(-1)
        .query_async(&mut c)
        .await
        .unwrap();
    assert_eq!(members, [format!("{p}user:session:long")]);
    let set: Vec<String> = redis::cmd("SMEMBERS")
        .arg(format!("{p}auth-adapter:user-sessions:{}", user.id))
        .query_async(&mut c)
        .await
        .unwrap();
    assert_eq!(set, [format!("{p}user:session:long")]);
    // Nothing to count: TTL removed it, delete_expired only counts what it removes.
    let n = a.delete_expired(Utc::now()).await.unwrap();
    assert_eq!(n.sessions, 0);
}

#[tokio::test]
async fn the_sweep_lets_delete_expired_find_what_only_js_wrote() {
    let p = fresh_prefix();
    let mut c = raw_conn().await;
    let past = dates::to_iso(&(Utc::now() - TimeDelta::minutes(1)));
    let future = dates::to_iso(&(Utc::now() + TimeDelta::hours(1)));
    let uid = uuid::Uuid::new_v4().to_string();
    for (k, v) in [
        (
            format!("{p}user:token:a@example.com:old"),
            json!({"identifier": "a@example.com", "token": "old", "expires": past}),
        ),
        (
            format!("{p}user:token:a@example.com:new"),
            json!({"identifier": "a@example.com", "token": "new", "expires": future}),
        ),
        (
            format!("{p}user:session:js-old"),
            json!({"sessionToken": "js-old", "userId": uid, "expires": past}),
        ),
    ] {
        let _: () = redis::cmd("SET")
            .arg(k)
            .arg(v.to_string())
            .query_async(&mut c)
            .await
            .unwrap();
    }
    let _: () = redis::cmd("SET")
        .arg(format!("{p}user:session:by-user-id:{uid}"))
        .arg(format!("{p}user:session:js-old"))
        .query_async(&mut c)
        .await
        .unwrap();
    let plain = adapter_with(RedisOptions::new().key_prefix(p.clone())).await;
    let n = plain.delete_expired(Utc::now()).await.unwrap();
    assert_eq!(
        (n.sessions, n.verification_tokens),
        (0, 0),
        "not indexed: not found"
    );
    let swept = adapter_with(
        RedisOptions::new()
            .key_prefix(p.clone())
            .sweep_unindexed(true),
    )
    .await;
    let n = swept.delete_expired(Utc::now()).await.unwrap();
    assert_eq!((n.sessions, n.verification_tokens), (1, 1));
    let left = keys_under(&mut c, &p).await;
    assert_eq!(left, [format!("{p}user:token:a@example.com:new")]);
}

#[test]
fn the_counting_proxy_parses_resp_commands() {
    let mut b = b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*1\r\n$4\r\nPI".to_vec();
    assert_eq!(server::take_command(&mut b).as_deref(), Some("GET"));
    assert_eq!(server::take_command(&mut b), None);
    b.extend_from_slice(b"NG\r\n");
    assert_eq!(server::take_command(&mut b).as_deref(), Some("PING"));
    assert!(b.is_empty());
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

async fn zset_members(c: &mut redis::aio::ConnectionManager, key: &str) -> Vec<String> {
    redis::cmd("ZRANGE")
        .arg(key)
        .arg(0)
        .arg(-1)
        .query_async(c)
        .await
        .unwrap()
}

#[tokio::test]
async fn delete_expired_pages_through_a_large_backlog() {
    let p = fresh_prefix();
    let a = adapter_with(
        RedisOptions::new()
            .key_prefix(p.clone())
            .expire_by_ttl(false),
    )
    .await;
    let mut c = raw_conn().await;
    let user = a.create_user(NewUser::default()).await.unwrap();
    for i in 0..600 {
        a.create_session(session(
            &user.id,
            &format!("old{i}"),
            TimeDelta::minutes(-1 - i),
        ))
        .await
        .unwrap();
    }
    a.create_session(session(&user.id, "live", TimeDelta::hours(1)))
        .await
        .unwrap();
    let n = a.delete_expired(Utc::now()).await.unwrap();
    assert_eq!(n.sessions, 600);
    assert_eq!(
        zset_members(&mut c, &format!("{p}auth-adapter:sessions-by-expiry")).await,
        [format!("{p}user:session:live")]
    );
    assert_eq!(a.delete_sessions_by_user_id(&user.id).await.unwrap(), 1);
}

#[tokio::test]
async fn delete_expired_with_a_past_now_forgets_keys_redis_already_expired() {
    let (a, p) = fresh().await;
    let mut c = raw_conn().await;
    let user = a.create_user(NewUser::default()).await.unwrap();
    a.create_session(session(&user.id, "live", TimeDelta::hours(1)))
        .await
        .unwrap();
    let zset = format!("{p}auth-adapter:sessions-by-expiry");
    let expired_by_ttl = (Utc::now() - TimeDelta::minutes(1)).timestamp_millis();
    let _: () = redis::cmd("ZADD")
        .arg(&zset)
        .arg(expired_by_ttl)
        .arg(format!("{p}user:session:ttl-gone"))
        .query_async(&mut c)
        .await
        .unwrap();
    let n = a
        .delete_expired(Utc::now() - TimeDelta::hours(1))
        .await
        .unwrap();
    assert_eq!(n.sessions, 0, "nothing before `now` to remove");
    assert_eq!(
        zset_members(&mut c, &zset).await,
        [format!("{p}user:session:live")]
    );
    assert!(a.get_session_and_user("live").await.unwrap().is_some());
}
