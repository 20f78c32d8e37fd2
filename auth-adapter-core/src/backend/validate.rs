//! The input checks every backend runs before a write, so that bad input gets the same
//! [`AdapterError::InvalidInput`] on every store and nothing is half-written.
//!
//! The rules, the same on every backend so that data moves between them without surprises:
//!
//! | what | limit |
//! |---|---|
//! | keys (ids, tokens, provider names, identifiers) | not empty |
//! | every text | no NUL byte (PostgreSQL cannot store one) |
//! | fields that are `VARCHAR(255)` in the Auth.js PostgreSQL schema (user name and email, account type, provider and provider account id, session token) and the verification token's `identifier` (an email address or phone number) | at most [`MAX_VARCHAR`] characters |
//! | the other keys a write stores (the verification token's `token`, `credentialID`, the authenticator's `providerAccountId`) | at most [`MAX_KEY_BYTES`] bytes of UTF-8 |
//! | a bound token's realm, name and scopes ([`token_binding`]) | at most [`MAX_VARCHAR`] characters, not empty; scopes without white space, at most [`MAX_SCOPES`](crate::MAX_SCOPES) |
//! | every date (`emailVerified`, `expires`) | in [`dates::MIN`]`..=`[`dates::MAX`]: what a JavaScript `Date` and a PostgreSQL `timestamptz` both hold |
//!
//! The key limits keep every unique index of every backend within PostgreSQL's B-tree row
//! limit (2704 bytes, which the pair `(identifier, token)` must share), so an oversize key
//! is [`AdapterError::InvalidInput`] everywhere instead of a driver error on one store.
//! Ids and `userId` references name records that exist (an unknown one is `NotFound`).
//! The limits apply to writes only: lookups take keys of any length, so records another client
//! already wrote stay readable. Messages name the field, never the value.

use chrono::{DateTime, Utc};

use crate::backend::dates;
use crate::error::{AdapterError, Result};
use crate::model::{
    AccountUpdate, AdapterAccount, AdapterAuthenticator, AdapterSession, NewUser, SessionUpdate,
    UserUpdate, VerificationToken,
};

/// The longest value, in characters, of a field that is `VARCHAR(255)` in Auth.js's schema.
pub const MAX_VARCHAR: usize = 255;

/// The longest value, in bytes of UTF-8, of a key that has no `VARCHAR(255)` column in
/// Auth.js's schema. WebAuthn credential ids (at most 1023 bytes, 1364 characters of
/// base64url) fit.
pub const MAX_KEY_BYTES: usize = 1536;

/// Whether `value` could be a stored key: not empty and without a NUL byte. Backends use it
/// to answer lookups of impossible keys with `Ok(None)` without asking the store.
pub fn is_storable_key(value: &str) -> bool {
    !value.is_empty() && !value.contains('\0')
}

fn no_nul(field: &'static str, value: &str) -> Result<()> {
    if value.contains('\0') {
        return Err(AdapterError::invalid(field, "contains a NUL byte"));
    }
    Ok(())
}

fn key(field: &'static str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(AdapterError::invalid(field, "is empty"));
    }
    no_nul(field, value)
}

fn varchar(field: &'static str, value: &str) -> Result<()> {
    no_nul(field, value)?;
    let len = value.chars().count();
    if len > MAX_VARCHAR {
        return Err(AdapterError::invalid(
            field,
            format!("is {len} characters long, more than the {MAX_VARCHAR} allowed"),
        ));
    }
    Ok(())
}

fn varchar_key(field: &'static str, value: &str) -> Result<()> {
    key(field, value)?;
    varchar(field, value)
}

fn long_key(field: &'static str, value: &str) -> Result<()> {
    key(field, value)?;
    if value.len() > MAX_KEY_BYTES {
        return Err(AdapterError::invalid(
            field,
            format!(
                "is {} bytes long, more than the {MAX_KEY_BYTES} allowed",
                value.len()
            ),
        ));
    }
    Ok(())
}

/// Checks an option that counts something (connections, readers): at least 1. Every
/// backend refuses a bad option value with this error instead of clamping it.
pub fn option_at_least_one(option: &'static str, value: usize) -> Result<()> {
    if value == 0 {
        return Err(AdapterError::invalid(option, "must be at least 1"));
    }
    Ok(())
}

