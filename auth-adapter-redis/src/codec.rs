//! JSON values as the JS adapters write and read them.
//!
//! Writing: the Auth.js field names, dates as ISO-8601 UTC with milliseconds, numbers as
//! numbers, booleans as booleans. Reading is lenient about what another client may have
//! written (extra fields are ignored and kept on update, missing optional fields are `None`,
//! dates with or without fractional seconds or with an offset, numbers written as floats)
//! and strict about the rest: a value that cannot be read is a permanent
//! [`AdapterError::Backend`] that names the kind of key and the field, never the value.

use std::fmt;

use auth_adapter_core::{
    AccountType, AccountUpdate, AdapterAccount, AdapterAuthenticator, AdapterError, AdapterSession,
    AdapterUser, UserUpdate, VerificationToken, backend::dates,
};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::{Map, Value};

/// Why a stored value could not be read: the kind of key and what was wrong, without the
/// value itself (it may hold a secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Malformed {
    kind: &'static str,
    detail: String,
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "malformed {} value: {}", self.kind, self.detail)
    }
}

impl std::error::Error for Malformed {}

pub(crate) fn malformed(kind: &'static str, detail: impl Into<String>) -> AdapterError {
    let m = Malformed {
        kind,
        detail: detail.into(),
    };
    AdapterError::backend(
        format!("cannot read a {kind} stored in Redis (written by another client?)"),
        m,
    )
}

pub(crate) const USER: &str = "user";
pub(crate) const ACCOUNT: &str = "account";
pub(crate) const SESSION: &str = "session";
pub(crate) const TOKEN: &str = "verification token";
pub(crate) const AUTHENTICATOR: &str = "authenticator";
pub(crate) const AUTHENTICATOR_LIST: &str = "authenticator list";

fn parse_object(kind: &'static str, raw: &str) -> Result<Map<String, Value>, AdapterError> {
    match serde_json::from_str::<Value>(raw) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(malformed(kind, "not a JSON object")),
        // serde_json's messages can quote the input: keep only where and what kind.
        Err(e) => Err(malformed(
            kind,
            format!(
                "invalid JSON ({:?} error at line {} column {})",
                e.classify(),
                e.line(),
                e.column()
            ),
        )),
    }
}

/// Parses a date as JavaScript's `Date` revives it: RFC 3339 with any fraction and offset,
/// also without seconds (`2026-11-22T11:33Z`), which Auth.js' `isDate` accepts.
pub(crate) fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    if let Some(d) = dates::from_iso(text) {
        return Some(d);
    }
    let (local, offset) = if let Some(local) = text.strip_suffix('Z') {
        (local, "+00:00")
    } else if text.len() > 6 {
        text.split_at(text.len() - 6)
    } else {
        return None;
    };
    let naive = NaiveDateTime::parse_from_str(local, "%Y-%m-%dT%H:%M").ok()?;
    let with_seconds = format!("{}:00{offset}", naive.format("%Y-%m-%dT%H:%M"));
    dates::from_iso(&with_seconds)
}

struct Fields<'a> {
    kind: &'static str,
    map: &'a Map<String, Value>,
}

