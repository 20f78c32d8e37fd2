//! Serde for dates the way Auth.js writes them: ISO-8601 UTC with milliseconds
//! (`2026-11-22T11:33:29.559Z`, what JavaScript's `Date.prototype.toJSON` prints).
//!
//! Reading accepts any RFC 3339 date, and the expanded years JavaScript writes outside
//! 0000–9999 (`+010000-01-01T00:00:00.000Z`, `-000001-…`). Use with
//! `#[serde(with = "auth_adapter_core::dates")]` or, for `Option`,
//! `#[serde(with = "auth_adapter_core::dates::option")]`.
//!
//! The dates a backend accepts are those in [`MIN`]`..=`[`MAX`]: what both a JavaScript
//! `Date` and a PostgreSQL `timestamptz` can hold. [`crate::backend::validate`] rejects the others
//! before any write, so every backend reads back whatever it wrote.

use chrono::{DateTime, Datelike, NaiveDate, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serializer};

/// The earliest date every backend stores: 4714-11-24 BC 00:00 UTC (ISO year -4713), the
/// first instant of PostgreSQL's `timestamptz` (JavaScript reaches further back).
pub const MIN: DateTime<Utc> = match NaiveDate::from_ymd_opt(-4713, 11, 24) {
    Some(d) => match d.and_hms_opt(0, 0, 0) {
        Some(t) => t.and_utc(),
        None => DateTime::<Utc>::MIN_UTC,
    },
    None => DateTime::<Utc>::MIN_UTC,
};

/// The latest date every backend stores: +262142-12-31 23:59:59.999 UTC, the last whole
/// millisecond `chrono` represents (a JavaScript `Date` reaches +275760-09-13 and
/// PostgreSQL +294276; neither limit can be reached from Rust).
pub const MAX: DateTime<Utc> =
    match DateTime::from_timestamp_millis(DateTime::<Utc>::MAX_UTC.timestamp_millis()) {
        Some(d) => d,
        None => DateTime::<Utc>::MAX_UTC,
    };

/// Whether `date` lies in [`MIN`]`..=`[`MAX`].
pub fn in_range(date: &DateTime<Utc>) -> bool {
    (MIN..=MAX).contains(date)
}

/// Formats a date as JavaScript's `toISOString()` does: four-digit years for 0000–9999,
/// otherwise a sign and six digits.
pub fn to_iso(date: &DateTime<Utc>) -> String {
    let year = date.year();
    if (0..=9999).contains(&year) {
        return date.to_rfc3339_opts(SecondsFormat::Millis, true);
    }
    let sign = if year < 0 { '-' } else { '+' };
    format!(
        "{sign}{:06}-{}",
        year.unsigned_abs(),
        date.format("%m-%dT%H:%M:%S%.3fZ")
    )
}

/// Parses an RFC 3339 date (any offset, any fraction) into UTC, or one with JavaScript's
/// expanded year (`±YYYYYY-…`; `-000000` is refused, as JavaScript refuses it).
pub fn from_iso(text: &str) -> Option<DateTime<Utc>> {
    if let Some(sign @ ('+' | '-')) = text.chars().next() {
        return from_expanded(sign, &text[1..]);
    }
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

fn from_expanded(sign: char, rest: &str) -> Option<DateTime<Utc>> {
    let (digits, tail) = (rest.get(..6)?, rest.get(6..)?);
    if !digits.bytes().all(|b| b.is_ascii_digit()) || !tail.starts_with('-') {
        return None;
    }
    let magnitude: i32 = digits.parse().ok()?;
    let year = if sign == '-' {
        if magnitude == 0 {
            return None;
        }
        -magnitude
    } else {
        magnitude
    };
    // Parse the rest against a leap year with four digits, then move to the real year:
    // the offset is applied afterwards, so the day may shift across the year boundary.
    let probe = DateTime::parse_from_rfc3339(&format!("2000{tail}")).ok()?;
    let local = probe.naive_local().with_year(year)?;
    let utc = local.checked_sub_offset(*probe.offset())?;
    Some(utc.and_utc())
}

/// Truncates a date to whole seconds: what a cookie's `Expires` and a JWT's `exp` carry,
/// and all the MySQL Drizzle layout's `TIMESTAMP` expiries keep.
pub fn truncate_to_seconds(date: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(date.timestamp(), 0).unwrap_or(date)
}

/// Truncates a date to whole milliseconds, the precision every backend keeps.
pub fn truncate_to_millis(date: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(date.timestamp_millis()).unwrap_or(date)
}

/// Serializes a date as ISO-8601 UTC with milliseconds.
pub fn serialize<S: Serializer>(date: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&to_iso(date))
}

