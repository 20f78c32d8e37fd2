#!/usr/bin/env node
// A small Express app on the real Auth.js (`@auth/express`, `@auth/core` from npm), for the
// Rust tests that sign a user in through Auth.js's own HTTP flow and check that the Rust
// extractor sees the same session (auth-adapter-axum/tests/authjs_interop.rs).
//
//   ADAPTER=<pg|drizzle-sqlite|unstorage-redis> STRATEGY=<database|jwt> AUTH_SECRET=… \
//     node interop/authjs-app.mjs        (+ the adapter's env: see README.md)
//
// - The adapter is opened by lib/backends.mjs, exactly as peer.mjs opens it; the tables must
//   already exist (the Rust side migrates the store first).
// - Listens on 127.0.0.1, port 0 (or PORT); AUTH_URL is set to http://127.0.0.1:<port>
//   unless given. Its first stdout line is `{"port": N}`.
// - One email provider (id "email") whose sendVerificationRequest writes the sign-in link as
//   one stdout line `{"link": {"email": "…", "url": "…"}}` (no mail server).
// - Exits when stdin closes, so a test that dies leaves no server behind. Errors and Auth.js's
//   logs go to stderr.

import express from "express";
import { ExpressAuth } from "@auth/express";

import { ADAPTER_NAMES, openBackend } from "./lib/backends.mjs";
import { ConfigError, requireEnv } from "./lib/env.mjs";

const STRATEGIES = ["database", "jwt"];

function line(value) {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

function fail(code, message) {
  process.stderr.write(`authjs-app: ${message}\n`);
  process.exit(code);
}

async function main() {
  const env = process.env;
  let backend;
  try {
    const name = requireEnv(env, "ADAPTER");
    if (!ADAPTER_NAMES.includes(name)) {
      throw new ConfigError(`ADAPTER must be one of ${ADAPTER_NAMES.join(", ")}, got ${JSON.stringify(name)}`);
    }
    const strategy = requireEnv(env, "STRATEGY");
    if (!STRATEGIES.includes(strategy)) {
      throw new ConfigError(`STRATEGY must be one of ${STRATEGIES.join(", ")}, got ${JSON.stringify(strategy)}`);
    }
    requireEnv(env, "AUTH_SECRET");
    // PG_POOL_SIZE (optional): pg.Pool's size, for the benchmark (auth-adapter-bench
    // http_session gives it the size of the Rust side's pool); lib/pg.mjs's default otherwise.
    const poolSize = env.PG_POOL_SIZE ? Number(env.PG_POOL_SIZE) : undefined;
    backend = await openBackend(name, env, { poolSize });
    await backend.check();
    return serve(backend, strategy);
  } catch (error) {
    if (error instanceof ConfigError) return fail(2, error.message);
    return fail(1, error?.stack ?? String(error));
  }
}

function serve(backend, strategy) {
  const app = express();
  app.set("trust proxy", true);

  const email = {
    id: "email",
    type: "email",
    name: "Email",
    maxAge: 24 * 60 * 60,
    async sendVerificationRequest({ identifier, url }) {
      line({ link: { email: identifier, url } });
    },
  };

  const config = {
    adapter: backend.adapter,
    providers: [email],
    session: { strategy },
    secret: process.env.AUTH_SECRET,
    trustHost: true,
    logger: {
      error: (error) => process.stderr.write(`authjs-app: [auth error] ${error?.stack ?? error}\n`),
      // @auth/express always sets basePath, so with AUTH_URL every request would warn
      // "env-url-basepath-redundant"; that one is noise here.
      warn: (code) => {
        if (code !== "env-url-basepath-redundant") process.stderr.write(`authjs-app: [auth warn] ${code}\n`);
      },
      debug: () => {},
    },
  };

  // Mounted with app.use: Express 5 has no bare `*` route; @auth/express then takes
  // req.baseUrl ("/api/auth") as Auth.js's basePath.
  app.use("/api/auth", ExpressAuth(config));

  app.use((error, _req, res, _next) => {
    process.stderr.write(`authjs-app: [express error] ${error?.stack ?? error}\n`);
    res.status(500).json({ error: String(error?.message ?? error) });
  });

  const server = app.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
    const { port } = server.address();
    process.env.AUTH_URL ??= `http://127.0.0.1:${port}`;
    line({ port });
  });
  server.on("error", (error) => fail(1, `listen: ${error.message}`));

  const stop = () => {
    server.close();
    Promise.resolve(backend.close?.())
      .catch(() => {})
      .finally(() => process.exit(0));
    // Never linger: open keep-alive sockets or a stuck store must not keep us alive.
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.stdin.on("end", stop);
  process.stdin.on("close", stop);
  process.stdin.on("error", stop);
  process.stdin.resume();
  process.on("SIGTERM", stop);
}

main();
