//! Binding and unbinding a token with a fresh one-time code instead of a session (feature
//! `passwordless`, `BoundTokens::codes`), on every backend: what a script without a browser
//! session does. The code is used up by the proof, counts against the passwordless limits,
//! and creates no session; a bound token is never a proof, and a browser on another site
//! is refused.
//!
//! PostgreSQL, SQLite and Redis need `DATABASE_URL` / `REDIS_URL` (scripts/test starts
//! throwaway servers); every wait on a store is bounded by the harness.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use auth_adapter_axum::{
    AuthConfig, BoundTokens, FromRef, bound_token_routes, passwordless_routes, session_cookies,
};
use auth_adapter_core::Adapter;
use auth_adapter_passwordless::{Limit, Limits, Passwordless};
use auth_adapter_tests::interop::app::{Stores, within};
use auth_adapter_tests::passwordless::RecordingSender;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use axum::response::Response;
use axum::{Router, middleware};
use chrono::TimeDelta;
use serde_json::{Value, json};
use tower::ServiceExt;

const SITE: &str = "https://app.example.com";
const SECRET: &str = "the secret of the bound-token code tests";

#[derive(Clone)]
struct State {
    auth: AuthConfig,
    passwordless: Passwordless,
}

impl FromRef<State> for AuthConfig {
    fn from_ref(state: &State) -> Self {
        state.auth.clone()
    }
}

impl FromRef<State> for Passwordless {
    fn from_ref(state: &State) -> Self {
        state.passwordless.clone()
    }
}

struct App {
    router: Router,
    adapter: Arc<dyn Adapter>,
    sender: Arc<RecordingSender>,
    stores: Stores,
}

impl App {
    async fn new(backend: &str) -> App {
        let stores = Stores::open(backend).await;
        let (adapter, counters, tokens) = (
            stores.adapter.clone(),
            stores.counters.clone(),
            stores.tokens.clone(),
        );
        let sender = Arc::new(RecordingSender::new());
        let passwordless = Passwordless::builder(adapter.clone(), counters.clone(), sender.clone())
            .secret(SECRET)
            .site_url(SITE)
            .limits(Limits::new().wrong_codes(Limit::new(3, TimeDelta::minutes(15))))
            .build()
            .unwrap();
        let auth = AuthConfig::builder(adapter.clone())
            .secret(SECRET)
            .site_url(SITE)
            .bound_tokens(BoundTokens::new(tokens, counters).codes(passwordless.clone()))
            .build()
            .unwrap();
        let router = Router::new()
            .nest(
                "/api/auth",
                passwordless_routes().merge(bound_token_routes()),
            )
            .layer(middleware::from_fn(session_cookies))
            .with_state(State { auth, passwordless });
        App {
            router,
            adapter,
            sender,
            stores,
        }
    }

    async fn done(self) {
        drop(self.router);
        drop(self.adapter);
        self.stores.remove().await;
    }

    /// A JSON POST as a script sends it: no `Origin`, no cookie; `extra` headers added.
    async fn post(&self, path: &str, body: Value, extra: &[(&str, &str)]) -> Response {
        let mut request = Request::post(format!("/api/auth{path}"))
            .header(header::CONTENT_TYPE, "application/json");
        for (name, value) in extra {
            request = request.header(*name, *value);
        }
        let request = request.body(Body::from(body.to_string())).unwrap();
        within("a bound-token route", self.router.clone().oneshot(request))
            .await
            .unwrap()
    }

    /// Sends a code to `email` (from the site's page) and returns it.
    async fn code_for(&self, email: &str) -> String {
        let response = self
            .post("/send-otp", json!({"email": email}), &[("origin", SITE)])
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        self.sender.last_code(email)
    }
}

