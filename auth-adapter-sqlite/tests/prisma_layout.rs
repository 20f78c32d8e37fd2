//! The Prisma layout on the variants real Prisma databases come in: the Auth.js docs'
//! PostgreSQL-style schema on SQLite (no `id` on accounts and sessions, composite primary
//! keys, a required email), the v4-era docs schema (ids, no `createdAt`/`updatedAt`, a
//! unique `token`), `@auth/prisma-adapter`'s own test schema (an `id` on authenticators),
//! `@@map`ped table names, and dates a Prisma 6 engine stored as INTEGER milliseconds.
//! Each table is made with the DDL `prisma migrate` writes for its schema; the adapter
//! detects what each has, requires nothing a variant lacks, and `migrate` adopts the file
//! without touching Prisma's tables.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers may panic

mod common;

use auth_adapter_core::chrono::{DateTime, TimeDelta, Utc};
use auth_adapter_core::{
    AccountType, Adapter, AdapterAccount, AdapterAuthenticator, AdapterSession, NewUser,
    SessionUpdate, UserUpdate, VerificationToken,
};
use auth_adapter_sqlite::rusqlite::{Connection, OptionalExtension};
use auth_adapter_sqlite::{Layout, SqliteAdapter, SqliteOptions, TableNames};
use common::TempDir;

const USER_DOCS_PG: &str = r#"CREATE TABLE "User" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT,
    "email" TEXT NOT NULL,
    "emailVerified" DATETIME,
    "image" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");"#;

/// The docs' PostgreSQL schema (`@@id` keys, no row ids) as Prisma writes it for SQLite.
const DOCS_PG_STYLE: &str = r#"
CREATE TABLE "Account" (
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

    PRIMARY KEY ("provider", "providerAccountId"),
    CONSTRAINT "Account_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE TABLE "Session" (
    "sessionToken" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "expires" DATETIME NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Session_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE TABLE "VerificationToken" (
    "identifier" TEXT NOT NULL,
    "token" TEXT NOT NULL,
    "expires" DATETIME NOT NULL,

    PRIMARY KEY ("identifier", "token")
);
CREATE TABLE "Authenticator" (
    "credentialID" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "providerAccountId" TEXT NOT NULL,
    "credentialPublicKey" TEXT NOT NULL,
    "counter" INTEGER NOT NULL,
    "credentialDeviceType" TEXT NOT NULL,
    "credentialBackedUp" BOOLEAN NOT NULL,
    "transports" TEXT,

    PRIMARY KEY ("userId", "credentialID"),
    CONSTRAINT "Authenticator_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "Session_sessionToken_key" ON "Session"("sessionToken");
CREATE UNIQUE INDEX "Authenticator_credentialID_key" ON "Authenticator"("credentialID");
"#;

/// The v4-era docs schema (`@next-auth/prisma-adapter`): cuid ids on accounts and
/// sessions, no `createdAt`/`updatedAt`, an optional email, a unique `token`, no
/// authenticators.
const V4: &str = r#"
CREATE TABLE "User" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT,
    "email" TEXT,
    "emailVerified" DATETIME,
    "image" TEXT
);
CREATE TABLE "Account" (
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
    CONSTRAINT "Account_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE TABLE "Session" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "sessionToken" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "expires" DATETIME NOT NULL,
    CONSTRAINT "Session_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE TABLE "VerificationToken" (
    "identifier" TEXT NOT NULL,
    "token" TEXT NOT NULL,
    "expires" DATETIME NOT NULL
);
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");
CREATE UNIQUE INDEX "Account_provider_providerAccountId_key" ON "Account"("provider", "providerAccountId");
CREATE UNIQUE INDEX "Session_sessionToken_key" ON "Session"("sessionToken");
CREATE UNIQUE INDEX "VerificationToken_token_key" ON "VerificationToken"("token");
CREATE UNIQUE INDEX "VerificationToken_identifier_token_key" ON "VerificationToken"("identifier", "token");
"#;

/// `@auth/prisma-adapter`'s own test schema: a required email, no timestamps, a unique
/// `token`, and an `id` (cuid) on authenticators.
const ADAPTER_TESTS: &str = r#"
CREATE TABLE "User" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT,
    "email" TEXT NOT NULL,
    "emailVerified" DATETIME,
    "image" TEXT
);
CREATE TABLE "Account" (
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

    PRIMARY KEY ("provider", "providerAccountId"),
    CONSTRAINT "Account_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE TABLE "Session" (
    "sessionToken" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "expires" DATETIME NOT NULL,
    CONSTRAINT "Session_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE TABLE "VerificationToken" (
    "identifier" TEXT NOT NULL,
    "token" TEXT NOT NULL,
    "expires" DATETIME NOT NULL,

    PRIMARY KEY ("identifier", "token")
);
CREATE TABLE "Authenticator" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "credentialID" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "providerAccountId" TEXT NOT NULL,
    "credentialPublicKey" TEXT NOT NULL,
    "counter" INTEGER NOT NULL,
    "credentialDeviceType" TEXT NOT NULL,
    "credentialBackedUp" BOOLEAN NOT NULL,
    "transports" TEXT,
    CONSTRAINT "Authenticator_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");
