//! A statement's values, and how they are written into its text as SQL literals for the
//! simple query protocol ([`PostgresOptions::transaction_pooler`]).
//!
//! Every literal carries the type sqlx declares for the same Rust value when it binds it
//! (`text`, `int4`, `int8`, `float8`, `bool`, `timestamptz`, `timestamp`), so the server resolves the
//! statement exactly as the prepared one. The rendering is the injection audit:
//!
//! - Text is an escape string `E'…'`: `'` is doubled, `\` doubled, every non-ASCII
//!   character written as a Unicode escape (`\uXXXX`, `\UXXXXXXXX`). An `E'…'` string
//!   reads the same whatever `standard_conforming_strings` says, and a statement of pure
//!   ASCII reads the same in every client encoding PostgreSQL offers (the multi-byte
//!   encodings whose second byte can be `\` or `'`, such as SJIS, cannot swallow an
//!   escape that has no byte above 0x7F before it). A NUL byte, which no PostgreSQL text
//!   can hold, is refused before anything is sent (the adapter's input checks refuse it
//!   first).
//! - Numbers are Rust's decimal text between quotes; booleans `true` / `false`; dates
//!   `'YYYY-MM-DD HH:MM:SS.ffffff+00'` (with ` BC` for years before 1), which PostgreSQL
//!   reads alike under every `DateStyle`.
//!
//! [`PostgresOptions::transaction_pooler`]: crate::PostgresOptions::transaction_pooler

use std::fmt::Write as _;

use auth_adapter_core::{AdapterError, Result};
use chrono::{DateTime, Datelike, Timelike, Utc};

/// One value of a statement, with the PostgreSQL type sqlx gives it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Param<'a> {
    /// `text` (`&str`, `Option<String>`).
    Text(Option<&'a str>),
    /// `int4` (user ids).
    Int4(i32),
    /// `int8` (`expires_at`, the authenticator counter).
    Int8(Option<i64>),
    /// `float8` (a counter's window in milliseconds).
    Float8(f64),
    /// `bool` (the update flags, `credentialBackedUp`).
    Bool(bool),
    /// `timestamptz`.
    Date(Option<DateTime<Utc>>),
    /// `timestamp` (without time zone), holding the UTC wall-clock time: the date columns
    /// of the Prisma and Drizzle layouts.
    Naive(Option<DateTime<Utc>>),
    /// `text[]` (a bound token's scopes).
    TextArray(&'a [String]),
}

impl Param<'_> {
    /// Appends this value to `out` as a typed SQL literal.
    pub(crate) fn write_literal(&self, out: &mut String) -> Result<()> {
        match *self {
            Param::Text(Some(text)) => write_text(out, text)?,
            Param::Text(None) => out.push_str("NULL::text"),
            Param::Int4(n) => {
                let _ = write!(out, "'{n}'::int4");
            }
            Param::Int8(Some(n)) => {
                let _ = write!(out, "'{n}'::int8");
            }
            Param::Int8(None) => out.push_str("NULL::int8"),
            Param::Float8(x) => {
                if x.is_nan() {
                    out.push_str("'NaN'::float8");
                } else if x.is_infinite() {
                    let sign = if x < 0.0 { "-" } else { "" };
                    let _ = write!(out, "'{sign}Infinity'::float8");
                } else {
                    // Rust prints a finite f64 in plain decimal, never with an exponent.
                    let _ = write!(out, "'{x}'::float8");
                }
            }
            Param::Bool(b) => out.push_str(if b { "true" } else { "false" }),
            Param::Date(Some(date)) => write_date(out, &date, "+00", "timestamptz"),
            Param::Date(None) => out.push_str("NULL::timestamptz"),
            Param::Naive(Some(date)) => write_date(out, &date, "", "timestamp"),
            Param::Naive(None) => out.push_str("NULL::timestamp"),
            Param::TextArray(items) => {
                // `ARRAY[]::text[]` for none: an empty ARRAY[] has no type of its own.
                out.push_str("ARRAY[");
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_text(out, item)?;
                }
                out.push_str("]::text[]");
            }
        }
        Ok(())
    }
}

/// `E'…'::text` with `'` and `\` doubled and every non-ASCII character as a Unicode escape.
fn write_text(out: &mut String, text: &str) -> Result<()> {
    out.reserve(text.len() + 10);
    out.push_str("E'");
    // Tokens, ids and emails are plain ASCII: copied in one piece.
    if text
        .bytes()
        .all(|b| b.is_ascii() && b != b'\'' && b != b'\\' && b != 0)
    {
        out.push_str(text);
    } else {
        for c in text.chars() {
            match c {
                '\0' => return Err(AdapterError::invalid("value", "contains a NUL byte")),
                '\'' => out.push_str("''"),
                '\\' => out.push_str("\\\\"),
                c if c.is_ascii() => out.push(c),
                c if u32::from(c) <= 0xFFFF => {
                    let _ = write!(out, "\\u{:04X}", u32::from(c));
                }
                c => {
                    let _ = write!(out, "\\U{:08X}", u32::from(c));
                }
            }
        }
    }
    out.push_str("'::text");
    Ok(())
}

