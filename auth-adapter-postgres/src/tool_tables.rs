//! The tables of the Prisma and Drizzle layouts, [`migrate`] for them, and the catalog
//! read that finds their [`Shape`].
//!
//! The DDL is what `prisma migrate` makes of the Auth.js docs' PostgreSQL schema and what
//! `drizzle-kit generate` makes of `@auth/drizzle-adapter`'s `defineTables()`, statement
//! for statement and name for name (with the table names given in
//! [`Tables`]), so neither tool sees a difference to migrate away. `migrate` creates only
//! the tables that are missing and never alters one that exists: tables made by Prisma or
//! drizzle-kit are adopted as they are, in whichever variant (see [`crate::shape`]).
//! Beside them it creates the crate's own two tables, `auth_adapter_counters` and
//! `auth_adapter_tokens` (its `user_id` a `text` foreign key to the user table's `id`,
//! `ON DELETE CASCADE`), which neither tool nor adapter reads.
//!
//! As for the pg-adapter layout ([`crate::schema`]): one transaction, under a
//! transaction-scoped advisory lock per schema, every statement unnamed, so it runs the
//! same through a transaction-mode pooler.

use std::collections::HashSet;

use auth_adapter_core::{MigrationReport, Result};
use sqlx::postgres::PgConnection;
use sqlx::{AssertSqlSafe, PgPool, Row};

use crate::error::map_err;
use crate::layout::{Layout, Role, Tables};
use crate::shape::{Catalog, Column, Shape};

/// The catalog read behind [`Shape::detect`]: every column of every table in schema `$1`,
/// with its type, `NOT NULL` and whether it has a default.
pub(crate) const CATALOG: &str = "SELECT c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.atthasdef \
     FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
     WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped";

/// The first key of the advisory lock that serialises `migrate` per schema (the pg-adapter
/// layout's, so two layouts' migrations of one schema wait for each other too).
const LOCK_CLASS: i32 = 0x4155_5448;

/// A table of a layout: its role and the statements that create it, in the order the tool
/// runs them (`{s}` the quoted schema, `{user}` … `{au}` the table names).
struct ToolTable {
    role: Role,
    create: &'static [&'static str],
}

/// `prisma migrate`'s output for the Auth.js docs' PostgreSQL schema (migration.sql of
/// `prisma migrate dev`): tables, then unique indexes, then foreign keys. Prisma names
/// constraints after the table (`@@map`ped name included).
const PRISMA: &[ToolTable] = &[
    ToolTable {
        role: Role::User,
        create: &[
            r#"CREATE TABLE {s}."{user}" (
    "id" TEXT NOT NULL,
    "name" TEXT,
    "email" TEXT NOT NULL,
    "emailVerified" TIMESTAMP(3),
    "image" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "{user}_pkey" PRIMARY KEY ("id")
)"#,
            r#"CREATE UNIQUE INDEX "{user}_email_key" ON {s}."{user}"("email")"#,
        ],
    },
    ToolTable {
        role: Role::Account,
        create: &[
            r#"CREATE TABLE {s}."{account}" (
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
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "{account}_pkey" PRIMARY KEY ("provider","providerAccountId")
)"#,
            r#"ALTER TABLE {s}."{account}" ADD CONSTRAINT "{account}_userId_fkey" FOREIGN KEY ("userId") REFERENCES {s}."{user}"("id") ON DELETE CASCADE ON UPDATE CASCADE"#,
        ],
    },
    ToolTable {
        role: Role::Session,
        create: &[
            r#"CREATE TABLE {s}."{session}" (
    "sessionToken" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "expires" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL
)"#,
            r#"CREATE UNIQUE INDEX "{session}_sessionToken_key" ON {s}."{session}"("sessionToken")"#,
            r#"ALTER TABLE {s}."{session}" ADD CONSTRAINT "{session}_userId_fkey" FOREIGN KEY ("userId") REFERENCES {s}."{user}"("id") ON DELETE CASCADE ON UPDATE CASCADE"#,
        ],
    },
    ToolTable {
        role: Role::VerificationToken,
        create: &[r#"CREATE TABLE {s}."{vt}" (
    "identifier" TEXT NOT NULL,
    "token" TEXT NOT NULL,
    "expires" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "{vt}_pkey" PRIMARY KEY ("identifier","token")
)"#],
    },
    ToolTable {
        role: Role::Authenticator,
        create: &[
            r#"CREATE TABLE {s}."{au}" (
    "credentialID" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "providerAccountId" TEXT NOT NULL,
    "credentialPublicKey" TEXT NOT NULL,
    "counter" INTEGER NOT NULL,
    "credentialDeviceType" TEXT NOT NULL,
    "credentialBackedUp" BOOLEAN NOT NULL,
    "transports" TEXT,

    CONSTRAINT "{au}_pkey" PRIMARY KEY ("userId","credentialID")
)"#,
            r#"CREATE UNIQUE INDEX "{au}_credentialID_key" ON {s}."{au}"("credentialID")"#,
            r#"ALTER TABLE {s}."{au}" ADD CONSTRAINT "{au}_userId_fkey" FOREIGN KEY ("userId") REFERENCES {s}."{user}"("id") ON DELETE CASCADE ON UPDATE CASCADE"#,
        ],
    },
];

