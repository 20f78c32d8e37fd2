#!/usr/bin/env node
// The JS half of auth-adapter-bench's `jwt_decode` workload: decodes Auth.js session JWTs with
// the real Auth.js code, one decode at a time (a single loop: one core's worth of work), for a
// fixed time, and prints one JSON line of throughput and latency.
//
//   node interop/bench-jwt.mjs --version <v5|v4> --duration-ms D --input FILE \
//     [--warmup-ms W] [--histogram]
//
// v5 decodes with `@auth/core/jwt` `decode({token, secret, salt})` (Auth.js v5), v4 with
// `next-auth/jwt` `decode({token, secret})` (next-auth v4): the calls Auth.js makes on every
// session read in the JWT strategy (each derives its key from the secret with HKDF, as Auth.js
// does per call).
//
// FILE is JSON {"v5": {"secret", "salt", "tokens": [...]}, "v4": {"secret", "tokens": [...]}}
// (tokens encoded by the Rust side, which this checks: a token that does not decode, or decodes
// without a `sub`, is an error). Tokens are taken in turn.
// The loop first runs a warm-up (default 10% of D) that is not counted, then the measured window
// of D ms; only decodes started inside the window count.
// Output: {"version","ops","seconds","ops_per_sec","p50_us","p99_us","errors","cpu_seconds"}
// where cpu_seconds is the process's CPU time (user + system, every thread: the main thread,
// libuv's pool that runs HKDF, the GC) during the window. With --histogram it also has
// "histogram": [[µs, count], ...] (every latency rounded up to a whole µs, ascending), as
// interop/bench.mjs prints it.
// Exit codes: 0 = ran (see "errors"); 2 = bad arguments.

import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

import * as v5 from "@auth/core/jwt";
import * as v4 from "next-auth/jwt";

const MAX_DURATION_MS = 10 * 60 * 1000;
const USAGE =
  "usage: node bench-jwt.mjs --version <v5|v4> --duration-ms D --input FILE [--warmup-ms W] [--histogram]";

class UsageError extends Error {}

function positiveInt(name, text) {
  if (!/^\d+$/.test(text ?? "")) throw new UsageError(`--${name} must be a whole number`);
  const value = Number(text);
  if (value < 1 || value > MAX_DURATION_MS) throw new UsageError(`--${name} must be between 1 and ${MAX_DURATION_MS}`);
  return value;
}

function parseCommandLine(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        version: { type: "string" },
        "duration-ms": { type: "string" },
        "warmup-ms": { type: "string" },
        input: { type: "string" },
        histogram: { type: "boolean" },
      },
      strict: true,
    }));
  } catch (error) {
    throw new UsageError(error.message);
  }
  const version = values.version;
  if (version !== "v5" && version !== "v4") throw new UsageError("--version must be v5 or v4");
  const durationMs = positiveInt("duration-ms", values["duration-ms"]);
  const warmupMs =
    values["warmup-ms"] === undefined
      ? Math.round(durationMs / 10)
      : values["warmup-ms"] === "0"
        ? 0
        : positiveInt("warmup-ms", values["warmup-ms"]);
  if (!values.input) throw new UsageError("--input is required");
  let input;
  try {
    input = JSON.parse(readFileSync(values.input, "utf8"))[version];
  } catch (error) {
    throw new UsageError(`cannot read --input ${values.input}: ${error.message}`);
  }
  const { secret, salt, tokens } = input ?? {};
  if (typeof secret !== "string" || secret === "") throw new UsageError(`${version}.secret must be a string`);
  if (version === "v5" && typeof salt !== "string") throw new UsageError("v5.salt must be a string");
  if (!Array.isArray(tokens) || tokens.length === 0 || !tokens.every((t) => typeof t === "string")) {
    throw new UsageError(`${version}.tokens must be a non-empty array of strings`);
  }
  return { version, durationMs, warmupMs, secret, salt, tokens, histogram: values.histogram === true };
}

/** One decode; throws unless the token decodes to claims with a `sub`. */
function makeOp(config) {
  const { secret, salt, tokens } = config;
  let next = 0;
  const decode =
    config.version === "v5" ? (token) => v5.decode({ token, secret, salt }) : (token) => v4.decode({ token, secret });
  return async () => {
    const token = tokens[next];
    next = (next + 1) % tokens.length;
    const claims = await decode(token);
    if (typeof claims?.sub !== "string") throw new Error("the token decoded without a sub");
  };
}

function histogram(sorted) {
  const out = [];
  for (const value of sorted) {
    const us = Math.max(1, Math.ceil(value));
    const last = out[out.length - 1];
    if (last !== undefined && last[0] === us) last[1] += 1;
    else out.push([us, 1]);
  }
  return out;
}

function percentile(sorted, q) {
  if (sorted.length === 0) return null;
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1];
}

async function measure(op, config) {
  const nsPerMs = 1_000_000n;
  const start = process.hrtime.bigint();
  const windowStart = start + BigInt(config.warmupMs) * nsPerMs;
  const windowEnd = windowStart + BigInt(config.durationMs) * nsPerMs;
  const latenciesUs = [];
  let errors = 0;
  let firstError;
  let lastFinish = windowStart;
  let cpuStart;
  for (;;) {
    const opStart = process.hrtime.bigint();
    if (opStart >= windowEnd) break;
    const counted = opStart >= windowStart;
    if (counted && cpuStart === undefined) cpuStart = process.cpuUsage();
    try {
      await op();
      const opEnd = process.hrtime.bigint();
      if (counted) {
        latenciesUs.push(Number(opEnd - opStart) / 1000);
        lastFinish = opEnd;
      }
    } catch (error) {
      if (counted) {
        errors += 1;
        firstError ??= String(error?.message ?? error);
        lastFinish = process.hrtime.bigint();
      }
    }
  }
  const cpu = process.cpuUsage(cpuStart);
  latenciesUs.sort((a, b) => a - b);
  const seconds = Number(lastFinish - windowStart) / 1e9;
  const ops = latenciesUs.length;
  const round = (value) => (value === null ? null : Math.round(value * 10) / 10);
  return {
    result: {
      version: config.version,
      ops,
      seconds: Math.round(seconds * 1e6) / 1e6,
      ops_per_sec: seconds > 0 ? Math.round((ops / seconds) * 10) / 10 : 0,
      p50_us: round(percentile(latenciesUs, 0.5)),
      p99_us: round(percentile(latenciesUs, 0.99)),
      errors,
      cpu_seconds: cpuStart === undefined ? 0 : (cpu.user + cpu.system) / 1e6,
      ...(config.histogram ? { histogram: histogram(latenciesUs) } : {}),
    },
    firstError,
  };
}

function finish(code, line) {
  const exit = () => process.exit(code);
  if (line === undefined) exit();
  else process.stdout.write(`${line}\n`, exit);
}

async function main() {
  let config;
  try {
    config = parseCommandLine(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`bench-jwt: ${error.message}\n${USAGE}\n`);
    return finish(2);
  }
  const { result, firstError } = await measure(makeOp(config), config);
  if (firstError !== undefined) {
    process.stderr.write(`bench-jwt: ${result.errors} failed decodes; first: ${firstError}\n`);
  }
  finish(0, JSON.stringify(result));
}

main().catch((error) => {
  process.stderr.write(`bench-jwt: internal error: ${error?.stack ?? error}\n`);
  finish(1);
});
