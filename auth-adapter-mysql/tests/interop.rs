//! Interop with the real Auth.js adapters on the same database, through
//! `node interop/peer.mjs`: `@auth/prisma-adapter` (a Prisma 7 client generated from the
//! Auth.js docs' MySQL schema, on `@prisma/adapter-mariadb`) against the Prisma layout, and
//! `@auth/drizzle-adapter` (`drizzle-orm/mysql2`) against the Drizzle layout. Rust writes
//! and Auth.js reads, Auth.js writes and Rust reads, and a verification token is used once
//! across both.
//!
//! The Drizzle scenarios run twice: on tables our `migrate` created, and on tables
//! drizzle-kit created (`peer.mjs --setup drizzle-kit`) and `migrate` then adopted. (Prisma
//! makes its tables with `prisma migrate`, which needs Prisma's schema engine, not
//! installed here: the Prisma scenarios run on tables our `migrate` created.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use auth_adapter_core::{
    AccountType, Adapter, AdapterAccount, AdapterSession, AdapterUser, NewUser, UserUpdate,
    VerificationToken, backend::dates,
};
use auth_adapter_mysql::{Layout, MySqlAdapter};
use auth_adapter_tests::interop::{Peer, date, from_date, ok};
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Map, Value, json};

/// Who created the tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tables {
    /// Our `migrate` on an empty database.
    RustMigrated,
    /// drizzle-kit's first migration, then our `migrate`.
    DrizzleKitAdopted,
}

fn peer_name(layout: Layout) -> &'static str {
    match layout {
        Layout::Prisma => "prisma-mysql",
        _ => "drizzle-mysql",
    }
}

/// A fresh database set up as `tables` says, a migrated adapter on it, and the JS adapter.
async fn shared_database(layout: Layout, tables: Tables) -> (MySqlAdapter, Peer) {
    let (adapter, url) = common::unmigrated_adapter(layout).await;
    let js = Peer::new(peer_name(layout)).env("MYSQL_URL", &url);
    if tables == Tables::DrizzleKitAdopted {
        let line = js.setup("drizzle-kit").await;
        assert_eq!(line["statements"], 8, "{line}");
    }
    let report = adapter.migrate().await.unwrap();
    let expected = if tables == Tables::DrizzleKitAdopted {
        1
    } else {
        6
    };
    assert_eq!(report.created_tables.len(), expected, "{report:?}");
    (adapter, js)
}

/// `value` with only `keys` (what our models hold; the JS rows carry more: Prisma's `id`,
/// `createdAt`, `updatedAt`, `username`, `refresh_token_expires_in`).
fn pick(value: &Value, keys: &[&str]) -> Value {
    let object = value
        .as_object()
        .unwrap_or_else(|| panic!("an object: {value}"));
    let mut out = Map::new();
    for key in keys {
        out.insert(
            (*key).to_owned(),
            object.get(*key).cloned().unwrap_or(Value::Null),
        );
    }
    Value::Object(out)
}

const USER: &[&str] = &["id", "name", "email", "emailVerified", "image"];
const ACCOUNT: &[&str] = &[
    "userId",
    "type",
    "provider",
    "providerAccountId",
    "refresh_token",
    "access_token",
    "expires_at",
    "token_type",
    "scope",
    "id_token",
    "session_state",
];
const SESSION: &[&str] = &["sessionToken", "userId", "expires"];
const TOKEN: &[&str] = &["identifier", "token", "expires"];

fn user_json(u: &AdapterUser) -> Value {
    json!({"id": u.id, "name": u.name, "email": u.email,
           "emailVerified": u.email_verified.as_ref().map(date), "image": u.image})
}

fn account_json(a: &AdapterAccount) -> Value {
    json!({"userId": a.user_id, "type": a.account_type.as_str(),
           "provider": a.provider, "providerAccountId": a.provider_account_id,
           "refresh_token": a.refresh_token, "access_token": a.access_token,
           "expires_at": a.expires_at, "id_token": a.id_token, "scope": a.scope,
           "session_state": a.session_state, "token_type": a.token_type})
}

fn session_json(s: &AdapterSession) -> Value {
    json!({"sessionToken": s.session_token, "userId": s.user_id, "expires": date(&s.expires)})
}

fn token_json(t: &VerificationToken) -> Value {
    json!({"identifier": t.identifier, "token": t.token, "expires": date(&t.expires)})
}

