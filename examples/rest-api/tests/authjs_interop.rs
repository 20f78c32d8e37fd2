//! The examples next to a real Auth.js app (`interop/authjs-app.mjs`, `@auth/express`) on
//! the same store, for SQLite (`@auth/drizzle-adapter`'s tables), PostgreSQL
//! (`@auth/pg-adapter`'s) and Redis (`@auth/unstorage-adapter`'s keys):
//!
//! - a user signs in through Auth.js's own email flow; the notes API serves that user's
//!   notes with the same cookie, and refuses them once Auth.js has signed the user out;
//! - a user signed in through the passwordless example is signed in for the Auth.js app
//!   (its `/api/auth/session`).
//!
//! Needs Node.js ≥ 20 with `npm ci --prefix interop`, `DATABASE_URL` and `REDIS_URL`
//! (scripts/test provides them).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../passwordless/tests/support/mod.rs"]
mod support;

use auth_adapter_tests::interop::app::{AuthJsApp, SESSION_COOKIE, Store, form};
use axum::http::StatusCode;
use serde_json::json;
use support::{SECRET, call, fresh, last_code, temp_path};

async fn scenario(store: Store) {
    let outbox = temp_path("outbox");
    let (fresh, settings, backend) =
        fresh(store, &[("DEV_OUTBOX", outbox.display().to_string())]).await;
    let mut js = AuthJsApp::start(&fresh.env, "database", SECRET).await;
    let origin = js.origin();
    let api = rest_api::app(rest_api::ApiState::open(&settings, &backend).await.unwrap());

    // Auth.js signs a user in (csrf → signin → the emailed link → callback).
    let email = format!("u{}@example.com", uuid::Uuid::new_v4().simple());
    let callback_url = format!("{origin}/");
    let (mut jar, link) = js.request_link(&email, &callback_url).await;
    let reply = js
        .request("GET", link.strip_prefix(&origin).unwrap(), &jar, None)
        .await;
    assert_eq!(reply.status, 302, "{reply:?} {}", js.stderr());
    jar.update(&reply);
    let cookie = jar.0[SESSION_COOKIE].clone();

    // The notes API serves that user's notes with Auth.js's cookie.
    let created = call(
        &api,
        "POST",
        "/api/notes",
        Some(&cookie),
        Some(json!({"text": "from Next.js"})),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    let me = call(&api, "GET", "/api/me", Some(&cookie), None).await;
    assert_eq!(me.json["email"], email, "{me:?}");
    let notes = call(&api, "GET", "/api/notes", Some(&cookie), None).await;
    assert_eq!(notes.status, StatusCode::OK);
    assert_eq!(notes.json[0]["text"], "from Next.js", "{notes:?}");

    // Auth.js signs the user out: the API refuses the cookie.
    let reply = js.request("GET", "/api/auth/csrf", &jar, None).await;
    jar.update(&reply);
    let csrf = reply.json()["csrfToken"].as_str().unwrap().to_owned();
    let body = form(&[("csrfToken", &csrf), ("callbackUrl", &callback_url)]);
    let reply = js
        .request("POST", "/api/auth/signout", &jar, Some(&body))
        .await;
    assert_eq!(reply.status, 302, "{reply:?}");
    let after = call(&api, "GET", "/api/notes", Some(&cookie), None).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED, "{after:?}");

    // The other way round: signed in through the passwordless example, the user is signed
    // in for the Auth.js app, and the API serves the same user.
    let sender = passwordless::dev_sender(&settings).unwrap();
    let pwl = passwordless::app(passwordless::AppState::new(&settings, &backend, sender).unwrap());
    let other = format!("p{}@example.com", uuid::Uuid::new_v4().simple());
    let sent = call(
        &pwl,
        "POST",
        "/api/auth/send-otp",
        None,
        Some(json!({"email": other})),
    )
    .await;
    assert_eq!(sent.status, StatusCode::OK, "{sent:?}");
    let verified = call(
        &pwl,
        "POST",
        "/api/auth/verify-otp",
        None,
        Some(json!({"email": other, "code": last_code(&outbox)})),
    )
    .await;
    assert_eq!(verified.status, StatusCode::OK, "{verified:?}");
    let cookie = verified.session_cookie().unwrap();
    let session = js.session(&cookie).await;
    assert_eq!(session["user"]["email"], other, "{session} {}", js.stderr());
    assert_eq!(
        call(&api, "GET", "/api/me", Some(&cookie), None).await.json["email"],
        other
    );

    // Signing out on the passwordless side ends it for Auth.js too.
    let out = call(&pwl, "POST", "/api/auth/sign-out", Some(&cookie), None).await;
    assert_eq!(out.status, StatusCode::OK);
    assert!(js.session(&cookie).await.is_null());

    drop((api, pwl, backend, js));
    fresh.remove().await;
    let _ = std::fs::remove_file(outbox);
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite() {
    scenario(Store::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres() {
    scenario(Store::Postgres).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn redis() {
    scenario(Store::Redis).await;
}
