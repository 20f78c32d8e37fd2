//! The tables, and [`migrate`]: create them, or adopt the ones Auth.js's `schema.sql`
//! made, in one transaction.
//!
//! There is no migrations table. `migrate` reads the catalog (which tables, columns,
//! constraints and indexes exist in the schema) and does only what is missing, so it is
//! idempotent by construction, and a database whose tables were created by Node (or by an
//! older version of this crate) is brought to the same end state as an empty one. A
//! version table would be one more table for the Node app to ignore, and it could not be
//! trusted anyway for tables someone else created.
//!
//! Nothing here outlives the transaction on its server connection, so `migrate` runs the
//! same through a transaction-mode pooler (which keeps one server connection for the
//! length of a transaction): the advisory lock is `pg_advisory_xact_lock`, released at
//! commit or rollback, and every statement is unnamed (`persistent(false)`), never one of
//! sqlx's cached named statements. An unnamed statement is safe here because it is
//! parsed and executed inside the transaction, on the one server connection that holds
//! it; outside a transaction its Parse and its Execute could reach different ones.

use std::collections::HashSet;
use std::fmt::Write as _;

use auth_adapter_core::{AdapterError, Entity, MigrationReport, Result};
use sqlx::postgres::PgConnection;
use sqlx::{AssertSqlSafe, PgPool, Row};

use crate::error::map_err;

/// The first key of the advisory lock that serialises `migrate` per schema (`"AUTH"`); the
/// second is `hashtext(schema)`.
const LOCK_CLASS: i32 = 0x4155_5448;

/// How many offending values an adoption error lists per kind.
const MAX_LISTED: i64 = 20;

/// A table, with the DDL that creates it and the columns the adapter needs from it.
struct Table {
    name: &'static str,
    /// `CREATE TABLE {s}.name (…)`; `{s}` is the quoted schema.
    create: &'static str,
    columns: &'static [&'static str],
}

