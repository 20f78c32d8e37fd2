//! Cross-site request protection: Auth.js's double-submit CSRF token for forms, and a
//! same-site check (`Origin` / `Sec-Fetch-Site`) for JSON requests.

use axum::http::{HeaderMap, HeaderValue};
use rand::Rng;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::config::AuthConfig;
use crate::session_cookie;

/// A new token: 32 random bytes as 64 hex characters, as Auth.js makes it.
pub(crate) fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Hex SHA-256 of `token` followed by `secret`.
fn hash(token: &str, secret: &str) -> String {
    let digest = Sha256::new()
        .chain_update(token.as_bytes())
        .chain_update(secret.as_bytes())
        .finalize();
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn equal(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// The token of a valid CSRF cookie (`token|hash` with the hash of this secret).
pub(crate) fn from_cookie(headers: &HeaderMap, name: &str, secret: &str) -> Option<String> {
    let cookies = session_cookie::RequestCookies::parse(headers);
    let value = session_cookie::find(&cookies, headers, [name])
        .filter(|p| matches!(p.source, session_cookie::Source::Cookie(_)))?
        .token;
    let (token, mac) = value.split_once('|')?;
    equal(mac, &hash(token, secret)).then(|| token.to_owned())
}

/// The `Set-Cookie` of a CSRF token: a session cookie, HttpOnly, Lax, Path=/.
pub(crate) fn cookie(name: &str, token: &str, secret: &str, secure: bool) -> HeaderValue {
    let mut line = format!(
        "{name}={token}%7C{}; Path=/; HttpOnly; SameSite=Lax",
        hash(token, secret)
    );
    if secure {
        line.push_str("; Secure");
    }
    HeaderValue::from_str(&line).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Auth.js's check: the posted token equals the token of a valid CSRF cookie.
pub(crate) fn verify(headers: &HeaderMap, config: &AuthConfig, posted: Option<&str>) -> bool {
    let Some(posted) = posted else {
        return false;
    };
    from_cookie(headers, config.csrf_cookie_name(), &config.csrf_secret())
        .is_some_and(|token| equal(&token, posted))
}

/// Where a request says it comes from, by the headers browsers set and pages cannot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sender {
    /// The site itself: `Sec-Fetch-Site: same-origin` (or `none`, typed by the user), or an
    /// `Origin` equal to the site URL's.
    Site,
    /// Another site: any other `Sec-Fetch-Site`, or another `Origin` (any `Origin` when the
    /// site URL is not configured).
    Elsewhere,
    /// Neither header: not a browser's request (a script, a mobile app), or an old browser.
    Unsaid,
}

/// Where the request with `headers` comes from, for the site of `config`.
pub(crate) fn sender(headers: &HeaderMap, config: &AuthConfig) -> Sender {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let site = |same: bool| if same { Sender::Site } else { Sender::Elsewhere };
    if let Some(fetch_site) = header("sec-fetch-site") {
        return site(fetch_site == "same-origin" || fetch_site == "none");
    }
    match (header("origin"), config.origin()) {
        (Some(origin), Some(expected)) => site(origin.eq_ignore_ascii_case(expected)),
        (Some(_), None) => Sender::Elsewhere,
        (None, _) => Sender::Unsaid,
    }
}

/// Whether a request comes from the site itself ([`Sender::Site`]).
pub(crate) fn same_site(headers: &HeaderMap, config: &AuthConfig) -> bool {
    sender(headers, config) == Sender::Site
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_fresh_hex_and_the_cookie_round_trips() {
        let (a, b) = (new_token(), new_token());
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
        let set = cookie("authjs.csrf-token", &a, "secret", false);
        let pair = set.to_str().unwrap().split(';').next().unwrap().to_owned();
        let mut headers = HeaderMap::new();
        headers.insert("cookie", HeaderValue::from_str(&pair).unwrap());
        assert_eq!(
            from_cookie(&headers, "authjs.csrf-token", "secret"),
            Some(a)
        );
        assert_eq!(from_cookie(&headers, "authjs.csrf-token", "other"), None);
    }

    #[test]
    fn the_hash_is_auth_js_sha256_of_token_and_secret() {
        // sha256("abc") — token "a", secret "bc".
        assert_eq!(
            hash("a", "bc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
