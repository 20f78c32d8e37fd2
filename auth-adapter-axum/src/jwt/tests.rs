use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeDelta, Utc};
use proptest::prelude::*;
use rand::Rng;
use serde_json::{Value, json};

use super::*;

const SALT: &str = "authjs.session-token";
const SECRET: &str = "a secret only the tests know 0123456789";

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).unwrap()
}

fn now() -> DateTime<Utc> {
    at(1_800_000_000)
}

fn v5() -> SessionJwt {
    SessionJwt::v5([SECRET], SALT).unwrap()
}

fn v4() -> SessionJwt {
    SessionJwt::v4([SECRET]).unwrap()
}

fn claims() -> Claims {
    let mut claims = Claims::for_user(
        "user-1",
        Some("Ada Lovelace".into()),
        Some("ada@example.com".into()),
        Some("https://example.com/ada.png".into()),
    );
    claims.extra.insert("role".into(), json!("admin"));
    claims
        .extra
        .insert("nested".into(), json!({"a": [1, 2, {"b": null}], "ü": "☃"}));
    claims
}

fn header(token: &str) -> Value {
    let segment = token.split('.').next().unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(segment).unwrap()).unwrap()
}

/// A token whose segment `index` is replaced.
fn with_segment(token: &str, index: usize, segment: &str) -> String {
    let mut segments: Vec<&str> = token.split('.').collect();
    segments[index] = segment;
    segments.join(".")
}

/// The segment with its first byte changed (re-encoded, so still valid base64url).
fn altered(segment: &str) -> String {
    let mut bytes = URL_SAFE_NO_PAD.decode(segment).unwrap();
    bytes[0] ^= 1;
    URL_SAFE_NO_PAD.encode(bytes)
}

#[test]
fn v5_round_trip_keeps_every_claim() {
    let token = v5().encode(&claims(), TimeDelta::hours(1), now()).unwrap();
    let read = v5().decode(&token, now()).unwrap();
    let expected = Claims {
        iat: Some(now().timestamp()),
        exp: Some(now().timestamp() + 3600),
        jti: read.jti.clone(),
        ..claims()
    };
    assert_eq!(read, expected);
    assert_eq!(read.jti.as_deref().map(str::len), Some(36)); // a UUID
}

#[test]
fn v4_round_trip_keeps_every_claim() {
    let token = v4().encode(&claims(), DEFAULT_MAX_AGE, now()).unwrap();
    let read = v4().decode(&token, now()).unwrap();
    assert_eq!(read.sub, claims().sub);
    assert_eq!(read.extra, claims().extra);
    assert_eq!(read.exp, Some(now().timestamp() + 30 * 24 * 3600));
}

#[test]
fn v5_header_is_what_auth_js_writes() {
    let jwt = v5();
    let token = jwt.encode(&claims(), DEFAULT_MAX_AGE, now()).unwrap();
    let Keys::V5(keys) = &jwt.keys else {
        unreachable!()
    };
    assert_eq!(
        header(&token),
        json!({"alg": "dir", "enc": "A256CBC-HS512", "kid": keys[0].cbc_kid})
    );
    let segments: Vec<&str> = token.split('.').collect();
    assert_eq!(segments.len(), 5);
    assert_eq!(segments[1], "", "dir has no encrypted key");
    assert_eq!(URL_SAFE_NO_PAD.decode(segments[2]).unwrap().len(), 16);
    assert_eq!(URL_SAFE_NO_PAD.decode(segments[4]).unwrap().len(), 32);
}

#[test]
fn v4_header_is_what_next_auth_writes() {
    let token = v4().encode(&claims(), DEFAULT_MAX_AGE, now()).unwrap();
    assert_eq!(header(&token), json!({"alg": "dir", "enc": "A256GCM"}));
    let segments: Vec<&str> = token.split('.').collect();
    assert_eq!(URL_SAFE_NO_PAD.decode(segments[2]).unwrap().len(), 12);
    assert_eq!(URL_SAFE_NO_PAD.decode(segments[4]).unwrap().len(), 16);
}

