//! The conformance suite, each case on its own migrated database file.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers may panic

mod common;

use common::fresh_adapter;

auth_adapter_tests::conformance_suite!(fresh_adapter);

mod counters {
    use super::common::fresh_counters;

    auth_adapter_tests::counter_suite!(fresh_counters);
}

mod tokens {
    use super::common::fresh_tokens;

    auth_adapter_tests::token_suite!(fresh_tokens);
}
