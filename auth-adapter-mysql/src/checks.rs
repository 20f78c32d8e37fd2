//! The input checks of a write: core's [`validate`] (the same on every backend), then what
//! the layout's columns hold (see [`Columns`]). Anything that would be cut or refused by
//! the column is [`AdapterError::InvalidInput`] before a statement runs, so nothing is
//! half-written and no value is silently truncated. Messages name the field and the
//! column's limit, never the value.

use auth_adapter_core::backend::validate;
use auth_adapter_core::{
    AccountUpdate, AdapterAccount, AdapterAuthenticator, AdapterError, AdapterSession, NewUser,
    Result, SessionUpdate, UserUpdate, VerificationToken,
};
use chrono::{DateTime, Utc};

use crate::layout::{Columns, Width};

fn width(columns: &Columns, field: &'static str, value: &str, width: Width) -> Result<()> {
    match width {
        Width::Chars(max) => {
            let len = value.chars().count();
            if len > max {
                return Err(AdapterError::invalid(
                    field,
                    format!(
                        "is {len} characters long, more than the {max} its VARCHAR({max}) column holds in the {} layout",
                        columns.name()
                    ),
                ));
            }
        }
        Width::TextBytes(max) => {
            if value.len() > max {
                return Err(AdapterError::invalid(
                    field,
                    format!(
                        "is {} bytes long, more than the {max} its TEXT column holds",
                        value.len()
                    ),
                ));
            }
        }
    }
    Ok(())
}

fn varchar(columns: &Columns, field: &'static str, value: &str) -> Result<()> {
    width(columns, field, value, Width::Chars(columns.varchar))
}

fn opt(columns: &Columns, field: &'static str, value: Option<&str>, w: Width) -> Result<()> {
    value.map_or(Ok(()), |v| width(columns, field, v, w))
}

fn opt_opt(
    columns: &Columns,
    field: &'static str,
    value: &Option<Option<String>>,
    w: Width,
) -> Result<()> {
    opt(columns, field, value.as_ref().and_then(|v| v.as_deref()), w)
}

fn date(columns: &Columns, field: &'static str, value: &DateTime<Utc>) -> Result<()> {
    if *value < columns.earliest || *value > columns.latest {
        return Err(AdapterError::invalid(
            field,
            format!(
                "is outside {} ..= {}, the dates the {} layout's columns hold",
                columns.earliest.format("%Y-%m-%dT%H:%M:%S%.3fZ"),
                columns.latest.format("%Y-%m-%dT%H:%M:%S%.3fZ"),
                columns.name()
            ),
        ));
    }
    Ok(())
}

/// An `expires` of a session or a verification token: in range, and in whole seconds
/// where the column is a `TIMESTAMP` (what is below the millisecond is cut on every
/// backend, so only the milliseconds count).
fn expires(columns: &Columns, value: &DateTime<Utc>) -> Result<()> {
    date(columns, "expires", value)?;
    if columns.whole_second_expires && value.timestamp_subsec_millis() != 0 {
        return Err(AdapterError::invalid(
            "expires",
            format!(
                "has a fraction of a second, and the {} layout stores expires in whole seconds (TIMESTAMP)",
                columns.name()
            ),
        ));
    }
    Ok(())
}

fn expires_at(value: Option<i64>) -> Result<()> {
    match value {
        Some(v) if i32::try_from(v).is_err() => Err(AdapterError::invalid(
            "expires_at",
            "is outside the INT column's range (-2147483648 ..= 2147483647 seconds)",
        )),
        _ => Ok(()),
    }
}

/// A counter the `INT` column holds.
pub(crate) fn counter(value: u32) -> Result<()> {
    if i32::try_from(value).is_err() {
        return Err(AdapterError::invalid(
            "counter",
            "is over 2147483647, the largest the INT column holds",
        ));
    }
    Ok(())
}

/// Whether `id` could be a stored user id: one the id column holds. A longer one names
/// no user (a write referencing it is `NotFound`).
pub(crate) fn fits_id(columns: &Columns, id: &str) -> bool {
    id.chars().count() <= columns.varchar
}

pub(crate) fn new_user(columns: &Columns, user: &NewUser) -> Result<()> {
    validate::new_user(user)?;
    let w = Width::Chars(columns.varchar);
    opt(columns, "name", user.name.as_deref(), w)?;
    opt(columns, "email", user.email.as_deref(), w)?;
    opt(columns, "image", user.image.as_deref(), w)?;
    user.email_verified
        .as_ref()
        .map_or(Ok(()), |d| date(columns, "emailVerified", d))
}

pub(crate) fn user_update(columns: &Columns, update: &UserUpdate) -> Result<()> {
    validate::user_update(update)?;
    let w = Width::Chars(columns.varchar);
    opt_opt(columns, "name", &update.name, w)?;
    opt_opt(columns, "email", &update.email, w)?;
    opt_opt(columns, "image", &update.image, w)?;
    match &update.email_verified {
        Some(Some(d)) => date(columns, "emailVerified", d),
        _ => Ok(()),
    }
}

