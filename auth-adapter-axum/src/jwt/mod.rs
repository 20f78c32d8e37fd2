//! Auth.js session JWTs: the `jwt` session strategy's cookie, read and written as
//! `@auth/core` (Auth.js v5) and `next-auth` v4 do.
//!
//! In the JWT strategy the session cookie holds the whole session: an encrypted JWT (a
//! compact JWE), not an id to look up. [`SessionJwt`] holds the keys derived from the
//! app's secrets and encodes and decodes such tokens:
//!
//! | | [`SessionJwt::v5`] (`@auth/core`, Auth.js v5) | [`SessionJwt::v4`] (`next-auth` v4) |
//! |---|---|---|
//! | JWE | `alg: "dir"`, `enc: "A256CBC-HS512"`, with `kid` | `alg: "dir"`, `enc: "A256GCM"` |
//! | key | HKDF-SHA256(secret, salt = cookie name, info = `"Auth.js Generated Encryption Key (<salt>)"`), 64 bytes | HKDF-SHA256(secret, salt = `""`, info = `"NextAuth.js Generated Encryption Key"`), 32 bytes |
//! | `kid` | RFC 7638 thumbprint (SHA-512) of the derived key | none |
//! | also decodes | `A256GCM` with the v5 key (32 bytes, SHA-256 thumbprint), as `@auth/core` does | — |
//!
//! Both check `exp` (and `nbf`) with [`CLOCK_TOLERANCE`] (15 s), and neither decodes the
//! other's tokens. The v5 salt is the name of the cookie the token travels in
//! ([`SESSION_COOKIE`] over HTTP, [`SECURE_SESSION_COOKIE`] over HTTPS), so a token is
//! only valid under the name it was issued for.
//!
//! [`SESSION_COOKIE`]: auth_adapter_core::cookies::SESSION_COOKIE
//! [`SECURE_SESSION_COOKIE`]: auth_adapter_core::cookies::SECURE_SESSION_COOKIE
//!
//! **Secret rotation.** Give several secrets, newest first (Auth.js: `AUTH_SECRET` as a
//! list): tokens are encoded with the first; a v5 token is decoded with the secret whose
//! key id matches its `kid` ([`JwtError::UnknownKey`] if none), a token without `kid` with
//! each secret in turn. (Auth.js tries only the first secret for a token without `kid`;
//! tokens it has issued since it added `kid` always carry one.)
//!
//! **Sliding expiry.** On every session read Auth.js decodes the cookie, runs its `jwt`
//! callback and encodes the result again with `exp = now + maxAge` and a new `jti`, then
//! re-sets the cookie. Re-issuing is [`SessionJwt::encode`] of the decoded [`Claims`].
//!
//! **Failures.** Every malformed, truncated, tampered, wrongly keyed or expired token is a
//! [`JwtError`] (never a panic); Auth.js treats them all as "signed out" and clears the
//! cookie. Tags are verified in constant time by `hmac` and `aes-gcm`.
//!
//! What this module does not do: read cookies. Auth.js splits a token longer than 3936
//! characters (v4: 3933) over cookies `<name>.0`, `<name>.1`, …; join them before
//! decoding. It also reads `Authorization: Bearer <url-encoded token>` when no cookie is
//! sent.
//!
//! ```
//! use auth_adapter_axum::jwt::{Claims, DEFAULT_MAX_AGE, SessionJwt};
//! use auth_adapter_core::cookies::{SECURE_SESSION_COOKIE, SESSION_COOKIE};
//! use chrono::Utc;
//!
//! // The AUTH_SECRET list of the Auth.js app, newest first.
//! let jwt = SessionJwt::v5(["new secret", "old secret"], SESSION_COOKIE)?;
//!
//! let claims = Claims::for_user("user-1", None, Some("ada@example.com".into()), None);
//! let token = jwt.encode(&claims, DEFAULT_MAX_AGE, Utc::now())?;
//!
//! let read = jwt.decode(&token, Utc::now())?;
//! assert_eq!(read.sub.as_deref(), Some("user-1"));
//! assert_eq!(read.email.as_deref(), Some("ada@example.com"));
//!
//! // Tampered, or made for another cookie name: refused.
//! assert!(jwt.decode(&token.replacen('.', "x.", 1), Utc::now()).is_err());
//! let secure = SessionJwt::v5(["new secret"], SECURE_SESSION_COOKIE)?;
//! assert!(secure.decode(&token, Utc::now()).is_err());
//! # Ok::<(), auth_adapter_axum::jwt::JwtError>(())
//! ```

