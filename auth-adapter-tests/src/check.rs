//! Assertions on [`AdapterError`]s, by kind.

use std::fmt;

use auth_adapter_core::{AdapterError, Result};

/// The kind of an [`AdapterError`], without its details: what the suite and the model
/// check compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ErrorKind {
    /// [`AdapterError::NotFound`].
    NotFound,
    /// [`AdapterError::Conflict`].
    Conflict,
    /// [`AdapterError::InvalidInput`].
    InvalidInput,
    /// [`AdapterError::Unsupported`].
    Unsupported,
    /// [`AdapterError::Backend`].
    Backend,
    /// A variant added to `AdapterError` after this suite was written.
    Other,
}

impl ErrorKind {
    /// The kind of `err`.
    pub fn of(err: &AdapterError) -> Self {
        match err {
            AdapterError::NotFound { .. } => ErrorKind::NotFound,
            AdapterError::Conflict { .. } => ErrorKind::Conflict,
            AdapterError::InvalidInput { .. } => ErrorKind::InvalidInput,
            AdapterError::Unsupported { .. } => ErrorKind::Unsupported,
            AdapterError::Backend { .. } => ErrorKind::Backend,
            _ => ErrorKind::Other,
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// Unwraps an `Ok`, panicking with `what` and the error otherwise.
#[track_caller]
pub fn ok<T>(result: Result<T>, what: &str) -> T {
    match result {
        Ok(value) => value,
        Err(err) => panic!(
            "{what}: expected Ok, got Err({:?}): {err}",
            ErrorKind::of(&err)
        ),
    }
}

/// Asserts that `result` is an error of kind `kind`, and returns the error.
#[track_caller]
pub fn err<T: fmt::Debug>(result: Result<T>, kind: ErrorKind, what: &str) -> AdapterError {
    match result {
        Ok(value) => panic!("{what}: expected Err({kind}), got Ok({value:?})"),
        Err(err) => {
            assert_eq!(
                ErrorKind::of(&err),
                kind,
                "{what}: expected Err({kind}), got Err({:?}): {err}",
                ErrorKind::of(&err)
            );
            err
        }
    }
}

/// Asserts that neither the `Display` nor the `Debug` output of `value` contains `secret`.
#[track_caller]
pub fn hides<T: fmt::Debug + ?Sized>(value: &T, secret: &str, what: &str) {
    let debug = format!("{value:?}");
    assert!(
        !debug.contains(secret),
        "{what}: Debug output shows a secret: {debug}"
    );
    let pretty = format!("{value:#?}");
    assert!(
        !pretty.contains(secret),
        "{what}: pretty Debug output shows a secret"
    );
}

/// Asserts that an error's `Display` and `Debug` output (sources included) do not contain
/// `secret`.
#[track_caller]
pub fn error_hides(err: &AdapterError, secret: &str, what: &str) {
    hides(err, secret, what);
    let mut source: Option<&dyn std::error::Error> = Some(err);
    while let Some(e) = source {
        assert!(
            !e.to_string().contains(secret),
            "{what}: error message (or its source) shows a secret: {e}"
        );
        source = e.source();
    }
}
