// adapter "drizzle-postgres": the real @auth/drizzle-adapter with its default PostgreSQL
// tables, over drizzle-orm/node-postgres and a pg Pool whose connections all use
// search_path = PG_SCHEMA.

import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import { DrizzleAdapter } from "@auth/drizzle-adapter";
import { and, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";

import { requireEnv, requirePgSchema } from "./env.mjs";

/**
 * The table objects DrizzleAdapter(db) builds for PostgreSQL when given no schema:
 * `defineTables()` from the package's lib/pg.js, loaded by file URL (the package's "exports"
 * hide it).
 */
export async function defaultPgTables() {
  const packageDir = dirname(fileURLToPath(import.meta.resolve("@auth/drizzle-adapter")));
  const lib = await import(pathToFileURL(join(packageDir, "lib", "pg.js")).href);
  return lib.defineTables();
}

/** What `drizzle-kit generate` writes as the first migration for those tables. */
export async function drizzleKitPgStatements() {
  const { generateDrizzleJson, generateMigration } = await import("drizzle-kit/api");
  const tables = await defaultPgTables();
  const empty = generateDrizzleJson({});
  const current = generateDrizzleJson({ ...tables }, empty.id);
  return generateMigration(empty, current);
}

export async function openDrizzlePostgres(env, { poolSize } = {}) {
  const connectionString = requireEnv(env, "DATABASE_URL");
  const schema = requirePgSchema(env);
  const pool = new pg.Pool({
    connectionString,
    options: `-c search_path=${schema}`,
    max: poolSize ?? 5,
    connectionTimeoutMillis: 10_000,
  });
  pool.on("error", () => {});
  const db = drizzle(pool);
  const adapter = DrizzleAdapter(db);
  const { usersTable, accountsTable, sessionsTable, verificationTokensTable, authenticatorsTable } =
    await defaultPgTables();
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
    name: "drizzle-postgres",
    packageName: "@auth/drizzle-adapter",
    adapter,
    db: hooks,
    async check() {
      await pool.query("select 1");
    },
    setups: {
      async "drizzle-kit"() {
        // drizzle-kit names the referenced table with its schema, "public" by default.
        const statements = (await drizzleKitPgStatements()).map((s) =>
          s.replaceAll('"public".', `"${schema}".`),
        );
        const client = await pool.connect();
        try {
          await client.query("BEGIN");
          await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
          for (const statement of statements) await client.query(statement);
          await client.query("COMMIT");
        } catch (error) {
          await client.query("ROLLBACK").catch(() => {});
          throw error;
        } finally {
          client.release();
        }
        return { statements: statements.length, sql: statements };
      },
    },
    async close() {
      await pool.end();
    },
  };
}
