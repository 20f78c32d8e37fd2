//! postgres backend for auth-adapter (in progress).
