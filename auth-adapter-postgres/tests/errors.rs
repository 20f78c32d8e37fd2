//! PostgreSQL errors and what they never show: bad schema names, option values and URLs
//! are invalid input, an unreachable server is a transient backend error, and neither
//! errors nor Debug output print a password or a session token.

// Helpers outside #[test] fns unwrap too: a failed setup should fail the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::session_for;

use std::time::Duration;

use auth_adapter_core::{Adapter, AdapterError, NewUser};
use auth_adapter_postgres::{PostgresAdapter, PostgresOptions};
use common::migrated_adapter;
use sqlx::postgres::PgPoolOptions;

#[tokio::test]
async fn conflicts_never_print_the_token() {
    let (adapter, _, _) = migrated_adapter().await;
    let user = adapter.create_user(NewUser::default()).await.unwrap();
    let secret = "super-secret-session-token-value";
    adapter
        .create_session(session_for(&user.id, secret))
        .await
        .unwrap();
    let err = adapter
        .create_session(session_for(&user.id, secret))
        .await
        .unwrap_err();
    assert!(err.is_conflict());
    assert!(!err.to_string().contains(secret));
    assert!(!format!("{err:?}").contains(secret));
}

#[tokio::test]
async fn an_invalid_schema_name_is_invalid_input() {
    let pool = PgPoolOptions::new()
        .connect_lazy("postgres://postgres@127.0.0.1:1/x")
        .unwrap();
    for bad in [
        "",
        "1x",
        "a-b",
        "a\"; DROP TABLE users; --",
        "é",
        &"s".repeat(64),
    ] {
        let err = PostgresAdapter::from_pool(pool.clone(), PostgresOptions::new().schema(bad))
            .unwrap_err();
        assert!(
            matches!(
                err,
                AdapterError::InvalidInput {
                    field: "schema",
                    ..
                }
            ),
            "{bad:?}: {err}"
        );
        let err = PostgresAdapter::connect(
            "postgres://postgres@127.0.0.1:1/x",
            PostgresOptions::new().schema(bad),
        )
        .await
        .unwrap_err();
        assert!(err.is_invalid_input(), "{bad:?}: {err}");
    }
}

#[tokio::test]
async fn bad_option_values_are_invalid_input_never_clamped() {
    let pool = common::pool().await;
    for (field, options) in [
        ("max_connections", PostgresOptions::new().max_connections(0)),
        (
            "acquire_timeout",
            PostgresOptions::new().acquire_timeout(Duration::ZERO),
        ),
    ] {
        for err in [
            PostgresAdapter::from_pool(pool.clone(), options.clone()).unwrap_err(),
            PostgresAdapter::connect(&common::database_url(), options)
                .await
                .unwrap_err(),
        ] {
            assert!(
                matches!(err, AdapterError::InvalidInput { field: f, .. } if f == field),
                "{field}: {err}"
            );
        }
    }
}

#[tokio::test]
async fn an_unreachable_server_is_a_transient_backend_error() {
    let options = PostgresOptions::new().acquire_timeout(Duration::from_secs(2));
    let err = PostgresAdapter::connect("postgres://postgres:hunter2pw@127.0.0.1:1/x", options)
        .await
        .unwrap_err();
    assert!(matches!(err, AdapterError::Backend { .. }), "{err}");
    assert!(err.is_transient(), "{err:?}");
    assert!(!format!("{err} {err:?}").contains("hunter2pw"));

    // And the same once running: a lazily connected adapter's calls fail transiently.
    let pool = PgPoolOptions::new()
        .acquire_timeout(Duration::from_secs(2))
        .connect_lazy("postgres://postgres@127.0.0.1:1/x")
        .unwrap();
    let adapter = PostgresAdapter::from_pool(pool, PostgresOptions::default()).unwrap();
    let err = adapter.get_user("1").await.unwrap_err();
    assert!(err.is_transient(), "{err:?}");
}

#[tokio::test]
async fn a_bad_url_is_invalid_input_without_echoing_it() {
    let err = PostgresAdapter::connect(
        "postgres://user:hunter2pw@host/db?sslmode=bogus",
        PostgresOptions::default(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, AdapterError::InvalidInput { field: "url", .. }),
        "{err}"
    );
    assert!(!format!("{err} {err:?}").contains("hunter2pw"));
}

#[tokio::test]
async fn debug_never_prints_the_password() {
    let pool = PgPoolOptions::new()
        .connect_lazy("postgres://postgres:hunter2pw@127.0.0.1:1/x")
        .unwrap();
    let options = PostgresOptions::new().schema("auth");
    let adapter = PostgresAdapter::from_pool(pool, options.clone()).unwrap();
    let debug = format!("{adapter:?} {options:?}");
    assert!(debug.contains("auth"), "{debug}");
    assert!(!debug.contains("hunter2pw"), "{debug}");
}
