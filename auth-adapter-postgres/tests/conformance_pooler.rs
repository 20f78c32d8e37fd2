//! The conformance suite, the model check and the counter suite through the
//! transaction-mode PgBouncer at PGBOUNCER_URL, with
//! `PostgresOptions::transaction_pooler(true)`: each case in its own schema, migrated
//! through the pooler. (`scripts/test` starts the PgBouncer; see `tests/common`.)

mod common;

auth_adapter_tests::conformance_suite!(common::pooled::fresh_adapter);

mod counters {
    auth_adapter_tests::counter_suite!(super::common::pooled::fresh_counters);
}
