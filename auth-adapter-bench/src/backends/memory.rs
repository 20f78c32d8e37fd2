//! The in-memory reference backend: no raw driver, no JS peer, the floor of the overhead.

use std::sync::Arc;

use async_trait::async_trait;
use auth_adapter_core::{Adapter, CounterStore, MemoryAdapter, TokenStore};

use super::{RawLookup, Store};
use crate::BoxError;
use crate::js::JsTarget;
use crate::workloads::Dataset;

pub(crate) struct MemoryStore {
    adapter: Arc<MemoryAdapter>,
}

impl MemoryStore {
    pub(crate) fn new() -> Self {
        MemoryStore {
            adapter: Arc::new(MemoryAdapter::new()),
        }
    }
}

#[async_trait]
impl Store for MemoryStore {
    fn example_backend(&self) -> Option<rest_api::Backend> {
        Some(rest_api::Backend::Memory(Arc::clone(&self.adapter)))
    }

    fn adapter(&self) -> Arc<dyn Adapter> {
        Arc::clone(&self.adapter) as Arc<dyn Adapter>
    }

    fn counters(&self) -> Arc<dyn CounterStore> {
        Arc::clone(&self.adapter) as Arc<dyn CounterStore>
    }

    fn tokens(&self) -> Option<Arc<dyn TokenStore>> {
        Some(Arc::clone(&self.adapter) as Arc<dyn TokenStore>)
    }

    async fn raw_lookups(&self, _data: &Arc<Dataset>) -> Result<Vec<RawLookup>, BoxError> {
        Ok(Vec::new())
    }

    fn js(&self) -> Option<JsTarget> {
        None
    }

    async fn cleanup(&self) -> Result<(), BoxError> {
        Ok(())
    }
}
