//! What the examples' tests share (rest-api's tests include this file too): a fresh store
//! of each kind with the settings that point an example at it, and a client for a Router.

#![allow(dead_code, unreachable_pub)] // each test uses a part

use std::path::Path;

use auth_adapter_tests::interop::app::{Fresh, SESSION_COOKIE, Store, within};
use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use passwordless::{Backend, Settings};
use serde_json::Value;
use tower::ServiceExt;

pub const SECRET: &str = "the AUTH_SECRET the example and the Auth.js app share";
pub const ORIGIN: &str = "http://127.0.0.1:3000";

/// A fresh `store`, and the example's settings and backend on it (`extra`: more variables).
pub async fn fresh(store: Store, extra: &[(&str, String)]) -> (Fresh, Settings, Backend) {
    let fresh = store.fresh().await;
    let mut vars: Vec<(String, String)> = fresh
        .env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    vars.push(("AUTH_SECRET".into(), SECRET.into()));
    vars.push(("AUTH_URL".into(), ORIGIN.into()));
    vars.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
    let settings =
        Settings::from_vars(|name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
            .unwrap();
    let backend = within(
        "opening the example's store",
        Backend::open(&settings.store),
    )
    .await
    .unwrap();
    (fresh, settings, backend)
}

/// An answer: status, JSON body (`Null` when not JSON), `Set-Cookie` lines, body text.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub json: Value,
    pub set_cookies: Vec<String>,
    pub text: String,
    pub headers: axum::http::HeaderMap,
}

impl Answer {
    /// The session cookie's new value, if the answer sets one.
    pub fn session_cookie(&self) -> Option<String> {
        self.set_cookies.iter().find_map(|line| {
            let value = line.strip_prefix(&format!("{SESSION_COOKIE}="))?;
            let value = value.split(';').next()?;
            (!value.is_empty()).then(|| value.to_owned())
        })
    }
}

/// `method path` on `app` as the site's own page sends it (`Origin` is the site's), with
/// `cookie` as the session cookie and `json` as the body.
pub async fn call(
    app: &Router,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    json: Option<Value>,
) -> Answer {
    let cookie = cookie.map(|c| format!("{SESSION_COOKIE}={c}"));
    let mut headers = vec![(header::ORIGIN.as_str(), ORIGIN)];
    if let Some(cookie) = &cookie {
        headers.push((header::COOKIE.as_str(), cookie));
    }
    call_with(app, method, path, &headers, json).await
}

/// `method path` on `app` with exactly `headers` (a script's request: no `Origin` unless
/// given) and `json` as the body.
pub async fn call_with(
    app: &Router,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    json: Option<Value>,
) -> Answer {
    let mut request = Request::builder().method(method).uri(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let body = match json {
        Some(json) => {
            request = request.header(header::CONTENT_TYPE, "application/json");
            Body::from(json.to_string())
        }
        None => Body::empty(),
    };
    let response = within(
        &format!("{method} {path}"),
        app.clone().oneshot(request.body(body).unwrap()),
    )
    .await
    .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let set_cookies = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let bytes = to_bytes(response.into_body(), 1 << 20).await.unwrap();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    Answer {
        status,
        json: serde_json::from_str(&text).unwrap_or(Value::Null),
        set_cookies,
        text,
        headers,
    }
}

/// The last code the development sender wrote to `outbox`.
pub fn last_code(outbox: &Path) -> String {
    let text = std::fs::read_to_string(outbox).unwrap_or_default();
    text.lines()
        .rev()
        .find_map(|l| l.strip_prefix("code:"))
        .map(|c| c.trim().to_owned())
        .unwrap_or_else(|| panic!("no code in the outbox {}: {text:?}", outbox.display()))
}

/// A temporary file path (not created).
pub fn temp_path(what: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("aa-example-{what}-{}", uuid::Uuid::new_v4()))
}
