//! The `auth-adapter-passwordless` service on PostgreSQL (`passwordless_suite!`), each case
//! in its own freshly migrated schema `aa_<uuid>` on the server at DATABASE_URL.

mod common;

async fn fresh_store() -> std::sync::Arc<auth_adapter_postgres::PostgresAdapter> {
    std::sync::Arc::new(common::migrated_adapter().await.0)
}

auth_adapter_tests::passwordless_suite!(fresh_store);
