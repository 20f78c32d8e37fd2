//! The conformance suite on both layouts, each case (and each model-check sequence) in its
//! own freshly created and migrated database on the server at MYSQL_URL, with the limits
//! each layout documents; and the counter suite.

mod common;

mod prisma {
    use super::common::{fresh_prisma, prisma_limits};
    auth_adapter_tests::conformance_suite!(fresh_prisma, limits = prisma_limits());
}

mod drizzle {
    use super::common::{drizzle_limits, fresh_drizzle};
    auth_adapter_tests::conformance_suite!(fresh_drizzle, limits = drizzle_limits());
}

mod counters {
    use super::common::fresh_counters;
    auth_adapter_tests::counter_suite!(fresh_counters);
}
