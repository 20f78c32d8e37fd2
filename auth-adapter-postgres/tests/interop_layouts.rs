//! Interop with the real Auth.js adapters on the same PostgreSQL schema, through
//! `node interop/peer.mjs`: `@auth/prisma-adapter` (a Prisma 7 client generated from the
//! Auth.js docs' PostgreSQL schema, on `@prisma/adapter-pg`) against the Prisma layout,
//! and `@auth/drizzle-adapter` (`drizzle-orm/node-postgres`) against the Drizzle layout.
//! Rust writes and Auth.js reads, Auth.js writes and Rust reads, every entity
//! (authenticators included), and a verification token is used once across both.
//!
//! Each scenario runs twice: on tables our `migrate` created, and on tables the tool
//! created (Prisma's migration.sql via `peer.mjs --setup prisma-ddl`, drizzle-kit's first
//! migration via `--setup drizzle-kit`) and `migrate` then adopted.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use auth_adapter_core::{
    AccountType, Adapter, AdapterAccount, AdapterAuthenticator, AdapterSession, AdapterUser,
    NewUser, UserUpdate, VerificationToken, backend::dates,
};
use auth_adapter_postgres::{Layout, PostgresAdapter};
use auth_adapter_tests::interop::{Peer, date, from_date, ok};
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Map, Value, json};

/// Who created the tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tables {
    /// Our `migrate` on an empty schema.
    RustMigrated,
    /// The tool's DDL (Prisma's migration.sql, drizzle-kit's migration), then our `migrate`.
    ToolMade,
}

fn peer_name(layout: Layout) -> &'static str {
    match layout {
        Layout::Prisma => "prisma-postgres",
        _ => "drizzle-postgres",
    }
}

/// A fresh schema set up as `tables` says, a migrated adapter on it, and the JS adapter.
async fn shared_schema(layout: Layout, tables: Tables) -> (PostgresAdapter, Peer) {
    let (adapter, _pool, schema) = common::layouts::unmigrated(layout, false).await;
    let js = Peer::new(peer_name(layout))
        .env("DATABASE_URL", common::database_url())
        .env("PG_SCHEMA", &schema);
    if tables == Tables::ToolMade {
        let setup = match layout {
            Layout::Prisma => "prisma-ddl",
            _ => "drizzle-kit",
        };
        let line = js.setup(setup).await;
        assert!(line.get("error").is_none(), "{line}");
    }
    let report = adapter.migrate().await.unwrap();
    let expected = match tables {
        Tables::RustMigrated => 7,
        Tables::ToolMade => 2,
    };
    assert_eq!(report.created_tables.len(), expected, "{report:?}");
    (adapter, js)
}

/// `value` with only `keys` (what our models hold; Prisma's rows carry `createdAt` and
/// `updatedAt` too).
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
const AUTHENTICATOR: &[&str] = &[
    "credentialID",
    "userId",
    "providerAccountId",
    "credentialPublicKey",
    "counter",
    "credentialDeviceType",
    "credentialBackedUp",
    "transports",
];

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

fn authenticator_json(a: &AdapterAuthenticator) -> Value {
    json!({"credentialID": a.credential_id, "userId": a.user_id,
           "providerAccountId": a.provider_account_id,
           "credentialPublicKey": a.credential_public_key, "counter": a.counter,
           "credentialDeviceType": a.credential_device_type,
           "credentialBackedUp": a.credential_backed_up, "transports": a.transports})
}

/// A date in the future with its milliseconds, as Auth.js makes them.
fn in_ms(delta: TimeDelta) -> DateTime<Utc> {
    dates::truncate_to_millis(Utc::now() + delta)
}

async fn rust_writes_auth_js_reads(layout: Layout, tables: Tables) {
    let (a, js) = shared_schema(layout, tables).await;
    let user = a
        .create_user(NewUser {
            name: Some("Ada Lovelace".into()),
            email: Some("ada@example.com".into()),
            email_verified: Some(dates::truncate_to_millis(Utc::now())),
            image: Some("https://example.com/ada.png".into()),
        })
        .await
        .unwrap();
    // The Prisma docs' schema requires an email; Drizzle's does not.
    let bare = a
        .create_user(match layout {
            Layout::Prisma => NewUser::with_email("bare@example.com"),
            _ => NewUser::default(),
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
            expires: in_ms(TimeDelta::days(30)),
        })
        .await
        .unwrap();
    let token = a
        .create_verification_token(VerificationToken {
            identifier: "ada@example.com".into(),
            token: "a".repeat(64),
            expires: in_ms(TimeDelta::hours(24)),
        })
        .await
        .unwrap();
    let authenticator = a
        .create_authenticator(auth_adapter_tests::fixtures::authenticator(
            &user.id,
            Some("usb,nfc"),
        ))
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
            {"method": "getAuthenticator", "args": [authenticator.credential_id]},
            {"method": "listAuthenticatorsByUserId", "args": [user.id]},
            {"method": "updateAuthenticatorCounter", "args": [authenticator.credential_id, 43]},
            {"method": "db.user", "args": [user.id]},
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
    assert_eq!(
        pick(ok(&r[12]), AUTHENTICATOR),
        authenticator_json(&authenticator)
    );
    let list = ok(&r[13]).as_array().expect("a list").clone();
    assert_eq!(list.len(), 1);
    assert_eq!(
        pick(&list[0], AUTHENTICATOR),
        authenticator_json(&authenticator)
    );
    assert_eq!(ok(&r[14])["counter"], 43);
    if layout == Layout::Prisma {
        // The bookkeeping Prisma Client relies on: both timestamps, as Dates.
        for row in [ok(&r[15]), ok(&r[4]), ok(&r[7])] {
            assert!(row["updatedAt"].get("$date").is_some(), "{row}");
            assert!(row["createdAt"].get("$date").is_some(), "{row}");
        }
    }
    // JS used the token and moved the counter: Rust sees both.
    assert_eq!(
        a.use_verification_token(&token.identifier, &token.token)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        a.get_authenticator(&authenticator.credential_id)
            .await
            .unwrap()
            .map(|x| x.counter),
        Some(43)
    );
    // Rust deletes a user: Node sees it gone with its account, session and authenticator.
    a.delete_user(&user.id).await.unwrap();
    let r = js
        .call(json!([
            {"method": "getUser", "args": [user.id]},
            {"method": "getSessionAndUser", "args": [session.session_token]},
            {"method": "db.account", "args": [key]},
            {"method": "getAuthenticator", "args": [authenticator.credential_id]},
        ]))
        .await;
    for result in &r {
        assert_eq!(ok(result), &Value::Null, "{layout:?}: {r:?}");
    }
}

