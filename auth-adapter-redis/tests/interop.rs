//! Interop with the real `@auth/unstorage-adapter` (on unstorage's redis driver), through
//! `node interop/peer.mjs --adapter unstorage-redis` on the same server and key prefix.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use auth_adapter_core::{
    AccountType, Adapter, AdapterAccount, AdapterAuthenticator, AdapterSession, AdapterUser,
    NewUser, VerificationToken, backend::dates,
};
use auth_adapter_redis::{RedisAdapter, RedisOptions};
use auth_adapter_tests::interop::{Peer, date, ok};
use chrono::{TimeDelta, Utc};
use common::*;
use serde_json::{Value, json};

/// The real `@auth/unstorage-adapter` under `prefix` of REDIS_URL.
fn peer(prefix: &str) -> Peer {
    Peer::new("unstorage-redis")
        .env("REDIS_URL", redis_url())
        .env("KEY_PREFIX", prefix)
}

fn user_json(u: &AdapterUser) -> Value {
    json!({"id": u.id, "name": u.name, "email": u.email,
           "emailVerified": u.email_verified.as_ref().map(date), "image": u.image})
}

fn session_json(s: &AdapterSession) -> Value {
    json!({"sessionToken": s.session_token, "userId": s.user_id, "expires": date(&s.expires)})
}

fn authenticator_json(a: &AdapterAuthenticator) -> Value {
    json!({"credentialID": a.credential_id, "userId": a.user_id,
           "providerAccountId": a.provider_account_id,
           "credentialPublicKey": a.credential_public_key, "counter": a.counter,
           "credentialDeviceType": a.credential_device_type,
           "credentialBackedUp": a.credential_backed_up, "transports": a.transports})
}

fn authenticator(
    user_id: &str,
    credential_id: &str,
    transports: Option<&str>,
) -> AdapterAuthenticator {
    AdapterAuthenticator {
        credential_id: credential_id.to_owned(),
        user_id: user_id.to_owned(),
        provider_account_id: credential_id.to_owned(),
        credential_public_key: "cHVibGljLWtleQ==".into(),
        counter: 3,
        credential_device_type: "multiDevice".into(),
        credential_backed_up: false,
        transports: transports.map(str::to_owned),
    }
}

async fn adapter(prefix: &str, sweep: bool) -> RedisAdapter {
    adapter_with(
        RedisOptions::new()
            .key_prefix(prefix)
            .sweep_unindexed(sweep),
    )
    .await
}

