//! The tables of each layout, and [`migrate`]: create what is missing, adopt what the
//! JavaScript tooling (or an earlier run) made.
//!
//! The DDL is what `prisma migrate` makes of the Auth.js docs' MySQL schema and what
//! `drizzle-kit` makes of `@auth/drizzle-adapter`'s MySQL tables, column for column, so
//! neither tool sees a difference to migrate away. Two things are ours: the collation
//! (binary, so keys compare exactly, as on every other backend: Prisma would pick
//! `utf8mb4_unicode_ci`, which ignores case and accents) and the table
//! `auth_adapter_counters` (the [`CounterStore`](auth_adapter_core::CounterStore)).
//!
//! MySQL commits every DDL statement by itself, so `migrate` cannot be one transaction.
//! It is idempotent instead: it reads the catalog, creates only the tables that are
//! missing (`CREATE TABLE IF NOT EXISTS`, users first, foreign keys inline), and a run cut
//! short is finished by the next. Concurrent runs wait for each other on a named lock.

use std::collections::HashSet;

use auth_adapter_core::{AdapterError, MigrationReport, Result};
use sqlx::mysql::MySqlConnection;
use sqlx::{AssertSqlSafe, MySqlPool, Row};

use crate::error::map_err;
use crate::layout::Layout;

/// How long `migrate` waits for another run's lock, in seconds.
const LOCK_WAIT_SECONDS: i32 = 60;

/// A table, with the DDL that creates it (`{c}` is the table options: character set and
/// collation) and the columns the adapter needs from it.
struct Table {
    name: &'static str,
    create: &'static str,
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

/// The counters of the [`CounterStore`](auth_adapter_core::CounterStore): keys are bytes
/// (exact comparison, and 1536 bytes fit InnoDB's 3072-byte index limit).
const COUNTERS: Table = Table {
    name: "auth_adapter_counters",
    create: "CREATE TABLE IF NOT EXISTS `auth_adapter_counters` (
    `key` VARBINARY(1536) NOT NULL,
    `count` BIGINT UNSIGNED NOT NULL,
    `resets_at` DATETIME(3) NOT NULL,

    PRIMARY KEY (`key`)
) {c}",
    columns: &["key", "count", "resets_at"],
};

/// The Auth.js docs' MySQL schema as `prisma migrate` creates it (the foreign keys it adds
/// with `ALTER TABLE` are inline here; `Account` and `Session` reference `User` with
/// Prisma's default for a required relation, `ON DELETE RESTRICT`).
const PRISMA: &[Table] = &[
    Table {
        name: "User",
        create: "CREATE TABLE IF NOT EXISTS `User` (
    `id` VARCHAR(191) NOT NULL,
    `name` VARCHAR(191) NULL,
    `username` VARCHAR(191) NULL,
    `email` VARCHAR(191) NULL,
    `emailVerified` DATETIME(3) NULL,
    `image` VARCHAR(191) NULL,
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `updatedAt` DATETIME(3) NOT NULL,

    UNIQUE INDEX `User_username_key`(`username`),
    UNIQUE INDEX `User_email_key`(`email`),
    PRIMARY KEY (`id`)
) {c}",
        columns: USER_COLUMNS,
    },
    Table {
        name: "Account",
        create: "CREATE TABLE IF NOT EXISTS `Account` (
    `id` VARCHAR(191) NOT NULL,
    `userId` VARCHAR(191) NOT NULL,
    `type` VARCHAR(191) NOT NULL,
    `provider` VARCHAR(191) NOT NULL,
    `providerAccountId` VARCHAR(191) NOT NULL,
    `refresh_token` TEXT NULL,
    `access_token` TEXT NULL,
    `expires_at` INTEGER NULL,
    `token_type` VARCHAR(191) NULL,
    `scope` VARCHAR(191) NULL,
    `id_token` TEXT NULL,
    `session_state` VARCHAR(191) NULL,
    `refresh_token_expires_in` INTEGER NULL,
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `updatedAt` DATETIME(3) NOT NULL,

    UNIQUE INDEX `Account_userId_key`(`userId`),
    INDEX `Account_userId_idx`(`userId`),
    UNIQUE INDEX `Account_provider_providerAccountId_key`(`provider`, `providerAccountId`),
    PRIMARY KEY (`id`),
    CONSTRAINT `Account_userId_fkey` FOREIGN KEY (`userId`) REFERENCES `User`(`id`) ON DELETE RESTRICT ON UPDATE CASCADE
) {c}",
        columns: ACCOUNT_COLUMNS,
    },
    Table {
        name: "Session",
        create: "CREATE TABLE IF NOT EXISTS `Session` (
    `id` VARCHAR(191) NOT NULL,
    `sessionToken` VARCHAR(191) NOT NULL,
    `userId` VARCHAR(191) NOT NULL,
    `expires` DATETIME(3) NOT NULL,
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `updatedAt` DATETIME(3) NOT NULL,

    UNIQUE INDEX `Session_sessionToken_key`(`sessionToken`),
    INDEX `Session_userId_idx`(`userId`),
    PRIMARY KEY (`id`),
    CONSTRAINT `Session_userId_fkey` FOREIGN KEY (`userId`) REFERENCES `User`(`id`) ON DELETE RESTRICT ON UPDATE CASCADE
) {c}",
        columns: SESSION_COLUMNS,
    },
    Table {
        name: "VerificationToken",
        create: "CREATE TABLE IF NOT EXISTS `VerificationToken` (
    `identifier` VARCHAR(191) NOT NULL,
    `token` VARCHAR(191) NOT NULL,
    `expires` DATETIME(3) NOT NULL,

    UNIQUE INDEX `VerificationToken_identifier_token_key`(`identifier`, `token`)
) {c}",
        columns: TOKEN_COLUMNS,
    },
    Table {
        name: "Authenticator",
        create: "CREATE TABLE IF NOT EXISTS `Authenticator` (
    `credentialID` VARCHAR(191) NOT NULL,
    `userId` VARCHAR(191) NOT NULL,
    `providerAccountId` VARCHAR(191) NOT NULL,
    `credentialPublicKey` VARCHAR(191) NOT NULL,
    `counter` INTEGER NOT NULL,
    `credentialDeviceType` VARCHAR(191) NOT NULL,
    `credentialBackedUp` BOOLEAN NOT NULL,
    `transports` VARCHAR(191) NULL,

    UNIQUE INDEX `Authenticator_credentialID_key`(`credentialID`),
    PRIMARY KEY (`userId`, `credentialID`),
    CONSTRAINT `Authenticator_userId_fkey` FOREIGN KEY (`userId`) REFERENCES `User`(`id`) ON DELETE CASCADE ON UPDATE CASCADE
) {c}",
        columns: AUTHENTICATOR_COLUMNS,
    },
    COUNTERS,
];

