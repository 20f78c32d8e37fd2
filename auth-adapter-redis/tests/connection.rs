//! The connection to the Redis server: bad option values refused, the password never
//! printed, get_session_and_user in one round trip (counted by a proxy), transient errors
//! while the server is down and recovery after a restart, and permanent script errors.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use auth_adapter_core::{Adapter, AdapterError, NewUser};
use auth_adapter_redis::{RedisAdapter, RedisOptions};
use chrono::TimeDelta;
use common::*;

#[tokio::test]
async fn bad_option_values_are_invalid_input_never_clamped() {
    let conn = raw_conn().await;
    for (field, options) in [
        (
            "connection_timeout",
            RedisOptions::new().connection_timeout(Some(Duration::ZERO)),
        ),
        (
            "response_timeout",
            RedisOptions::new().response_timeout(Some(Duration::ZERO)),
        ),
    ] {
        for err in [
            RedisAdapter::from_pool(conn.clone(), options.clone()).unwrap_err(),
            RedisAdapter::connect(&redis_url(), options)
                .await
                .unwrap_err(),
        ] {
            assert!(
                matches!(err, AdapterError::InvalidInput { field: f, .. } if f == field),
                "{field}: {err}"
            );
        }
    }
    // `None` is "no limit", not a bad value.
    let options = RedisOptions::new().response_timeout(None);
    assert!(RedisAdapter::from_pool(conn, options).is_ok());
}

#[tokio::test]
async fn debug_output_hides_the_password() {
    let url = redis_url();
    let a = adapter_with(RedisOptions::new()).await;
    let text = format!("{a:?}");
    assert!(text.contains("RedisAdapter"), "{text}");
    if let Some((_, rest)) = url.split_once("://")
        && let Some((userinfo, _)) = rest.split_once('@')
        && let Some((_, password)) = userinfo.split_once(':')
        && !password.is_empty()
    {
        assert!(!text.contains(password), "{text}");
    }
}

#[tokio::test]
async fn get_session_and_user_is_one_round_trip() {
    let proxy = server::CountingProxy::start(redis_address()).await;
    let url = url_with_address(&redis_url(), "127.0.0.1", proxy.port);
    let prefix = fresh_prefix();
    let a = auth_adapter_redis::RedisAdapter::connect(
        &url,
        RedisOptions::new().key_prefix(prefix.clone()),
    )
    .await
    .unwrap();
    let user = a
        .create_user(NewUser::with_email("rt@example.com"))
        .await
        .unwrap();
    a.create_session(session(&user.id, "rt", TimeDelta::hours(1)))
        .await
        .unwrap();
    // The first call may load the script (EVALSHA, NOSCRIPT, SCRIPT LOAD, EVALSHA).
    a.get_session_and_user("rt").await.unwrap().unwrap();
    proxy.take();

    let (s, u) = a.get_session_and_user("rt").await.unwrap().unwrap();
    assert_eq!((s.user_id.as_str(), u), (user.id.as_str(), user.clone()));
    assert_eq!(proxy.take(), ["EVALSHA"]);
    assert_eq!(a.get_session_and_user("missing").await.unwrap(), None);
    assert_eq!(proxy.take(), ["EVALSHA"]);
    // The proxy sees every command: a plain lookup is one GET, so the count is honest.
    a.get_user(&user.id).await.unwrap().unwrap();
    assert_eq!(proxy.take(), ["GET"]);
}

#[tokio::test]
async fn transient_errors_while_the_server_is_down_and_recovery_after_a_restart() {
    let mut server = server::PrivateServer::start().await;
    let a = auth_adapter_redis::RedisAdapter::connect(
        &server.url(),
        RedisOptions::new()
            .key_prefix(fresh_prefix())
            .reconnect_retries(1)
            .connection_timeout(Some(Duration::from_millis(300)))
            .response_timeout(Some(Duration::from_secs(1))),
    )
    .await
    .unwrap();
    let user = a
        .create_user(NewUser::with_email("up@example.com"))
        .await
        .unwrap();
    a.create_session(session(&user.id, "s", TimeDelta::hours(1)))
        .await
        .unwrap();
    assert!(a.get_session_and_user("s").await.unwrap().is_some());

    server.kill().await;
    for _ in 0..3 {
        let err = a.get_session_and_user("s").await.unwrap_err();
        assert!(err.is_transient(), "{err}");
        let err = a.create_user(NewUser::default()).await.unwrap_err();
        assert!(err.is_transient(), "{err}");
    }

    server.restart().await;
    // The manager reconnects on its own; a call may still see the failed connection once.
    let mut recovered = None;
    for _ in 0..50 {
        match a.create_user(NewUser::with_email("back@example.com")).await {
            Ok(u) => {
                recovered = Some(u);
                break;
            }
            Err(e) => {
                assert!(e.is_transient(), "{e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    let back = recovered.expect("the adapter works again after the restart");
    // The fresh server has no scripts cached: EVALSHA got NOSCRIPT and the script was
    // loaded again, transparently.
    a.create_session(session(&back.id, "s2", TimeDelta::hours(1)))
        .await
        .unwrap();
    let (_, u) = a.get_session_and_user("s2").await.unwrap().unwrap();
    assert_eq!(u, back);
    server.kill().await;
}

#[tokio::test]
async fn connecting_to_a_server_that_is_not_there_is_transient() {
    let port = server::free_port();
    let err = auth_adapter_redis::RedisAdapter::connect(
        &format!("redis://127.0.0.1:{port}"),
        RedisOptions::new()
            .reconnect_retries(0)
            .connection_timeout(Some(Duration::from_millis(300))),
    )
    .await
    .unwrap_err();
    assert!(err.is_transient(), "{err}");
}

#[tokio::test]
async fn script_errors_are_permanent() {
    let (a, p) = fresh().await;
    let mut c = raw_conn().await;
    let user = a.create_user(NewUser::default()).await.unwrap();
    // Someone else put a list where the JS session index lives.
    let _: () = redis::cmd("RPUSH")
        .arg(format!("{p}user:session:by-user-id:{}", user.id))
        .arg("x")
        .query_async(&mut c)
        .await
        .unwrap();
    let err = a.delete_user(&user.id).await.unwrap_err();
    assert!(!err.is_transient(), "{err}");
    assert!(
        a.get_user(&user.id).await.unwrap().is_some(),
        "nothing half-deleted"
    );
}

#[test]
fn the_counting_proxy_parses_resp_commands() {
    let mut b = b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*1\r\n$4\r\nPI".to_vec();
    assert_eq!(server::take_command(&mut b).as_deref(), Some("GET"));
    assert_eq!(server::take_command(&mut b), None);
    b.extend_from_slice(b"NG\r\n");
    assert_eq!(server::take_command(&mut b).as_deref(), Some("PING"));
    assert!(b.is_empty());
}
