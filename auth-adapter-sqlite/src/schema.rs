//! The tables of each layout, created or adopted by
//! [`SqliteAdapter::migrate`](crate::SqliteAdapter::migrate), and [`detect`]: which of
//! Prisma's bookkeeping columns an existing Prisma database has.

use auth_adapter_core::{AdapterError, MigrationReport, Result};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use crate::errors::driver_error;
use crate::layout::{DateFormat, Extras, Layout, Shape, Tables};

/// The schema version this crate writes to `PRAGMA user_version`.
/// Version 2 added `auth_adapter_counter`, version 3 `auth_adapter_token` and its indexes.
pub const SCHEMA_VERSION: i64 = 3;

struct Table {
    name: String,
    /// The statement the layout's own tool generates for the table.
    ddl: String,
    /// The columns this crate reads and writes; an adopted table must have them all.
    columns: &'static [&'static str],
}

const USER_COLUMNS: &[&str] = &["id", "name", "email", "emailVerified", "image"];
const ACCOUNT_COLUMNS: &[&str] = &[
    "userId",
    "type",
    "provider",
    "providerAccountId",
    "refresh_token",
    "access_token",
    "expires_at",
    "token_type",
    "scope",
    "id_token",
    "session_state",
];
const SESSION_COLUMNS: &[&str] = &["sessionToken", "userId", "expires"];
const TOKEN_COLUMNS: &[&str] = &["identifier", "token", "expires"];
const AUTHENTICATOR_COLUMNS: &[&str] = &[
    "credentialID",
    "userId",
    "providerAccountId",
    "credentialPublicKey",
    "counter",
    "credentialDeviceType",
    "credentialBackedUp",
    "transports",
];

/// The statements drizzle-kit 0.31 generates for @auth/drizzle-adapter's default tables
/// (`generateSQLiteMigration` from an empty database), byte for byte; the names are the
/// configured ones.
fn drizzle_tables(t: &Tables) -> Vec<Table> {
    let (u, a, s, v, au) = (
        &t.user,
        &t.account,
        &t.session,
        &t.verification_token,
        &t.authenticator,
    );
    vec![
        Table {
            name: u.clone(),
            ddl: format!(
                "CREATE TABLE `{u}` (
\t`id` text PRIMARY KEY NOT NULL,
\t`name` text,
\t`email` text,
\t`emailVerified` integer,
\t`image` text
);
"
            ),
            columns: USER_COLUMNS,
        },
        Table {
            name: a.clone(),
            ddl: format!(
                "CREATE TABLE `{a}` (
\t`userId` text NOT NULL,
\t`type` text NOT NULL,
\t`provider` text NOT NULL,
\t`providerAccountId` text NOT NULL,
\t`refresh_token` text,
\t`access_token` text,
\t`expires_at` integer,
\t`token_type` text,
\t`scope` text,
\t`id_token` text,
\t`session_state` text,
\tPRIMARY KEY(`provider`, `providerAccountId`),
\tFOREIGN KEY (`userId`) REFERENCES `{u}`(`id`) ON UPDATE no action ON DELETE cascade
);
"
            ),
            columns: ACCOUNT_COLUMNS,
        },
        Table {
            name: s.clone(),
            ddl: format!(
                "CREATE TABLE `{s}` (
\t`sessionToken` text PRIMARY KEY NOT NULL,
\t`userId` text NOT NULL,
\t`expires` integer NOT NULL,
\tFOREIGN KEY (`userId`) REFERENCES `{u}`(`id`) ON UPDATE no action ON DELETE cascade
);
"
            ),
            columns: SESSION_COLUMNS,
        },
        Table {
            name: v.clone(),
            ddl: format!(
                "CREATE TABLE `{v}` (
\t`identifier` text NOT NULL,
\t`token` text NOT NULL,
\t`expires` integer NOT NULL,
\tPRIMARY KEY(`identifier`, `token`)
);
"
            ),
            columns: TOKEN_COLUMNS,
        },
        Table {
            name: au.clone(),
            ddl: format!(
                "CREATE TABLE `{au}` (
\t`credentialID` text NOT NULL,
\t`userId` text NOT NULL,
\t`providerAccountId` text NOT NULL,
\t`credentialPublicKey` text NOT NULL,
\t`counter` integer NOT NULL,
\t`credentialDeviceType` text NOT NULL,
\t`credentialBackedUp` integer NOT NULL,
\t`transports` text,
\tPRIMARY KEY(`userId`, `credentialID`),
\tFOREIGN KEY (`userId`) REFERENCES `{u}`(`id`) ON UPDATE no action ON DELETE cascade
);
"
            ),
            columns: AUTHENTICATOR_COLUMNS,
        },
    ]
}

