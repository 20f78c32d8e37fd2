//! The service's suite (`auth_adapter_tests::passwordless_suite!`) on `MemoryAdapter`; the
//! backends run the same suite in their own `tests/passwordless.rs`.

async fn fresh_store() -> std::sync::Arc<auth_adapter_core::MemoryAdapter> {
    std::sync::Arc::new(auth_adapter_core::MemoryAdapter::new())
}

auth_adapter_tests::passwordless_suite!(fresh_store);
