//! [`PostgresOptions`]: where the tables live and how the pool [`connect`] opens is sized.
//!
//! [`connect`]: crate::PostgresAdapter::connect

use std::time::Duration;

use auth_adapter_core::backend::validate;
use auth_adapter_core::{AdapterError, Result};

use crate::layout::{Layout, Tables};

/// The longest identifier PostgreSQL keeps (`NAMEDATALEN - 1` bytes).
const MAX_IDENTIFIER_BYTES: usize = 63;

/// Options for a [`PostgresAdapter`](crate::PostgresAdapter).
///
/// ```
/// use std::time::Duration;
/// use auth_adapter_postgres::PostgresOptions;
///
/// let options = PostgresOptions::new()
///     .schema("auth")
///     .max_connections(20)
///     .acquire_timeout(Duration::from_secs(5));
/// assert_eq!(options.get_schema(), "auth");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostgresOptions {
    schema: String,
    max_connections: u32,
    acquire_timeout: Duration,
    transaction_pooler: bool,
    layout: Layout,
    tables: Option<Tables>,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        PostgresOptions {
            schema: "public".to_owned(),
            max_connections: 10,
            acquire_timeout: Duration::from_secs(30),
            transaction_pooler: false,
            layout: Layout::PgAdapter,
            tables: None,
        }
    }
}

impl PostgresOptions {
    /// The defaults: the [`Layout::PgAdapter`] tables in schema `public`, at most 10
    /// connections, 30 s to get one, prepared statements (not
    /// [`transaction_pooler`](PostgresOptions::transaction_pooler)).
    pub fn new() -> Self {
        PostgresOptions::default()
    }

    /// The PostgreSQL schema (namespace) that holds the tables (default `public`).
    ///
    /// It must be a plain identifier: ASCII letters, digits and `_`, not starting with a
    /// digit, at most 63 bytes. It is used verbatim and quoted in every statement, so it is
    /// case-sensitive (`Auth` and `auth` are different schemas); a lower-case name means the
    /// same quoted and unquoted, which is what a Node app's `search_path` needs. The
    /// adapter's constructors reject anything else with
    /// [`AdapterError::InvalidInput`] (field `schema`).
    pub fn schema(mut self, schema: impl Into<String>) -> Self {
        self.schema = schema.into();
        self
    }

    /// The most connections [`PostgresAdapter::connect`](crate::PostgresAdapter::connect)
    /// opens (default 10). Ignored when the adapter is built from an existing pool.
    pub fn max_connections(mut self, max: u32) -> Self {
        self.max_connections = max;
        self
    }

    /// How long [`PostgresAdapter::connect`](crate::PostgresAdapter::connect) and every
    /// later call wait for a connection, including opening one (default 30 s). Ignored when
    /// the adapter is built from an existing pool.
    pub fn acquire_timeout(mut self, timeout: Duration) -> Self {
        self.acquire_timeout = timeout;
        self
    }

    /// Set this when the URL reaches PostgreSQL through a pooler in **transaction mode**
    /// (PgBouncer with `pool_mode = transaction`, Supabase's Supavisor on port 6543, the
    /// poolers of Neon and other managed services), which hands each transaction, and
    /// each statement outside one, whichever server connection is free (default `false`).
    ///
    /// Then the adapter keeps nothing on a server connection beyond the statement that
    /// runs: every call is one statement sent with PostgreSQL's simple query protocol
    /// (one `Query` message, its values written into the text as escaped, typed
    /// literals), so no prepared statement, named or unnamed, outlives the message that
    /// made it. Every call is still **one round trip**, `get_session_and_user`
    /// included; the server parses and plans each statement anew (see BENCHMARKS.md,
    /// "Behind a transaction pooler", for what that costs). [`PostgresAdapter::connect`]
    /// then also leaves `extra_float_digits` out of the startup packet (PgBouncer refuses
    /// unknown startup parameters unless told to ignore them) and turns sqlx's statement
    /// logging off (the statements hold the values, tokens included). [`migrate`] works
    /// through the pooler too: it is one transaction, under a transaction-scoped
    /// advisory lock.
    ///
    /// Leave it off for a direct connection or a pooler in session mode: prepared
    /// statements are a little faster, and keep values out of statement text (which
    /// PostgreSQL logs for a failed statement; see the [crate docs](crate#transaction-poolers)).
    ///
    /// ```
    /// use auth_adapter_postgres::PostgresOptions;
    ///
    /// // The URL is PgBouncer (pool_mode = transaction), Supavisor's port 6543, …
    /// let options = PostgresOptions::new().transaction_pooler(true);
    /// assert!(options.get_transaction_pooler());
    /// ```
    ///
    /// [`PostgresAdapter::connect`]: crate::PostgresAdapter::connect
    /// [`migrate`]: crate::PostgresAdapter::migrate
    pub fn transaction_pooler(mut self, on: bool) -> Self {
        self.transaction_pooler = on;
        self
    }