/// An `expires` both layouts store: whole seconds.
fn expires_in(delta: TimeDelta) -> DateTime<Utc> {
    DateTime::from_timestamp((Utc::now() + delta).timestamp(), 0).unwrap()
}

async fn rust_writes_auth_js_reads(layout: Layout, tables: Tables) {
    let (a, js) = shared_database(layout, tables).await;
    let user = a
        .create_user(NewUser {
            name: Some("Ada Lovelace".into()),
            email: Some("ada@example.com".into()),
            email_verified: Some(dates::truncate_to_millis(Utc::now())),
            image: Some("https://example.com/ada.png".into()),
        })
        .await
        .unwrap();
    let bare = a.create_user(NewUser::default()).await.unwrap();
    let mut account = AdapterAccount::new(&user.id, AccountType::Oidc, "google", "g-1:x");
    account.access_token = Some("ya29.token".into());
    account.refresh_token = Some("1//refresh".into());
    account.expires_at = Some(1_795_000_000);
    account.token_type = Some("bearer".into());
    account.scope = Some("openid email".into());
    account.id_token = Some("eyJ.id.token".into());
    account.session_state = Some("state".into());
    a.link_account(account.clone()).await.unwrap();
    let plain = a
        .link_account(AdapterAccount::new(
            &bare.id,
            AccountType::Oauth,
            "github",
            "42",
        ))
        .await
        .unwrap();
    let session = a
        .create_session(AdapterSession {
            session_token: auth_adapter_tests::fixtures::uuid(),
            user_id: user.id.clone(),
            expires: expires_in(TimeDelta::days(30)),
        })
        .await
        .unwrap();
    let token = a
        .create_verification_token(VerificationToken {
            identifier: "ada@example.com".into(),
            token: "a".repeat(64),
            expires: expires_in(TimeDelta::hours(24)),
        })
        .await
        .unwrap();

    let key = json!({"provider": "google", "providerAccountId": "g-1:x"});
    let plain_key = json!({"provider": "github", "providerAccountId": "42"});
    let token_key = json!({"identifier": token.identifier, "token": token.token});
    let r = js
        .call(json!([
            {"method": "getUser", "args": [user.id]},
            {"method": "getUserByEmail", "args": ["ada@example.com"]},
            {"method": "getUserByAccount", "args": [key]},
            {"method": "getUser", "args": [bare.id]},
            {"method": "db.account", "args": [key]},
            {"method": "db.account", "args": [plain_key]},
            {"method": "getSessionAndUser", "args": [session.session_token]},
            {"method": "db.session", "args": [session.session_token]},
            {"method": "db.verificationToken", "args": [token_key]},
            {"method": "useVerificationToken", "args": [token_key]},
            {"method": "useVerificationToken", "args": [token_key]},
            {"method": "getAccount", "args": ["g-1:x", "google"]},
        ]))
        .await;
    let u = user_json(&user);
    for (i, result) in r[..3].iter().enumerate() {
        assert_eq!(pick(ok(result), USER), u, "{layout:?} call {i}");
    }
    assert_eq!(pick(ok(&r[3]), USER), user_json(&bare));
    assert_eq!(pick(ok(&r[4]), ACCOUNT), account_json(&account));
    assert_eq!(pick(ok(&r[5]), ACCOUNT), account_json(&plain));
    let got = ok(&r[6]);
    assert_eq!(pick(&got["user"], USER), u);
    assert_eq!(pick(&got["session"], SESSION), session_json(&session));
    assert_eq!(pick(ok(&r[7]), SESSION), session_json(&session));
    assert_eq!(pick(ok(&r[8]), TOKEN), token_json(&token));
    assert_eq!(pick(ok(&r[9]), TOKEN), token_json(&token));
    assert_eq!(ok(&r[10]), &Value::Null, "second use in JS gets nothing");
    assert_eq!(pick(ok(&r[11]), ACCOUNT), account_json(&account));
    if layout == Layout::Prisma {
        // The bookkeeping Prisma Client relies on: a cuid row id, both timestamps.
        for row in [ok(&r[4]), ok(&r[7])] {
            assert!(
                row["id"].as_str().is_some_and(|id| id.starts_with('c')),
                "{row}"
            );
            assert!(row["updatedAt"].get("$date").is_some(), "{row}");
            assert!(row["createdAt"].get("$date").is_some(), "{row}");
        }
    }
    // JS used the token: Rust sees it gone.
    assert_eq!(
        a.use_verification_token(&token.identifier, &token.token)
            .await
            .unwrap(),
        None
    );
}

