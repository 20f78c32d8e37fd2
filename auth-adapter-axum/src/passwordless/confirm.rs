//! Auth.js's email link opened in a browser: a page whose button signs in, so a mail
//! scanner that fetches the link uses nothing up.

use auth_adapter_passwordless::SignInError;
use axum::extract::State;
use axum::http::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use super::answer::classify;
use crate::config::AuthConfig;
use crate::csrf;
use crate::routes::{form_fields, no_store};

/// An HTML page with the headers every page here carries: never cached, no referrer (the
/// link's URL holds its token), not framed, no script.
fn html(status: StatusCode, title: &str, body: &str) -> Response {
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title></head><body style=\"font-family:sans-serif;max-width:28rem;\
         margin:4rem auto;padding:0 1rem\"><h1 style=\"font-size:1.4rem\">{title}</h1>{body}\
         </body></html>",
        title = escape(title)
    );
    let mut response = no_store((status, page).into_response());
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    response
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `GET /callback/email`: the confirm page. Its form POSTs the link's fields back to the
/// same URL with a CSRF token (set here when the browser has none).
pub(super) async fn page(
    State(config): State<AuthConfig>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let query = form_fields(uri.query().unwrap_or_default().as_bytes());
    let field = |name: &str| {
        query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let (Some(token), Some(email)) = (field("token"), field("email")) else {
        return failed(StatusCode::BAD_REQUEST, "The sign-in link is incomplete.");
    };
    let secret = config.csrf_secret();
    let existing = csrf::from_cookie(&headers, config.csrf_cookie_name(), &secret);
    let csrf_token = existing.clone().unwrap_or_else(csrf::new_token);
    let hidden = |name: &str, value: &str| {
        format!(
            "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
            escape(value)
        )
    };
    let body = format!(
        "<p>Sign in as <strong>{email}</strong>?</p><form method=\"post\">{}{}{}{}\
         <button type=\"submit\" style=\"font-size:1rem;padding:.5rem 1.5rem\">Sign in</button>\
         </form>",
        hidden("email", email),
        hidden("token", token),
        hidden("callbackUrl", field("callbackUrl").unwrap_or_default()),
        hidden("csrfToken", &csrf_token),
        email = escape(email),
    );
    let mut response = html(StatusCode::OK, "Sign in", &body);
    if existing.is_none() {
        response.headers_mut().append(
            SET_COOKIE,
            csrf::cookie(
                config.csrf_cookie_name(),
                &csrf_token,
                &secret,
                config.secure(),
            ),
        );
    }
    response
}

/// A page that says why the sign-in did not happen.
pub(super) fn failed(status: StatusCode, why: &str) -> Response {
    html(
        status,
        "Sign-in failed",
        &format!(
            "<p>{}</p><p>Ask for a new sign-in link and use the newest one.</p>",
            escape(why)
        ),
    )
}

/// The page for a refused link.
pub(super) fn from_error(err: &SignInError) -> Response {
    let (status, _, _, show) = classify(err);
    let why = match err {
        SignInError::InvalidLink => "This sign-in link is unknown or was already used.".to_owned(),
        SignInError::Expired => "This sign-in link has expired.".to_owned(),
        _ if show => err.to_string(),
        _ => "The sign-in could not be completed; try again shortly.".to_owned(),
    };
    let mut response = failed(status, &why);
    if let Some(secs) = err.retry_after_secs() {
        response
            .headers_mut()
            .insert(axum::http::header::RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}
