//! Serde for dates the way Auth.js writes them: ISO-8601 UTC with milliseconds
//! (`2026-11-22T11:33:29.559Z`, what JavaScript's `Date.prototype.toJSON` prints).
//!
//! Reading accepts any RFC 3339 date. Use with `#[serde(with = "auth_adapter_core::dates")]`
//! or, for `Option`, `#[serde(with = "auth_adapter_core::dates::option")]`.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serializer};

/// Formats a date as JavaScript's `toISOString()` does.
pub fn to_iso(date: &DateTime<Utc>) -> String {
    date.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Parses an RFC 3339 date (any offset, any fraction) into UTC.
pub fn from_iso(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|d| d.with_timezone(&Utc))
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
}