/// The four tables of `@auth/pg-adapter`'s `schema.sql`, exactly as upstream creates them,
/// then ours: `authenticators` (pg-adapter has no WebAuthn support).
const TABLES: &[Table] = &[
    Table {
        name: "users",
        create: r#"CREATE TABLE {s}.users
(
  id SERIAL,
  name VARCHAR(255),
  email VARCHAR(255),
  "emailVerified" TIMESTAMPTZ,
  image TEXT,

  PRIMARY KEY (id)
)"#,
        columns: &["id", "name", "email", "emailVerified", "image"],
    },
    Table {
        name: "accounts",
        create: r#"CREATE TABLE {s}.accounts
(
  id SERIAL,
  "userId" INTEGER NOT NULL,
  type VARCHAR(255) NOT NULL,
  provider VARCHAR(255) NOT NULL,
  "providerAccountId" VARCHAR(255) NOT NULL,
  refresh_token TEXT,
  access_token TEXT,
  expires_at BIGINT,
  id_token TEXT,
  scope TEXT,
  session_state TEXT,
  token_type TEXT,

  PRIMARY KEY (id)
)"#,
        columns: &[
            "id",
            "userId",
            "type",
            "provider",
            "providerAccountId",
            "refresh_token",
            "access_token",
            "expires_at",
            "id_token",
            "scope",
            "session_state",
            "token_type",
        ],
    },
    Table {
        name: "sessions",
        create: r#"CREATE TABLE {s}.sessions
(
  id SERIAL,
  "userId" INTEGER NOT NULL,
  expires TIMESTAMPTZ NOT NULL,
  "sessionToken" VARCHAR(255) NOT NULL,

  PRIMARY KEY (id)
)"#,
        columns: &["id", "userId", "expires", "sessionToken"],
    },
    Table {
        name: "verification_token",
        create: r#"CREATE TABLE {s}.verification_token
(
  identifier TEXT NOT NULL,
  expires TIMESTAMPTZ NOT NULL,
  token TEXT NOT NULL,

  PRIMARY KEY (identifier, token)
)"#,
        columns: &["identifier", "expires", "token"],
    },
    Table {
        name: "authenticators",
        create: r#"CREATE TABLE {s}.authenticators
(
  "credentialID" TEXT NOT NULL,
  "userId" INTEGER NOT NULL,
  "providerAccountId" TEXT NOT NULL,
  "credentialPublicKey" TEXT NOT NULL,
  counter BIGINT NOT NULL,
  "credentialDeviceType" TEXT NOT NULL,
  "credentialBackedUp" BOOLEAN NOT NULL,
  transports TEXT,

  CONSTRAINT authenticators_pkey PRIMARY KEY ("credentialID"),
  CONSTRAINT authenticators_counter_check CHECK (counter BETWEEN 0 AND 4294967295)
)"#,
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
    // Ours, for the CounterStore (attempt and rate limits shared by every instance).
    // @auth/pg-adapter never reads it.
    Table {
        name: "auth_adapter_counters",
        create: r#"CREATE TABLE {s}.auth_adapter_counters
(
  key TEXT NOT NULL,
  count BIGINT NOT NULL,
  resets_at TIMESTAMPTZ NOT NULL,

  CONSTRAINT auth_adapter_counters_pkey PRIMARY KEY (key)
)"#,
        columns: &["key", "count", "resets_at"],
    },
    // Ours, for the TokenStore (tokens bound to users, kept as keyed hashes). The foreign
    // key cascades a user's delete to its tokens, whoever deletes the user (@auth/pg-adapter
    // included). @auth/pg-adapter never reads it.
    Table {
        name: "auth_adapter_tokens",
        create: r#"CREATE TABLE {s}.auth_adapter_tokens
(
  id TEXT NOT NULL,
  user_id INTEGER NOT NULL,
  realm TEXT NOT NULL,
  token_hash TEXT NOT NULL,
  name TEXT,
  display_prefix TEXT NOT NULL,
  scopes TEXT[] NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  last_used_at TIMESTAMPTZ,
  expires TIMESTAMPTZ,

  CONSTRAINT auth_adapter_tokens_pkey PRIMARY KEY (id),
  CONSTRAINT auth_adapter_tokens_realm_hash_key UNIQUE (realm, token_hash),
  CONSTRAINT auth_adapter_tokens_user_id_fkey FOREIGN KEY (user_id) REFERENCES {s}.users (id) ON DELETE CASCADE
)"#,
        columns: &[
            "id",
            "user_id",
            "realm",
            "token_hash",
            "name",
            "display_prefix",
            "scopes",
            "created_at",
            "last_used_at",
            "expires",
        ],
    },
];

/// A constraint `migrate` adds to upstream's tables, with the check that existing rows
/// satisfy it.
struct Constraint {
    name: &'static str,
    table: &'static str,
    /// `ALTER TABLE {s}.table ADD CONSTRAINT name …`.
    add: &'static str,
    violations: Violations,
    /// What makes a constraint of another name just as good.
    equivalent: Equivalent,
}

/// A constraint someone else added that does the same job as ours, so ours is not added
/// beside it (e.g. the `UNIQUE (provider, "providerAccountId")` the pg-adapter docs
/// suggest, under PostgreSQL's generated name).
#[derive(Clone, Copy)]
enum Equivalent {
    /// A plain unique index (or constraint) on exactly these columns.
    Unique(&'static [&'static str]),
    /// A foreign key from `"userId"` to `users` with `ON DELETE CASCADE`.
    CascadeToUsers,
}

/// Which rows would break a constraint.
#[derive(Clone, Copy)]
enum Violations {
    DuplicateEmails,
    DuplicateAccounts,
    DuplicateSessionTokens,
    OrphanAccounts,
    OrphanSessions,
    OrphanAuthenticators,
}

