//! Models serialize with the Auth.js field names and date format, and `Debug` hides secrets.

#![allow(clippy::unwrap_used)] // a test helper: a panic is a failed test

use auth_adapter_core::{
    AccountType, AdapterAccount, AdapterAuthenticator, AdapterSession, AdapterUser,
    VerificationToken,
};
use chrono::DateTime;
use serde_json::json;

fn at(ms: i64) -> chrono::DateTime<chrono::Utc> {
    DateTime::from_timestamp_millis(ms).unwrap()
}

#[test]
fn user_uses_authjs_names_and_js_dates() {
    let user = AdapterUser {
        id: "1".into(),
        name: None,
        email: Some("a@b.c".into()),
        email_verified: Some(at(1_763_811_209_559)),
        image: None,
    };
    let value = serde_json::to_value(&user).unwrap();
    assert_eq!(
        value,
        json!({"id": "1", "name": null, "email": "a@b.c",
               "emailVerified": "2025-11-22T11:33:29.559Z", "image": null})
    );
    assert_eq!(serde_json::from_value::<AdapterUser>(value).unwrap(), user);
}

#[test]
fn account_mixes_camel_and_snake_case_like_authjs() {
    let mut account = AdapterAccount::new("1", AccountType::Oidc, "google", "77");
    account.access_token = Some("ya29.secret".into());
    account.expires_at = Some(1_763_811_209);
    let value = serde_json::to_value(&account).unwrap();
    assert_eq!(value["userId"], "1");
    assert_eq!(value["type"], "oidc");
    assert_eq!(value["providerAccountId"], "77");
    assert_eq!(value["expires_at"], 1_763_811_209);
    assert_eq!(value["access_token"], "ya29.secret");
    // A type written by another client is kept, not rejected.
    let mut other = value.clone();
    other["type"] = json!("saml");
    let read: AdapterAccount = serde_json::from_value(other).unwrap();
    assert_eq!(read.account_type, AccountType::Other("saml".into()));
    assert_eq!(serde_json::to_value(&read).unwrap()["type"], "saml");
}

#[test]
fn session_token_and_authenticator_names() {
    let session = AdapterSession {
        session_token: "s".into(),
        user_id: "1".into(),
        expires: at(0),
    };
    assert_eq!(
        serde_json::to_value(&session).unwrap(),
        json!({"sessionToken": "s", "userId": "1", "expires": "1970-01-01T00:00:00.000Z"})
    );
    let token = VerificationToken {
        identifier: "a@b.c".into(),
        token: "h".into(),
        expires: at(0),
    };
    assert_eq!(
        serde_json::to_value(&token).unwrap(),
        json!({"identifier": "a@b.c", "token": "h", "expires": "1970-01-01T00:00:00.000Z"})
    );
    let authenticator = AdapterAuthenticator {
        credential_id: "Y3JlZA==".into(),
        user_id: "1".into(),
        provider_account_id: "Y3JlZA==".into(),
        credential_public_key: "pk".into(),
        counter: 3,
        credential_device_type: "singleDevice".into(),
        credential_backed_up: true,
        transports: Some("usb,nfc".into()),
    };
    let value = serde_json::to_value(&authenticator).unwrap();
    for key in [
        "credentialID",
        "userId",
        "providerAccountId",
        "credentialPublicKey",
        "counter",
        "credentialDeviceType",
        "credentialBackedUp",
        "transports",
    ] {
        assert!(value.get(key).is_some(), "missing {key} in {value}");
    }
    assert_eq!(value["credentialBackedUp"], true);
}

#[test]
fn debug_never_prints_secrets() {
    let mut account = AdapterAccount::new("1", AccountType::Oauth, "github", "42");
    account.access_token = Some("gho_SECRET_ACCESS".into());
    account.refresh_token = Some("ghr_SECRET_REFRESH".into());
    account.id_token = Some("eyJ_SECRET_ID".into());
    let session = AdapterSession {
        session_token: "SECRET-SESSION".into(),
        user_id: "1".into(),
        expires: at(0),
    };
    let token = VerificationToken {
        identifier: "a@b.c".into(),
        token: "SECRET-HASH".into(),
        expires: at(0),
    };
    let printed = format!("{account:?} {session:?} {token:?}");
    for secret in [
        "SECRET_ACCESS",
        "SECRET_REFRESH",
        "SECRET_ID",
        "SECRET-SESSION",
        "SECRET-HASH",
    ] {
        assert!(!printed.contains(secret), "{secret} leaked: {printed}");
    }
    assert!(printed.contains("github") && printed.contains("a@b.c"));
}
