//! The routes (`/api/auth/session`, `/csrf`, `/signout`) and the `require_auth` guard over
//! HTTP: Auth.js's answers, the CSRF protection of sign-out, the redirect to sign in.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use auth_adapter_axum::{AuthConfig, auth_router, require_auth, session_cookies};
use auth_adapter_core::{Adapter, AdapterSession, MemoryAdapter, NewUser, generate_session_token};
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use axum::{Router, middleware};
use chrono::{TimeDelta, Utc};
use serde_json::{Value, json};
use tower::ServiceExt;

const SITE: &str = "https://app.example.com";

struct App {
    router: Router,
    adapter: Arc<dyn Adapter>,
}

fn app_with(
    configure: impl FnOnce(auth_adapter_axum::AuthConfigBuilder) -> auth_adapter_axum::AuthConfigBuilder,
) -> App {
    let adapter: Arc<dyn Adapter> = Arc::new(MemoryAdapter::new());
    let config = configure(
        AuthConfig::builder(adapter.clone())
            .secret("routes secret")
            .site_url(SITE)
            .sign_in_url("/login"),
    )
    .build()
    .unwrap();
    let private = Router::new()
        .route("/dashboard", get(|| async { "private" }))
        .route_layer(middleware::from_fn_with_state(
            config.clone(),
            require_auth::<AuthConfig>,
        ));
    let router = Router::new()
        .merge(auth_router())
        .merge(private)
        .layer(middleware::from_fn(session_cookies))
        .with_state(config);
    App { router, adapter }
}

fn app() -> App {
    app_with(|b| b)
}

async fn send(app: &App, request: Request<Body>) -> Response {
    app.router.clone().oneshot(request).await.unwrap()
}