/// What `prisma migrate` generates for the Auth.js docs' SQLite schema
/// (`interop/prisma-sqlite/schema.prisma`): the `CREATE TABLE` statements of its
/// `migration.sql`, foreign keys inline as Prisma writes them on SQLite; the names are the
/// configured (`@@map`) ones, and so are the constraint names derived from them.
fn prisma_tables(t: &Tables) -> Vec<Table> {
    let (u, a, s, v, au) = (
        &t.user,
        &t.account,
        &t.session,
        &t.verification_token,
        &t.authenticator,
    );
    vec![
        Table {
            name: u.clone(),
            ddl: format!(
                r#"CREATE TABLE "{u}" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT,
    "email" TEXT,
    "emailVerified" DATETIME,
    "image" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);"#
            ),
            columns: USER_COLUMNS,
        },
        Table {
            name: a.clone(),
            ddl: format!(
                r#"CREATE TABLE "{a}" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "userId" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "providerAccountId" TEXT NOT NULL,
    "refresh_token" TEXT,
    "access_token" TEXT,
    "expires_at" INTEGER,
    "token_type" TEXT,
    "scope" TEXT,
    "id_token" TEXT,
    "session_state" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "{a}_userId_fkey" FOREIGN KEY ("userId") REFERENCES "{u}" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);"#
            ),
            columns: ACCOUNT_COLUMNS,
        },
        Table {
            name: s.clone(),
            ddl: format!(
                r#"CREATE TABLE "{s}" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "sessionToken" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "expires" DATETIME NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "{s}_userId_fkey" FOREIGN KEY ("userId") REFERENCES "{u}" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);"#
            ),
            columns: SESSION_COLUMNS,
        },
        Table {
            name: v.clone(),
            ddl: format!(
                r#"CREATE TABLE "{v}" (
    "identifier" TEXT NOT NULL,
    "token" TEXT NOT NULL,
    "expires" DATETIME NOT NULL
);"#
            ),
            columns: TOKEN_COLUMNS,
        },
        Table {
            name: au.clone(),
            ddl: format!(
                r#"CREATE TABLE "{au}" (
    "credentialID" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "providerAccountId" TEXT NOT NULL,
    "credentialPublicKey" TEXT NOT NULL,
    "counter" INTEGER NOT NULL,
    "credentialDeviceType" TEXT NOT NULL,
    "credentialBackedUp" BOOLEAN NOT NULL,
    "transports" TEXT,

    PRIMARY KEY ("userId", "credentialID"),
    CONSTRAINT "{au}_userId_fkey" FOREIGN KEY ("userId") REFERENCES "{u}" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);"#
            ),
            columns: AUTHENTICATOR_COLUMNS,
        },
    ]
}

/// This crate's own tables, the same in every layout.
fn own_tables(t: &Tables) -> Vec<Table> {
    let u = &t.user;
    vec![
        // The CounterStore: attempt and rate limits shared by every process on the file.
        // Neither Auth.js adapter reads it.
        Table {
            name: "auth_adapter_counter".into(),
            ddl: "CREATE TABLE `auth_adapter_counter` (
\t`key` text PRIMARY KEY NOT NULL,
\t`count` integer NOT NULL,
\t`resetsAt` integer NOT NULL
);
"
            .into(),
            columns: &["key", "count", "resetsAt"],
        },
        // The TokenStore: tokens bound to users, kept as keyed hashes. The foreign key takes
        // a user's tokens along when the user is deleted (by us, or by a Node app whose
        // connection enforces foreign keys). Neither Auth.js adapter reads it.
        Table {
            name: "auth_adapter_token".into(),
            ddl: format!(
                "CREATE TABLE `auth_adapter_token` (
\t`id` text PRIMARY KEY NOT NULL,
\t`userId` text NOT NULL,
\t`realm` text NOT NULL,
\t`tokenHash` text NOT NULL,
\t`name` text,
\t`displayPrefix` text NOT NULL,
\t`scopes` text NOT NULL,
\t`createdAt` integer NOT NULL,
\t`lastUsedAt` integer,
\t`expires` integer,
\tFOREIGN KEY (`userId`) REFERENCES `{u}`(`id`) ON UPDATE no action ON DELETE cascade
);
"
            ),
            columns: &[
                "id",
                "userId",
                "realm",
                "tokenHash",
                "name",
                "displayPrefix",
                "scopes",
                "createdAt",
                "lastUsedAt",
                "expires",
            ],
        },
    ]
}

