//! The Prisma and Drizzle layouts beyond the conformance suite: `migrate` creates each
//! tool's tables exactly and adopts them, the Prisma variants (v4-era ids on accounts and
//! sessions, no bookkeeping columns, a nullable email, foreign keys that do not cascade)
//! are recognised from the catalog, Prisma's client-side columns (`id`, `updatedAt`) are
//! written, table names follow `@@map`, and a schema without the tables says to migrate.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use auth_adapter_core::{
    AccountType, Adapter, AdapterAccount, AdapterError, Entity, NewUser, UserUpdate,
};
use auth_adapter_postgres::{Layout, PostgresAdapter, PostgresOptions};
use chrono::{DateTime, NaiveDateTime, Utc};
use common::layouts::{migrated, unmigrated};
use common::{exec, session_for};
use sqlx::PgPool;

/// Prisma's `migrate dev` output for the Auth.js docs' PostgreSQL schema (the file the
/// Node peer runs for `--setup prisma-ddl`).
const PRISMA_MIGRATION_SQL: &str = include_str!("../../interop/prisma-postgres/migration.sql");

/// A v4-era Prisma schema as `prisma migrate` made it: cuid ids on `Account` and `Session`,
/// `@@unique` instead of `@@id`, no `createdAt`/`updatedAt`, a nullable email, the
/// relations without `onDelete` (Prisma's default for a required relation: `RESTRICT`),
/// and no `Authenticator`.
const PRISMA_V4_SQL: &str = r#"
CREATE TABLE "User" ("id" TEXT NOT NULL, "name" TEXT, "email" TEXT, "emailVerified" TIMESTAMP(3), "image" TEXT, CONSTRAINT "User_pkey" PRIMARY KEY ("id"));
CREATE TABLE "Account" ("id" TEXT NOT NULL, "userId" TEXT NOT NULL, "type" TEXT NOT NULL, "provider" TEXT NOT NULL, "providerAccountId" TEXT NOT NULL, "refresh_token" TEXT, "access_token" TEXT, "expires_at" INTEGER, "token_type" TEXT, "scope" TEXT, "id_token" TEXT, "session_state" TEXT, CONSTRAINT "Account_pkey" PRIMARY KEY ("id"));
CREATE TABLE "Session" ("id" TEXT NOT NULL, "sessionToken" TEXT NOT NULL, "userId" TEXT NOT NULL, "expires" TIMESTAMP(3) NOT NULL, CONSTRAINT "Session_pkey" PRIMARY KEY ("id"));
CREATE TABLE "VerificationToken" ("identifier" TEXT NOT NULL, "token" TEXT NOT NULL, "expires" TIMESTAMP(3) NOT NULL);
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");
CREATE UNIQUE INDEX "Account_provider_providerAccountId_key" ON "Account"("provider", "providerAccountId");
CREATE UNIQUE INDEX "Session_sessionToken_key" ON "Session"("sessionToken");
CREATE UNIQUE INDEX "VerificationToken_token_key" ON "VerificationToken"("token");
CREATE UNIQUE INDEX "VerificationToken_identifier_token_key" ON "VerificationToken"("identifier", "token");
ALTER TABLE "Account" ADD CONSTRAINT "Account_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "Session" ADD CONSTRAINT "Session_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
"#;

/// Runs `sql` (unqualified names) in `schema`, as a tool connected with that search_path.
async fn run_in(pool: &PgPool, schema: &str, sql: &str) {
    exec(
        pool,
        format!("BEGIN; SET LOCAL search_path TO \"{schema}\"; {sql}; COMMIT;"),
    )
    .await;
}

async fn adapter_on(pool: &PgPool, schema: &str, layout: Layout) -> PostgresAdapter {
    PostgresAdapter::from_pool(
        pool.clone(),
        PostgresOptions::new().schema(schema).layout(layout),
    )
    .unwrap()
}

async fn updated_at(
    pool: &PgPool,
    schema: &str,
    table: &str,
    key: &str,
    value: &str,
) -> NaiveDateTime {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        r#"SELECT "updatedAt" FROM "{schema}"."{table}" WHERE "{key}" = $1"#
    )))
    .bind(value)
    .fetch_one(pool)
    .await
    .unwrap()
}

fn account(user_id: &str, provider: &str) -> AdapterAccount {
    let mut a = AdapterAccount::new(user_id, AccountType::Oauth, provider, "1");
    a.expires_at = Some(1_900_000_000);
    a
}