CREATE UNIQUE INDEX "Session_sessionToken_key" ON "Session"("sessionToken");
CREATE UNIQUE INDEX "VerificationToken_token_key" ON "VerificationToken"("token");
CREATE UNIQUE INDEX "Authenticator_credentialID_key" ON "Authenticator"("credentialID");
"#;

fn prisma() -> SqliteOptions {
    SqliteOptions::default().layout(Layout::Prisma)
}

/// A file with `ddl` run on it.
fn file_with(ddl: &str) -> TempDir {
    let dir = TempDir::new();
    Connection::open(dir.db())
        .unwrap()
        .execute_batch(ddl)
        .unwrap();
    dir
}

/// `(type, name, sql)` of Prisma's objects (not this crate's), to see `migrate` left them.
fn prisma_objects(path: &std::path::Path) -> Vec<(String, String, Option<String>)> {
    let conn = Connection::open(path).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE '%auth_adapter%' \
             AND name NOT LIKE '%_userId_idx' ORDER BY type, name",
        )
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn text(path: &std::path::Path, sql: &str, key: &str) -> Option<String> {
    Connection::open(path)
        .unwrap()
        .query_row(sql, [key], |r| r.get(0))
        .optional()
        .unwrap()
        .flatten()
}

fn ms(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap()
}