struct Index {
    name: String,
    ddl: String,
    /// For a unique index: a query listing keys that violate it, to name them in the error.
    duplicates: Option<String>,
}

/// drizzle-kit's unique indexes and our additions on the drizzle tables, created when no
/// index of that name exists.
fn drizzle_indexes(t: &Tables) -> Vec<Index> {
    let (u, a, s, au) = (&t.user, &t.account, &t.session, &t.authenticator);
    vec![
        // drizzle-kit's own (the `.unique()` columns).
        Index {
            name: format!("{u}_email_unique"),
            ddl: format!("CREATE UNIQUE INDEX `{u}_email_unique` ON `{u}` (`email`);"),
            duplicates: Some(format!(
                r#"SELECT group_concat("id", ', ') FROM "{u}" WHERE "email" IS NOT NULL GROUP BY "email" HAVING count(*) > 1 LIMIT 5"#
            )),
        },
        Index {
            name: format!("{au}_credentialID_unique"),
            ddl: format!(
                "CREATE UNIQUE INDEX `{au}_credentialID_unique` ON `{au}` (`credentialID`);"
            ),
            duplicates: Some(format!(
                r#"SELECT group_concat("userId", ', ') FROM "{au}" GROUP BY "credentialID" HAVING count(*) > 1 LIMIT 5"#
            )),
        },
        // Additions: the per-user lookups (delete_user, sign out everywhere) and the
        // foreign-key checks of a user delete use them. Plain indexes: @auth/drizzle-adapter
        // never notices.
        Index {
            name: format!("{a}_userId_idx"),
            ddl: format!("CREATE INDEX `{a}_userId_idx` ON `{a}` (`userId`);"),
            duplicates: None,
        },
        Index {
            name: format!("{s}_userId_idx"),
            ddl: format!("CREATE INDEX `{s}_userId_idx` ON `{s}` (`userId`);"),
            duplicates: None,
        },
    ]
}

/// The TokenStore's indexes: one binding per (realm, token hash), a user's tokens (lists,
/// the cascade of a user delete), the expired ones (purge). The table is always ours, so
/// the unique index can have no duplicates to report.
fn own_indexes() -> Vec<Index> {
    [
        ("auth_adapter_token_realm_tokenHash_unique", "CREATE UNIQUE INDEX `auth_adapter_token_realm_tokenHash_unique` ON `auth_adapter_token` (`realm`,`tokenHash`);"),
        ("auth_adapter_token_userId_idx", "CREATE INDEX `auth_adapter_token_userId_idx` ON `auth_adapter_token` (`userId`);"),
        ("auth_adapter_token_expires_idx", "CREATE INDEX `auth_adapter_token_expires_idx` ON `auth_adapter_token` (`expires`) WHERE `expires` IS NOT NULL;"),
    ]
    .into_iter()
    .map(|(name, ddl)| Index {
        name: name.into(),
        ddl: ddl.into(),
        duplicates: None,
    })
    .collect()
}

/// A key the Prisma layout needs unique: created as Prisma names it (`{table}_{columns}_key`)
/// unless the table already has a unique index or primary key on these columns (or on
/// fewer of them: the PostgreSQL-style schema's `@@id`, the v4 schema's `token @unique`).
struct UniqueKey {
    table: String,
    columns: &'static [&'static str],
}

impl UniqueKey {
    fn name(&self) -> String {
        format!("{}_{}_key", self.table, self.columns.join("_"))
    }

    fn ddl(&self) -> String {
        let columns: Vec<String> = self.columns.iter().map(|c| format!("\"{c}\"")).collect();
        format!(
            r#"CREATE UNIQUE INDEX "{}" ON "{}"({});"#,
            self.name(),
            self.table,
            columns.join(", ")
        )
    }
}