mod claims;
mod error;
mod jwe;
mod keys;

use std::fmt;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::json;

pub use claims::Claims;
pub use error::JwtError;
use jwe::{Compact, Enc};
use keys::V5Keys;

/// How far past `exp` (or before `nbf`) a token is still accepted: 15 seconds, as in
/// `@auth/core` and `next-auth` v4.
pub const CLOCK_TOLERANCE: TimeDelta = TimeDelta::seconds(15);

/// Auth.js's default session lifetime, `session.maxAge`: 30 days.
pub const DEFAULT_MAX_AGE: TimeDelta = TimeDelta::days(30);

/// Which Auth.js generation's tokens a [`SessionJwt`] reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JwtFormat {
    /// `@auth/core` (Auth.js v5, `next-auth` 5): `A256CBC-HS512`, salted with the cookie
    /// name, with `kid`.
    V5,
    /// `next-auth` v4: `A256GCM`, unsalted.
    V4,
}

/// Encodes and decodes Auth.js session JWTs with keys derived once from the app's secrets.
///
/// Cheap to clone (the derived keys are small); its `Debug` shows the format, the salt and
/// the public key ids, never a key.
#[derive(Clone)]
pub struct SessionJwt {
    salt: String,
    keys: Keys,
}

#[derive(Clone)]
enum Keys {
    V5(Vec<V5Keys>),
    V4(Vec<[u8; 32]>),
}

impl SessionJwt {
    /// Auth.js v5 (`@auth/core`) tokens for the cookie named `salt`: usually
    /// [`session_cookie_name`]`(secure)`, i.e. `authjs.session-token` or
    /// `__Secure-authjs.session-token`.
    ///
    /// [`session_cookie_name`]: auth_adapter_core::cookies::session_cookie_name
    ///
    /// `secrets` is the app's `AUTH_SECRET` list, newest first; each is used as its UTF-8
    /// bytes, as Auth.js uses its strings.
    ///
    /// # Errors
    /// [`JwtError::MissingSecret`] when `secrets` is empty or one of them is.
    pub fn v5<I>(secrets: I, salt: impl Into<String>) -> Result<Self, JwtError>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        let salt = salt.into();
        let keys = derive_all(secrets, |secret| V5Keys::derive(secret, &salt))?;
        Ok(Self {
            salt,
            keys: Keys::V5(keys),
        })
    }

    /// next-auth v4 tokens (`NEXTAUTH_SECRET`). v4 has a single secret; given several,
    /// this encodes with the first and decodes with each in turn.
    ///
    /// # Errors
    /// [`JwtError::MissingSecret`] when `secrets` is empty or one of them is.
    pub fn v4<I>(secrets: I) -> Result<Self, JwtError>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        Ok(Self {
            salt: String::new(),
            keys: Keys::V4(derive_all(secrets, keys::derive_v4)?),
        })
    }

    /// The generation of tokens this reads and writes.
    pub fn format(&self) -> JwtFormat {
        match self.keys {
            Keys::V5(_) => JwtFormat::V5,
            Keys::V4(_) => JwtFormat::V4,
        }
    }

    /// The salt the keys were derived with: the cookie name for v5, `""` for v4.
    pub fn salt(&self) -> &str {
        &self.salt
    }

    /// A new token for `claims` with the first secret: `iat = now`,
    /// `exp = now + max_age` (whole seconds) and a random UUID `jti`, replacing any the
    /// claims had, as `@auth/core`'s and next-auth's `encode` do. The same call re-issues a
    /// decoded token on a session read (sliding expiry).
    ///
    /// # Errors
    /// None in practice: the cryptographic primitives' length limits (a 64 GiB payload for
    /// `A256GCM`) surface as [`JwtError::Unsupported`].
    pub fn encode(
        &self,
        claims: &Claims,
        max_age: TimeDelta,
        now: DateTime<Utc>,
    ) -> Result<String, JwtError> {
        let iat = now.timestamp();
        let exp = iat.saturating_add(max_age.num_seconds());
        let payload = claims
            .to_payload(iat, exp, uuid::Uuid::new_v4().to_string())
            .to_string();
        match &self.keys {
            Keys::V5(keys) => {
                let key = keys.first().ok_or(JwtError::MissingSecret)?;
                let header = json!({"alg": "dir", "enc": "A256CBC-HS512", "kid": key.cbc_kid});
                jwe::encrypt_cbc_hs(&key.cbc, &header, payload.as_bytes())
            }
            Keys::V4(keys) => {
                let key = keys.first().ok_or(JwtError::MissingSecret)?;
                let header = json!({"alg": "dir", "enc": "A256GCM"});
                jwe::encrypt_gcm(key, &header, payload.as_bytes())
            }
        }
    }

    /// The claims of `token` if it decrypts with one of the secrets and has not expired at
    /// `now` (within [`CLOCK_TOLERANCE`]).
    ///
    /// # Errors
    /// A [`JwtError`] saying why the token was refused; all of them mean "signed out".
    pub fn decode(&self, token: &str, now: DateTime<Utc>) -> Result<Claims, JwtError> {
        let jwe = Compact::parse(token)?;
        let kid = jwe.kid.as_ref();
        let payload = match (&self.keys, jwe.enc) {
            (Keys::V5(keys), Enc::A256CbcHs512) => {
                try_keys(keys, kid, |k| &k.cbc_kid, |k| jwe.decrypt_cbc_hs(&k.cbc))
            }
            (Keys::V5(keys), Enc::A256Gcm) => {
                try_keys(keys, kid, |k| &k.gcm_kid, |k| jwe.decrypt_gcm(&k.gcm))
            }
            // next-auth v4 passes one key to jose and never looks at a kid.
            (Keys::V4(keys), Enc::A256Gcm) => try_keys(keys, None, |_| "", |k| jwe.decrypt_gcm(k)),
            (Keys::V4(_), Enc::A256CbcHs512) => {
                Err(JwtError::Unsupported("next-auth v4 tokens are A256GCM"))
            }
        }?;
        Claims::from_payload(&payload, now)
    }
}