#[tokio::test]
async fn prisma_migrate_creates_the_docs_schema_then_is_a_no_op() {
    let (adapter, pool, schema) = unmigrated(Layout::Prisma, false).await;
    let report = adapter.migrate().await.unwrap();
    assert_eq!(
        report.created_tables,
        [
            "User",
            "Account",
            "Session",
            "VerificationToken",
            "Authenticator",
            "auth_adapter_counters",
            "auth_adapter_tokens"
        ]
    );
    assert!(adapter.migrate().await.unwrap().is_noop());
    // Column for column what Prisma's migration.sql makes, in a schema of its own.
    let theirs = common::fresh_schema(&pool).await;
    run_in(&pool, &theirs, PRISMA_MIGRATION_SQL).await;
    let columns = |s: String| {
        let pool = pool.clone();
        async move {
            let rows: Vec<(String, String, String, bool, Option<String>)> = sqlx::query_as(
                "SELECT c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid) \
                 FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
                 LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
                 WHERE n.nspname = $1 AND c.relkind = 'r' AND a.attnum > 0 AND c.relname NOT LIKE 'auth_adapter%' ORDER BY 1, 2",
            )
            .bind(s)
            .fetch_all(&pool)
            .await
            .unwrap();
            rows
        }
    };
    let constraints = |s: String| {
        let pool = pool.clone();
        async move {
            let rows: Vec<(String, String)> = sqlx::query_as(
                "SELECT conname::text, regexp_replace(pg_get_constraintdef(c.oid), '\"aa_[0-9a-f]+\"\\.', '', 'g') FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace \
                 WHERE n.nspname = $1 AND conname NOT LIKE 'auth_adapter%' UNION ALL \
                 SELECT indexname::text, regexp_replace(indexdef, '\"aa_[0-9a-f]+\"\\.', '', 'g') FROM pg_indexes WHERE schemaname = $1 AND indexname NOT LIKE 'auth_adapter%' ORDER BY 1, 2",
            )
            .bind(s)
            .fetch_all(&pool)
            .await
            .unwrap();
            rows
        }
    };
    let ours = columns(schema.clone()).await;
    assert_eq!(ours.len(), 7 + 13 + 5 + 3 + 8);
    assert_eq!(ours, columns(theirs.clone()).await);
    assert_eq!(
        constraints(schema.clone()).await.len(),
        constraints(theirs.clone()).await.len()
    );
    let strip = |rows: Vec<(String, String)>, s: &str| {
        rows.into_iter()
            .map(|(n, d)| {
                (
                    n,
                    d.replace(&format!("{s}."), "")
                        .replace(&format!("\"{s}\"."), ""),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        strip(constraints(schema.clone()).await, &schema),
        strip(constraints(theirs.clone()).await, &theirs)
    );
}

#[tokio::test]
async fn prisma_writes_cuid_ids_and_updated_at() {
    let (a, pool, schema) = migrated(Layout::Prisma, false).await;
    let before = Utc::now().naive_utc() - chrono::TimeDelta::seconds(5);
    let user = a
        .create_user(NewUser::with_email("ada@example.com"))
        .await
        .unwrap();
    assert_eq!(user.id.len(), 25, "{}", user.id);
    assert!(user.id.starts_with('c'));
    let first = updated_at(&pool, &schema, "User", "id", &user.id).await;
    assert!(
        first >= before,
        "updatedAt {first} is the time of the write"
    );
    let created: NaiveDateTime = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        r#"SELECT "createdAt" FROM "{schema}"."User" WHERE id = $1"#
    )))
    .bind(&user.id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(created >= before);
    a.update_user(UserUpdate::new(&user.id).name(Some("Ada".into())))
        .await
        .unwrap();
    assert!(updated_at(&pool, &schema, "User", "id", &user.id).await >= first);
    a.link_account(account(&user.id, "github")).await.unwrap();
    let session = a
        .create_session(session_for(&user.id, "tok-1"))
        .await
        .unwrap();
    updated_at(&pool, &schema, "Account", "provider", "github").await;
    updated_at(
        &pool,
        &schema,
        "Session",
        "sessionToken",
        &session.session_token,
    )
    .await;
    // The docs schema's email is required.
    let err = a.create_user(NewUser::default()).await.unwrap_err();
    assert!(err.is_invalid_input(), "{err}");
    assert!(err.to_string().contains("NOT NULL"), "{err}");
}

#[tokio::test]
async fn prisma_v4_variant_is_adopted_and_written_as_it_is() {
    let (a, pool, schema) = unmigrated(Layout::Prisma, false).await;
    run_in(&pool, &schema, PRISMA_V4_SQL).await;
    let report = a.migrate().await.unwrap();
    assert_eq!(
        report.created_tables,
        [
            "Authenticator",
            "auth_adapter_counters",
            "auth_adapter_tokens"
        ]
    );
    // No email needed here; ids for accounts and sessions are made as Prisma's client
    // makes them; no bookkeeping columns are written.
    let user = a.create_user(NewUser::default()).await.unwrap();
    a.link_account(account(&user.id, "github")).await.unwrap();
    a.create_session(session_for(&user.id, "tok-v4"))
        .await
        .unwrap();
    let ids: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        r#"SELECT id FROM "{schema}"."Account" UNION ALL SELECT id FROM "{schema}"."Session""#
    )))
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(ids.len(), 2);
    assert!(
        ids.iter().all(|id| id.len() == 25 && id.starts_with('c')),
        "{ids:?}"
    );
    // Its foreign keys do not cascade (RESTRICT): delete_user still takes everything.
    assert_eq!(a.delete_user(&user.id).await.unwrap(), Some(user.clone()));
    assert_eq!(a.get_session_and_user("tok-v4").await.unwrap(), None);
    assert_eq!(a.get_account("github", "1").await.unwrap(), None);
}

