//! The interop scenarios with the real `@auth/pg-adapter` (through
//! `node interop/peer.mjs --adapter pg`) on the same server and schema: Rust writes and
//! Auth.js reads, Auth.js writes and Rust reads, and a verification token is used once
//! across both. Each runs on a schema created by our `migrate`, and on one created by
//! upstream's `schema.sql` (`peer.mjs --setup upstream-schema`) and then adopted by
//! `migrate`.
//!
//! Included by `interop.rs` (the adapter on DATABASE_URL) and `interop_pooler.rs` (through
//! the transaction-mode PgBouncer), each expanding [`interop_tests!`] once.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use auth_adapter_core::{
    AccountType, Adapter, AdapterAccount, AdapterSession, AdapterUser, NewUser, UserUpdate,
    VerificationToken, backend::dates,
};
use auth_adapter_postgres::PostgresAdapter;
use auth_adapter_tests::interop::{Peer, date, from_date, ok};
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};

use crate::common::Route;

/// The real `@auth/pg-adapter` on `schema` of DATABASE_URL. (Always direct: node-postgres
/// sets its `search_path` with the `options` startup parameter, which PgBouncer 1.18
/// refuses.)
fn peer(schema: &str) -> Peer {
    Peer::new("pg")
        .env("DATABASE_URL", crate::common::database_url())
        .env("PG_SCHEMA", schema)
}

/// A JS value with its serial `id` checked to be a number and removed (the row id of an
/// account or session, which our API does not carry).
fn without_row_id(value: &Value) -> Value {
    let mut value = value.clone();
    let id = value
        .as_object_mut()
        .expect("an object")
        .remove("id")
        .expect("a row id");
    assert!(id.is_i64(), "row id is a number: {id}");
    value
}

/// pg-adapter ids are SERIAL integers: JSON numbers on the JS side.
fn id_number(id: &str) -> Value {
    json!(id.parse::<i64>().expect("a numeric id"))
}

fn user_json(u: &AdapterUser) -> Value {
    json!({"id": id_number(&u.id), "name": u.name, "email": u.email,
           "emailVerified": u.email_verified.as_ref().map(date), "image": u.image})
}

fn account_json(a: &AdapterAccount) -> Value {
    json!({"userId": id_number(&a.user_id), "type": a.account_type.as_str(),
           "provider": a.provider, "providerAccountId": a.provider_account_id,
           "refresh_token": a.refresh_token, "access_token": a.access_token,
           "expires_at": a.expires_at, "id_token": a.id_token, "scope": a.scope,
           "session_state": a.session_state, "token_type": a.token_type})
}

fn session_json(s: &AdapterSession) -> Value {
    json!({"sessionToken": s.session_token, "userId": id_number(&s.user_id),
           "expires": date(&s.expires)})
}

fn token_json(t: &VerificationToken) -> Value {
    json!({"identifier": t.identifier, "token": t.token, "expires": date(&t.expires)})
}

/// Who created the tables.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Tables {
    /// Our `migrate` on an empty schema.
    RustMigrated,
    /// Upstream's schema.sql via `peer.mjs --setup upstream-schema`, then our `migrate`.
    UpstreamAdopted,
}

/// A fresh schema set up as `tables` says, an adapter reached by `route` that migrated
/// it, and the JS adapter on it.
async fn shared_schema(tables: Tables, route: Route) -> (PostgresAdapter, Peer) {
    let pool = crate::common::pool().await;
    let schema = crate::common::fresh_schema(&pool).await;
    let js = peer(&schema);
    if let Tables::UpstreamAdopted = tables {
        let line = js.setup("upstream-schema").await;
        assert_eq!(line["setup"], "upstream-schema", "{line}");
    }
    let adapter = route.adapter(&pool, &schema).await;
    let report = adapter.migrate().await.unwrap();
    match tables {
        Tables::RustMigrated => assert_eq!(report.created_tables.len(), 6, "{report:?}"),
        Tables::UpstreamAdopted => {
            assert_eq!(
                report.created_tables,
                ["authenticators", "auth_adapter_counters"],
                "{report:?}"
            );
            assert_eq!(report.added_constraints.len(), 6, "{report:?}");
        }
    }
    (adapter, js)
}

fn ms(d: DateTime<Utc>) -> DateTime<Utc> {
    dates::truncate_to_millis(d)
}

