//! The passwordless routes over HTTP on every backend: codes by email and SMS, magic links
//! (JSON and the browser's confirm page), the session they set, sign-out, the limits'
//! 429s, cross-site refusals and error bodies.
//!
//! PostgreSQL, SQLite and Redis need `DATABASE_URL` / `REDIS_URL` (scripts/test starts
//! throwaway servers); every wait on a store is bounded by the harness.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use auth_adapter_axum::{
    AuthConfig, FromRef, Strategy, jwt::SessionJwt, passwordless_router, session_cookies,
};
use auth_adapter_core::Adapter;
use auth_adapter_passwordless::Passwordless;
use auth_adapter_tests::cases::passwordless::phone;
use auth_adapter_tests::interop::app::{Stores, within};
use auth_adapter_tests::passwordless::RecordingSender;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use axum::response::Response;
use axum::{Router, middleware};
use serde_json::{Value, json};
use tower::ServiceExt;

const SITE: &str = "https://app.example.com";
const SECRET: &str = "the secret of the passwordless routes";
const COOKIE: &str = "__Secure-authjs.session-token";

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
    async fn new(backend: &str, strategy: Strategy) -> App {
        let stores = Stores::open(backend).await;
        let (adapter, counters) = (stores.adapter.clone(), stores.counters.clone());
        let sender = Arc::new(RecordingSender::new());
        let state = State {
            auth: AuthConfig::builder(adapter.clone())
                .secret(SECRET)
                .site_url(SITE)
                .strategy(strategy)
                .build()
                .unwrap(),
            passwordless: Passwordless::builder(adapter.clone(), counters, sender.clone())
                .secret(SECRET)
                .site_url(SITE)
                .site_name("Routes test")
                .build()
                .unwrap(),
        };
        let router = Router::new()
            .merge(passwordless_router())
            .layer(middleware::from_fn(session_cookies))
            .with_state(state);
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

    async fn send(&self, request: Request<Body>) -> Response {
        within("a passwordless route", self.router.clone().oneshot(request))
            .await
            .unwrap()
    }

    /// A same-site JSON POST (what a page's `fetch` sends), with `cookie` if any.
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

    async fn get(&self, path_and_query: &str, cookie: Option<&str>) -> Response {
        let mut request = Request::get(format!("/api/auth{path_and_query}"));
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }

    /// `GET /session` with `cookie`.
    async fn session(&self, cookie: &str) -> Value {
        let response = self.get("/session", Some(cookie)).await;
        assert_eq!(response.status(), StatusCode::OK);
        json_of(response).await
    }
}

