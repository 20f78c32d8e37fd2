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
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc};
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgRow, PgTypeInfo, PgValueFormat, PgValueRef};
use sqlx::{Decode, Postgres, Row, Type, ValueRef};

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

/// A `timestamptz` column, or a `timestamp` (without time zone) one holding UTC (the
/// Prisma and Drizzle layouts), in either wire format: binary from a prepared statement,
/// text from the simple query protocol (`transaction_pooler`). sqlx's own text decoder
/// reads neither PostgreSQL's ` BC` suffix nor years past 9999, which the adapter stores.
struct Timestamp(DateTime<Utc>);

impl Type<Postgres> for Timestamp {
    fn type_info() -> PgTypeInfo {
        <DateTime<Utc> as Type<Postgres>>::type_info()
    }

    fn compatible(ty: &PgTypeInfo) -> bool {
        <DateTime<Utc> as Type<Postgres>>::compatible(ty)
            || <NaiveDateTime as Type<Postgres>>::compatible(ty)
    }
}

impl<'r> Decode<'r, Postgres> for Timestamp {
    fn decode(value: PgValueRef<'r>) -> std::result::Result<Self, BoxDynError> {
        let naive = <NaiveDateTime as Type<Postgres>>::compatible(&value.type_info());
        match value.format() {
            PgValueFormat::Binary if naive => Ok(Timestamp(
                <NaiveDateTime as Decode<Postgres>>::decode(value)?.and_utc(),
            )),
            PgValueFormat::Binary => Ok(Timestamp(<DateTime<Utc> as Decode<Postgres>>::decode(
                value,
            )?)),
            PgValueFormat::Text => {
                let text = value.as_str()?;
                parse_timestamp(text, !naive)
                    .map(Timestamp)
                    .ok_or_else(|| "a timestamp not in PostgreSQL's ISO output style".into())
            }
        }
    }
}

/// A user id: the `int4` of pg-adapter's `SERIAL` as its decimal text, or the text of the
/// Prisma and Drizzle layouts, in either wire format.
struct Id(String);

impl Type<Postgres> for Id {
    fn type_info() -> PgTypeInfo {
        <String as Type<Postgres>>::type_info()
    }

    fn compatible(ty: &PgTypeInfo) -> bool {
        <String as Type<Postgres>>::compatible(ty) || <i32 as Type<Postgres>>::compatible(ty)
    }
}

impl<'r> Decode<'r, Postgres> for Id {
    fn decode(value: PgValueRef<'r>) -> std::result::Result<Self, BoxDynError> {
        if value.format() == PgValueFormat::Binary
            && <i32 as Type<Postgres>>::compatible(&value.type_info())
        {
            return Ok(Id(<i32 as Decode<Postgres>>::decode(value)?.to_string()));
        }
        Ok(Id(<String as Decode<Postgres>>::decode(value)?))
    }
}

/// PostgreSQL's ISO output of a `timestamptz` (`zoned`),
/// `Y-MM-DD HH:MM:SS[.ffffff]±HH[:MM[:SS]][ BC]`, or of a `timestamp`, the same without
/// the zone (read as UTC); the year at least four digits.
fn parse_timestamp(text: &str, zoned: bool) -> Option<DateTime<Utc>> {
    let (text, bc) = match text.strip_suffix(" BC") {
        Some(rest) => (rest, true),
        None => (text, false),
    };
    let (date, time) = text.split_once(' ')?;
    let mut ymd = date.splitn(3, '-');
    let year: i32 = digits(ymd.next()?)?;
    let month: u32 = digits(ymd.next()?)?;
    let day: u32 = digits(ymd.next()?)?;
    let year = if bc { 1 - year } else { year };
    let (clock, zone) = if zoned {
        time.split_at(time.find(['+', '-'])?)
    } else {
        (time, "")
    };
    let mut hms = clock.splitn(3, ':');
    let hour: u32 = digits(hms.next()?)?;
    let minute: u32 = digits(hms.next()?)?;
    let seconds_field = hms.next()?;
    let (second, fraction) = seconds_field.split_once('.').unwrap_or((seconds_field, ""));
    let second: u32 = digits(second)?;
    if fraction.len() > 9 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let nanos = fraction
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(9)
        .fold(0u32, |n, b| n * 10 + u32::from(b - b'0'));
    let local = NaiveDate::from_ymd_opt(year, month, day)?
        .and_time(NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)?);
    if !zoned {
        return Some(local.and_utc());
    }
    let sign: i64 = if zone.starts_with('-') { -1 } else { 1 };
    let mut zone_parts = zone[1..].splitn(3, ':');
    let zone_h: i64 = digits(zone_parts.next()?)?;
    let zone_m: i64 = zone_parts.next().map_or(Some(0), digits)?;
    let zone_s: i64 = zone_parts.next().map_or(Some(0), digits)?;
    let offset = TimeDelta::seconds(sign * (zone_h * 3600 + zone_m * 60 + zone_s));
    Some(local.checked_sub_signed(offset)?.and_utc())
}