pub(crate) async fn rust_writes_auth_js_reads(tables: Tables, route: Route) {
    let (a, js) = shared_schema(tables, route).await;
    let user = a
        .create_user(NewUser {
            name: Some("Ada Lovelace".into()),
            email: Some("ada@example.com".into()),
            email_verified: Some(ms(Utc::now())),
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
            session_token: uuid::Uuid::new_v4().to_string(),
            user_id: user.id.clone(),
            expires: ms(Utc::now() + TimeDelta::days(30)),
        })
        .await
        .unwrap();
    let token = a
        .create_verification_token(VerificationToken {
            identifier: "ada@example.com".into(),
            token: "a".repeat(64),
            expires: ms(Utc::now() + TimeDelta::hours(24)),
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
            {"method": "db.user", "args": [user.id]},
            {"method": "db.account", "args": [key]},
            {"method": "db.account", "args": [plain_key]},
            {"method": "getSessionAndUser", "args": [session.session_token]},
            {"method": "db.session", "args": [session.session_token]},
            {"method": "db.verificationToken", "args": [token_key]},
            {"method": "useVerificationToken", "args": [token_key]},
            {"method": "useVerificationToken", "args": [token_key]},
        ]))
        .await;
    let u = user_json(&user);
    assert_eq!(ok(&r[0]), &u);
    assert_eq!(ok(&r[1]), &u);
    assert_eq!(ok(&r[2]), &u);
    assert_eq!(ok(&r[3]), &user_json(&bare));
    assert_eq!(
        ok(&r[3]),
        &json!({"id": id_number(&bare.id), "name": null, "email": null, "emailVerified": null, "image": null})
    );
    assert_eq!(ok(&r[4]), &u);
    assert_eq!(without_row_id(ok(&r[5])), account_json(&account));
    assert!(ok(&r[5])["expires_at"].is_i64(), "expires_at is a number");
    assert_eq!(without_row_id(ok(&r[6])), account_json(&plain));
    let got = ok(&r[7]);
    assert_eq!(got["user"], u);
    assert_eq!(without_row_id(&got["session"]), session_json(&session));
    assert_eq!(without_row_id(ok(&r[8])), session_json(&session));
    assert_eq!(ok(&r[9]), &token_json(&token));
    assert_eq!(ok(&r[10]), &token_json(&token));
    assert_eq!(ok(&r[11]), &Value::Null, "second use in JS gets nothing");
    // JS used the token: Rust sees it gone.
    assert_eq!(
        a.use_verification_token(&token.identifier, &token.token)
            .await
            .unwrap(),
        None
    );
}

