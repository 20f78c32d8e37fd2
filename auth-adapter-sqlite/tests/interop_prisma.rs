//! Interop in the Prisma layout with the real Auth.js: `@auth/prisma-adapter` on a Prisma 7
//! client generated from the Auth.js docs' SQLite schema (`interop/prisma-sqlite/`), with
//! `@prisma/adapter-better-sqlite3` on the same file, driven through
//! `node interop/peer.mjs --adapter prisma-sqlite`.
//!
//! Every scenario runs twice: on a file whose tables `SqliteAdapter::migrate` created, and
//! on a file whose tables Prisma's DDL for the schema created (`--setup prisma-ddl`: the
//! `migration.sql` `prisma migrate` writes) and `migrate` then adopted. Every Rust call has
//! returned (so its transaction is committed, WAL) before node starts.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers may panic

mod common;

use std::path::Path;

use auth_adapter_core::chrono::{DateTime, TimeDelta, Utc};
use auth_adapter_core::{
    AccountType, Adapter, AdapterAccount, AdapterAuthenticator, AdapterSession, AdapterUser,
    NewTokenBinding, NewUser, SessionUpdate, TokenFormat, TokenSecret, TokenStore, UserUpdate,
    VerificationToken,
};
use auth_adapter_sqlite::rusqlite::Connection;
use auth_adapter_sqlite::rusqlite::types::ValueRef;
use auth_adapter_sqlite::{Layout, SqliteAdapter, SqliteOptions};
use auth_adapter_tests::interop::{Peer, from_date, from_js, to_js};
use common::TempDir;
use serde_json::{Value, json};

/// The real `@auth/prisma-adapter` on the SQLite file at `path`.
fn peer(path: &Path) -> Peer {
    Peer::new("prisma-sqlite").env("SQLITE_PATH", path)
}

fn ms(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap()
}

/// The text `@prisma/adapter-better-sqlite3` stores for a date.
fn prisma_text(date: &DateTime<Utc>) -> String {
    date.format("%Y-%m-%dT%H:%M:%S%.3f+00:00").to_string()
}

/// How the file got its tables.
#[derive(Debug, Clone, Copy)]
enum Origin {
    /// `SqliteAdapter::migrate` on a new file.
    Rust,
    /// `peer.mjs --setup prisma-ddl` (Prisma's migration for the schema), then adopted by
    /// `migrate`.
    PrismaDdl,
}

fn options() -> SqliteOptions {
    SqliteOptions::default().layout(Layout::Prisma)
}

async fn open(origin: Origin) -> (SqliteAdapter, TempDir) {
    let dir = TempDir::new();
    let path = dir.db();
    if let Origin::PrismaDdl = origin {
        let out = peer(&path).setup("prisma-ddl").await;
        assert_eq!(out["statements"], 10, "{out}");
    }
    let adapter = SqliteAdapter::open(&path, options()).await.unwrap();
    let report = adapter.migrate().await.unwrap();
    match origin {
        Origin::Rust => assert_eq!(report.created_tables.len(), 7, "{report:?}"),
        Origin::PrismaDdl => {
            // Only this crate's tables and indexes are added beside Prisma's.
            assert_eq!(
                report.created_tables,
                ["auth_adapter_counter", "auth_adapter_token"],
                "{report:?}"
            );
            assert_eq!(
                report.created_indexes,
                [
                    "Account_userId_idx",
                    "Session_userId_idx",
                    "auth_adapter_token_realm_tokenHash_unique",
                    "auth_adapter_token_userId_idx",
                    "auth_adapter_token_expires_idx"
                ]
            );
        }
    }
    (adapter, dir)
}

fn sorted_by_id(mut list: Vec<Value>) -> Vec<Value> {
    list.sort_by_key(|a| a["credentialID"].as_str().unwrap_or_default().to_owned());
    list
}

/// The columns of one row as stored (read with rusqlite, bypassing both adapters).
fn stored(path: &Path, table: &str, key: &str, value: &str) -> Vec<(String, Value)> {
    let conn = Connection::open(path).unwrap();
    let mut stmt = conn
        .prepare(&format!(r#"SELECT * FROM "{table}" WHERE "{key}" = ?1"#))
        .unwrap();
    let names: Vec<String> = stmt.column_names().iter().map(|s| s.to_string()).collect();
    stmt.query_row([value], |row| {
        Ok(names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let v = match row.get_ref(i).unwrap() {
                    ValueRef::Integer(n) => json!(n),
                    ValueRef::Text(t) => json!(String::from_utf8_lossy(t)),
                    ValueRef::Null => Value::Null,
                    other => json!(format!("{other:?}")),
                };
                (name.clone(), v)
            })
            .collect())
    })
    .unwrap()
}

