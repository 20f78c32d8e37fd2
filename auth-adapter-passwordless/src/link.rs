//! Magic links as Auth.js writes them, and the callback URL they carry.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::error::ConfigError;

/// What `URLSearchParams` leaves as is: ASCII letters, digits and `*-._` (space becomes
/// `+`, handled apart).
const FORM: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'*')
    .remove(b'-')
    .remove(b'.')
    .remove(b'_');

/// `value` encoded as `URLSearchParams.toString()` does
/// (`application/x-www-form-urlencoded`).
pub(crate) fn form_encode(value: &str) -> String {
    value
        .split(' ')
        .map(|part| utf8_percent_encode(part, FORM).to_string())
        .collect::<Vec<_>>()
        .join("+")
}

/// The site a service signs in to: where its links point.
#[derive(Debug, Clone)]
pub(crate) struct Site {
    /// `scheme://host[:port][/path]`, scheme and host lower-cased, without a trailing `/`:
    /// links are this, the base path, `/callback/{provider}`.
    url: String,
    /// `scheme://host[:port]`, lower-cased: what `Origin` and callback URLs are compared
    /// with.
    origin: String,
    /// `/api/auth` or another, starting with `/`, without a trailing `/`.
    base_path: String,
    provider_id: String,
}

impl Site {
    pub(crate) fn new(url: &str, base_path: &str, provider_id: &str) -> Result<Site, ConfigError> {
        let url = url.trim_end_matches('/');
        let (scheme, rest) = url.split_once("://").ok_or(ConfigError::SiteUrl)?;
        if !matches!(scheme, "http" | "https") {
            return Err(ConfigError::SiteUrl);
        }
        let authority = rest.split('/').next().unwrap_or_default();
        let bad = |c: char| c.is_whitespace() || c.is_control() || "?#\\\"<>".contains(c);
        if authority.is_empty() || authority.contains('@') || url.chars().any(bad) {
            return Err(ConfigError::SiteUrl);
        }
        let path_ok = |s: &str| {
            s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._~/".contains(c))
        };
        let base_path = format!("/{}", base_path.trim_matches('/'));
        if !path_ok(&base_path) || base_path.contains("//") {
            return Err(ConfigError::Path("base path"));
        }
        if provider_id.is_empty() || provider_id.contains('/') || !path_ok(provider_id) {
            return Err(ConfigError::Path("provider id"));
        }
        let origin = format!("{scheme}://{authority}").to_ascii_lowercase();
        let path = &rest[authority.len()..];
        Ok(Site {
            url: format!("{origin}{path}"),
            origin,
            base_path: if base_path == "/" {
                String::new()
            } else {
                base_path
            },
            provider_id: provider_id.to_owned(),
        })
    }

    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    pub(crate) fn is_https(&self) -> bool {
        self.origin.starts_with("https://")
    }

    /// `host[:port]` of the site, a default for its name.
    pub(crate) fn host(&self) -> &str {
        self.origin.split_once("://").map_or("", |(_, host)| host)
    }

    /// Where a sign-in lands, as Auth.js's default `redirect` callback decides: a path
    /// (`/…`) on this site, a URL of this site's origin as it is, anything else (another
    /// origin, nothing, something unreadable) the site's URL.
    pub(crate) fn callback_url(&self, requested: Option<&str>) -> String {
        let Some(requested) = requested else {
            return self.url.clone();
        };
        if requested.chars().any(|c| c.is_control() || c == ' ') {
            return self.url.clone();
        }
        if requested.starts_with('/') {
            return format!("{}{requested}", self.origin);
        }
        let same_origin = requested
            .split_once("://")
            .map(|(scheme, rest)| {
                let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
                format!("{scheme}://{authority}").to_ascii_lowercase() == self.origin
            })
            .unwrap_or(false);
        if same_origin {
            requested.to_owned()
        } else {
            self.url.clone()
        }
    }

    /// The link Auth.js's email provider sends:
    /// `{site}{basePath}/callback/{provider}?callbackUrl=…&token=…&email=…`.
    pub(crate) fn magic_link(&self, callback_url: &str, token: &str, email: &str) -> String {
        format!(
            "{}{}/callback/{}?callbackUrl={}&token={}&email={}",
            self.url,
            self.base_path,
            self.provider_id,
            form_encode(callback_url),
            form_encode(token),
            form_encode(email),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> Site {
        Site::new("https://App.example.com/", "/api/auth", "email").unwrap()
    }

    #[test]
    fn the_link_is_auth_js_s() {
        let link = site().magic_link("https://app.example.com/dash?x=1 2", "ab12", "a+b@c.io");
        assert_eq!(
            link,
            "https://app.example.com/api/auth/callback/email?callbackUrl=https%3A%2F%2Fapp.\
             example.com%2Fdash%3Fx%3D1+2&token=ab12&email=a%2Bb%40c.io"
        );
    }

    #[test]
    fn callback_urls_stay_on_the_site() {
        let s = site();
        assert_eq!(s.callback_url(None), "https://app.example.com");
        assert_eq!(
            s.callback_url(Some("/dash")),
            "https://app.example.com/dash"
        );
        assert_eq!(
            s.callback_url(Some("https://APP.example.com/x")),
            "https://APP.example.com/x"
        );
        for other in [
            "https://evil.example/",
            "https://app.example.com.evil.example/",
            "javascript:alert(1)",
            "http://app.example.com/",
            "/a\nb",
        ] {
            assert_eq!(
                s.callback_url(Some(other)),
                "https://app.example.com",
                "{other}"
            );
        }
        // A protocol-relative path stays a path of this origin, as in Auth.js.
        assert_eq!(
            s.callback_url(Some("//evil.example")),
            "https://app.example.com//evil.example"
        );
    }

    #[test]
    fn site_settings_are_checked() {
        assert!(Site::new("ftp://x", "/api/auth", "email").is_err());
        assert!(Site::new("https://", "/api/auth", "email").is_err());
        assert!(Site::new("https://u@x", "/api/auth", "email").is_err());
        assert!(Site::new("https://x?q", "/api/auth", "email").is_err());
        assert!(Site::new("https://x", "/api auth", "email").is_err());
        assert!(Site::new("https://x", "/api/auth", "e/mail").is_err());
        let root = Site::new("http://x:3000", "/", "magic").unwrap();
        assert!(!root.is_https());
        assert_eq!(root.host(), "x:3000");
        assert!(
            root.magic_link("http://x:3000", "t", "a@b.co")
                .starts_with("http://x:3000/callback/magic?")
        );
        let mounted = Site::new("https://x.io/app/", "api/auth/", "email").unwrap();
        assert_eq!(mounted.callback_url(None), "https://x.io/app");
        assert!(
            mounted
                .magic_link("https://x.io/app", "t", "a@b.co")
                .starts_with("https://x.io/app/api/auth/callback/email?")
        );
    }
}
