#!/usr/bin/env node
// The interop peer: drives one real Auth.js adapter for auth-adapter's Rust interop tests.
//
//   node interop/peer.mjs --adapter <pg|drizzle-sqlite|unstorage-redis> < request.json
//   node interop/peer.mjs --adapter pg --setup upstream-schema
//   node interop/peer.mjs --adapter drizzle-sqlite --setup drizzle-kit
//
// See README.md for the protocol. Exit codes: 0 = every call ran (each may have failed on its
// own, see its result); 1 = the store could not be reached or a setup failed; 2 = bad command
// line, bad environment or malformed request. Diagnostics go to stderr, results to stdout.

import { text } from "node:stream/consumers";
import { parseArgs } from "node:util";

import { ADAPTER_NAMES, openBackend } from "./lib/backends.mjs";
import { ConfigError } from "./lib/env.mjs";
import { errorMessage, handleRequest, parseRequest, RequestError } from "./lib/handler.mjs";

const USAGE = `usage: node peer.mjs --adapter <${ADAPTER_NAMES.join("|")}> [--setup <name>]`;

function finish(code, stdoutLine) {
  const exit = () => process.exit(code);
  if (stdoutLine === undefined) exit();
  else process.stdout.write(`${stdoutLine}\n`, exit);
}

function fail(code, message) {
  process.stderr.write(`peer: ${message}\n`);
  finish(code);
}

async function main() {
  let values;
  try {
    ({ values } = parseArgs({
      options: { adapter: { type: "string" }, setup: { type: "string" } },
      strict: true,
    }));
  } catch (error) {
    return fail(2, `${error.message}\n${USAGE}`);
  }
  if (!values.adapter) return fail(2, `--adapter is required\n${USAGE}`);

  let backend;
  try {
    backend = await openBackend(values.adapter, process.env);
  } catch (error) {
    return fail(error instanceof ConfigError ? 2 : 1, errorMessage(error));
  }

  let code = 0;
  let output;
  try {
    if (values.setup !== undefined) {
      const setup = backend.setups[values.setup];
      if (!setup) {
        const known = Object.keys(backend.setups);
        code = 2;
        process.stderr.write(
          `peer: unknown setup ${JSON.stringify(values.setup)} for ${backend.name}; ` +
            `known: ${known.length ? known.join(", ") : "none (this adapter needs no setup)"}\n`,
        );
      } else {
        try {
          await backend.check();
          const info = await setup();
          output = JSON.stringify({ adapter: backend.name, setup: values.setup, ...info });
        } catch (error) {
          code = 1;
          process.stderr.write(`peer: setup ${values.setup} failed: ${errorMessage(error)}\n`);
        }
      }
    } else {
      let request;
      try {
        request = parseRequest(await text(process.stdin));
      } catch (error) {
        if (!(error instanceof RequestError)) throw error;
        code = 2;
        process.stderr.write(`peer: ${error.message}\n`);
      }
      if (request) {
        try {
          await backend.check();
        } catch (error) {
          code = 1;
          process.stderr.write(`peer: cannot reach the ${backend.name} store: ${errorMessage(error)}\n`);
        }
        if (code === 0) output = JSON.stringify(await handleRequest(backend, request));
      }
    }
  } finally {
    await backend.close().catch(() => {});
  }
  finish(code, output);
}

main().catch((error) => fail(1, `internal error: ${error?.stack ?? error}`));