fn column<'a>(row: &'a [(String, Value)], name: &str) -> &'a Value {
    &row.iter().find(|(n, _)| n == name).unwrap().1
}

/// A Prisma row's bookkeeping, as both sides must write it: a cuid `id` where the table has
/// one, `createdAt` and `updatedAt` as Prisma's date text.
fn assert_bookkeeping(row: &[(String, Value)], with_id: bool) {
    if with_id {
        let id = column(row, "id").as_str().unwrap();
        assert!(id.len() == 25 && id.starts_with('c'), "{row:?}");
    }
    for stamp in ["createdAt", "updatedAt"] {
        let text = column(row, stamp)
            .as_str()
            .unwrap_or_else(|| panic!("{row:?}"));
        assert!(
            text.len() == 29 && text.ends_with("+00:00") && text.as_bytes()[10] == b'T',
            "{stamp} {text:?}"
        );
    }
}

async fn rust_writes_js_reads(origin: Origin) {
    let (adapter, dir) = open(origin).await;
    let path = dir.db();
    let js = peer(&path);

    let ada = adapter
        .create_user(NewUser {
            name: Some("Ada Lovelace".into()),
            email: Some("ada@example.com".into()),
            email_verified: Some(ms(1_795_000_409_559)),
            image: Some("https://example.com/ada.png".into()),
        })
        .await
        .unwrap();
    assert!(ada.id.starts_with('c') && ada.id.len() == 25, "{}", ada.id);
    let bare = adapter.create_user(NewUser::default()).await.unwrap();
    let github = adapter
        .link_account(AdapterAccount {
            user_id: ada.id.clone(),
            account_type: AccountType::Oauth,
            provider: "github".into(),
            provider_account_id: "gh-1".into(),
            refresh_token: Some("refresh".into()),
            access_token: Some("access".into()),
            expires_at: Some(1_795_000_409),
            token_type: Some("bearer".into()),
            scope: Some("user".into()),
            id_token: Some("id-token".into()),
            session_state: Some("state".into()),
        })
        .await
        .unwrap();
    let passkey = adapter
        .link_account(AdapterAccount::new(
            &ada.id,
            AccountType::Webauthn,
            "passkey",
            "Y3JlZC0x",
        ))
        .await
        .unwrap();
    let session = adapter
        .create_session(AdapterSession {
            session_token: "rust-session".into(),
            user_id: ada.id.clone(),
            expires: ms(1_797_000_000_123),
        })
        .await
        .unwrap();
    let token = adapter
        .create_verification_token(VerificationToken {
            identifier: "ada@example.com".into(),
            token: "hashed-in-rust".into(),
            expires: ms(1_795_000_500_001),
        })
        .await
        .unwrap();
    let a1 = adapter
        .create_authenticator(AdapterAuthenticator {
            credential_id: "Y3JlZC0x".into(),
            user_id: ada.id.clone(),
            provider_account_id: "Y3JlZC0x".into(),
            credential_public_key: "cHVibGljLWtleQ==".into(),
            counter: 3,
            credential_device_type: "multiDevice".into(),
            credential_backed_up: true,
            transports: Some("usb,ble,nfc".into()),
        })
        .await
        .unwrap();
    let a2 = adapter
        .create_authenticator(AdapterAuthenticator {
            credential_id: "Y3JlZC0y".into(),
            user_id: ada.id.clone(),
            provider_account_id: "Y3JlZC0y".into(),
            credential_public_key: "a2V5LTI=".into(),
            counter: 0,
            credential_device_type: "singleDevice".into(),
            credential_backed_up: false,
            transports: None,
        })
        .await
        .unwrap();

    // What Rust stored is what Prisma stores: its date text, cuids, both timestamps.
    let row = stored(&path, "Session", "sessionToken", "rust-session");
    assert_eq!(
        column(&row, "expires"),
        &json!(prisma_text(&session.expires))
    );
    assert_bookkeeping(&row, true);
    assert_bookkeeping(&stored(&path, "Account", "providerAccountId", "gh-1"), true);
    let row = stored(&path, "User", "id", &ada.id);
    assert_eq!(
        column(&row, "emailVerified"),
        &json!("2026-11-18T11:13:29.559+00:00")
    );
    assert_bookkeeping(&row, false);

    let results = js
        .call_ok(json!([
            {"method": "getUser", "args": [ada.id]},
            {"method": "getUser", "args": [bare.id]},
            {"method": "getUserByEmail", "args": ["ada@example.com"]},
            {"method": "getUserByAccount", "args": [{"provider": "github", "providerAccountId": "gh-1"}]},
            {"method": "getAccount", "args": ["gh-1", "github"]},
            {"method": "getAccount", "args": ["Y3JlZC0x", "passkey"]},
            {"method": "getSessionAndUser", "args": ["rust-session"]},
            {"method": "getAuthenticator", "args": ["Y3JlZC0x"]},
            {"method": "listAuthenticatorsByUserId", "args": [ada.id]},
            {"method": "db.user", "args": [ada.id]},
            {"method": "db.session", "args": ["rust-session"]},
            {"method": "db.account", "args": [{"provider": "github", "providerAccountId": "gh-1"}]},
            {"method": "db.verificationToken", "args": [{"identifier": "ada@example.com", "token": "hashed-in-rust"}]},
            {"method": "db.authenticator", "args": ["Y3JlZC0y"]},
        ]))
        .await;
    assert_eq!(from_js::<AdapterUser>(&results[0]), ada);
    assert_eq!(from_js::<AdapterUser>(&results[1]), bare);
    assert_eq!(from_js::<AdapterUser>(&results[2]), ada);
    assert_eq!(from_js::<AdapterUser>(&results[3]), ada);
    assert_eq!(from_js::<AdapterAccount>(&results[4]), github);
    assert_eq!(from_js::<AdapterAccount>(&results[5]), passkey);
    assert_eq!(from_js::<AdapterSession>(&results[6]["session"]), session);
    assert_eq!(from_js::<AdapterUser>(&results[6]["user"]), ada);
    assert_eq!(results[7], to_js(&a1));
    assert_eq!(
        sorted_by_id(results[8].as_array().unwrap().clone()),
        [to_js(&a1), to_js(&a2)]
    );
    assert_eq!(from_js::<AdapterUser>(&results[9]), ada);
    // Prisma Client reads Rust's bookkeeping as its own.
    for row in [&results[9], &results[10], &results[11]] {
        let created = from_date(&row["createdAt"]);
        assert!(
            (Utc::now() - created).abs() < TimeDelta::minutes(5),
            "{row}"
        );
        assert_eq!(from_date(&row["updatedAt"]), created, "{row}");
    }
    assert_eq!(from_js::<AdapterSession>(&results[10]), session);
    assert_eq!(from_js::<AdapterAccount>(&results[11]), github);
    assert_eq!(from_js::<VerificationToken>(&results[12]), token);
    assert_eq!(from_js::<AdapterAuthenticator>(&results[13]), a2);

    // JS changes what Rust wrote; Rust sees it.
    let results = js
        .call_ok(json!([
            {"method": "updateUser", "args": [{"id": ada.id, "name": "Countess"}]},
            {"method": "updateSession", "args": [{"sessionToken": "rust-session", "expires": {"$date": "2027-01-01T00:00:00.042Z"}}]},
            {"method": "updateAuthenticatorCounter", "args": ["Y3JlZC0x", 9]},
        ]))
        .await;
    let renamed = AdapterUser {
        name: Some("Countess".into()),
        ..ada.clone()
    };
    assert_eq!(from_js::<AdapterUser>(&results[0]), renamed);
    assert_eq!(
        adapter.get_user(&ada.id).await.unwrap(),
        Some(renamed.clone())
    );
    let (moved, _) = adapter
        .get_session_and_user("rust-session")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(moved.expires, ms(1_798_761_600_042));
    // Prisma wrote the very text Rust writes.
    let row = stored(&path, "Session", "sessionToken", "rust-session");
    assert_eq!(
        column(&row, "expires"),
        &json!("2027-01-01T00:00:00.042+00:00")
    );
    assert_eq!(
        adapter
            .get_authenticator("Y3JlZC0x")
            .await
            .unwrap()
            .unwrap(),
        AdapterAuthenticator {
            counter: 9,
            ..a1.clone()
        }
    );

    // Rust binds tokens to the user (the TokenStore's table, which Prisma never reads).
    let secret = TokenSecret::new("interop secret").unwrap();
    let bound = TokenFormat::default().generate();
    let hash = secret.hash(&bound);
    for realm in ["users", "_superusers"] {
        adapter
            .bind_token(NewTokenBinding::new(&ada.id, realm, &bound, &secret))
            .await
            .unwrap();
    }
    assert!(
        adapter
            .authenticate("users", &hash, Utc::now())
            .await
            .unwrap()
            .is_some()
    );

    // JS deletes the user Rust created: the foreign keys cascade to Rust's rows, the bound
    // tokens included.
    js.call_ok(json!([{"method": "deleteUser", "args": [ada.id]}]))
        .await;
    assert!(
        adapter
            .authenticate("users", &hash, Utc::now())
            .await
            .unwrap()
            .is_none()
    );
    assert!(adapter.list_tokens(&ada.id).await.unwrap().is_empty());
    assert_eq!(adapter.get_user(&ada.id).await.unwrap(), None);
    assert_eq!(adapter.get_account("github", "gh-1").await.unwrap(), None);
    assert_eq!(
        adapter.get_session_and_user("rust-session").await.unwrap(),
        None
    );
    assert!(
        adapter
            .list_authenticators_by_user_id(&ada.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(adapter.get_user(&bare.id).await.unwrap(), Some(bare));
}

async fn js_writes_rust_reads(origin: Origin) {
    let (adapter, dir) = open(origin).await;
    let path = dir.db();
    let js = peer(&path);

    let created = js
        .call_ok(json!([
            {"method": "createUser", "args": [{
                "id": "ignored-by-prisma",
                "name": "Grace Hopper",
                "email": "grace@example.com",
                "emailVerified": {"$date": "2026-11-22T11:33:29.559Z"},
                "image": "https://example.com/grace.png"
            }]},
            {"method": "createUser", "args": [{"email": "second@example.com", "emailVerified": null}]},
        ]))
        .await;
    let grace: AdapterUser = from_js(&created[0]);
    let second: AdapterUser = from_js(&created[1]);
    assert!(
        grace.id.starts_with('c'),
        "Prisma made a cuid: {}",
        grace.id
    );
    assert_eq!(
        grace.email_verified,
        auth_adapter_core::backend::dates::from_iso("2026-11-22T11:33:29.559Z")
    );
    assert_eq!(
        adapter.get_user(&grace.id).await.unwrap(),
        Some(grace.clone())
    );
    assert_eq!(
        adapter
            .get_user_by_email("second@example.com")
            .await
            .unwrap(),
        Some(second.clone())
    );
    // What Prisma stores is what Rust stores.
    let row = stored(&path, "User", "id", &grace.id);
    assert_eq!(
        column(&row, "emailVerified"),
        &json!("2026-11-22T11:33:29.559+00:00")
    );
    assert_bookkeeping(&row, false);

    let account = json!({
        "userId": grace.id,
        "type": "oidc",
        "provider": "google",
        "providerAccountId": "g-42",
        "access_token": "ya29.token",
        "expires_at": 1795000409,
        "token_type": "bearer",
        "scope": "openid email",
        "id_token": "eyJ.id.token",
    });
    let authenticator = json!({
        "credentialID": "Z3JhY2UtY3JlZA==",
        "userId": grace.id,
        "providerAccountId": "Z3JhY2UtY3JlZA==",
        "credentialPublicKey": "Z3JhY2Uta2V5",
        "counter": 12,
        "credentialDeviceType": "platform",
        "credentialBackedUp": true,
        "transports": "internal",
    });
    let session = json!({
        "sessionToken": "js-session",
        "userId": grace.id,
        "expires": {"$date": "2026-12-22T11:33:29.001Z"},
    });
    let token = json!({
        "identifier": "grace@example.com",
        "token": "hashed-in-js",
        "expires": {"$date": "2026-11-23T11:33:29.999Z"},
    });
    let results = js
        .call_ok(json!([
            {"method": "linkAccount", "args": [account]},
            {"method": "createSession", "args": [session]},
            {"method": "createVerificationToken", "args": [token]},
            {"method": "createAuthenticator", "args": [authenticator]},
        ]))
        .await;
    assert_eq!(from_js::<AdapterSession>(&results[1]), from_js(&session));
    assert_eq!(
        from_js::<VerificationToken>(&results[2]),
        from_js::<VerificationToken>(&token)
    );
    assert_bookkeeping(
        &stored(&path, "Session", "sessionToken", "js-session"),
        true,
    );

    // Rust reads every one back equal.
    let mut expected_account: Value = account.clone();
    for key in ["refresh_token", "session_state"] {
        expected_account[key] = Value::Null;
    }
    let expected_account: AdapterAccount = from_js(&expected_account);
    assert_eq!(expected_account.account_type, AccountType::Oidc);
    assert_eq!(
        adapter.get_account("google", "g-42").await.unwrap(),
        Some(expected_account)
    );
    assert_eq!(
        adapter.get_user_by_account("google", "g-42").await.unwrap(),
        Some(grace.clone())
    );
    let session: AdapterSession = from_js(&session);
    assert_eq!(
        adapter.get_session_and_user("js-session").await.unwrap(),
        Some((session.clone(), grace.clone()))
    );
    let authenticator: AdapterAuthenticator = from_js(&authenticator);
    assert_eq!(
        adapter.get_authenticator("Z3JhY2UtY3JlZA==").await.unwrap(),
        Some(authenticator.clone())
    );
    assert_eq!(
        adapter
            .list_authenticators_by_user_id(&grace.id)
            .await
            .unwrap(),
        std::slice::from_ref(&authenticator)
    );
    assert_eq!(
        adapter
            .use_verification_token("grace@example.com", "hashed-in-js")
            .await
            .unwrap(),
        Some(from_js::<VerificationToken>(&token))
    );

    // Rust changes what JS wrote; JS sees it, and Prisma's `updatedAt` moves.
    let before = stored(&path, "Session", "sessionToken", "js-session");
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let updated = adapter
        .update_user(UserUpdate::new(&grace.id).email(Some("grace@navy.mil".into())))
        .await
        .unwrap();
    let extended = adapter
        .update_session(SessionUpdate::new(
            "js-session",
            session.expires + TimeDelta::days(30),
        ))
        .await
        .unwrap()
        .unwrap();
    let after = stored(&path, "Session", "sessionToken", "js-session");
    assert_eq!(column(&after, "createdAt"), column(&before, "createdAt"));
    assert!(
        column(&after, "updatedAt").as_str() > column(&before, "updatedAt").as_str(),
        "{before:?} {after:?}"
    );
    let counted = adapter
        .update_authenticator_counter("Z3JhY2UtY3JlZA==", 13)
        .await
        .unwrap();
    let results = js
        .call_ok(json!([
            {"method": "getUserByEmail", "args": ["grace@navy.mil"]},
            {"method": "getUserByEmail", "args": ["grace@example.com"]},
            {"method": "db.session", "args": ["js-session"]},
            {"method": "getAuthenticator", "args": ["Z3JhY2UtY3JlZA=="]},
            {"method": "db.verificationToken", "args": [{"identifier": "grace@example.com", "token": "hashed-in-js"}]},
        ]))
        .await;
    assert_eq!(from_js::<AdapterUser>(&results[0]), updated);
    assert_eq!(results[1], Value::Null);
    assert_eq!(from_js::<AdapterSession>(&results[2]), extended);
    assert_eq!(results[3], to_js(&counted));
    assert_eq!(results[4], Value::Null, "the token was used in Rust");

    // Rust deletes the user JS created: its account, session and authenticator go too.
    assert_eq!(adapter.delete_user(&grace.id).await.unwrap(), Some(updated));
    let results = js
        .call_ok(json!([
            {"method": "db.user", "args": [grace.id]},
            {"method": "db.account", "args": [{"provider": "google", "providerAccountId": "g-42"}]},
            {"method": "db.session", "args": ["js-session"]},
            {"method": "db.authenticator", "args": ["Z3JhY2UtY3JlZA=="]},
            {"method": "db.user", "args": [second.id]},
        ]))
        .await;
    assert_eq!(
        results[..4],
        [Value::Null, Value::Null, Value::Null, Value::Null]
    );
    assert_eq!(from_js::<AdapterUser>(&results[4]), second);
}

async fn tokens_are_single_use_across_sides(origin: Origin) {
    let (adapter, dir) = open(origin).await;
    let js = peer(&dir.db());

    // Made in Rust, used in JS, then gone for Rust.
    let rust_token = adapter
        .create_verification_token(VerificationToken {
            identifier: "ada@example.com".into(),
            token: "made-in-rust".into(),
            expires: ms(1_795_000_409_559),
        })
        .await
        .unwrap();
    let pair = json!({"identifier": "ada@example.com", "token": "made-in-rust"});
    let results = js
        .call(json!([
            {"method": "useVerificationToken", "args": [{"identifier": "other@example.com", "token": "made-in-rust"}]},
            {"method": "useVerificationToken", "args": [pair]},
            {"method": "useVerificationToken", "args": [pair]},
        ]))
        .await;
    assert_eq!(
        results[0].as_ref().unwrap(),
        &Value::Null,
        "the identifier must match too"
    );
    assert_eq!(
        from_js::<VerificationToken>(results[1].as_ref().unwrap()),
        rust_token
    );
    assert_eq!(results[2].as_ref().unwrap(), &Value::Null);
    assert_eq!(
        adapter
            .use_verification_token("ada@example.com", "made-in-rust")
            .await
            .unwrap(),
        None
    );

    // Made in JS, used in Rust, then gone for JS.
    let made = json!({
        "identifier": "grace@example.com",
        "token": "made-in-js",
        "expires": {"$date": "2026-11-23T00:00:00.777Z"},
    });
    js.call_ok(json!([{"method": "createVerificationToken", "args": [made]}]))
        .await;
    assert_eq!(
        adapter
            .use_verification_token("grace@example.com", "made-in-js")
            .await
            .unwrap(),
        Some(from_js(&made))
    );
    assert_eq!(
        adapter
            .use_verification_token("grace@example.com", "made-in-js")
            .await
            .unwrap(),
        None
    );
    let results = js
        .call_ok(json!([{"method": "useVerificationToken",
            "args": [{"identifier": "grace@example.com", "token": "made-in-js"}]}]))
        .await;
    assert_eq!(results[0], Value::Null);

    // A key taken on one side is a conflict on the other.
    js.call_ok(json!([{"method": "createVerificationToken", "args": [made]}]))
        .await;
    let err = adapter
        .create_verification_token(from_js(&made))
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "{err:?}");
    let user = adapter
        .create_user(NewUser::with_email("taken@example.com"))
        .await
        .unwrap();
    let results = js
        .call(json!([{"method": "createUser", "args": [{"email": "taken@example.com"}]}]))
        .await;
    assert!(
        results[0].is_err(),
        "JS must refuse a taken email: {results:?}"
    );
    assert_eq!(
        adapter
            .get_user_by_email("taken@example.com")
            .await
            .unwrap(),
        Some(user)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_writes_js_reads_on_a_file_migrated_by_rust() {
    rust_writes_js_reads(Origin::Rust).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_writes_js_reads_on_a_prisma_ddl_file() {
    rust_writes_js_reads(Origin::PrismaDdl).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn js_writes_rust_reads_on_a_file_migrated_by_rust() {
    js_writes_rust_reads(Origin::Rust).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn js_writes_rust_reads_on_a_prisma_ddl_file() {
    js_writes_rust_reads(Origin::PrismaDdl).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_single_use_across_sides_on_a_file_migrated_by_rust() {
    tokens_are_single_use_across_sides(Origin::Rust).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_single_use_across_sides_on_a_prisma_ddl_file() {
    tokens_are_single_use_across_sides(Origin::PrismaDdl).await;
}

/// `(type, name, tbl_name, sql)` of every schema object.
fn schema_of(path: &Path) -> Vec<(String, String, String, Option<String>)> {
    let conn = Connection::open(path).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT type, name, tbl_name, sql FROM sqlite_master \
             WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
        )
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_writes_exactly_prismas_schema_plus_two_indexes_and_our_own_tables() {
    let (rust, rust_dir) = open(Origin::Rust).await;
    let ddl_dir = TempDir::new();
    let ddl_path = ddl_dir.db();
    peer(&ddl_path).setup("prisma-ddl").await;
    let from_prisma = schema_of(&ddl_path);
    let from_rust = schema_of(&rust_dir.db());
    let extra: Vec<_> = from_rust
        .iter()
        .filter(|object| !from_prisma.contains(object))
        .map(|(_, name, _, _)| name.as_str())
        .collect();
    assert_eq!(
        extra,
        [
            "Account_userId_idx",
            "Session_userId_idx",
            "auth_adapter_token_expires_idx",
            "auth_adapter_token_realm_tokenHash_unique",
            "auth_adapter_token_userId_idx",
            "auth_adapter_counter",
            "auth_adapter_token"
        ]
    );
    assert_eq!(
        from_rust.len(),
        from_prisma.len() + extra.len(),
        "{from_prisma:#?}"
    );

    // Adopting the Prisma file makes it identical to ours, and changes none of Prisma's.
    let adopted = SqliteAdapter::open(&ddl_path, options()).await.unwrap();
    adopted.migrate().await.unwrap();
    assert!(adopted.migrate().await.unwrap().is_noop());
    drop(adopted);
    drop(rust);
    assert_eq!(schema_of(&ddl_path), from_rust);
}
