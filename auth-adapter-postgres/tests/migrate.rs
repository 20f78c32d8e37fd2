//! PostgreSQL migrations: the tables created once (exactly upstream's), into a missing
//! schema or by concurrent runs, and adoption of a database Node's pg-adapter made: every
//! row kept, the owner's equivalent constraints reused, rows that break one named. The
//! cases that create, adopt, race and fail run again through a transaction-mode PgBouncer
//! (`through_the_pooler::…`): there too a failed run leaves nothing behind.

// Helpers outside #[test] fns unwrap too: a failed setup should fail the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use auth_adapter_core::backend::dates::truncate_to_millis;
use auth_adapter_core::{
    AccountType, Adapter, AdapterAccount, AdapterError, Entity, NewTokenBinding, NewUser,
    TokenFormat, TokenSecret, TokenStore, UserUpdate,
};
use auth_adapter_postgres::{PostgresAdapter, PostgresOptions};
use chrono::{DateTime, Utc};
use common::{
    Route, create_upstream_tables, exec, migrated_adapter, session_for, unmigrated_adapter,
    unmigrated_adapter_via,
};
use sqlx::PgPool;

/// `#[tokio::test] fn $test` running `$case` on a direct connection, and the same test in
/// `through_the_pooler`, the adapter (so `migrate` too) going through the transaction-mode
/// PgBouncer at PGBOUNCER_URL with `transaction_pooler(true)`.
macro_rules! on_both_routes {
    ($($test:ident => $case:ident;)*) => {
        $(
            #[tokio::test]
            async fn $test() {
                $case(Route::Direct).await;
            }
        )*

        mod through_the_pooler {
            use super::*;
            $(
                #[tokio::test]
                async fn $test() {
                    $case(Route::Pooler).await;
                }
            )*
        }
    };
}

on_both_routes! {
    migrate_creates_everything_once_then_is_a_no_op => creates_everything_once;
    concurrent_migrations_of_one_schema_both_succeed => concurrent_migrations;
    adopting_an_upstream_database_keeps_every_row_and_works => adopting_keeps_every_row;
    adoption_with_duplicate_emails_fails_naming_them => duplicate_emails_fail;
    a_foreign_table_named_users_is_not_adopted => foreign_users_table;
    a_database_migrated_before_the_token_function_gets_it => token_function_upgrade;
}

/// The names of the constraints and indexes in `schema`.
async fn constraint_names(pool: &PgPool, schema: &str) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT conname::text FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace \
         WHERE n.nspname = $1 UNION SELECT indexname::text FROM pg_indexes WHERE schemaname = $1 \
         ORDER BY 1",
    )
    .bind(schema)
    .fetch_all(pool)
    .await
    .unwrap()
}