/// Prisma's unique indexes for the docs schema, in the order its `migration.sql` creates
/// them.
fn prisma_unique_keys(t: &Tables) -> Vec<UniqueKey> {
    vec![
        UniqueKey {
            table: t.user.clone(),
            columns: &["email"],
        },
        UniqueKey {
            table: t.account.clone(),
            columns: &["provider", "providerAccountId"],
        },
        UniqueKey {
            table: t.session.clone(),
            columns: &["sessionToken"],
        },
        UniqueKey {
            table: t.verification_token.clone(),
            columns: &["identifier", "token"],
        },
        UniqueKey {
            table: t.authenticator.clone(),
            columns: &["credentialID"],
        },
    ]
}

/// Creates what is missing of the layout, in one write transaction, and returns what it
/// did with the shape of the tables afterwards. Existing tables (from drizzle-kit or
/// `prisma migrate`, or an earlier run) are kept with their rows; each must have the
/// columns this crate uses.
pub(crate) fn migrate(conn: &mut Connection, tables: &Tables) -> Result<(MigrationReport, Shape)> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(driver_error)?;
    let previous_version: i64 = tx
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(driver_error)?;
    if previous_version > SCHEMA_VERSION {
        return Err(schema_error(format!(
            "the database has schema version {previous_version}, newer than the {SCHEMA_VERSION} \
             this version of auth-adapter-sqlite knows; upgrade the crate"
        )));
    }
    let mut report = MigrationReport::default();
    report.previous_version = Some(previous_version);
    let all_tables: Vec<Table> = match tables.layout {
        Layout::Prisma => prisma_tables(tables),
        _ => drizzle_tables(tables),
    }
    .into_iter()
    .chain(own_tables(tables))
    .collect();
    // Every existing table is checked before anything is created.
    let mut missing = Vec::new();
    for table in &all_tables {
        if exists(&tx, "table", &table.name)? {
            check_columns(&tx, table, tables.layout)?;
        } else {
            missing.push(table);
        }
    }
    let mut created_names = Vec::new();
    for table in missing {
        tx.execute_batch(&table.ddl).map_err(driver_error)?;
        created_names.push(table.name.clone());
    }
    let mut indexes = Vec::new();
    match tables.layout {
        Layout::Prisma => {
            for key in prisma_unique_keys(tables) {
                if !has_unique(&tx, &key.table, key.columns)? {
                    indexes.push(Index {
                        name: key.name(),
                        ddl: key.ddl(),
                        duplicates: None,
                    });
                }
            }
            // Additions: Prisma's SQLite schema indexes no `userId`, which the per-user
            // deletes and the foreign-key checks of a user delete scan for. Named as Prisma
            // names an `@@index([userId])`, so a schema that declares one has it already.
            for table in [&tables.account, &tables.session] {
                if !has_leading_index(&tx, table, "userId")? {
                    indexes.push(Index {
                        name: format!("{table}_userId_idx"),
                        ddl: format!(
                            r#"CREATE INDEX "{table}_userId_idx" ON "{table}"("userId");"#
                        ),
                        duplicates: None,
                    });
                }
            }
        }
        _ => {
            for index in drizzle_indexes(tables) {
                if !exists(&tx, "index", &index.name)? {
                    indexes.push(index);
                }
            }
        }
    }
    for index in own_indexes() {
        if !exists(&tx, "index", &index.name)? {
            indexes.push(index);
        }
    }
    let mut created_indexes = Vec::new();
    for index in indexes {
        if let Err(err) = tx.execute_batch(&index.ddl) {
            return Err(match &index.duplicates {
                Some(query) => duplicate_error(&tx, &index.name, query, err),
                None if is_constraint(&err) => schema_error(format!(
                    "cannot create the unique index `{}`: existing rows share its key; \
                     resolve the duplicates and migrate again",
                    index.name
                )),
                None => driver_error(err),
            });
        }
        created_indexes.push(index.name);
    }
    if previous_version != SCHEMA_VERSION {
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)
            .map_err(driver_error)?;
    }
    let shape = detect(&tx, tables)?;
    tx.commit().map_err(driver_error)?;
    report.created_tables = created_names.into_iter().map(leak_name).collect();
    report.created_indexes = created_indexes.into_iter().map(leak_name).collect();
    Ok((report, shape))
}

