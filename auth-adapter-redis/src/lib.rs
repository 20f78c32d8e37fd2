//! redis backend for auth-adapter (in progress).