/// Unique keys first: the error lists what the user must fix in a readable order.
const CONSTRAINTS: &[Constraint] = &[
    Constraint {
        name: "users_email_key",
        table: "users",
        add: "ALTER TABLE {s}.users ADD CONSTRAINT users_email_key UNIQUE (email)",
        violations: Violations::DuplicateEmails,
        equivalent: Equivalent::Unique(&["email"]),
    },
    Constraint {
        name: "accounts_provider_account_key",
        table: "accounts",
        add: r#"ALTER TABLE {s}.accounts ADD CONSTRAINT accounts_provider_account_key UNIQUE (provider, "providerAccountId")"#,
        violations: Violations::DuplicateAccounts,
        equivalent: Equivalent::Unique(&["provider", "providerAccountId"]),
    },
    Constraint {
        name: "sessions_session_token_key",
        table: "sessions",
        add: r#"ALTER TABLE {s}.sessions ADD CONSTRAINT sessions_session_token_key UNIQUE ("sessionToken")"#,
        violations: Violations::DuplicateSessionTokens,
        equivalent: Equivalent::Unique(&["sessionToken"]),
    },
    Constraint {
        name: "accounts_user_id_fkey",
        table: "accounts",
        add: r#"ALTER TABLE {s}.accounts ADD CONSTRAINT accounts_user_id_fkey FOREIGN KEY ("userId") REFERENCES {s}.users (id) ON DELETE CASCADE"#,
        violations: Violations::OrphanAccounts,
        equivalent: Equivalent::CascadeToUsers,
    },
    Constraint {
        name: "sessions_user_id_fkey",
        table: "sessions",
        add: r#"ALTER TABLE {s}.sessions ADD CONSTRAINT sessions_user_id_fkey FOREIGN KEY ("userId") REFERENCES {s}.users (id) ON DELETE CASCADE"#,
        violations: Violations::OrphanSessions,
        equivalent: Equivalent::CascadeToUsers,
    },
    Constraint {
        name: "authenticators_user_id_fkey",
        table: "authenticators",
        add: r#"ALTER TABLE {s}.authenticators ADD CONSTRAINT authenticators_user_id_fkey FOREIGN KEY ("userId") REFERENCES {s}.users (id) ON DELETE CASCADE"#,
        violations: Violations::OrphanAuthenticators,
        equivalent: Equivalent::CascadeToUsers,
    },
];

/// The indexes behind `"userId"` lookups (delete_sessions_by_user_id, the cascades,
/// list_authenticators_by_user_id, the TokenStore's lists) and the token purge.
const INDEXES: &[(&str, &str)] = &[
    (
        "accounts_user_id_idx",
        r#"CREATE INDEX IF NOT EXISTS accounts_user_id_idx ON {s}.accounts ("userId")"#,
    ),
    (
        "sessions_user_id_idx",
        r#"CREATE INDEX IF NOT EXISTS sessions_user_id_idx ON {s}.sessions ("userId")"#,
    ),
    (
        "authenticators_user_id_idx",
        r#"CREATE INDEX IF NOT EXISTS authenticators_user_id_idx ON {s}.authenticators ("userId")"#,
    ),
    // A user's tokens (list, revoke all, the cascade of a user delete) and the expired ones
    // (purge).
    (
        "auth_adapter_tokens_user_id_idx",
        "CREATE INDEX IF NOT EXISTS auth_adapter_tokens_user_id_idx ON {s}.auth_adapter_tokens (user_id)",
    ),
    (
        "auth_adapter_tokens_expires_idx",
        "CREATE INDEX IF NOT EXISTS auth_adapter_tokens_expires_idx ON {s}.auth_adapter_tokens (expires) WHERE expires IS NOT NULL",
    ),
];

/// Functions of ours, by name, with the DDL that creates them. `migrate` creates one that is
/// missing (a database migrated before it existed gets it on its next `migrate`); a change
/// to a body must come with a new name, since an existing function is left as it is.
pub(crate) const FUNCTIONS: &[(&str, &str)] = &[
    // Records a bound token's use when it is due: the UPDATE rechecks the condition, so of
    // concurrent uses one writes. `authenticate_token` (sql.rs) calls it only when the
    // recorded use it read is due, so a request that is not due writes nothing and runs
    // no data-modifying plan. PL/pgSQL keeps the UPDATE's plan per server connection.
    (
        crate::sql::TOUCH_FUNCTION,
        "CREATE FUNCTION {s}.auth_adapter_token_used(token_id TEXT, used_at TIMESTAMPTZ, due_before TIMESTAMPTZ) RETURNS BOOLEAN LANGUAGE plpgsql VOLATILE AS $fn$
BEGIN
  UPDATE {s}.auth_adapter_tokens SET last_used_at = used_at WHERE id = token_id AND (last_used_at IS NULL OR last_used_at <= due_before);
  RETURN FOUND;
END
$fn$",
    ),
];

/// `template` with `{s}` replaced by the quoted schema. `schema` is a validated identifier
/// (ASCII letters, digits, `_`), so the result is safe to run.
fn ddl(template: &str, schema: &str) -> AssertSqlSafe<String> {
    AssertSqlSafe(template.replace("{s}", &format!("\"{schema}\"")))
}

/// Runs `templates` (each with `{s}` for the schema) as one batch: one round trip.
async fn run_ddl(conn: &mut PgConnection, templates: &[&str], schema: &str) -> Result<()> {
    if templates.is_empty() {
        return Ok(());
    }
    sqlx::raw_sql(ddl(&templates.join(";\n"), schema))
        .execute(conn)
        .await
        .map_err(map_err)?;
    Ok(())
}