/// `drizzle-kit generate`'s first migration for `@auth/drizzle-adapter`'s PostgreSQL
/// `defineTables()` (drizzle-kit 0.31): `timestamp` is precision 6, foreign keys are named
/// `{table}_{column}_{target}_{column}_fk`.
const DRIZZLE: &[ToolTable] = &[
    ToolTable {
        role: Role::User,
        create: &[r#"CREATE TABLE {s}."{user}" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text,
	"email" text,
	"emailVerified" timestamp,
	"image" text,
	CONSTRAINT "{user}_email_unique" UNIQUE("email")
)"#],
    },
    ToolTable {
        role: Role::Account,
        create: &[
            r#"CREATE TABLE {s}."{account}" (
	"userId" text NOT NULL,
	"type" text NOT NULL,
	"provider" text NOT NULL,
	"providerAccountId" text NOT NULL,
	"refresh_token" text,
	"access_token" text,
	"expires_at" integer,
	"token_type" text,
	"scope" text,
	"id_token" text,
	"session_state" text,
	CONSTRAINT "{account}_provider_providerAccountId_pk" PRIMARY KEY("provider","providerAccountId")
)"#,
            r#"ALTER TABLE {s}."{account}" ADD CONSTRAINT "{account}_userId_{user}_id_fk" FOREIGN KEY ("userId") REFERENCES {s}."{user}"("id") ON DELETE cascade ON UPDATE no action"#,
        ],
    },
    ToolTable {
        role: Role::Session,
        create: &[
            r#"CREATE TABLE {s}."{session}" (
	"sessionToken" text PRIMARY KEY NOT NULL,
	"userId" text NOT NULL,
	"expires" timestamp NOT NULL
)"#,
            r#"ALTER TABLE {s}."{session}" ADD CONSTRAINT "{session}_userId_{user}_id_fk" FOREIGN KEY ("userId") REFERENCES {s}."{user}"("id") ON DELETE cascade ON UPDATE no action"#,
        ],
    },
    ToolTable {
        role: Role::VerificationToken,
        create: &[r#"CREATE TABLE {s}."{vt}" (
	"identifier" text NOT NULL,
	"token" text NOT NULL,
	"expires" timestamp NOT NULL,
	CONSTRAINT "{vt}_identifier_token_pk" PRIMARY KEY("identifier","token")
)"#],
    },
    ToolTable {
        role: Role::Authenticator,
        create: &[
            r#"CREATE TABLE {s}."{au}" (
	"credentialID" text NOT NULL,
	"userId" text NOT NULL,
	"providerAccountId" text NOT NULL,
	"credentialPublicKey" text NOT NULL,
	"counter" integer NOT NULL,
	"credentialDeviceType" text NOT NULL,
	"credentialBackedUp" boolean NOT NULL,
	"transports" text,
	CONSTRAINT "{au}_userId_credentialID_pk" PRIMARY KEY("userId","credentialID"),
	CONSTRAINT "{au}_credentialID_unique" UNIQUE("credentialID")
)"#,
            r#"ALTER TABLE {s}."{au}" ADD CONSTRAINT "{au}_userId_{user}_id_fk" FOREIGN KEY ("userId") REFERENCES {s}."{user}"("id") ON DELETE cascade ON UPDATE no action"#,
        ],
    },
];

