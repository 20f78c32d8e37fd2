//! Reading the session token of a request, and the `Set-Cookie` values that write or clear
//! it, as Auth.js does (`packages/core/src/lib/utils/cookie.ts`).

use std::borrow::Cow;
use std::fmt::Write as _;

use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::{HeaderMap, HeaderValue};
use chrono::{DateTime, Datelike, Timelike, Utc};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

/// The longest cookie value Auth.js writes in one piece (4096 minus room for the
/// attributes); a longer one goes out as `name.0`, `name.1`, …
pub(crate) const CHUNK_SIZE: usize = 3936;

/// Where a request's session token came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
    /// The cookie of this (base) name, whole or reassembled from chunks.
    Cookie(String),
    /// `Authorization: Bearer …`.
    Bearer,
}

/// A session token found in a request.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Presented {
    pub(crate) token: String,
    pub(crate) source: Source,
}

impl std::fmt::Debug for Presented {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Presented")
            .field("token", &"<redacted>")
            .field("source", &self.source)
            .finish()
    }
}

/// The cookies of a request, parsed once: every `name=value` pair of its `Cookie` headers,
/// values percent-decoded (borrowed from the header unless decoding changed them).
#[derive(Default)]
pub(crate) struct RequestCookies<'a> {
    pairs: Vec<(&'a str, Cow<'a, str>)>,
}

/// The chunk number of cookie `cookie` when it is a chunk `name.N` of `name`.
fn chunk_index(cookie: &str, name: &str) -> Option<u32> {
    cookie.strip_prefix(name)?.strip_prefix('.')?.parse().ok()
}

impl<'a> RequestCookies<'a> {
    pub(crate) fn parse(headers: &'a HeaderMap) -> Self {
        let pairs = headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|line| line.split(';'))
            .filter_map(|pair| {
                let (name, value) = pair.trim().split_once('=')?;
                let value = value.trim();
                let value = value
                    .strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .unwrap_or(value);
                let value = percent_decode_str(value).decode_utf8().ok()?;
                Some((name.trim(), value))
            })
            .collect();
        RequestCookies { pairs }
    }

    /// The value of cookie `name`: whole, or its chunks `name.0`, `name.1`, … joined in
    /// the order of their numbers.
    fn value(&self, name: &str) -> Option<String> {
        if let Some((_, value)) = self.pairs.iter().find(|(n, _)| *n == name) {
            return Some(value.as_ref().to_owned());
        }
        let mut chunks: Vec<(u32, &str)> = self
            .pairs
            .iter()
            .filter_map(|(n, value)| Some((chunk_index(n, name)?, value.as_ref())))
            .collect();
        if chunks.is_empty() {
            return None;
        }
        chunks.sort_unstable_by_key(|(index, _)| *index);
        Some(chunks.into_iter().map(|(_, value)| value).collect())
    }

    /// The names of the cookies held that are `name` or one of its chunks.
    fn names_of<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'a str> + 's {
        self.pairs
            .iter()
            .map(|(n, _)| *n)
            .filter(move |n| *n == name || chunk_index(n, name).is_some())
    }
}