async fn json_of(response: Response) -> Value {
    let bytes = to_bytes(response.into_body(), 1 << 20).await.unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

async fn text_of(response: Response) -> String {
    let bytes = to_bytes(response.into_body(), 1 << 20).await.unwrap();
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn set_cookies(response: &Response) -> Vec<String> {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

/// `name=value` of the cookie `name` a response sets.
fn cookie_pair(response: &Response, name: &str) -> String {
    set_cookies(response)
        .into_iter()
        .find(|c| c.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} cookie in {:?}", set_cookies(response)))
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

fn unique_email() -> String {
    format!(
        "u{}@Example.COM",
        auth_adapter_tests::fixtures::uuid().replace('-', "")
    )
}

// ---------------------------------------------------------------------------------------
// The cases, each run on every backend

async fn an_email_code_signs_in_and_sign_out_ends_the_session(backend: &str) {
    let app = App::new(backend, Strategy::Database).await;
    let email = unique_email();
    let normalized = email.to_lowercase();
    let response = app.post("/send-otp", json!({"email": email}), None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(json_of(response).await, json!({"ok": true}));
    let code = app.sender.last_code(&normalized);

    let wrong = if code == "000000" { "111111" } else { "000000" };
    let response = app
        .post("/verify-otp", json!({"email": email, "code": wrong}), None)
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body = json_of(response).await;
    assert_eq!(body["error"], "invalid_code");
    assert!(!body.to_string().contains(&code));

    let response = app
        .post("/verify-otp", json!({"email": email, "code": code}), None)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let set = set_cookies(&response);
    let session_line = set.iter().find(|c| c.starts_with(COOKIE)).unwrap();
    for attribute in ["Path=/", "HttpOnly", "SameSite=Lax", "Secure", "Expires="] {
        assert!(session_line.contains(attribute), "{session_line}");
    }
    let cookie = cookie_pair(&response, COOKIE);
    let body = json_of(response).await;
    assert_eq!(body["user"]["email"], normalized.as_str());
    assert!(body["user"]["emailVerified"].is_string());
    assert!(body["expires"].is_string());
    assert_eq!(body["session"]["expires_at"], body["expires"]);
    let user_id = body["user"]["id"].as_str().unwrap().to_owned();

    // The cookie is a session both kinds of client read.
    let session = app.session(&cookie).await;
    assert_eq!(session["user"]["id"], user_id.as_str());
    assert_eq!(session["user"]["email"], normalized.as_str());
    let token = cookie.split_once('=').unwrap().1;
    assert!(
        app.adapter
            .get_session_and_user(token)
            .await
            .unwrap()
            .is_some()
    );

    // The code was used up.
    let response = app
        .post("/verify-otp", json!({"email": email, "code": code}), None)
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    let response = app.post("/sign-out", json!({}), Some(&cookie)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let cleared = set_cookies(&response);
    assert!(
        cleared
            .iter()
            .any(|c| c.starts_with(&format!("{COOKIE}=;")) && c.contains("Max-Age=0")),
        "{cleared:?}"
    );
    assert_eq!(app.session(&cookie).await, Value::Null);
    assert!(
        app.adapter
            .get_session_and_user(token)
            .await
            .unwrap()
            .is_none()
    );
    app.done().await;
}

async fn an_sms_code_signs_a_phone_user_in(backend: &str) {
    let app = App::new(backend, Strategy::Database).await;
    let number = phone();
    // Spaces and dashes are a way of writing the number, not another number.
    let written = format!("{} {}-{}", &number[..6], &number[6..10], &number[10..]);
    let response = app.post("/send-otp", json!({"phone": written}), None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let code = app.sender.last_code(&number);
    let response = app
        .post("/verify-otp", json!({"phone": number, "code": code}), None)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = cookie_pair(&response, COOKIE);
    let body = json_of(response).await;
    assert_eq!(body["user"]["name"], number.as_str());
    assert_eq!(body["user"]["email"], Value::Null);
    assert_eq!(app.session(&cookie).await["user"]["name"], number.as_str());

    let response = app.post("/send-otp", json!({"phone": "12"}), None).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_of(response).await["error"], "invalid_phone");
    app.done().await;
}

async fn a_magic_link_signs_in_by_json_and_through_its_confirm_page(backend: &str) {
    let app = App::new(backend, Strategy::Database).await;
    let email = unique_email();
    let normalized = email.to_lowercase();

    // JSON: send, verify, and the link is single use.
    let response = app
        .post("/send-magic-link", json!({"email": email}), None)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let link = app.sender.last_link(&normalized);
    assert!(
        link.path.ends_with("/api/auth/callback/email"),
        "{}",
        link.url
    );
    let verify = json!({"email": link.email, "token": link.token});
    let response = app.post("/verify-magic-link", verify.clone(), None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = cookie_pair(&response, COOKIE);
    assert_eq!(
        app.session(&cookie).await["user"]["email"],
        normalized.as_str()
    );
    let response = app.post("/verify-magic-link", verify, None).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_of(response).await["error"], "invalid_link");

    // A browser: the link's GET shows a button and uses nothing up (a mail scanner may
    // fetch it any number of times); the button's POST signs in and redirects.
    let response = app
        .post(
            "/send-magic-link",
            json!({"email": email, "callbackUrl": "/welcome"}),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let link = app.sender.last_link(&normalized);
    let path_and_query = link.url.strip_prefix(&format!("{SITE}/api/auth")).unwrap();
    let mut csrf_cookie = String::new();
    let mut page = String::new();
    for _ in 0..2 {
        let response = app.get(path_and_query, None).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()[header::REFERRER_POLICY],
            "no-referrer",
            "the page's URL holds the token"
        );
        csrf_cookie = cookie_pair(&response, "__Host-authjs.csrf-token");
        page = text_of(response).await;
    }
    assert!(page.contains("<form method=\"post\">"), "{page}");
    let field = |name: &str| {
        let start = page.find(&format!("name=\"{name}\" value=\"")).unwrap() + name.len() + 15;
        page[start..start + page[start..].find('"').unwrap()].replace("&amp;", "&")
    };
    let form = auth_adapter_tests::interop::app::form(&[
        ("email", &field("email")),
        ("token", &field("token")),
        ("callbackUrl", &field("callbackUrl")),
        ("csrfToken", &field("csrfToken")),
    ]);
    let post = |csrf: Option<String>| {
        let mut request = Request::post(format!("/api/auth{path_and_query}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(csrf) = csrf {
            request = request.header(header::COOKIE, csrf);
        }
        request.body(Body::from(form.clone())).unwrap()
    };
    // Without the CSRF cookie (a cross-site form) the POST is refused and the link kept.
    let response = app.send(post(None)).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = app.send(post(Some(csrf_cookie.clone()))).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    // The service writes callbackUrl absolute, as Auth.js does; it is on the site.
    assert_eq!(
        response.headers()[header::LOCATION],
        format!("{SITE}/welcome").as_str()
    );
    let cookie = cookie_pair(&response, COOKIE);
    assert_eq!(
        app.session(&cookie).await["user"]["email"],
        normalized.as_str()
    );
    let response = app.send(post(Some(csrf_cookie))).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(text_of(response).await.contains("already used"));
    app.done().await;
}

async fn limits_answer_429_with_retry_after(backend: &str) {
    let app = App::new(backend, Strategy::Database).await;
    let email = unique_email();
    app.post("/send-otp", json!({"email": email}), None).await;
    let code = app.sender.last_code(&email.to_lowercase());
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        let response = app
            .post("/verify-otp", json!({"email": email, "code": wrong}), None)
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    }
    // The budget is spent: even the right code is not looked at.
    let response = app
        .post("/verify-otp", json!({"email": email, "code": code}), None)
        .await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = response.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=15 * 60).contains(&retry), "{retry}");
    assert_eq!(json_of(response).await["error"], "too_many_attempts");

    // Sends to one address: 5 per window (one was made above).
    for _ in 0..4 {
        let response = app.post("/send-otp", json!({"email": email}), None).await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let response = app.post("/send-otp", json!({"email": email}), None).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(response.headers().contains_key(header::RETRY_AFTER));
    assert_eq!(json_of(response).await["error"], "rate_limited");
    app.done().await;
}

async fn cross_site_posts_and_bad_bodies_are_refused(backend: &str) {
    let app = App::new(backend, Strategy::Database).await;
    let email = unique_email();
    let post = |origin: Option<&str>, cookie: Option<&str>, body: String| {
        let mut request =
            Request::post("/api/auth/send-otp").header(header::CONTENT_TYPE, "application/json");
        if let Some(origin) = origin {
            request = request.header(header::ORIGIN, origin);
        }
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        request.body(Body::from(body)).unwrap()
    };
    let body = json!({"email": email}).to_string();
    for origin in [Some("https://evil.example"), None] {
        let response = app.send(post(origin, None, body.clone())).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{origin:?}");
        assert_eq!(json_of(response).await["error"], "csrf");
    }
    assert!(app.sender.messages().is_empty(), "nothing was sent");

    // A client without Origin (a script, an app) sends the token of GET /csrf instead.
    let response = app.get("/csrf", None).await;
    let csrf_cookie = cookie_pair(&response, "__Host-authjs.csrf-token");
    let token = json_of(response).await["csrfToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let with_token = json!({"email": email, "csrfToken": token}).to_string();
    let response = app.send(post(None, Some(&csrf_cookie), with_token)).await;
    assert_eq!(response.status(), StatusCode::OK);

    for (body, error) in [
        ("not json", "invalid_request"),
        ("{}", "invalid_request"),
        (r#"{"email": 7}"#, "invalid_request"),
        (r#"{"email": "no-at-sign"}"#, "invalid_email"),
    ] {
        let response = app.send(post(Some(SITE), None, body.to_owned())).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(json_of(response).await["error"], error, "{body}");
    }

    // A sender that fails: 503 with Retry-After, and the code it carried is withdrawn.
    app.sender.set_failing(true);
    let other = unique_email();
    let response = app.post("/send-otp", json!({"email": other}), None).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(response.headers().contains_key(header::RETRY_AFTER));
    let code = app.sender.last_code(&other.to_lowercase());
    let body = text_of(response).await;
    assert!(!body.contains(&code), "{body}");
    app.sender.set_failing(false);
    let response = app
        .post("/verify-otp", json!({"email": other, "code": code}), None)
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    app.done().await;
}

auth_adapter_tests::on_every_backend!(
    an_email_code_signs_in_and_sign_out_ends_the_session,
    an_sms_code_signs_a_phone_user_in,
    a_magic_link_signs_in_by_json_and_through_its_confirm_page,
    limits_answer_429_with_retry_after,
    cross_site_posts_and_bad_bodies_are_refused,
);

/// With the JWT strategy the verify routes set an Auth.js session JWT, and leave no
/// session row behind.
#[tokio::test]
async fn with_the_jwt_strategy_a_code_sets_a_session_jwt() {
    let app = App::new("memory", Strategy::Jwt).await;
    let email = unique_email();
    app.post("/send-otp", json!({"email": email}), None).await;
    let code = app.sender.last_code(&email.to_lowercase());
    let response = app
        .post("/verify-otp", json!({"email": email, "code": code}), None)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = cookie_pair(&response, COOKIE);
    let user_id = json_of(response).await["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let jwt = SessionJwt::v5([SECRET], COOKIE).unwrap();
    let claims = jwt
        .decode(cookie.split_once('=').unwrap().1, chrono::Utc::now())
        .unwrap();
    assert_eq!(claims.sub.as_deref(), Some(user_id.as_str()));
    assert_eq!(app.session(&cookie).await["user"]["id"], user_id.as_str());
    let sessions = app
        .adapter
        .delete_sessions_by_user_id(&user_id)
        .await
        .unwrap();
    assert_eq!(sessions, 0, "the row the service made was removed");
}