#[test]
fn each_encoding_is_fresh() {
    let jwt = v5();
    let a = jwt.encode(&claims(), DEFAULT_MAX_AGE, now()).unwrap();
    let b = jwt.encode(&claims(), DEFAULT_MAX_AGE, now()).unwrap();
    assert_ne!(a, b, "random IV and jti");
    assert_ne!(
        jwt.decode(&a, now()).unwrap().jti,
        jwt.decode(&b, now()).unwrap().jti
    );
}

#[test]
fn reissue_slides_the_expiry() {
    let jwt = v5();
    let first = jwt.encode(&claims(), DEFAULT_MAX_AGE, now()).unwrap();
    let later = now() + TimeDelta::days(29);
    let read = jwt.decode(&first, later).unwrap();
    let second = jwt.encode(&read, DEFAULT_MAX_AGE, later).unwrap();
    let reread = jwt.decode(&second, later + TimeDelta::days(29)).unwrap();
    assert_eq!(reread.exp, Some((later + DEFAULT_MAX_AGE).timestamp()));
    assert_eq!(reread.iat, Some(later.timestamp()));
    assert_ne!(reread.jti, read.jti);
    assert_eq!((reread.sub, reread.extra), (claims().sub, claims().extra));
    assert_eq!(
        jwt.decode(&first, later + TimeDelta::days(29)),
        Err(JwtError::Expired)
    );
}

#[test]
fn expiry_has_fifteen_seconds_of_tolerance() {
    for jwt in [v5(), v4()] {
        let token = jwt
            .encode(&claims(), TimeDelta::seconds(100), now())
            .unwrap();
        let exp = now() + TimeDelta::seconds(100);
        assert!(jwt.decode(&token, exp).is_ok());
        assert!(jwt.decode(&token, exp + TimeDelta::seconds(14)).is_ok());
        // Sub-second parts of `now` do not count: jose compares whole seconds.
        assert!(
            jwt.decode(&token, exp + TimeDelta::milliseconds(14_999))
                .is_ok()
        );
        assert_eq!(
            jwt.decode(&token, exp + CLOCK_TOLERANCE),
            Err(JwtError::Expired)
        );
    }
}

#[test]
fn rotation_encodes_with_the_first_and_decodes_by_kid() {
    let old = SessionJwt::v5(["old"], SALT).unwrap();
    let new = SessionJwt::v5(["new"], SALT).unwrap();
    let rotated = SessionJwt::v5(["new", "old"], SALT).unwrap();

    let from_old = old.encode(&claims(), DEFAULT_MAX_AGE, now()).unwrap();
    assert_eq!(rotated.decode(&from_old, now()).unwrap().sub, claims().sub);
    assert_eq!(new.decode(&from_old, now()), Err(JwtError::UnknownKey));

    let from_rotated = rotated.encode(&claims(), DEFAULT_MAX_AGE, now()).unwrap();
    assert_eq!(
        header(&from_rotated)["kid"],
        header(&new.encode(&claims(), DEFAULT_MAX_AGE, now()).unwrap())["kid"]
    );
    assert!(new.decode(&from_rotated, now()).is_ok());
    assert_eq!(old.decode(&from_rotated, now()), Err(JwtError::UnknownKey));

    let v4_rotated = SessionJwt::v4(["new", "old"]).unwrap();
    let v4_old = SessionJwt::v4(["old"]).unwrap();
    let token = v4_old.encode(&claims(), DEFAULT_MAX_AGE, now()).unwrap();
    assert!(v4_rotated.decode(&token, now()).is_ok());
    assert_eq!(
        SessionJwt::v4(["new"]).unwrap().decode(&token, now()),
        Err(JwtError::Decryption)
    );
}

