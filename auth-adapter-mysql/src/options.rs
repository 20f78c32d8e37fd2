//! [`MySqlOptions`]: which layout the tables are in and how the pool [`connect`] opens is
//! sized.
//!
//! [`connect`]: crate::MySqlAdapter::connect

use std::time::Duration;

use auth_adapter_core::Result;
use auth_adapter_core::backend::validate;

use crate::layout::Layout;

/// Options for a [`MySqlAdapter`](crate::MySqlAdapter).
///
/// ```
/// use std::time::Duration;
/// use auth_adapter_mysql::{Layout, MySqlOptions};
///
/// let options = MySqlOptions::new()
///     .layout(Layout::Drizzle)
///     .max_connections(20)
///     .acquire_timeout(Duration::from_secs(5));
/// assert_eq!(options.get_layout(), Layout::Drizzle);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MySqlOptions {
    layout: Layout,
    max_connections: u32,
    acquire_timeout: Duration,
}

impl Default for MySqlOptions {
    fn default() -> Self {
        MySqlOptions {
            layout: Layout::default(),
            max_connections: 10,
            acquire_timeout: Duration::from_secs(30),
        }
    }
}

impl MySqlOptions {
    /// The defaults: the Prisma layout, at most 10 connections, 30 s to get one.
    pub fn new() -> Self {
        MySqlOptions::default()
    }

    /// The table layout (default [`Layout::Prisma`]). See the
    /// [crate docs](crate#layouts) for what each holds.
    pub fn layout(mut self, layout: Layout) -> Self {
        self.layout = layout;
        self
    }

    /// The most connections [`MySqlAdapter::connect`](crate::MySqlAdapter::connect) opens
    /// (default 10). Ignored when the adapter is built from an existing pool.
    pub fn max_connections(mut self, max: u32) -> Self {
        self.max_connections = max;
        self
    }

    /// How long [`MySqlAdapter::connect`](crate::MySqlAdapter::connect) and every later
    /// call wait for a connection, including opening one (default 30 s). Ignored when the
    /// adapter is built from an existing pool.
    pub fn acquire_timeout(mut self, timeout: Duration) -> Self {
        self.acquire_timeout = timeout;
        self
    }

    /// The table layout.
    pub fn get_layout(&self) -> Layout {
        self.layout
    }

    /// The pool size `connect` uses.
    pub fn get_max_connections(&self) -> u32 {
        self.max_connections
    }

    /// The acquire timeout `connect` uses.
    pub fn get_acquire_timeout(&self) -> Duration {
        self.acquire_timeout
    }

    /// Checks every option; the adapter's constructors call it.
    pub(crate) fn validate(&self) -> Result<()> {
        validate::option_at_least_one("max_connections", self.max_connections as usize)?;
        validate::option_time_limit("acquire_timeout", self.acquire_timeout)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_validate_pool_size_and_timeout() {
        assert!(MySqlOptions::new().validate().is_ok());
        assert_eq!(MySqlOptions::new().get_layout(), Layout::Prisma);
        assert!(MySqlOptions::new().max_connections(0).validate().is_err());
        assert!(
            MySqlOptions::new()
                .acquire_timeout(Duration::ZERO)
                .validate()
                .is_err()
        );
    }
}
