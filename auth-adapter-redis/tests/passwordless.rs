//! The `auth-adapter-passwordless` service on Redis (`passwordless_suite!`), each case under
//! its own key prefix (`aa-test:{uuid}:`) on the server at REDIS_URL.

mod common;

use auth_adapter_redis::RedisOptions;

async fn fresh_store() -> std::sync::Arc<auth_adapter_redis::RedisAdapter> {
    std::sync::Arc::new(
        common::adapter_with(RedisOptions::new().key_prefix(common::fresh_prefix())).await,
    )
}

auth_adapter_tests::passwordless_suite!(fresh_store);