/// The crate's own tables, as for the pg-adapter layout but with a `text` user id.
const OWN: &[(&str, &str)] = &[
    (
        "auth_adapter_counters",
        r#"CREATE TABLE {s}.auth_adapter_counters
(
  key TEXT NOT NULL,
  count BIGINT NOT NULL,
  resets_at TIMESTAMPTZ NOT NULL,

  CONSTRAINT auth_adapter_counters_pkey PRIMARY KEY (key)
)"#,
    ),
    (
        "auth_adapter_tokens",
        r#"CREATE TABLE {s}.auth_adapter_tokens
(
  id TEXT NOT NULL,
  user_id TEXT NOT NULL,
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
  CONSTRAINT auth_adapter_tokens_user_id_fkey FOREIGN KEY (user_id) REFERENCES {s}."{user}" (id) ON DELETE CASCADE
)"#,
    ),
];

/// The indexes of the crate's own tables.
const OWN_INDEXES: &[(&str, &str)] = &[
    (
        "auth_adapter_tokens_user_id_idx",
        "CREATE INDEX IF NOT EXISTS auth_adapter_tokens_user_id_idx ON {s}.auth_adapter_tokens (user_id)",
    ),
    (
        "auth_adapter_tokens_expires_idx",
        "CREATE INDEX IF NOT EXISTS auth_adapter_tokens_expires_idx ON {s}.auth_adapter_tokens (expires) WHERE expires IS NOT NULL",
    ),
];

fn tool_tables(layout: Layout) -> &'static [ToolTable] {
    match layout {
        Layout::Prisma => PRISMA,
        _ => DRIZZLE,
    }
}

/// `template` with the schema and table names filled in. Every name is a validated
/// identifier (ASCII letters, digits, `_`), so the text is safe to run.
pub(crate) fn fill(template: &str, schema: &str, tables: &Tables) -> String {
    template
        .replace("{s}", &format!("\"{schema}\""))
        .replace("{user}", tables.get_user())
        .replace("{account}", tables.get_account())
        .replace("{session}", tables.get_session())
        .replace("{vt}", tables.get_verification_token())
        .replace("{au}", tables.get_authenticator())
}

/// The statements the layout's tool runs to create all five tables in an empty schema.
#[cfg(test)]
fn tool_ddl(layout: Layout, schema: &str, tables: &Tables) -> Vec<String> {
    let mut out = Vec::new();
    let tool = tool_tables(layout);
    // The tools create every table first, then indexes and foreign keys.
    for table in tool {
        out.push(fill(table.create[0], schema, tables));
    }
    for table in tool {
        for statement in &table.create[1..] {
            out.push(fill(statement, schema, tables));
        }
    }
    out
}

/// Reads the catalog rows of [`CATALOG`].
pub(crate) fn catalog(rows: &[sqlx::postgres::PgRow]) -> Result<Catalog> {
    let mut out = Catalog::new();
    for row in rows {
        let table: String = row.try_get(0).map_err(map_err)?;
        let column: String = row.try_get(1).map_err(map_err)?;
        out.insert(
            (table, column),
            Column {
                ty: row.try_get(2).map_err(map_err)?,
                not_null: row.try_get(3).map_err(map_err)?,
                has_default: row.try_get(4).map_err(map_err)?,
            },
        );
    }
    Ok(out)
}

/// Runs the migration for `layout` (Prisma or Drizzle) on `pool`: see the module docs.
/// Returns what it did and the shape of the tables it leaves.
pub(crate) async fn migrate(
    pool: &PgPool,
    schema: &str,
    layout: Layout,
    tables: &Tables,
) -> Result<(MigrationReport, Shape)> {
    let mut tx = pool.begin().await.map_err(map_err)?;
    match migrate_in(&mut tx, schema, layout, tables).await {
        Ok(done) => {
            tx.commit().await.map_err(map_err)?;
            Ok(done)
        }
        Err(err) => {
            let _ = tx.rollback().await;
            Err(err)
        }
    }
}

