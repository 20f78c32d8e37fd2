//! The conformance suite against `MemoryAdapter`, the reference implementation.

use std::sync::Arc;

use auth_adapter_core::{Adapter, MemoryAdapter};

async fn fresh_adapter() -> Arc<dyn Adapter> {
    Arc::new(MemoryAdapter::new())
}

auth_adapter_tests::conformance_suite!(fresh_adapter);

#[test]
fn every_case_has_a_unique_name() {
    let mut names = auth_adapter_tests::CASE_NAMES.to_vec();
    assert!(names.len() >= 45, "only {} cases", names.len());
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), auth_adapter_tests::CASE_NAMES.len());
}

mod counters {
    async fn fresh_counters() -> std::sync::Arc<dyn auth_adapter_core::CounterStore> {
        std::sync::Arc::new(auth_adapter_core::MemoryAdapter::new())
    }
    auth_adapter_tests::counter_suite!(fresh_counters);
}

mod tokens {
    async fn fresh_tokens() -> std::sync::Arc<dyn auth_adapter_tests::TokenBackend> {
        std::sync::Arc::new(auth_adapter_core::MemoryAdapter::new())
    }
    auth_adapter_tests::token_suite!(fresh_tokens);
}