async fn count(pool: &PgPool, schema: &str, table: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT count(*) FROM \"{schema}\".{table}"
    )))
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn table_exists(pool: &PgPool, schema: &str, table: &str) -> bool {
    sqlx::query_scalar("SELECT to_regclass(format('%I.%I', $1::text, $2::text)) IS NOT NULL")
        .bind(schema)
        .bind(table)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn creates_everything_once(route: Route) {
    let (adapter, pool, schema) = unmigrated_adapter_via(route).await;
    let first = adapter.migrate().await.unwrap();
    assert_eq!(
        first.created_tables,
        [
            "users",
            "accounts",
            "sessions",
            "verification_token",
            "authenticators",
            "auth_adapter_counters",
            "auth_adapter_tokens"
        ]
    );
    assert_eq!(first.added_constraints.len(), 6, "{first:?}");
    assert_eq!(first.created_indexes.len(), 5, "{first:?}");
    assert_eq!(first.created_functions, ["auth_adapter_token_used"]);
    assert!(!first.is_noop());
    let before = constraint_names(&pool, &schema).await;

    let second = adapter.migrate().await.unwrap();
    assert!(second.is_noop(), "{second:?}");
    assert_eq!(constraint_names(&pool, &schema).await, before);

    // Works on the result.
    let user = adapter
        .create_user(NewUser::with_email("twice@example.com"))
        .await
        .unwrap();
    assert_eq!(adapter.get_user(&user.id).await.unwrap(), Some(user));
}

#[tokio::test]
async fn migrate_creates_a_missing_schema() {
    let pool = common::pool().await;
    let schema = format!("aa_{}", uuid::Uuid::new_v4().simple());
    let adapter =
        PostgresAdapter::from_pool(pool.clone(), PostgresOptions::new().schema(&schema)).unwrap();
    let report = adapter.migrate().await.unwrap();
    assert!(report.created_schema);
    assert!(table_exists(&pool, &schema, "users").await);
    exec(&pool, format!("DROP SCHEMA \"{schema}\" CASCADE")).await;
}

async fn concurrent_migrations(route: Route) {
    let (adapter, _pool, _schema) = unmigrated_adapter_via(route).await;
    let other = adapter.clone();
    let (a, b) = tokio::join!(adapter.migrate(), other.migrate());
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(
        a.is_noop() != b.is_noop(),
        "exactly one run does the work: {a:?} {b:?}"
    );
}

/// A database migrated by a version without `auth_adapter_token_used` (the function
/// dropped here, its tables and tokens kept): `authenticate` cannot run until `migrate`,
/// which creates only the function and reports it; then the token authenticates and its
/// use is recorded.
async fn token_function_upgrade(route: Route) {
    let (adapter, pool, schema) = unmigrated_adapter_via(route).await;
    adapter.migrate().await.unwrap();
    let user = adapter
        .create_user(NewUser::with_email("upgrade@example.com"))
        .await
        .unwrap();
    let secret = TokenSecret::new("upgrade secret").unwrap();
    let token = TokenFormat::default().generate();
    adapter
        .bind_token(NewTokenBinding::new(&user.id, "users", &token, &secret))
        .await
        .unwrap();
    exec(
        &pool,
        format!("DROP FUNCTION \"{schema}\".auth_adapter_token_used"),
    )
    .await;
    let hash = secret.hash(&token);
    assert!(
        adapter
            .authenticate("users", &hash, Utc::now())
            .await
            .is_err(),
        "without the function the statement cannot run"
    );

    let report = adapter.migrate().await.unwrap();
    assert_eq!(report.created_functions, ["auth_adapter_token_used"]);
    assert!(report.created_tables.is_empty() && report.created_indexes.is_empty());
    assert!(report.added_constraints.is_empty(), "{report:?}");
    let now = truncate_to_millis(Utc::now());
    let (binding, who) = adapter
        .authenticate("users", &hash, now)
        .await
        .unwrap()
        .expect("the bound token authenticates");
    assert_eq!((binding.last_used_at, who.id), (Some(now), user.id));
    assert!(adapter.migrate().await.unwrap().is_noop());
}

/// (table, column, type, nullable, max length, default without the schema name)
type ColumnShape = (String, String, String, String, Option<i32>, Option<String>);

#[tokio::test]
async fn the_created_tables_are_exactly_upstreams() {
    let pool = common::pool().await;
    let upstream = common::fresh_schema(&pool).await;
    create_upstream_tables(&pool, &upstream).await;
    let (_adapter, _, ours) = migrated_adapter().await;
    let columns = |schema: String| {
        let pool = pool.clone();
        async move {
            let rows: Vec<ColumnShape> = sqlx::query_as(
                "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text, \
                     character_maximum_length::int, \
                     replace(column_default, $1, '') \
                     FROM information_schema.columns WHERE table_schema = $1 \
                     AND table_name IN ('users', 'accounts', 'sessions', 'verification_token') \
                     ORDER BY table_name, ordinal_position",
            )
            .bind(&schema)
            .fetch_all(&pool)
            .await
            .unwrap();
            rows
        }
    };
    let upstream_columns = columns(upstream.clone()).await;
    assert_eq!(upstream_columns.len(), 4 + 12 + 5 + 3);
    assert_eq!(columns(ours).await, upstream_columns);
}

/// Writes a small Auth.js database the way Node's pg-adapter leaves it: users (one without
/// an email), accounts, sessions, tokens, with ids from the SERIALs.
async fn seed_upstream(pool: &PgPool, schema: &str) {
    exec(
        pool,
        format!(
            r#"
            INSERT INTO "{schema}".users (name, email, "emailVerified", image) VALUES
              ('Ada', 'ada@example.com', '2026-11-22T11:33:29.559Z', 'https://img/ada'),
              ('Bob', 'bob@example.com', NULL, NULL),
              (NULL, NULL, NULL, NULL);
            INSERT INTO "{schema}".accounts ("userId", type, provider, "providerAccountId",
              refresh_token, access_token, expires_at, id_token, scope, session_state, token_type)
            VALUES
              (1, 'oauth', 'github', '42', 'r1', 'a1', 1795000409, 'i1', 'user', 's1', 'bearer'),
              (2, 'oidc', 'google', '7', NULL, NULL, NULL, NULL, NULL, NULL, NULL);
            INSERT INTO "{schema}".sessions ("userId", expires, "sessionToken") VALUES
              (1, '2030-01-01T00:00:00.123Z', 'token-ada-1'),
              (1, '2030-01-02T00:00:00Z', 'token-ada-2'),
              (2, '2020-01-01T00:00:00Z', 'token-bob-expired');
            INSERT INTO "{schema}".verification_token (identifier, expires, token) VALUES
              ('ada@example.com', '2030-01-01T00:00:00Z', 'hashed-1');
            "#
        ),
    )
    .await;
}

async fn adopting_keeps_every_row(route: Route) {
    let (adapter, pool, schema) = unmigrated_adapter_via(route).await;
    create_upstream_tables(&pool, &schema).await;
    seed_upstream(&pool, &schema).await;
    let snapshot = |pool: PgPool, schema: String| async move {
        let mut all = Vec::new();
        for table in ["users", "accounts", "sessions", "verification_token"] {
            let rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT row_to_json(t)::text FROM \"{schema}\".{table} t ORDER BY 1"
            )))
            .fetch_all(&pool)
            .await
            .unwrap();
            all.push(rows);
        }
        all
    };
    let before = snapshot(pool.clone(), schema.clone()).await;

    let report = adapter.migrate().await.unwrap();
    assert_eq!(
        report.created_tables,
        [
            "authenticators",
            "auth_adapter_counters",
            "auth_adapter_tokens"
        ]
    );
    assert_eq!(report.added_constraints.len(), 6);
    assert_eq!(snapshot(pool.clone(), schema.clone()).await, before);
    assert!(adapter.migrate().await.unwrap().is_noop());

    // Reads.
    let ada = adapter.get_user("1").await.unwrap().unwrap();
    assert_eq!(ada.email.as_deref(), Some("ada@example.com"));
    assert_eq!(
        ada.email_verified,
        Some(
            DateTime::parse_from_rfc3339("2026-11-22T11:33:29.559Z")
                .unwrap()
                .into()
        )
    );
    assert_eq!(
        adapter
            .get_user_by_email("bob@example.com")
            .await
            .unwrap()
            .unwrap()
            .id,
        "2"
    );
    assert_eq!(adapter.get_user("3").await.unwrap().unwrap().email, None);
    assert_eq!(
        adapter.get_user_by_account("github", "42").await.unwrap(),
        Some(ada.clone())
    );
    let account = adapter.get_account("github", "42").await.unwrap().unwrap();
    assert_eq!(account.expires_at, Some(1_795_000_409));
    assert_eq!(account.account_type, AccountType::Oauth);
    let (session, user) = adapter
        .get_session_and_user("token-ada-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user, ada);
    assert_eq!(session.expires.timestamp_subsec_millis(), 123);
    let token = adapter
        .use_verification_token("ada@example.com", "hashed-1")
        .await
        .unwrap();
    assert!(token.is_some());

    // Writes: the SERIALs continue, the new constraints hold.
    let carol = adapter
        .create_user(NewUser::with_email("carol@example.com"))
        .await
        .unwrap();
    assert_eq!(carol.id, "4");
    let err = adapter
        .create_user(NewUser::with_email("ada@example.com"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            AdapterError::Conflict {
                entity: Entity::User,
                ..
            }
        ),
        "{err}"
    );
    let err = adapter
        .link_account(AdapterAccount::new(
            &carol.id,
            AccountType::Oauth,
            "github",
            "42",
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            AdapterError::Conflict {
                entity: Entity::Account,
                ..
            }
        ),
        "{err}"
    );
    let err = adapter
        .create_session(session_for(&carol.id, "token-ada-1"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            AdapterError::Conflict {
                entity: Entity::Session,
                ..
            }
        ),
        "{err}"
    );

    // The cascade now holds for rows Node wrote.
    let deleted = adapter.delete_user("1").await.unwrap();
    assert_eq!(deleted, Some(ada));
    assert_eq!(adapter.get_account("github", "42").await.unwrap(), None);
    assert_eq!(
        adapter.get_session_and_user("token-ada-2").await.unwrap(),
        None
    );
    assert_eq!(count(&pool, &schema, "sessions").await, 1);
}

