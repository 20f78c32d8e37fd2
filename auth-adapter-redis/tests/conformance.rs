//! The conformance suite, each case under its own key prefix (`aa-test:{uuid}:`) on the
//! server at REDIS_URL.

mod common;

use std::sync::Arc;

use auth_adapter_core::Adapter;
use auth_adapter_redis::RedisOptions;

async fn fresh_adapter() -> Arc<dyn Adapter> {
    Arc::new(common::adapter_with(RedisOptions::new().key_prefix(common::fresh_prefix())).await)
}

auth_adapter_tests::conformance_suite!(fresh_adapter);

mod counters {
    use std::sync::Arc;

    use auth_adapter_core::CounterStore;
    use auth_adapter_redis::RedisOptions;

    use super::common;

    async fn fresh_counters() -> Arc<dyn CounterStore> {
        Arc::new(common::adapter_with(RedisOptions::new().key_prefix(common::fresh_prefix())).await)
    }

    auth_adapter_tests::counter_suite!(fresh_counters);
}

mod tokens {
    use std::sync::Arc;

    use auth_adapter_redis::RedisOptions;
    use auth_adapter_tests::TokenBackend;

    use super::common;

    async fn fresh_tokens() -> Arc<dyn TokenBackend> {
        Arc::new(common::adapter_with(RedisOptions::new().key_prefix(common::fresh_prefix())).await)
    }

    auth_adapter_tests::token_suite!(fresh_tokens);
}
