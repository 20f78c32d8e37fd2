//! Values in Redis the adapter cannot read (not JSON, unreadable dates, fields of the wrong
//! type): permanent errors that name the kind of record but never its content, and a read
//! that fails never consumes or deletes anything.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use auth_adapter_core::{Adapter, NewUser, backend::dates};
use common::*;

#[tokio::test]
async fn malformed_values_are_permanent_backend_errors_naming_the_kind() {
    let (a, p) = fresh().await;
    let mut c = raw_conn().await;
    let id = uuid::Uuid::new_v4().to_string();
    let _: () = redis::cmd("SET")
        .arg(format!("{p}user:{id}"))
        .arg("{not json s3cret")
        .query_async(&mut c)
        .await
        .unwrap();
    let _: () = redis::cmd("SET")
        .arg(format!("{p}user:session:bad"))
        .arg(r#"{"sessionToken":"bad","userId":"u","expires":"s3cret"}"#)
        .query_async(&mut c)
        .await
        .unwrap();
    for err in [
        a.get_user(&id).await.unwrap_err(),
        a.get_session_and_user("bad").await.unwrap_err(),
    ] {
        assert!(!err.is_transient());
        let text = format!(
            "{err}: {:?}",
            std::error::Error::source(&err).map(|s| s.to_string())
        );
        assert!(text.contains("user") || text.contains("session"), "{text}");
        assert!(!text.contains("s3cret"), "{text}");
    }
    // A value that is not even JSON is kept, not half-deleted.
    let _: () = redis::cmd("SET")
        .arg(format!("{p}user:session:worse"))
        .arg("{not json")
        .query_async(&mut c)
        .await
        .unwrap();
    assert!(a.delete_session("worse").await.is_err());
    assert!(
        get_raw(&mut c, &format!("{p}user:session:worse"))
            .await
            .is_some()
    );
}

#[tokio::test]
async fn a_read_that_fails_never_consumes_or_deletes() {
    let (a, p) = fresh().await;
    let mut c = raw_conn().await;
    let user = a.create_user(NewUser::default()).await.unwrap();
    let conn = c.clone();
    let set = |key: String, value: &str| {
        let mut c = conn.clone();
        let value = value.to_owned();
        async move {
            let _: () = redis::cmd("SET")
                .arg(key)
                .arg(value)
                .query_async(&mut c)
                .await
                .unwrap();
        }
    };
    // Another client wrote dates Rust cannot read (beyond chrono's year 262142).
    let far = "+275760-09-13T00:00:00.000Z";
    let uid = uuid::Uuid::new_v4().to_string();
    set(
        format!("{p}user:{uid}"),
        &format!(r#"{{"id":"{uid}","email":null,"emailVerified":"{far}"}}"#),
    )
    .await;
    set(
        format!("{p}user:token:x@example.com:t"),
        &format!(r#"{{"identifier":"x@example.com","token":"t","expires":"{far}"}}"#),
    )
    .await;
    set(
        format!("{p}user:session:s"),
        &format!(
            r#"{{"sessionToken":"s","userId":"{}","expires":"{far}"}}"#,
            user.id
        ),
    )
    .await;
    set(
        format!("{p}user:account:gh:1"),
        r#"{"provider":"gh","providerAccountId":"1","userId":7}"#,
    )
    .await;
    assert!(a.delete_user(&uid).await.is_err());
    assert!(
        a.use_verification_token("x@example.com", "t")
            .await
            .is_err()
    );
    assert!(a.delete_session("s").await.is_err());
    assert!(a.unlink_account("gh", "1").await.is_err());
    for key in [
        format!("{p}user:{uid}"),
        format!("{p}user:token:x@example.com:t"),
        format!("{p}user:session:s"),
        format!("{p}user:account:gh:1"),
    ] {
        assert!(get_raw(&mut c, &key).await.is_some(), "{key} kept");
    }
    // Dates with JavaScript's expanded years inside the range are read.
    set(
        format!("{p}user:token:y@example.com:t"),
        r#"{"identifier":"y@example.com","token":"t","expires":"+010000-01-01T00:00:00.000Z"}"#,
    )
    .await;
    let token = a
        .use_verification_token("y@example.com", "t")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(dates::to_iso(&token.expires), "+010000-01-01T00:00:00.000Z");
}
