//! The claims of an Auth.js session JWT.

use chrono::{DateTime, Utc};
use serde_json::{Map, Number, Value};

use super::{CLOCK_TOLERANCE, JwtError};

/// The payload of an Auth.js session JWT.
///
/// Auth.js signs a user in with `{name, email, picture, sub: user.id}` (passed through its
/// `jwt` callback) and adds `iat`, `exp` and `jti` when encoding. The registered claims
/// are typed fields; every other claim an app's `jwt` callback added is kept in
/// [`extra`](Self::extra), so a token re-issued from Rust carries them on.
///
/// What decoding accepts, per claim:
/// - `sub`: a string, or a number (read as its decimal string: Auth.js writes
///   `user.id?.toString()` except for credentials sign-ins, where an `authorize` may return
///   a numeric id). `null` or absent is `None`.
/// - `name`, `email`, `picture`: a string; `null` or absent is `None`.
/// - `iat`, `exp`: numbers when present (as `jose` requires), read as whole seconds.
/// - `jti`: a string; `null` or absent is `None`.
/// - any other type for these is [`JwtError::InvalidClaims`].
///
/// Encoding writes `name`, `email` and `picture` as `null` when `None` (the shape of the
/// token Auth.js makes for a user without a name or image), `sub` only when set, and
/// overwrites `iat`, `exp` and `jti`, as `@auth/core` does.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Claims {
    /// The user's id.
    pub sub: Option<String>,
    /// The user's name.
    pub name: Option<String>,
    /// The user's email address.
    pub email: Option<String>,
    /// The user's image URL (Auth.js calls it `image` on the user and the session).
    pub picture: Option<String>,
    /// Issued at, seconds since the Unix epoch.
    pub iat: Option<i64>,
    /// Expires at, seconds since the Unix epoch.
    pub exp: Option<i64>,
    /// The token's unique id (a random UUID).
    pub jti: Option<String>,
    /// Every other claim, as JSON.
    pub extra: Map<String, Value>,
}

impl Claims {
    /// The claims Auth.js puts in a new session for this user: `sub`, `name`, `email`,
    /// `picture` (its default `jwt` callback adds nothing).
    pub fn for_user(
        id: impl Into<String>,
        name: Option<String>,
        email: Option<String>,
        picture: Option<String>,
    ) -> Self {
        Self {
            sub: Some(id.into()),
            name,
            email,
            picture,
            ..Self::default()
        }
    }

    /// `exp` as a date, if set.
    pub fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.exp.and_then(|exp| DateTime::from_timestamp(exp, 0))
    }

    /// `iat` as a date, if set.
    pub fn issued_at(&self) -> Option<DateTime<Utc>> {
        self.iat.and_then(|iat| DateTime::from_timestamp(iat, 0))
    }

    /// The JSON object to encrypt, with `iat`, `exp` and `jti` replaced.
    pub(super) fn to_payload(&self, iat: i64, exp: i64, jti: String) -> Value {
        let mut map = self.extra.clone();
        let text = |value: &Option<String>| value.clone().map_or(Value::Null, Value::String);
        if let Some(sub) = &self.sub {
            map.insert("sub".into(), Value::String(sub.clone()));
        }
        map.insert("name".into(), text(&self.name));
        map.insert("email".into(), text(&self.email));
        map.insert("picture".into(), text(&self.picture));
        map.insert("iat".into(), Value::Number(iat.into()));
        map.insert("exp".into(), Value::Number(exp.into()));
        map.insert("jti".into(), Value::String(jti));
        Value::Object(map)
    }

    /// Parses a decrypted payload and checks its time claims against `now` the way
    /// `jose`'s `jwtDecrypt` does with `clockTolerance: 15`.
    pub(super) fn from_payload(payload: &[u8], now: DateTime<Utc>) -> Result<Self, JwtError> {
        let Ok(Value::Object(mut map)) = serde_json::from_slice::<Value>(payload) else {
            return Err(JwtError::InvalidClaims("payload is not a JSON object"));
        };
        check_times(&map, now)?;
        Ok(Self {
            sub: take_id(&mut map, "sub")?,
            name: take_text(&mut map, "name")?,
            email: take_text(&mut map, "email")?,
            picture: take_text(&mut map, "picture")?,
            iat: take_seconds(&mut map, "iat")?,
            exp: take_seconds(&mut map, "exp")?,
            jti: take_text(&mut map, "jti")?,
            extra: map,
        })
    }
}

/// `jose`: a present `iat`, `nbf` or `exp` must be a number; `nbf > now + tolerance` is not
/// yet valid; `exp <= now - tolerance` has expired (`now` in whole seconds).
fn check_times(map: &Map<String, Value>, now: DateTime<Utc>) -> Result<(), JwtError> {
    let number = |claim: &'static str| match map.get(claim) {
        None => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64()),
        Some(_) => Err(JwtError::InvalidClaims(claim)),
    };
    let now = now.timestamp() as f64;
    let tolerance = CLOCK_TOLERANCE.num_seconds() as f64;
    number("iat")?;
    if number("nbf")?.is_some_and(|nbf| nbf > now + tolerance) {
        return Err(JwtError::NotYetValid);
    }
    if number("exp")?.is_some_and(|exp| exp <= now - tolerance) {
        return Err(JwtError::Expired);
    }
    Ok(())
}

fn take_text(
    map: &mut Map<String, Value>,
    claim: &'static str,
) -> Result<Option<String>, JwtError> {
    match map.remove(claim) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(JwtError::InvalidClaims(claim)),
    }
}

