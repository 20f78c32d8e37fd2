//! Reading rows, tolerantly: dates as INTEGER epoch milliseconds (what drizzle writes) or as
//! ISO-8601 text (what Prisma and other Auth.js SQLite adapters write), booleans as 0/1 or
//! text, account types as any string. Writing dates as the layout stores them ([`Stamp`]),
//! and Prisma's bookkeeping values ([`Bookkeeping`]).

use auth_adapter_core::{
    AccountType, AdapterAccount, AdapterAuthenticator, AdapterSession, AdapterUser, TokenBinding,
    VerificationToken,
};
use chrono::{DateTime, NaiveDateTime, Utc};
use rusqlite::Row;
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

use crate::layout::{DateFormat, Extras};

/// A date stored as INTEGER milliseconds since the epoch; read also from REAL milliseconds
/// and from ISO-8601 / SQLite `datetime()` text (taken as UTC when it has no offset).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Millis(pub(crate) DateTime<Utc>);

impl ToSql for Millis {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.0.timestamp_millis()))
    }
}

impl FromSql for Millis {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let date = match value {
            ValueRef::Integer(ms) => DateTime::from_timestamp_millis(ms),
            ValueRef::Real(ms) if ms.is_finite() => {
                // Truncation to whole milliseconds is intended; out-of-range values are None.
                #[allow(clippy::cast_possible_truncation)]
                DateTime::from_timestamp_millis(ms.floor() as i64)
            }
            ValueRef::Text(text) => std::str::from_utf8(text).ok().and_then(parse_text_date),
            _ => return Err(FromSqlError::InvalidType),
        };
        date.map(Millis)
            .ok_or_else(|| FromSqlError::Other("not a date Auth.js could have written".into()))
    }
}

/// A date as the layout writes it: INTEGER milliseconds (drizzle) or Prisma's text
/// (`2026-11-22T11:33:29.559+00:00`, what `@prisma/adapter-better-sqlite3` writes). Only
/// dates in `0000..=9999` are written as text (the adapter checks before).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp(pub(crate) DateTime<Utc>, pub(crate) DateFormat);

impl ToSql for Stamp {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self.1 {
            DateFormat::EpochMillis => ToSqlOutput::from(self.0.timestamp_millis()),
            DateFormat::PrismaText => ToSqlOutput::from(prisma_text(&self.0)),
        })
    }
}

/// `YYYY-MM-DDTHH:MM:SS.mmm+00:00`: JavaScript's `toISOString()` with `Z` replaced by
/// `+00:00`, as Prisma's SQLite driver adapters write a `DateTime` by default.
pub(crate) fn prisma_text(date: &DateTime<Utc>) -> String {
    date.format("%Y-%m-%dT%H:%M:%S%.3f+00:00").to_string()
}

/// The values of a write's bookkeeping columns, in the order the statements of
/// [`crate::sql`] take them after their own parameters: the row's new id (a cuid, where the
/// table has an `id` the client makes), then the current time (`createdAt` and `updatedAt`
/// on an insert, `updatedAt` on an update).
#[derive(Debug)]
pub(crate) struct Bookkeeping {
    id: Option<String>,
    now: Option<Stamp>,
}

impl Bookkeeping {
    fn now(format: DateFormat) -> Stamp {
        Stamp(
            auth_adapter_core::backend::dates::truncate_to_millis(Utc::now()),
            format,
        )
    }

    /// For an insert into a table with `extras`.
    pub(crate) fn insert(extras: Extras, format: DateFormat) -> Self {
        Bookkeeping {
            id: extras.id.then(auth_adapter_core::backend::ids::cuid),
            now: extras.stamps().then(|| Self::now(format)),
        }
    }

    /// For an update of a table with `extras`.
    pub(crate) fn update(extras: Extras, format: DateFormat) -> Self {
        Bookkeeping {
            id: None,
            now: extras.updated_at.then(|| Self::now(format)),
        }
    }