#[test]
fn a_v5_token_without_kid_is_tried_with_each_secret() {
    let rotated = SessionJwt::v5(["new", "old"], SALT).unwrap();
    let old = SessionJwt::v5(["old"], SALT).unwrap();
    let Keys::V5(keys) = &old.keys else {
        unreachable!()
    };
    let payload = claims().to_payload(now().timestamp(), now().timestamp() + 60, "j".into());
    let no_kid = jwe::encrypt_cbc_hs(
        &keys[0].cbc,
        &json!({"alg": "dir", "enc": "A256CBC-HS512"}),
        payload.to_string().as_bytes(),
    )
    .unwrap();
    assert_eq!(rotated.decode(&no_kid, now()).unwrap().sub, claims().sub);
    assert_eq!(
        SessionJwt::v5(["new"], SALT)
            .unwrap()
            .decode(&no_kid, now()),
        Err(JwtError::Decryption)
    );

    let odd_kid = jwe::encrypt_cbc_hs(
        &keys[0].cbc,
        &json!({"alg": "dir", "enc": "A256CBC-HS512", "kid": 7}),
        payload.to_string().as_bytes(),
    )
    .unwrap();
    assert_eq!(rotated.decode(&odd_kid, now()), Err(JwtError::UnknownKey));
}

#[test]
fn v5_also_reads_a256gcm_as_auth_js_does() {
    let jwt = SessionJwt::v5(["new", "old"], SALT).unwrap();
    let Keys::V5(keys) = &jwt.keys else {
        unreachable!()
    };
    let payload = claims().to_payload(now().timestamp(), now().timestamp() + 60, "j".into());
    let token = jwe::encrypt_gcm(
        &keys[1].gcm,
        &json!({"alg": "dir", "enc": "A256GCM", "kid": keys[1].gcm_kid}),
        payload.to_string().as_bytes(),
    )
    .unwrap();
    assert_eq!(jwt.decode(&token, now()).unwrap().sub, claims().sub);
    // The CBC kid does not select a GCM key.
    let wrong_kid = jwe::encrypt_gcm(
        &keys[1].gcm,
        &json!({"alg": "dir", "enc": "A256GCM", "kid": keys[1].cbc_kid}),
        payload.to_string().as_bytes(),
    )
    .unwrap();
    assert_eq!(jwt.decode(&wrong_kid, now()), Err(JwtError::UnknownKey));
}

#[test]
fn the_salt_is_part_of_the_key() {
    let token = v5().encode(&claims(), DEFAULT_MAX_AGE, now()).unwrap();
    let secure = SessionJwt::v5([SECRET], "__Secure-authjs.session-token").unwrap();
    assert_eq!(secure.decode(&token, now()), Err(JwtError::UnknownKey));
    assert_eq!(secure.salt(), "__Secure-authjs.session-token");
    assert_eq!(v4().salt(), "");
}

#[test]
fn v4_and_v5_do_not_read_each_other() {
    let v4_token = v4().encode(&claims(), DEFAULT_MAX_AGE, now()).unwrap();
    let v5_token = v5().encode(&claims(), DEFAULT_MAX_AGE, now()).unwrap();
    // Same secret, different derivation: the v5 key for A256GCM does not open it.
    assert_eq!(v5().decode(&v4_token, now()), Err(JwtError::Decryption));
    assert!(matches!(
        v4().decode(&v5_token, now()),
        Err(JwtError::Unsupported(_))
    ));
    assert_eq!(v4().format(), JwtFormat::V4);
    assert_eq!(v5().format(), JwtFormat::V5);
}