/// `MigrationReport` names objects with `&'static str`: the layout's default names are
/// constants; a configured name is leaked, once per object a migration creates (a handful
/// per database, ever).
fn leak_name(name: String) -> &'static str {
    const KNOWN: &[&str] = &[
        "user",
        "account",
        "session",
        "verificationToken",
        "authenticator",
        "User",
        "Account",
        "Session",
        "VerificationToken",
        "Authenticator",
        "auth_adapter_counter",
        "auth_adapter_token",
        "user_email_unique",
        "authenticator_credentialID_unique",
        "account_userId_idx",
        "session_userId_idx",
        "auth_adapter_token_realm_tokenHash_unique",
        "auth_adapter_token_userId_idx",
        "auth_adapter_token_expires_idx",
        "User_email_key",
        "Account_provider_providerAccountId_key",
        "Session_sessionToken_key",
        "VerificationToken_identifier_token_key",
        "Authenticator_credentialID_key",
        "Account_userId_idx",
        "Session_userId_idx",
    ];
    match KNOWN.iter().copied().find(|known| *known == name) {
        Some(known) => known,
        None => Box::leak(name.into_boxed_str()),
    }
}

/// The shape of the tables: for the drizzle layout always [`Shape::DRIZZLE`]; for Prisma,
/// which bookkeeping columns each existing table has (a missing table counts as what
/// `migrate` would create) and whether `email` is required.
pub(crate) fn detect(conn: &Connection, tables: &Tables) -> Result<Shape> {
    if tables.layout != Layout::Prisma {
        return Ok(Shape::DRIZZLE);
    }
    let docs = Shape::PRISMA_DOCS;
    let mut shape = docs;
    shape.dates = DateFormat::PrismaText;
    let extras = |name: &str, default: Extras| -> Result<(Extras, Vec<ColumnInfo>)> {
        let columns = table_info(conn, name)?;
        if columns.is_empty() {
            return Ok((default, columns));
        }
        let has = |c: &str| columns.iter().any(|i| i.name.eq_ignore_ascii_case(c));
        // An INTEGER PRIMARY KEY `id` is SQLite's rowid: the database numbers it.
        let client_id = columns
            .iter()
            .any(|i| i.name.eq_ignore_ascii_case("id") && !(i.primary_key && i.is_integer()));
        Ok((
            Extras {
                id: client_id,
                created_at: has("createdAt"),
                updated_at: has("updatedAt"),
            },
            columns,
        ))
    };
    let (mut user, user_columns) = extras(&tables.user, docs.user)?;
    if let Some(id) = user_columns
        .iter()
        .find(|c| c.name.eq_ignore_ascii_case("id"))
        && id.is_integer()
    {
        return Err(AdapterError::unsupported(format!(
            "table `{}` has an INTEGER `id`: this crate stores user ids as text (Prisma's \
             `String @id @default(cuid())`)",
            tables.user
        )));
    }
    user.id = false;
    shape.user = user;
    shape.email_required = user_columns
        .iter()
        .any(|c| c.name.eq_ignore_ascii_case("email") && c.not_null);
    shape.account = extras(&tables.account, docs.account)?.0;
    shape.session = extras(&tables.session, docs.session)?.0;
    shape.verification_token = extras(&tables.verification_token, docs.verification_token)?.0;
    shape.authenticator = extras(&tables.authenticator, docs.authenticator)?.0;
    Ok(shape)
}

struct ColumnInfo {
    name: String,
    decl_type: String,
    not_null: bool,
    primary_key: bool,
}

impl ColumnInfo {
    fn is_integer(&self) -> bool {
        self.decl_type.eq_ignore_ascii_case("INTEGER")
    }
}