#[tokio::test]
async fn adoption_keeps_equivalent_constraints_the_owner_added() {
    let (adapter, pool, schema) = unmigrated_adapter().await;
    create_upstream_tables(&pool, &schema).await;
    seed_upstream(&pool, &schema).await;
    // As the pg-adapter docs (PR #13416) suggest, under PostgreSQL's generated names.
    exec(
        &pool,
        format!(
            r#"ALTER TABLE "{schema}".accounts ADD UNIQUE (provider, "providerAccountId");
               ALTER TABLE "{schema}".sessions ADD FOREIGN KEY ("userId") REFERENCES "{schema}".users (id) ON DELETE CASCADE;
               CREATE UNIQUE INDEX owners_email_idx ON "{schema}".users (email);"#
        ),
    )
    .await;

    let report = adapter.migrate().await.unwrap();
    assert_eq!(
        report.added_constraints,
        [
            "sessions_session_token_key",
            "accounts_user_id_fkey",
            "authenticators_user_id_fkey"
        ]
    );
    assert!(adapter.migrate().await.unwrap().is_noop());

    // The owner's constraints do the job, and their violations map like ours.
    let err = adapter
        .link_account(AdapterAccount::new("2", AccountType::Oauth, "github", "42"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            AdapterError::Conflict {
                entity: Entity::Account,
                ..
            }
        ),
        "{err}"
    );
    let err = adapter
        .update_user(UserUpdate::new("2").email(Some("ada@example.com".into())))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            AdapterError::Conflict {
                entity: Entity::User,
                ..
            }
        ),
        "{err}"
    );
    adapter.delete_user("1").await.unwrap().unwrap();
    assert_eq!(
        adapter.get_session_and_user("token-ada-2").await.unwrap(),
        None
    );
    assert_eq!(count(&pool, &schema, "sessions").await, 1);
}

