//! The conformance suite, each case on its own migrated database file.

mod common;

use common::fresh_adapter;

auth_adapter_tests::conformance_suite!(fresh_adapter);
