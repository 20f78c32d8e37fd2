// adapter "unstorage-redis": the real @auth/unstorage-adapter over unstorage's redis driver
// (ioredis), with baseKeyPrefix = KEY_PREFIX and no driver `base`, so Redis keys are exactly
// the adapter's keys after unstorage's key normalisation.

import { hydrateDates, UnstorageAdapter } from "@auth/unstorage-adapter";
import { createStorage } from "unstorage";
import redisDriver from "unstorage/drivers/redis";

import { requireEnv } from "./env.mjs";

export async function openUnstorageRedis(env) {
  const url = requireEnv(env, "REDIS_URL");
  const prefix = env.KEY_PREFIX ?? "";
  const storage = createStorage({
    driver: redisDriver({
      url,
      // Fail instead of retrying forever when the server is unreachable.
      connectTimeout: 10_000,
      maxRetriesPerRequest: 2,
      retryStrategy: (attempt) => (attempt > 3 ? null : 200),
    }),
  });
  const adapter = UnstorageAdapter(storage, { baseKeyPrefix: prefix });

  async function read(key) {
    const data = await storage.getItem(key);
    if (!data) return null;
    return hydrateDates(data);
  }

  // Raw reads as unstorage-adapter's own test does: getItem of the adapter's key + hydrateDates.
  // (Upstream's test reads authenticators at `authenticator:id:<id>`, which the adapter never
  // writes; this reads the key the adapter writes, `authenticator:<credentialID>`.)
  const db = {
    user: (id) => read(`${prefix}user:${id}`),
    account: ({ provider, providerAccountId }) =>
      read(`${prefix}user:account:${provider}:${providerAccountId}`),
    session: (sessionToken) => read(`${prefix}user:session:${sessionToken}`),
    verificationToken: ({ identifier, token }) =>
      read(`${prefix}user:token:${identifier}:${token}`),
    authenticator: (credentialID) => read(`${prefix}authenticator:${credentialID}`),
  };

  // ioredis reports connection failures as "error" events (printed as "Unhandled error event"
  // when nobody listens); keep the last one to name the cause when check() fails.
  const client = storage.getMount("").driver.getInstance();
  let lastConnectionError;
  client.on("error", (error) => {
    lastConnectionError = error;
  });

  return {
    name: "unstorage-redis",
    packageName: "@auth/unstorage-adapter",
    adapter,
    db,
    async check() {
      try {
        await client.ping();
      } catch (error) {
        if (lastConnectionError) throw new Error(lastConnectionError.message, { cause: error });
        throw error;
      }
    },
    setups: {},
    async close() {
      await storage.dispose();
    },
  };
}