/// Sets up upstream tables with `extra` rows that break a constraint, runs migrate, and
/// checks it failed having changed nothing. Returns the error message.
async fn failed_adoption(route: Route, extra: &str) -> (AdapterError, String) {
    let (adapter, pool, schema) = unmigrated_adapter_via(route).await;
    create_upstream_tables(&pool, &schema).await;
    seed_upstream(&pool, &schema).await;
    exec(&pool, extra.replace("{s}", &format!("\"{schema}\""))).await;
    let counts = {
        let mut c = Vec::new();
        for table in ["users", "accounts", "sessions", "verification_token"] {
            c.push(count(&pool, &schema, table).await);
        }
        c
    };
    let before = constraint_names(&pool, &schema).await;

    let err = adapter.migrate().await.unwrap_err();

    assert_eq!(
        constraint_names(&pool, &schema).await,
        before,
        "nothing added"
    );
    assert!(!table_exists(&pool, &schema, "authenticators").await);
    let mut after = Vec::new();
    for table in ["users", "accounts", "sessions", "verification_token"] {
        after.push(count(&pool, &schema, table).await);
    }
    assert_eq!(after, counts, "every row kept");
    let message = err.to_string();
    println!("{message}"); // shown with --nocapture: what an operator reads
    assert!(message.contains("nothing was changed"), "{message}");
    (err, message)
}