async fn read_catalog(conn: &mut PgConnection, schema: &str) -> Result<Catalog> {
    let rows = sqlx::query(CATALOG)
        .persistent(false)
        .bind(schema)
        .fetch_all(&mut *conn)
        .await
        .map_err(map_err)?;
    catalog(&rows)
}

async fn migrate_in(
    conn: &mut PgConnection,
    schema: &str,
    layout: Layout,
    tables: &Tables,
) -> Result<(MigrationReport, Shape)> {
    let mut report = MigrationReport::default();
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
    let before = if exists {
        read_catalog(conn, schema).await?
    } else {
        Catalog::new()
    };
    let existing: HashSet<&str> = before.keys().map(|(t, _)| t.as_str()).collect();

    let mut run: Vec<String> = Vec::new();
    if !exists {
        run.push(format!("CREATE SCHEMA \"{schema}\""));
        report.created_schema = true;
    }
    let missing: Vec<&ToolTable> = tool_tables(layout)
        .iter()
        .filter(|t| !existing.contains(tables.name(t.role)))
        .collect();
    for table in &missing {
        run.push(fill(table.create[0], schema, tables));
        report.created_tables.push(tables.static_name(table.role));
    }
    for table in &missing {
        for statement in &table.create[1..] {
            run.push(fill(statement, schema, tables));
        }
    }
    for (name, create) in OWN {
        if !existing.contains(name) {
            run.push(fill(create, schema, tables));
            report.created_tables.push(name);
        }
    }
    let indexes: HashSet<String> = if exists {
        sqlx::query_scalar("SELECT indexname::text FROM pg_indexes WHERE schemaname = $1")
            .persistent(false)
            .bind(schema)
            .fetch_all(&mut *conn)
            .await
            .map_err(map_err)?
            .into_iter()
            .collect()
    } else {
        HashSet::new()
    };
    for (name, create) in OWN_INDEXES {
        if !indexes.contains(*name) {
            run.push(fill(create, schema, tables));
            report.created_indexes.push(name);
        }
    }
    // Our functions (the bound-token use recorder), as for the pg-adapter layout.
    let functions: HashSet<String> = if exists {
        sqlx::query_scalar(
            "SELECT p.proname::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
             WHERE n.nspname = $1",
        )
        .persistent(false)
        .bind(schema)
        .fetch_all(&mut *conn)
        .await
        .map_err(map_err)?
        .into_iter()
        .collect()
    } else {
        HashSet::new()
    };
    for (name, create) in crate::schema::FUNCTIONS {
        if !functions.contains(*name) {
            run.push(fill(create, schema, tables));
            report.created_functions.push(name);
        }
    }
    if !run.is_empty() {
        // Validated identifiers and constants only (see `fill`): one round trip.
        sqlx::raw_sql(AssertSqlSafe(run.join(";\n")))
            .execute(&mut *conn)
            .await
            .map_err(map_err)?;
    }
    // What is there now, Prisma's or drizzle-kit's tables included, in whichever variant.
    let after = if run.is_empty() {
        before
    } else {
        read_catalog(conn, schema).await?
    };
    let shape = Shape::detect(layout, tables, schema, &after)?;
    Ok((report, shape))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_is_created_and_names_are_filled_in() {
        for layout in [Layout::Prisma, Layout::Drizzle] {
            let tables = layout.default_tables().user("people");
            let ddl = tool_ddl(layout, "aa_x", &tables);
            let all = ddl.join("\n");
            assert!(!all.contains('{'), "{all}");
            assert_eq!(all.matches("CREATE TABLE").count(), 5);
            assert_eq!(
                all.matches(r#"REFERENCES "aa_x"."people"("id")"#).count(),
                3
            );
            assert!(ddl[0].starts_with(r#"CREATE TABLE "aa_x"."people""#));
        }
        let prisma = tool_ddl(Layout::Prisma, "s", &Layout::Prisma.default_tables());
        assert!(prisma.contains(&r#"CREATE UNIQUE INDEX "Session_sessionToken_key" ON "s"."Session"("sessionToken")"#.to_owned()));
    }
}
