//! The notes API's routes on SQLite, PostgreSQL and Redis, with a session as Auth.js
//! stores it: each user sees and changes only their own notes; signed out gets 401; bad
//! bodies get 4xx with a JSON error.
//!
//! Needs `DATABASE_URL` and `REDIS_URL` (scripts/test starts throwaway servers).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../passwordless/tests/support/mod.rs"]
mod support;

use std::sync::Arc;

use auth_adapter::chrono::{TimeDelta, Utc};
use auth_adapter::{Adapter, AdapterSession, NewUser, generate_session_token};
use auth_adapter_tests::interop::app::Store;
use axum::http::StatusCode;
use rest_api::{ApiState, app};
use serde_json::json;
use support::{call, fresh};

/// A user with a database session, as Auth.js makes them: the session token.
async fn signed_in(adapter: &Arc<dyn Adapter>) -> String {
    let email = format!("u{}@example.com", uuid::Uuid::new_v4().simple());
    let user = adapter
        .create_user(NewUser {
            email: Some(email),
            ..NewUser::default()
        })
        .await
        .unwrap();
    let token = generate_session_token();
    adapter
        .create_session(AdapterSession {
            session_token: token.clone(),
            user_id: user.id,
            expires: Utc::now() + TimeDelta::days(30),
        })
        .await
        .unwrap();
    token
}

async fn scenario(store: Store) {
    let (fresh, settings, backend) = fresh(store, &[]).await;
    let app = app(ApiState::open(&settings, &backend).await.unwrap());
    let adapter = backend.adapter();
    let (alice, bob) = (signed_in(&adapter).await, signed_in(&adapter).await);

    // Signed out: 401, for every route.
    assert_eq!(
        call(&app, "GET", "/api/notes", None, None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let anonymous = call(&app, "POST", "/api/notes", None, Some(json!({"text": "x"}))).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);

    // Alice writes two notes and lists them, oldest first.
    let list = call(&app, "GET", "/api/notes", Some(&alice), None).await;
    assert_eq!(
        (list.status, list.json.clone()),
        (StatusCode::OK, json!([]))
    );
    let first = call(
        &app,
        "POST",
        "/api/notes",
        Some(&alice),
        Some(json!({"text": "milk | eggs"})),
    )
    .await;
    assert_eq!(first.status, StatusCode::CREATED, "{first:?}");
    let second = call(
        &app,
        "POST",
        "/api/notes",
        Some(&alice),
        Some(json!({"text": "call Bob"})),
    )
    .await;
    assert_eq!(second.status, StatusCode::CREATED, "{second:?}");
    let id = first.json["id"].as_str().unwrap().to_owned();
    let list = call(&app, "GET", "/api/notes", Some(&alice), None).await;
    let texts: Vec<&str> = list
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["milk | eggs", "call Bob"], "{list:?}");

    // Bob sees none of them and can change none of them.
    let bobs = call(&app, "GET", "/api/notes", Some(&bob), None).await;
    assert_eq!(bobs.json, json!([]));
    let path = format!("/api/notes/{id}");
    let steal = call(
        &app,
        "PATCH",
        &path,
        Some(&bob),
        Some(json!({"text": "mine"})),
    )
    .await;
    assert_eq!(steal.status, StatusCode::NOT_FOUND, "{steal:?}");
    assert_eq!(
        call(&app, "DELETE", &path, Some(&bob), None).await.status,
        StatusCode::NOT_FOUND
    );

    // Alice updates hers: same id and creation time, new text.
    let updated = call(
        &app,
        "PATCH",
        &path,
        Some(&alice),
        Some(json!({"text": "milk, eggs | bread"})),
    )
    .await;
    assert_eq!(updated.status, StatusCode::OK, "{updated:?}");
    assert_eq!(updated.json["id"], id);
    assert_eq!(updated.json["text"], "milk, eggs | bread");
    assert_eq!(updated.json["createdAt"], first.json["createdAt"]);

    // Bad bodies: typed 4xx answers, nothing stored.
    for (body, status) in [
        (json!({"text": "   "}), StatusCode::BAD_REQUEST),
        (
            json!({"text": "x".repeat(rest_api::MAX_NOTE_CHARS + 1)}),
            StatusCode::BAD_REQUEST,
        ),
        (json!({"title": "no text"}), StatusCode::BAD_REQUEST),
    ] {
        let answer = call(&app, "POST", "/api/notes", Some(&alice), Some(body)).await;
        assert_eq!(answer.status, status, "{answer:?}");
        assert!(answer.json["message"].is_string(), "{answer:?}");
    }
    let form = axum::http::Request::post("/api/notes")
        .header(
            "cookie",
            format!(
                "{}={alice}",
                auth_adapter_tests::interop::app::SESSION_COOKIE
            ),
        )
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from("text=from+a+form"))
        .unwrap();
    let answer = tower::ServiceExt::oneshot(app.clone(), form).await.unwrap();
    assert_eq!(answer.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);

    // Delete: gone, and a second delete is 404.
    assert_eq!(
        call(&app, "DELETE", &path, Some(&alice), None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        call(&app, "DELETE", &path, Some(&alice), None).await.status,
        StatusCode::NOT_FOUND
    );
    let list = call(&app, "GET", "/api/notes", Some(&alice), None).await;
    assert_eq!(list.json.as_array().unwrap().len(), 1, "{list:?}");
    assert_eq!(list.json[0]["text"], "call Bob");

    // The session ends (deleted, as Auth.js's sign-out does): 401.
    adapter.delete_session(&alice).await.unwrap();
    assert_eq!(
        call(&app, "GET", "/api/notes", Some(&alice), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );

    drop((app, adapter, backend));
    fresh.remove().await;
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