#[tokio::test]
async fn an_adapter_that_did_not_migrate_reads_the_variant_itself() {
    let (a, pool, schema) = unmigrated(Layout::Prisma, false).await;
    // Before the tables exist, every call says what to do, and writes nothing.
    let err = a.get_user("c1").await.unwrap_err();
    assert!(matches!(err, AdapterError::Unsupported { .. }), "{err}");
    assert!(err.to_string().contains("run migrate"), "{err}");
    run_in(&pool, &schema, PRISMA_V4_SQL).await;
    adapter_on(&pool, &schema, Layout::Prisma)
        .await
        .migrate()
        .await
        .unwrap();
    // `a` never migrated: its first call reads the catalog.
    let user = a.create_user(NewUser::default()).await.unwrap();
    a.create_session(session_for(&user.id, "tok"))
        .await
        .unwrap();
    assert_eq!(
        a.get_session_and_user("tok").await.unwrap().map(|(_, u)| u),
        Some(user)
    );
}

#[tokio::test]
async fn mapped_prisma_tables_are_used_by_their_names() {
    let pool = common::pool().await;
    let schema = common::fresh_schema(&pool).await;
    let tables = Layout::Prisma
        .default_tables()
        .user("users")
        .account("accounts")
        .session("sessions")
        .verification_token("verification_tokens")
        .authenticator("authenticators");
    let a = PostgresAdapter::from_pool(
        pool.clone(),
        PostgresOptions::new()
            .schema(&schema)
            .layout(Layout::Prisma)
            .tables(tables),
    )
    .unwrap();
    let report = a.migrate().await.unwrap();
    assert_eq!(report.created_tables[..2], ["users", "accounts"]);
    let user = a.create_user(NewUser::with_email("m@x.io")).await.unwrap();
    let dup = a
        .create_user(NewUser::with_email("m@x.io"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            dup,
            AdapterError::Conflict {
                entity: Entity::User,
                ..
            }
        ),
        "{dup}"
    );
    a.create_session(session_for(&user.id, "t")).await.unwrap();
    let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        r#"SELECT count(*) FROM "{schema}".sessions s JOIN "{schema}".users u ON u.id = s."userId""#
    )))
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(n, 1);
}