/// Deserializes an RFC 3339 date.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DateTime<Utc>, D::Error> {
    let text = String::deserialize(deserializer)?;
    from_iso(&text).ok_or_else(|| serde::de::Error::custom("expected an ISO-8601 date"))
}

/// The same for `Option<DateTime<Utc>>` (`null` for `None`).
pub mod option {
    use super::*;

    /// Serializes an optional date.
    pub fn serialize<S: Serializer>(
        date: &Option<DateTime<Utc>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match date {
            Some(d) => serializer.serialize_some(&to_iso(d)),
            None => serializer.serialize_none(),
        }
    }

    /// Deserializes an optional date.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<DateTime<Utc>>, D::Error> {
        match Option::<String>::deserialize(deserializer)? {
            None => Ok(None),
            Some(text) => from_iso(&text)
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom("expected an ISO-8601 date")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_javascript() {
        let d = DateTime::from_timestamp_millis(1_795_000_409_559).unwrap();
        assert_eq!(to_iso(&d), "2026-11-18T11:13:29.559Z");
        assert_eq!(from_iso("2026-11-18T11:13:29.559Z"), Some(d));
        assert_eq!(from_iso("2026-11-18T12:13:29.559+01:00"), Some(d));
        assert_eq!(from_iso("not a date"), None);
    }

    #[test]
    fn expanded_years_round_trip_like_javascript() {
        // As `new Date(Date.UTC(262142, 11, 31, 23, 59, 59, 999)).toISOString()` prints it.
        assert_eq!(to_iso(&MAX), "+262142-12-31T23:59:59.999Z");
        assert_eq!(from_iso("+262142-12-31T23:59:59.999Z"), Some(MAX));
        // Beyond chrono's range (a JavaScript `Date` can hold it): not a date here.
        assert_eq!(from_iso("+275760-09-13T00:00:00.000Z"), None);
        let y10k = from_iso("+010000-01-01T00:00:00.000Z").unwrap();
        assert_eq!(y10k.year(), 10000);
        assert_eq!(to_iso(&y10k), "+010000-01-01T00:00:00.000Z");
        let bc = from_iso("-000001-12-31T23:59:59.999Z").unwrap();
        assert_eq!(bc.year(), -1);
        assert_eq!(to_iso(&bc), "-000001-12-31T23:59:59.999Z");
        assert_eq!(to_iso(&MIN), "-004713-11-24T00:00:00.000Z");
        assert_eq!(from_iso(&to_iso(&MIN)), Some(MIN));
        assert_eq!(
            from_iso("+010000-01-01T01:00:00.000+02:00").map(|d| d.year()),
            Some(9999)
        );
        assert_eq!(from_iso("-000000-01-01T00:00:00.000Z"), None);
        assert_eq!(from_iso("+10000-01-01T00:00:00.000Z"), None);
        assert_eq!(from_iso("+010000-02-30T00:00:00.000Z"), None);
        // Year 0 and 9999 keep four digits, as in JavaScript.
        let zero = from_iso("0000-01-01T00:00:00.000Z").unwrap();
        assert_eq!(to_iso(&zero), "0000-01-01T00:00:00.000Z");
    }

    #[test]
    fn the_range_is_what_javascript_and_postgres_both_hold() {
        assert!(in_range(&MIN) && in_range(&MAX));
        assert!(!in_range(&DateTime::<Utc>::MAX_UTC));
        assert!(!in_range(&(MIN - chrono::TimeDelta::milliseconds(1))));
        assert!(!in_range(&DateTime::<Utc>::MIN_UTC));
    }
}