async fn json_of(response: Response) -> Value {
    let bytes = to_bytes(response.into_body(), 1 << 20).await.unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// The status and `error` code of a refusal.
async fn refusal(response: Response) -> (StatusCode, String) {
    let status = response.status();
    let body = json_of(response).await;
    (
        status,
        body["error"].as_str().unwrap_or_default().to_owned(),
    )
}

async fn a_fresh_code_binds_and_unbinds_without_a_session(backend: &str) {
    let app = App::new(backend).await;
    let email = format!("{}@example.com", auth_adapter_tests::fixtures::uuid());

    // No session and no code: 401.
    let none = app.post("/bind-token", json!({"name": "ci"}), &[]).await;
    assert_eq!(
        refusal(none).await,
        (StatusCode::UNAUTHORIZED, "unauthenticated".into())
    );

    // A wrong code: refused as a sign-in would be, nothing bound.
    let code = app.code_for(&email).await;
    let wrong: String = code
        .bytes()
        .map(|b| char::from(b'0' + (b - b'0' + 1) % 10))
        .collect();
    let refused = app
        .post(
            "/bind-token",
            json!({"email": email, "code": wrong, "name": "ci"}),
            &[],
        )
        .await;
    assert_eq!(
        refusal(refused).await,
        (StatusCode::BAD_REQUEST, "invalid_code".into())
    );

    // The right one binds, and makes no session cookie.
    let bound = app
        .post(
            "/bind-token",
            json!({"email": email, "code": code, "name": "ci", "scopes": ["read"]}),
            &[],
        )
        .await;
    assert_eq!(bound.status(), StatusCode::CREATED);
    assert!(
        bound.headers().get(header::SET_COOKIE).is_none(),
        "a proof signs no one in"
    );
    let body = json_of(bound).await;
    let token = body["token"].as_str().unwrap().to_owned();
    let id = body["binding"]["id"].as_str().unwrap().to_owned();
    let user = app
        .adapter
        .get_user_by_email(&email)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(body["binding"]["userId"], json!(user.id));

    // The code is used up: it binds nothing twice.
    let again = app
        .post("/bind-token", json!({"email": email, "code": code}), &[])
        .await;
    assert_eq!(
        refusal(again).await,
        (StatusCode::BAD_REQUEST, "invalid_code".into())
    );

    // A bound token is no proof, even with a code field beside it.
    let bearer = format!("Bearer {token}");
    let by_token = app
        .post(
            "/unbind-token",
            json!({"id": id}),
            &[("authorization", &bearer)],
        )
        .await;
    assert_eq!(
        refusal(by_token).await,
        (StatusCode::FORBIDDEN, "session_required".into())
    );

    // A browser on another site is refused before the code is looked at.
    let code = app.code_for(&email).await;
    let cross = app
        .post(
            "/unbind-token",
            json!({"id": id, "email": email, "code": code}),
            &[("origin", "https://evil.example")],
        )
        .await;
    assert_eq!(refusal(cross).await, (StatusCode::FORBIDDEN, "csrf".into()));

    // The same code, from the script: unbound.
    let unbound = app
        .post(
            "/unbind-token",
            json!({"id": id, "email": email, "code": code}),
            &[],
        )
        .await;
    assert_eq!(unbound.status(), StatusCode::OK);
    assert!(
        app.stores
            .tokens
            .list_tokens(&user.id)
            .await
            .unwrap()
            .is_empty()
    );
    app.done().await;
}

async fn proofs_spend_the_wrong_code_budget(backend: &str) {
    let app = App::new(backend).await;
    let email = format!("{}@example.com", auth_adapter_tests::fixtures::uuid());
    let code = app.code_for(&email).await;
    for _ in 0..3 {
        let response = app
            .post(
                "/bind-token",
                json!({"email": email, "code": "000000x"}),
                &[],
            )
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    }
    // Past the budget even the right code is refused, with Retry-After.
    let limited = app
        .post("/bind-token", json!({"email": email, "code": code}), &[])
        .await;
    assert!(limited.headers().get(header::RETRY_AFTER).is_some());
    assert_eq!(
        refusal(limited).await,
        (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts".into())
    );
    // Neither an email nor a phone, or both: a bad request, no code spent.
    let both = app
        .post(
            "/bind-token",
            json!({"email": email, "phone": "+4915112345678", "code": code}),
            &[],
        )
        .await;
    assert_eq!(
        refusal(both).await,
        (StatusCode::BAD_REQUEST, "invalid_request".into())
    );
    app.done().await;
}

auth_adapter_tests::on_every_backend!(
    a_fresh_code_binds_and_unbinds_without_a_session,
    proofs_spend_the_wrong_code_budget,
);
