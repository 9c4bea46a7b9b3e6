'use strict';
// connector-gateway benchmark suite (`npm run bench`). See docs/benchmarks.md for the method.
//
// The machines this runs on are shared and noisy, so no absolute figure means much: every scenario
// measures a variant and its baseline in the same run, interleaved round by round (the order alternates
// each round), and reports the median of the per-round ratios with their spread. Raw req/s are printed
// for context only. Every target is 127.0.0.1; every loop is bounded in request count and in time.

const { fork } = require('node:child_process');
const { mkdtempSync, mkdirSync, writeFileSync } = require('node:fs');
const { createServer } = require('node:net');
const os = require('node:os');
const path = require('node:path');

const { BenchIssuer } = require('./issuer');
const { runRound, closePools, assertLoopback } = require('./load');

// ---------------------------------------------------------------------------------------------- settings

function intSetting(name, fallback, min, max) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer between ${min} and ${max} (got "${raw}")`);
  }
  return value;
}

const SETTINGS = {
  concurrency: intSetting('BENCH_CONCURRENCY', 32, 1, 128),
  requestsPerRound: intSetting('BENCH_REQUESTS', 4000, 100, 20000),
  measuredRounds: intSetting('BENCH_ROUNDS', 9, 1, 15),
  roundCapMs: intSetting('BENCH_ROUND_CAP_MS', 4000, 500, 10000),
  // Each scenario stops starting new rounds after this long (at least one measured round always runs).
  scenarioBudgetMs: intSetting('BENCH_SCENARIO_BUDGET_S', 45, 5, 120) * 1000,
  startupTimeoutMs: 30000,
};

const AUDIENCE = 'https://bench.connector-gateway.test/mcp';
const HMAC_SECRET = 'bench-hmac-secret-0123456789abcdef0123456789';
// The bare backend answers ~10-20x faster than the gateway; its rounds get more requests so that they
// last long enough to measure (the ratio is of throughputs, so the count itself does not bias it).
const DIRECT_COUNT_FACTOR = 5;
const ECHO_BODY = JSON.stringify({ message: 'hello from the benchmark', n: 42, tags: ['a', 'b', 'c'] });

// ---------------------------------------------------------------------------------------------- processes

const children = [];

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Forks `file` with exactly `env` (plus PATH/HOME) and waits for its { type: 'ready', port } message. */
function startChild(label, file, env) {
  const child = fork(path.join(__dirname, file), [], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${label}: not ready after ${SETTINGS.startupTimeoutMs} ms`)),
      SETTINGS.startupTimeoutMs,
    );
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${label}: exited during start-up (code ${code}, signal ${signal})`));
    });
    child.on('message', (message) => {
      if (message?.type === 'ready') {
        clearTimeout(timer);
        const origin = `http://127.0.0.1:${message.port}`;
        assertLoopback(origin);
        resolve({ label, child, pid: child.pid, origin });
      } else if (message?.type === 'error') {
        clearTimeout(timer);
        reject(new Error(`${label}: failed to start:\n${message.message}`));
      }
    });
  });
}

async function startGatewayChild(label, issuer, backendOrigin, toolsFile, extraEnv) {
  const port = await freePort();
  return startChild(label, 'gateway-child.js', {
    NODE_ENV: 'test',
    LOG_LEVEL: 'error',
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    OAUTH_ISSUER: issuer.issuer,
    OAUTH_AUDIENCE: AUDIENCE,
    FUNCTIONS_BASE: backendOrigin,
    GATEWAY_HMAC_SECRET: HMAC_SECRET,
    TOOLS_FILE: toolsFile,
    DEBUG_TOKEN_ENABLED: 'true',
    ...extraEnv,
  });
}

function stopChildren() {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      if (child.connected) child.disconnect();
      child.kill('SIGTERM');
    }
  }
}