impl<'a> Fields<'a> {
    fn get(&self, name: &str) -> Option<&'a Value> {
        match self.map.get(name) {
            None | Some(Value::Null) => None,
            Some(v) => Some(v),
        }
    }

    fn bad(&self, name: &str, what: &str) -> AdapterError {
        malformed(self.kind, format!("field `{name}` {what}"))
    }

    fn opt_str(&self, name: &str) -> Result<Option<String>, AdapterError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(self.bad(name, "is not a string")),
        }
    }

    fn str(&self, name: &str) -> Result<String, AdapterError> {
        self.opt_str(name)?
            .ok_or_else(|| self.bad(name, "is missing"))
    }

    fn opt_date(&self, name: &str) -> Result<Option<DateTime<Utc>>, AdapterError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => parse_date(s)
                .map(Some)
                .ok_or_else(|| self.bad(name, "is not an ISO-8601 date")),
            Some(_) => Err(self.bad(name, "is not a date string")),
        }
    }

    fn date(&self, name: &str) -> Result<DateTime<Utc>, AdapterError> {
        self.opt_date(name)?
            .ok_or_else(|| self.bad(name, "is missing"))
    }

    fn opt_i64(&self, name: &str) -> Result<Option<i64>, AdapterError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .or_else(|| {
                    n.as_f64()
                        .filter(|f| f.is_finite() && f.abs() < 9.0e15)
                        .map(|f| f.trunc() as i64)
                })
                .map(Some)
                .ok_or_else(|| self.bad(name, "is not an integer")),
            Some(Value::String(s)) => s
                .parse::<i64>()
                .map(Some)
                .map_err(|_| self.bad(name, "is not an integer")),
            Some(_) => Err(self.bad(name, "is not a number")),
        }
    }

    fn u32(&self, name: &str) -> Result<u32, AdapterError> {
        let v = self
            .opt_i64(name)?
            .ok_or_else(|| self.bad(name, "is missing"))?;
        u32::try_from(v).map_err(|_| self.bad(name, "is out of range"))
    }

    fn bool(&self, name: &str) -> Result<bool, AdapterError> {
        match self.get(name) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(Value::Number(n)) => Ok(n.as_f64().is_some_and(|f| f != 0.0)),
            Some(Value::String(s)) if s == "true" || s == "1" => Ok(true),
            Some(Value::String(s)) if s == "false" || s == "0" => Ok(false),
            Some(_) => Err(self.bad(name, "is not a boolean")),
        }
    }
}

fn to_string(value: &impl serde::Serialize) -> String {
    // Serializing these plain structs and maps cannot fail (string keys, no maps with
    // non-string keys, no custom serializers that error).
    serde_json::to_string(value).unwrap_or_default()
}

// ---- users ------------------------------------------------------------------------------

pub(crate) fn encode_user(user: &AdapterUser) -> String {
    to_string(user)
}

fn user_from(map: &Map<String, Value>) -> Result<AdapterUser, AdapterError> {
    let f = Fields { kind: USER, map };
    Ok(AdapterUser {
        id: f.str("id")?,
        name: f.opt_str("name")?,
        email: f.opt_str("email")?,
        email_verified: f.opt_date("emailVerified")?,
        image: f.opt_str("image")?,
    })
}

pub(crate) fn decode_user(raw: &str) -> Result<AdapterUser, AdapterError> {
    user_from(&parse_object(USER, raw)?)
}

fn set_opt_str(map: &mut Map<String, Value>, name: &str, value: &Option<String>) {
    map.insert(
        name.to_owned(),
        value.clone().map_or(Value::Null, Value::String),
    );
}

/// Applies `update` to a stored user, keeping fields this crate does not know.
/// Returns the new JSON and the new user.
pub(crate) fn merge_user(
    raw: &str,
    update: &UserUpdate,
) -> Result<(String, AdapterUser), AdapterError> {
    let mut map = parse_object(USER, raw)?;
    // Validate what is there before changing it.
    user_from(&map)?;
    if let Some(v) = &update.name {
        set_opt_str(&mut map, "name", v);
    }
    if let Some(v) = &update.email {
        set_opt_str(&mut map, "email", v);
    }
    if let Some(v) = &update.email_verified {
        map.insert(
            "emailVerified".to_owned(),
            v.map_or(Value::Null, |d| Value::String(dates::to_iso(&d))),
        );
    }
    if let Some(v) = &update.image {
        set_opt_str(&mut map, "image", v);
    }
    let user = user_from(&map)?;
    Ok((to_string(&map), user))
}

// ---- accounts ---------------------------------------------------------------------------

/// As the JS adapters write an account: its fields, absent token fields as `null` (what
/// `JSON.stringify` makes of the account Auth.js passes), and `id:
/// "{provider}:{providerAccountId}"`.
pub(crate) fn encode_account(account: &AdapterAccount) -> String {
    let mut map = Map::new();
    map.insert("userId".into(), Value::String(account.user_id.clone()));
    map.insert(
        "type".into(),
        Value::String(account.account_type.as_str().to_owned()),
    );
    map.insert("provider".into(), Value::String(account.provider.clone()));
    map.insert(
        "providerAccountId".into(),
        Value::String(account.provider_account_id.clone()),
    );
    write_account_tokens(&mut map, account);
    map.insert(
        "id".into(),
        Value::String(format!(
            "{}:{}",
            account.provider, account.provider_account_id
        )),
    );
    to_string(&map)
}

