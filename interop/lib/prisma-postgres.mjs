// adapter "prisma-postgres": the real @auth/prisma-adapter over a Prisma 7 client generated
// from the Auth.js docs' PostgreSQL schema (interop/prisma-postgres/schema.prisma), with
// @prisma/adapter-pg (node-postgres) as its driver, on the tables of schema PG_SCHEMA.

import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import { PrismaAdapter } from "@auth/prisma-adapter";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { tsImport } from "tsx/esm/api";

import { requireEnv, requirePgSchema } from "./env.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const DIR = join(here, "..", "prisma-postgres");
const GENERATED = join(DIR, "generated", "client.ts");

/** The generated client (TypeScript, an ES module with top-level await: loaded through tsx). */
async function prismaClientClass() {
  if (!existsSync(GENERATED)) {
    throw new Error(
      "the Prisma client for PostgreSQL is not generated: run " +
        "`npm run prisma-generate-postgres --prefix interop` (scripts/test does)",
    );
  }
  const module = await tsImport(pathToFileURL(GENERATED).href, import.meta.url);
  return module.PrismaClient;
}

export async function openPrismaPostgres(env, { poolSize } = {}) {
  const connectionString = requireEnv(env, "DATABASE_URL");
  const schema = requirePgSchema(env);
  const PrismaClient = await prismaClientClass();
  const driver = new PrismaPg(
    { connectionString, max: poolSize ?? 5, connectionTimeoutMillis: 10_000 },
    { schema },
  );
  const prisma = new PrismaClient({ adapter: driver });
  const adapter = PrismaAdapter(prisma);

  // Raw reads with the Prisma client, as adapter-prisma's own tests do: whole rows, with
  // Prisma's bookkeeping columns (createdAt, updatedAt).
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
  };

  return {
    name: "prisma-postgres",
    packageName: "@auth/prisma-adapter",
    adapter,
    db,
    async check() {
      await prisma.$queryRawUnsafe("select 1");
    },
    setups: {
      // What `prisma migrate dev` runs for the schema: migration.sql beside it, in
      // PG_SCHEMA, in one transaction.
      async "prisma-ddl"() {
        const sql = readFileSync(join(DIR, "migration.sql"), "utf8");
        const client = new pg.Client({ connectionString });
        await client.connect();
        try {
          await client.query("BEGIN");
          await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
          await client.query(`SET LOCAL search_path TO ${schema}`);
          await client.query(sql);
          await client.query("COMMIT");
        } catch (error) {
          await client.query("ROLLBACK").catch(() => {});
          throw error;
        } finally {
          await client.end();
        }
        return { schema, file: "interop/prisma-postgres/migration.sql" };
      },
    },
    async close() {
      await prisma.$disconnect();
    },
  };
}
