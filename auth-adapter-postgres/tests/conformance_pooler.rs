//! The conformance suite, the model check, the counter and token suites through the
//! transaction-mode PgBouncer at PGBOUNCER_URL, with
//! `PostgresOptions::transaction_pooler(true)`: each case in its own schema, migrated
//! through the pooler; and the conformance suite on the Prisma and Drizzle layouts. (`scripts/test` starts the PgBouncer; see `tests/common`.)

mod common;

auth_adapter_tests::conformance_suite!(common::pooled::fresh_adapter);

mod counters {
    auth_adapter_tests::counter_suite!(super::common::pooled::fresh_counters);
}

mod tokens {
    auth_adapter_tests::token_suite!(super::common::pooled::fresh_tokens);
}

/// The Prisma layout through the pooler: its variant read and its statements run as
/// simple queries (text ids, `timestamp` literals).
mod prisma {
    use super::common::layouts::prisma_limits;
    use super::common::pooled_layouts::fresh_prisma;
    auth_adapter_tests::conformance_suite!(fresh_prisma, limits = prisma_limits());
}

/// The Drizzle layout through the pooler.
mod drizzle {
    use super::common::layouts::drizzle_limits;
    use super::common::pooled_layouts::fresh_drizzle;
    auth_adapter_tests::conformance_suite!(fresh_drizzle, limits = drizzle_limits());
}

/// Why the option exists, and proof that PGBOUNCER_URL is what the suites above need: a
/// pooler that hands one server connection to several clients in turn. Through it, an
/// adapter with the default options (sqlx's named statements, cached per client
/// connection) soon prepares `sqlx_s_1` on a server connection where another client
/// already did: `42P05 prepared statement "sqlx_s_1" already exists` (or, when its
/// Execute lands on a server connection without it, `26000`). Each new client names its
/// first statement `sqlx_s_1`, so by the time there have been more clients than server
/// connections one collides; with PgBouncer's default last-in-first-out reuse, the
/// second does.
#[tokio::test]
async fn without_the_option_prepared_statements_collide_through_the_pooler() {
    use std::str::FromStr;

    use auth_adapter_core::Adapter;
    use auth_adapter_postgres::{PostgresAdapter, PostgresOptions};
    use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

    let (_, _, schema) = common::migrated_adapter().await;
    // As `connect` would, but keeping sqlx's statement cache (PgBouncer refuses sqlx's
    // `extra_float_digits` startup parameter before any statement could collide).
    let connect = PgConnectOptions::from_str(&common::pooler_url())
        .unwrap()
        .extra_float_digits(None);
    const CLIENTS: usize = 100;
    for _ in 0..CLIENTS {
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(std::time::Duration::from_secs(30))
            .connect_with(connect.clone())
            .await
            .expect("connect to PGBOUNCER_URL");
        let adapter =
            PostgresAdapter::from_pool(pool.clone(), PostgresOptions::new().schema(&schema))
                .unwrap();
        for _ in 0..2 {
            if let Err(err) = adapter.get_user("1").await {
                let message = err.to_string();
                assert!(
                    message.contains("42P05") || message.contains("26000"),
                    "expected a prepared statement collision, got: {message}"
                );
                pool.close().await;
                return;
            }
        }
        pool.close().await;
    }
    panic!(
        "{CLIENTS} clients with sqlx's prepared statements never collided through \
         PGBOUNCER_URL: it does not share server connections as a transaction-mode pooler \
         does (session mode? PgBouncer >= 1.21 with max_prepared_statements?), so the \
         suites of this file prove nothing about transaction_pooler"
    );
}