async fn auth_js_writes_rust_reads(layout: Layout, tables: Tables) {
    let (a, js) = shared_database(layout, tables).await;
    let verified = "2026-11-22T11:33:29.559Z";
    let r = js
        .call(json!([
            {"method": "createUser", "args": [{"id": auth_adapter_tests::fixtures::uuid(), "name": "Grace",
              "email": "grace@example.com", "emailVerified": {"$date": verified},
              "image": "https://example.com/g.png"}]},
        ]))
        .await;
    let user = ok(&r[0]).clone();
    let id = user["id"].as_str().expect("a string id").to_owned();
    let expected_user = AdapterUser {
        id: id.clone(),
        name: Some("Grace".into()),
        email: Some("grace@example.com".into()),
        email_verified: dates::from_iso(verified),
        image: Some("https://example.com/g.png".into()),
    };
    assert_eq!(pick(&user, USER), user_json(&expected_user));

    // Whole seconds: the Drizzle layout's TIMESTAMP keeps no more.
    let session_expires = "2026-12-22T11:33:29.000Z";
    let token_expires = "2026-11-23T11:33:30.000Z";
    let r = js
        .call(json!([
            {"method": "linkAccount", "args": [{"userId": id, "type": "oauth",
              "provider": "github", "providerAccountId": "1234", "access_token": "gho_x",
              "refresh_token": "ghr_y", "expires_at": 1_795_000_409, "token_type": "bearer",
              "scope": "read:user", "id_token": "idt", "session_state": "st"}]},
            {"method": "createSession", "args": [{"sessionToken": "js-session-token",
              "userId": id, "expires": {"$date": session_expires}}]},
            {"method": "createVerificationToken", "args": [{"identifier": "grace@example.com",
              "token": "js-hashed-token", "expires": {"$date": token_expires}}]},
        ]))
        .await;
    for result in &r {
        ok(result);
    }

    assert_eq!(a.get_user(&id).await.unwrap(), Some(expected_user.clone()));
    assert_eq!(
        a.get_user_by_email("grace@example.com").await.unwrap(),
        Some(expected_user.clone())
    );
    assert_eq!(
        a.get_user_by_account("github", "1234").await.unwrap(),
        Some(expected_user.clone())
    );
    assert_eq!(
        a.get_account("github", "1234").await.unwrap(),
        Some(AdapterAccount {
            user_id: id.clone(),
            account_type: AccountType::Oauth,
            provider: "github".into(),
            provider_account_id: "1234".into(),
            refresh_token: Some("ghr_y".into()),
            access_token: Some("gho_x".into()),
            expires_at: Some(1_795_000_409),
            token_type: Some("bearer".into()),
            scope: Some("read:user".into()),
            id_token: Some("idt".into()),
            session_state: Some("st".into()),
        })
    );
    let session = AdapterSession {
        session_token: "js-session-token".into(),
        user_id: id.clone(),
        expires: dates::from_iso(session_expires).unwrap(),
    };
    assert_eq!(
        a.get_session_and_user("js-session-token").await.unwrap(),
        Some((session, expected_user.clone()))
    );
    let token = VerificationToken {
        identifier: "grace@example.com".into(),
        token: "js-hashed-token".into(),
        expires: dates::from_iso(token_expires).unwrap(),
    };
    assert_eq!(
        a.use_verification_token("grace@example.com", "js-hashed-token")
            .await
            .unwrap(),
        Some(token)
    );

    // Node keeps working beside Rust: its updates are seen by Rust, Rust's by Node.
    let r = js
        .call(json!([
            {"method": "useVerificationToken", "args": [{"identifier": "grace@example.com", "token": "js-hashed-token"}]},
            {"method": "updateUser", "args": [{"id": id, "name": "Grace Hopper"}]},
            {"method": "updateSession", "args": [{"sessionToken": "js-session-token",
              "expires": {"$date": "2027-01-01T00:00:00.000Z"}}]},
        ]))
        .await;
    assert_eq!(
        ok(&r[0]),
        &Value::Null,
        "Rust used the token: JS gets nothing"
    );
    assert_eq!(ok(&r[1])["name"], "Grace Hopper");
    ok(&r[2]);
    let (session, user) = a
        .get_session_and_user("js-session-token")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.name.as_deref(), Some("Grace Hopper"));
    assert_eq!(
        session.expires,
        dates::from_iso("2027-01-01T00:00:00Z").unwrap()
    );
    a.update_user(UserUpdate::new(&id).image(None))
        .await
        .unwrap();

    // Rust deletes the user Node made, with its account and session (in the Prisma
    // layout nothing cascades: the adapter deletes them itself).
    assert_eq!(
        a.delete_user(&id).await.unwrap().map(|u| u.image),
        Some(None)
    );
    let r = js
        .call(json!([
            {"method": "getUser", "args": [id]},
            {"method": "getUserByAccount", "args": [{"provider": "github", "providerAccountId": "1234"}]},
            {"method": "getSessionAndUser", "args": ["js-session-token"]},
            {"method": "db.account", "args": [{"provider": "github", "providerAccountId": "1234"}]},
        ]))
        .await;
    for result in &r {
        assert_eq!(ok(result), &Value::Null, "{layout:?}: {r:?}");
    }
}