fn take_id(map: &mut Map<String, Value>, claim: &'static str) -> Result<Option<String>, JwtError> {
    match map.remove(claim) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(JwtError::InvalidClaims(claim)),
    }
}

fn take_seconds(
    map: &mut Map<String, Value>,
    claim: &'static str,
) -> Result<Option<i64>, JwtError> {
    match map.remove(claim) {
        None => Ok(None),
        Some(Value::Number(n)) => Ok(Some(seconds(&n))),
        Some(_) => Err(JwtError::InvalidClaims(claim)),
    }
}

/// Whole seconds of a JSON number (Auth.js writes integers; a fraction is floored).
fn seconds(n: &Number) -> i64 {
    n.as_i64()
        .unwrap_or_else(|| n.as_f64().map_or(i64::MAX, |f| f.floor() as i64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(payload: Value, now: i64) -> Result<Claims, JwtError> {
        Claims::from_payload(
            payload.to_string().as_bytes(),
            DateTime::from_timestamp(now, 0).unwrap(),
        )
    }

    #[test]
    fn typed_claims_and_extras() {
        let claims = parse(
            json!({"sub": "u1", "name": null, "email": "a@x.io", "picture": "https://i/x.png",
                   "iat": 100, "exp": 200, "jti": "j", "role": "admin", "n": [1]}),
            150,
        )
        .unwrap();
        assert_eq!(claims.sub.as_deref(), Some("u1"));
        assert_eq!(claims.name, None);
        assert_eq!(claims.email.as_deref(), Some("a@x.io"));
        assert_eq!(claims.picture.as_deref(), Some("https://i/x.png"));
        assert_eq!((claims.iat, claims.exp), (Some(100), Some(200)));
        assert_eq!(claims.jti.as_deref(), Some("j"));
        assert_eq!(
            Value::Object(claims.extra),
            json!({"role": "admin", "n": [1]})
        );
    }

    #[test]
    fn numeric_sub_reads_as_its_decimal_string() {
        let claims = parse(json!({"sub": 42}), 0).unwrap();
        assert_eq!(claims.sub.as_deref(), Some("42"));
        assert!(claims.extra.is_empty());
    }

    #[test]
    fn wrong_types_are_refused_by_name() {
        for (claim, value) in [
            ("sub", json!({"id": 1})),
            ("name", json!(1)),
            ("email", json!(["a"])),
            ("picture", json!(true)),
            ("jti", json!(5)),
            ("iat", json!("1")),
            ("exp", json!(null)),
            ("nbf", json!("soon")),
        ] {
            let mut payload = Map::new();
            payload.insert(claim.into(), value);
            assert_eq!(
                parse(Value::Object(payload), 0),
                Err(JwtError::InvalidClaims(claim))
            );
        }
        for payload in [json!([1]), json!("text"), json!(null)] {
            assert!(matches!(parse(payload, 0), Err(JwtError::InvalidClaims(_))));
        }
        assert!(matches!(
            Claims::from_payload(b"\xff{}", Utc::now()),
            Err(JwtError::InvalidClaims(_))
        ));
    }

    #[test]
    fn exp_has_fifteen_seconds_of_tolerance() {
        // Valid while exp > now - 15, as jose's `exp <= now - tolerance` rejects.
        assert!(parse(json!({"exp": 1000}), 1000).is_ok());
        assert!(parse(json!({"exp": 1000}), 1014).is_ok());
        assert_eq!(parse(json!({"exp": 1000}), 1015), Err(JwtError::Expired));
        assert_eq!(parse(json!({"exp": 1000}), 5000), Err(JwtError::Expired));
        // Fractions compare as numbers.
        assert!(parse(json!({"exp": 999.5}), 1014).is_ok());
        assert_eq!(parse(json!({"exp": 999.5}), 1015), Err(JwtError::Expired));
        // No exp: no expiry (jose does not require one; Auth.js always sets it).
        assert!(parse(json!({}), i64::from(i32::MAX)).is_ok());
    }

    #[test]
    fn nbf_has_fifteen_seconds_of_tolerance() {
        assert!(parse(json!({"nbf": 1015}), 1000).is_ok());
        assert_eq!(
            parse(json!({"nbf": 1016}), 1000),
            Err(JwtError::NotYetValid)
        );
        assert_eq!(
            parse(json!({"nbf": 1016}), 1000)
                .err()
                .map(|e| e.to_string()),
            Some("the session JWT is not valid yet".into())
        );
    }

    #[test]
    fn payload_round_trips_and_overwrites_times() {
        let mut claims = Claims::for_user("u1", None, Some("a@x.io".into()), None);
        claims.iat = Some(1);
        claims.exp = Some(2);
        claims.jti = Some("old".into());
        claims.extra.insert("sub".into(), json!("shadowed"));
        claims.extra.insert("role".into(), json!("admin"));
        let payload = claims.to_payload(10, 20, "new".into());
        assert_eq!(
            payload,
            json!({"sub": "u1", "name": null, "email": "a@x.io", "picture": null,
                   "iat": 10, "exp": 20, "jti": "new", "role": "admin"})
        );
        let back = parse(payload, 10).unwrap();
        assert_eq!(back.sub.as_deref(), Some("u1"));
        assert_eq!(
            (back.iat, back.exp, back.jti.as_deref()),
            (Some(10), Some(20), Some("new"))
        );
        assert_eq!(back.expires_at(), DateTime::from_timestamp(20, 0));
        assert_eq!(back.issued_at(), DateTime::from_timestamp(10, 0));
    }
}
