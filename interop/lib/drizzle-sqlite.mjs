// adapter "drizzle-sqlite": the real @auth/drizzle-adapter with its default SQLite tables, over
// drizzle-orm/libsql and @libsql/client opening file:<SQLITE_PATH>.

import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import { DrizzleAdapter } from "@auth/drizzle-adapter";
import { createClient } from "@libsql/client";
import { and, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/libsql";

import { requireEnv } from "./env.mjs";


/**
 * The table objects DrizzleAdapter(db) builds when given no schema: `defineTables()` from the
 * package's lib/sqlite.js. The package's "exports" map only exposes ".", so the module is
 * loaded by file URL; it is the very code the adapter runs.
 */
export async function defaultSqliteTables() {
  const packageDir = installedPackageDir();
  const lib = await import(pathToFileURL(join(packageDir, "lib", "sqlite.js")).href);
  return lib.defineTables();
}

/**
 * The statements drizzle-kit generates for those tables from an empty database (what
 * `drizzle-kit generate` would write as the first migration), via drizzle-kit's programmatic API.
 */
export async function drizzleKitStatements() {
  const { generateSQLiteDrizzleJson, generateSQLiteMigration } = await import("drizzle-kit/api");
  const tables = await defaultSqliteTables();
  const empty = await generateSQLiteDrizzleJson({});
  const current = await generateSQLiteDrizzleJson({ ...tables }, empty.id);
  return generateSQLiteMigration(empty, current);
}

export async function openDrizzleSqlite(env) {
  const path = resolve(requireEnv(env, "SQLITE_PATH"));
  const client = createClient({ url: pathToFileURL(path).href });
  const db = drizzle(client);
  const adapter = DrizzleAdapter(db);
  const { usersTable, accountsTable, sessionsTable, verificationTokensTable, authenticatorsTable } =
    await defaultSqliteTables();
  const orNull = (row) => row ?? null;

  // Raw reads with drizzle from the default tables, as adapter-drizzle's own tests do.
  const hooks = {
    user: (id) => db.select().from(usersTable).where(eq(usersTable.id, id)).get().then(orNull),
    session: (sessionToken) =>
      db
        .select()
        .from(sessionsTable)
        .where(eq(sessionsTable.sessionToken, sessionToken))
        .get()
        .then(orNull),
    account: ({ provider, providerAccountId }) =>
      db
        .select()
        .from(accountsTable)
        .where(
          and(
            eq(accountsTable.provider, provider),
            eq(accountsTable.providerAccountId, providerAccountId),
          ),
        )
        .get()
        .then(orNull),
    verificationToken: ({ identifier, token }) =>
      db
        .select()
        .from(verificationTokensTable)
        .where(
          and(
            eq(verificationTokensTable.identifier, identifier),
            eq(verificationTokensTable.token, token),
          ),
        )
        .get()
        .then(orNull),
    authenticator: (credentialID) =>
      db
        .select()
        .from(authenticatorsTable)
        .where(eq(authenticatorsTable.credentialID, credentialID))
        .get()
        .then(orNull),
  };

  return {
    name: "drizzle-sqlite",
    packageName: "@auth/drizzle-adapter",
    adapter,
    db: hooks,
    async check() {
      await client.execute("select 1");
    },
    setups: {
      async "drizzle-kit"() {
        const statements = await drizzleKitStatements();
        // One write transaction: either every table exists afterwards or none was created.
        await client.batch(statements, "write");
        return { path, statements: statements.length };
      },
    },
    async close() {
      client.close();
    },
  };
}

/** The installed package's directory (its "exports" map hides package.json, so resolve the entry). */
function installedPackageDir() {
  return dirname(fileURLToPath(import.meta.resolve("@auth/drizzle-adapter")));
}
