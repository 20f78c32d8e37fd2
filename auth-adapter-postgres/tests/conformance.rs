//! The conformance suite, each case (and each model-check sequence) in its own freshly
//! created and migrated schema `aa_<uuid>` on the server at DATABASE_URL. The same suites
//! run through a transaction-mode pooler in `conformance_pooler.rs`.

mod common;

auth_adapter_tests::conformance_suite!(common::direct::fresh_adapter);

mod counters {
    auth_adapter_tests::counter_suite!(super::common::direct::fresh_counters);
}