fn write_account_tokens(map: &mut Map<String, Value>, a: &AdapterAccount) {
    let strings = [
        ("refresh_token", &a.refresh_token),
        ("access_token", &a.access_token),
        ("token_type", &a.token_type),
        ("scope", &a.scope),
        ("id_token", &a.id_token),
        ("session_state", &a.session_state),
    ];
    for (name, value) in strings {
        map.insert(
            name.into(),
            value.clone().map_or(Value::Null, Value::String),
        );
    }
    map.insert(
        "expires_at".into(),
        a.expires_at.map_or(Value::Null, Value::from),
    );
}

fn account_from(map: &Map<String, Value>) -> Result<AdapterAccount, AdapterError> {
    let f = Fields { kind: ACCOUNT, map };
    Ok(AdapterAccount {
        user_id: f.str("userId")?,
        account_type: AccountType::from(f.str("type")?),
        provider: f.str("provider")?,
        provider_account_id: f.str("providerAccountId")?,
        refresh_token: f.opt_str("refresh_token")?,
        access_token: f.opt_str("access_token")?,
        expires_at: f.opt_i64("expires_at")?,
        token_type: f.opt_str("token_type")?,
        scope: f.opt_str("scope")?,
        id_token: f.opt_str("id_token")?,
        session_state: f.opt_str("session_state")?,
    })
}

pub(crate) fn decode_account(raw: &str) -> Result<AdapterAccount, AdapterError> {
    account_from(&parse_object(ACCOUNT, raw)?)
}

pub(crate) fn merge_account(
    raw: &str,
    update: &AccountUpdate,
) -> Result<(String, AdapterAccount), AdapterError> {
    let mut map = parse_object(ACCOUNT, raw)?;
    let mut account = account_from(&map)?;
    update.apply_to(&mut account);
    write_account_tokens(&mut map, &account);
    Ok((to_string(&map), account))
}

// ---- sessions ---------------------------------------------------------------------------

pub(crate) fn encode_session(session: &AdapterSession) -> String {
    to_string(session)
}

fn session_from(map: &Map<String, Value>) -> Result<AdapterSession, AdapterError> {
    let f = Fields { kind: SESSION, map };
    Ok(AdapterSession {
        session_token: f.str("sessionToken")?,
        user_id: f.str("userId")?,
        expires: f.date("expires")?,
    })
}

pub(crate) fn decode_session(raw: &str) -> Result<AdapterSession, AdapterError> {
    session_from(&parse_object(SESSION, raw)?)
}

pub(crate) fn merge_session(
    raw: &str,
    expires: DateTime<Utc>,
) -> Result<(String, AdapterSession), AdapterError> {
    let mut map = parse_object(SESSION, raw)?;
    session_from(&map)?;
    map.insert("expires".into(), Value::String(dates::to_iso(&expires)));
    let session = session_from(&map)?;
    Ok((to_string(&map), session))
}

// ---- verification tokens ----------------------------------------------------------------

pub(crate) fn encode_token(token: &VerificationToken) -> String {
    to_string(token)
}

pub(crate) fn decode_token(raw: &str) -> Result<VerificationToken, AdapterError> {
    let map = parse_object(TOKEN, raw)?;
    let f = Fields {
        kind: TOKEN,
        map: &map,
    };
    Ok(VerificationToken {
        identifier: f.str("identifier")?,
        token: f.str("token")?,
        expires: f.date("expires")?,
    })
}

// ---- authenticators ---------------------------------------------------------------------

pub(crate) fn encode_authenticator(a: &AdapterAuthenticator) -> String {
    to_string(a)
}

fn authenticator_from(map: &Map<String, Value>) -> Result<AdapterAuthenticator, AdapterError> {
    let f = Fields {
        kind: AUTHENTICATOR,
        map,
    };
    Ok(AdapterAuthenticator {
        credential_id: f.str("credentialID")?,
        user_id: f.str("userId")?,
        provider_account_id: f.str("providerAccountId")?,
        credential_public_key: f.str("credentialPublicKey")?,
        counter: f.u32("counter")?,
        credential_device_type: f.str("credentialDeviceType")?,
        credential_backed_up: f.bool("credentialBackedUp")?,
        transports: f.opt_str("transports")?,
    })
}