/// Checks a counter's key and window (see [`CounterStore`](crate::CounterStore)).
pub fn counter(key_value: &str, window: chrono::TimeDelta) -> Result<()> {
    long_key("key", key_value)?;
    if window < chrono::TimeDelta::milliseconds(1) || window > crate::counter::MAX_WINDOW {
        return Err(AdapterError::invalid(
            "window",
            "must be at least 1 ms and at most a year",
        ));
    }
    Ok(())
}

/// Checks a token binding (see [`TokenStore`](crate::TokenStore)): user id, realm, display
/// prefix, name and scopes, the dates, and `expires` after `created_at`.
pub fn token_binding(binding: &crate::NewTokenBinding) -> Result<()> {
    key("userId", &binding.user_id)?;
    varchar_key("realm", &binding.realm)?;
    key("displayPrefix", &binding.display_prefix)?;
    let chars = binding.display_prefix.chars().count();
    if chars > crate::MAX_DISPLAY_PREFIX_CHARS {
        return Err(AdapterError::invalid(
            "displayPrefix",
            format!(
                "is {chars} characters long, more than the {} allowed",
                crate::MAX_DISPLAY_PREFIX_CHARS
            ),
        ));
    }
    opt("name", binding.name.as_deref(), varchar_key)?;
    if binding.scopes.len() > crate::MAX_SCOPES {
        return Err(AdapterError::invalid(
            "scopes",
            format!("holds more than {} scopes", crate::MAX_SCOPES),
        ));
    }
    for scope in &binding.scopes {
        varchar_key("scopes", scope)?;
        if scope.chars().any(char::is_whitespace) {
            return Err(AdapterError::invalid(
                "scopes",
                "a scope contains white space",
            ));
        }
    }
    date("createdAt", &binding.created_at)?;
    if let Some(expires) = &binding.expires {
        date("expires", expires)?;
        if *expires <= binding.created_at {
            return Err(AdapterError::invalid("expires", "is not after createdAt"));
        }
    }
    Ok(())
}

/// Checks a time limit option: longer than zero (a zero limit would fail every call).
pub fn option_time_limit(option: &'static str, value: std::time::Duration) -> Result<()> {
    if value.is_zero() {
        return Err(AdapterError::invalid(option, "must be longer than zero"));
    }
    Ok(())
}

/// Checks that a date lies in the range every backend stores and reads back.
pub fn date(field: &'static str, value: &DateTime<Utc>) -> Result<()> {
    if dates::in_range(value) {
        return Ok(());
    }
    Err(AdapterError::invalid(
        field,
        format!(
            "is outside {} ..= {}, the dates both JavaScript and PostgreSQL hold",
            dates::to_iso(&dates::MIN),
            dates::to_iso(&dates::MAX)
        ),
    ))
}