/// Every entity through the adapter, on whatever variant the file holds.
async fn round_trip(adapter: &SqliteAdapter, with_authenticators: bool) -> String {
    let user = adapter
        .create_user(NewUser::with_email("ada@example.com"))
        .await
        .unwrap();
    let account = AdapterAccount::new(&user.id, AccountType::Oauth, "github", "1");
    assert_eq!(
        adapter.link_account(account.clone()).await.unwrap(),
        account
    );
    assert!(
        adapter
            .link_account(account.clone())
            .await
            .unwrap_err()
            .is_conflict()
    );
    let session = AdapterSession {
        session_token: "s-1".into(),
        user_id: user.id.clone(),
        expires: ms(1_797_000_000_123),
    };
    adapter.create_session(session.clone()).await.unwrap();
    assert_eq!(
        adapter.get_session_and_user("s-1").await.unwrap(),
        Some((session.clone(), user.clone()))
    );
    let moved = adapter
        .update_session(SessionUpdate::new(
            "s-1",
            session.expires + TimeDelta::days(1),
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(moved.expires, session.expires + TimeDelta::days(1));
    let token = VerificationToken {
        identifier: "ada@example.com".into(),
        token: "t".into(),
        expires: ms(1_797_000_000_000),
    };
    adapter
        .create_verification_token(token.clone())
        .await
        .unwrap();
    assert!(
        adapter
            .create_verification_token(token.clone())
            .await
            .unwrap_err()
            .is_conflict()
    );
    assert_eq!(
        adapter
            .use_verification_token("ada@example.com", "t")
            .await
            .unwrap(),
        Some(token)
    );
    if with_authenticators {
        let authenticator = AdapterAuthenticator {
            credential_id: "cred".into(),
            user_id: user.id.clone(),
            provider_account_id: "cred".into(),
            credential_public_key: "key".into(),
            counter: 1,
            credential_device_type: "singleDevice".into(),
            credential_backed_up: false,
            transports: None,
        };
        adapter
            .create_authenticator(authenticator.clone())
            .await
            .unwrap();
        assert_eq!(
            adapter
                .update_authenticator_counter("cred", 2)
                .await
                .unwrap()
                .counter,
            2
        );
    }
    let renamed = adapter
        .update_user(UserUpdate::new(&user.id).name(Some("Ada".into())))
        .await
        .unwrap();
    assert_eq!(renamed.name.as_deref(), Some("Ada"));
    user.id
}

#[tokio::test]
async fn the_postgres_style_schema_without_row_ids_is_adopted_as_it_is() {
    let dir = file_with(&format!("{USER_DOCS_PG}{DOCS_PG_STYLE}"));
    let before = prisma_objects(&dir.db());
    let adapter = SqliteAdapter::open(dir.db(), prisma()).await.unwrap();

    // Its email is required: no user without one, and nothing written.
    let err = adapter.create_user(NewUser::default()).await.unwrap_err();
    assert!(err.is_invalid_input(), "{err}");
    let id = round_trip(&adapter, true).await;
    let err = adapter
        .update_user(UserUpdate::new(&id).email(None))
        .await
        .unwrap_err();
    assert!(err.is_invalid_input(), "{err}");
    // updatedAt is written (it has no default), createdAt too, as Prisma's text.
    let updated = text(
        &dir.db(),
        r#"SELECT "updatedAt" FROM "Session" WHERE "sessionToken" = ?1"#,
        "s-1",
    )
    .unwrap();
    assert!(updated.ends_with("+00:00"), "{updated}");

    // The composite primary keys are the unique keys: migrate adds only its own objects.
    let report = adapter.migrate().await.unwrap();
    assert_eq!(
        report.created_indexes,
        [
            "Account_userId_idx",
            "Session_userId_idx",
            "auth_adapter_token_realm_tokenHash_unique",
            "auth_adapter_token_userId_idx",
            "auth_adapter_token_expires_idx"
        ]
    );
    assert_eq!(
        report.created_tables,
        ["auth_adapter_counter", "auth_adapter_token"]
    );
    assert!(adapter.migrate().await.unwrap().is_noop());
    assert_eq!(prisma_objects(&dir.db()), before);
    assert_eq!(
        adapter.delete_user(&id).await.unwrap().map(|u| u.id),
        Some(id)
    );
    assert_eq!(adapter.get_account("github", "1").await.unwrap(), None);
}

#[tokio::test]
async fn the_v4_schema_gets_row_ids_and_no_timestamps() {
    let dir = file_with(V4);
    let before = prisma_objects(&dir.db());
    let adapter = SqliteAdapter::open(dir.db(), prisma()).await.unwrap();
    let report = adapter.migrate().await.unwrap();
    // The authenticators table (WebAuthn came after v4) is created, as the docs have it.
    assert_eq!(
        report.created_tables,
        [
            "Authenticator",
            "auth_adapter_counter",
            "auth_adapter_token"
        ]
    );
    assert!(
        report
            .created_indexes
            .contains(&"Authenticator_credentialID_key")
    );
    assert!(
        !report
            .created_indexes
            .contains(&"VerificationToken_identifier_token_key")
    );
    let id = round_trip(&adapter, true).await;
    let session_id = text(
        &dir.db(),
        r#"SELECT "id" FROM "Session" WHERE "sessionToken" = ?1"#,
        "s-1",
    )
    .unwrap();
    assert!(
        session_id.starts_with('c') && session_id.len() == 25,
        "{session_id}"
    );
    let account_id = text(
        &dir.db(),
        r#"SELECT "id" FROM "Account" WHERE "userId" = ?1"#,
        &id,
    )
    .unwrap();
    assert_ne!(account_id, session_id);
    let kept: Vec<_> = prisma_objects(&dir.db())
        .into_iter()
        .filter(|o| !o.1.contains("Authenticator"))
        .collect();
    assert_eq!(kept, before);
}

#[tokio::test]
async fn the_adapter_test_schema_works_without_migrate() {
    let dir = file_with(ADAPTER_TESTS);
    // Opened as it is: the shape is read when the adapter opens.
    let adapter = SqliteAdapter::open(dir.db(), prisma()).await.unwrap();
    round_trip(&adapter, true).await;
    let authenticator_id = text(
        &dir.db(),
        r#"SELECT "id" FROM "Authenticator" WHERE "credentialID" = ?1"#,
        "cred",
    )
    .unwrap();
    assert!(authenticator_id.starts_with('c'), "{authenticator_id}");
}

#[tokio::test]
async fn mapped_table_names_are_created_and_used() {
    let dir = TempDir::new();
    let options = prisma().table_names(
        TableNames::new()
            .user("users")
            .account("accounts")
            .session("sessions")
            .verification_token("verification_tokens")
            .authenticator("authenticators"),
    );
    let adapter = SqliteAdapter::open(dir.db(), options).await.unwrap();
    let report = adapter.migrate().await.unwrap();
    assert_eq!(
        report.created_tables[..5],
        [
            "users",
            "accounts",
            "sessions",
            "verification_tokens",
            "authenticators"
        ]
    );
    assert!(report.created_indexes.contains(&"users_email_key"));
    round_trip(&adapter, true).await;
    let fk = text(
        &dir.db(),
        "SELECT sql FROM sqlite_master WHERE name = ?1",
        "sessions",
    )
    .unwrap();
    assert!(
        fk.contains(
            r#"CONSTRAINT "sessions_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users" ("id")"#
        ),
        "{fk}"
    );
    assert!(adapter.migrate().await.unwrap().is_noop());
}

#[tokio::test]
async fn dates_a_prisma_6_engine_stored_as_milliseconds_are_read_and_expire() {
    let dir = TempDir::new();
    let adapter = SqliteAdapter::open(dir.db(), prisma()).await.unwrap();
    adapter.migrate().await.unwrap();
    let user = adapter
        .create_user(NewUser::with_email("old@example.com"))
        .await
        .unwrap();
    Connection::open(dir.db())
        .unwrap()
        .execute(
            r#"INSERT INTO "Session" ("id", "sessionToken", "userId", "expires", "updatedAt") VALUES ('c1', 'old', ?1, 1700000000123, 1700000000000)"#,
            [&user.id],
        )
        .unwrap();
    let (session, _) = adapter.get_session_and_user("old").await.unwrap().unwrap();
    assert_eq!(session.expires, ms(1_700_000_000_123));
    adapter
        .create_session(AdapterSession {
            session_token: "new".into(),
            user_id: user.id.clone(),
            expires: ms(1_700_000_000_124),
        })
        .await
        .unwrap();
    let expired = adapter.delete_expired(ms(1_700_000_000_124)).await.unwrap();
    assert_eq!(
        expired.sessions, 1,
        "the INTEGER one is before, the text one at the cut"
    );
    assert!(adapter.get_session_and_user("new").await.unwrap().is_some());
}

#[tokio::test]
async fn dates_outside_four_digit_years_and_ints_over_32_bits_are_refused() {
    let dir = TempDir::new();
    let adapter = SqliteAdapter::open(dir.db(), prisma()).await.unwrap();
    adapter.migrate().await.unwrap();
    let far = DateTime::from_timestamp(253_402_300_800, 0).unwrap(); // 10000-01-01
    let err = adapter
        .create_user(NewUser {
            email_verified: Some(far),
            ..NewUser::with_email("a@example.com")
        })
        .await
        .unwrap_err();
    assert!(err.is_invalid_input(), "{err}");
    let user = adapter.create_user(NewUser::default()).await.unwrap();
    let mut account = AdapterAccount::new(&user.id, AccountType::Oauth, "p", "1");
    account.expires_at = Some(i64::from(i32::MAX) + 1);
    assert!(
        adapter
            .link_account(account)
            .await
            .unwrap_err()
            .is_invalid_input()
    );
    assert_eq!(adapter.get_account("p", "1").await.unwrap(), None);
}

#[tokio::test]
async fn integer_user_ids_are_refused_when_opening() {
    let dir = file_with(
        r#"CREATE TABLE "User" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "name" TEXT, "email" TEXT, "emailVerified" DATETIME, "image" TEXT);"#,
    );
    let err = SqliteAdapter::open(dir.db(), prisma()).await.unwrap_err();
    assert!(err.to_string().contains("INTEGER"), "{err}");
}
