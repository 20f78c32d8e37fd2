//! Interop with a real Auth.js app: `interop/authjs-app.mjs` (Express + `@auth/express`
//! with an email provider) on the same store as the service, for PostgreSQL, SQLite and
//! Redis:
//!
//! - a magic link the service sends is redeemed by Auth.js's own `/callback/email`, which
//!   signs the user in with a session both sides read;
//! - a link Auth.js sent is redeemed by [`Passwordless::verify_magic_link`], whose session
//!   Auth.js's `/session` accepts, and Auth.js then refuses the used link;
//! - the service's code rows leave Auth.js's email sign-in of the same address working, and
//!   a phone user signed in by SMS code is read by Auth.js's `/session` without error.
//!
//! Needs Node.js ≥ 20 with `npm ci --prefix interop`, and `DATABASE_URL` / `REDIS_URL`
//! (scripts/test starts throwaway servers). Every wait is bounded by the harness.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers may panic

use std::sync::Arc;

use auth_adapter_passwordless::{Channel, Client, Passwordless, SignInError};
use auth_adapter_tests::cases::passwordless::phone;
use auth_adapter_tests::interop::app::{AuthJsApp, Jar, Reply, SESSION_COOKIE, Store, within};
use auth_adapter_tests::passwordless::{MagicLink, RecordingSender};
use serde_json::Value;

const SECRET: &str = "the AUTH_SECRET both sides share, long enough to look real";

fn unique_email() -> String {
    format!("u{}@example.com", uuid_like())
}

fn uuid_like() -> String {
    auth_adapter_tests::fixtures::uuid().replace('-', "")
}

/// The session cookie a reply sets.
fn session_cookie(reply: &Reply) -> String {
    let mut jar = Jar::default();
    jar.update(reply);
    jar.0
        .get(SESSION_COOKIE)
        .cloned()
        .unwrap_or_else(|| panic!("no session cookie: {reply:?}"))
}

async fn scenario(store: Store) {
    let fresh = store.fresh().await;
    let mut js = AuthJsApp::start(&fresh.env, "database", SECRET).await;
    let origin = js.origin();
    let sender = Arc::new(RecordingSender::new());
    let pwl = Passwordless::builder(
        fresh.adapter.clone(),
        fresh.counters.clone(),
        sender.clone(),
    )
    .secret(SECRET)
    .site_url(&origin)
    .default_region("DE")
    .build()
    .unwrap();
    let client = Client::new(Some("127.0.0.1".parse().unwrap()));

    // 1. The service sends, Auth.js redeems.
    let email = unique_email();
    within(
        "send_magic_link",
        pwl.send_magic_link(&email, Some("/welcome"), &client),
    )
    .await
    .unwrap();
    let link = sender.last_link(&email);
    let path = link
        .url
        .strip_prefix(&origin)
        .unwrap_or_else(|| panic!("the link {} is not on {origin}", link.url));
    assert!(path.starts_with("/api/auth/callback/email?"), "{path}");
    let reply = js.request("GET", path, &Jar::default(), None).await;
    assert_eq!(reply.status, 302, "{reply:?}\n{}", js.stderr());
    assert_eq!(
        reply.header("location"),
        Some(format!("{origin}/welcome").as_str())
    );
    let cookie = session_cookie(&reply);
    let session = js.session(&cookie).await;
    assert_eq!(session["user"]["email"], email.as_str(), "{session}");
    // The Rust side reads the session Auth.js created, and finds the user Auth.js created.
    let (_, user) = within("get_session", pwl.get_session(&cookie))
        .await
        .unwrap()
        .expect("Auth.js's session, read by the service");
    assert_eq!(user.email.as_deref(), Some(email.as_str()));
    assert!(user.email_verified.is_some(), "Auth.js set emailVerified");
    let used = pwl.verify_magic_link(&email, &link.token, &client).await;
    assert!(matches!(used, Err(SignInError::InvalidLink)), "{used:?}");
    // A code sign-in of the same address: the same user.
    pwl.send_otp(Channel::Email, &email, &client).await.unwrap();
    let code = sender.last_code(&email);
    let by_code = pwl
        .verify_otp(Channel::Email, &email, &code, &client)
        .await
        .unwrap();
    assert_eq!(by_code.user.id, user.id);
    assert!(!by_code.is_new_user);

    // 2. Auth.js sends, the service redeems.
    let email = unique_email();
    let (_, url) = js.request_link(&email, &format!("{origin}/")).await;
    let link = MagicLink::parse(&url);
    assert_eq!(link.email, email);
    let signed_in = within(
        "verify_magic_link",
        pwl.verify_magic_link(&link.email, &link.token, &client),
    )
    .await
    .unwrap();
    assert!(signed_in.is_new_user);
    assert_eq!(signed_in.user.email.as_deref(), Some(email.as_str()));
    let session = js.session(&signed_in.session.session_token).await;
    assert_eq!(session["user"]["email"], email.as_str(), "{session}");
    // Used: Auth.js's own callback refuses it now.
    let path = url.strip_prefix(&origin).unwrap();
    let reply = js.request("GET", path, &Jar::default(), None).await;
    assert_eq!(reply.status, 302, "{reply:?}");
    assert!(
        reply
            .header("location")
            .is_some_and(|l| l.contains("error=Verification")),
        "{reply:?}"
    );

    // 3. Code rows beside Auth.js's: its email sign-in of that address still works.
    let email = unique_email();
    pwl.send_otp(Channel::Email, &email, &client).await.unwrap();
    let (jar, url) = js.request_link(&email, &format!("{origin}/")).await;
    let reply = js
        .request("GET", url.strip_prefix(&origin).unwrap(), &jar, None)
        .await;
    assert_eq!(reply.status, 302, "{reply:?}");
    let session = js.session(&session_cookie(&reply)).await;
    assert_eq!(session["user"]["email"], email.as_str(), "{session}");
    // And the code still works on the Rust side, for the user Auth.js created.
    let code = sender.last_code(&email);
    let by_code = pwl
        .verify_otp(Channel::Email, &email, &code, &client)
        .await
        .unwrap();
    assert!(!by_code.is_new_user);

    // 4. A phone user, as Auth.js reads it.
    let number = phone();
    pwl.send_otp(Channel::Sms, &number, &client).await.unwrap();
    let code = sender.last_code(&number);
    let signed_in = pwl
        .verify_otp(Channel::Sms, &number, &code, &client)
        .await
        .unwrap();
    let session = js.session(&signed_in.session.session_token).await;
    assert_eq!(session["user"]["name"], number.as_str(), "{session}");
    assert_eq!(session["user"]["email"], Value::Null, "{session}");

    drop(js);
    fresh.remove().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres() {
    scenario(Store::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite() {
    scenario(Store::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis() {
    scenario(Store::Redis).await;
}