/// `'YYYY-MM-DD HH:MM:SS.ffffff+00'::timestamptz` (or, with no `zone`, the UTC wall-clock
/// time as `'…'::timestamp`), `… BC` before year 1 (ISO year 0 is 1 BC). Any year chrono
/// holds is written out in full (PostgreSQL reads 5- and 6-digit years).
fn write_date(out: &mut String, date: &DateTime<Utc>, zone: &str, ty: &str) {
    let year = date.year();
    let (year, era) = if year <= 0 {
        (1 - i64::from(year), " BC")
    } else {
        (i64::from(year), "")
    };
    let _ = write!(
        out,
        "'{year:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:06}{zone}{era}'::{ty}",
        date.month(),
        date.day(),
        date.hour(),
        date.minute(),
        date.second(),
        date.timestamp_subsec_micros().min(999_999),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn literal(p: Param<'_>) -> String {
        let mut out = String::new();
        p.write_literal(&mut out).unwrap();
        out
    }

    #[test]
    fn text_arrays_are_arrays_of_escaped_text() {
        assert_eq!(literal(Param::TextArray(&[])), "ARRAY[]::text[]");
        let items = ["read".to_owned(), "it's".to_owned()];
        assert_eq!(
            literal(Param::TextArray(&items)),
            "ARRAY[E'read'::text,E'it''s'::text]::text[]"
        );
    }

    #[test]
    fn text_is_an_escape_string_of_pure_ascii() {
        assert_eq!(literal(Param::Text(Some("abc-123"))), "E'abc-123'::text");
        assert_eq!(literal(Param::Text(None)), "NULL::text");
        assert_eq!(
            literal(Param::Text(Some(r"O'Brien \' x"))),
            r"E'O''Brien \\'' x'::text"
        );
        assert_eq!(
            literal(Param::Text(Some("é😀\n"))),
            "E'\\u00E9\\U0001F600\n'::text"
        );
        // Whatever the input, the literal is ASCII and its quotes are balanced: every `'`
        // inside is doubled, so the string ends only at the last one.
        for evil in [
            "'; DROP TABLE users; --",
            "\\'; SELECT 1; --",
            "\u{5c}\u{27}",
            "\u{815c}'",
            "$$ $1 $tag$",
        ] {
            let out = literal(Param::Text(Some(evil)));
            assert!(out.is_ascii(), "{out}");
            let body = out
                .strip_prefix("E'")
                .and_then(|s| s.strip_suffix("'::text"))
                .unwrap();
            assert!(!body.replace("''", "").contains('\''), "{out}");
            assert!(!body.replace("\\\\", "").contains("\\'"), "{out}");
        }
    }

    #[test]
    fn a_nul_byte_is_refused() {
        let err = Param::Text(Some("a\0b"))
            .write_literal(&mut String::new())
            .unwrap_err();
        assert!(err.is_invalid_input(), "{err}");
    }

    #[test]
    fn numbers_and_flags_carry_their_type() {
        assert_eq!(literal(Param::Int4(-5)), "'-5'::int4");
        assert_eq!(
            literal(Param::Int8(Some(i64::MAX))),
            "'9223372036854775807'::int8"
        );
        assert_eq!(literal(Param::Int8(None)), "NULL::int8");
        assert_eq!(literal(Param::Float8(60_000.0)), "'60000'::float8");
        assert_eq!(literal(Param::Float8(0.5)), "'0.5'::float8");
        assert_eq!(
            literal(Param::Float8(f64::NEG_INFINITY)),
            "'-Infinity'::float8"
        );
        assert_eq!(literal(Param::Bool(true)), "true");
        assert_eq!(literal(Param::Bool(false)), "false");
    }

    #[test]
    fn dates_are_iso_with_microseconds_and_bc_years() {
        let d = DateTime::from_timestamp(1_795_000_409, 559_123_456).unwrap();
        assert_eq!(
            literal(Param::Date(Some(d))),
            "'2026-11-18 11:13:29.559123+00'::timestamptz"
        );
        let bc = NaiveDate::from_ymd_opt(-4713, 11, 24)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc();
        assert_eq!(
            literal(Param::Date(Some(bc))),
            "'4714-11-24 00:00:00.000000+00 BC'::timestamptz"
        );
        let far = NaiveDate::from_ymd_opt(262_142, 12, 31)
            .unwrap()
            .and_hms_milli_opt(23, 59, 59, 999)
            .unwrap()
            .and_utc();
        assert_eq!(
            literal(Param::Date(Some(far))),
            "'262142-12-31 23:59:59.999000+00'::timestamptz"
        );
        assert_eq!(literal(Param::Date(None)), "NULL::timestamptz");
        assert_eq!(
            literal(Param::Naive(Some(d))),
            "'2026-11-18 11:13:29.559123'::timestamp"
        );
        assert_eq!(
            literal(Param::Naive(Some(bc))),
            "'4714-11-24 00:00:00.000000 BC'::timestamp"
        );
        assert_eq!(literal(Param::Naive(None)), "NULL::timestamp");
    }
}
