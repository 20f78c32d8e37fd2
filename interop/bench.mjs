#!/usr/bin/env node
// The JS half of auth-adapter's benchmark: drives one real Auth.js adapter with N concurrent
// async loops for a fixed time and prints one JSON line of throughput and latency.
//
//   node interop/bench.mjs --adapter <pg|drizzle-sqlite|unstorage-redis> \
//     --workload <get_session_and_user|create_delete_session> \
//     --concurrency N --duration-ms D --input FILE [--warmup-ms W] [--histogram]
//
// FILE is JSON {"sessionTokens": [...], "userIds": [...]} describing a dataset already present in
// the store (created by the Rust side), configured by the same env vars as peer.mjs.
// Workloads:
//   get_session_and_user   getSessionAndUser(random existing token); a null result is an error.
//   create_delete_session  createSession({sessionToken: randomUUID(), userId: random user id,
//                          expires: now + 30 days}) then deleteSession(that token): one op.
// The loops first run a warm-up (default 10% of D) that is not counted, then the measured window
// of D ms; only ops started inside the window count, and the loops stop starting ops at its end.
// Output: {"adapter","workload","concurrency","ops","seconds","ops_per_sec","p50_us","p99_us","errors"}
// (latencies of successful ops, exact nearest-rank percentiles over every recorded sample).
// With --histogram it also has "histogram": [[µs, count], ...], every recorded latency rounded up
// to a whole microsecond, ascending: what the Rust side needs to merge several runs (rounds
// interleaved with its own) into one set of percentiles.
// Exit codes: 0 = ran (see "errors"); 1 = store unreachable or the run hung; 2 = bad arguments.

import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

import { ADAPTER_NAMES, openBackend } from "./lib/backends.mjs";
import { ConfigError } from "./lib/env.mjs";
import { errorMessage } from "./lib/handler.mjs";

const WORKLOADS = ["get_session_and_user", "create_delete_session"];
const MAX_DURATION_MS = 10 * 60 * 1000;
const MAX_CONCURRENCY = 1024;
const THIRTY_DAYS_MS = 30 * 24 * 3600 * 1000;
/** Grace after the window for in-flight ops before the run is declared hung. */
const HANG_GRACE_MS = 30_000;

const USAGE =
  `usage: node bench.mjs --adapter <${ADAPTER_NAMES.join("|")}> --workload <${WORKLOADS.join("|")}> ` +
  "--concurrency N --duration-ms D --input FILE [--warmup-ms W] [--histogram]";

class UsageError extends Error {}

function positiveInt(name, text, max) {
  if (text === undefined) throw new UsageError(`--${name} is required`);
  if (!/^\d+$/.test(text)) throw new UsageError(`--${name} must be a whole number, got ${JSON.stringify(text)}`);
  const value = Number(text);
  if (value < 1 || value > max) throw new UsageError(`--${name} must be between 1 and ${max}`);
  return value;
}

function stringList(input, key, file) {
  const list = input?.[key];
  if (!Array.isArray(list) || !list.every((item) => typeof item === "string")) {
    throw new UsageError(`${file}: "${key}" must be an array of strings`);
  }
  return list;
}

function parseCommandLine(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        adapter: { type: "string" },
        workload: { type: "string" },
        concurrency: { type: "string" },
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
  if (!values.adapter) throw new UsageError("--adapter is required");
  if (!WORKLOADS.includes(values.workload)) {
    throw new UsageError(`--workload must be one of ${WORKLOADS.join(", ")}`);
  }
  const concurrency = positiveInt("concurrency", values.concurrency, MAX_CONCURRENCY);
  const durationMs = positiveInt("duration-ms", values["duration-ms"], MAX_DURATION_MS);
  const warmupMs =
    values["warmup-ms"] === undefined
      ? Math.round(durationMs / 10)
      : values["warmup-ms"] === "0"
        ? 0
        : positiveInt("warmup-ms", values["warmup-ms"], MAX_DURATION_MS);
  if (!values.input) throw new UsageError("--input is required");
  let input;
  try {
    input = JSON.parse(readFileSync(values.input, "utf8"));
  } catch (error) {
    throw new UsageError(`cannot read --input ${values.input}: ${error.message}`);
  }
  const sessionTokens = stringList(input, "sessionTokens", values.input);
  const userIds = stringList(input, "userIds", values.input);
  if (values.workload === "get_session_and_user" && sessionTokens.length === 0) {
    throw new UsageError(`${values.input}: get_session_and_user needs at least one session token`);
  }
  if (values.workload === "create_delete_session" && userIds.length === 0) {
    throw new UsageError(`${values.input}: create_delete_session needs at least one user id`);
  }
  return {
    adapter: values.adapter,
    workload: values.workload,
    concurrency,
    durationMs,
    warmupMs,
    sessionTokens,
    userIds,
    histogram: values.histogram === true,
  };
}

