//! [`SqliteOptions`]: pool size, timeouts and durability.

use std::time::Duration;

use crate::layout::{Layout, TableNames, Tables};

/// How hard SQLite works to make a commit survive a crash: the `PRAGMA synchronous` setting
/// of every connection. The database runs in WAL mode, where both settings keep the file
/// consistent (never corrupt); they differ in what a *committed* transaction survives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Synchronous {
    /// `synchronous = FULL` (the default): the WAL file is flushed to stable storage
    /// (`fsync`) at every commit, before the call returns. Nothing acknowledged is lost when
    /// the process is killed, and nothing when the machine loses power or the OS crashes
    /// either (as far as the disk honours `fsync`). Costs one `fsync` per write.
    #[default]
    Full,
    /// `synchronous = NORMAL`: the WAL is flushed only at checkpoints, not at every commit.
    /// Faster writes. A killed *process* loses nothing (the commit is in the OS page cache,
    /// which the OS writes out), but a power loss or OS crash may roll back the transactions
    /// committed since the last WAL flush: sessions, tokens or users acknowledged a moment
    /// before may be missing after the reboot. The file stays consistent either way.
    Normal,
}

impl Synchronous {
    pub(crate) fn pragma_value(self) -> &'static str {
        match self {
            Synchronous::Full => "FULL",
            Synchronous::Normal => "NORMAL",
        }
    }
}

/// How a [`SqliteAdapter`](crate::SqliteAdapter) opens its database.
///
/// ```
/// use std::time::Duration;
/// use auth_adapter_sqlite::{SqliteOptions, Synchronous};
///
/// let options = SqliteOptions::default()
///     .readers(8)
///     .busy_timeout(Duration::from_secs(10))
///     .synchronous(Synchronous::Normal)
///     .migrate_on_open(true);
/// assert_eq!(options.get_readers(), 8);
/// ```
///
/// The layout and the table names say which tables the adapter uses (see the
/// [crate docs](crate#layouts)):
///
/// ```
/// use auth_adapter_sqlite::{Layout, SqliteOptions};
///
/// let options = SqliteOptions::new().layout(Layout::Prisma);
/// assert_eq!(options.get_layout(), Layout::Prisma);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqliteOptions {
    readers: usize,
    busy_timeout: Duration,
    acquire_timeout: Duration,
    synchronous: Synchronous,
    migrate_on_open: bool,
    layout: Layout,
    table_names: TableNames,
}

impl Default for SqliteOptions {
    /// 4 reader connections, a 5 s busy timeout, a 30 s pool wait, `synchronous = FULL`, no
    /// migration on open, the Drizzle layout under its own table names.
    fn default() -> Self {
        SqliteOptions {
            readers: 4,
            busy_timeout: Duration::from_secs(5),
            acquire_timeout: Duration::from_secs(30),
            synchronous: Synchronous::Full,
            migrate_on_open: false,
            layout: Layout::Drizzle,
            table_names: TableNames::new(),
        }
    }
}

impl SqliteOptions {
    /// The defaults (see [`Default`]).
    pub fn new() -> Self {
        SqliteOptions::default()
    }

    /// How many connections serve reads in parallel (default 4; 0 is refused when the
    /// adapter opens). Writes always go through one more, dedicated, writer connection.
    /// Ignored for an in-memory database, which has a single connection.
    pub fn readers(mut self, readers: usize) -> Self {
        self.readers = readers;
        self
    }

    /// How long a statement waits for a lock held by *another process* (e.g. a Node Auth.js
    /// app on the same file) before failing with a transient error (`PRAGMA busy_timeout`;
    /// default 5 s). Writers of this adapter never wait on each other through SQLite: they
    /// queue for the one writer connection instead.
    pub fn busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = timeout;
        self
    }

    /// How long a call waits for a free connection before failing with a transient error
    /// (default 30 s).
    pub fn acquire_timeout(mut self, timeout: Duration) -> Self {
        self.acquire_timeout = timeout;
        self
    }

    /// The durability of a commit (default [`Synchronous::Full`]).
    pub fn synchronous(mut self, synchronous: Synchronous) -> Self {
        self.synchronous = synchronous;
        self
    }

    /// Whether [`SqliteAdapter::open`](crate::SqliteAdapter::open) runs
    /// [`migrate`](crate::SqliteAdapter::migrate) (default `false`: migrating is explicit).
    pub fn migrate_on_open(mut self, migrate: bool) -> Self {
        self.migrate_on_open = migrate;
        self
    }

    /// The table layout (default [`Layout::Drizzle`]).
    pub fn layout(mut self, layout: Layout) -> Self {
        self.layout = layout;
        self
    }

    /// The tables' names where they are not the layout's own (default: all the layout's).
    pub fn table_names(mut self, names: TableNames) -> Self {
        self.table_names = names;
        self
    }

    /// The number of reader connections.
    pub fn get_readers(&self) -> usize {
        self.readers
    }

    /// The busy timeout.
    pub fn get_busy_timeout(&self) -> Duration {
        self.busy_timeout
    }

    /// The pool wait timeout.
    pub fn get_acquire_timeout(&self) -> Duration {
        self.acquire_timeout
    }

    /// The durability setting.
    pub fn get_synchronous(&self) -> Synchronous {
        self.synchronous
    }

    /// Whether opening migrates.
    pub fn get_migrate_on_open(&self) -> bool {
        self.migrate_on_open
    }

    /// The table layout.
    pub fn get_layout(&self) -> Layout {
        self.layout
    }

    /// The table names set (unset ones are the layout's).
    pub fn get_table_names(&self) -> &TableNames {
        &self.table_names
    }

    /// The layout's tables under their resolved names; checks the names.
    pub(crate) fn tables(&self) -> auth_adapter_core::Result<Tables> {
        Tables::resolve(self.layout, &self.table_names)
    }

    /// Checks every option; the adapter's constructors call it. A zero busy timeout is
    /// allowed (fail at once on another process's lock); zero readers or a zero pool wait
    /// are refused, and so are table names SQLite cannot take (see [`TableNames`]).
    pub(crate) fn validate(&self) -> auth_adapter_core::Result<()> {
        use auth_adapter_core::backend::validate;
        validate::option_at_least_one("readers", self.readers)?;
        validate::option_time_limit("acquire_timeout", self.acquire_timeout)?;
        self.tables().map(|_| ())
    }
}
