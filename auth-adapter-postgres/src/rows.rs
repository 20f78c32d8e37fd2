//! Reading rows into the core models, and the id and date conversions both ways.
//!
//! Ids: `users.id` is a `SERIAL` (`int4`), so user ids cross the API as the decimal text
//! of that integer. Text that is not the canonical decimal form of an `i32` (`"abc"`, a
//! UUID, `"007"`, `"+7"`, `"2147483648"`) names no row: lookups answer `Ok(None)` without
//! a query, writes that reference a user answer `NotFound`.

use auth_adapter_core::backend::dates::truncate_to_millis;
use auth_adapter_core::{
    AccountType, AdapterAccount, AdapterAuthenticator, AdapterError, AdapterSession, AdapterUser,
    Result, TokenBinding, VerificationToken,
};
use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::postgres::PgRow;

use crate::error::map_err;

/// The `int4` a user id names, if it names one: the canonical decimal text of an `i32`.
pub(crate) fn parse_user_id(id: &str) -> Option<i32> {
    let n: i32 = id.parse().ok()?;
    (n.to_string() == id).then_some(n)
}

/// A date as it is stored: whole milliseconds, what a JavaScript `Date` holds, so Rust and
/// Node read the same instant back.
pub(crate) fn stored_date(date: DateTime<Utc>) -> DateTime<Utc> {
    truncate_to_millis(date)
}

fn get<'r, T>(row: &'r PgRow, index: usize) -> Result<T>
where
    T: sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    row.try_get(index).map_err(map_err)
}

/// A user from the columns `id, name, email, "emailVerified", image` starting at `at`.
pub(crate) fn user_at(row: &PgRow, at: usize) -> Result<AdapterUser> {
    Ok(AdapterUser {
        id: get::<i32>(row, at)?.to_string(),
        name: get(row, at + 1)?,
        email: get(row, at + 2)?,
        email_verified: get(row, at + 3)?,
        image: get(row, at + 4)?,
    })
}

/// A user from a row of `USER_COLUMNS`.
pub(crate) fn user(row: &PgRow) -> Result<AdapterUser> {
    user_at(row, 0)
}

/// An account from a row of `ACCOUNT_COLUMNS`.
pub(crate) fn account(row: &PgRow) -> Result<AdapterAccount> {
    Ok(AdapterAccount {
        user_id: get::<i32>(row, 0)?.to_string(),
        account_type: AccountType::from(get::<String>(row, 1)?),
        provider: get(row, 2)?,
        provider_account_id: get(row, 3)?,
        refresh_token: get(row, 4)?,
        access_token: get(row, 5)?,
        expires_at: get(row, 6)?,
        token_type: get(row, 7)?,
        scope: get(row, 8)?,
        id_token: get(row, 9)?,
        session_state: get(row, 10)?,
    })
}

/// A session from the columns `"sessionToken", "userId", expires` starting at 0.
pub(crate) fn session(row: &PgRow) -> Result<AdapterSession> {
    Ok(AdapterSession {
        session_token: get(row, 0)?,
        user_id: get::<i32>(row, 1)?.to_string(),
        expires: get(row, 2)?,
    })
}

/// A verification token from a row of `identifier, token, expires`.
pub(crate) fn verification_token(row: &PgRow) -> Result<VerificationToken> {
    Ok(VerificationToken {
        identifier: get(row, 0)?,
        token: get(row, 1)?,
        expires: get(row, 2)?,
    })
}

/// An authenticator from a row of `AUTHENTICATOR_COLUMNS`.
pub(crate) fn authenticator(row: &PgRow) -> Result<AdapterAuthenticator> {
    let counter: i64 = get(row, 4)?;
    let counter = u32::try_from(counter).map_err(|_| {
        AdapterError::backend_message(format!(
            "authenticators.counter holds {counter}, outside the u32 range"
        ))
    })?;
    Ok(AdapterAuthenticator {
        credential_id: get(row, 0)?,
        user_id: get::<i32>(row, 1)?.to_string(),
        provider_account_id: get(row, 2)?,
        credential_public_key: get(row, 3)?,
        counter,
        credential_device_type: get(row, 5)?,
        credential_backed_up: get(row, 6)?,
        transports: get(row, 7)?,
    })
}

/// Columns in a token binding row.
pub(crate) const BINDING_WIDTH: usize = 9;

/// A token binding from a row of `BINDING_COLUMNS`.
pub(crate) fn token_binding(row: &PgRow) -> Result<TokenBinding> {
    Ok(TokenBinding {
        id: get(row, 0)?,
        user_id: get::<i32>(row, 1)?.to_string(),
        realm: get(row, 2)?,
        name: get(row, 3)?,
        display_prefix: get(row, 4)?,
        scopes: get(row, 5)?,
        created_at: get(row, 6)?,
        last_used_at: get(row, 7)?,
        expires: get(row, 8)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_canonical_i32_text_is_a_user_id() {
        assert_eq!(parse_user_id("1"), Some(1));
        assert_eq!(parse_user_id("2147483647"), Some(i32::MAX));
        assert_eq!(parse_user_id("-5"), Some(-5));
        for bad in [
            "",
            "abc",
            "007",
            "+7",
            " 7",
            "7 ",
            "2147483648",
            "1e3",
            "1.0",
            "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
        ] {
            assert_eq!(parse_user_id(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn stored_dates_keep_milliseconds() {
        let d = DateTime::from_timestamp(1_795_000_409, 559_123_456).unwrap();
        assert_eq!(stored_date(d).timestamp_subsec_nanos(), 559_000_000);
    }
}
