// Self-check of the interop peer against real servers, with node:test:
//
//   DATABASE_URL=postgres://… REDIS_URL=redis://… node --test interop/selfcheck.mjs
//
// For each adapter it creates its own isolated store (a fresh Postgres schema
// interop_selfcheck_<hex>, a temp SQLite file, a fresh Redis key prefix), runs the peer's setup,
// drives the real Auth.js adapter through the same request handler peer.mjs uses (requests and
// responses go through JSON text, so the $date encoding is exercised both ways), spawns peer.mjs
// itself once, and removes everything it created afterwards (only its own schema / file / keys).

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

import Redis from "ioredis";
import pg from "pg";

import { openBackend } from "./lib/backends.mjs";
import { decodeValue, encodeValue } from "./lib/codec.mjs";
import { requireEnv } from "./lib/env.mjs";
import { handleRequest, parseRequest } from "./lib/handler.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const PEER = join(here, "peer.mjs");
const suffix = randomBytes(6).toString("hex");

const iso = (date) => ({ $date: date.toISOString() });
const EMAIL_VERIFIED = new Date("2026-11-22T11:33:29.559Z");
const EXPIRES = new Date(Date.now() + 30 * 24 * 3600 * 1000);
const EXPIRES_LATER = new Date(EXPIRES.getTime() + 3600 * 1000 + 7);

/** Runs calls through the handler exactly as peer.mjs does, JSON text in and out. */
async function run(backend, calls) {
  const requestText = JSON.stringify({
    calls: calls.map(([method, ...args]) => ({ method, args: encodeValue(args) })),
  });
  const response = await handleRequest(backend, parseRequest(requestText));
  return JSON.parse(JSON.stringify(response)).results;
}

/** One call; returns its `ok` value and fails the test if it returned an error. */
async function ok(backend, method, ...args) {
  const [result] = await run(backend, [[method, ...args]]);
  assert.ok(!("error" in result), `${method} failed: ${result.error}`);
  return result;
}

/** Spawns peer.mjs with a request on stdin. */
function spawnPeer(args, env, stdin) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PEER, ...args], { env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? "");
  });
}

