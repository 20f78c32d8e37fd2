// adapter "prisma-sqlite": the real @auth/prisma-adapter over a Prisma 7 client generated from
// the Auth.js docs' SQLite schema (interop/prisma-sqlite/schema.prisma), with
// @prisma/adapter-better-sqlite3 (better-sqlite3) opening the file SQLITE_PATH.

import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import { PrismaAdapter } from "@auth/prisma-adapter";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import Database from "better-sqlite3";
import { tsImport } from "tsx/esm/api";

import { requireEnv } from "./env.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const SCHEMA_DIR = join(here, "..", "prisma-sqlite");
const GENERATED = join(SCHEMA_DIR, "generated", "client.ts");
/** Prisma's DDL for the schema: what `prisma migrate` writes as the first migration. */
const MIGRATION = join(SCHEMA_DIR, "migration.sql");

/** The generated client (TypeScript, an ES module with top-level await: loaded through tsx). */
async function prismaClientClass() {
  if (!existsSync(GENERATED)) {
    throw new Error(
      "the Prisma client of prisma-sqlite/schema.prisma is not generated: run " +
        "`npm run prisma-generate-sqlite --prefix interop` (scripts/test does)",
    );
  }
  const module = await tsImport(pathToFileURL(GENERATED).href, import.meta.url);
  return module.PrismaClient;
}

export async function openPrismaSqlite(env) {
  const path = resolve(requireEnv(env, "SQLITE_PATH"));
  const PrismaClient = await prismaClientClass();
  // The driver adapter's defaults: DateTime as ISO-8601 text (`timestampFormat: "iso8601"`).
  const driver = new PrismaBetterSqlite3({ url: `file:${path}`, timeout: 5_000 });
  const prisma = new PrismaClient({ adapter: driver });
  const adapter = PrismaAdapter(prisma);

  // Raw reads with the Prisma client, as adapter-prisma's own tests do: whole rows, with
  // Prisma's bookkeeping columns (id, createdAt, updatedAt).
  const db = {
    user: (id) => prisma.user.findUnique({ where: { id } }),
    session: (sessionToken) => prisma.session.findUnique({ where: { sessionToken } }),
    account: ({ provider, providerAccountId }) =>
      prisma.account.findUnique({
        where: { provider_providerAccountId: { provider, providerAccountId } },
      }),
    verificationToken: ({ identifier, token }) =>
      prisma.verificationToken.findUnique({
        where: { identifier_token: { identifier, token } },
      }),
    authenticator: (credentialID) => prisma.authenticator.findUnique({ where: { credentialID } }),
    /** The stored text of a row's columns (how Prisma wrote them), read with better-sqlite3. */
    raw: ({ table, where, value }) => {
      const conn = new Database(path, { readonly: true });
      try {
        const quote = (name) => `"${String(name).replaceAll('"', '""')}"`;
        return (
          conn.prepare(`SELECT * FROM ${quote(table)} WHERE ${quote(where)} = ?`).get(value) ?? null
        );
      } finally {
        conn.close();
      }
    },
  };

  return {
    name: "prisma-sqlite",
    packageName: "@auth/prisma-adapter",
    adapter,
    db,
    async check() {
      await prisma.$queryRawUnsafe("select 1");
    },
    setups: {
      // The tables as `prisma migrate` creates them for schema.prisma, in one transaction.
      async "prisma-ddl"() {
        const sql = readFileSync(MIGRATION, "utf8");
        const conn = new Database(path);
        try {
          conn.transaction(() => conn.exec(sql))();
        } finally {
          conn.close();
        }
        const statements = sql.split(";").filter((s) => s.trim() !== "").length;
        return { path, setup: "prisma-ddl", statements };
      },
    },
    async close() {
      await prisma.$disconnect();
    },
  };
}