async fn names(
    conn: &mut PgConnection,
    query: &'static str,
    schema: &str,
) -> Result<HashSet<String>> {
    let rows = sqlx::query(query)
        .persistent(false)
        .bind(schema)
        .fetch_all(conn)
        .await
        .map_err(map_err)?;
    rows.iter()
        .map(|row| row.try_get::<String, _>(0).map_err(map_err))
        .collect()
}

/// Runs the migration on `pool` for `schema` (a validated identifier). See the crate docs.
pub(crate) async fn migrate(pool: &PgPool, schema: &str) -> Result<MigrationReport> {
    let mut tx = pool.begin().await.map_err(map_err)?;
    let report = migrate_in(&mut tx, schema).await;
    match report {
        Ok(report) => {
            tx.commit().await.map_err(map_err)?;
            Ok(report)
        }
        Err(err) => {
            // Nothing of this run stays; a rollback failure only means the connection is
            // gone, and the server rolls back then too.
            let _ = tx.rollback().await;
            Err(err)
        }
    }
}

async fn migrate_in(conn: &mut PgConnection, schema: &str) -> Result<MigrationReport> {
    let mut report = MigrationReport::default();

    // Concurrent migrators of one schema run one after the other.
    sqlx::query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
        .persistent(false)
        .bind(LOCK_CLASS)
        .bind(schema)
        .execute(&mut *conn)
        .await
        .map_err(map_err)?;

    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)")
            .persistent(false)
            .bind(schema)
            .fetch_one(&mut *conn)
            .await
            .map_err(map_err)?;
    let existing = if exists {
        names(
            conn,
            "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')",
            schema,
        )
        .await?
    } else {
        HashSet::new()
    };
    // Tables that exist are checked before anything is created; new ones are ours.
    check_columns(conn, schema, &existing).await?;

    let mut create = Vec::new();
    if !exists {
        create.push("CREATE SCHEMA {s}");
        report.created_schema = true;
    }
    for table in TABLES {
        if !existing.contains(table.name) {
            create.push(table.create);
            report.created_tables.push(table.name);
        }
    }
    run_ddl(conn, &create, schema).await?;

    // A constraint on a table created just now cannot be violated (it is empty) and has no
    // equivalent; on an adopted table both need looking at.
    let constraints = if existing.is_empty() {
        HashSet::new()
    } else {
        names(
            conn,
            "SELECT c.conname::text FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace \
             WHERE n.nspname = $1",
            schema,
        )
        .await?
    };
    let mut missing: Vec<&Constraint> = Vec::new();
    let mut to_check: Vec<&Constraint> = Vec::new();
    for constraint in CONSTRAINTS {
        if !existing.contains(constraint.table) {
            missing.push(constraint);
        } else if !constraints.contains(constraint.name)
            && !has_equivalent(conn, schema, constraint).await?
        {
            missing.push(constraint);
            to_check.push(constraint);
        }
    }
    if !to_check.is_empty() {
        // No writer (Node's included) may add an offending row between the check and the
        // constraint; readers carry on.
        run_ddl(
            conn,
            &["LOCK TABLE {s}.users, {s}.accounts, {s}.sessions, {s}.authenticators IN SHARE ROW EXCLUSIVE MODE"],
            schema,
        )
        .await?;
        let mut problems = Vec::new();
        for constraint in to_check {
            if let Some(problem) = find_violations(conn, schema, constraint.violations).await? {
                problems.push(problem);
            }
        }
        if let Some(first) = problems.first() {
            let entity = first.entity;
            let mut message = format!(
                "cannot adopt the tables in schema \"{schema}\": existing rows violate the constraints migrate adds, so nothing was changed."
            );
            for problem in &problems {
                let _ = write!(message, " {}.", problem.text);
            }
            message.push_str(" Merge or delete these rows, then run migrate again.");
            return Err(AdapterError::conflict(entity, message));
        }
    }

    let indexes = if existing.is_empty() {
        HashSet::new()
    } else {
        names(
            conn,
            "SELECT indexname::text FROM pg_indexes WHERE schemaname = $1",
            schema,
        )
        .await?
    };
    let mut change = Vec::new();
    for constraint in missing {
        change.push(constraint.add);
        report.added_constraints.push(constraint.name);
    }
    for (name, create) in INDEXES {
        if !indexes.contains(*name) {
            change.push(create);
            report.created_indexes.push(name);
        }
    }
    let functions = if exists {
        names(
            conn,
            "SELECT p.proname::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
             WHERE n.nspname = $1",
            schema,
        )
        .await?
    } else {
        HashSet::new()
    };
    for (name, create) in FUNCTIONS {
        if !functions.contains(*name) {
            change.push(create);
            report.created_functions.push(name);
        }
    }
    run_ddl(conn, &change, schema).await?;
    Ok(report)
}