pub(crate) fn decode_authenticator(raw: &str) -> Result<AdapterAuthenticator, AdapterError> {
    authenticator_from(&parse_object(AUTHENTICATOR, raw)?)
}

pub(crate) fn merge_counter(
    raw: &str,
    counter: u32,
) -> Result<(String, AdapterAuthenticator), AdapterError> {
    let mut map = parse_object(AUTHENTICATOR, raw)?;
    authenticator_from(&map)?;
    map.insert("counter".into(), Value::from(counter));
    let a = authenticator_from(&map)?;
    Ok((to_string(&map), a))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_dates_the_way_javascript_revives_them() {
        let ms = parse_date("2026-11-22T11:33:29.559Z").unwrap();
        let whole = parse_date("2026-11-22T11:33:29Z").unwrap();
        assert_eq!(ms.timestamp_millis() - whole.timestamp_millis(), 559);
        assert_eq!(parse_date("2026-11-22T12:33:29.559+01:00"), Some(ms));
        assert_eq!(
            parse_date("2026-11-22T12:33+01:00"),
            parse_date("2026-11-22T11:33:00Z")
        );
        assert_eq!(
            parse_date("2026-11-22T11:33Z"),
            parse_date("2026-11-22T11:33:00Z")
        );
        assert_eq!(parse_date("yesterday"), None);
    }

    #[test]
    fn reads_what_javascript_writes() {
        let user = decode_user(
            r#"{"email":"a@b.c","emailVerified":"2026-11-22T11:33:29.559Z","id":"u1","role":"admin"}"#,
        )
        .unwrap();
        assert_eq!(user.id, "u1");
        assert_eq!(user.name, None);
        assert!(user.email_verified.is_some());

        let a = decode_authenticator(
            r#"{"credentialID":"c","userId":"u","providerAccountId":"c","credentialPublicKey":"k","counter":3,"credentialDeviceType":"platform","credentialBackedUp":true}"#,
        )
        .unwrap();
        assert_eq!(
            (a.counter, a.credential_backed_up, a.transports),
            (3, true, None)
        );

        let acc = decode_account(
            r#"{"userId":"u","type":"oauth","provider":"github","providerAccountId":"1","expires_at":2592000.0,"id":"github:1","extra":1}"#,
        )
        .unwrap();
        assert_eq!(acc.expires_at, Some(2_592_000));
    }

    #[test]
    fn a_malformed_value_names_the_kind_and_field_but_not_the_value() {
        let err =
            decode_session(r#"{"sessionToken":"s3cr3t","userId":"u","expires":"s3cr3t-date"}"#)
                .unwrap_err();
        let text = format!(
            "{err} / {:?}",
            std::error::Error::source(&err).map(|s| s.to_string())
        );
        assert!(
            text.contains("session") && text.contains("expires"),
            "{text}"
        );
        assert!(!text.contains("s3cr3t"), "{text}");
        assert!(!err.is_transient());

        let err = decode_token("not json s3cr3t").unwrap_err();
        let text = format!(
            "{err} / {:?}",
            std::error::Error::source(&err).map(|s| s.to_string())
        );
        assert!(!text.contains("s3cr3t"), "{text}");
    }

    #[test]
    fn merging_keeps_unknown_fields() {
        let (raw, user) = merge_user(
            r#"{"id":"u","email":"a@b.c","role":"admin"}"#,
            &UserUpdate::new("u").name(Some("Ada".into())),
        )
        .unwrap();
        assert_eq!(user.name.as_deref(), Some("Ada"));
        let v: Value = serde_json::from_str(&raw).unwrap();
        assert_eq!(v["role"], "admin");
    }

    #[test]
    fn accounts_carry_the_js_id_and_null_for_absent_tokens() {
        let mut a = AdapterAccount::new("u", AccountType::Oauth, "github", "42");
        a.expires_at = Some(7);
        let v: Value = serde_json::from_str(&encode_account(&a)).unwrap();
        assert_eq!(v["id"], "github:42");
        assert_eq!(v["expires_at"], 7);
        for name in [
            "access_token",
            "refresh_token",
            "token_type",
            "scope",
            "id_token",
            "session_state",
        ] {
            assert_eq!(v.get(name), Some(&Value::Null), "{name}");
        }
        assert_eq!(decode_account(&encode_account(&a)).unwrap(), a);
    }
}
