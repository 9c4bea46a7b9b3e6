'use strict';
// connector-gateway benchmark suite (`npm run bench`). See docs/benchmarks.md for the method.
//
// The machines this runs on are shared and noisy, so no absolute figure means much: every scenario
// measures its variants and baselines in the same run, interleaved round by round (the order rotates
// each round), and reports the median of the per-round ratios with their spread. Raw req/s are printed
// for context only. Every target is 127.0.0.1; every loop is bounded in request count and in time.

const { mkdirSync, writeFileSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { BenchIssuer } = require('./issuer');
const { runRound, runOpenLoop, closePools } = require('./load');
const { distSetting, intSetting, logLevelSetting } = require('./settings');
const {
  AUDIENCE,
  ask,
  challenge,
  liveness,
  mcpToolCall,
  startBaseline,
  startChild,
  startGateway,
  stopChildren,
  toolCall,
} = require('./stack');

// ---------------------------------------------------------------------------------------------- settings

const SCENARIO_IDS = ['S0', 'S1', 'S2', 'S3', 'S4', 'S5'];

function scenarioSetting() {
  const raw = process.env.BENCH_ONLY;
  if (raw === undefined || raw === '') return SCENARIO_IDS;
  const ids = raw.split(',').map((id) => id.trim().toUpperCase());
  const unknown = ids.filter((id) => !SCENARIO_IDS.includes(id));
  if (unknown.length > 0) throw new Error(`BENCH_ONLY: unknown scenario(s) ${unknown.join(', ')}`);
  return ids;
}

const SETTINGS = {
  scenarios: scenarioSetting(),
  compareDist: distSetting('BENCH_COMPARE_DIST'),
  gatewayDist: distSetting('BENCH_GATEWAY_DIST'),
  concurrency: intSetting('BENCH_CONCURRENCY', 32, 1, 128),
  requestsPerRound: intSetting('BENCH_REQUESTS', 4000, 100, 20000),
  measuredRounds: intSetting('BENCH_ROUNDS', 9, 1, 15),
  roundCapMs: intSetting('BENCH_ROUND_CAP_MS', 4000, 500, 10000),
  // Each scenario stops starting new rounds after this long (at least one measured round always runs).
  scenarioBudgetMs: intSetting('BENCH_SCENARIO_BUDGET_S', 60, 5, 180) * 1000,
  // The production default: one access line per request (written to a discarded stdout).
  gatewayLogLevel: logLevelSetting(),
  openLoopRate: intSetting('BENCH_OPEN_RATE', 200, 10, 2000),
  openLoopRoundMs: intSetting('BENCH_OPEN_SECONDS', 5, 1, 30) * 1000,
  openLoopRounds: intSetting('BENCH_OPEN_ROUNDS', 5, 1, 15),
  rssTokens: intSetting('BENCH_RSS_TOKENS', 10000, 100, 50000),
  rssRequests: intSetting('BENCH_RSS_REQUESTS', 100000, 1000, 500000),
};

// Routes that call no backend (the bare backend itself in S2, the 401 and /health/live in S3) answer 4-20x
// faster than a forwarded call; their rounds get more requests so that they last long enough to measure
// (a round of 0.1 s is one GC pause or scheduler hiccup away from any ratio). The ratio is of throughputs,
// so the count itself does not bias it.
const FAST_ROUTE_COUNT_FACTOR = 5;
const fastRoute = (spec) => ({ ...spec, count: SETTINGS.requestsPerRound * FAST_ROUTE_COUNT_FACTOR });
const OPEN_LOOP_CONNECTIONS = 64;

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
 * Runs one warm-up round (discarded) then up to `rounds` rounds; in each round every variant runs once,
 * in an order that rotates from round to round so no variant always goes first. `rows` name a variant,
 * its baseline and a metric; each row compares them per round, as a ratio (variant ÷ baseline) or, with
 * `kind: 'diff'`, a difference (variant − baseline).
 */
async function runScenario({
  id,
  title,
  variants,
  rows,
  runner = runRound,
  rounds: maxRounds = SETTINGS.measuredRounds,
}) {
  const started = performance.now();
  const rounds = [];
  const keys = Object.keys(variants);
  console.error(`\n[${id}] ${title}`);
  for (let n = 0; n <= maxRounds; n += 1) {
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
        results[key] = await measured(runner, {
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
    const line = order.map(
      (k) => `${k} ${results[k].rps} req/s p99 ${results[k].p99Ms} ms${results[k].capped ? ' (capped)' : ''}`,
    );
    console.error(`  ${warmUp ? 'warm-up ' : `round ${n}`.padEnd(8)} ${line.join(' | ')}`);
    if (!warmUp) rounds.push({ round: n, order, results });
  }

  const stat = (key, metric) => r(median(rounds.map(({ results }) => results[key][metric])), 2);
  const perVariant = keys.map((key) => ({
    scenario: id,
    variant: key,
    rps: stat(key, 'rps'),
    p50Ms: stat(key, 'p50Ms'),
    p99Ms: stat(key, 'p99Ms'),
    cpuUsPerRequest: stat(key, 'cpuUsPerRequest'),
    rounds: rounds.length,
  }));
  const summary = rows.map((row) => {
    const kind = row.kind ?? 'ratio';
    const values = rounds.map(({ results }) => {
      const a = results[row.variant][row.metric];
      const b = results[row.baseline][row.metric];
      return kind === 'diff' ? a - b : a / b;
    });
    return {
      scenario: id,
      label: row.label,
      variant: row.variant,
      baseline: row.baseline,
      metric: row.metric,
      kind,
      median: r(median(values)),
      min: r(Math.min(...values)),
      max: r(Math.max(...values)),
      values: values.map((x) => r(x)),
      variantMedian: stat(row.variant, row.metric),
      baselineMedian: stat(row.baseline, row.metric),
      rounds: rounds.length,
    };
  });
  return { id, title, durationS: r((performance.now() - started) / 1000, 1), rounds, perVariant, summary };
}

/** One round of `runner`, plus the server's CPU time per request when the spec names its `server`. */
async function measured(runner, spec) {
  const before = spec.server ? await ask(spec.server, 'cpu') : undefined;
  const result = await runner(spec);
  if (before) {
    const after = await ask(spec.server, 'cpu');
    result.cpuUsPerRequest = r((after.us - before.us) / result.requests, 1);
  }
  return result;
}

/**
 * S5: RSS of a fresh gateway after `rssTokens` requests with as many distinct tokens (each verified once
 * and cached), then after `rssRequests` requests cycling through the same tokens. Memory is read in the
 * gateway after a full GC (it runs with --expose-gc).
 */
async function runMemoryScenario({ gateway, tokens }) {
  const started = performance.now();
  const id = 'S5';
  const title = `memory: RSS after ${tokens.length} vs ${SETTINGS.rssRequests} requests with ${tokens.length} distinct tokens`;
  console.error(`\n[${id}] ${title}`);
  const base = toolCall(gateway);
  const spec = (from, count) => ({
    ...base,
    count,
    concurrency: SETTINGS.concurrency,
    timeCapMs: 10 * 60 * 1000,
    request: (i) => ({
      ...base.request(),
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${tokens[(from + i) % tokens.length]}`,
      },
    }),
  });
  const atStart = await ask(gateway, 'memory');
  const first = await runRound(spec(0, tokens.length));
  const afterFirst = await ask(gateway, 'memory');
  console.error(`  ${tokens.length} requests: ${first.rps} req/s; RSS ${mib(afterFirst.rss)} MiB`);
  const rest = await runRound(spec(tokens.length, SETTINGS.rssRequests - tokens.length));
  const afterAll = await ask(gateway, 'memory');
  console.error(`  ${SETTINGS.rssRequests} requests: ${rest.rps} req/s; RSS ${mib(afterAll.rss)} MiB`);
  const memory = (m) => ({ rssMiB: mib(m.rss), heapUsedMiB: mib(m.heapUsed), externalMiB: mib(m.external) });
  return {
    id,
    title,
    durationS: r((performance.now() - started) / 1000, 1),
    distinctTokens: tokens.length,
    requests: SETTINGS.rssRequests,
    afterGc: afterAll.afterGc,
    atStart: memory(atStart),
    afterDistinct: memory(afterFirst),
    afterAll: memory(afterAll),
    rssRatio: r(afterAll.rss / afterFirst.rss),
  };
}

function mib(bytes) {
  return r(bytes / 1024 / 1024, 1);
}

// ---------------------------------------------------------------------------------------------- output

function printTable(header, lines) {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const format = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(format(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const line of lines) console.log(format(line));
}

const UNITS = { rps: 'req/s', p50Ms: 'p50 ms', p99Ms: 'p99 ms', cpuUsPerRequest: 'server CPU µs/req' };

function fmt(value) {
  return Math.abs(value) >= 100 ? String(Math.round(value)) : value.toFixed(2);
}

function printVariants(rows) {
  printTable(
    ['scenario', 'variant', 'req/s', 'p50 ms', 'p99 ms', 'server CPU µs/req', 'rounds'],
    rows.map((row) => [
      row.scenario,
      row.variant,
      fmt(row.rps),
      fmt(row.p50Ms),
      fmt(row.p99Ms),
      Number.isFinite(row.cpuUsPerRequest) ? fmt(row.cpuUsPerRequest) : '–',
      String(row.rounds),
    ]),
  );
}

function printComparisons(rows) {
  printTable(
    [
      'scenario',
      'variant vs baseline',
      'metric',
      'median',
      'spread min–max',
      'raw variant / baseline',
      'rounds',
    ],
    rows.map((row) => {
      const sign = (x) => (row.kind === 'diff' && x > 0 ? `+${fmt(x)}` : fmt(x));
      return [
        row.scenario,
        row.label,
        `${UNITS[row.metric]}${row.kind === 'diff' ? ' (diff)' : ''}`,
        row.kind === 'diff' ? `${sign(row.median)} ms` : `${row.median.toFixed(2)}×`,
        `${sign(row.min)}–${sign(row.max)}`,
        `${fmt(row.variantMedian)} / ${fmt(row.baselineMedian)}`,
        String(row.rounds),
      ];
    }),
  );
}

/** The issue-11 targets, read off the medians; a benchmark verdict, never a test. */
const TARGETS = [
  { scenario: 'S0', variant: 'gateway-rest', baseline: 'nest-express', metric: 'rps', atLeast: 0.85 },
  { scenario: 'S0', variant: 'gateway-rest', baseline: 'naive', metric: 'rps', atLeast: 2.0 },
  { scenario: 'S0', variant: 'gateway-mcp', baseline: 'gateway-rest', metric: 'rps', atLeast: 0.75 },
  { scenario: 'S3', variant: 'challenge', baseline: 'live', metric: 'rps', atLeast: 0.9 },
  { scenario: 'S4', variant: 'gateway-rest', baseline: 'nest-express', metric: 'p99Ms', atMost: 2 },
];

function evaluateTargets(summary, memory) {
  const verdicts = TARGETS.flatMap((target) => {
    const row = summary.find((s) =>
      ['scenario', 'variant', 'baseline', 'metric'].every((k) => s[k] === target[k]),
    );
    if (!row) return [];
    const met = target.atLeast !== undefined ? row.median >= target.atLeast : row.median <= target.atMost;
    const goal =
      target.atLeast !== undefined
        ? `≥ ${target.atLeast}×`
        : `≤ +${target.atMost} ms ${UNITS[target.metric]}`;
    return [{ ...target, goal, median: row.median, met }];
  });
  if (memory) {
    verdicts.push({
      scenario: 'S5',
      variant: `RSS after ${memory.requests}`,
      baseline: `after ${memory.distinctTokens}`,
      metric: 'rss',
      goal: '≤ 1.2×',
      median: memory.rssRatio,
      met: memory.rssRatio <= 1.2,
    });
  }
  return verdicts;
}

// ---------------------------------------------------------------------------------------------- main

async function main() {
  const runStarted = performance.now();
  const wanted = (id) => SETTINGS.scenarios.includes(id);
  const issuer = await new BenchIssuer().start();
  const token = issuer.token(AUDIENCE);
  const bearer = { authorization: `Bearer ${token}` };

  // Distinct tokens, each used once on a gateway, so its cache never answers: S1's miss row and S5's
  // memory check. They are signed before the servers start: signing blocks this process's event loop,
  // which also serves the issuer's discovery and JWKS.
  const missCount = wanted('S1') ? SETTINGS.requestsPerRound * (SETTINGS.measuredRounds + 1) : 0;
  const distinctCount = Math.max(missCount, wanted('S5') ? SETTINGS.rssTokens : 0);
  const signStarted = performance.now();
  const distinct = Array.from({ length: distinctCount }, (_, i) =>
    issuer.token(AUDIENCE, { jti: `bench-${i}` }),
  );
  if (distinctCount > 0) {
    console.error(
      `signed ${distinctCount} distinct tokens in ${Math.round(performance.now() - signStarted)} ms`,
    );
  }

  const backend = await startChild('echo backend', 'echo-child.js', {});
  const common = {
    issuer,
    backendOrigin: backend.origin,
    logLevel: SETTINGS.gatewayLogLevel,
    dist: SETTINGS.gatewayDist,
  };
  const needsBaselines = wanted('S0') || wanted('S4');
  const [cached, uncached, rssGateway, raw, nestExpress, naive, nestFastify, compared] = await Promise.all([
    wanted('S0') || wanted('S1') || wanted('S2') || wanted('S3') || wanted('S4')
      ? startGateway('gateway', { ...common, env: { TOKEN_CACHE_MAX: '10000' } })
      : undefined,
    wanted('S1')
      ? startGateway('gateway (cache off)', { ...common, env: { TOKEN_CACHE_MAX: '0' } })
      : undefined,
    wanted('S5')
      ? startGateway('gateway (memory)', {
          ...common,
          env: { TOKEN_CACHE_MAX: '10000' },
          execArgv: ['--expose-gc'],
        })
      : undefined,
    wanted('S0') ? startBaseline('raw', common) : undefined,
    needsBaselines ? startBaseline('nest-express', common) : undefined,
    wanted('S0') ? startBaseline('naive', common) : undefined,
    wanted('S0') ? startBaseline('nest-fastify', common) : undefined,
    (wanted('S0') || wanted('S3')) && SETTINGS.compareDist
      ? startGateway('gateway (compared build)', {
          ...common,
          env: { TOKEN_CACHE_MAX: '10000' },
          dist: SETTINGS.compareDist,
        })
      : undefined,
  ]);
  const started = [
    backend,
    cached,
    uncached,
    rssGateway,
    raw,
    nestExpress,
    naive,
    nestFastify,
    compared,
  ].filter(Boolean);
  console.error(started.map((s) => `${s.label} ${s.origin} (pid ${s.pid})`).join('; '));

  const scenarios = [];
  const ratio = (label, variant, baseline, metric = 'rps') => ({ label, variant, baseline, metric });

  if (wanted('S0')) {
    scenarios.push(
      await runScenario({
        id: 'S0',
        title: 'forwarded call POST /tools/echo: gateway REST and MCP tools/call vs the baselines',
        variants: {
          raw: toolCall(raw),
          'nest-express': toolCall(nestExpress),
          'nest-fastify': toolCall(nestFastify),
          naive: toolCall(naive, bearer),
          'gateway-rest': toolCall(cached, bearer),
          'gateway-mcp': mcpToolCall(cached, bearer),
          ...(compared
            ? { 'compare-rest': toolCall(compared, bearer), 'compare-mcp': mcpToolCall(compared, bearer) }
            : {}),
        },
        rows: [
          ratio('gateway REST vs raw node:http forwarder', 'gateway-rest', 'raw'),
          ratio('gateway REST vs bare Nest + Express', 'gateway-rest', 'nest-express'),
          ratio('gateway REST vs naive passport-jwt stack', 'gateway-rest', 'naive'),
          ratio('gateway MCP tools/call vs gateway REST', 'gateway-mcp', 'gateway-rest'),
          ratio('gateway REST vs bare Nest + Express', 'gateway-rest', 'nest-express', 'p99Ms'),
          ratio('bare Nest + Express vs raw', 'nest-express', 'raw'),
          ratio('bare Nest + Fastify vs bare Nest + Express', 'nest-fastify', 'nest-express'),
          ratio(
            'bare Nest + Fastify vs bare Nest + Express',
            'nest-fastify',
            'nest-express',
            'cpuUsPerRequest',
          ),
          ratio('gateway REST vs bare Nest + Express', 'gateway-rest', 'nest-express', 'cpuUsPerRequest'),
          // The gateway runs on Nest + Fastify: this is the ceiling of its own framework.
          ratio('gateway REST vs bare Nest + Fastify', 'gateway-rest', 'nest-fastify'),
          ratio('gateway REST vs bare Nest + Fastify', 'gateway-rest', 'nest-fastify', 'cpuUsPerRequest'),
          ratio('gateway REST vs naive passport-jwt stack', 'gateway-rest', 'naive', 'cpuUsPerRequest'),
          ratio('gateway MCP tools/call vs gateway REST', 'gateway-mcp', 'gateway-rest', 'cpuUsPerRequest'),
          ...(compared
            ? ['rps', 'cpuUsPerRequest'].flatMap((metric) => [
                ratio('gateway REST vs the compared build', 'gateway-rest', 'compare-rest', metric),
                ratio('gateway MCP vs the compared build', 'gateway-mcp', 'compare-mcp', metric),
              ])
            : []),
        ],
      }),
    );
  }

  if (wanted('S1')) {
    let distinctCursor = 0;
    const debugToken = (gateway, headers) => ({
      server: gateway,
      origin: gateway.origin,
      request: () => ({ method: 'GET', path: '/debug-token', headers }),
      expectStatus: 200,
      check: ({ text }) => (text.includes('auth0|bench-user') ? undefined : 'claims without the token sub'),
    });
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
              if (distinctCursor >= missCount) throw new Error('ran out of distinct tokens');
              return {
                method: 'GET',
                path: '/debug-token',
                headers: { authorization: `Bearer ${distinct[distinctCursor++]}` },
              };
            },
          },
        },
        rows: [
          ratio('cache hit (same token) vs cache off', 'hit', 'off'),
          ratio('cache miss (new token each call) vs cache off', 'miss', 'off'),
        ],
      }),
    );
  }

  if (wanted('S2')) {
    const direct = fastRoute(toolCall(backend));
    scenarios.push(
      await runScenario({
        id: 'S2',
        title:
          'forwarded call: POST /tools/echo through the gateway vs POST /tools/echo to the backend directly',
        variants: { gateway: toolCall(cached, bearer), direct },
        rows: ['rps', 'p50Ms', 'p99Ms'].map((metric) =>
          ratio('via gateway vs direct to backend', 'gateway', 'direct', metric),
        ),
      }),
    );
  }

  if (wanted('S3')) {
    scenarios.push(
      await runScenario({
        id: 'S3',
        title: 'unauthenticated 401 challenge (GET /debug-token, no token) vs GET /health/live',
        variants: {
          challenge: fastRoute(challenge(cached)),
          live: fastRoute(liveness(cached)),
          ...(compared ? { 'compare-challenge': fastRoute(challenge(compared)) } : {}),
        },
        rows: [
          ratio('401 challenge vs /health/live', 'challenge', 'live'),
          ratio('401 challenge vs /health/live', 'challenge', 'live', 'p50Ms'),
          ...(compared
            ? ['rps', 'cpuUsPerRequest'].map((metric) =>
                ratio('401 challenge vs the compared build', 'challenge', 'compare-challenge', metric),
              )
            : []),
        ],
      }),
    );
  }

  if (wanted('S4')) {
    const openLoop = (spec) => ({
      ...spec,
      rate: SETTINGS.openLoopRate,
      durationMs: SETTINGS.openLoopRoundMs,
      connections: OPEN_LOOP_CONNECTIONS,
    });
    scenarios.push(
      await runScenario({
        id: 'S4',
        title: `open loop at ${SETTINGS.openLoopRate} req/s: POST /tools/echo, gateway REST vs bare Nest + Express`,
        runner: runOpenLoop,
        rounds: SETTINGS.openLoopRounds,
        variants: {
          'gateway-rest': openLoop(toolCall(cached, bearer)),
          'nest-express': openLoop(toolCall(nestExpress)),
        },
        rows: ['p50Ms', 'p99Ms'].map((metric) => ({
          ...ratio(
            `gateway REST − bare Nest + Express at ${SETTINGS.openLoopRate} req/s`,
            'gateway-rest',
            'nest-express',
            metric,
          ),
          kind: 'diff',
        })),
      }),
    );
  }

  const memory = wanted('S5')
    ? await runMemoryScenario({ gateway: rssGateway, tokens: distinct.slice(0, SETTINGS.rssTokens) })
    : undefined;

  const perVariant = scenarios.flatMap((s) => s.perVariant);
  const summary = scenarios.flatMap((s) => s.summary);
  const targets = evaluateTargets(summary, memory);
  console.log(
    '\nconnector-gateway benchmark — baselines measured in the same run, interleaved (only ratios and differences are meaningful)',
  );
  console.log(
    `concurrency ${SETTINGS.concurrency}, ${SETTINGS.requestsPerRound} requests per round (cap ${SETTINGS.roundCapMs} ms), ` +
      `warm-up discarded, gateway LOG_LEVEL=${SETTINGS.gatewayLogLevel}\n`,
  );
  if (perVariant.length > 0) {
    console.log('Medians per variant:\n');
    printVariants(perVariant);
    console.log('\nComparisons (computed per round, then the median and spread of the rounds):\n');
    printComparisons(summary);
  }
  if (memory) {
    console.log(
      `\nMemory (S5): RSS ${memory.afterDistinct.rssMiB} MiB after ${memory.distinctTokens} requests with as many distinct tokens, ` +
        `${memory.afterAll.rssMiB} MiB after ${memory.requests} (×${memory.rssRatio}); heap used ${memory.afterDistinct.heapUsedMiB} → ${memory.afterAll.heapUsedMiB} MiB` +
        `${memory.afterGc ? ' (after a full GC)' : ''}`,
    );
  }
  if (targets.length > 0) {
    console.log('\nTargets (issue 11; a benchmark verdict on this run, not a test):\n');
    printTable(
      ['scenario', 'variant vs baseline', 'goal', 'median', 'verdict'],
      targets.map((t) => [
        t.scenario,
        `${t.variant} vs ${t.baseline}`,
        t.goal,
        t.metric === 'p99Ms' ? `${t.median > 0 ? '+' : ''}${fmt(t.median)} ms` : `${t.median.toFixed(2)}×`,
        t.met ? 'met' : 'MISSED',
      ]),
    );
  }

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
    perVariant,
    summary,
    targets,
    memory,
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
