//! Auth.js storage for Rust (facade; see `auth-adapter-core`).
#![deny(missing_docs)]
pub use auth_adapter_core::*;
