//! Redis backend for auth-adapter, placeholder docs (replaced below).
#![deny(missing_docs)]

mod adapter;
mod codec;
mod error;
mod keys;
mod options;
mod scripts;

pub use adapter::RedisAdapter;
pub use options::RedisOptions;
