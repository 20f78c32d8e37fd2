//! Reading rows into the core models, and dates as they are stored.

use auth_adapter_core::backend::dates::truncate_to_millis;
use auth_adapter_core::{
    AccountType, AdapterAccount, AdapterAuthenticator, AdapterError, AdapterSession, AdapterUser,
    Result, VerificationToken,
};
use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::mysql::MySqlRow;

use crate::error::map_err;

/// A date as it is stored: whole milliseconds, what a JavaScript `Date` holds (and what
/// `DATETIME(3)` keeps), so Rust and Node read the same instant back.
pub(crate) fn stored_date(date: DateTime<Utc>) -> DateTime<Utc> {
    truncate_to_millis(date)
}

/// A date as a statement parameter: a `DATETIME` value in UTC. (sqlx sends a
/// `DateTime<Utc>` as a `TIMESTAMP` parameter, which MariaDB turns into `NULL` outside
/// 1970–2038, so every date is sent as the UTC `DATETIME` it is; the connection's time
/// zone is `+00:00`, so a `TIMESTAMP` column takes it as UTC too.)
pub(crate) fn param(date: DateTime<Utc>) -> chrono::NaiveDateTime {
    stored_date(date).naive_utc()
}

fn get<'r, T>(row: &'r MySqlRow, index: usize) -> Result<T>
where
    T: sqlx::Decode<'r, sqlx::MySql> + sqlx::Type<sqlx::MySql>,
{
    row.try_get(index).map_err(map_err)
}

/// A user from the columns `id, name, email, emailVerified, image` starting at `at`.
pub(crate) fn user_at(row: &MySqlRow, at: usize) -> Result<AdapterUser> {
    Ok(AdapterUser {
        id: get(row, at)?,
        name: get(row, at + 1)?,
        email: get(row, at + 2)?,
        email_verified: get(row, at + 3)?,
        image: get(row, at + 4)?,
    })
}

/// A user from a row of `USER_COLUMNS`.
pub(crate) fn user(row: &MySqlRow) -> Result<AdapterUser> {
    user_at(row, 0)
}

/// An account from a row of `ACCOUNT_COLUMNS`.
pub(crate) fn account(row: &MySqlRow) -> Result<AdapterAccount> {
    Ok(AdapterAccount {
        user_id: get(row, 0)?,
        account_type: AccountType::from(get::<String>(row, 1)?),
        provider: get(row, 2)?,
        provider_account_id: get(row, 3)?,
        refresh_token: get(row, 4)?,
        access_token: get(row, 5)?,
        expires_at: get::<Option<i32>>(row, 6)?.map(i64::from),
        token_type: get(row, 7)?,
        scope: get(row, 8)?,
        id_token: get(row, 9)?,
        session_state: get(row, 10)?,
    })
}

/// A session from the columns `sessionToken, userId, expires` starting at 0.
pub(crate) fn session(row: &MySqlRow) -> Result<AdapterSession> {
    Ok(AdapterSession {
        session_token: get(row, 0)?,
        user_id: get(row, 1)?,
        expires: get(row, 2)?,
    })
}

/// A verification token from a row of `identifier, token, expires`.
pub(crate) fn verification_token(row: &MySqlRow) -> Result<VerificationToken> {
    Ok(VerificationToken {
        identifier: get(row, 0)?,
        token: get(row, 1)?,
        expires: get(row, 2)?,
    })
}

/// An authenticator from a row of `AUTHENTICATOR_COLUMNS`.
pub(crate) fn authenticator(row: &MySqlRow) -> Result<AdapterAuthenticator> {
    let counter: i32 = get(row, 4)?;
    let counter = u32::try_from(counter).map_err(|_| {
        AdapterError::backend_message(format!("authenticator counter holds {counter}, below zero"))
    })?;
    Ok(AdapterAuthenticator {
        credential_id: get(row, 0)?,
        user_id: get(row, 1)?,
        provider_account_id: get(row, 2)?,
        credential_public_key: get(row, 3)?,
        counter,
        credential_device_type: get(row, 5)?,
        credential_backed_up: get(row, 6)?,
        transports: get(row, 7)?,
    })
}
