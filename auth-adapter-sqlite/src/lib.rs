//! sqlite backend for auth-adapter (in progress).
