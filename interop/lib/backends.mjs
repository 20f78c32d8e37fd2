// The adapters the peer and the benchmark can drive, by the names used on the command line.

import { openDrizzleMysql } from "./drizzle-mysql.mjs";
import { openDrizzlePostgres } from "./drizzle-postgres.mjs";
import { openDrizzleSqlite } from "./drizzle-sqlite.mjs";
import { ConfigError } from "./env.mjs";
import { openPg } from "./pg.mjs";
import { openPrismaMysql } from "./prisma-mysql.mjs";
import { openPrismaPostgres } from "./prisma-postgres.mjs";
import { openPrismaSqlite } from "./prisma-sqlite.mjs";
import { openUnstorageRedis } from "./unstorage-redis.mjs";

const OPENERS = {
  pg: openPg,
  "drizzle-sqlite": openDrizzleSqlite,
  "unstorage-redis": openUnstorageRedis,
  "prisma-mysql": openPrismaMysql,
  "drizzle-mysql": openDrizzleMysql,
  "prisma-postgres": openPrismaPostgres,
  "drizzle-postgres": openDrizzlePostgres,
  "prisma-sqlite": openPrismaSqlite,
};

export const ADAPTER_NAMES = Object.keys(OPENERS);

/**
 * Opens one adapter configured from `env`. Returns
 * `{name, packageName, adapter, db, check(), setups, close()}`: `adapter` is the real Auth.js
 * adapter object, `db` the raw-read hooks, `check()` makes one round trip to the store (throws if
 * it is unreachable), `setups` maps a setup name to a function creating the tables.
 * Throws ConfigError for an unknown adapter name or missing/invalid env.
 */
export async function openBackend(name, env = process.env, options = {}) {
  const open = OPENERS[name];
  if (!open) {
    throw new ConfigError(
      `unknown adapter ${JSON.stringify(name)}; expected one of ${ADAPTER_NAMES.join(", ")}`,
    );
  }
  return open(env, options);
}
