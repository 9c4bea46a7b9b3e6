'use strict';
// A closed-loop load generator on undici: a fixed number of requests, a fixed number in flight, a time
// cap per round. Every response is checked; the first unexpected one aborts the round with an error,
// because a benchmark of error responses measures nothing.

const { Pool } = require('undici');

/** Only loopback targets: the benchmark must never load anything but this machine's own processes. */
function assertLoopback(origin) {
  const { hostname, protocol } = new URL(origin);
  if (protocol !== 'http:' || hostname !== '127.0.0.1') {
    throw new Error(`refusing to benchmark ${origin}: only http://127.0.0.1 targets are allowed`);
  }
}

const pools = new Map();

/** One keep-alive pool per origin, sized to the concurrency and reused across rounds. */
function poolFor(origin, concurrency) {
  assertLoopback(origin);
  const key = `${origin}#${concurrency}`;
  if (!pools.has(key)) pools.set(key, new Pool(origin, { connections: concurrency, pipelining: 1 }));
  return pools.get(key);
}

async function closePools() {
  await Promise.all([...pools.values()].map((pool) => pool.close().catch(() => undefined)));
  pools.clear();
}

class UnexpectedResponse extends Error {}

/**
 * Runs one round.
 * @param {object} spec
 * @param {string} spec.origin          http://127.0.0.1:PORT
 * @param {(i: number) => {method: string, path: string, headers?: object, body?: string}} spec.request
 * @param {number} spec.expectStatus
 * @param {(res: {statusCode: number, headers: object, text: string}) => string|undefined} [spec.check]
 *        returns a reason when the response is wrong
 * @param {number} spec.count           requests in the round (upper bound)
 * @param {number} spec.concurrency     requests in flight
 * @param {number} spec.timeCapMs       the round stops issuing requests after this long
 */
async function runRound(spec) {
  const { origin, count, concurrency, timeCapMs } = spec;
  const pool = poolFor(origin, concurrency);
  const latencies = new Float64Array(count);
  let next = 0;
  let done = 0;
  let failure;
  const started = performance.now();
  const deadline = started + timeCapMs;

  async function worker() {
    while (failure === undefined && next < count && performance.now() < deadline) {
      const t0 = performance.now();
      const outcome = await exchange(pool, spec, next++);
      if (outcome.failure) {
        failure ??= outcome.failure;
        return;
      }
      latencies[done++] = outcome.finished - t0;
    }
  }

  await Promise.all(Array.from({ length: concurrency }, worker));
  if (failure) throw failure;
  const elapsedMs = performance.now() - started;
  const sorted = latencies.subarray(0, done).sort();
  return {
    requests: done,
    capped: done < count,
    elapsedMs: round(elapsedMs, 1),
    rps: round((done / elapsedMs) * 1000, 1),
    p50Ms: round(percentile(sorted, 0.5), 3),
    p99Ms: round(percentile(sorted, 0.99), 3),
  };
}

/**
 * Runs one open-loop round: request i is due at start + i / rate whatever happened to the earlier ones,
 * and its latency counts from that due time (so a stalled server is charged for the requests it delayed,
 * not only for the ones in flight: no coordinated omission). Same checks as runRound.
 * @param {object} spec  origin, request, expectStatus, check as for runRound, plus
 * @param {number} spec.rate        requests per second
 * @param {number} spec.durationMs  length of the round
 * @param {number} spec.connections keep-alive connections available (requests beyond wait in the pool)
 */
async function runOpenLoop(spec) {
  const { origin, rate, durationMs, connections } = spec;
  const pool = poolFor(origin, connections);
  const count = Math.max(1, Math.round((rate * durationMs) / 1000));
  const latencies = new Float64Array(count);
  const pending = [];
  let done = 0;
  let failure;
  const started = performance.now();

  async function one(i, due) {
    const outcome = await exchange(pool, spec, i);
    if (outcome.failure) failure ??= outcome.failure;
    else latencies[done++] = outcome.finished - due;
  }

  for (let i = 0; i < count && failure === undefined; i += 1) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(one(i, due));
  }
  await Promise.all(pending);
  if (failure) throw failure;
  const elapsedMs = performance.now() - started;
  const sorted = latencies.subarray(0, done).sort();
  return {
    requests: done,
    capped: false,
    elapsedMs: round(elapsedMs, 1),
    rps: round((done / elapsedMs) * 1000, 1),
    p50Ms: round(percentile(sorted, 0.5), 3),
    p99Ms: round(percentile(sorted, 0.99), 3),
    maxMs: round(sorted[sorted.length - 1], 3),
  };
}

/** Sends request i of `spec` and checks the answer: { finished } (a performance.now()) or { failure }. */
async function exchange(pool, spec, i) {
  const { method, path, headers, body } = spec.request(i);
  const where = `${method} ${spec.origin}${path}`;
  let res;
  let text;
  try {
    res = await pool.request({ method, path, headers, body });
    text = await res.body.text();
  } catch (error) {
    return {
      failure: new UnexpectedResponse(`${where}: transport error ${error.code ?? ''} ${error.message}`),
    };
  }
  const finished = performance.now();
  let reason;
  if (res.statusCode !== spec.expectStatus)
    reason = `status ${res.statusCode}, expected ${spec.expectStatus}`;
  else if (spec.check) reason = spec.check({ statusCode: res.statusCode, headers: res.headers, text });
  if (reason) return { failure: new UnexpectedResponse(`${where}: ${reason}; body: ${text.slice(0, 300)}`) };
  return { finished };
}

function percentile(sorted, q) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

function round(value, digits) {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

module.exports = { runRound, runOpenLoop, closePools, assertLoopback, UnexpectedResponse };