fn derive_all<I, K>(
    secrets: I,
    derive: impl Fn(&[u8]) -> Result<K, JwtError>,
) -> Result<Vec<K>, JwtError>
where
    I: IntoIterator,
    I::Item: AsRef<[u8]>,
{
    let keys = secrets
        .into_iter()
        .map(|secret| match secret.as_ref() {
            [] => Err(JwtError::MissingSecret),
            secret => derive(secret),
        })
        .collect::<Result<Vec<_>, _>>()?;
    if keys.is_empty() {
        return Err(JwtError::MissingSecret);
    }
    Ok(keys)
}

/// The plaintext from the first key that decrypts. With a `kid` in the header only the
/// keys with that id are tried ([`JwtError::UnknownKey`] when there is none); a `kid` that
/// is not a string matches no key.
fn try_keys<K>(
    keys: &[K],
    kid: Option<&Option<String>>,
    kid_of: impl Fn(&K) -> &str,
    decrypt: impl Fn(&K) -> Result<Vec<u8>, JwtError>,
) -> Result<Vec<u8>, JwtError> {
    let mut outcome = Err(JwtError::UnknownKey);
    for key in keys {
        if let Some(kid) = kid
            && kid.as_deref() != Some(kid_of(key))
        {
            continue;
        }
        outcome = decrypt(key);
        if outcome.is_ok() {
            break;
        }
    }
    outcome
}

impl fmt::Debug for SessionJwt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("SessionJwt");
        out.field("format", &self.format())
            .field("salt", &self.salt);
        match &self.keys {
            // Key ids are public: every token carries one.
            Keys::V5(keys) => out.field(
                "kids",
                &keys.iter().map(|k| k.cbc_kid.as_str()).collect::<Vec<_>>(),
            ),
            Keys::V4(keys) => out.field("secrets", &keys.len()),
        };
        out.finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;
