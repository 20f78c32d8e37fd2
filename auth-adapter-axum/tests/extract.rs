//! `AuthSession` over HTTP: where the token comes from, Auth.js's database-session rules,
//! JWT sessions, the cookies sent back, and the answers when signed out or the store fails.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use auth_adapter_axum::jwt::{Claims, SessionJwt};
use auth_adapter_axum::{AuthConfig, AuthSession, Session, Strategy, session_cookies};
use auth_adapter_core::{
    Adapter, AdapterError, AdapterSession, MemoryAdapter, NewUser, SessionPolicy,
    generate_session_token,
};
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router, middleware};
use chrono::{TimeDelta, Utc};
use serde_json::{Value, json};
use tower::ServiceExt;

const SECRET: &str = "a secret shared with the Auth.js app";

async fn me(session: AuthSession) -> Json<Value> {
    let kind = match session.session {
        Session::Database(_) => "database",
        Session::Jwt(_) => "jwt",
        _ => "other",
    };
    Json(json!({"id": session.user.id, "email": session.user.email, "kind": kind}))
}

async fn maybe(session: Option<AuthSession>) -> Json<Value> {
    Json(json!({"signedIn": session.is_some()}))
}

fn app(config: AuthConfig) -> Router {
    Router::new()
        .route("/me", get(me))
        .route("/maybe", get(maybe))
        .layer(middleware::from_fn(session_cookies))
        .with_state(config)
}

fn config(adapter: Arc<dyn Adapter>, strategy: Strategy, url: &str) -> AuthConfig {
    AuthConfig::builder(adapter)
        .strategy(strategy)
        .secret(SECRET)
        .site_url(url)
        .build()
        .unwrap()
}