#[test]
fn tampering_with_any_segment_is_refused() {
    for jwt in [v5(), v4()] {
        let token = jwt.encode(&claims(), DEFAULT_MAX_AGE, now()).unwrap();
        let segments: Vec<&str> = token.split('.').collect();

        // 1. Header: the same JSON spelled differently is different AAD.
        let respelled = URL_SAFE_NO_PAD.encode(format!("{} ", header(&token)));
        assert_eq!(
            jwt.decode(&with_segment(&token, 0, &respelled), now()),
            Err(JwtError::Decryption)
        );
        let mut forged = header(&token);
        forged["enc"] = json!("A128GCM");
        let forged = URL_SAFE_NO_PAD.encode(forged.to_string());
        assert!(matches!(
            jwt.decode(&with_segment(&token, 0, &forged), now()),
            Err(JwtError::Unsupported(_))
        ));
        // 2. Encrypted key: `dir` has none.
        assert!(matches!(
            jwt.decode(&with_segment(&token, 1, "AAAA"), now()),
            Err(JwtError::Unsupported(_))
        ));
        // 3.–5. IV, ciphertext, tag.
        for (index, segment) in segments.iter().enumerate().skip(2) {
            let changed = with_segment(&token, index, &altered(segment));
            assert_eq!(
                jwt.decode(&changed, now()),
                Err(JwtError::Decryption),
                "segment {index}"
            );
        }
    }
    // The v5 kid selects the key: another kid names no configured key.
    let token = v5().encode(&claims(), DEFAULT_MAX_AGE, now()).unwrap();
    let mut forged = header(&token);
    forged["kid"] = json!("someone-else");
    let forged = URL_SAFE_NO_PAD.encode(forged.to_string());
    assert_eq!(
        v5().decode(&with_segment(&token, 0, &forged), now()),
        Err(JwtError::UnknownKey)
    );
}

#[test]
fn headers_jose_refuses_are_refused() {
    let token = v5().encode(&claims(), DEFAULT_MAX_AGE, now()).unwrap();
    for (field, value) in [
        ("alg", json!("A256KW")),
        ("alg", json!(null)),
        ("enc", json!(1)),
        ("zip", json!("DEF")),
        ("crit", json!(["exp"])),
    ] {
        let mut changed = header(&token);
        changed[field] = value;
        let segment = URL_SAFE_NO_PAD.encode(changed.to_string());
        let error = v5()
            .decode(&with_segment(&token, 0, &segment), now())
            .unwrap_err();
        assert!(
            matches!(error, JwtError::Unsupported(_) | JwtError::Malformed(_)),
            "{field}: {error:?}"
        );
    }
    for segment in ["", "e30", "W10", "bnVsbA"] {
        // "", {}, [], null
        assert!(matches!(
            v5().decode(&with_segment(&token, 0, segment), now()),
            Err(JwtError::Malformed(_))
        ));
    }
}

#[test]
fn every_truncation_is_refused() {
    for jwt in [v5(), v4()] {
        let token = jwt.encode(&claims(), DEFAULT_MAX_AGE, now()).unwrap();
        let mut seen = Vec::new();
        for end in 0..token.len() {
            let error = jwt.decode(&token[..end], now()).unwrap_err();
            if !seen.contains(&error) {
                assert_redacted(&error, &token);
                seen.push(error);
            }
        }
        // And with the front cut off.
        for start in 1..token.len() {
            assert!(jwt.decode(&token[start..], now()).is_err());
        }
    }
}

#[test]
fn every_bit_flip_is_refused() {
    for jwt in [v5(), v4()] {
        let token = jwt.encode(&claims(), DEFAULT_MAX_AGE, now()).unwrap();
        let (mut flips, mut seen) = (0, Vec::new());
        for index in 0..token.len() {
            for bit in 0..8 {
                let mut bytes = token.clone().into_bytes();
                bytes[index] ^= 1 << bit;
                let Ok(flipped) = String::from_utf8(bytes) else {
                    continue;
                };
                let error = jwt.decode(&flipped, now()).unwrap_err();
                if !seen.contains(&error) {
                    assert_redacted(&error, &token);
                    seen.push(error);
                }
                flips += 1;
            }
        }
        assert!(flips > token.len() * 6);
    }
}

#[test]
fn random_tokens_are_refused() {
    let mut rng = rand::rng();
    let jwt = v5();
    let valid = jwt.encode(&claims(), DEFAULT_MAX_AGE, now()).unwrap();
    let kid_header = valid.split('.').next().unwrap().to_owned();
    for round in 0..2000 {
        let mut segment = |len: usize| {
            let mut bytes = vec![0u8; len];
            rng.fill_bytes(&mut bytes);
            URL_SAFE_NO_PAD.encode(bytes)
        };
        // Half keep the real header, so the key lookup and MAC run on random input.
        let head = if round % 2 == 0 {
            kid_header.clone()
        } else {
            segment(40)
        };
        let lens = [16, 16 * (1 + round % 8), 32];
        let token = format!(
            "{head}..{}.{}.{}",
            segment(lens[0]),
            segment(lens[1]),
            segment(lens[2])
        );
        assert!(jwt.decode(&token, now()).is_err());
        assert!(v4().decode(&token, now()).is_err());
    }
}

