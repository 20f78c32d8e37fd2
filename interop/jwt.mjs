#!/usr/bin/env node
// Session JWTs through the real Auth.js code, for auth-adapter-axum's interop tests:
// `@auth/core/jwt` (Auth.js v5) and `next-auth/jwt` (next-auth v4) encode and decode.
//
//   node interop/jwt.mjs < request.json
//
// Request (one JSON object on stdin):
//   {"op": "encode", "version": "v5" | "v4", "claims": {...}, "secret": "s" | ["new", "old"],
//    "salt": "authjs.session-token", "maxAge": 2592000}
//   {"op": "decode", "version": "v5" | "v4", "token": "...", "secret": ..., "salt": ...}
// `salt` is required for v5 (the session cookie's name) and optional for v4 (next-auth's
// session tokens have none); `maxAge` (seconds) is optional (default 30 days); v4 takes a
// single secret (a list passes its first).
//
// Output (one JSON line on stdout):
//   encode: {"token": "<compact JWE>"}
//   decode: {"claims": {...}}, or {"error": {"name", "code", "message"}} when the package
//           refused the token (`code` is jose's, e.g. "ERR_JWT_EXPIRED", when it has one).
// Exit codes: 0 = the operation ran (a refused token included); 2 = malformed request.

import { text } from "node:stream/consumers";

import * as v5 from "@auth/core/jwt";
import * as v4 from "next-auth/jwt";

class RequestError extends Error {}

function parseRequest(input) {
  let request;
  try {
    request = JSON.parse(input);
  } catch (error) {
    throw new RequestError(`request is not JSON: ${error.message}`);
  }
  if (request === null || typeof request !== "object" || Array.isArray(request)) {
    throw new RequestError("request must be a JSON object");
  }
  const { op, version, secret, salt } = request;
  if (op !== "encode" && op !== "decode") throw new RequestError(`unknown op ${JSON.stringify(op)}`);
  if (version !== "v5" && version !== "v4") {
    throw new RequestError(`unknown version ${JSON.stringify(version)}`);
  }
  const secrets = Array.isArray(secret) ? secret : [secret];
  if (secrets.length === 0 || secrets.some((s) => typeof s !== "string" || s === "")) {
    throw new RequestError("secret must be a non-empty string or a list of them");
  }
  if (version === "v5" && typeof salt !== "string") throw new RequestError("v5 needs a salt");
  if (salt !== undefined && typeof salt !== "string") throw new RequestError("salt must be a string");
  if (op === "decode" && typeof request.token !== "string") {
    throw new RequestError("decode needs a token");
  }
  if (request.maxAge !== undefined && typeof request.maxAge !== "number") {
    throw new RequestError("maxAge must be a number of seconds");
  }
  return request;
}

async function run(request) {
  const { op, version, claims, secret, salt, maxAge, token } = request;
  // v5 takes the list as is (rotation); v4 has one secret.
  const params =
    version === "v5"
      ? { secret, salt }
      : { secret: Array.isArray(secret) ? secret[0] : secret, ...(salt !== undefined && { salt }) };
  const jwt = version === "v5" ? v5 : v4;
  if (op === "encode") {
    return { token: await jwt.encode({ ...params, token: claims ?? {}, maxAge }) };
  }
  try {
    return { claims: await jwt.decode({ ...params, token }) };
  } catch (error) {
    return { error: { name: error?.name ?? "Error", code: error?.code ?? null, message: String(error?.message ?? error) } };
  }
}

async function main() {
  let request;
  try {
    request = parseRequest(await text(process.stdin));
  } catch (error) {
    process.stderr.write(`jwt: ${error.message}\n`);
    process.exitCode = 2;
    return;
  }
  const result = await run(request);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
