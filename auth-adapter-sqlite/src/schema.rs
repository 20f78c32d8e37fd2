//! The @auth/drizzle-adapter SQLite layout, created or adopted by
//! [`SqliteAdapter::migrate`](crate::SqliteAdapter::migrate).

use auth_adapter_core::{AdapterError, MigrationReport, Result};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use crate::errors::driver_error;

/// The schema version this crate writes to `PRAGMA user_version`.
/// Version 2 added `auth_adapter_counter`, version 3 `auth_adapter_token` and its indexes.
pub const SCHEMA_VERSION: i64 = 3;

struct Table {
    name: &'static str,
    /// The statement drizzle-kit 0.31 generates for @auth/drizzle-adapter's default table
    /// (`generateSQLiteMigration` from an empty database), byte for byte.
    ddl: &'static str,
    /// The columns this crate reads and writes; an adopted table must have them all.
    columns: &'static [&'static str],
}

const TABLES: &[Table] = &[
    Table {
        name: "user",
        ddl: "CREATE TABLE `user` (
\t`id` text PRIMARY KEY NOT NULL,
\t`name` text,
\t`email` text,
\t`emailVerified` integer,
\t`image` text
);
",
        columns: &["id", "name", "email", "emailVerified", "image"],
    },
    Table {
        name: "account",
        ddl: "CREATE TABLE `account` (
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
\tFOREIGN KEY (`userId`) REFERENCES `user`(`id`) ON UPDATE no action ON DELETE cascade
);
",
        columns: &[
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
        ],
    },
    Table {
        name: "session",
        ddl: "CREATE TABLE `session` (
\t`sessionToken` text PRIMARY KEY NOT NULL,
\t`userId` text NOT NULL,
\t`expires` integer NOT NULL,
\tFOREIGN KEY (`userId`) REFERENCES `user`(`id`) ON UPDATE no action ON DELETE cascade
);
",
        columns: &["sessionToken", "userId", "expires"],
    },
    Table {
        name: "verificationToken",
        ddl: "CREATE TABLE `verificationToken` (
\t`identifier` text NOT NULL,
\t`token` text NOT NULL,
\t`expires` integer NOT NULL,
\tPRIMARY KEY(`identifier`, `token`)
);
",
        columns: &["identifier", "token", "expires"],
    },
    Table {
        name: "authenticator",
        ddl: "CREATE TABLE `authenticator` (
\t`credentialID` text NOT NULL,
\t`userId` text NOT NULL,
\t`providerAccountId` text NOT NULL,
\t`credentialPublicKey` text NOT NULL,
\t`counter` integer NOT NULL,
\t`credentialDeviceType` text NOT NULL,
\t`credentialBackedUp` integer NOT NULL,
\t`transports` text,
\tPRIMARY KEY(`userId`, `credentialID`),
\tFOREIGN KEY (`userId`) REFERENCES `user`(`id`) ON UPDATE no action ON DELETE cascade
);
",
        columns: &[
            "credentialID",
            "userId",
            "providerAccountId",
            "credentialPublicKey",
            "counter",
            "credentialDeviceType",
            "credentialBackedUp",
            "transports",
        ],
    },
    // Ours, for the CounterStore: attempt and rate limits shared by every process on the
    // file. @auth/drizzle-adapter never reads it.
    Table {
        name: "auth_adapter_counter",
        ddl: "CREATE TABLE `auth_adapter_counter` (
\t`key` text PRIMARY KEY NOT NULL,
\t`count` integer NOT NULL,
\t`resetsAt` integer NOT NULL
);
",
        columns: &["key", "count", "resetsAt"],
    },
    // Ours, for the TokenStore: tokens bound to users, kept as keyed hashes. The foreign key
    // takes a user's tokens along when the user is deleted (by us, or by a Node app whose
    // connection enforces foreign keys, as libsql's does). @auth/drizzle-adapter never reads
    // it.
    Table {
        name: "auth_adapter_token",
        ddl: "CREATE TABLE `auth_adapter_token` (
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
\tFOREIGN KEY (`userId`) REFERENCES `user`(`id`) ON UPDATE no action ON DELETE cascade
);
",
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
];

struct Index {
    name: &'static str,
    ddl: &'static str,
    /// For a unique index: a query listing keys that violate it, to name them in the error.
    duplicates: Option<&'static str>,
}