/// `@auth/drizzle-adapter`'s MySQL tables (`defineTables()`) as `drizzle-kit generate`
/// writes them (its `ALTER TABLE … ADD CONSTRAINT` foreign keys inline here).
const DRIZZLE: &[Table] = &[
    Table {
        name: "user",
        create: "CREATE TABLE IF NOT EXISTS `user` (
    `id` varchar(255) NOT NULL,
    `name` varchar(255),
    `email` varchar(255),
    `emailVerified` timestamp(3),
    `image` varchar(255),
    CONSTRAINT `user_id` PRIMARY KEY(`id`),
    CONSTRAINT `user_email_unique` UNIQUE(`email`)
) {c}",
        columns: USER_COLUMNS,
    },
    Table {
        name: "account",
        create: "CREATE TABLE IF NOT EXISTS `account` (
    `userId` varchar(255) NOT NULL,
    `type` varchar(255) NOT NULL,
    `provider` varchar(255) NOT NULL,
    `providerAccountId` varchar(255) NOT NULL,
    `refresh_token` varchar(255),
    `access_token` varchar(255),
    `expires_at` int,
    `token_type` varchar(255),
    `scope` varchar(255),
    `id_token` varchar(2048),
    `session_state` varchar(255),
    CONSTRAINT `account_provider_providerAccountId_pk` PRIMARY KEY(`provider`,`providerAccountId`),
    CONSTRAINT `account_userId_user_id_fk` FOREIGN KEY (`userId`) REFERENCES `user`(`id`) ON DELETE cascade ON UPDATE no action
) {c}",
        columns: ACCOUNT_COLUMNS,
    },
    Table {
        name: "session",
        create: "CREATE TABLE IF NOT EXISTS `session` (
    `sessionToken` varchar(255) NOT NULL,
    `userId` varchar(255) NOT NULL,
    `expires` timestamp NOT NULL,
    CONSTRAINT `session_sessionToken` PRIMARY KEY(`sessionToken`),
    CONSTRAINT `session_userId_user_id_fk` FOREIGN KEY (`userId`) REFERENCES `user`(`id`) ON DELETE cascade ON UPDATE no action
) {c}",
        columns: SESSION_COLUMNS,
    },
    Table {
        name: "verificationToken",
        create: "CREATE TABLE IF NOT EXISTS `verificationToken` (
    `identifier` varchar(255) NOT NULL,
    `token` varchar(255) NOT NULL,
    `expires` timestamp NOT NULL,
    CONSTRAINT `verificationToken_identifier_token_pk` PRIMARY KEY(`identifier`,`token`)
) {c}",
        columns: TOKEN_COLUMNS,
    },
    Table {
        name: "authenticator",
        create: "CREATE TABLE IF NOT EXISTS `authenticator` (
    `credentialID` varchar(255) NOT NULL,
    `userId` varchar(255) NOT NULL,
    `providerAccountId` varchar(255) NOT NULL,
    `credentialPublicKey` varchar(255) NOT NULL,
    `counter` int NOT NULL,
    `credentialDeviceType` varchar(255) NOT NULL,
    `credentialBackedUp` boolean NOT NULL,
    `transports` varchar(255),
    CONSTRAINT `authenticator_userId_credentialID_pk` PRIMARY KEY(`userId`,`credentialID`),
    CONSTRAINT `authenticator_credentialID_unique` UNIQUE(`credentialID`),
    CONSTRAINT `authenticator_userId_user_id_fk` FOREIGN KEY (`userId`) REFERENCES `user`(`id`) ON DELETE cascade ON UPDATE no action
) {c}",
        columns: AUTHENTICATOR_COLUMNS,
    },
    COUNTERS,
];