// How each real adapter answers; the Rust interop helpers rely on these shapes.
const STORES = {
  pg: {
    async create() {
      const schema = `interop_selfcheck_${suffix}`;
      const url = requireEnv(process.env, "DATABASE_URL");
      return {
        env: { ...process.env, PG_SCHEMA: schema },
        setup: "upstream-schema",
        async destroy() {
          const client = new pg.Client({ connectionString: url });
          await client.connect();
          try {
            await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
          } finally {
            await client.end();
          }
        },
      };
    },
    numericIds: true,
    unknownUserId: "not-a-number",
    authenticators: false,
  },
  "drizzle-sqlite": {
    async create() {
      const dir = mkdtempSync(join(tmpdir(), "interop-selfcheck-"));
      return {
        env: { ...process.env, SQLITE_PATH: join(dir, "auth.sqlite") },
        setup: "drizzle-kit",
        async destroy() {
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
    numericIds: false,
    unknownUserId: randomUUID(),
    authenticators: true,
  },
  "unstorage-redis": {
    async create() {
      const prefix = `interop_selfcheck_${suffix}:`;
      const url = requireEnv(process.env, "REDIS_URL");
      return {
        env: { ...process.env, KEY_PREFIX: prefix },
        setup: null,
        prefix,
        async destroy() {
          const redis = new Redis(url, { maxRetriesPerRequest: 2 });
          try {
            const keys = [];
            let cursor = "0";
            do {
              const [next, batch] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
              cursor = next;
              keys.push(...batch);
            } while (cursor !== "0");
            if (keys.length) await redis.unlink(...keys);
          } finally {
            redis.disconnect();
          }
        },
      };
    },
    numericIds: false,
    unknownUserId: randomUUID(),
    authenticators: true,
  },
};

describe("codec", () => {
  test("$date decodes to Date at any depth and encodes back to the same ISO text", () => {
    const wire = { a: { $date: "2026-11-22T11:33:29.559Z" }, list: [{ b: { $date: "2027-01-01T00:00:00.000Z" } }] };
    const decoded = decodeValue(wire);
    assert.ok(decoded.a instanceof Date);
    assert.ok(decoded.list[0].b instanceof Date);
    assert.deepEqual(encodeValue(decoded), wire);
  });

  test("undefined keys are omitted, NaN becomes null, an object with more keys than $date is not a date", () => {
    assert.deepEqual(encodeValue({ a: undefined, b: null, c: Number.NaN }), { b: null, c: null });
    assert.deepEqual(decodeValue({ $date: "x", other: 1 }), { $date: "x", other: 1 });
  });

  test("a $date that does not parse is rejected", () => {
    assert.throws(() => decodeValue({ $date: "not a date" }), /not a valid date/);
    assert.throws(() => decodeValue({ $date: 5 }), /must be a string/);
  });
});

for (const [name, store] of Object.entries(STORES)) {
  describe(`adapter ${name}`, () => {
    let resources;
    let backend;
    const state = {};

    before(async () => {
      resources = await store.create();
      backend = await openBackend(name, resources.env);
      await backend.check();
      if (resources.setup) {
        const info = await backend.setups[resources.setup]();
        assert.ok(info, "setup returned a description");
      }
    });

    after(async () => {
      await backend?.close();
      await resources?.destroy();
    });

    test("createUser / getUser / getUserByEmail round-trip, dates as $date", async () => {
      const email = `ann-${suffix}@example.com`;
      const passedId = randomUUID();
      const created = (
        await ok(backend, "createUser", { id: passedId, name: "Ann", email, emailVerified: EMAIL_VERIFIED })
      ).ok;
      assert.deepEqual(created.emailVerified, iso(EMAIL_VERIFIED));
      assert.equal(created.email, email);
      assert.equal(created.name, "Ann");
      // None of the three keeps the id core passes in.
      assert.notEqual(String(created.id), passedId);
      if (store.numericIds) assert.equal(typeof created.id, "number");
      else assert.match(created.id, /^[0-9a-f-]{36}$/);
      state.userId = String(created.id);
      state.email = email;

      const [got, byEmail, raw, unknown] = await run(backend, [
        ["getUser", state.userId],
        ["getUserByEmail", email],
        ["db.user", state.userId],
        ["getUser", store.unknownUserId],
      ]);
      assert.deepEqual(got.ok, created);
      assert.deepEqual(byEmail.ok, created);
      assert.equal(raw.ok.email, email);
      assert.deepEqual(raw.ok.emailVerified, iso(EMAIL_VERIFIED));
      assert.deepEqual(unknown, { ok: null });
    });

    test("linkAccount / getUserByAccount / db.account", async () => {
      const account = {
        userId: state.userId,
        type: "oauth",
        provider: "github",
        providerAccountId: `gh-${suffix}`,
        access_token: "access",
        token_type: "bearer",
        expires_at: 1_900_000_000,
      };
      const linked = await ok(backend, "linkAccount", account);
      if (name === "pg") {
        // The inserted row, expires_at through mapExpiresAt, userId numeric, plus a serial id.
        assert.equal(linked.ok.expires_at, 1_900_000_000);
        assert.equal(linked.ok.userId, Number(state.userId));
        assert.equal(typeof linked.ok.id, "number");
      } else if (name === "drizzle-sqlite") {
        assert.deepEqual(linked, { ok: null, undefined: true });
      } else {
        assert.deepEqual(linked.ok, { ...account, id: `github:gh-${suffix}` });
      }

      const where = { provider: "github", providerAccountId: account.providerAccountId };
      const [user, raw, missing] = await run(backend, [
        ["getUserByAccount", where],
        ["db.account", where],
        ["db.account", { provider: "github", providerAccountId: "nobody" }],
      ]);
      assert.equal(String(user.ok.id), state.userId);
      assert.equal(raw.ok.access_token, "access");
      assert.equal(raw.ok.expires_at, 1_900_000_000);
      assert.equal(String(raw.ok.userId), state.userId);
      assert.deepEqual(missing, { ok: null });
    });

    test("createSession / getSessionAndUser / updateSession / deleteSession", async () => {
      const sessionToken = `session-${randomUUID()}`;
      const created = (await ok(backend, "createSession", { sessionToken, userId: state.userId, expires: EXPIRES })).ok;
      assert.equal(created.sessionToken, sessionToken);
      assert.deepEqual(created.expires, iso(EXPIRES));

      const [both, raw] = await run(backend, [
        ["getSessionAndUser", sessionToken],
        ["db.session", sessionToken],
      ]);
      assert.equal(both.ok.session.sessionToken, sessionToken);
      assert.deepEqual(both.ok.session.expires, iso(EXPIRES));
      assert.equal(String(both.ok.user.id), state.userId);
      assert.equal(both.ok.user.email, state.email);
      assert.deepEqual(raw.ok.expires, iso(EXPIRES));

      const [updated, afterUpdate, missingUpdate] = await run(backend, [
        ["updateSession", { sessionToken, expires: EXPIRES_LATER }],
        ["db.session", sessionToken],
        ["updateSession", { sessionToken: "no-such-session", expires: EXPIRES_LATER }],
      ]);
      if (name === "pg") assert.deepEqual(updated, { ok: null, undefined: true });
      else assert.deepEqual(updated.ok.expires, iso(EXPIRES_LATER));
      assert.deepEqual(afterUpdate.ok.expires, iso(EXPIRES_LATER));
      assert.deepEqual(missingUpdate, { ok: null });

      const [deleted, gone, deletedAgain] = await run(backend, [
        ["deleteSession", sessionToken],
        ["getSessionAndUser", sessionToken],
        ["deleteSession", sessionToken],
      ]);
      // None of the three returns the deleted session.
      assert.deepEqual(deleted, { ok: null, undefined: true });
      assert.deepEqual(gone, { ok: null });
      assert.deepEqual(deletedAgain, { ok: null, undefined: true });
    });

    test("createVerificationToken / useVerificationToken is single-use", async () => {
      const token = { identifier: state.email, token: `hash-${randomUUID()}`, expires: EXPIRES };
      const [created, raw, used, usedAgain, rawAfter] = await run(backend, [
        ["createVerificationToken", token],
        ["db.verificationToken", { identifier: token.identifier, token: token.token }],
        ["useVerificationToken", { identifier: token.identifier, token: token.token }],
        ["useVerificationToken", { identifier: token.identifier, token: token.token }],
        ["db.verificationToken", { identifier: token.identifier, token: token.token }],
      ]);
      const wire = { ...token, expires: iso(EXPIRES) };
      assert.deepEqual(created.ok, wire);
      assert.deepEqual(raw.ok.expires, iso(EXPIRES));
      assert.deepEqual(
        { identifier: used.ok.identifier, token: used.ok.token, expires: used.ok.expires },
        wire,
      );
      assert.deepEqual(usedAgain, { ok: null });
      assert.deepEqual(rawAfter, { ok: null });
    });

    test("authenticators", async () => {
      const credentialID = Buffer.from(`cred-${suffix}`).toString("base64");
      const authenticator = {
        credentialID,
        userId: state.userId,
        providerAccountId: credentialID,
        credentialPublicKey: Buffer.from("public key").toString("base64"),
        counter: 0,
        credentialDeviceType: "singleDevice",
        credentialBackedUp: false,
        transports: "usb,nfc",
      };
      const results = await run(backend, [
        ["createAuthenticator", authenticator],
        ["getAuthenticator", credentialID],
        ["db.authenticator", credentialID],
        ["listAuthenticatorsByUserId", state.userId],
        ["updateAuthenticatorCounter", credentialID, 5],
        ["getAuthenticator", "no-such-credential"],
      ]);
      if (!store.authenticators) {
        for (const result of results) assert.match(result.error, /not (implemented by|available for) @auth\/pg-adapter/);
        return;
      }
      const [created, got, raw, list, counted, missing] = results;
      assert.deepEqual(created.ok, authenticator);
      assert.deepEqual(got.ok, authenticator);
      assert.deepEqual(raw.ok, authenticator);
      assert.deepEqual(list.ok, [authenticator]);
      assert.deepEqual(counted.ok, { ...authenticator, counter: 5 });
      assert.deepEqual(missing, { ok: null });
      const [unknownCounter] = await run(backend, [["updateAuthenticatorCounter", "no-such-credential", 1]]);
      assert.ok(typeof unknownCounter.error === "string" && unknownCounter.error.length > 0);
    });

    test("errors are per call and do not stop the calls after them", async () => {
      const results = await handleRequest(
        backend,
        parseRequest(
          JSON.stringify({
            calls: [
              { method: "noSuchMethod", args: [] },
              { method: "getUser", args: [{ $date: "garbage" }] },
              { method: "getUser", args: [state.userId] },
            ],
          }),
        ),
      );
      const [unknown, badDate, good] = results.results;
      assert.match(unknown.error, new RegExp(`noSuchMethod is not implemented by ${backend.packageName}`));
      assert.match(badDate.error, /not a valid date/);
      assert.equal(String(good.ok.id), state.userId);
    });

    test("peer.mjs: same protocol over stdin/stdout, exit 0; malformed request exits 2", async () => {
      const request = JSON.stringify({
        calls: [
          { method: "getUser", args: [state.userId] },
          { method: "deleteSession", args: ["no-such-session"] },
        ],
      });
      const good = await spawnPeer(["--adapter", name], resources.env, request);
      assert.equal(good.code, 0, good.stderr);
      const lines = good.stdout.split("\n").filter(Boolean);
      assert.equal(lines.length, 1, "exactly one stdout line");
      const { results } = JSON.parse(lines[0]);
      assert.equal(String(results[0].ok.id), state.userId);
      assert.deepEqual(results[0].ok.emailVerified, iso(EMAIL_VERIFIED));
      assert.deepEqual(results[1], { ok: null, undefined: true });

      const bad = await spawnPeer(["--adapter", name], resources.env, '{"calls": 5}');
      assert.equal(bad.code, 2);
      assert.equal(bad.stdout, "");
      assert.match(bad.stderr, /calls/);
    });

    test("deleteUser removes the user", async () => {
      const [deleted, gone] = await run(backend, [
        ["deleteUser", state.userId],
        ["getUser", state.userId],
      ]);
      assert.ok(!("error" in deleted), deleted.error);
      assert.deepEqual(gone, { ok: null });
    });
  });
}

describe("peer.mjs command line", () => {
  test("missing DATABASE_URL fails with a message saying how to provide it", async () => {
    const env = { ...process.env, PG_SCHEMA: "whatever" };
    delete env.DATABASE_URL;
    const result = await spawnPeer(["--adapter", "pg"], env, '{"calls":[]}');
    assert.equal(result.code, 2);
    assert.match(result.stderr, /run scripts\/test, or set DATABASE_URL=postgres:\/\/… to a server you own/);
  });

  test("unknown adapter exits 2", async () => {
    const result = await spawnPeer(["--adapter", "mongodb"], process.env, '{"calls":[]}');
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unknown adapter/);
  });
});
