//! Interop with the real `@auth/pg-adapter` on the same schema, the Rust adapter through the
//! transaction-mode PgBouncer at PGBOUNCER_URL with `transaction_pooler(true)` (Node on
//! DATABASE_URL): the scenarios of `common/interop.rs`.

mod common;
#[path = "common/interop.rs"]
mod scenarios;

scenarios::interop_tests!(crate::common::Route::Pooler);