    /// `base` followed by these values.
    pub(crate) fn params<'a>(&'a self, base: &[&'a dyn ToSql]) -> Vec<&'a dyn ToSql> {
        let mut all = base.to_vec();
        if let Some(id) = &self.id {
            all.push(id);
        }
        if let Some(now) = &self.now {
            all.push(now);
        }
        all
    }
}

fn parse_text_date(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Some(date) = auth_adapter_core::backend::dates::from_iso(text) {
        return Some(date);
    }
    if let Ok(ms) = text.parse::<i64>() {
        return DateTime::from_timestamp_millis(ms);
    }
    // SQLite's own formats (CURRENT_TIMESTAMP, datetime()): UTC without an offset.
    [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
    .map(|naive| naive.and_utc())
}

/// A boolean stored as INTEGER 0/1 (drizzle's `mode: "boolean"`); also read from REAL and
/// from the texts `true`/`false`/`1`/`0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Flag(pub(crate) bool);

impl ToSql for Flag {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(i64::from(self.0)))
    }
}

impl FromSql for Flag {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        match value {
            ValueRef::Integer(v) => Ok(Flag(v != 0)),
            ValueRef::Real(v) => Ok(Flag(v != 0.0)),
            ValueRef::Text(text) => match text {
                b"true" | b"1" => Ok(Flag(true)),
                b"false" | b"0" => Ok(Flag(false)),
                _ => Err(FromSqlError::Other("not a boolean".into())),
            },
            _ => Err(FromSqlError::InvalidType),
        }
    }
}

/// Seconds since the epoch (`expires_at`): INTEGER, or REAL/numeric text another client wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Seconds(pub(crate) i64);

impl FromSql for Seconds {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        match value {
            ValueRef::Integer(v) => Ok(Seconds(v)),
            #[allow(clippy::cast_possible_truncation)]
            ValueRef::Real(v) if v.is_finite() => Ok(Seconds(v.floor() as i64)),
            ValueRef::Text(text) => std::str::from_utf8(text)
                .ok()
                .and_then(|t| t.trim().parse::<i64>().ok())
                .map(Seconds)
                .ok_or_else(|| FromSqlError::Other("not a number of seconds".into())),
            _ => Err(FromSqlError::InvalidType),
        }
    }
}

/// Reads a user from the columns of `user` (in `crate::sql`'s order) starting at `at`.
pub(crate) fn user(row: &Row<'_>, at: usize) -> rusqlite::Result<AdapterUser> {
    Ok(AdapterUser {
        id: row.get(at)?,
        name: row.get(at + 1)?,
        email: row.get(at + 2)?,
        email_verified: row.get::<_, Option<Millis>>(at + 3)?.map(|m| m.0),
        image: row.get(at + 4)?,
    })
}

/// Reads an account from the columns of `account`. An unknown `type` is kept as
/// [`AccountType::Other`].
pub(crate) fn account(row: &Row<'_>) -> rusqlite::Result<AdapterAccount> {
    Ok(AdapterAccount {
        user_id: row.get(0)?,
        account_type: AccountType::from(row.get::<_, String>(1)?),
        provider: row.get(2)?,
        provider_account_id: row.get(3)?,
        refresh_token: row.get(4)?,
        access_token: row.get(5)?,
        expires_at: row.get::<_, Option<Seconds>>(6)?.map(|s| s.0),
        token_type: row.get(7)?,
        scope: row.get(8)?,
        id_token: row.get(9)?,
        session_state: row.get(10)?,
    })
}

/// How many columns [`session`] reads.
pub(crate) const SESSION_WIDTH: usize = 3;

/// Reads a session from the columns of `session` starting at `at`.
pub(crate) fn session(row: &Row<'_>, at: usize) -> rusqlite::Result<AdapterSession> {
    Ok(AdapterSession {
        session_token: row.get(at)?,
        user_id: row.get(at + 1)?,
        expires: row.get::<_, Millis>(at + 2)?.0,
    })
}

/// Reads a verification token from the columns of `verificationToken`.
pub(crate) fn verification_token(row: &Row<'_>) -> rusqlite::Result<VerificationToken> {
    Ok(VerificationToken {
        identifier: row.get(0)?,
        token: row.get(1)?,
        expires: row.get::<_, Millis>(2)?.0,
    })
}

