//! The conformance suite (and the token suite) again with `expire_by_ttl(false)` (records
//! stay until `delete_expired` / `purge_expired_tokens`, as with the JS adapters), each
//! case under its own key prefix.

mod common;

use std::sync::Arc;

use auth_adapter_core::Adapter;
use auth_adapter_redis::RedisOptions;

async fn fresh_adapter() -> Arc<dyn Adapter> {
    Arc::new(
        common::adapter_with(
            RedisOptions::new()
                .key_prefix(common::fresh_prefix())
                .expire_by_ttl(false),
        )
        .await,
    )
}

auth_adapter_tests::conformance_suite!(fresh_adapter);

mod tokens {
    use std::sync::Arc;

    use auth_adapter_redis::RedisOptions;
    use auth_adapter_tests::TokenBackend;

    use super::common;

    async fn fresh_tokens() -> Arc<dyn TokenBackend> {
        Arc::new(
            common::adapter_with(
                RedisOptions::new()
                    .key_prefix(common::fresh_prefix())
                    .expire_by_ttl(false),
            )
            .await,
        )
    }

    auth_adapter_tests::token_suite!(fresh_tokens);
}