proptest! {
    #[test]
    fn arbitrary_strings_never_panic(token in ".{0,400}") {
        prop_assert!(v5().decode(&token, now()).is_err());
        prop_assert!(v4().decode(&token, now()).is_err());
    }

    #[test]
    fn arbitrary_compact_shapes_never_panic(segments in proptest::collection::vec("[A-Za-z0-9_-]{0,64}", 0..8)) {
        let token = segments.join(".");
        prop_assert!(v5().decode(&token, now()).is_err());
    }
}

#[test]
fn missing_secrets_are_refused() {
    let none: [&str; 0] = [];
    assert_eq!(
        SessionJwt::v5(none, SALT).err(),
        Some(JwtError::MissingSecret)
    );
    assert_eq!(SessionJwt::v4(none).err(), Some(JwtError::MissingSecret));
    assert_eq!(
        SessionJwt::v5(["ok", ""], SALT).err(),
        Some(JwtError::MissingSecret)
    );
    assert_eq!(SessionJwt::v4([""]).err(), Some(JwtError::MissingSecret));
    // Bytes work as well as strings.
    assert!(SessionJwt::v5([b"bytes".to_vec()], SALT).is_ok());
}

#[test]
fn debug_never_shows_a_secret_or_key() {
    let jwt = SessionJwt::v5([SECRET, "second secret"], SALT).unwrap();
    let shown = format!("{jwt:?}");
    assert!(
        !shown.contains(SECRET) && !shown.contains("second secret"),
        "{shown}"
    );
    let Keys::V5(keys) = &jwt.keys else {
        unreachable!()
    };
    for key in keys {
        for bytes in [&key.cbc.mac[..], &key.cbc.enc[..], &key.gcm[..]] {
            assert!(!shown.contains(&URL_SAFE_NO_PAD.encode(bytes)));
            assert!(!shown.contains(&format!("{bytes:?}")[1..20]));
        }
        assert!(shown.contains(&key.cbc_kid), "kids are public: {shown}");
    }
    assert!(shown.contains(SALT) && shown.contains("V5"));
    let shown = format!("{:?}", SessionJwt::v4([SECRET]).unwrap());
    assert!(
        !shown.contains(SECRET) && shown.contains("secrets: 1"),
        "{shown}"
    );
}

#[test]
fn errors_never_show_the_token() {
    let token = v5().encode(&claims(), DEFAULT_MAX_AGE, now()).unwrap();
    let other = SessionJwt::v5(["other"], SALT).unwrap();
    let expired = v5()
        .decode(&token, now() + TimeDelta::days(31))
        .unwrap_err();
    for error in [
        other.decode(&token, now()).unwrap_err(),
        expired,
        v5().decode(&token[..40], now()).unwrap_err(),
        v5().decode(&format!("{token}."), now()).unwrap_err(),
    ] {
        assert_redacted(&error, &token);
    }
}

/// Neither `Display` nor `Debug` of `error` repeats any 8 characters of `token`, the
/// secret, or a claim value.
fn assert_redacted(error: &JwtError, token: &str) {
    for shown in [error.to_string(), format!("{error:?}")] {
        assert!(!shown.contains(SECRET), "{shown}");
        assert!(
            !shown.contains("ada@example.com") && !shown.contains("user-1"),
            "{shown}"
        );
        let chars: Vec<char> = token.chars().collect();
        for window in chars.windows(8) {
            let piece: String = window.iter().collect();
            assert!(
                !shown.contains(&piece),
                "{shown} contains token text {piece}"
            );
        }
    }
}
