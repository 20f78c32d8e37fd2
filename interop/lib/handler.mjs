// The peer's request handler, shared by peer.mjs and selfcheck.mjs.
//
// Request:  {"calls":[{"method":"createUser","args":[{...}]}, ...]}
// Response: {"results":[{"ok": <value>} | {"ok": null, "undefined": true} | {"error": "<message>"}, ...]}
// Calls run one after another, in order; a failing call does not stop the next ones.

import { decodeValue, encodeValue } from "./codec.mjs";

/** The request itself is unusable (bad JSON, wrong shape): the peer exits non-zero. */
export class RequestError extends Error {
  constructor(message) {
    super(message);
    this.name = "RequestError";
  }
}

const HOOK_PREFIX = "db.";

/** Parses and checks the shape of a request; throws RequestError when malformed. */
export function parseRequest(text) {
  let request;
  try {
    request = JSON.parse(text);
  } catch (error) {
    throw new RequestError(`request is not valid JSON: ${error.message}`);
  }
  if (request === null || typeof request !== "object" || !Array.isArray(request.calls)) {
    throw new RequestError('request must be a JSON object {"calls": [...]}');
  }
  request.calls.forEach((call, index) => {
    if (call === null || typeof call !== "object" || Array.isArray(call)) {
      throw new RequestError(`calls[${index}] must be an object {"method", "args"}`);
    }
    if (typeof call.method !== "string" || call.method === "") {
      throw new RequestError(`calls[${index}].method must be a non-empty string`);
    }
    if (call.args !== undefined && !Array.isArray(call.args)) {
      throw new RequestError(`calls[${index}].args must be an array when present`);
    }
  });
  return request;
}

/** The text of a thrown value, with its cause (drizzle wraps the driver's error in one). */
export function errorMessage(error) {
  if (!(error instanceof Error)) return String(error);
  let message = error.message || error.name;
  const cause = error.cause;
  if (cause !== undefined && cause !== null) {
    const causeText = cause instanceof Error ? cause.message : String(cause);
    if (causeText && !message.includes(causeText)) message += `: ${causeText}`;
  }
  return message;
}

/** The function a method name refers to, or throws the per-call "not implemented" error. */
function resolveMethod(backend, method) {
  if (method.startsWith(HOOK_PREFIX)) {
    const hook = method.slice(HOOK_PREFIX.length);
    if (Object.hasOwn(backend.db, hook) && typeof backend.db[hook] === "function") {
      return backend.db[hook].bind(backend.db);
    }
    throw new Error(`${method} is not available for ${backend.packageName} (no such table/key)`);
  }
  if (Object.hasOwn(backend.adapter, method) && typeof backend.adapter[method] === "function") {
    return backend.adapter[method].bind(backend.adapter);
  }
  throw new Error(`${method} is not implemented by ${backend.packageName}`);
}

/** Runs one call and returns its encoded result; never throws. */
export async function runCall(backend, call) {
  try {
    const fn = resolveMethod(backend, call.method);
    const args = decodeValue(call.args ?? []);
    const value = await fn(...args);
    if (value === undefined) return { ok: null, undefined: true };
    return { ok: encodeValue(value) };
  } catch (error) {
    return { error: errorMessage(error) };
  }
}

/** Runs every call of a parsed request in order. */
export async function handleRequest(backend, request) {
  const results = [];
  for (const call of request.calls) results.push(await runCall(backend, call));
  return { results };
}