async fn duplicate_emails_fail(route: Route) {
    let (err, message) = failed_adoption(
        route,
        r#"INSERT INTO {s}.users (email) VALUES ('ada@example.com'), ('dup@example.com'), ('dup@example.com')"#,
    )
    .await;
    assert!(
        matches!(
            err,
            AdapterError::Conflict {
                entity: Entity::User,
                ..
            }
        ),
        "{err}"
    );
    assert!(
        message.contains(r#""ada@example.com" (users 1, 4)"#),
        "{message}"
    );
    assert!(
        message.contains(r#""dup@example.com" (users 5, 6)"#),
        "{message}"
    );
}

#[tokio::test]
async fn adoption_with_duplicate_accounts_fails_naming_them() {
    let (err, message) = failed_adoption(
        Route::Direct,
        r#"INSERT INTO {s}.accounts ("userId", type, provider, "providerAccountId") VALUES (2, 'oauth', 'github', '42')"#,
    )
    .await;
    assert!(
        matches!(
            err,
            AdapterError::Conflict {
                entity: Entity::Account,
                ..
            }
        ),
        "{err}"
    );
    assert!(
        message.contains(r#"(provider "github", providerAccountId "42") (accounts 1, 3)"#),
        "{message}"
    );
}

#[tokio::test]
async fn adoption_with_duplicate_session_tokens_names_rows_by_id_never_the_token() {
    let (err, message) = failed_adoption(
        Route::Direct,
        r#"INSERT INTO {s}.sessions ("userId", expires, "sessionToken") VALUES (2, now(), 'token-ada-1')"#,
    )
    .await;
    assert!(
        matches!(
            err,
            AdapterError::Conflict {
                entity: Entity::Session,
                ..
            }
        ),
        "{err}"
    );
    assert!(message.contains("sessions 1, 4"), "{message}");
    assert!(!message.contains("token-ada-1"), "{message}");
    assert!(!format!("{err:?}").contains("token-ada-1"));
}

#[tokio::test]
async fn adoption_with_orphans_fails_naming_them() {
    let (_err, message) = failed_adoption(
        Route::Direct,
        r#"INSERT INTO {s}.sessions ("userId", expires, "sessionToken") VALUES (99, now(), 'secret-orphan');
           INSERT INTO {s}.accounts ("userId", type, provider, "providerAccountId") VALUES (98, 'oauth', 'gitlab', 'x')"#,
    )
    .await;
    assert!(message.contains("session 4 (userId 99)"), "{message}");
    assert!(
        message.contains(r#"account 3 (provider "gitlab", providerAccountId "x", userId 98)"#),
        "{message}"
    );
    assert!(!message.contains("secret-orphan"), "{message}");
}

async fn foreign_users_table(route: Route) {
    let (adapter, pool, schema) = unmigrated_adapter_via(route).await;
    exec(
        &pool,
        format!("CREATE TABLE \"{schema}\".users (id SERIAL PRIMARY KEY, login TEXT)"),
    )
    .await;
    let err = adapter.migrate().await.unwrap_err();
    assert!(matches!(err, AdapterError::Unsupported { .. }), "{err}");
    assert!(
        !table_exists(&pool, &schema, "accounts").await,
        "rolled back"
    );
}