/// A plain unique index on exactly the columns `$3` of table `$2` in schema `$1`.
const SAME_UNIQUE: &str = "SELECT EXISTS (SELECT 1 FROM pg_index i \
      JOIN pg_class t ON t.oid = i.indrelid \
      JOIN pg_namespace n ON n.oid = t.relnamespace \
    WHERE n.nspname = $1 AND t.relname = $2 AND i.indisunique \
      AND i.indpred IS NULL AND i.indexprs IS NULL \
      AND i.indnatts = cardinality($3::text[]) \
      AND (SELECT array_agg(a.attname::text ORDER BY a.attname::text) FROM pg_attribute a \
           WHERE a.attrelid = t.oid AND a.attnum = ANY (i.indkey::int2[])) \
        = (SELECT array_agg(c ORDER BY c) FROM unnest($3::text[]) c))";

/// A foreign key from `"userId"` of table `$2` to `users` with `ON DELETE CASCADE`, in
/// schema `$1`.
const SAME_CASCADE: &str = r#"SELECT EXISTS (SELECT 1 FROM pg_constraint c
      JOIN pg_class t ON t.oid = c.conrelid
      JOIN pg_namespace n ON n.oid = t.relnamespace
      JOIN pg_class r ON r.oid = c.confrelid
      JOIN pg_attribute a ON a.attrelid = t.oid AND a.attname = 'userId'
    WHERE n.nspname = $1 AND t.relname = $2 AND c.contype = 'f' AND c.confdeltype = 'c'
      AND r.relname = 'users' AND r.relnamespace = n.oid AND c.conkey = ARRAY[a.attnum])"#;

/// Whether `constraint.table` already has a constraint that does the job of ours.
async fn has_equivalent(
    conn: &mut PgConnection,
    schema: &str,
    constraint: &Constraint,
) -> Result<bool> {
    let exists = match constraint.equivalent {
        Equivalent::Unique(columns) => {
            sqlx::query_scalar(SAME_UNIQUE)
                .persistent(false)
                .bind(schema)
                .bind(constraint.table)
                .bind(columns)
                .fetch_one(&mut *conn)
                .await
        }
        Equivalent::CascadeToUsers => {
            sqlx::query_scalar(SAME_CASCADE)
                .persistent(false)
                .bind(schema)
                .bind(constraint.table)
                .fetch_one(&mut *conn)
                .await
        }
    };
    exists.map_err(map_err)
}

/// Fails when a table of ours exists with a different shape (someone else's `users`).
async fn check_columns(
    conn: &mut PgConnection,
    schema: &str,
    existing: &HashSet<String>,
) -> Result<()> {
    if !TABLES.iter().any(|t| existing.contains(t.name)) {
        return Ok(());
    }
    let rows = sqlx::query(
        "SELECT table_name::text, column_name::text FROM information_schema.columns WHERE table_schema = $1",
    )
    .persistent(false)
    .bind(schema)
    .fetch_all(&mut *conn)
    .await
    .map_err(map_err)?;
    let mut present = HashSet::new();
    for row in &rows {
        let table: String = row.try_get(0).map_err(map_err)?;
        let column: String = row.try_get(1).map_err(map_err)?;
        present.insert((table, column));
    }
    for table in TABLES.iter().filter(|t| existing.contains(t.name)) {
        for column in table.columns {
            if !present.contains(&(table.name.to_owned(), (*column).to_owned())) {
                return Err(AdapterError::unsupported(format!(
                    "table \"{schema}\".{} has no column \"{column}\": it is not the @auth/pg-adapter layout",
                    table.name
                )));
            }
        }
    }
    Ok(())
}

/// Rows that break one constraint, described by value (emails, provider account ids) or
/// by row id (sessions: their tokens are secrets).
struct Problem {
    entity: Entity,
    text: String,
}

