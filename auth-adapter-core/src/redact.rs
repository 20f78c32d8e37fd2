//! `Debug` helpers that print a secret's presence, never its value.

use std::fmt;

/// Prints `"<redacted>"` (or `None`) in place of a secret.
pub(crate) struct Redacted<'a, T: ?Sized>(pub(crate) &'a T);

impl fmt::Debug for Redacted<'_, str> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"<redacted>\"")
    }
}

impl fmt::Debug for Redacted<'_, String> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"<redacted>\"")
    }
}

impl fmt::Debug for Redacted<'_, Option<String>> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(_) => f.write_str("Some(\"<redacted>\")"),
            None => f.write_str("None"),
        }
    }
}

impl fmt::Debug for Redacted<'_, Option<Option<String>>> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(Some(_)) => f.write_str("Some(Some(\"<redacted>\"))"),
            Some(None) => f.write_str("Some(None)"),
            None => f.write_str("None"),
        }
    }
}