/// The session token of a request: the first of `names` present as a cookie (whole or in
/// chunks), else `Authorization: Bearer` (percent-decoded, as Auth.js's `getToken`).
pub(crate) fn find<'a>(
    cookies: &RequestCookies<'_>,
    headers: &HeaderMap,
    names: impl IntoIterator<Item = &'a str>,
) -> Option<Presented> {
    for name in names {
        if let Some(token) = cookies.value(name).filter(|t| !t.is_empty()) {
            return Some(Presented {
                token,
                source: Source::Cookie(name.to_owned()),
            });
        }
    }
    let bearer = headers
        .get(AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")?
        .trim();
    let token = percent_decode_str(bearer).decode_utf8().ok()?.into_owned();
    (!token.is_empty()).then_some(Presented {
        token,
        source: Source::Bearer,
    })
}

/// What `encodeURIComponent` leaves as it is.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

/// One `Set-Cookie` value with Auth.js's session cookie attributes.
fn set_cookie(name: &str, value: &str, expires: DateTime<Utc>, secure: bool) -> HeaderValue {
    // Written straight into one buffer: this runs on every signed-in request.
    let mut line = String::with_capacity(name.len() + value.len() + 96);
    line.push_str(name);
    line.push('=');
    // Writing into a String cannot fail.
    let _ = write!(line, "{}", utf8_percent_encode(value, COMPONENT));
    line.push_str("; Path=/; Expires=");
    http_date(&mut line, expires);
    line.push_str("; HttpOnly; SameSite=Lax");
    if secure {
        line.push_str("; Secure");
    }
    if expires <= DateTime::UNIX_EPOCH {
        line.push_str("; Max-Age=0");
    }
    // Names are checked tokens and the value is percent-encoded: always a valid header.
    HeaderValue::from_str(&line).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Appends `date` as an HTTP date (RFC 9110 IMF-fixdate, what `Date.toUTCString()`
/// writes): `Fri, 15 Jan 2027 08:00:00 GMT`.
fn http_date(out: &mut String, date: DateTime<Utc>) {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let day = DAYS[date.weekday().num_days_from_monday() as usize % 7];
    let month = MONTHS[date.month0() as usize % 12];
    let _ = write!(
        out,
        "{day}, {:02} {month} {:04} {:02}:{:02}:{:02} GMT",
        date.day(),
        date.year(),
        date.hour(),
        date.minute(),
        date.second()
    );
}

/// The `Set-Cookie` values that write `value` under `name`, expiring at `expires`: one
/// cookie, or chunks when it is longer than [`CHUNK_SIZE`]; every other chunk or whole
/// cookie of that name the request held is cleared.
pub(crate) fn write(
    request: &RequestCookies<'_>,
    name: &str,
    value: &str,
    expires: DateTime<Utc>,
    secure: bool,
) -> Vec<HeaderValue> {
    let mut out = Vec::with_capacity(1);
    // How many chunks went out (0: the value went whole, under `name`).
    let mut chunks = 0;
    if value.len() <= CHUNK_SIZE {
        out.push(set_cookie(name, value, expires, secure));
    } else {
        // Base64url and dots: every byte is one character, so byte chunks are whole.
        for (i, chunk) in value.as_bytes().chunks(CHUNK_SIZE).enumerate() {
            let chunk = std::str::from_utf8(chunk).unwrap_or_default();
            out.push(set_cookie(&format!("{name}.{i}"), chunk, expires, secure));
            chunks = i + 1;
        }
    }
    for stale in request.names_of(name) {
        let written = match chunk_index(stale, name) {
            // Only the exact name written (`name.3`, not `name.03` or `name.+3`).
            Some(index) => (index as usize) < chunks && *stale == format!("{name}.{index}"),
            None => chunks == 0,
        };
        if !written {
            out.push(set_cookie(stale, "", DateTime::UNIX_EPOCH, secure));
        }
    }
    out
}

/// The `Set-Cookie` values that clear every session cookie the request held (every name
/// in `names` and their chunks).
pub(crate) fn clear<'a>(
    request: &RequestCookies<'_>,
    names: impl IntoIterator<Item = &'a str>,
    secure: bool,
) -> Vec<HeaderValue> {
    names
        .into_iter()
        .flat_map(|name| request.names_of(name))
        .map(|name| {
            set_cookie(
                name,
                "",
                DateTime::UNIX_EPOCH,
                secure || name.starts_with("__Secure-"),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find<'a>(h: &HeaderMap, names: impl IntoIterator<Item = &'a str>) -> Option<Presented> {
        super::find(&RequestCookies::parse(h), h, names)
    }

    fn headers(cookie: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(COOKIE, HeaderValue::from_str(cookie).unwrap());
        h
    }

    #[test]
    fn finds_names_in_order_then_chunks_then_bearer() {
        let names = ["__Secure-authjs.session-token", "authjs.session-token"];
        let h = headers("a=1; authjs.session-token=plain; __Secure-authjs.session-token=sec");
        assert_eq!(find(&h, names).unwrap().token, "sec");
        let h = headers("authjs.session-token.1=world; authjs.session-token.0=hello");
        let found = find(&h, names).unwrap();
        assert_eq!(found.token, "helloworld");
        assert_eq!(found.source, Source::Cookie("authjs.session-token".into()));
        let h = headers(
            "authjs.session-token.10=c; authjs.session-token.2=b; authjs.session-token.1=a",
        );
        assert_eq!(
            find(&h, names).unwrap().token,
            "abc",
            "numeric order, not text order"
        );
        let h = headers("authjs.session-token=a%7Cb%20c");
        assert_eq!(find(&h, names).unwrap().token, "a|b c", "percent-decoded");
        let mut h = HeaderMap::new();
        h.insert(AUTHORIZATION, HeaderValue::from_static("Bearer tok%2Een"));
        let found = find(&h, names).unwrap();
        assert_eq!(
            (found.token.as_str(), found.source),
            ("tok.en", Source::Bearer)
        );
        assert!(find(&headers("other=1"), names).is_none());
        assert!(find(&headers("authjs.session-token="), names).is_none());
    }

    #[test]
    fn writes_auth_js_attributes_and_chunks_long_values() {
        let expires = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let none = RequestCookies::default();
        let out = write(&none, "authjs.session-token", "v", expires, false);
        assert_eq!(
            out,
            [HeaderValue::from_static(
                "authjs.session-token=v; Path=/; Expires=Fri, 15 Jan 2027 08:00:00 GMT; HttpOnly; SameSite=Lax"
            )]
        );
        let secure = write(&none, "__Secure-authjs.session-token", "v", expires, true);
        assert!(secure[0].to_str().unwrap().ends_with("; Secure"));

        let long = "x".repeat(CHUNK_SIZE * 2 + 1);
        let request = headers("authjs.session-token=old; authjs.session-token.3=stale");
        let out = write(
            &RequestCookies::parse(&request),
            "authjs.session-token",
            &long,
            expires,
            false,
        );
        let text: Vec<&str> = out.iter().map(|v| v.to_str().unwrap()).collect();
        assert!(text[0].starts_with("authjs.session-token.0=xxx"));
        assert!(text[2].starts_with("authjs.session-token.2=x;"));
        assert!(text[3].starts_with("authjs.session-token=; "), "{text:?}");
        assert!(text[4].starts_with("authjs.session-token.3=; "), "{text:?}");
        assert!(text[4].contains("Max-Age=0"));
        // Reading the written chunks gives the value back.
        let cookie_line: Vec<String> = text[..3]
            .iter()
            .map(|t| t.split(';').next().unwrap().to_owned())
            .collect();
        let back = find(&headers(&cookie_line.join("; ")), ["authjs.session-token"]).unwrap();
        assert_eq!(back.token, long);
    }

    proptest::proptest! {
        #[test]
        fn http_dates_are_what_chrono_writes(secs in 0i64..253_402_300_799) {
            let date = DateTime::from_timestamp(secs, 0).unwrap();
            let mut ours = String::new();
            http_date(&mut ours, date);
            proptest::prop_assert_eq!(
                ours,
                date.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
            );
        }
    }

    #[test]
    fn only_the_exact_chunk_names_written_are_kept() {
        let expires = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let request = headers("s.0=a; s.03=b; s.+1=c; s.1=d");
        let out = write(
            &RequestCookies::parse(&request),
            "s",
            &"x".repeat(CHUNK_SIZE + 1),
            expires,
            false,
        );
        let cleared: Vec<&str> = out
            .iter()
            .map(|v| v.to_str().unwrap())
            .filter(|v| v.contains("Max-Age=0"))
            .map(|v| v.split('=').next().unwrap())
            .collect();
        assert_eq!(cleared, ["s.03", "s.+1"]);
    }
}