const pick = (list) => list[Math.floor(Math.random() * list.length)];

/** One operation of the workload; throws on failure. */
function makeOp(adapter, config) {
  if (config.workload === "get_session_and_user") {
    return async () => {
      const result = await adapter.getSessionAndUser(pick(config.sessionTokens));
      if (result === null || result === undefined) throw new Error("getSessionAndUser returned null");
    };
  }
  return async () => {
    const sessionToken = randomUUID();
    await adapter.createSession({
      sessionToken,
      userId: pick(config.userIds),
      expires: new Date(Date.now() + THIRTY_DAYS_MS),
    });
    await adapter.deleteSession(sessionToken);
  };
}

/** [[µs, count], ...] of an ascending-sorted array, each latency rounded up to a whole µs. */
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

/** Exact nearest-rank percentile of an ascending-sorted array. */
function percentile(sorted, q) {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1];
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

  async function loop() {
    for (;;) {
      const opStart = process.hrtime.bigint();
      if (opStart >= windowEnd) return;
      const counted = opStart >= windowStart;
      try {
        await op();
        const opEnd = process.hrtime.bigint();
        if (counted) {
          latenciesUs.push(Number(opEnd - opStart) / 1000);
          if (opEnd > lastFinish) lastFinish = opEnd;
        }
      } catch (error) {
        if (counted) {
          errors += 1;
          firstError ??= errorMessage(error);
          const opEnd = process.hrtime.bigint();
          if (opEnd > lastFinish) lastFinish = opEnd;
        }
      }
    }
  }

  let watchdog;
  const hung = new Promise((_, reject) => {
    watchdog = setTimeout(
      () => reject(new Error(`operations still in flight ${HANG_GRACE_MS} ms after the window ended`)),
      config.warmupMs + config.durationMs + HANG_GRACE_MS,
    );
  });
  try {
    await Promise.race([Promise.all(Array.from({ length: config.concurrency }, loop)), hung]);
  } finally {
    clearTimeout(watchdog);
  }

  latenciesUs.sort((a, b) => a - b);
  const seconds = Number(lastFinish - windowStart) / 1e9;
  const ops = latenciesUs.length;
  const round = (value) => (value === null ? null : Math.round(value * 10) / 10);
  return {
    result: {
      adapter: config.adapter,
      workload: config.workload,
      concurrency: config.concurrency,
      ops,
      seconds: Math.round(seconds * 1e6) / 1e6,
      ops_per_sec: seconds > 0 ? Math.round((ops / seconds) * 10) / 10 : 0,
      p50_us: round(percentile(latenciesUs, 0.5)),
      p99_us: round(percentile(latenciesUs, 0.99)),
      errors,
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
    process.stderr.write(`bench: ${error.message}\n${USAGE}\n`);
    return finish(2);
  }

  let backend;
  try {
    backend = await openBackend(config.adapter, process.env, { poolSize: config.concurrency });
  } catch (error) {
    process.stderr.write(`bench: ${errorMessage(error)}\n`);
    return finish(error instanceof ConfigError ? 2 : 1);
  }

  let code = 0;
  let line;
  try {
    await backend.check();
    const op = makeOp(backend.adapter, config);
    // One untimed operation per loop first: what an adapter sets up on its first queries
    // (Prisma loads its query compiler, pools open their connections) is start-up, not the
    // steady state the window measures. A failure here shows again in the window.
    await Promise.all(Array.from({ length: config.concurrency }, () => op().catch(() => {})));
    const { result, firstError } = await measure(op, config);
    if (firstError !== undefined) {
      process.stderr.write(`bench: ${result.errors} failed operations; first: ${firstError}\n`);
    }
    line = JSON.stringify(result);
  } catch (error) {
    code = 1;
    process.stderr.write(`bench: ${errorMessage(error)}\n`);
  } finally {
    // A hung store must not keep the process alive: give closing a bounded time.
    await Promise.race([
      backend.close().catch(() => {}),
      new Promise((resolve) => setTimeout(resolve, 5_000).unref()),
    ]);
  }
  finish(code, line);
}

main().catch((error) => {
  process.stderr.write(`bench: internal error: ${error?.stack ?? error}\n`);
  finish(1);
});