fn tables(layout: Layout) -> &'static [Table] {
    match layout {
        Layout::Prisma => PRISMA,
        Layout::Drizzle => DRIZZLE,
    }
}

/// The binary collation without trailing-space padding, so that `'a'` and `'a '` are two
/// keys, as everywhere else: MariaDB and MySQL 8 name it differently.
async fn exact_collation(conn: &mut MySqlConnection) -> Result<&'static str> {
    let version: String = sqlx::query_scalar("SELECT CAST(VERSION() AS CHAR)")
        .fetch_one(&mut *conn)
        .await
        .map_err(map_err)?;
    Ok(if version.contains("MariaDB") {
        "utf8mb4_nopad_bin"
    } else {
        "utf8mb4_0900_bin"
    })
}

/// Runs the migration for `layout` in the database the pool's URL names. See the
/// [module docs](self) and the crate docs.
pub(crate) async fn migrate(pool: &MySqlPool, layout: Layout) -> Result<MigrationReport> {
    let mut conn = pool.acquire().await.map_err(map_err)?;
    let database: Option<String> = sqlx::query_scalar("SELECT CAST(DATABASE() AS CHAR)")
        .fetch_one(&mut *conn)
        .await
        .map_err(map_err)?;
    let Some(database) = database else {
        return Err(AdapterError::invalid(
            "url",
            "names no database: add it as the URL's path (mysql://user@host/<database>)",
        ));
    };
    let lock = format!("auth_adapter_migrate:{database}");
    let got: Option<i64> = sqlx::query_scalar("SELECT GET_LOCK(?, ?)")
        .bind(&lock)
        .bind(LOCK_WAIT_SECONDS)
        .fetch_one(&mut *conn)
        .await
        .map_err(map_err)?;
    if got != Some(1) {
        return Err(AdapterError::transient_message(format!(
            "another migrate of this database held its lock for {LOCK_WAIT_SECONDS} s"
        )));
    }
    let result = migrate_locked(&mut conn, layout).await;
    // A lock that cannot be released goes with the connection's session.
    let _ = sqlx::query("SELECT RELEASE_LOCK(?)")
        .bind(&lock)
        .execute(&mut *conn)
        .await;
    result
}

async fn migrate_locked(conn: &mut MySqlConnection, layout: Layout) -> Result<MigrationReport> {
    let mut report = MigrationReport::default();
    let rows = sqlx::query(
        "SELECT CAST(TABLE_NAME AS CHAR), CAST(COLUMN_NAME AS CHAR) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(map_err)?;
    let mut present: HashSet<(String, String)> = HashSet::new();
    let mut existing: HashSet<String> = HashSet::new();
    for row in &rows {
        let table: String = row.try_get(0).map_err(map_err)?;
        let column: String = row.try_get(1).map_err(map_err)?;
        existing.insert(table.clone());
        present.insert((table, column));
    }
    // Tables that exist are checked before anything is created.
    for table in tables(layout).iter().filter(|t| existing.contains(t.name)) {
        for column in table.columns {
            if !present.contains(&(table.name.to_owned(), (*column).to_owned())) {
                return Err(AdapterError::unsupported(format!(
                    "table `{}` has no column `{column}`: it is not the {} layout",
                    table.name,
                    layout.name()
                )));
            }
        }
    }
    let options = format!(
        "DEFAULT CHARACTER SET utf8mb4 COLLATE {}",
        exact_collation(conn).await?
    );
    for table in tables(layout) {
        if existing.contains(table.name) {
            continue;
        }
        // Table names and options are constants of this module: safe to run as text.
        sqlx::raw_sql(AssertSqlSafe(table.create.replace("{c}", &options)))
            .execute(&mut *conn)
            .await
            .map_err(map_err)?;
        report.created_tables.push(table.name);
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_come_first_and_every_table_has_its_columns() {
        for layout in [Layout::Prisma, Layout::Drizzle] {
            let t = tables(layout);
            assert_eq!(t[0].name, layout.columns().user);
            for table in t {
                assert!(table.create.contains(&format!("`{}`", table.name)));
                for column in table.columns {
                    assert!(table.create.contains(&format!("`{column}`")), "{column}");
                }
            }
        }
    }
}