fn table_info(conn: &Connection, table: &str) -> Result<Vec<ColumnInfo>> {
    let mut stmt = conn
        .prepare_cached(r#"SELECT "name", "type", "notnull", "pk" FROM pragma_table_info(?1)"#)
        .map_err(driver_error)?;
    stmt.query_map([table], |row| {
        Ok(ColumnInfo {
            name: row.get(0)?,
            decl_type: row.get(1)?,
            not_null: row.get::<_, i64>(2)? != 0,
            primary_key: row.get::<_, i64>(3)? != 0,
        })
    })
    .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
    .map_err(driver_error)
}

/// The columns of each index of `table`: `(unique, columns in order)`.
fn indexes_of(conn: &Connection, table: &str) -> Result<Vec<(bool, Vec<String>)>> {
    let mut list = conn
        .prepare_cached(r#"SELECT "name", "unique" FROM pragma_index_list(?1)"#)
        .map_err(driver_error)?;
    let found: Vec<(String, bool)> = list
        .query_map([table], |row| Ok((row.get(0)?, row.get::<_, i64>(1)? != 0)))
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
        .map_err(driver_error)?;
    let mut info = conn
        .prepare_cached(r#"SELECT "name" FROM pragma_index_info(?1) ORDER BY "seqno""#)
        .map_err(driver_error)?;
    let mut out = Vec::new();
    for (name, unique) in found {
        let columns = info
            .query_map([&name], |row| row.get::<_, Option<String>>(0))
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(driver_error)?;
        // An expression column has no name: such an index keys nothing we look up.
        if columns.iter().all(Option::is_some) {
            out.push((unique, columns.into_iter().flatten().collect()));
        }
    }
    Ok(out)
}

/// Whether a unique index (or primary key) of `table` keys on some of `columns` only:
/// then `columns` together are unique too.
fn has_unique(conn: &Connection, table: &str, columns: &[&str]) -> Result<bool> {
    if !exists(conn, "table", table)? {
        return Ok(false);
    }
    let indexes = indexes_of(conn, table)?;
    let covered = |index: &Vec<String>| {
        !index.is_empty()
            && index
                .iter()
                .all(|c| columns.iter().any(|k| k.eq_ignore_ascii_case(c)))
    };
    if indexes
        .iter()
        .any(|(unique, cols)| *unique && covered(cols))
    {
        return Ok(true);
    }
    // A single-column rowid primary key (`INTEGER PRIMARY KEY`) has no index of its own.
    let info = table_info(conn, table)?;
    let pk: Vec<String> = info
        .iter()
        .filter(|c| c.primary_key)
        .map(|c| c.name.clone())
        .collect();
    Ok(covered(&pk) && pk.len() == 1 && info.iter().any(|c| c.primary_key && c.is_integer()))
}

/// Whether an index of `table` starts with `column`.
fn has_leading_index(conn: &Connection, table: &str, column: &str) -> Result<bool> {
    Ok(indexes_of(conn, table)?.iter().any(|(_, cols)| {
        cols.first()
            .is_some_and(|first| first.eq_ignore_ascii_case(column))
    }))
}

fn is_constraint(err: &rusqlite::Error) -> bool {
    matches!(err, rusqlite::Error::SqliteFailure(e, _) if e.code == rusqlite::ErrorCode::ConstraintViolation)
}

fn exists(conn: &Connection, kind: &str, name: &str) -> Result<bool> {
    conn.prepare_cached("SELECT 1 FROM sqlite_master WHERE type = ?1 AND name = ?2 COLLATE NOCASE")
        .and_then(|mut stmt| {
            stmt.query_row([kind, name], |_| Ok(()))
                .optional()
                .map(|found| found.is_some())
        })
        .map_err(driver_error)
}

fn check_columns(conn: &Connection, table: &Table, layout: Layout) -> Result<()> {
    let present = table_info(conn, &table.name)?;
    let missing: Vec<&str> = table
        .columns
        .iter()
        .copied()
        .filter(|c| !present.iter().any(|p| p.name.eq_ignore_ascii_case(c)))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let what = if table.name.starts_with("auth_adapter_") {
        "this crate's table".to_owned()
    } else {
        match layout {
            Layout::Prisma => "the @auth/prisma-adapter SQLite layout".to_owned(),
            _ => "the @auth/drizzle-adapter SQLite layout".to_owned(),
        }
    };
    Err(schema_error(format!(
        "table `{}` exists but lacks the column(s) {}: it is not {what}",
        table.name,
        missing.join(", ")
    )))
}

fn duplicate_error(
    conn: &Connection,
    index: &str,
    query: &str,
    err: rusqlite::Error,
) -> AdapterError {
    let groups = conn.prepare(query).and_then(|mut stmt| {
        stmt.query_map([], |row| row.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()
    });
    match groups {
        Ok(groups) if !groups.is_empty() => schema_error(format!(
            "cannot create the unique index `{index}`: existing rows share a key \
             (rows with user ids [{}]); resolve the duplicates and migrate again",
            groups.join("], [")
        )),
        _ => driver_error(err),
    }
}

fn schema_error(message: String) -> AdapterError {
    AdapterError::backend_message(message)
}