    /// Which Auth.js adapter's tables to use (default [`Layout::PgAdapter`]): see the
    /// [crate docs](crate#layouts).
    ///
    /// ```
    /// use auth_adapter_postgres::{Layout, PostgresOptions};
    ///
    /// let options = PostgresOptions::new().layout(Layout::Prisma);
    /// assert_eq!(options.get_layout(), Layout::Prisma);
    /// assert_eq!(options.get_tables().get_user(), "User");
    /// ```
    pub fn layout(mut self, layout: Layout) -> Self {
        self.layout = layout;
        self
    }

    /// The names of the five tables, for a Prisma schema with `@@map` or Drizzle tables of
    /// your own (default: the layout's, [`Layout::default_tables`]). The
    /// [`Layout::PgAdapter`] names are fixed by `@auth/pg-adapter`'s SQL: other names are
    /// [`AdapterError::InvalidInput`] there.
    pub fn tables(mut self, tables: Tables) -> Self {
        self.tables = Some(tables);
        self
    }

    /// The layout.
    pub fn get_layout(&self) -> Layout {
        self.layout
    }

    /// The table names: those given with [`tables`](PostgresOptions::tables), else the
    /// layout's defaults.
    pub fn get_tables(&self) -> Tables {
        self.tables
            .clone()
            .unwrap_or_else(|| self.layout.default_tables())
    }

    /// The schema the tables live in.
    pub fn get_schema(&self) -> &str {
        &self.schema
    }

    /// The pool size `connect` uses.
    pub fn get_max_connections(&self) -> u32 {
        self.max_connections
    }

    /// The acquire timeout `connect` uses.
    pub fn get_acquire_timeout(&self) -> Duration {
        self.acquire_timeout
    }

    /// Whether the adapter runs for a transaction-mode pooler.
    pub fn get_transaction_pooler(&self) -> bool {
        self.transaction_pooler
    }

    /// Checks every option; the adapter's constructors call it.
    pub(crate) fn validate(&self) -> Result<()> {
        validate_identifier("schema", &self.schema)?;
        if let Some(tables) = &self.tables {
            tables.validate()?;
            if self.layout == Layout::PgAdapter && *tables != Layout::PgAdapter.default_tables() {
                return Err(AdapterError::invalid(
                    "tables",
                    "cannot rename the pg-adapter layout's tables (@auth/pg-adapter's SQL names them)",
                ));
            }
        }
        validate::option_at_least_one("max_connections", self.max_connections as usize)?;
        validate::option_time_limit("acquire_timeout", self.acquire_timeout)
    }
}

/// Checks that `name` is a plain SQL identifier that can be put between double quotes
/// without escaping: ASCII letters, digits and `_`, not starting with a digit, 1 to 63
/// bytes. The message names the rule, not the value.
pub(crate) fn validate_identifier(field: &'static str, name: &str) -> Result<()> {
    let Some(first) = name.bytes().next() else {
        return Err(AdapterError::invalid(field, "is empty"));
    };
    if name.len() > MAX_IDENTIFIER_BYTES {
        return Err(AdapterError::invalid(
            field,
            format!(
                "is {} bytes long, more than the {MAX_IDENTIFIER_BYTES} PostgreSQL keeps",
                name.len()
            ),
        ));
    }
    if first.is_ascii_digit() {
        return Err(AdapterError::invalid(field, "starts with a digit"));
    }
    if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(AdapterError::invalid(
            field,
            "may hold only ASCII letters, digits and `_`",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_identifiers() {
        for ok in [
            "public",
            "auth",
            "_x",
            "Auth_2",
            "aa_0123456789abcdef",
            &"a".repeat(63),
        ] {
            assert!(validate_identifier("schema", ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_everything_that_would_need_escaping() {
        for bad in [
            "",
            "1abc",
            "a-b",
            "a b",
            "a\"b",
            "a;drop",
            "é",
            "a\0",
            &"a".repeat(64),
        ] {
            let err = validate_identifier("schema", bad).unwrap_err();
            assert!(err.is_invalid_input(), "{bad:?}: {err}");
        }
    }

    #[test]
    fn options_validate_schema_and_pool_size() {
        assert!(PostgresOptions::new().validate().is_ok());
        assert!(PostgresOptions::new().schema("x y").validate().is_err());
        assert!(
            PostgresOptions::new()
                .max_connections(0)
                .validate()
                .is_err()
        );
    }

    #[test]
    fn tables_are_checked_and_fixed_for_pg_adapter() {
        let renamed = Layout::Drizzle.default_tables().user("users");
        assert!(
            PostgresOptions::new()
                .layout(Layout::Drizzle)
                .tables(renamed.clone())
                .validate()
                .is_ok()
        );
        assert!(
            PostgresOptions::new()
                .tables(renamed)
                .validate()
                .unwrap_err()
                .is_invalid_input()
        );
        assert!(
            PostgresOptions::new()
                .layout(Layout::Prisma)
                .tables(Layout::Prisma.default_tables().user("1x"))
                .validate()
                .is_err()
        );
    }
}
