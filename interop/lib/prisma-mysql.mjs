// adapter "prisma-mysql": the real @auth/prisma-adapter over a Prisma 7 client generated from
// the Auth.js docs' MySQL schema (interop/prisma/schema.prisma), with @prisma/adapter-mariadb
// as its driver (the mariadb connector, which speaks to MySQL and MariaDB alike).

import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import { PrismaAdapter } from "@auth/prisma-adapter";
import { PrismaMariaDb } from "@prisma/adapter-mariadb";
import { tsImport } from "tsx/esm/api";

import { mysqlConfig } from "./mysql-url.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const GENERATED = join(here, "..", "prisma", "generated", "client.ts");

/** The generated client (TypeScript, an ES module with top-level await: loaded through tsx). */
async function prismaClientClass() {
  if (!existsSync(GENERATED)) {
    throw new Error(
      "the Prisma client is not generated: run `npm run prisma-generate --prefix interop` " +
        "(scripts/test does)",
    );
  }
  const module = await tsImport(pathToFileURL(GENERATED).href, import.meta.url);
  return module.PrismaClient;
}

export async function openPrismaMysql(env, { poolSize } = {}) {
  const config = mysqlConfig(env);
  const PrismaClient = await prismaClientClass();
  const driver = new PrismaMariaDb({
    ...config,
    connectionLimit: poolSize ?? 5,
    connectTimeout: 10_000,
  });
  const prisma = new PrismaClient({ adapter: driver });
  const adapter = PrismaAdapter(prisma);

  // Raw reads with the Prisma client, as adapter-prisma's own tests do: whole rows, with
  // Prisma's bookkeeping columns (id, createdAt, updatedAt, username, refresh_token_expires_in).
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
    name: "prisma-mysql",
    packageName: "@auth/prisma-adapter",
    adapter,
    db,
    async check() {
      await prisma.$queryRawUnsafe("select 1");
    },
    setups: {},
    async close() {
      await prisma.$disconnect();
    },
  };
}