async fn a_token_is_used_once_across_both(layout: Layout, tables: Tables) {
    let (a, js) = shared_database(layout, tables).await;
    let expires = expires_in(TimeDelta::minutes(15));
    let rust_token = a
        .create_verification_token(VerificationToken {
            identifier: "once@example.com".into(),
            token: "made-in-rust".into(),
            expires,
        })
        .await
        .unwrap();
    let key = json!({"identifier": "once@example.com", "token": "made-in-rust"});
    let r = js
        .call(json!([
            {"method": "useVerificationToken", "args": [key]},
            {"method": "useVerificationToken", "args": [key]},
            {"method": "createVerificationToken", "args": [{"identifier": "once@example.com",
              "token": "made-in-js", "expires": date(&expires)}]},
        ]))
        .await;
    assert_eq!(pick(ok(&r[0]), TOKEN), token_json(&rust_token));
    assert_eq!(ok(&r[1]), &Value::Null);
    assert_eq!(
        a.use_verification_token("once@example.com", "made-in-rust")
            .await
            .unwrap(),
        None
    );
    assert_eq!(from_date(&ok(&r[2])["expires"]), expires);
    assert_eq!(
        a.use_verification_token("once@example.com", "made-in-js")
            .await
            .unwrap(),
        Some(VerificationToken {
            identifier: "once@example.com".into(),
            token: "made-in-js".into(),
            expires,
        })
    );
    let key = json!({"identifier": "once@example.com", "token": "made-in-js"});
    let r = js
        .call(json!([{"method": "useVerificationToken", "args": [key]}]))
        .await;
    assert_eq!(ok(&r[0]), &Value::Null);
}

#[tokio::test]
async fn prisma_rust_writes_auth_js_reads() {
    rust_writes_auth_js_reads(Layout::Prisma, Tables::RustMigrated).await;
}

#[tokio::test]
async fn prisma_auth_js_writes_rust_reads() {
    auth_js_writes_rust_reads(Layout::Prisma, Tables::RustMigrated).await;
}

#[tokio::test]
async fn prisma_a_token_is_used_once_across_both() {
    a_token_is_used_once_across_both(Layout::Prisma, Tables::RustMigrated).await;
}

#[tokio::test]
async fn drizzle_rust_writes_auth_js_reads_on_rust_migrated_tables() {
    rust_writes_auth_js_reads(Layout::Drizzle, Tables::RustMigrated).await;
}

#[tokio::test]
async fn drizzle_rust_writes_auth_js_reads_on_adopted_drizzle_kit_tables() {
    rust_writes_auth_js_reads(Layout::Drizzle, Tables::DrizzleKitAdopted).await;
}

#[tokio::test]
async fn drizzle_auth_js_writes_rust_reads_on_rust_migrated_tables() {
    auth_js_writes_rust_reads(Layout::Drizzle, Tables::RustMigrated).await;
}

#[tokio::test]
async fn drizzle_auth_js_writes_rust_reads_on_adopted_drizzle_kit_tables() {
    auth_js_writes_rust_reads(Layout::Drizzle, Tables::DrizzleKitAdopted).await;
}

#[tokio::test]
async fn drizzle_a_token_is_used_once_across_both() {
    a_token_is_used_once_across_both(Layout::Drizzle, Tables::DrizzleKitAdopted).await;
}