fn opt(
    field: &'static str,
    value: Option<&str>,
    check: fn(&'static str, &str) -> Result<()>,
) -> Result<()> {
    value.map_or(Ok(()), |v| check(field, v))
}

fn opt_opt(
    field: &'static str,
    value: &Option<Option<String>>,
    check: fn(&'static str, &str) -> Result<()>,
) -> Result<()> {
    opt(field, value.as_ref().and_then(|v| v.as_deref()), check)
}

/// Checks a user to create.
pub fn new_user(user: &NewUser) -> Result<()> {
    opt("name", user.name.as_deref(), varchar)?;
    opt("email", user.email.as_deref(), varchar_key)?;
    opt("image", user.image.as_deref(), no_nul)?;
    user.email_verified
        .as_ref()
        .map_or(Ok(()), |d| date("emailVerified", d))
}

/// Checks a user update.
pub fn user_update(update: &UserUpdate) -> Result<()> {
    key("id", &update.id)?;
    opt_opt("name", &update.name, varchar)?;
    opt_opt("email", &update.email, varchar_key)?;
    opt_opt("image", &update.image, no_nul)?;
    match &update.email_verified {
        Some(Some(d)) => date("emailVerified", d),
        _ => Ok(()),
    }
}

/// Checks an account to link.
pub fn account(account: &AdapterAccount) -> Result<()> {
    key("userId", &account.user_id)?;
    varchar_key("type", account.account_type.as_str())?;
    varchar_key("provider", &account.provider)?;
    varchar_key("providerAccountId", &account.provider_account_id)?;
    opt("refresh_token", account.refresh_token.as_deref(), no_nul)?;
    opt("access_token", account.access_token.as_deref(), no_nul)?;
    opt("token_type", account.token_type.as_deref(), no_nul)?;
    opt("scope", account.scope.as_deref(), no_nul)?;
    opt("id_token", account.id_token.as_deref(), no_nul)?;
    opt("session_state", account.session_state.as_deref(), no_nul)
}

/// Checks an account update.
pub fn account_update(update: &AccountUpdate) -> Result<()> {
    varchar_key("provider", &update.provider)?;
    varchar_key("providerAccountId", &update.provider_account_id)?;
    opt_opt("refresh_token", &update.refresh_token, no_nul)?;
    opt_opt("access_token", &update.access_token, no_nul)?;
    opt_opt("token_type", &update.token_type, no_nul)?;
    opt_opt("scope", &update.scope, no_nul)?;
    opt_opt("id_token", &update.id_token, no_nul)?;
    opt_opt("session_state", &update.session_state, no_nul)
}

/// Checks a session to create.
pub fn session(session: &AdapterSession) -> Result<()> {
    varchar_key("sessionToken", &session.session_token)?;
    key("userId", &session.user_id)?;
    date("expires", &session.expires)
}

/// Checks a session update.
pub fn session_update(update: &SessionUpdate) -> Result<()> {
    varchar_key("sessionToken", &update.session_token)?;
    update
        .expires
        .as_ref()
        .map_or(Ok(()), |d| date("expires", d))
}

/// Checks a verification token to create.
pub fn verification_token(token: &VerificationToken) -> Result<()> {
    varchar_key("identifier", &token.identifier)?;
    long_key("token", &token.token)?;
    date("expires", &token.expires)
}

/// Checks an authenticator to create.
pub fn authenticator(authenticator: &AdapterAuthenticator) -> Result<()> {
    long_key("credentialID", &authenticator.credential_id)?;
    key("userId", &authenticator.user_id)?;
    long_key("providerAccountId", &authenticator.provider_account_id)?;
    no_nul("credentialPublicKey", &authenticator.credential_public_key)?;
    no_nul(
        "credentialDeviceType",
        &authenticator.credential_device_type,
    )?;
    opt("transports", authenticator.transports.as_deref(), no_nul)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_nul_long_and_empty_without_echoing_the_value() {
        let long = "x".repeat(MAX_VARCHAR + 1);
        let err = new_user(&NewUser {
            name: Some(long.clone()),
            ..NewUser::default()
        })
        .unwrap_err();
        assert!(err.is_invalid_input());
        assert!(!err.to_string().contains(&long));

        let err = new_user(&NewUser::with_email("a\0@b")).unwrap_err();
        assert!(err.to_string().contains("NUL"), "{err}");

        let ok = "é".repeat(MAX_VARCHAR); // 255 characters, 510 bytes
        assert!(new_user(&NewUser::with_email(ok)).is_ok());

        let err = session(&AdapterSession {
            session_token: String::new(),
            user_id: "1".into(),
            expires: chrono::Utc::now(),
        })
        .unwrap_err();
        assert!(err.to_string().contains("sessionToken"), "{err}");
    }

    #[test]
    fn rejects_dates_and_keys_out_of_range() {
        let far = DateTime::<Utc>::MAX_UTC;
        let err = verification_token(&VerificationToken {
            identifier: "a@b.c".into(),
            token: "t".into(),
            expires: far,
        })
        .unwrap_err();
        assert!(err.to_string().contains("expires"), "{err}");
        let ok = VerificationToken {
            identifier: "a@b.c".into(),
            token: "t".repeat(MAX_KEY_BYTES),
            expires: dates::MAX,
        };
        assert!(verification_token(&ok).is_ok());
        let long = VerificationToken {
            token: "t".repeat(MAX_KEY_BYTES + 1),
            ..ok
        };
        assert!(verification_token(&long).unwrap_err().is_invalid_input());
        let user = NewUser {
            email_verified: Some(dates::MIN - chrono::TimeDelta::milliseconds(1)),
            ..NewUser::default()
        };
        assert!(
            new_user(&user)
                .unwrap_err()
                .to_string()
                .contains("emailVerified")
        );
    }
}