// ---------------------------------------------------------------------------------------------- statistics

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function r(value, digits = 3) {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

// ---------------------------------------------------------------------------------------------- scenarios

/**
 * Runs one warm-up round (discarded) then up to `measuredRounds` rounds; in each round every variant
 * runs once, in an order that rotates from round to round so no variant always goes first.
 * `rows` name a variant, its baseline and a metric; each row's ratio is computed per round.
 */
async function runScenario({ id, title, variants, rows }) {
  const started = performance.now();
  const rounds = [];
  const keys = Object.keys(variants);
  console.error(`\n[${id}] ${title}`);
  for (let n = 0; n <= SETTINGS.measuredRounds; n += 1) {
    const warmUp = n === 0;
    if (!warmUp && n > 1 && performance.now() - started > SETTINGS.scenarioBudgetMs) {
      console.error(`  time budget reached: ${n - 1} measured rounds`);
      break;
    }
    const shift = n % keys.length;
    const order = [...keys.slice(shift), ...keys.slice(0, shift)];
    const results = {};
    for (const key of order) {
      try {
        results[key] = await runRound({
          count: SETTINGS.requestsPerRound,
          concurrency: SETTINGS.concurrency,
          timeCapMs: SETTINGS.roundCapMs,
          ...variants[key],
        });
      } catch (error) {
        error.message = `[${id}] variant "${key}", ${warmUp ? 'warm-up' : `round ${n}`}: ${error.message}`;
        throw error;
      }
    }
    const line = order.map((k) => `${k} ${results[k].rps} req/s${results[k].capped ? ' (capped)' : ''}`);
    console.error(`  ${warmUp ? 'warm-up ' : `round ${n}`.padEnd(8)} ${line.join(' | ')}`);
    if (!warmUp) rounds.push({ round: n, order, results });
  }

  const summary = rows.map((row) => {
    const ratios = rounds.map(({ results }) => {
      const a = results[row.variant][row.metric];
      const b = results[row.baseline][row.metric];
      return a / b;
    });
    const raw = (key) => median(rounds.map(({ results }) => results[key][row.metric]));
    return {
      scenario: id,
      label: row.label,
      variant: row.variant,
      baseline: row.baseline,
      metric: row.metric,
      ratioMedian: r(median(ratios)),
      ratioMin: r(Math.min(...ratios)),
      ratioMax: r(Math.max(...ratios)),
      ratios: ratios.map((x) => r(x)),
      variantMedian: r(raw(row.variant), 2),
      baselineMedian: r(raw(row.baseline), 2),
      rounds: rounds.length,
    };
  });
  return { id, title, durationS: r((performance.now() - started) / 1000, 1), rounds, summary };
}

// ---------------------------------------------------------------------------------------------- output

function printTable(rows) {
  const unit = (metric) => (metric === 'rps' ? 'req/s' : metric === 'p50Ms' ? 'p50 ms' : 'p99 ms');
  const header = [
    'scenario',
    'variant vs baseline',
    'metric',
    'ratio (median)',
    'spread min–max',
    'raw variant / baseline',
    'rounds',
  ];
  const lines = rows.map((row) => [
    row.scenario,
    row.label,
    unit(row.metric),
    row.ratioMedian.toFixed(2),
    `${row.ratioMin.toFixed(2)}–${row.ratioMax.toFixed(2)}`,
    `${fmt(row.variantMedian)} / ${fmt(row.baselineMedian)}`,
    String(row.rounds),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const format = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(format(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const line of lines) console.log(format(line));
}

function fmt(value) {
  return value >= 100 ? String(Math.round(value)) : value.toFixed(2);
}

// ---------------------------------------------------------------------------------------------- main

async function main() {
  const runStarted = performance.now();
  const issuer = await new BenchIssuer().start();
  const toolsDir = mkdtempSync(path.join(os.tmpdir(), 'gateway-bench-'));
  const toolsFile = path.join(toolsDir, 'tools.yaml');
  writeFileSync(toolsFile, 'tools:\n  - name: echo\n    description: Echo\n    scopes: [tools:read]\n');

  const token = issuer.token(AUDIENCE);
  const bearer = { authorization: `Bearer ${token}` };

  // Distinct tokens for the miss path: enough for every request of every round, each used once, so the
  // cache (10 000 entries) never answers. They are signed before the gateways start: signing blocks this
  // process's event loop, which also serves the issuer's discovery and JWKS.
  const distinctCount = SETTINGS.requestsPerRound * (SETTINGS.measuredRounds + 1);
  const signStarted = performance.now();
  const distinct = Array.from({ length: distinctCount }, (_, i) =>
    issuer.token(AUDIENCE, { jti: `bench-${i}` }),
  );
  console.error(
    `signed ${distinctCount} distinct tokens in ${Math.round(performance.now() - signStarted)} ms`,
  );

  const backend = await startChild('echo backend', 'echo-child.js', {});
  const [cached, uncached] = await Promise.all([
    startGatewayChild('gateway (cache on)', issuer, backend.origin, toolsFile, { TOKEN_CACHE_MAX: '10000' }),
    startGatewayChild('gateway (cache off)', issuer, backend.origin, toolsFile, { TOKEN_CACHE_MAX: '0' }),
  ]);
  console.error(
    `echo backend ${backend.origin} (pid ${backend.pid}); gateway cache on ${cached.origin} (pid ${cached.pid}); ` +
      `cache off ${uncached.origin} (pid ${uncached.pid})`,
  );

  let distinctCursor = 0;

  const hasSub = ({ text }) =>
    text.includes('auth0|bench-user') ? undefined : 'claims without the token sub';
  const isEcho = ({ text }) => (text === ECHO_BODY ? undefined : 'body is not the echoed request');
  const isChallenge = ({ headers }) =>
    /^Bearer /.test(headers['www-authenticate'] ?? '') &&
    /resource_metadata=/.test(headers['www-authenticate'])
      ? undefined
      : 'no RFC 6750 / RFC 9728 challenge in WWW-Authenticate';
  const debugToken = (gateway, headers) => ({
    origin: gateway.origin,
    request: () => ({ method: 'GET', path: '/debug-token', headers }),
    expectStatus: 200,
    check: hasSub,
  });

  const scenarios = [];

  scenarios.push(
    await runScenario({
      id: 'S1',
      title: 'token verification: GET /debug-token, verified-token cache on vs off',
      variants: {
        hit: debugToken(cached, bearer),
        off: debugToken(uncached, bearer),
        miss: {
          ...debugToken(cached, undefined),
          request: () => {
            if (distinctCursor >= distinct.length) throw new Error('ran out of distinct tokens');
            return {
              method: 'GET',
              path: '/debug-token',
              headers: { authorization: `Bearer ${distinct[distinctCursor++]}` },
            };
          },
        },
      },
      rows: [
        { label: 'cache hit (same token) vs cache off', variant: 'hit', baseline: 'off', metric: 'rps' },
        {
          label: 'cache miss (new token each call) vs cache off',
          variant: 'miss',
          baseline: 'off',
          metric: 'rps',
        },
      ],
    }),
  );

  scenarios.push(
    await runScenario({
      id: 'S2',
      title: 'forwarded call: POST /tools/echo through the gateway vs POST /echo to the backend directly',
      variants: {
        gateway: {
          origin: cached.origin,
          request: () => ({
            method: 'POST',
            path: '/tools/echo',
            headers: { ...bearer, 'content-type': 'application/json' },
            body: ECHO_BODY,
          }),
          expectStatus: 200,
          check: isEcho,
        },
        direct: {
          origin: backend.origin,
          count: SETTINGS.requestsPerRound * DIRECT_COUNT_FACTOR,
          request: () => ({
            method: 'POST',
            path: '/echo',
            headers: { 'content-type': 'application/json' },
            body: ECHO_BODY,
          }),
          expectStatus: 200,
          check: isEcho,
        },
      },
      rows: [
        { label: 'via gateway vs direct to backend', variant: 'gateway', baseline: 'direct', metric: 'rps' },
        {
          label: 'via gateway vs direct to backend',
          variant: 'gateway',
          baseline: 'direct',
          metric: 'p50Ms',
        },
        {
          label: 'via gateway vs direct to backend',
          variant: 'gateway',
          baseline: 'direct',
          metric: 'p99Ms',
        },
      ],
    }),
  );

  scenarios.push(
    await runScenario({
      id: 'S3',
      title: 'unauthenticated 401 challenge (GET /debug-token, no token) vs GET /health/live',
      variants: {
        challenge: {
          origin: cached.origin,
          request: () => ({ method: 'GET', path: '/debug-token' }),
          expectStatus: 401,
          check: isChallenge,
        },
        live: {
          origin: cached.origin,
          request: () => ({ method: 'GET', path: '/health/live' }),
          expectStatus: 200,
        },
      },
      rows: [
        { label: '401 challenge vs /health/live', variant: 'challenge', baseline: 'live', metric: 'rps' },
        { label: '401 challenge vs /health/live', variant: 'challenge', baseline: 'live', metric: 'p50Ms' },
      ],
    }),
  );

  const summary = scenarios.flatMap((s) => s.summary);
  console.log(
    '\nconnector-gateway benchmark — ratios against a baseline measured in the same run (only ratios are meaningful)',
  );
  console.log(
    `concurrency ${SETTINGS.concurrency}, ${SETTINGS.requestsPerRound} requests per round (cap ${SETTINGS.roundCapMs} ms), warm-up discarded\n`,
  );
  printTable(summary);

  const result = {
    date: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      loadavgAtEnd: os.loadavg().map((x) => r(x, 2)),
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
    },
    settings: SETTINGS,
    jwksFetches: issuer.jwksFetches,
    totalDurationS: r((performance.now() - runStarted) / 1000, 1),
    summary,
    scenarios,
  };
  const resultsDir = path.join(__dirname, 'results');
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(path.join(resultsDir, 'latest.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\ntotal ${result.totalDurationS} s; full per-round data in bench/results/latest.json`);

  await closePools();
  stopChildren();
  await issuer.stop();
}

process.on('exit', stopChildren);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stopChildren();
    process.exit(130);
  });
}

main().catch(async (error) => {
  console.error(`\nBENCHMARK ABORTED: ${error.message}`);
  stopChildren();
  await closePools().catch(() => undefined);
  process.exit(1);
});
