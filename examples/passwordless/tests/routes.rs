//! The passwordless example's routes as its page uses them, on SQLite, PostgreSQL and
//! Redis: the page, a code sent and read from the development sender's outbox, sign-in,
//! `/api/me`, sign-out, a cross-site POST refused, wrong codes until the limit answers.
//!
//! Needs `DATABASE_URL` and `REDIS_URL` (scripts/test starts throwaway servers).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use auth_adapter_tests::interop::app::Store;
use axum::http::StatusCode;
use passwordless::{AppState, app, dev_sender};
use serde_json::json;
use support::{call, fresh, last_code, temp_path};

async fn scenario(store: Store) {
    let outbox = temp_path("outbox");
    let (fresh, settings, backend) =
        fresh(store, &[("DEV_OUTBOX", outbox.display().to_string())]).await;
    let state = AppState::new(&settings, &backend, dev_sender(&settings).unwrap()).unwrap();
    let app = app(state);
    let email = format!("u{}@example.com", uuid::Uuid::new_v4().simple());

    // The page, and a signed-out visitor.
    let page = call(&app, "GET", "/", None, None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("/api/auth/verify-otp"), "{}", page.text);
    assert_eq!(
        call(&app, "GET", "/api/me", None, None).await.status,
        StatusCode::UNAUTHORIZED
    );

    // A code by email, read where the development sender put it; sign in with it.
    let sent = call(
        &app,
        "POST",
        "/api/auth/send-otp",
        None,
        Some(json!({"email": email})),
    )
    .await;
    assert_eq!(sent.status, StatusCode::OK, "{sent:?}");
    let code = last_code(&outbox);
    let verified = call(
        &app,
        "POST",
        "/api/auth/verify-otp",
        None,
        Some(json!({"email": email, "code": code})),
    )
    .await;
    assert_eq!(verified.status, StatusCode::OK, "{verified:?}");
    let cookie = verified.session_cookie().expect("a session cookie");
    assert!(!verified.text.contains(&code) && !verified.text.contains(&cookie));

    // Who am I: the same user for /api/me and Auth.js's /api/auth/session.
    let me = call(&app, "GET", "/api/me", Some(&cookie), None).await;
    assert_eq!(me.status, StatusCode::OK, "{me:?}");
    assert_eq!(me.json["email"], email);
    let session = call(&app, "GET", "/api/auth/session", Some(&cookie), None).await;
    assert_eq!(session.json["user"]["email"], email);

    // The code was single use.
    let again = call(
        &app,
        "POST",
        "/api/auth/verify-otp",
        None,
        Some(json!({"email": email, "code": code})),
    )
    .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST, "{again:?}");

    // Sign out: the session is gone for both routes.
    let out = call(&app, "POST", "/api/auth/sign-out", Some(&cookie), None).await;
    assert_eq!(out.status, StatusCode::OK, "{out:?}");
    assert_eq!(
        call(&app, "GET", "/api/me", Some(&cookie), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert!(
        call(&app, "GET", "/api/auth/session", Some(&cookie), None)
            .await
            .json
            .is_null()
    );

    // A POST from another site (its Origin) is refused.
    let cross = axum::http::Request::post("/api/auth/send-otp")
        .header("origin", "https://evil.example")
        .header("content-type", "application/json")
        .body(axum::body::Body::from(json!({"email": email}).to_string()))
        .unwrap();
    let answer = tower::ServiceExt::oneshot(app.clone(), cross)
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::FORBIDDEN);

    // Wrong codes until the limit answers 429 (the default: 5 per 15 minutes), with a
    // message for the page and Retry-After; then even the right code is refused.
    let sent = call(
        &app,
        "POST",
        "/api/auth/send-otp",
        None,
        Some(json!({"email": email})),
    )
    .await;
    assert_eq!(sent.status, StatusCode::OK, "{sent:?}");
    let code = last_code(&outbox);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let mut limited = None;
    for attempt in 1..=6 {
        let answer = call(
            &app,
            "POST",
            "/api/auth/verify-otp",
            None,
            Some(json!({"email": email, "code": wrong})),
        )
        .await;
        if answer.status == StatusCode::TOO_MANY_REQUESTS {
            limited = Some((attempt, answer));
            break;
        }
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{answer:?}");
    }
    let (attempt, answer) = limited.expect("no 429 after 6 wrong codes");
    // The spent code tried above was the first wrong check of this window: with 4 here
    // that makes the default 5, and the 6th check is refused.
    assert_eq!(attempt, 5, "the 6th wrong check is the first refused");
    assert!(
        answer.json["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{answer:?}"
    );
    assert!(answer.headers.contains_key("retry-after"), "{answer:?}");
    let right = call(
        &app,
        "POST",
        "/api/auth/verify-otp",
        None,
        Some(json!({"email": email, "code": code})),
    )
    .await;
    assert_eq!(right.status, StatusCode::TOO_MANY_REQUESTS, "{right:?}");

    drop((app, backend));
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
