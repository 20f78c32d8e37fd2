//! Interop with a real Auth.js app: `interop/authjs-app.mjs` (Express + `@auth/express`, an
//! email provider that hands its sign-in link to this test) on the same store as the Rust
//! backend. For each store (PostgreSQL in `@auth/pg-adapter`'s layout, SQLite in
//! `@auth/drizzle-adapter`'s, Redis in `@auth/unstorage-adapter`'s keys) and each strategy
//! (database, JWT), a user signs in through Auth.js's own HTTP flow (csrf → signin →
//! link → callback), the Rust extractor accepts that cookie and sees the same user, a
//! session (or JWT) the Rust side issues is accepted by Auth.js's `/session`, and
//! tampering, expiry and sign-out are seen alike by both.
//!
//! PostgreSQL runs a third time with the Rust adapter behind a transaction-mode PgBouncer.
//!
//! Needs Node.js ≥ 20 with `npm ci --prefix interop`, and `DATABASE_URL` / `REDIS_URL` /
//! `PGBOUNCER_URL` (scripts/test starts throwaway servers). Every wait is bounded (the harness,
//! `auth_adapter_tests::interop::app`, waits at most its `PATIENCE` for anything).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers may panic

use std::sync::Arc;

use auth_adapter_axum::jwt::{Claims, SessionJwt};
use auth_adapter_axum::{AuthConfig, AuthSession, Strategy, session_cookies};
use auth_adapter_core::{Adapter, AdapterSession, SessionUpdate, generate_session_token};
use auth_adapter_tests::interop::app::{AuthJsApp, SESSION_COOKIE, Store, form, within};
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use axum::routing::get;
use axum::{Json, Router, middleware};
use chrono::{TimeDelta, Utc};
use serde_json::{Value, json};
use tower::ServiceExt;

const SECRET: &str = "the AUTH_SECRET both sides share, long enough to look real";

/// Auth.js's name for `strategy`.
fn strategy_name(strategy: Strategy) -> &'static str {
    match strategy {
        Strategy::Jwt => "jwt",
        _ => "database",
    }
}

// ---------------------------------------------------------------------------------------
// The Rust side

async fn me(session: AuthSession) -> Json<Value> {
    Json(json!({"id": session.user.id, "email": session.user.email}))
}

fn rust_app(adapter: Arc<dyn Adapter>, strategy: Strategy, origin: &str) -> Router {
    let config = AuthConfig::builder(adapter)
        .strategy(strategy)
        .secret(SECRET)
        .site_url(origin)
        .build()
        .unwrap();
    Router::new()
        .route("/me", get(me))
        .layer(middleware::from_fn(session_cookies))
        .with_state(config)
}

/// The Rust service's answer to `GET /me` with `cookie` as the session cookie: its status,
/// body, and `Set-Cookie`s.
async fn rust_me(app: &Router, cookie: &str) -> (StatusCode, Value, Vec<String>) {
    let request = Request::get("/me")
        .header(header::COOKIE, format!("{SESSION_COOKIE}={cookie}"))
        .body(Body::empty())
        .unwrap();
    let response = within("the Rust app", app.clone().oneshot(request))
        .await
        .unwrap();
    let status = response.status();
    let cookies = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let bytes = to_bytes(response.into_body(), 1 << 20).await.unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        cookies,
    )
}

/// A cookie value with one character of its middle changed.
fn tampered(value: &str) -> String {
    let mut bytes = value.as_bytes().to_vec();
    let at = bytes.len() / 2;
    bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).unwrap()
}

// ---------------------------------------------------------------------------------------
// The scenario

