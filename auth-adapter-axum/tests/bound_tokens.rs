//! Tokens bound to an account over HTTP on every backend: binding, listing and unbinding
//! them for a signed-in session, a bound token as the `Authorization: Bearer` principal
//! (with its scopes, and no session row), BosBase's `auth-with-token`, and unknown tokens
//! throttled per client address before any lookup.
//!
//! PostgreSQL, SQLite and Redis need `DATABASE_URL` / `REDIS_URL` (scripts/test starts
//! throwaway servers); every wait on a store is bounded by the harness.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::IpAddr;
use std::sync::Arc;

use auth_adapter_axum::{
    AuthConfig, AuthSession, BoundTokens, ClientIp, Session, bound_token_router, session_cookies,
};
use auth_adapter_core::{Adapter, AdapterSession, NewUser, TokenFormat, generate_session_token};
use auth_adapter_tests::interop::app::{Stores, within};
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router, middleware};
use chrono::{TimeDelta, Utc};
use serde_json::{Value, json};
use tower::ServiceExt;

const SITE: &str = "https://app.example.com";
const COOKIE: &str = "__Secure-authjs.session-token";

struct App {
    router: Router,
    adapter: Arc<dyn Adapter>,
    stores: Stores,
}

async fn me(session: AuthSession) -> Json<Value> {
    let kind = match &session.session {
        Session::Token(_) => "token",
        _ => "session",
    };
    Json(json!({
        "id": session.user.id,
        "kind": kind,
        "scopes": session.scopes(),
        "read": session.has_scope("read"),
        "write": session.has_scope("write"),
    }))
}

impl App {
    async fn new(backend: &str) -> App {
        let stores = Stores::open(backend).await;
        let (adapter, counters, tokens) = (
            stores.adapter.clone(),
            stores.counters.clone(),
            stores.tokens.clone(),
        );
        let config = AuthConfig::builder(adapter.clone())
            .secret("bound tokens secret")
            .site_url(SITE)
            .bound_tokens(
                BoundTokens::new(tokens, counters).failures_per_ip(3, TimeDelta::minutes(15)),
            )
            .build()
            .unwrap();
        let router = Router::new()
            .merge(bound_token_router())
            .route("/api/me", get(me))
            .layer(middleware::from_fn(session_cookies))
            .with_state(config);
        App {
            router,
            adapter,
            stores,
        }
    }

    async fn done(self) {
        drop(self.router);
        drop(self.adapter);
        self.stores.remove().await;
    }

    /// A signed-in user: its id and its session cookie.
    async fn signed_in(&self) -> (String, String) {
        let email = format!("{}@example.com", auth_adapter_tests::fixtures::uuid());
        let user = self
            .adapter
            .create_user(NewUser::with_email(&email))
            .await
            .unwrap();
        let session = self
            .adapter
            .create_session(AdapterSession {
                session_token: generate_session_token(),
                user_id: user.id.clone(),
                expires: Utc::now() + TimeDelta::days(30),
            })
            .await
            .unwrap();
        (user.id, format!("{COOKIE}={}", session.session_token))
    }

    async fn send(&self, request: Request<Body>) -> Response {
        within("a bound-token route", self.router.clone().oneshot(request))
            .await
            .unwrap()
    }

    /// A same-site JSON POST with `cookie`, from `ip`.
    async fn post(&self, path: &str, body: Value, cookie: Option<&str>) -> Response {
        let mut request = Request::post(format!("/api/auth{path}"))
            .header(header::ORIGIN, SITE)
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        self.send(request.body(Body::from(body.to_string())).unwrap())
            .await
    }

    async fn get(&self, path: &str, cookie: Option<&str>, bearer: Option<&str>) -> Response {
        self.get_from(path, cookie, bearer, "203.0.113.1").await
    }

    async fn get_from(
        &self,
        path: &str,
        cookie: Option<&str>,
        bearer: Option<&str>,
        ip: &str,
    ) -> Response {
        let mut request = Request::get(path);
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        if let Some(bearer) = bearer {
            request = request.header(header::AUTHORIZATION, format!("Bearer {bearer}"));
        }
        let mut request = request.body(Body::empty()).unwrap();
        request
            .extensions_mut()
            .insert(ClientIp(ip.parse::<IpAddr>().unwrap()));
        self.send(request).await
    }
}

