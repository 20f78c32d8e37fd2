//! The conformance suite and the model check on the Prisma layout (`Layout::Prisma`: the
//! Auth.js docs' SQLite schema for `@auth/prisma-adapter`), each case on its own migrated
//! database file, with the limits the layout documents; and the counter and token suites,
//! whose tables sit beside the Prisma `User` table.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers may panic

mod common;

use common::{fresh_prisma_adapter, prisma_limits};

auth_adapter_tests::conformance_suite!(fresh_prisma_adapter, limits = prisma_limits());

mod counters {
    use super::common::fresh_prisma_counters;

    auth_adapter_tests::counter_suite!(fresh_prisma_counters);
}

mod tokens {
    use super::common::fresh_prisma_tokens;

    auth_adapter_tests::token_suite!(fresh_prisma_tokens);
}
