//! The input checks every backend runs before a write, so that bad input gets the same
//! [`AdapterError::InvalidInput`] on every store and nothing is half-written.
//!
//! The rules: keys (ids, tokens, provider names) are not empty; no text holds a NUL byte
//! (PostgreSQL cannot store one); the fields that are `VARCHAR(255)` in the Auth.js
//! PostgreSQL schema (user name and email, account type, provider and provider account id,
//! session token) hold at most [`MAX_VARCHAR`] characters on every backend, so data moves
//! between backends without surprises. Messages name the field, never the value.

use crate::error::{AdapterError, Result};
use crate::model::{
    AccountUpdate, AdapterAccount, AdapterAuthenticator, AdapterSession, NewUser, SessionUpdate,
    UserUpdate, VerificationToken,
};

/// The longest value, in characters, of a field that is `VARCHAR(255)` in Auth.js's schema.
pub const MAX_VARCHAR: usize = 255;

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
    opt("image", user.image.as_deref(), no_nul)
}

/// Checks a user update.
pub fn user_update(update: &UserUpdate) -> Result<()> {
    key("id", &update.id)?;
    opt_opt("name", &update.name, varchar)?;
    opt_opt("email", &update.email, varchar_key)?;
    opt_opt("image", &update.image, no_nul)
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
    key("userId", &session.user_id)
}

/// Checks a session update.
pub fn session_update(update: &SessionUpdate) -> Result<()> {
    varchar_key("sessionToken", &update.session_token)
}

/// Checks a verification token to create.
pub fn verification_token(token: &VerificationToken) -> Result<()> {
    key("identifier", &token.identifier)?;
    key("token", &token.token)
}

/// Checks an authenticator to create.
pub fn authenticator(authenticator: &AdapterAuthenticator) -> Result<()> {
    key("credentialID", &authenticator.credential_id)?;
    key("userId", &authenticator.user_id)?;
    key("providerAccountId", &authenticator.provider_account_id)?;
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
}
