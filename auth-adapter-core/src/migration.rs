//! [`MigrationReport`]: what a backend's `migrate()` did, the same type on every backend.

/// What one `migrate()` run changed. Empty ([`is_noop`](Self::is_noop)) when the store
/// already had the whole layout. A field a backend has nothing to say about stays empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MigrationReport {
    /// Whether the namespace itself had to be created (a PostgreSQL schema).
    pub created_schema: bool,
    /// Tables created, e.g. `["users", "accounts", …]` on an empty store.
    pub created_tables: Vec<&'static str>,
    /// Constraints added to tables that existed (unique keys, foreign keys).
    pub added_constraints: Vec<&'static str>,
    /// Indexes created.
    pub created_indexes: Vec<&'static str>,
    /// Functions created (PostgreSQL's `auth_adapter_token_used`, which records a bound
    /// token's use).
    pub created_functions: Vec<&'static str>,
    /// The layout version the store recorded before this run, where it records one
    /// (SQLite's `PRAGMA user_version`: 0 for a new file or one another tool made).
    pub previous_version: Option<i64>,
}

impl MigrationReport {
    /// Whether this run changed nothing.
    pub fn is_noop(&self) -> bool {
        !self.created_schema
            && self.created_tables.is_empty()
            && self.added_constraints.is_empty()
            && self.created_indexes.is_empty()
            && self.created_functions.is_empty()
    }
}
