//! The `auth-adapter-passwordless` service on SQLite (`passwordless_suite!`), each case on
//! its own migrated database file.

mod common;

auth_adapter_tests::passwordless_suite!(common::fresh_store);
