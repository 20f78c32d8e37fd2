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
use support::{call, call_with, fresh};

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

/// A script's headers: the bearer token, and the JSON content type when it sends a body.
fn script(bearer: &str, json: bool) -> Vec<(&'static str, &str)> {
    let mut headers = vec![("authorization", bearer)];
    if json {
        headers.push(("content-type", "application/json"));
    }
    headers
}

/// What a script does: the user binds a token from the page (session cookie, same site),
/// and the script calls the API with it as `Bearer`, within the token's scopes; once the
/// user unbinds it, the script gets 401.
async fn scripts_use_bound_tokens(store: Store) {
    let (fresh, settings, backend) = fresh(store, &[]).await;
    let app = app(ApiState::open(&settings, &backend).await.unwrap());
    let adapter = backend.adapter();
    let alice = signed_in(&adapter).await;

    let mut tokens = Vec::new();
    for scopes in [
        json!([rest_api::READ]),
        json!([rest_api::READ, rest_api::WRITE]),
    ] {
        let bound = call(
            &app,
            "POST",
            "/api/auth/bind-token",
            Some(&alice),
            Some(json!({"name": "backup script", "scopes": scopes})),
        )
        .await;
        assert_eq!(bound.status, StatusCode::CREATED, "{bound:?}");
        // The only cookie is the session's own, slid as on every read.
        assert_eq!(bound.session_cookie().as_deref(), Some(alice.as_str()));
        tokens.push((
            format!("Bearer {}", bound.json["token"].as_str().unwrap()),
            bound.json["binding"]["id"].as_str().unwrap().to_owned(),
        ));
    }
    let (reader, writer) = (&tokens[0], &tokens[1]);
    // The writer creates a note, as a script: no Origin, no cookie.
    let created = call_with(
        &app,
        "POST",
        "/api/notes",
        &script(&writer.0, true),
        Some(json!({"text": "from cron"})),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    assert!(
        created.set_cookies.is_empty(),
        "a token request gets no cookie"
    );

    // The reader lists it (Alice's notes), and may not write.
    let listed = call_with(&app, "GET", "/api/notes", &script(&reader.0, false), None).await;
    assert_eq!(listed.status, StatusCode::OK, "{listed:?}");
    assert_eq!(listed.json[0]["text"], "from cron");
    let refused = call_with(
        &app,
        "POST",
        "/api/notes",
        &script(&reader.0, true),
        Some(json!({"text": "nope"})),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{refused:?}");
    assert_eq!(refused.json["error"], "insufficient_scope");
    // Alice's browser sees the script's note.
    let mine = call(&app, "GET", "/api/notes", Some(&alice), None).await;
    assert_eq!(mine.json.as_array().unwrap().len(), 1, "{mine:?}");

    // A token that is not bound: 401, and no store error.
    let forged = "Bearer aa_0000000000000000000000000000000000000000000000";
    let unknown = call_with(
        &app,
        "GET",
        "/api/notes",
        &[("authorization", forged)],
        None,
    )
    .await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED, "{unknown:?}");

    // Alice unbinds the writer: the script is signed out, the reader still works.
    let unbound = call(
        &app,
        "POST",
        "/api/auth/unbind-token",
        Some(&alice),
        Some(json!({"id": writer.1})),
    )
    .await;
    assert_eq!(unbound.status, StatusCode::OK, "{unbound:?}");
    let gone = call_with(&app, "GET", "/api/notes", &script(&writer.0, false), None).await;
    assert_eq!(gone.status, StatusCode::UNAUTHORIZED);
    let still = call_with(&app, "GET", "/api/me", &script(&reader.0, false), None).await;
    assert_eq!(still.status, StatusCode::OK, "{still:?}");

    drop((app, adapter, backend));
    fresh.remove().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_scripts() {
    scripts_use_bound_tokens(Store::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_scripts() {
    scripts_use_bound_tokens(Store::Postgres).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn redis_scripts() {
    scripts_use_bound_tokens(Store::Redis).await;
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