async fn scenario(store: Store, strategy: Strategy) {
    let fresh = store.fresh().await;
    let mut js = AuthJsApp::start(&fresh.env, strategy_name(strategy), SECRET).await;
    let origin = js.origin();
    let rust = rust_app(fresh.adapter.clone(), strategy, &origin);
    let email = format!("u{}@example.com", uuid::Uuid::new_v4().simple());

    // Sign in through Auth.js's HTTP flow, as a browser does.
    let callback_url = format!("{origin}/");
    let (mut jar, link) = js.request_link(&email, &callback_url).await;
    let path = link
        .strip_prefix(&origin)
        .unwrap_or_else(|| panic!("the link {link} is not on {origin}"));
    let reply = js.request("GET", path, &jar, None).await;
    assert_eq!(reply.status, 302, "{reply:?}");
    assert_eq!(reply.header("location"), Some(callback_url.as_str()));
    let session_line = reply
        .all("set-cookie")
        .into_iter()
        .find(|l| l.starts_with(&format!("{SESSION_COOKIE}=")))
        .unwrap_or_else(|| panic!("no session cookie: {reply:?}"))
        .to_owned();
    assert!(
        session_line.contains("Path=/")
            && session_line.contains("HttpOnly")
            && session_line.contains("SameSite=Lax"),
        "{session_line}"
    );
    jar.update(&reply);
    let cookie = jar.0[SESSION_COOKIE].clone();

    // Auth.js itself sees the user.
    let session = js.session(&cookie).await;
    assert_eq!(session["user"]["email"], email, "{session}");

    // The Rust extractor accepts Auth.js's cookie and sees the same user.
    let (status, body, set) = rust_me(&rust, &cookie).await;
    assert_eq!(status, StatusCode::OK, "{body} {}", js.stderr());
    assert_eq!(body["email"], email);
    let user_id = body["id"].as_str().unwrap().to_owned();
    assert_eq!(set.len(), 1, "{set:?}");
    // The cookie the Rust side sends back has Auth.js's attributes; a database session is
    // not due for extension yet, so the line is Auth.js's, byte for byte. A JWT is
    // re-issued (new IV and `iat`), so only its attributes match, the expiry to the second
    // or so; and Auth.js accepts the re-issued token.
    match strategy {
        Strategy::Jwt => {
            let (value, rust_attrs) = set[0].split_once("; ").unwrap();
            let (_, js_attrs) = session_line.split_once("; ").unwrap();
            let without_expires = |attrs: &str| -> (Vec<String>, i64) {
                let mut expires = 0;
                let rest = attrs
                    .split("; ")
                    .filter(|a| match a.strip_prefix("Expires=") {
                        Some(date) => {
                            expires =
                                chrono::DateTime::parse_from_rfc2822(&date.replace("GMT", "+0000"))
                                    .unwrap_or_else(|e| panic!("{date}: {e}"))
                                    .timestamp();
                            false
                        }
                        None => true,
                    })
                    .map(str::to_owned)
                    .collect();
                (rest, expires)
            };
            let (rust_rest, rust_expires) = without_expires(rust_attrs);
            let (js_rest, js_expires) = without_expires(js_attrs);
            assert_eq!(rust_rest, js_rest, "{} vs {session_line}", set[0]);
            assert!(
                (rust_expires - js_expires).abs() <= 5,
                "{} vs {session_line}",
                set[0]
            );
            let reissued = value.strip_prefix(&format!("{SESSION_COOKIE}=")).unwrap();
            assert_ne!(reissued, cookie);
            let session = js.session(reissued).await;
            assert_eq!(session["user"]["email"], email, "{session}");
        }
        _ => assert_eq!(set[0], session_line),
    }
    if let Strategy::Database = strategy {
        let (row, user) = fresh
            .adapter
            .get_session_and_user(&cookie)
            .await
            .unwrap()
            .expect("the session Auth.js created is in the store");
        assert_eq!(row.user_id, user_id);
        assert_eq!(user.email.as_deref(), Some(email.as_str()));
    }

    // A tampered cookie: signed out on both sides.
    let bad = tampered(&cookie);
    let (status, _, set) = rust_me(&rust, &bad).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        set.iter().any(|c| c.contains("Max-Age=0")),
        "the Rust side clears a bad cookie: {set:?}"
    );
    assert_eq!(js.session(&bad).await, Value::Null);

    // The other way: a session the Rust side issues, read by Auth.js's own /session.
    match strategy {
        Strategy::Jwt => {
            let codec = SessionJwt::v5([SECRET], SESSION_COOKIE).unwrap();
            let claims = Claims::for_user(&user_id, None, Some(email.clone()), None);
            let token = codec
                .encode(&claims, TimeDelta::days(30), Utc::now())
                .unwrap();
            let session = js.session(&token).await;
            assert_eq!(session["user"]["email"], email, "{session}");
            // Expired on the Rust side: Auth.js agrees, and so does the extractor.
            let expired = codec
                .encode(&claims, TimeDelta::hours(-1), Utc::now())
                .unwrap();
            assert_eq!(js.session(&expired).await, Value::Null);
            assert_eq!(rust_me(&rust, &expired).await.0, StatusCode::UNAUTHORIZED);
        }
        _ => {
            let token = generate_session_token();
            fresh
                .adapter
                .create_session(AdapterSession {
                    session_token: token.clone(),
                    user_id: user_id.clone(),
                    expires: Utc::now() + TimeDelta::days(30),
                })
                .await
                .unwrap();
            let session = js.session(&token).await;
            assert_eq!(session["user"]["email"], email, "{session}");
            assert_eq!(rust_me(&rust, &token).await.0, StatusCode::OK);
            // Expired by the Rust side: Auth.js sees it signed out.
            fresh
                .adapter
                .update_session(SessionUpdate::new(
                    &token,
                    Utc::now() - TimeDelta::minutes(1),
                ))
                .await
                .unwrap();
            assert_eq!(js.session(&token).await, Value::Null);
            assert_eq!(rust_me(&rust, &token).await.0, StatusCode::UNAUTHORIZED);
            // Signed out by the Rust side (the row deleted): Auth.js sees it too.
            let token = generate_session_token();
            fresh
                .adapter
                .create_session(AdapterSession {
                    session_token: token.clone(),
                    user_id: user_id.clone(),
                    expires: Utc::now() + TimeDelta::days(30),
                })
                .await
                .unwrap();
            assert_eq!(js.session(&token).await["user"]["email"], email);
            fresh.adapter.delete_session(&token).await.unwrap();
            assert_eq!(js.session(&token).await, Value::Null);
        }
    }

    // Sign out on Auth.js.
    let reply = js.request("GET", "/api/auth/csrf", &jar, None).await;
    jar.update(&reply);
    let csrf = reply.json()["csrfToken"].as_str().unwrap().to_owned();
    let body = form(&[("csrfToken", &csrf), ("callbackUrl", &callback_url)]);
    let reply = js
        .request("POST", "/api/auth/signout", &jar, Some(&body))
        .await;
    assert_eq!(reply.status, 302, "{reply:?}");
    jar.update(&reply);
    assert!(
        !jar.0.contains_key(SESSION_COOKIE),
        "Auth.js clears its session cookie on sign-out: {reply:?}"
    );
    match strategy {
        Strategy::Jwt => {
            // A JWT session has nothing to delete: the old cookie stays valid until it
            // expires, for Auth.js and for the Rust side alike.
            assert_eq!(js.session(&cookie).await["user"]["email"], email);
            assert_eq!(rust_me(&rust, &cookie).await.0, StatusCode::OK);
        }
        _ => {
            let (status, _, _) = rust_me(&rust, &cookie).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "signed out on Auth.js");
            assert_eq!(js.session(&cookie).await, Value::Null);
        }
    }

    drop(js);
    fresh.remove().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_database_sessions() {
    scenario(Store::Sqlite, Strategy::Database).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_jwt_sessions() {
    scenario(Store::Sqlite, Strategy::Jwt).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_database_sessions() {
    scenario(Store::Postgres, Strategy::Database).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_jwt_sessions() {
    scenario(Store::Postgres, Strategy::Jwt).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_through_a_transaction_pooler_database_sessions() {
    scenario(Store::PostgresPooler, Strategy::Database).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_database_sessions() {
    scenario(Store::Redis, Strategy::Database).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_jwt_sessions() {
    scenario(Store::Redis, Strategy::Jwt).await;
}