async fn auth_js_writes_rust_reads(layout: Layout, tables: Tables) {
    let (a, js) = shared_schema(layout, tables).await;
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

    let session_expires = "2026-12-22T11:33:29.123Z";
    let token_expires = "2026-11-23T11:33:30.456Z";
    let credential = auth_adapter_tests::fixtures::uuid();
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
            {"method": "createAuthenticator", "args": [{"credentialID": credential,
              "userId": id, "providerAccountId": credential, "credentialPublicKey": "pk",
              "counter": 5, "credentialDeviceType": "multiDevice", "credentialBackedUp": false,
              "transports": "internal"}]},
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
    let authenticator = AdapterAuthenticator {
        credential_id: credential.clone(),
        user_id: id.clone(),
        provider_account_id: credential.clone(),
        credential_public_key: "pk".into(),
        counter: 5,
        credential_device_type: "multiDevice".into(),
        credential_backed_up: false,
        transports: Some("internal".into()),
    };
    assert_eq!(
        a.get_authenticator(&credential).await.unwrap(),
        Some(authenticator.clone())
    );
    assert_eq!(
        a.list_authenticators_by_user_id(&id).await.unwrap(),
        vec![authenticator]
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
              "expires": {"$date": "2027-01-01T00:00:00.789Z"}}]},
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
        dates::from_iso("2027-01-01T00:00:00.789Z").unwrap()
    );
    a.update_user(UserUpdate::new(&id).image(None))
        .await
        .unwrap();
    a.update_authenticator_counter(&credential, 6)
        .await
        .unwrap();
    let r = js
        .call(json!([
            {"method": "getUser", "args": [id]},
            {"method": "getAuthenticator", "args": [credential]},
        ]))
        .await;
    assert_eq!(ok(&r[0])["image"], Value::Null);
    assert_eq!(ok(&r[1])["counter"], 6);

    // Rust deletes the user Node made, with its account, session and authenticator.
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
            {"method": "getAuthenticator", "args": [credential]},
        ]))
        .await;
    for result in &r {
        assert_eq!(ok(result), &Value::Null, "{layout:?}: {r:?}");
    }
    // And Node deletes a user Rust made.
    let rust_user = a
        .create_user(NewUser::with_email("rust@example.com"))
        .await
        .unwrap();
    a.create_session(common::session_for(&rust_user.id, "rust-session"))
        .await
        .unwrap();
    let r = js
        .call(json!([{"method": "deleteUser", "args": [rust_user.id]}]))
        .await;
    assert!(r[0].is_ok(), "{r:?}");
    assert_eq!(a.get_user(&rust_user.id).await.unwrap(), None);
    assert_eq!(a.get_session_and_user("rust-session").await.unwrap(), None);
}

async fn a_token_is_used_once_across_both(layout: Layout, tables: Tables) {
    let (a, js) = shared_schema(layout, tables).await;
    let expires = in_ms(TimeDelta::minutes(15));
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

macro_rules! scenarios {
    ($($name:ident => $layout:expr, $tables:expr;)*) => {
        mod rust_writes_auth_js_reads {
            use super::*;
            $(#[tokio::test] async fn $name() { rust_writes_auth_js_reads($layout, $tables).await; })*
        }
        mod auth_js_writes_rust_reads {
            use super::*;
            $(#[tokio::test] async fn $name() { auth_js_writes_rust_reads($layout, $tables).await; })*
        }
        mod a_token_is_used_once_across_both {
            use super::*;
            $(#[tokio::test] async fn $name() { a_token_is_used_once_across_both($layout, $tables).await; })*
        }
    };
}

scenarios! {
    prisma_on_rust_migrated_tables => Layout::Prisma, Tables::RustMigrated;
    prisma_on_tables_from_prisma_ddl => Layout::Prisma, Tables::ToolMade;
    drizzle_on_rust_migrated_tables => Layout::Drizzle, Tables::RustMigrated;
    drizzle_on_drizzle_kit_tables => Layout::Drizzle, Tables::ToolMade;
}