async fn body(response: Response) -> Value {
    let bytes = to_bytes(response.into_body(), 1 << 20).await.unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

fn set_cookies(response: &Response) -> Vec<String> {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

async fn signed_in(app: &App) -> (AdapterSession, String) {
    let user = app
        .adapter
        .create_user(NewUser {
            name: Some("Ada".into()),
            ..NewUser::with_email("ada@example.com")
        })
        .await
        .unwrap();
    let session = app
        .adapter
        .create_session(AdapterSession {
            session_token: generate_session_token(),
            user_id: user.id,
            expires: auth_adapter_core::backend::dates::truncate_to_millis(
                Utc::now() + TimeDelta::days(30),
            ),
        })
        .await
        .unwrap();
    let cookie = format!("__Secure-authjs.session-token={}", session.session_token);
    (session, cookie)
}

/// The CSRF token and the cookie line that carries it.
async fn csrf(app: &App) -> (String, String) {
    let response = send(
        app,
        Request::get("/api/auth/csrf").body(Body::empty()).unwrap(),
    )
    .await;
    let cookie = set_cookies(&response)[0]
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let token = body(response).await["csrfToken"]
        .as_str()
        .unwrap()
        .to_owned();
    (token, cookie)
}

#[tokio::test]
async fn session_answers_as_auth_js_signed_in_or_not() {
    let app = app();
    let response = send(
        &app,
        Request::get("/api/auth/session")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[header::CACHE_CONTROL],
        "private, no-cache, no-store"
    );
    assert_eq!(response.headers()[header::EXPIRES], "0");
    assert_eq!(body(response).await, Value::Null);

    let (session, cookie) = signed_in(&app).await;
    let request = Request::get("/api/auth/session")
        .header(header::COOKIE, &cookie)
        .body(Body::empty())
        .unwrap();
    let response = send(&app, request).await;
    assert!(set_cookies(&response)[0].starts_with("__Secure-authjs.session-token="));
    assert_eq!(
        body(response).await,
        json!({
            "user": {"name": "Ada", "email": "ada@example.com", "image": null},
            "expires": auth_adapter_core::backend::dates::to_iso(&session.expires),
        })
    );

    let legacy = app_with(|b| b.legacy_session_body(true));
    let response = send(
        &legacy,
        Request::get("/api/auth/session")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(body(response).await, json!({}));
}

#[tokio::test]
async fn csrf_sets_auth_js_double_submit_cookie_and_reuses_a_valid_one() {
    let app = app();
    let response = send(
        &app,
        Request::get("/api/auth/csrf").body(Body::empty()).unwrap(),
    )
    .await;
    let cookies = set_cookies(&response);
    assert_eq!(cookies.len(), 1);
    assert!(
        cookies[0].starts_with("__Host-authjs.csrf-token="),
        "{cookies:?}"
    );
    assert!(cookies[0].contains("%7C"), "token|hash, percent-encoded");
    assert!(cookies[0].ends_with("; Path=/; HttpOnly; SameSite=Lax; Secure"));
    let token = body(response).await["csrfToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(token.len(), 64);
    let cookie = cookies[0].split(';').next().unwrap().to_owned();
    let again = Request::get("/api/auth/csrf")
        .header(header::COOKIE, &cookie)
        .body(Body::empty())
        .unwrap();
    let response = send(&app, again).await;
    assert!(set_cookies(&response).is_empty(), "a valid cookie is kept");
    assert_eq!(body(response).await["csrfToken"], json!(token));
}

#[tokio::test]
async fn a_form_sign_out_needs_the_csrf_token_then_deletes_the_session_and_its_cookies() {
    let app = app();
    let (session, session_cookie) = signed_in(&app).await;
    let (token, csrf_cookie) = csrf(&app).await;
    let cookies = format!("{session_cookie}; {csrf_cookie}");
    let form = |csrf_token: &str| {
        Request::post("/api/auth/signout")
            .header(header::COOKIE, &cookies)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!(
                "csrfToken={csrf_token}&callbackUrl=%2Fgoodbye%3Fx%3D1"
            )))
            .unwrap()
    };
    for wrong in ["", "0000", &"0".repeat(64)] {
        let response = send(&app, form(wrong)).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "token {wrong:?}");
        assert_eq!(body(response).await, json!({"error": "csrf"}));
    }
    assert!(
        app.adapter
            .get_session_and_user(&session.session_token)
            .await
            .unwrap()
            .is_some(),
        "a refused sign-out deletes nothing"
    );
    let response = send(&app, form(&token)).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(response.headers()[header::LOCATION], "/goodbye?x=1");
    let cookies = set_cookies(&response);
    assert_eq!(cookies.len(), 1, "{cookies:?}");
    assert!(cookies[0].starts_with("__Secure-authjs.session-token=; "));
    assert!(cookies[0].contains("Max-Age=0"));
    assert!(
        app.adapter
            .get_session_and_user(&session.session_token)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_json_sign_out_must_come_from_the_site_itself() {
    let app = app();
    let (session, cookie) = signed_in(&app).await;
    let json_post = |headers: &[(&str, &str)]| {
        let mut request = Request::post("/api/auth/signout")
            .header(header::COOKIE, &cookie)
            .header(header::CONTENT_TYPE, "application/json");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.body(Body::from("{}")).unwrap()
    };
    for refused in [
        &[][..],
        &[("origin", "https://evil.example")][..],
        &[("sec-fetch-site", "cross-site"), ("origin", SITE)][..],
        &[("sec-fetch-site", "same-site")][..],
    ] {
        let response = send(&app, json_post(refused)).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{refused:?}");
    }
    assert!(
        app.adapter
            .get_session_and_user(&session.session_token)
            .await
            .unwrap()
            .is_some()
    );
    let response = send(&app, json_post(&[("origin", SITE)])).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body(response).await, json!({"url": format!("{SITE}/")}));
    assert!(
        app.adapter
            .get_session_and_user(&session.session_token)
            .await
            .unwrap()
            .is_none()
    );
    // A signed-out client may sign out too (plain fetch from the page).
    let response = send(&app, json_post(&[("sec-fetch-site", "same-origin")])).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn sign_out_never_redirects_to_another_site() {
    let app = app();
    let (token, csrf_cookie) = csrf(&app).await;
    for (asked, expected) in [
        ("https%3A%2F%2Fevil.example%2F", format!("{SITE}/")),
        ("%2F%2Fevil.example", format!("{SITE}/")),
        (
            "https%3A%2F%2Fapp.example.com.evil.example%2F",
            format!("{SITE}/"),
        ),
        ("https%3A%2F%2Fapp.example.com%2Fok", format!("{SITE}/ok")),
    ] {
        let request = Request::post("/api/auth/signout")
            .header(header::COOKIE, &csrf_cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("csrfToken={token}&callbackUrl={asked}")))
            .unwrap();
        let response = send(&app, request).await;
        assert_eq!(
            response.headers()[header::LOCATION],
            expected.as_str(),
            "{asked}"
        );
    }
}

#[tokio::test]
async fn require_auth_answers_401_to_clients_and_redirects_browsers() {
    let app = app();
    let response = send(
        &app,
        Request::get("/dashboard").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(body(response).await, json!({"error": "unauthenticated"}));
    let browser = Request::get("/dashboard?tab=2")
        .header(header::ACCEPT, "text/html,application/xhtml+xml")
        .body(Body::empty())
        .unwrap();
    let response = send(&app, browser).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(
        response.headers()[header::LOCATION],
        "/login?callbackUrl=%2Fdashboard%3Ftab%3D2"
    );
    let (_, cookie) = signed_in(&app).await;
    let request = Request::get("/dashboard")
        .header(header::COOKIE, &cookie)
        .body(Body::empty())
        .unwrap();
    let response = send(&app, request).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(set_cookies(&response).len(), 1, "the session cookie slides");
}