pub(crate) fn account(columns: &Columns, account: &AdapterAccount) -> Result<()> {
    validate::account(account)?;
    let w = Width::Chars(columns.varchar);
    varchar(columns, "type", account.account_type.as_str())?;
    varchar(columns, "provider", &account.provider)?;
    varchar(columns, "providerAccountId", &account.provider_account_id)?;
    opt(
        columns,
        "refresh_token",
        account.refresh_token.as_deref(),
        columns.oauth_token,
    )?;
    opt(
        columns,
        "access_token",
        account.access_token.as_deref(),
        columns.oauth_token,
    )?;
    opt(columns, "token_type", account.token_type.as_deref(), w)?;
    opt(columns, "scope", account.scope.as_deref(), w)?;
    opt(
        columns,
        "id_token",
        account.id_token.as_deref(),
        columns.id_token,
    )?;
    opt(
        columns,
        "session_state",
        account.session_state.as_deref(),
        w,
    )?;
    expires_at(account.expires_at)
}

pub(crate) fn account_update(columns: &Columns, update: &AccountUpdate) -> Result<()> {
    validate::account_update(update)?;
    let w = Width::Chars(columns.varchar);
    opt_opt(
        columns,
        "refresh_token",
        &update.refresh_token,
        columns.oauth_token,
    )?;
    opt_opt(
        columns,
        "access_token",
        &update.access_token,
        columns.oauth_token,
    )?;
    opt_opt(columns, "token_type", &update.token_type, w)?;
    opt_opt(columns, "scope", &update.scope, w)?;
    opt_opt(columns, "id_token", &update.id_token, columns.id_token)?;
    opt_opt(columns, "session_state", &update.session_state, w)?;
    expires_at(update.expires_at.flatten())
}

pub(crate) fn session(columns: &Columns, session: &AdapterSession) -> Result<()> {
    validate::session(session)?;
    varchar(columns, "sessionToken", &session.session_token)?;
    expires(columns, &session.expires)
}

pub(crate) fn session_update(columns: &Columns, update: &SessionUpdate) -> Result<()> {
    validate::session_update(update)?;
    varchar(columns, "sessionToken", &update.session_token)?;
    update
        .expires
        .as_ref()
        .map_or(Ok(()), |d| expires(columns, d))
}

pub(crate) fn verification_token(columns: &Columns, token: &VerificationToken) -> Result<()> {
    validate::verification_token(token)?;
    varchar(columns, "identifier", &token.identifier)?;
    varchar(columns, "token", &token.token)?;
    expires(columns, &token.expires)
}

pub(crate) fn authenticator(columns: &Columns, a: &AdapterAuthenticator) -> Result<()> {
    validate::authenticator(a)?;
    let w = Width::Chars(columns.varchar);
    varchar(columns, "credentialID", &a.credential_id)?;
    varchar(columns, "providerAccountId", &a.provider_account_id)?;
    varchar(columns, "credentialPublicKey", &a.credential_public_key)?;
    varchar(columns, "credentialDeviceType", &a.credential_device_type)?;
    opt(columns, "transports", a.transports.as_deref(), w)?;
    counter(a.counter)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::Layout;
    use chrono::TimeDelta;

    #[test]
    fn prisma_holds_191_characters_and_text_tokens() {
        let c = Layout::Prisma.columns();
        let mut user = NewUser::with_email(format!("{}@x.io", "é".repeat(186)));
        assert!(new_user(&c, &user).is_ok());
        user.email = Some(format!("{}@x.io", "é".repeat(187)));
        let e = new_user(&c, &user).unwrap_err();
        assert!(e.to_string().contains("VARCHAR(191)"), "{e}");
        let mut a = AdapterAccount::new("u", auth_adapter_core::AccountType::Oauth, "p", "1");
        a.access_token = Some("t".repeat(60_000));
        assert!(account(&c, &a).is_ok());
        a.access_token = Some("t".repeat(65_536));
        assert!(account(&c, &a).unwrap_err().is_invalid_input());
    }

    #[test]
    fn drizzle_caps_tokens_and_wants_whole_seconds() {
        let c = Layout::Drizzle.columns();
        let mut a = AdapterAccount::new("u", auth_adapter_core::AccountType::Oauth, "p", "1");
        a.access_token = Some("t".repeat(256));
        assert!(
            account(&c, &a)
                .unwrap_err()
                .to_string()
                .contains("access_token")
        );
        a.access_token = None;
        a.id_token = Some("t".repeat(2048));
        assert!(account(&c, &a).is_ok());
        a.expires_at = Some(i64::from(i32::MAX) + 1);
        assert!(
            account(&c, &a)
                .unwrap_err()
                .to_string()
                .contains("expires_at")
        );

        let whole = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let s = AdapterSession {
            session_token: "t".into(),
            user_id: "u".into(),
            expires: whole,
        };
        assert!(session(&c, &s).is_ok());
        let fraction = AdapterSession {
            expires: whole + TimeDelta::milliseconds(1),
            ..s.clone()
        };
        assert!(
            session(&c, &fraction)
                .unwrap_err()
                .to_string()
                .contains("whole seconds")
        );
        // Below the millisecond is cut on every backend: still whole.
        let sub_ms = AdapterSession {
            expires: whole + TimeDelta::nanoseconds(999),
            ..s.clone()
        };
        assert!(session(&c, &sub_ms).is_ok());
        let late = AdapterSession {
            expires: crate::layout::TIMESTAMP_LATEST + TimeDelta::seconds(1),
            ..s
        };
        assert!(session(&c, &late).unwrap_err().to_string().contains("2038"));
        assert!(counter(i32::MAX as u32).is_ok());
        assert!(counter(i32::MAX as u32 + 1).is_err());
    }
}