async fn get_with(app: &Router, path: &str, headers: &[(&str, &str)]) -> Response {
    let mut request = Request::get(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    app.clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap()
}

async fn json_body(response: Response) -> Value {
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

async fn signed_in(adapter: &Arc<dyn Adapter>, expires: chrono::DateTime<Utc>) -> AdapterSession {
    let user = adapter
        .create_user(NewUser::with_email(format!(
            "{}@example.com",
            uuid::Uuid::new_v4()
        )))
        .await
        .unwrap();
    adapter
        .create_session(AdapterSession {
            session_token: generate_session_token(),
            user_id: user.id,
            expires,
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn a_database_session_cookie_signs_in_and_the_cookie_slides() {
    let adapter: Arc<dyn Adapter> = Arc::new(MemoryAdapter::new());
    let app = app(config(
        adapter.clone(),
        Strategy::Database,
        "http://localhost:3000",
    ));
    let session = signed_in(&adapter, Utc::now() + TimeDelta::hours(29 * 24 + 12)).await;
    let cookie = format!("authjs.session-token={}", session.session_token);
    let response = get_with(&app, "/me", &[("cookie", &cookie)]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookies = set_cookies(&response);
    assert_eq!(cookies.len(), 1, "{cookies:?}");
    let expected_expires = session
        .expires
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string();
    assert_eq!(
        cookies[0],
        format!(
            "authjs.session-token={}; Path=/; Expires={expected_expires}; HttpOnly; SameSite=Lax",
            session.session_token
        )
    );
    let body = json_body(response).await;
    assert_eq!(body["id"], json!(session.user_id));
    assert_eq!(body["kind"], "database");

    // next-auth v4's cookie name works too, and is the name written back.
    let cookie = format!("next-auth.session-token={}", session.session_token);
    let response = get_with(&app, "/me", &[("cookie", &cookie)]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(set_cookies(&response)[0].starts_with("next-auth.session-token="));
}

#[tokio::test]
async fn a_session_due_for_extension_is_extended_in_the_store_and_the_cookie() {
    let adapter: Arc<dyn Adapter> = Arc::new(MemoryAdapter::new());
    let app = app(config(
        adapter.clone(),
        Strategy::Database,
        "http://localhost",
    ));
    // 30-day sessions extend once less than 29 days are left.
    let session = signed_in(&adapter, Utc::now() + TimeDelta::days(2)).await;
    let cookie = format!("authjs.session-token={}", session.session_token);
    let response = get_with(&app, "/me", &[("cookie", &cookie)]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let (stored, _) = adapter
        .get_session_and_user(&session.session_token)
        .await
        .unwrap()
        .unwrap();
    assert!(
        stored.expires > Utc::now() + TimeDelta::days(29),
        "extended in the store"
    );
    let expected = stored.expires.format("%d %b %Y").to_string();
    assert!(
        set_cookies(&response)[0].contains(&expected),
        "and in the cookie"
    );
}

#[tokio::test]
async fn an_expired_session_is_deleted_its_cookie_cleared_and_the_answer_is_401() {
    let adapter: Arc<dyn Adapter> = Arc::new(MemoryAdapter::new());
    let app = app(config(
        adapter.clone(),
        Strategy::Database,
        "http://localhost",
    ));
    let session = signed_in(&adapter, Utc::now() - TimeDelta::seconds(1)).await;
    let cookie = format!("authjs.session-token={}", session.session_token);
    let response = get_with(&app, "/me", &[("cookie", &cookie)]).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(response.headers().get(header::WWW_AUTHENTICATE).is_none());
    let cookies = set_cookies(&response);
    assert!(
        cookies[0].starts_with("authjs.session-token=; "),
        "{cookies:?}"
    );
    assert!(cookies[0].contains("Max-Age=0"));
    let body = json_body(response).await;
    assert_eq!(body, json!({"error": "unauthenticated"}));
    assert!(
        adapter
            .get_session_and_user(&session.session_token)
            .await
            .unwrap()
            .is_none(),
        "deleted from the store"
    );
}

#[tokio::test]
async fn option_is_none_when_signed_out_and_unknown_tokens_are_signed_out() {
    let adapter: Arc<dyn Adapter> = Arc::new(MemoryAdapter::new());
    let app = app(config(
        adapter.clone(),
        Strategy::Database,
        "http://localhost",
    ));
    let response = get_with(&app, "/maybe", &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(set_cookies(&response).is_empty());
    assert_eq!(json_body(response).await, json!({"signedIn": false}));
    let response = get_with(&app, "/me", &[("cookie", "authjs.session-token=nope")]).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let session = signed_in(&adapter, Utc::now() + TimeDelta::days(30)).await;
    let cookie = format!("authjs.session-token={}", session.session_token);
    let response = get_with(&app, "/maybe", &[("cookie", &cookie)]).await;
    assert_eq!(json_body(response).await, json!({"signedIn": true}));
}

#[tokio::test]
async fn https_sites_read_and_write_secure_cookies() {
    let adapter: Arc<dyn Adapter> = Arc::new(MemoryAdapter::new());
    let app = app(config(
        adapter.clone(),
        Strategy::Database,
        "https://app.example.com",
    ));
    let session = signed_in(&adapter, Utc::now() + TimeDelta::days(30)).await;
    // The secure name is tried first.
    let cookie = format!(
        "authjs.session-token=stale; __Secure-authjs.session-token={}",
        session.session_token
    );
    let response = get_with(&app, "/me", &[("cookie", &cookie)]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookies = set_cookies(&response);
    assert!(
        cookies[0].starts_with("__Secure-authjs.session-token="),
        "{cookies:?}"
    );
    assert!(cookies[0].ends_with("; Secure"), "{cookies:?}");
}

#[tokio::test]
async fn bearer_tokens_are_accepted_and_refused_with_www_authenticate() {
    let adapter: Arc<dyn Adapter> = Arc::new(MemoryAdapter::new());
    let app = app(config(
        adapter.clone(),
        Strategy::Database,
        "http://localhost",
    ));
    let session = signed_in(&adapter, Utc::now() + TimeDelta::days(30)).await;
    let auth = format!("Bearer {}", session.session_token);
    let response = get_with(&app, "/me", &[("authorization", &auth)]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        set_cookies(&response).is_empty(),
        "no cookie for a bearer request"
    );
    let response = get_with(&app, "/me", &[("authorization", "Bearer wrong")]).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        response.headers()[header::WWW_AUTHENTICATE],
        "Bearer error=\"invalid_token\""
    );
}

#[tokio::test]
async fn jwt_sessions_of_both_generations_are_read_and_reissued() {
    let adapter: Arc<dyn Adapter> = Arc::new(MemoryAdapter::new());
    let app = app(config(adapter, Strategy::Jwt, "http://localhost"));
    let claims = Claims::for_user(
        "user-7",
        Some("Ada".into()),
        Some("ada@example.com".into()),
        None,
    );
    let v5 = SessionJwt::v5([SECRET], "authjs.session-token").unwrap();
    let token = v5.encode(&claims, TimeDelta::days(1), Utc::now()).unwrap();
    let cookie = format!("authjs.session-token={token}");
    let response = get_with(&app, "/me", &[("cookie", &cookie)]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookies = set_cookies(&response);
    let reissued = cookies[0]
        .strip_prefix("authjs.session-token=")
        .and_then(|rest| rest.split(';').next())
        .unwrap();
    assert_ne!(reissued, token, "a new token");
    let back = v5.decode(reissued, Utc::now()).unwrap();
    assert_eq!(back.sub.as_deref(), Some("user-7"));
    let slid = back.expires_at().unwrap();
    assert!(
        slid > Utc::now() + TimeDelta::days(29),
        "expiry slid to the max age"
    );
    let body = json_body(response).await;
    assert_eq!(
        body,
        json!({"id": "user-7", "email": "ada@example.com", "kind": "jwt"})
    );

    // next-auth v4's cookie and encoding.
    let v4 = SessionJwt::v4([SECRET]).unwrap();
    let token = v4.encode(&claims, TimeDelta::days(1), Utc::now()).unwrap();
    let cookie = format!("next-auth.session-token={token}");
    let response = get_with(&app, "/me", &[("cookie", &cookie)]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let reissued = set_cookies(&response)[0].clone();
    let value = reissued
        .strip_prefix("next-auth.session-token=")
        .and_then(|rest| rest.split(';').next())
        .unwrap();
    assert!(v4.decode(value, Utc::now()).is_ok(), "re-issued as v4");
}

#[tokio::test]
async fn long_jwts_go_out_in_chunks_and_come_back_whole() {
    let adapter: Arc<dyn Adapter> = Arc::new(MemoryAdapter::new());
    let app = app(config(adapter, Strategy::Jwt, "http://localhost"));
    let mut claims = Claims::for_user("user-8", None, None, None);
    claims
        .extra
        .insert("roles".into(), json!(vec!["admin"; 800]));
    let v5 = SessionJwt::v5([SECRET], "authjs.session-token").unwrap();
    let token = v5.encode(&claims, TimeDelta::days(1), Utc::now()).unwrap();
    assert!(token.len() > 3936);
    let (first, second) = token.split_at(3936);
    let cookie = format!("authjs.session-token.1={second}; authjs.session-token.0={first}");
    let response = get_with(&app, "/me", &[("cookie", &cookie)]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookies = set_cookies(&response);
    assert!(cookies.len() >= 2, "{cookies:?}");
    assert!(cookies[0].starts_with("authjs.session-token.0="));
    assert!(cookies[1].starts_with("authjs.session-token.1="));
}

#[tokio::test]
async fn tampered_foreign_or_expired_jwts_are_signed_out_and_cleared_never_500() {
    let adapter: Arc<dyn Adapter> = Arc::new(MemoryAdapter::new());
    let app = app(config(adapter, Strategy::Jwt, "http://localhost"));
    let claims = Claims::for_user("user-9", None, None, None);
    let v5 = SessionJwt::v5([SECRET], "authjs.session-token").unwrap();
    let good = v5.encode(&claims, TimeDelta::days(1), Utc::now()).unwrap();
    let other_key = SessionJwt::v5(["another secret"], "authjs.session-token").unwrap();
    let foreign = other_key
        .encode(&claims, TimeDelta::days(1), Utc::now())
        .unwrap();
    let expired = v5
        .encode(&claims, TimeDelta::days(1), Utc::now() - TimeDelta::days(2))
        .unwrap();
    let wrong_salt = SessionJwt::v5([SECRET], "__Secure-authjs.session-token")
        .unwrap()
        .encode(&claims, TimeDelta::days(1), Utc::now())
        .unwrap();
    let mut tampered = good.clone().into_bytes();
    let at = tampered.len() / 2;
    tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    for (what, token) in [
        ("tampered", tampered.as_str()),
        ("another secret", foreign.as_str()),
        ("expired", expired.as_str()),
        ("salted for another cookie", wrong_salt.as_str()),
        ("truncated", &good[..good.len() - 5]),
        ("garbage", "not.a.jwt"),
    ] {
        let cookie = format!("authjs.session-token={token}");
        let response = get_with(&app, "/me", &[("cookie", &cookie)]).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{what}");
        let cookies = set_cookies(&response);
        assert!(
            cookies[0].starts_with("authjs.session-token=; "),
            "{what}: {cookies:?}"
        );
        let body = to_bytes(response.into_body(), 1 << 16).await.unwrap();
        assert!(!String::from_utf8_lossy(&body).contains(token), "{what}");
    }
}

/// A store whose every call fails: transiently, or for good.
#[derive(Debug)]
struct FailingStore {
    transient: bool,
}

impl FailingStore {
    fn error(&self) -> AdapterError {
        let message = "driver said: password=hunter2 token=s3cret";
        if self.transient {
            AdapterError::transient_message(message)
        } else {
            AdapterError::backend_message(message)
        }
    }
}

#[auth_adapter_core::async_trait]
impl Adapter for FailingStore {
    async fn create_user(
        &self,
        _: NewUser,
    ) -> auth_adapter_core::Result<auth_adapter_core::AdapterUser> {
        Err(self.error())
    }
    async fn get_user(
        &self,
        _: &str,
    ) -> auth_adapter_core::Result<Option<auth_adapter_core::AdapterUser>> {
        Err(self.error())
    }
    async fn get_user_by_email(
        &self,
        _: &str,
    ) -> auth_adapter_core::Result<Option<auth_adapter_core::AdapterUser>> {
        Err(self.error())
    }
    async fn get_user_by_account(
        &self,
        _: &str,
        _: &str,
    ) -> auth_adapter_core::Result<Option<auth_adapter_core::AdapterUser>> {
        Err(self.error())
    }
    async fn update_user(
        &self,
        _: auth_adapter_core::UserUpdate,
    ) -> auth_adapter_core::Result<auth_adapter_core::AdapterUser> {
        Err(self.error())
    }
    async fn delete_user(
        &self,
        _: &str,
    ) -> auth_adapter_core::Result<Option<auth_adapter_core::AdapterUser>> {
        Err(self.error())
    }
    async fn link_account(
        &self,
        _: auth_adapter_core::AdapterAccount,
    ) -> auth_adapter_core::Result<auth_adapter_core::AdapterAccount> {
        Err(self.error())
    }
    async fn unlink_account(
        &self,
        _: &str,
        _: &str,
    ) -> auth_adapter_core::Result<Option<auth_adapter_core::AdapterAccount>> {
        Err(self.error())
    }
    async fn get_account(
        &self,
        _: &str,
        _: &str,
    ) -> auth_adapter_core::Result<Option<auth_adapter_core::AdapterAccount>> {
        Err(self.error())
    }
    async fn update_account(
        &self,
        _: auth_adapter_core::AccountUpdate,
    ) -> auth_adapter_core::Result<auth_adapter_core::AdapterAccount> {
        Err(self.error())
    }
    async fn create_session(&self, _: AdapterSession) -> auth_adapter_core::Result<AdapterSession> {
        Err(self.error())
    }
    async fn get_session_and_user(
        &self,
        _: &str,
    ) -> auth_adapter_core::Result<Option<(AdapterSession, auth_adapter_core::AdapterUser)>> {
        Err(self.error())
    }
    async fn update_session(
        &self,
        _: auth_adapter_core::SessionUpdate,
    ) -> auth_adapter_core::Result<Option<AdapterSession>> {
        Err(self.error())
    }
    async fn delete_session(&self, _: &str) -> auth_adapter_core::Result<Option<AdapterSession>> {
        Err(self.error())
    }
    async fn delete_sessions_by_user_id(&self, _: &str) -> auth_adapter_core::Result<u64> {
        Err(self.error())
    }
    async fn create_verification_token(
        &self,
        _: auth_adapter_core::VerificationToken,
    ) -> auth_adapter_core::Result<auth_adapter_core::VerificationToken> {
        Err(self.error())
    }
    async fn use_verification_token(
        &self,
        _: &str,
        _: &str,
    ) -> auth_adapter_core::Result<Option<auth_adapter_core::VerificationToken>> {
        Err(self.error())
    }
    async fn create_authenticator(
        &self,
        _: auth_adapter_core::AdapterAuthenticator,
    ) -> auth_adapter_core::Result<auth_adapter_core::AdapterAuthenticator> {
        Err(self.error())
    }
    async fn get_authenticator(
        &self,
        _: &str,
    ) -> auth_adapter_core::Result<Option<auth_adapter_core::AdapterAuthenticator>> {
        Err(self.error())
    }
    async fn list_authenticators_by_user_id(
        &self,
        _: &str,
    ) -> auth_adapter_core::Result<Vec<auth_adapter_core::AdapterAuthenticator>> {
        Err(self.error())
    }
    async fn update_authenticator_counter(
        &self,
        _: &str,
        _: u32,
    ) -> auth_adapter_core::Result<auth_adapter_core::AdapterAuthenticator> {
        Err(self.error())
    }
    async fn delete_expired(
        &self,
        _: chrono::DateTime<Utc>,
    ) -> auth_adapter_core::Result<auth_adapter_core::ExpiredCount> {
        Err(self.error())
    }
}

#[tokio::test]
async fn store_failures_are_503_with_retry_after_or_500_and_leak_nothing() {
    for (transient, status) in [
        (true, StatusCode::SERVICE_UNAVAILABLE),
        (false, StatusCode::INTERNAL_SERVER_ERROR),
    ] {
        let adapter: Arc<dyn Adapter> = Arc::new(FailingStore { transient });
        let app = app(config(adapter, Strategy::Database, "http://localhost"));
        for path in ["/me", "/maybe"] {
            let response =
                get_with(&app, path, &[("cookie", "authjs.session-token=tok-s3cret")]).await;
            assert_eq!(response.status(), status, "{path}");
            assert_eq!(
                response.headers().get(header::RETRY_AFTER).is_some(),
                transient,
                "{path}"
            );
            assert!(
                set_cookies(&response).is_empty(),
                "a failure clears nothing"
            );
            let body = to_bytes(response.into_body(), 1 << 16).await.unwrap();
            let text = String::from_utf8_lossy(&body);
            for secret in ["tok-s3cret", "hunter2", "s3cret", "driver"] {
                assert!(!text.contains(secret), "{path}: {text}");
            }
        }
    }
}

#[tokio::test]
async fn the_policy_sets_the_lifetime_and_the_extractor_runs_once_per_request() {
    let adapter: Arc<dyn Adapter> = Arc::new(MemoryAdapter::new());
    let policy = SessionPolicy {
        max_age: TimeDelta::hours(1),
        update_age: TimeDelta::minutes(10),
    };
    let config = AuthConfig::builder(adapter.clone())
        .policy(policy)
        .secret(SECRET)
        .build()
        .unwrap();
    async fn twice(a: AuthSession, b: Option<AuthSession>) -> String {
        format!("{} {}", a.user.id, b.map(|s| s.user.id).unwrap_or_default())
    }
    let app = Router::new()
        .route("/twice", get(twice))
        .layer(middleware::from_fn(session_cookies))
        .with_state(config);
    let session = signed_in(&adapter, Utc::now() + TimeDelta::minutes(45)).await;
    let cookie = format!("authjs.session-token={}", session.session_token);
    let response = get_with(&app, "/twice", &[("cookie", &cookie)]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(set_cookies(&response).len(), 1, "one read, one cookie");
    let (stored, _) = adapter
        .get_session_and_user(&session.session_token)
        .await
        .unwrap()
        .unwrap();
    assert!(
        stored.expires > Utc::now() + TimeDelta::minutes(55),
        "extended to an hour"
    );
}

#[tokio::test]
async fn sign_in_issues_a_session_the_extractor_accepts_in_both_strategies() {
    for strategy in [Strategy::Database, Strategy::Jwt] {
        let adapter: Arc<dyn Adapter> = Arc::new(MemoryAdapter::new());
        let config = config(adapter.clone(), strategy, "https://app.example.com");
        let user = adapter
            .create_user(NewUser::with_email("grace@example.com"))
            .await
            .unwrap();
        let signed_in = config.sign_in(&user).await.unwrap();
        let response = (signed_in, "ok").into_response();
        let cookie = set_cookies(&response)[0].clone();
        assert!(
            cookie.starts_with("__Secure-authjs.session-token="),
            "{strategy:?}: {cookie}"
        );
        assert!(
            cookie.contains("; HttpOnly; SameSite=Lax; Secure"),
            "{cookie}"
        );
        let pair = cookie.split(';').next().unwrap().to_owned();
        let response = get_with(&app(config), "/me", &[("cookie", &pair)]).await;
        assert_eq!(response.status(), StatusCode::OK, "{strategy:?}");
        let body = json_body(response).await;
        assert_eq!(body["id"], json!(user.id), "{strategy:?}");
    }
}

/// `session_cache`: within the TTL a session is served from memory (a row deleted behind
/// this instance's back is still accepted), after it the store decides again; a sign-out
/// through this crate's route forgets the session at once; a session due for extension
/// still goes to the store.
#[tokio::test]
async fn the_session_cache_serves_reads_for_its_ttl_and_sign_out_forgets() {
    use std::time::Duration;
    let adapter: Arc<dyn Adapter> = Arc::new(MemoryAdapter::new());
    let ttl = Duration::from_millis(400);
    let config = AuthConfig::builder(adapter.clone())
        .secret(SECRET)
        .session_cache(ttl)
        .build()
        .unwrap();
    assert!(format!("{config:?}").contains("SessionCache"));
    let routes = Router::new()
        .route("/me", get(me))
        .merge(auth_adapter_axum::auth_router())
        .layer(middleware::from_fn(session_cookies))
        .with_state(config);
    let status = |response: Response| response.status();

    // Read once (cached), then deleted in the store as another instance would: still
    // accepted from memory until the entry ends, then 401.
    let session = signed_in(&adapter, Utc::now() + TimeDelta::days(30)).await;
    let cookie = format!("authjs.session-token={}", session.session_token);
    assert_eq!(
        status(get_with(&routes, "/me", &[("cookie", &cookie)]).await),
        StatusCode::OK
    );
    adapter
        .delete_session(&session.session_token)
        .await
        .unwrap();
    let cached = get_with(&routes, "/me", &[("cookie", &cookie)]).await;
    assert_eq!(cached.status(), StatusCode::OK, "served from the cache");
    tokio::time::sleep(ttl + Duration::from_millis(100)).await;
    assert_eq!(
        status(get_with(&routes, "/me", &[("cookie", &cookie)]).await),
        StatusCode::UNAUTHORIZED,
        "after the TTL the store is asked again"
    );

    // A sign-out through the route deletes the row and forgets the entry at once.
    let session = signed_in(&adapter, Utc::now() + TimeDelta::days(30)).await;
    let cookie = format!("authjs.session-token={}", session.session_token);
    assert_eq!(
        status(get_with(&routes, "/me", &[("cookie", &cookie)]).await),
        StatusCode::OK
    );
    let sign_out = Request::post("/api/auth/signout")
        .header("cookie", &cookie)
        .header("origin", "http://localhost")
        .header("sec-fetch-site", "same-origin")
        .body(Body::empty())
        .unwrap();
    let signed_out = routes.clone().oneshot(sign_out).await.unwrap();
    assert!(signed_out.status().is_success() || signed_out.status().is_redirection());
    assert!(
        adapter
            .get_session_and_user(&session.session_token)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        status(get_with(&routes, "/me", &[("cookie", &cookie)]).await),
        StatusCode::UNAUTHORIZED,
        "signed out here: not served from the cache"
    );

    // A session due for extension is never served from memory: with an update age of
    // zero every read is due, so each goes to the store, which extends it, and a row
    // deleted there is seen at once.
    let every_read_due = AuthConfig::builder(adapter.clone())
        .secret(SECRET)
        .policy(SessionPolicy {
            max_age: TimeDelta::days(30),
            update_age: TimeDelta::zero(),
        })
        .session_cache(Duration::from_secs(60))
        .build()
        .unwrap();
    let due_app = app(every_read_due);
    let session = signed_in(&adapter, Utc::now() + TimeDelta::days(29)).await;
    let cookie = format!("authjs.session-token={}", session.session_token);
    assert_eq!(
        status(get_with(&due_app, "/me", &[("cookie", &cookie)]).await),
        StatusCode::OK
    );
    let (row, _) = adapter
        .get_session_and_user(&session.session_token)
        .await
        .unwrap()
        .unwrap();
    assert!(row.expires > session.expires, "extended in the store");
    adapter
        .delete_session(&session.session_token)
        .await
        .unwrap();
    assert_eq!(
        status(get_with(&due_app, "/me", &[("cookie", &cookie)]).await),
        StatusCode::UNAUTHORIZED
    );
}