/// Reads an authenticator from the columns of `authenticator`.
pub(crate) fn authenticator(row: &Row<'_>) -> rusqlite::Result<AdapterAuthenticator> {
    Ok(AdapterAuthenticator {
        credential_id: row.get(0)?,
        user_id: row.get(1)?,
        provider_account_id: row.get(2)?,
        credential_public_key: row.get(3)?,
        counter: row.get(4)?,
        credential_device_type: row.get(5)?,
        credential_backed_up: row.get::<_, Flag>(6)?.0,
        transports: row.get(7)?,
    })
}

/// Columns in a token binding row.
pub(crate) const BINDING_WIDTH: usize = 9;

/// Reads a token binding from the columns of `auth_adapter_token` (in `crate::sql`'s
/// order). Scopes are stored space-separated.
pub(crate) fn token_binding(row: &Row<'_>) -> rusqlite::Result<TokenBinding> {
    let scopes: String = row.get(5)?;
    Ok(TokenBinding {
        id: row.get(0)?,
        user_id: row.get(1)?,
        realm: row.get(2)?,
        name: row.get(3)?,
        display_prefix: row.get(4)?,
        scopes: scopes
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        created_at: row.get::<_, Millis>(6)?.0,
        last_used_at: row.get::<_, Option<Millis>>(7)?.map(|m| m.0),
        expires: row.get::<_, Option<Millis>>(8)?.map(|m| m.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read<T: FromSql>(value: ValueRef<'_>) -> FromSqlResult<T> {
        T::column_result(value)
    }

    #[test]
    fn dates_read_from_every_form_auth_js_adapters_write() {
        let expected = DateTime::from_timestamp_millis(1_795_000_409_559).unwrap();
        let forms: [ValueRef<'_>; 5] = [
            ValueRef::Integer(1_795_000_409_559),
            ValueRef::Real(1_795_000_409_559.0),
            ValueRef::Text(b"2026-11-18T11:13:29.559Z"),
            ValueRef::Text(b"2026-11-18T12:13:29.559+01:00"),
            ValueRef::Text(b"2026-11-18 11:13:29.559"),
        ];
        for form in forms {
            assert_eq!(read::<Millis>(form).unwrap().0, expected, "{form:?}");
        }
        assert!(read::<Millis>(ValueRef::Text(b"yesterday")).is_err());
        assert!(read::<Millis>(ValueRef::Null).is_err());
        assert!(read::<Millis>(ValueRef::Integer(i64::MAX)).is_err());
    }

    #[test]
    fn prisma_text_is_what_its_driver_adapter_writes_and_reads_back() {
        let date = DateTime::from_timestamp_millis(1_795_000_409_559).unwrap();
        assert_eq!(prisma_text(&date), "2026-11-18T11:13:29.559+00:00");
        let stamp = Stamp(date, DateFormat::PrismaText);
        let ToSqlOutput::Owned(rusqlite::types::Value::Text(text)) = stamp.to_sql().unwrap() else {
            panic!("text expected");
        };
        assert_eq!(
            read::<Millis>(ValueRef::Text(text.as_bytes())).unwrap().0,
            date
        );
        let early = "0000-01-01T00:00:00Z".parse().unwrap();
        assert_eq!(prisma_text(&early), "0000-01-01T00:00:00.000+00:00");
        assert_eq!(
            read::<Millis>(ValueRef::Text(prisma_text(&early).as_bytes()))
                .unwrap()
                .0,
            early
        );
    }

    #[test]
    fn flags_and_seconds_read_tolerantly() {
        assert!(read::<Flag>(ValueRef::Integer(1)).unwrap().0);
        assert!(!read::<Flag>(ValueRef::Integer(0)).unwrap().0);
        assert!(read::<Flag>(ValueRef::Text(b"true")).unwrap().0);
        assert!(read::<Flag>(ValueRef::Text(b"maybe")).is_err());
        assert_eq!(read::<Seconds>(ValueRef::Real(12.9)).unwrap().0, 12);
        assert_eq!(read::<Seconds>(ValueRef::Text(b"42")).unwrap().0, 42);
    }
}
