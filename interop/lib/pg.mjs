// adapter "pg": the real @auth/pg-adapter over a node-postgres Pool whose connections all use
// search_path = PG_SCHEMA.

import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import PostgresAdapter, { mapExpiresAt } from "@auth/pg-adapter";
import pg from "pg";

import { requireEnv, requirePgSchema } from "./env.mjs";

const here = dirname(fileURLToPath(import.meta.url));

/** invalid_text_representation / numeric_value_out_of_range: an id that cannot be an int4. */
const NOT_AN_ID = new Set(["22P02", "22003"]);

function firstOrNull(result) {
  return result.rowCount !== 0 ? result.rows[0] : null;
}

/** Where the upstream schema comes from: the package's own file if it ships one, else ours. */
export function pgSchemaFile() {
  const packageDir = installedPackageDir();
  const shipped = join(packageDir, "schema.sql");
  if (existsSync(shipped)) return { path: shipped, shipped: true };
  return { path: join(here, "..", "pg", "schema.sql"), shipped: false };
}

/** Drops psql meta-commands (upstream's file starts with `\set ON_ERROR_STOP true`). */
function sqlWithoutPsqlCommands(text) {
  return text
    .split("\n")
    .filter((line) => !line.trimStart().startsWith("\\"))
    .join("\n");
}

export async function openPg(env, { poolSize } = {}) {
  const connectionString = requireEnv(env, "DATABASE_URL");
  const schema = requirePgSchema(env);
  const pool = new pg.Pool({
    connectionString,
    options: `-c search_path=${schema}`,
    max: poolSize ?? 10,
    connectionTimeoutMillis: 10_000,
  });
  // An idle client's error (server gone) must not crash the process with an unhandled event.
  pool.on("error", () => {});

  const adapter = PostgresAdapter(pool);

  // Raw reads, as @auth/pg-adapter's own test hooks do (SELECT * …; accounts via mapExpiresAt).
  const db = {
    async user(id) {
      try {
        return firstOrNull(await pool.query(`select * from users where id = $1`, [id]));
      } catch (error) {
        if (NOT_AN_ID.has(error?.code)) return null;
        throw error;
      }
    },
    async session(sessionToken) {
      return firstOrNull(
        await pool.query(`select * from sessions where "sessionToken" = $1`, [sessionToken]),
      );
    },
    async account({ provider, providerAccountId }) {
      const row = firstOrNull(
        await pool.query(
          `select * from accounts where provider = $1 and "providerAccountId" = $2`,
          [provider, providerAccountId],
        ),
      );
      return row === null ? null : mapExpiresAt(row);
    },
    async verificationToken({ identifier, token }) {
      return firstOrNull(
        await pool.query(
          `select * from verification_token where identifier = $1 and token = $2`,
          [identifier, token],
        ),
      );
    },
  };

  return {
    name: "pg",
    packageName: "@auth/pg-adapter",
    adapter,
    db,
    async check() {
      await pool.query("select 1");
    },
    setups: {
      async "upstream-schema"() {
        const file = pgSchemaFile();
        const sql = sqlWithoutPsqlCommands(readFileSync(file.path, "utf8"));
        const client = await pool.connect();
        try {
          await client.query("BEGIN");
          await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
          await client.query(sql);
          await client.query("COMMIT");
        } catch (error) {
          await client.query("ROLLBACK").catch(() => {});
          throw error;
        } finally {
          client.release();
        }
        return { schema, file: file.shipped ? "@auth/pg-adapter/schema.sql" : "interop/pg/schema.sql" };
      },
    },
    async close() {
      await pool.end();
    },
  };
}

/** The installed package's directory (its "exports" map hides package.json, so resolve the entry). */
function installedPackageDir() {
  return dirname(fileURLToPath(import.meta.resolve("@auth/pg-adapter")));
}
