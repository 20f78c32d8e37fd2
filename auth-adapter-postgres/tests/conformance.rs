//! The conformance suite, each case (and each model-check sequence) in its own freshly
//! created and migrated schema `aa_<uuid>` on the server at DATABASE_URL.

mod common;

use common::fresh_adapter;

auth_adapter_tests::conformance_suite!(fresh_adapter);

mod counters {
    use std::sync::Arc;

    use auth_adapter_core::CounterStore;

    async fn fresh_counters() -> Arc<dyn CounterStore> {
        let (adapter, _, _) = super::common::migrated_adapter().await;
        Arc::new(adapter)
    }

    auth_adapter_tests::counter_suite!(fresh_counters);
}

mod tokens {
    use std::sync::Arc;

    use auth_adapter_tests::TokenBackend;

    async fn fresh_tokens() -> Arc<dyn TokenBackend> {
        let (adapter, _, _) = super::common::migrated_adapter().await;
        Arc::new(adapter)
    }

    auth_adapter_tests::token_suite!(fresh_tokens);
}