#[tokio::test]
async fn drizzle_kit_tables_with_data_are_adopted() {
    let (a, pool, schema) = unmigrated(Layout::Drizzle, false).await;
    // drizzle-kit's first migration for @auth/drizzle-adapter's tables, and a row as
    // DrizzleAdapter writes one (a randomUUID() id, dates as UTC wall-clock time).
    run_in(
        &pool,
        &schema,
        r#"CREATE TABLE "user" ("id" text PRIMARY KEY NOT NULL, "name" text, "email" text, "emailVerified" timestamp, "image" text, CONSTRAINT "user_email_unique" UNIQUE("email"));
CREATE TABLE "session" ("sessionToken" text PRIMARY KEY NOT NULL, "userId" text NOT NULL, "expires" timestamp NOT NULL);
CREATE TABLE "account" ("userId" text NOT NULL, "type" text NOT NULL, "provider" text NOT NULL, "providerAccountId" text NOT NULL, "refresh_token" text, "access_token" text, "expires_at" integer, "token_type" text, "scope" text, "id_token" text, "session_state" text, CONSTRAINT "account_provider_providerAccountId_pk" PRIMARY KEY("provider","providerAccountId"));
CREATE TABLE "verificationToken" ("identifier" text NOT NULL, "token" text NOT NULL, "expires" timestamp NOT NULL, CONSTRAINT "verificationToken_identifier_token_pk" PRIMARY KEY("identifier","token"));
CREATE TABLE "authenticator" ("credentialID" text NOT NULL, "userId" text NOT NULL, "providerAccountId" text NOT NULL, "credentialPublicKey" text NOT NULL, "counter" integer NOT NULL, "credentialDeviceType" text NOT NULL, "credentialBackedUp" boolean NOT NULL, "transports" text, CONSTRAINT "authenticator_userId_credentialID_pk" PRIMARY KEY("userId","credentialID"), CONSTRAINT "authenticator_credentialID_unique" UNIQUE("credentialID"));
ALTER TABLE "account" ADD CONSTRAINT "account_userId_user_id_fk" FOREIGN KEY ("userId") REFERENCES "user"("id") ON DELETE cascade ON UPDATE no action;
ALTER TABLE "session" ADD CONSTRAINT "session_userId_user_id_fk" FOREIGN KEY ("userId") REFERENCES "user"("id") ON DELETE cascade ON UPDATE no action;
ALTER TABLE "authenticator" ADD CONSTRAINT "authenticator_userId_user_id_fk" FOREIGN KEY ("userId") REFERENCES "user"("id") ON DELETE cascade ON UPDATE no action;
INSERT INTO "user" VALUES ('0b4c2d5e-9f3a-4c1b-8e7d-6a5f4e3d2c1b', 'Node', 'node@x.io', '2026-11-22T11:33:29.559Z', NULL);
INSERT INTO "session" VALUES ('node-token', '0b4c2d5e-9f3a-4c1b-8e7d-6a5f4e3d2c1b', '2026-12-22T11:33:29.559Z')"#,
    )
    .await;
    let report = a.migrate().await.unwrap();
    assert_eq!(
        report.created_tables,
        ["auth_adapter_counters", "auth_adapter_tokens"]
    );
    let (session, user) = a.get_session_and_user("node-token").await.unwrap().unwrap();
    assert_eq!(user.email.as_deref(), Some("node@x.io"));
    let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
    assert_eq!(user.email_verified, Some(at("2026-11-22T11:33:29.559Z")));
    assert_eq!(session.expires, at("2026-12-22T11:33:29.559Z"));
    // Rust's users are UUIDs, as DrizzleAdapter makes them.
    let ours = a.create_user(NewUser::default()).await.unwrap();
    assert!(uuid_like(&ours.id), "{}", ours.id);
}

fn uuid_like(id: &str) -> bool {
    id.len() == 36 && id.bytes().filter(|b| *b == b'-').count() == 4
}

#[tokio::test]
async fn a_table_of_another_shape_is_not_adopted_and_nothing_is_created() {
    let (a, pool, schema) = unmigrated(Layout::Prisma, false).await;
    run_in(
        &pool,
        &schema,
        r#"CREATE TABLE "User" ("id" TEXT PRIMARY KEY, "email" TEXT)"#,
    )
    .await;
    let err = a.migrate().await.unwrap_err();
    assert!(matches!(err, AdapterError::Unsupported { .. }), "{err}");
    assert!(err.to_string().contains("\"name\""), "{err}");
    let tables: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_tables WHERE schemaname = $1")
        .bind(&schema)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(tables, 1, "the failed migrate created nothing");
}

#[tokio::test]
async fn integer_columns_refuse_what_they_cannot_hold() {
    for layout in [Layout::Prisma, Layout::Drizzle] {
        let (a, _pool, _schema) = migrated(layout, false).await;
        let user = a.create_user(NewUser::with_email("i@x.io")).await.unwrap();
        let mut too_late = account(&user.id, "p");
        too_late.expires_at = Some(i64::from(i32::MAX) + 1);
        let err = a.link_account(too_late).await.unwrap_err();
        assert!(err.is_invalid_input(), "{layout:?}: {err}");
        assert!(err.to_string().contains("expires_at"), "{err}");
        assert_eq!(a.get_account("p", "1").await.unwrap(), None);
    }
}
