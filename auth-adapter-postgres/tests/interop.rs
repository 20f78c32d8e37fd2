//! Interop with the real `@auth/pg-adapter` on the same server and schema, the adapter on
//! DATABASE_URL: the scenarios of `common/interop.rs` (also run through a transaction-mode
//! pooler by `interop_pooler.rs`).

mod common;
#[path = "common/interop.rs"]
mod scenarios;

scenarios::interop_tests!(crate::common::Route::Direct);