async fn json_of(response: Response) -> Value {
    let bytes = to_bytes(response.into_body(), 1 << 20).await.unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

async fn a_bound_token_is_a_bearer_principal_and_signs_in(backend: &str) {
    let app = App::new(backend).await;
    let (user_id, cookie) = app.signed_in().await;

    let response = app
        .post(
            "/bind-token",
            json!({"name": "CI deploy", "scopes": ["read"], "expiresIn": 3600}),
            Some(&cookie),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let body = json_of(response).await;
    let token = body["token"].as_str().unwrap().to_owned();
    TokenFormat::default()
        .parse(&token)
        .expect("a checksummed aa_ token");
    assert_eq!(body["binding"]["name"], "CI deploy");
    let id = body["binding"]["id"].as_str().unwrap().to_owned();

    // The list shows it, never the token.
    let response = app.get("/api/auth/tokens", Some(&cookie), None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let listed = json_of(response).await;
    assert_eq!(listed["tokens"][0]["id"], id.as_str());
    assert!(token.starts_with(listed["tokens"][0]["displayPrefix"].as_str().unwrap()));
    assert!(!listed.to_string().contains(&token));

    // The bearer principal: the user, the token's scopes, no session row.
    let response = app.get("/api/me", None, Some(&token)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(!response.headers().contains_key(header::SET_COOKIE));
    let me = json_of(response).await;
    assert_eq!(
        me,
        json!({"id": user_id, "kind": "token", "scopes": ["read"], "read": true, "write": false})
    );
    // A bound token cannot bind another.
    let mut request = Request::post("/api/auth/bind-token")
        .header(header::ORIGIN, SITE)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::from("{}"))
        .unwrap();
    request
        .extensions_mut()
        .insert(ClientIp("203.0.113.1".parse().unwrap()));
    let response = app.send(request).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(json_of(response).await["error"], "session_required");

    // BosBase's auth-with-token: a session for the token's user, and its cookie.
    let response = app
        .post("/auth-with-token", json!({"token": token}), None)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let set = response
        .headers()
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let body = json_of(response).await;
    assert_eq!(body["record"]["id"], user_id.as_str());
    let session_token = body["token"].as_str().unwrap();
    assert!(
        set.starts_with(&format!("{COOKIE}={session_token};")),
        "{set}"
    );
    let new_cookie = format!("{COOKIE}={session_token}");
    let me = json_of(app.get("/api/me", Some(&new_cookie), None).await).await;
    assert_eq!(me["kind"], "session");
    assert_eq!(me["id"], user_id.as_str());

    // Unbound: the token stops working, and unbinding again is not found.
    let response = app
        .post("/unbind-token", json!({"id": id}), Some(&cookie))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = app.get("/api/me", None, Some(&token)).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(response.headers().contains_key(header::WWW_AUTHENTICATE));
    let response = app
        .post("/unbind-token", json!({"id": id}), Some(&cookie))
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = app
        .post("/auth-with-token", json!({"token": token}), None)
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(json_of(response).await["error"], "invalid_token");

    // Cross-site: binding needs the site's Origin (or the CSRF token).
    let request = Request::post("/api/auth/bind-token")
        .header(header::ORIGIN, "https://evil.example")
        .header(header::COOKIE, &cookie)
        .body(Body::from("{}"))
        .unwrap();
    assert_eq!(app.send(request).await.status(), StatusCode::FORBIDDEN);
    app.done().await;
}

async fn unknown_tokens_are_throttled_per_address(backend: &str) {
    let app = App::new(backend).await;
    let (_, cookie) = app.signed_in().await;
    let response = app.post("/bind-token", json!({}), Some(&cookie)).await;
    let token = json_of(response).await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let format = TokenFormat::default();
    // Garbage is refused offline and never counted.
    for _ in 0..5 {
        let response = app.get("/api/me", None, Some("aa_not-a-token")).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    // Three well-formed unknown tokens: 401; the fourth is over the limit.
    for _ in 0..3 {
        let unknown = format.generate();
        let response = app
            .get("/api/me", None, Some(unknown.expose_secret()))
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let response = app
        .get("/api/me", None, Some(format.generate().expose_secret()))
        .await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(response.headers().contains_key(header::RETRY_AFTER));
    // That address is now refused before any lookup, even with a good token...
    let response = app.get("/api/me", None, Some(&token)).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    // ...while another address is not.
    let response = app
        .get_from("/api/me", None, Some(&token), "198.51.100.9")
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    app.done().await;
}

auth_adapter_tests::on_every_backend!(
    a_bound_token_is_a_bearer_principal_and_signs_in,
    unknown_tokens_are_throttled_per_address,
);