const INDEXES: &[Index] = &[
    // drizzle-kit's own (the `.unique()` columns).
    Index {
        name: "user_email_unique",
        ddl: "CREATE UNIQUE INDEX `user_email_unique` ON `user` (`email`);",
        duplicates: Some(
            r#"SELECT group_concat("id", ', ') FROM "user" WHERE "email" IS NOT NULL GROUP BY "email" HAVING count(*) > 1 LIMIT 5"#,
        ),
    },
    Index {
        name: "authenticator_credentialID_unique",
        ddl: "CREATE UNIQUE INDEX `authenticator_credentialID_unique` ON `authenticator` (`credentialID`);",
        duplicates: Some(
            r#"SELECT group_concat("userId", ', ') FROM "authenticator" GROUP BY "credentialID" HAVING count(*) > 1 LIMIT 5"#,
        ),
    },
    // Additions: the per-user lookups (delete_user, sign out everywhere) and the foreign-key
    // checks of a user delete use them. Plain indexes: @auth/drizzle-adapter never notices.
    Index {
        name: "account_userId_idx",
        ddl: "CREATE INDEX `account_userId_idx` ON `account` (`userId`);",
        duplicates: None,
    },
    Index {
        name: "session_userId_idx",
        ddl: "CREATE INDEX `session_userId_idx` ON `session` (`userId`);",
        duplicates: None,
    },
    // The TokenStore's: one binding per (realm, token hash), a user's tokens (lists, the
    // cascade of a user delete), the expired ones (purge). The table is always ours, so the
    // unique index can have no duplicates to report.
    Index {
        name: "auth_adapter_token_realm_tokenHash_unique",
        ddl: "CREATE UNIQUE INDEX `auth_adapter_token_realm_tokenHash_unique` ON `auth_adapter_token` (`realm`,`tokenHash`);",
        duplicates: None,
    },
    Index {
        name: "auth_adapter_token_userId_idx",
        ddl: "CREATE INDEX `auth_adapter_token_userId_idx` ON `auth_adapter_token` (`userId`);",
        duplicates: None,
    },
    Index {
        name: "auth_adapter_token_expires_idx",
        ddl: "CREATE INDEX `auth_adapter_token_expires_idx` ON `auth_adapter_token` (`expires`) WHERE `expires` IS NOT NULL;",
        duplicates: None,
    },
];

/// Creates what is missing of the layout, in one write transaction. Existing tables (from
/// drizzle-kit, or an earlier run) are kept with their rows; each must have the columns
/// this crate uses.
pub(crate) fn migrate(conn: &mut Connection) -> Result<MigrationReport> {
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
    for table in TABLES {
        if exists(&tx, "table", table.name)? {
            check_columns(&tx, table)?;
        } else {
            tx.execute_batch(table.ddl).map_err(driver_error)?;
            report.created_tables.push(table.name);
        }
    }
    for index in INDEXES {
        if exists(&tx, "index", index.name)? {
            continue;
        }
        if let Err(err) = tx.execute_batch(index.ddl) {
            return Err(match index.duplicates {
                Some(query) => duplicate_error(&tx, index.name, query, err),
                None => driver_error(err),
            });
        }
        report.created_indexes.push(index.name);
    }
    if previous_version != SCHEMA_VERSION {
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)
            .map_err(driver_error)?;
    }
    tx.commit().map_err(driver_error)?;
    Ok(report)
}

fn exists(conn: &Connection, kind: &str, name: &str) -> Result<bool> {
    conn.prepare_cached("SELECT 1 FROM sqlite_master WHERE type = ?1 AND name = ?2")
        .and_then(|mut stmt| {
            stmt.query_row([kind, name], |_| Ok(()))
                .optional()
                .map(|found| found.is_some())
        })
        .map_err(driver_error)
}

fn check_columns(conn: &Connection, table: &Table) -> Result<()> {
    let mut stmt = conn
        .prepare("SELECT name FROM pragma_table_info(?1)")
        .map_err(driver_error)?;
    let present = stmt
        .query_map([table.name], |row| row.get::<_, String>(0))
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
        .map_err(driver_error)?;
    let missing: Vec<&str> = table
        .columns
        .iter()
        .copied()
        .filter(|c| !present.iter().any(|p| p.eq_ignore_ascii_case(c)))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(schema_error(format!(
            "table `{}` exists but lacks the column(s) {}: it is not the @auth/drizzle-adapter \
             SQLite layout",
            table.name,
            missing.join(", ")
        )))
    }
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
