//! The names of the Auth.js session cookie.

/// Auth.js v5 / `@auth/core`, over plain HTTP.
pub const SESSION_COOKIE: &str = "authjs.session-token";
/// Auth.js v5 / `@auth/core`, over HTTPS.
pub const SECURE_SESSION_COOKIE: &str = "__Secure-authjs.session-token";
/// next-auth v4, over plain HTTP.
pub const LEGACY_SESSION_COOKIE: &str = "next-auth.session-token";
/// next-auth v4, over HTTPS.
pub const LEGACY_SECURE_SESSION_COOKIE: &str = "__Secure-next-auth.session-token";

/// Every session cookie name, in the order to look for them.
pub const SESSION_COOKIE_NAMES: [&str; 4] = [
    SECURE_SESSION_COOKIE,
    SESSION_COOKIE,
    LEGACY_SECURE_SESSION_COOKIE,
    LEGACY_SESSION_COOKIE,
];

/// The v5 cookie name Auth.js sets: `__Secure-` prefixed when the site is served over HTTPS.
pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        SECURE_SESSION_COOKIE
    } else {
        SESSION_COOKIE
    }
}