pub(crate) async fn auth_js_writes_rust_reads(tables: Tables, route: Route) {
    let (a, js) = shared_schema(tables, route).await;
    let verified = "2026-11-22T11:33:29.559Z";
    let r = js
        .call(json!([
            {"method": "createUser", "args": [{"id": uuid::Uuid::new_v4().to_string(), "name": "Grace",
              "email": "grace@example.com", "emailVerified": {"$date": verified},
              "image": "https://example.com/g.png"}]},
            {"method": "createUser", "args": [{"email": "bare@example.com", "emailVerified": null}]},
        ]))
        .await;
    let user = ok(&r[0]).clone();
    let bare = ok(&r[1]).clone();
    let id = user["id"].as_i64().expect("a numeric id").to_string();
    let bare_id = bare["id"].as_i64().expect("a numeric id").to_string();
    let expected_user = AdapterUser {
        id: id.clone(),
        name: Some("Grace".into()),
        email: Some("grace@example.com".into()),
        email_verified: dates::from_iso(verified),
        image: Some("https://example.com/g.png".into()),
    };
    assert_eq!(user, user_json(&expected_user));

    let session_expires = "2026-12-22T11:33:29.001Z";
    let token_expires = "2026-11-23T11:33:29.999Z";
    let r = js
        .call(json!([
            {"method": "linkAccount", "args": [{"userId": user["id"], "type": "oauth",
              "provider": "github", "providerAccountId": "1234", "access_token": "gho_x",
              "refresh_token": "ghr_y", "expires_at": 1_795_000_409, "token_type": "bearer",
              "scope": "read:user", "id_token": "idt", "session_state": "st"}]},
            {"method": "linkAccount", "args": [{"userId": bare["id"], "type": "email",
              "provider": "email", "providerAccountId": "bare@example.com"}]},
            {"method": "createSession", "args": [{"sessionToken": "js-session-token",
              "userId": user["id"], "expires": {"$date": session_expires}}]},
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
        a.get_user(&bare_id).await.unwrap(),
        Some(AdapterUser {
            id: bare_id.clone(),
            name: None,
            email: Some("bare@example.com".into()),
            email_verified: None,
            image: None,
        })
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
    assert_eq!(
        a.get_account("email", "bare@example.com").await.unwrap(),
        Some(AdapterAccount::new(
            &bare_id,
            AccountType::Email,
            "email",
            "bare@example.com"
        ))
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
    assert_eq!(
        a.use_verification_token("grace@example.com", "js-hashed-token")
            .await
            .unwrap(),
        None
    );

    // Node keeps working on the tables with our constraints: its updates and its manual
    // deleteUser (user first, then sessions and accounts, already cascaded).
    let r = js
        .call(json!([
            {"method": "useVerificationToken", "args": [{"identifier": "grace@example.com", "token": "js-hashed-token"}]},
            {"method": "updateUser", "args": [{"id": user["id"], "name": "Grace Hopper"}]},
            {"method": "updateSession", "args": [{"sessionToken": "js-session-token",
              "expires": {"$date": "2027-01-01T00:00:00.000Z"}}]},
            {"method": "createUser", "args": [{"email": "grace@example.com", "emailVerified": null}]},
        ]))
        .await;
    assert_eq!(
        ok(&r[0]),
        &Value::Null,
        "Rust used the token: JS gets nothing"
    );
    assert_eq!(ok(&r[1])["name"], "Grace Hopper");
    ok(&r[2]);
    assert!(
        r[3].is_err(),
        "the unique email now holds for Node too: {:?}",
        r[3]
    );
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
    // And Rust's own update is seen by Node.
    a.update_user(UserUpdate::new(&id).image(None))
        .await
        .unwrap();

    let r = js
        .call(json!([
            {"method": "getUser", "args": [user.id]},
            {"method": "deleteUser", "args": [user.id]},
            {"method": "db.user", "args": [user.id]},
        ]))
        .await;
    assert_eq!(ok(&r[0])["image"], Value::Null);
    ok(&r[1]);
    assert_eq!(ok(&r[2]), &Value::Null);
    assert_eq!(a.get_user(&id).await.unwrap(), None);
    assert_eq!(a.get_account("github", "1234").await.unwrap(), None);
    assert_eq!(
        a.get_session_and_user("js-session-token").await.unwrap(),
        None
    );
}

pub(crate) async fn a_token_is_used_once_across_both(tables: Tables, route: Route) {
    let (a, js) = shared_schema(tables, route).await;
    let expires = ms(Utc::now() + TimeDelta::minutes(15));

    // Created in Rust, used in JS; the second use on either side gets nothing.
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
            // Created in JS, for Rust to use below.
            {"method": "createVerificationToken", "args": [{"identifier": "once@example.com",
              "token": "made-in-js", "expires": date(&expires)}]},
        ]))
        .await;
    assert_eq!(ok(&r[0]), &token_json(&rust_token));
    assert_eq!(ok(&r[1]), &Value::Null);
    assert_eq!(
        a.use_verification_token("once@example.com", "made-in-rust")
            .await
            .unwrap(),
        None
    );
    assert_eq!(from_date(&ok(&r[2])["expires"]), expires);

    // Created in JS, used in Rust; the second use on either side gets nothing.
    let used = a
        .use_verification_token("once@example.com", "made-in-js")
        .await
        .unwrap();
    assert_eq!(
        used,
        Some(VerificationToken {
            identifier: "once@example.com".into(),
            token: "made-in-js".into(),
            expires,
        })
    );
    assert_eq!(
        a.use_verification_token("once@example.com", "made-in-js")
            .await
            .unwrap(),
        None
    );
    let key = json!({"identifier": "once@example.com", "token": "made-in-js"});
    let r = js
        .call(json!([{"method": "useVerificationToken", "args": [key]}]))
        .await;
    assert_eq!(ok(&r[0]), &Value::Null);
}

/// One `#[tokio::test]` per scenario and table origin, the adapter reached by `$route`.
macro_rules! interop_tests {
    ($route:expr) => {
        #[tokio::test]
        async fn rust_writes_auth_js_reads_on_rust_migrated_tables() {
            use crate::scenarios::*;
            rust_writes_auth_js_reads(Tables::RustMigrated, $route).await;
        }

        #[tokio::test]
        async fn rust_writes_auth_js_reads_on_adopted_upstream_tables() {
            use crate::scenarios::*;
            rust_writes_auth_js_reads(Tables::UpstreamAdopted, $route).await;
        }

        #[tokio::test]
        async fn auth_js_writes_rust_reads_on_rust_migrated_tables() {
            use crate::scenarios::*;
            auth_js_writes_rust_reads(Tables::RustMigrated, $route).await;
        }

        #[tokio::test]
        async fn auth_js_writes_rust_reads_on_adopted_upstream_tables() {
            use crate::scenarios::*;
            auth_js_writes_rust_reads(Tables::UpstreamAdopted, $route).await;
        }

        #[tokio::test]
        async fn a_token_is_used_once_across_both_on_rust_migrated_tables() {
            use crate::scenarios::*;
            a_token_is_used_once_across_both(Tables::RustMigrated, $route).await;
        }

        #[tokio::test]
        async fn a_token_is_used_once_across_both_on_adopted_upstream_tables() {
            use crate::scenarios::*;
            a_token_is_used_once_across_both(Tables::UpstreamAdopted, $route).await;
        }
    };
}

pub(crate) use interop_tests;