fn listed(items: &[String], total: i64) -> String {
    let mut text = items.join(", ");
    if total > items.len() as i64 {
        let _ = write!(text, " and {} more", total - items.len() as i64);
    }
    text
}

async fn find_violations(
    conn: &mut PgConnection,
    schema: &str,
    kind: Violations,
) -> Result<Option<Problem>> {
    // Every query returns (description, total number of offending groups).
    let (entity, template, what) = match kind {
        Violations::DuplicateEmails => (
            Entity::User,
            r#"SELECT format('%s (users %s)', to_json(email)::text, string_agg(id::text, ', ' ORDER BY id)), count(*) OVER ()
               FROM {s}.users WHERE email IS NOT NULL GROUP BY email HAVING count(*) > 1 ORDER BY email LIMIT $1"#,
            "emails held by more than one user",
        ),
        Violations::DuplicateAccounts => (
            Entity::Account,
            r#"SELECT format('(provider %s, providerAccountId %s) (accounts %s)', to_json(provider)::text, to_json("providerAccountId")::text, string_agg(id::text, ', ' ORDER BY id)), count(*) OVER ()
               FROM {s}.accounts GROUP BY provider, "providerAccountId" HAVING count(*) > 1 ORDER BY provider, "providerAccountId" LIMIT $1"#,
            "accounts linked more than once",
        ),
        Violations::DuplicateSessionTokens => (
            Entity::Session,
            r#"SELECT format('(sessions %s)', string_agg(id::text, ', ' ORDER BY id)), count(*) OVER ()
               FROM {s}.sessions GROUP BY "sessionToken" HAVING count(*) > 1 ORDER BY min(id) LIMIT $1"#,
            "sessions sharing a session token (listed by row id)",
        ),
        Violations::OrphanAccounts => (
            Entity::Account,
            r#"SELECT format('account %s (provider %s, providerAccountId %s, userId %s)', a.id, to_json(a.provider)::text, to_json(a."providerAccountId")::text, a."userId"), count(*) OVER ()
               FROM {s}.accounts a WHERE NOT EXISTS (SELECT 1 FROM {s}.users u WHERE u.id = a."userId") ORDER BY a.id LIMIT $1"#,
            "accounts whose user does not exist",
        ),
        Violations::OrphanSessions => (
            Entity::Session,
            r#"SELECT format('session %s (userId %s)', se.id, se."userId"), count(*) OVER ()
               FROM {s}.sessions se WHERE NOT EXISTS (SELECT 1 FROM {s}.users u WHERE u.id = se."userId") ORDER BY se.id LIMIT $1"#,
            "sessions whose user does not exist (listed by row id)",
        ),
        Violations::OrphanAuthenticators => (
            Entity::Authenticator,
            r#"SELECT format('authenticator %s (userId %s)', to_json(au."credentialID")::text, au."userId"), count(*) OVER ()
               FROM {s}.authenticators au WHERE NOT EXISTS (SELECT 1 FROM {s}.users u WHERE u.id = au."userId") ORDER BY au."credentialID" LIMIT $1"#,
            "authenticators whose user does not exist",
        ),
    };
    let rows = sqlx::query(ddl(template, schema))
        .persistent(false)
        .bind(MAX_LISTED)
        .fetch_all(&mut *conn)
        .await
        .map_err(map_err)?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let total: i64 = first.try_get(1).map_err(map_err)?;
    let items = rows
        .iter()
        .map(|row| row.try_get::<String, _>(0).map_err(map_err))
        .collect::<Result<Vec<_>>>()?;
    Ok(Some(Problem {
        entity,
        text: format!("{what}: {}", listed(&items, total)),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ddl_quotes_the_schema_everywhere() {
        let AssertSqlSafe(text) = ddl(CONSTRAINTS[3].add, "aa_x");
        assert_eq!(text.matches("\"aa_x\".").count(), 2, "{text}");
        assert!(!text.contains("{s}"));
    }

    #[test]
    fn every_constraint_is_on_a_known_table() {
        for c in CONSTRAINTS {
            assert!(TABLES.iter().any(|t| t.name == c.table), "{}", c.name);
            assert!(c.add.contains(c.name));
        }
    }

    #[test]
    fn lists_are_capped() {
        let items = vec!["a".to_owned(), "b".to_owned()];
        assert_eq!(listed(&items, 2), "a, b");
        assert_eq!(listed(&items, 5), "a, b and 3 more");
    }
}
