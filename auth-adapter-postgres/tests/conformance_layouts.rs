//! The conformance suite and model check on the Prisma and Drizzle layouts, each case in
//! its own freshly created and migrated schema on DATABASE_URL, with the limits each
//! layout documents (see the crate docs); the counter and bound-token suites on both; and
//! the Prisma suite once more over the simple query protocol of `transaction_pooler`
//! (values as literals, rows in text), on the direct connection.

mod common;

mod prisma {
    use super::common::layouts::{fresh_prisma, prisma_limits};
    auth_adapter_tests::conformance_suite!(fresh_prisma, limits = prisma_limits());

    mod counters {
        auth_adapter_tests::counter_suite!(super::super::common::layouts::prisma_counters);
    }

    mod tokens {
        auth_adapter_tests::token_suite!(super::super::common::layouts::prisma_tokens);
    }
}

mod prisma_simple_protocol {
    use super::common::layouts::{fresh_prisma_simple, prisma_limits};
    auth_adapter_tests::conformance_suite!(fresh_prisma_simple, limits = prisma_limits());
}

mod drizzle {
    use super::common::layouts::{drizzle_limits, fresh_drizzle};
    auth_adapter_tests::conformance_suite!(fresh_drizzle, limits = drizzle_limits());

    mod counters {
        auth_adapter_tests::counter_suite!(super::super::common::layouts::drizzle_counters);
    }

    mod tokens {
        auth_adapter_tests::token_suite!(super::super::common::layouts::drizzle_tokens);
    }
}