#[tokio::test]
async fn rust_writes_every_entity_and_auth_js_reads_it_back_equal() {
    let prefix = fresh_prefix();
    let js = peer(&prefix);
    let a = adapter(&prefix, false).await;
    let user = a
        .create_user(NewUser {
            name: Some("Ada Lovelace".into()),
            email: Some("ada@example.com".into()),
            email_verified: Some(dates::truncate_to_millis(Utc::now())),
            image: Some("https://example.com/ada.png".into()),
        })
        .await
        .unwrap();
    let mut account = AdapterAccount::new(&user.id, AccountType::Oidc, "google", "g-1:x");
    account.access_token = Some("ya29.token".into());
    account.refresh_token = Some("1//refresh".into());
    account.expires_at = Some(1_795_000_000);
    account.token_type = Some("bearer".into());
    account.scope = Some("openid email".into());
    account.id_token = Some("eyJ.id.token".into());
    a.link_account(account.clone()).await.unwrap();
    let session = a
        .create_session(AdapterSession {
            session_token: uuid::Uuid::new_v4().to_string(),
            user_id: user.id.clone(),
            expires: Utc::now() + TimeDelta::days(30),
        })
        .await
        .unwrap();
    let token = a
        .create_verification_token(VerificationToken {
            identifier: "ada@example.com".into(),
            token: "a".repeat(64),
            expires: Utc::now() + TimeDelta::hours(24),
        })
        .await
        .unwrap();
    let a1 = a
        .create_authenticator(authenticator(&user.id, "Y3JlZC8x+A==", Some("usb,ble,nfc")))
        .await
        .unwrap();
    let a2 = a
        .create_authenticator(authenticator(&user.id, "Y3JlZDI=", None))
        .await
        .unwrap();

    let r = js
        .call(json!([
            {"method": "getUser", "args": [user.id]},
            {"method": "getUserByEmail", "args": ["ada@example.com"]},
            {"method": "getUserByAccount", "args": [{"provider": "google", "providerAccountId": "g-1:x"}]},
            {"method": "getAccount", "args": ["g-1:x", "google"]},
            {"method": "getSessionAndUser", "args": [session.session_token]},
            {"method": "db.verificationToken", "args": [{"identifier": token.identifier, "token": token.token}]},
            {"method": "useVerificationToken", "args": [{"identifier": token.identifier, "token": token.token}]},
            {"method": "getAuthenticator", "args": [a1.credential_id]},
            {"method": "listAuthenticatorsByUserId", "args": [user.id]},
        ]))
        .await;
    let u = user_json(&user);
    assert_eq!(ok(&r[0]), &u);
    assert_eq!(ok(&r[1]), &u);
    assert_eq!(ok(&r[2]), &u);
    assert_eq!(
        ok(&r[3]),
        &json!({"id": "google:g-1:x", "userId": user.id, "type": "oidc", "provider": "google",
                "providerAccountId": "g-1:x", "access_token": "ya29.token",
                "refresh_token": "1//refresh", "expires_at": 1_795_000_000,
                "token_type": "bearer", "scope": "openid email", "id_token": "eyJ.id.token",
                "session_state": null})
    );
    assert_eq!(
        ok(&r[4]),
        &json!({"session": session_json(&session), "user": u})
    );
    let t = json!({"identifier": token.identifier, "token": token.token, "expires": date(&token.expires)});
    assert_eq!(ok(&r[5]), &t);
    assert_eq!(ok(&r[6]), &t);
    assert_eq!(ok(&r[7]), &authenticator_json(&a1));
    assert_eq!(
        ok(&r[8]),
        &json!([authenticator_json(&a2), authenticator_json(&a1)])
    );
    // JS used the token: Rust sees it gone.
    assert_eq!(
        a.use_verification_token(&token.identifier, &token.token)
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn auth_js_writes_every_entity_and_rust_reads_it_back_equal() {
    let prefix = fresh_prefix();
    let js = peer(&prefix);
    let a = adapter(&prefix, false).await;
    let verified = dates::truncate_to_millis(Utc::now());
    let expires = dates::truncate_to_millis(Utc::now() + TimeDelta::days(30));
    let token_expires = dates::truncate_to_millis(Utc::now() + TimeDelta::hours(1));
    let created = js
        .call(
            json!([{"method": "createUser", "args": [{"name": "Grace", "email": "grace@example.com",
                 "emailVerified": date(&verified), "image": null}]}]),
        )
        .await;
    let id = ok(&created[0])["id"].as_str().unwrap().to_owned();
    let r = js
        .call(json!([
            {"method": "linkAccount", "args": [{"userId": id, "type": "oauth", "provider": "github",
              "providerAccountId": "99", "access_token": "gho_abc", "expires_at": 1_795_000_000,
              "token_type": "bearer", "scope": "read:user"}]},
            {"method": "createSession", "args": [{"sessionToken": "js-session", "userId": id,
              "expires": date(&expires)}]},
            {"method": "createVerificationToken", "args": [{"identifier": "grace@example.com",
              "token": "b".repeat(64), "expires": date(&token_expires)}]},
            {"method": "createAuthenticator", "args": [{"credentialID": "Z3JhY2Ux", "userId": id,
              "providerAccountId": "Z3JhY2Ux", "credentialPublicKey": "a2V5", "counter": 5,
              "credentialDeviceType": "platform", "credentialBackedUp": true,
              "transports": "internal"}]},
            {"method": "createAuthenticator", "args": [{"credentialID": "Z3JhY2Uy", "userId": id,
              "providerAccountId": "Z3JhY2Uy", "credentialPublicKey": "a2V5Mg==", "counter": 0,
              "credentialDeviceType": "singleDevice", "credentialBackedUp": false}]},
        ]))
        .await;
    for result in &r {
        ok(result);
    }

    let user = AdapterUser {
        id: id.clone(),
        name: Some("Grace".into()),
        email: Some("grace@example.com".into()),
        email_verified: Some(verified),
        image: None,
    };
    assert_eq!(a.get_user(&id).await.unwrap(), Some(user.clone()));
    assert_eq!(
        a.get_user_by_email("grace@example.com").await.unwrap(),
        Some(user.clone())
    );
    assert_eq!(
        a.get_user_by_account("github", "99").await.unwrap(),
        Some(user.clone())
    );
    let mut account = AdapterAccount::new(&id, AccountType::Oauth, "github", "99");
    account.access_token = Some("gho_abc".into());
    account.expires_at = Some(1_795_000_000);
    account.token_type = Some("bearer".into());
    account.scope = Some("read:user".into());
    assert_eq!(a.get_account("github", "99").await.unwrap(), Some(account));
    let session = AdapterSession {
        session_token: "js-session".into(),
        user_id: id.clone(),
        expires,
    };
    assert_eq!(
        a.get_session_and_user("js-session").await.unwrap(),
        Some((session, user))
    );
    assert_eq!(
        a.use_verification_token("grace@example.com", &"b".repeat(64))
            .await
            .unwrap(),
        Some(VerificationToken {
            identifier: "grace@example.com".into(),
            token: "b".repeat(64),
            expires: token_expires,
        })
    );
    let first = AdapterAuthenticator {
        credential_id: "Z3JhY2Ux".into(),
        user_id: id.clone(),
        provider_account_id: "Z3JhY2Ux".into(),
        credential_public_key: "a2V5".into(),
        counter: 5,
        credential_device_type: "platform".into(),
        credential_backed_up: true,
        transports: Some("internal".into()),
    };
    let second = AdapterAuthenticator {
        credential_id: "Z3JhY2Uy".into(),
        provider_account_id: "Z3JhY2Uy".into(),
        credential_public_key: "a2V5Mg==".into(),
        counter: 0,
        credential_device_type: "singleDevice".into(),
        credential_backed_up: false,
        transports: None,
        ..first.clone()
    };
    assert_eq!(
        a.get_authenticator("Z3JhY2Ux").await.unwrap(),
        Some(first.clone())
    );
    assert_eq!(
        a.list_authenticators_by_user_id(&id).await.unwrap(),
        [second, first]
    );

    // And back: Rust's counter update is what JS reads.
    a.update_authenticator_counter("Z3JhY2Ux", 6).await.unwrap();
    let r = js
        .call(json!([{"method": "getAuthenticator", "args": ["Z3JhY2Ux"]}]))
        .await;
    assert_eq!(ok(&r[0])["counter"], 6);
    assert_eq!(ok(&r[0])["credentialBackedUp"], true);
}

/// Writes a user with two sessions and two accounts through the JS adapter.
async fn js_user_with_two_of_each(prefix: &str, email: &str) -> (String, Vec<String>) {
    let js = peer(prefix);
    let created = js
        .call(json!([{"method": "createUser", "args": [{"email": email, "emailVerified": null}]}]))
        .await;
    let id = ok(&created[0])["id"].as_str().unwrap().to_owned();
    let expires = date(&(Utc::now() + TimeDelta::days(30)));
    let s1 = uuid::Uuid::new_v4().to_string();
    let s2 = uuid::Uuid::new_v4().to_string();
    let r = js
        .call(json!([
            {"method": "createSession", "args": [{"sessionToken": s1, "userId": id, "expires": expires}]},
            {"method": "createSession", "args": [{"sessionToken": s2, "userId": id, "expires": expires}]},
            {"method": "linkAccount", "args": [{"userId": id, "type": "oauth", "provider": "github", "providerAccountId": "1"}]},
            {"method": "linkAccount", "args": [{"userId": id, "type": "oauth", "provider": "gitlab", "providerAccountId": "2"}]},
        ]))
        .await;
    for result in &r {
        ok(result);
    }
    let keys = vec![
        format!("{prefix}user:{id}"),
        format!("{prefix}user:email:{email}"),
        format!("{prefix}user:session:{s1}"),
        format!("{prefix}user:session:{s2}"),
        format!("{prefix}user:account:github:1"),
        format!("{prefix}user:account:gitlab:2"),
    ];
    (id, keys)
}

#[tokio::test]
async fn rust_delete_user_cleans_up_what_auth_js_wrote() {
    let prefix = fresh_prefix();
    let js = peer(&prefix);
    let mut c = raw_conn().await;
    let (id, keys) = js_user_with_two_of_each(&prefix, "js@example.com").await;
    let before = keys_under(&mut c, &prefix).await;
    for k in &keys {
        assert!(before.contains(k), "JS wrote {k}");
    }
    let a = adapter(&prefix, true).await;
    let deleted = a.delete_user(&id).await.unwrap().expect("the JS user");
    assert_eq!(deleted.email.as_deref(), Some("js@example.com"));
    let left = keys_under(&mut c, &prefix).await;
    let of_user: Vec<&String> = left
        .iter()
        .filter(|k| k.contains(&id) || keys.contains(k))
        .collect();
    assert!(of_user.is_empty(), "left behind: {of_user:?}");
    let r = js.call(json!([{"method": "getUser", "args": [id]}])).await;
    assert_eq!(ok(&r[0]), &Value::Null);
}

/// Bound tokens are keys of ours: Rust's `delete_user` leaves none of them; a user that
/// the JS adapter deletes (it knows nothing of them) keeps none that authenticates, and
/// `revoke_all_tokens` of its id removes what is left.
#[tokio::test]
async fn bound_tokens_of_a_deleted_user_never_authenticate_and_leave_no_key() {
    use auth_adapter_core::{NewTokenBinding, TokenFormat, TokenSecret, TokenStore};

    let prefix = fresh_prefix();
    let js = peer(&prefix);
    let mut c = raw_conn().await;
    let a = adapter(&prefix, false).await;
    let secret = TokenSecret::new("interop secret").unwrap();
    let format = TokenFormat::default();
    let now = Utc::now();
    let bind_two = |user: String| {
        let a = a.clone();
        let (t1, t2) = (format.generate(), format.generate());
        let secret = secret.clone();
        async move {
            a.bind_token(NewTokenBinding::new(&user, "users", &t1, &secret))
                .await
                .unwrap();
            let with_expiry = NewTokenBinding::new(&user, "_superusers", &t2, &secret)
                .expires(now + TimeDelta::days(1));
            a.bind_token(with_expiry).await.unwrap();
            [
                ("users", secret.hash(&t1)),
                ("_superusers", secret.hash(&t2)),
            ]
        }
    };

    // Deleted by Rust: every key of ours goes in the same script.
    let ada = a
        .create_user(NewUser::with_email("ada@example.com"))
        .await
        .unwrap();
    let hashes = bind_two(ada.id.clone()).await;
    let ours = |keys: Vec<String>| -> Vec<String> {
        keys.into_iter()
            .filter(|k| k.contains("bound-token"))
            .collect()
    };
    // Two bindings, their two id keys, the user's set, the expiry zset.
    assert_eq!(ours(keys_under(&mut c, &prefix).await).len(), 6);
    a.delete_user(&ada.id).await.unwrap().expect("deleted");
    assert_eq!(
        ours(keys_under(&mut c, &prefix).await),
        Vec::<String>::new()
    );
    for (realm, hash) in &hashes {
        assert!(a.authenticate(realm, hash, now).await.unwrap().is_none());
    }

    // Deleted by the JS adapter (its deleteUser needs the user to have a session and an
    // account): the tokens stay, but never authenticate.
    let (id, _) = js_user_with_two_of_each(&prefix, "js@example.com").await;
    let hashes = bind_two(id.clone()).await;
    assert!(
        a.authenticate("users", &hashes[0].1, now)
            .await
            .unwrap()
            .is_some()
    );
    let r = js
        .call(json!([{"method": "deleteUser", "args": [id]}]))
        .await;
    ok(&r[0]);
    for (realm, hash) in &hashes {
        assert!(a.authenticate(realm, hash, now).await.unwrap().is_none());
    }
    assert_eq!(a.revoke_all_tokens(&id).await.unwrap(), 2);
    assert_eq!(
        ours(keys_under(&mut c, &prefix).await),
        Vec::<String>::new()
    );
}

/// The documented limit without `sweep_unindexed`: the JS adapter indexes only the latest
/// session and account of a user, so those are all `delete_user` can find of what JS wrote.
#[tokio::test]
async fn without_the_sweep_delete_user_finds_only_what_the_js_indexes_name() {
    let prefix = fresh_prefix();
    let mut c = raw_conn().await;
    let (id, keys) = js_user_with_two_of_each(&prefix, "limit@example.com").await;
    let a = adapter(&prefix, false).await;
    a.delete_user(&id).await.unwrap().expect("the JS user");
    let left = keys_under(&mut c, &prefix).await;
    let left: Vec<&String> = keys.iter().filter(|k| left.contains(k)).collect();
    // The first session and the first account were never indexed by JS.
    assert_eq!(left, [&keys[2], &keys[4]]);
    // delete_sessions_by_user_id with the sweep finds the orphan too.
    let swept = adapter(&prefix, true).await;
    swept.delete_expired(Utc::now()).await.unwrap();
    let _ = swept.delete_sessions_by_user_id(&id).await.unwrap();
    assert_eq!(get_raw(&mut c, &keys[2]).await, None);
}

#[tokio::test]
async fn rust_writes_an_account_exactly_as_auth_js_writes_the_same_input() {
    let prefix = fresh_prefix();
    let js = peer(&prefix);
    let a = adapter(&prefix, false).await;
    let mut c = raw_conn().await;
    let user = a.create_user(NewUser::default()).await.unwrap();
    let mut account = AdapterAccount::new(&user.id, AccountType::Oauth, "github", "rust");
    account.access_token = Some("gho_rust".into());
    account.expires_at = Some(1_795_000_000);
    a.link_account(account.clone()).await.unwrap();
    // The same input through the JS adapter (serde gives `null` for every absent field, as
    // Auth.js hands a provider's token set with its absent fields), under another id.
    let mut js_input = serde_json::to_value(&account).unwrap();
    js_input["providerAccountId"] = json!("js");
    ok(&js
        .call(json!([{"method": "linkAccount", "args": [js_input]}]))
        .await[0]);
    let parse = |raw: Option<String>| -> Value { serde_json::from_str(&raw.unwrap()).unwrap() };
    let rust = parse(get_raw(&mut c, &format!("{prefix}user:account:github:rust")).await);
    let mut js_written = parse(get_raw(&mut c, &format!("{prefix}user:account:github:js")).await);
    js_written["providerAccountId"] = json!("rust");
    js_written["id"] = json!("github:rust");
    assert_eq!(rust, js_written);
    assert_eq!(rust["refresh_token"], Value::Null);

    // Fields another client added survive a Rust update.
    let key = format!("{prefix}user:account:github:rust");
    let mut with_extra = rust.clone();
    with_extra["tenant"] = json!("acme");
    let _: () = redis::cmd("SET")
        .arg(&key)
        .arg(with_extra.to_string())
        .query_async(&mut c)
        .await
        .unwrap();
    a.update_account(
        auth_adapter_core::AccountUpdate::new("github", "rust")
            .access_token(Some("gho_new".into())),
    )
    .await
    .unwrap();
    let after = parse(get_raw(&mut c, &key).await);
    assert_eq!(after["tenant"], "acme");
    assert_eq!(after["access_token"], "gho_new");
}

#[tokio::test]
async fn accounts_and_tokens_whose_parts_join_alike_stay_apart_for_both_sides() {
    let prefix = fresh_prefix();
    let js = peer(&prefix);
    let a = adapter(&prefix, false).await;
    let user = a.create_user(NewUser::default()).await.unwrap();
    let other = a.create_user(NewUser::default()).await.unwrap();
    // JS writes ("a:b", "c") at `user:account:a:b:c`; Rust links ("a", "b:c") beside it.
    ok(&js
        .call(
            json!([{"method": "linkAccount", "args": [{"userId": user.id, "type": "oauth",
                "provider": "a:b", "providerAccountId": "c", "access_token": "js-token"}]}]),
        )
        .await[0]);
    a.link_account(AdapterAccount::new(
        &other.id,
        AccountType::Oauth,
        "a",
        "b:c",
    ))
    .await
    .unwrap();
    assert_eq!(
        a.get_user_by_account("a", "b:c")
            .await
            .unwrap()
            .map(|u| u.id),
        Some(other.id.clone())
    );
    assert_eq!(
        a.get_user_by_account("a:b", "c")
            .await
            .unwrap()
            .map(|u| u.id),
        Some(user.id.clone())
    );
    // JS still finds its own account, untouched.
    let r = js
        .call(json!([{"method": "getAccount", "args": ["c", "a:b"]}]))
        .await;
    assert_eq!(ok(&r[0])["access_token"], "js-token");
    assert_eq!(ok(&r[0])["userId"], json!(user.id));
    // Unlinking one leaves the other.
    a.unlink_account("a", "b:c").await.unwrap().unwrap();
    assert!(a.get_account("a:b", "c").await.unwrap().is_some());
}
