// adapter "drizzle-mysql": the real @auth/drizzle-adapter with its default MySQL tables, over
// drizzle-orm/mysql2 and a mysql2 pool on MYSQL_URL.

import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import { DrizzleAdapter } from "@auth/drizzle-adapter";
import { and, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/mysql2";
import mysql from "mysql2/promise";

import { mysqlConfig } from "./mysql-url.mjs";

/**
 * The table objects DrizzleAdapter(db) builds for MySQL when given no schema: `defineTables()`
 * from the package's lib/mysql.js, loaded by file URL (the package's "exports" hide it).
 */
export async function defaultMysqlTables() {
  const packageDir = dirname(fileURLToPath(import.meta.resolve("@auth/drizzle-adapter")));
  const lib = await import(pathToFileURL(join(packageDir, "lib", "mysql.js")).href);
  return lib.defineTables();
}

/** What `drizzle-kit generate` writes as the first migration for those tables. */
export async function drizzleKitMysqlStatements() {
  const { generateMySQLDrizzleJson, generateMySQLMigration } = await import("drizzle-kit/api");
  const tables = await defaultMysqlTables();
  const empty = await generateMySQLDrizzleJson({});
  const current = await generateMySQLDrizzleJson({ ...tables }, empty.id);
  return generateMySQLMigration(empty, current);
}

export async function openDrizzleMysql(env, { poolSize } = {}) {
  const pool = mysql.createPool({
    ...mysqlConfig(env),
    connectionLimit: poolSize ?? 5,
    connectTimeout: 10_000,
    // Dates cross as UTC: mysql2 formats Dates in UTC, and the session reads TIMESTAMPs in UTC.
    timezone: "Z",
  });
  pool.on("connection", (connection) => {
    connection.query("SET time_zone = '+00:00'");
  });
  const db = drizzle(pool, { mode: "default" });
  const adapter = DrizzleAdapter(db);
  const { usersTable, accountsTable, sessionsTable, verificationTokensTable, authenticatorsTable } =
    await defaultMysqlTables();
  const first = (rows) => rows[0] ?? null;

  const hooks = {
    user: (id) => db.select().from(usersTable).where(eq(usersTable.id, id)).then(first),
    session: (sessionToken) =>
      db.select().from(sessionsTable).where(eq(sessionsTable.sessionToken, sessionToken)).then(first),
    account: ({ provider, providerAccountId }) =>
      db
        .select()
        .from(accountsTable)
        .where(
          and(eq(accountsTable.provider, provider), eq(accountsTable.providerAccountId, providerAccountId)),
        )
        .then(first),
    verificationToken: ({ identifier, token }) =>
      db
        .select()
        .from(verificationTokensTable)
        .where(
          and(eq(verificationTokensTable.identifier, identifier), eq(verificationTokensTable.token, token)),
        )
        .then(first),
    authenticator: (credentialID) =>
      db
        .select()
        .from(authenticatorsTable)
        .where(eq(authenticatorsTable.credentialID, credentialID))
        .then(first),
  };

  return {
    name: "drizzle-mysql",
    packageName: "@auth/drizzle-adapter",
    adapter,
    db: hooks,
    async check() {
      await pool.query("select 1");
    },
    setups: {
      async "drizzle-kit"() {
        const statements = await drizzleKitMysqlStatements();
        // MySQL commits each DDL statement by itself: run in order (users first).
        const connection = await pool.getConnection();
        try {
          for (const statement of statements) await connection.query(statement);
        } finally {
          connection.release();
        }
        return { statements: statements.length, sql: statements };
      },
    },
    async close() {
      await pool.end();
    },
  };
}