/// A number written with ASCII digits only (no sign, no space).
fn digits<T: std::str::FromStr>(text: &str) -> Option<T> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn date(row: &PgRow, index: usize) -> Result<DateTime<Utc>> {
    Ok(get::<Timestamp>(row, index)?.0)
}

fn optional_date(row: &PgRow, index: usize) -> Result<Option<DateTime<Utc>>> {
    Ok(get::<Option<Timestamp>>(row, index)?.map(|t| t.0))
}

/// A user from the columns `id, name, email, "emailVerified", image` starting at `at`.
pub(crate) fn user_at(row: &PgRow, at: usize) -> Result<AdapterUser> {
    Ok(AdapterUser {
        id: get::<Id>(row, at)?.0,
        name: get(row, at + 1)?,
        email: get(row, at + 2)?,
        email_verified: optional_date(row, at + 3)?,
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
        user_id: get::<Id>(row, 0)?.0,
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
        user_id: get::<Id>(row, 1)?.0,
        expires: date(row, 2)?,
    })
}

/// A verification token from a row of `identifier, token, expires`.
pub(crate) fn verification_token(row: &PgRow) -> Result<VerificationToken> {
    Ok(VerificationToken {
        identifier: get(row, 0)?,
        token: get(row, 1)?,
        expires: date(row, 2)?,
    })
}

/// An authenticator from a row of `AUTHENTICATOR_COLUMNS`.
pub(crate) fn authenticator(row: &PgRow) -> Result<AdapterAuthenticator> {
    let counter: i64 = get(row, 4)?;
    let counter = u32::try_from(counter).map_err(|_| {
        AdapterError::backend_message(format!(
            "the authenticator's counter holds {counter}, outside the u32 range"
        ))
    })?;
    Ok(AdapterAuthenticator {
        credential_id: get(row, 0)?,
        user_id: get::<Id>(row, 1)?.0,
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
        user_id: get::<Id>(row, 1)?.0,
        realm: get(row, 2)?,
        name: get(row, 3)?,
        display_prefix: get(row, 4)?,
        scopes: get(row, 5)?,
        created_at: date(row, 6)?,
        last_used_at: optional_date(row, 7)?,
        expires: optional_date(row, 8)?,
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
    fn text_timestamps_read_as_postgresql_writes_them() {
        let at = |s: &str| parse_timestamp(s, true).map(|d| d.to_rfc3339());
        assert_eq!(
            at("2026-11-22 11:33:29.559+00").as_deref(),
            Some("2026-11-22T11:33:29.559+00:00")
        );
        assert_eq!(
            at("2026-11-22 11:33:29+00").as_deref(),
            Some("2026-11-22T11:33:29+00:00")
        );
        assert_eq!(
            at("2026-11-22 13:03:29.5+01:30").as_deref(),
            Some("2026-11-22T11:33:29.500+00:00")
        );
        assert_eq!(
            at("2026-11-22 06:33:29-05").as_deref(),
            Some("2026-11-22T11:33:29+00:00")
        );
        assert_eq!(
            at("262142-12-31 23:59:59.999+00").as_deref(),
            Some("+262142-12-31T23:59:59.999+00:00")
        );
        assert_eq!(
            at("4714-11-24 00:00:00+00 BC").as_deref(),
            Some("-4713-11-24T00:00:00+00:00")
        );
        assert_eq!(
            at("0001-01-01 00:00:00.123456+00 BC").as_deref(),
            Some("0000-01-01T00:00:00.123456+00:00")
        );
        for bad in [
            "",
            "infinity",
            "2026-11-22T11:33:29Z",
            "2026-13-01 00:00:00+00",
            "2026-11-22 11:33:29.1234567890+00",
            "2026-11-22 11:33:29",
            "-2026-11-22 11:33:29+00",
        ] {
            assert_eq!(at(bad), None, "{bad:?}");
        }
        let naive = |s: &str| parse_timestamp(s, false).map(|d| d.to_rfc3339());
        assert_eq!(
            naive("2026-11-22 11:33:29.559").as_deref(),
            Some("2026-11-22T11:33:29.559+00:00")
        );
        assert_eq!(
            naive("4714-11-24 00:00:00 BC").as_deref(),
            Some("-4713-11-24T00:00:00+00:00")
        );
        assert_eq!(naive("2026-11-22 11:33:29+00"), None);
    }

    #[test]
    fn stored_dates_keep_milliseconds() {
        let d = DateTime::from_timestamp(1_795_000_409, 559_123_456).unwrap();
        assert_eq!(stored_date(d).timestamp_subsec_nanos(), 559_000_000);
    }
}
