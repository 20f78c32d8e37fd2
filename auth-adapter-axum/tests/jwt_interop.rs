//! Interop with the real Auth.js: session JWTs encoded by `@auth/core/jwt` (Auth.js v5)
//! and `next-auth/jwt` (v4) are decoded here, and tokens encoded here are decoded by them,
//! through `node interop/jwt.mjs` (see its header for the protocol).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers may panic

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use auth_adapter_axum::jwt::{Claims, DEFAULT_MAX_AGE, JwtError, SessionJwt};
use auth_adapter_core::cookies::{SECURE_SESSION_COOKIE, SESSION_COOKIE};
use chrono::{TimeDelta, Utc};
use serde_json::{Map, Value, json};

/// How long one node run may take before it is killed and the test fails.
const NODE_TIMEOUT: Duration = Duration::from_secs(60);

fn interop_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../interop")
}

/// One request through `node interop/jwt.mjs`; its JSON answer.
fn node(request: &Value) -> Value {
    let dir = interop_dir();
    for package in ["@auth/core", "next-auth"] {
        assert!(
            dir.join("node_modules").join(package).is_dir(),
            "interop/node_modules/{package} is missing: run `npm ci --prefix interop` (or scripts/test)"
        );
    }
    let mut child = Command::new("node")
        .arg(dir.join("jwt.mjs"))
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "could not run `node` ({e}): install Node.js >= 20, then `npm ci --prefix interop`"
            )
        });
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(request.to_string().as_bytes()).unwrap();
    drop(stdin);

    // Both pipes are drained on threads, so neither can fill up and block node.
    let drain = |mut pipe: Box<dyn Read + Send>| {
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            let _ = sender.send(bytes);
        });
        receiver
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let deadline = Instant::now() + NODE_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            let stderr = stderr
                .recv_timeout(Duration::from_secs(1))
                .unwrap_or_default();
            panic!(
                "node interop/jwt.mjs did not finish within {NODE_TIMEOUT:?} and was killed; stderr: {}",
                String::from_utf8_lossy(&stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let stdout = stdout.recv().unwrap();
    let stderr = stderr.recv().unwrap();
    assert!(
        status.success(),
        "node interop/jwt.mjs failed ({status}): {}",
        String::from_utf8_lossy(&stderr)
    );
    serde_json::from_slice(&stdout).unwrap_or_else(|e| {
        panic!(
            "node interop/jwt.mjs printed no JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&stdout),
            String::from_utf8_lossy(&stderr)
        )
    })
}

/// A token from the npm package; `salt` is the cookie name (v5).
fn js_encode(
    version: &str,
    claims: &Value,
    secret: Value,
    salt: Option<&str>,
    max_age: i64,
) -> String {
    let mut request = json!({
        "op": "encode", "version": version, "claims": claims, "secret": secret, "maxAge": max_age,
    });
    if let Some(salt) = salt {
        request["salt"] = json!(salt);
    }
    let answer = node(&request);
    answer["token"]
        .as_str()
        .unwrap_or_else(|| panic!("no token: {answer}"))
        .to_owned()
}

/// The payload the npm package decodes, or its error (`{name, code, message}`).
fn js_decode(
    version: &str,
    token: &str,
    secret: Value,
    salt: Option<&str>,
) -> Result<Value, Value> {
    let mut request = json!({"op": "decode", "version": version, "token": token, "secret": secret});
    if let Some(salt) = salt {
        request["salt"] = json!(salt);
    }
    let mut answer = node(&request);
    match answer.get("claims") {
        Some(_) => Ok(answer["claims"].take()),
        None => Err(answer["error"].take()),
    }
}

fn user_claims() -> Value {
    json!({
        "sub": "3c0b9a4e-6a8e-4d7e-9a51-0d3b5c1c2f10",
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "picture": null,
        "role": "admin",
        "nested": {"list": [1, 2.5, "ü☃"], "flag": true, "none": null},
    })
}

/// The payload Rust encodes for `claims`, as JSON, for comparing with what JS decodes.
fn payload_of(claims: &Claims) -> Value {
    let mut map: Map<String, Value> = claims.extra.clone();
    for (key, value) in [
        ("sub", json!(claims.sub)),
        ("name", json!(claims.name)),
        ("email", json!(claims.email)),
        ("picture", json!(claims.picture)),
        ("iat", json!(claims.iat)),
        ("exp", json!(claims.exp)),
        ("jti", json!(claims.jti)),
    ] {
        map.insert(key.into(), value);
    }
    Value::Object(map)
}

fn rust_claims() -> Claims {
    let mut claims = Claims::for_user(
        "3c0b9a4e-6a8e-4d7e-9a51-0d3b5c1c2f10",
        Some("Ada Lovelace".into()),
        Some("ada@example.com".into()),
        None,
    );
    claims.extra.insert("role".into(), json!("admin"));
    claims.extra.insert(
        "nested".into(),
        json!({"list": [1, 2.5, "ü☃"], "flag": true, "none": null}),
    );
    claims
}

#[test]
fn auth_js_v5_tokens_are_read_by_rust() {
    for salt in [SESSION_COOKIE, SECURE_SESSION_COOKIE] {
        let token = js_encode("v5", &user_claims(), json!("the secret"), Some(salt), 3600);
        let jwt = SessionJwt::v5(["the secret"], salt).unwrap();
        let claims = jwt.decode(&token, Utc::now()).unwrap();

        let mut expected = user_claims();
        expected["iat"] = json!(claims.iat);
        expected["exp"] = json!(claims.exp);
        expected["jti"] = json!(claims.jti);
        assert_eq!(payload_of(&claims), expected, "salt {salt}");
        let (iat, exp) = (claims.iat.unwrap(), claims.exp.unwrap());
        assert_eq!(exp - iat, 3600);
        assert!((iat - Utc::now().timestamp()).abs() < 60, "iat is now");
        assert_eq!(
            claims.jti.as_deref().map(str::len),
            Some(36),
            "jti is a UUID"
        );

        // Another cookie name is another key.
        let other = if salt == SESSION_COOKIE {
            SECURE_SESSION_COOKIE
        } else {
            SESSION_COOKIE
        };
        let elsewhere = SessionJwt::v5(["the secret"], other).unwrap();
        assert_eq!(
            elsewhere.decode(&token, Utc::now()),
            Err(JwtError::UnknownKey)
        );
    }
}

#[test]
fn rust_v5_tokens_are_read_by_auth_js() {
    let jwt = SessionJwt::v5(["the secret"], SESSION_COOKIE).unwrap();
    let token = jwt
        .encode(&rust_claims(), DEFAULT_MAX_AGE, Utc::now())
        .unwrap();
    let written = jwt.decode(&token, Utc::now()).unwrap();
    let read = js_decode("v5", &token, json!("the secret"), Some(SESSION_COOKIE)).unwrap();
    assert_eq!(read, payload_of(&written));
    assert_eq!(
        read["exp"].as_i64().unwrap() - read["iat"].as_i64().unwrap(),
        30 * 24 * 3600
    );

    // A token re-issued on a session read is Auth.js's too, and keeps the app's claims.
    let reissued = jwt.encode(&written, DEFAULT_MAX_AGE, Utc::now()).unwrap();
    let read = js_decode("v5", &reissued, json!("the secret"), Some(SESSION_COOKIE)).unwrap();
    assert_eq!(read["role"], json!("admin"));
    assert_ne!(read["jti"], json!(written.jti));

    // Auth.js refuses what Rust refuses: another salt, a changed tag.
    let error = js_decode(
        "v5",
        &token,
        json!("the secret"),
        Some(SECURE_SESSION_COOKIE),
    )
    .unwrap_err();
    assert_eq!(error["message"], json!("no matching decryption secret"));
    let (head, tag) = token.rsplit_once('.').unwrap();
    let tampered = format!(
        "{head}.{}{}",
        if tag.starts_with('A') { "B" } else { "A" },
        &tag[1..]
    );
    assert!(js_decode("v5", &tampered, json!("the secret"), Some(SESSION_COOKIE)).is_err());
    assert!(jwt.decode(&tampered, Utc::now()).is_err());
}

#[test]
fn secret_rotation_works_across_sides() {
    let salt = Some(SESSION_COOKIE);
    // Auth.js issued with the old secret; the Rust side has rotated to [new, old].
    let from_js_old = js_encode("v5", &user_claims(), json!(["old"]), salt, 3600);
    let rotated = SessionJwt::v5(["new", "old"], SESSION_COOKIE).unwrap();
    assert_eq!(
        rotated
            .decode(&from_js_old, Utc::now())
            .unwrap()
            .email
            .as_deref(),
        Some("ada@example.com")
    );
    let only_new = SessionJwt::v5(["new"], SESSION_COOKIE).unwrap();
    assert_eq!(
        only_new.decode(&from_js_old, Utc::now()),
        Err(JwtError::UnknownKey)
    );

    // Rust issues with [new, old]: the new secret, which Auth.js finds by kid.
    let from_rust = rotated
        .encode(&rust_claims(), DEFAULT_MAX_AGE, Utc::now())
        .unwrap();
    for secrets in [json!(["new", "old"]), json!(["old", "new"]), json!("new")] {
        let read = js_decode("v5", &from_rust, secrets.clone(), salt)
            .unwrap_or_else(|e| panic!("Auth.js with {secrets} refused: {e}"));
        assert_eq!(read["sub"], json!(rust_claims().sub));
    }
    let error = js_decode("v5", &from_rust, json!("old"), salt).unwrap_err();
    assert_eq!(error["message"], json!("no matching decryption secret"));

    // Auth.js issues with [new, old]; Rust with only the old secret does not read it.
    let from_js_rotated = js_encode("v5", &user_claims(), json!(["new", "old"]), salt, 3600);
    assert!(only_new.decode(&from_js_rotated, Utc::now()).is_ok());
    let only_old = SessionJwt::v5(["old"], SESSION_COOKIE).unwrap();
    assert_eq!(
        only_old.decode(&from_js_rotated, Utc::now()),
        Err(JwtError::UnknownKey)
    );
}

#[test]
fn next_auth_v4_tokens_are_read_by_rust() {
    let token = js_encode("v4", &user_claims(), json!("the v4 secret"), None, 3600);
    let claims = SessionJwt::v4(["the v4 secret"])
        .unwrap()
        .decode(&token, Utc::now())
        .unwrap();
    let mut expected = user_claims();
    expected["iat"] = json!(claims.iat);
    expected["exp"] = json!(claims.exp);
    expected["jti"] = json!(claims.jti);
    assert_eq!(payload_of(&claims), expected);
    assert_eq!(claims.exp.unwrap() - claims.iat.unwrap(), 3600);

    // Not with another secret, and not as a v5 token (other key derivation).
    assert_eq!(
        SessionJwt::v4(["another"])
            .unwrap()
            .decode(&token, Utc::now()),
        Err(JwtError::Decryption)
    );
    let v5 = SessionJwt::v5(["the v4 secret"], "next-auth.session-token").unwrap();
    assert!(v5.decode(&token, Utc::now()).is_err());
}

#[test]
fn rust_v4_tokens_are_read_by_next_auth() {
    let jwt = SessionJwt::v4(["the v4 secret"]).unwrap();
    let token = jwt
        .encode(&rust_claims(), DEFAULT_MAX_AGE, Utc::now())
        .unwrap();
    let written = jwt.decode(&token, Utc::now()).unwrap();
    let read = js_decode("v4", &token, json!("the v4 secret"), None).unwrap();
    assert_eq!(read, payload_of(&written));

    // @auth/core does not take a v4 token, whatever the salt.
    for salt in ["", "next-auth.session-token", SESSION_COOKIE] {
        assert!(js_decode("v5", &token, json!("the v4 secret"), Some(salt)).is_err());
    }
    // next-auth v4 does not take a v5 token.
    let v5_token = SessionJwt::v5(["the v4 secret"], SESSION_COOKIE)
        .unwrap()
        .encode(&rust_claims(), DEFAULT_MAX_AGE, Utc::now())
        .unwrap();
    assert!(js_decode("v4", &v5_token, json!("the v4 secret"), None).is_err());
}

#[test]
fn both_sides_allow_the_same_clock_tolerance() {
    // exp 5 s ago: inside the 15 s tolerance on both sides; 30 s ago: outside on both.
    let jwt = SessionJwt::v5(["the secret"], SESSION_COOKIE).unwrap();
    let salt = Some(SESSION_COOKIE);

    let recent = js_encode("v5", &user_claims(), json!("the secret"), salt, -5);
    assert!(jwt.decode(&recent, Utc::now()).is_ok());
    let stale = js_encode("v5", &user_claims(), json!("the secret"), salt, -30);
    assert_eq!(jwt.decode(&stale, Utc::now()), Err(JwtError::Expired));

    let recent = jwt
        .encode(&rust_claims(), TimeDelta::seconds(-5), Utc::now())
        .unwrap();
    assert!(js_decode("v5", &recent, json!("the secret"), salt).is_ok());
    let stale = jwt
        .encode(&rust_claims(), TimeDelta::seconds(-30), Utc::now())
        .unwrap();
    let error = js_decode("v5", &stale, json!("the secret"), salt).unwrap_err();
    assert_eq!(error["code"], json!("ERR_JWT_EXPIRED"));

    let v4 = SessionJwt::v4(["the secret"]).unwrap();
    let stale = js_encode("v4", &user_claims(), json!("the secret"), None, -30);
    assert_eq!(v4.decode(&stale, Utc::now()), Err(JwtError::Expired));
    let stale = v4
        .encode(&rust_claims(), TimeDelta::seconds(-30), Utc::now())
        .unwrap();
    let error = js_decode("v4", &stale, json!("the secret"), None).unwrap_err();
    assert_eq!(error["code"], json!("ERR_JWT_EXPIRED"));
}
