'use strict';
// CPU profile of one server under load (`npm run bench:profile -- [target]`, see docs/benchmarks.md).
// The target runs with `node --cpu-prof`; after a warm-up, the load generator sends a fixed number of
// requests, and only the samples taken between the two marks (asked of the child over IPC, in the
// profile's own clock) are summarised: top frames by self and inclusive time, self time per package.
// The profile itself is kept in bench/results/ for Chrome DevTools or speedscope.

const { mkdirSync, mkdtempSync, readdirSync, renameSync, writeFileSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { summarize, load, printSummary } = require('./cpu-profile');
const { BenchIssuer } = require('./issuer');
const { runRound, closePools } = require('./load');
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
  stopChild,
  stopChildren,
  toolCall,
} = require('./stack');

const TARGETS = ['rest', 'mcp', 'challenge', 'live', 'nest-express', 'nest-fastify', 'naive', 'raw'];

async function main() {
  const target = process.argv[2] ?? 'rest';
  if (!TARGETS.includes(target))
    throw new Error(`target must be one of ${TARGETS.join(', ')} (got "${target}")`);
  const requests = intSetting('BENCH_PROFILE_REQUESTS', 20000, 1000, 200000);
  const concurrency = intSetting('BENCH_CONCURRENCY', 32, 1, 128);
  const top = intSetting('BENCH_PROFILE_TOP', 25, 5, 200);
  const logLevel = logLevelSetting();

  const issuer = await new BenchIssuer().start();
  const bearer = { authorization: `Bearer ${issuer.token(AUDIENCE)}` };
  const backend = await startChild('echo backend', 'echo-child.js', {});
  const profileDir = mkdtempSync(path.join(os.tmpdir(), 'gateway-cpu-prof-'));
  const execArgv = ['--cpu-prof', `--cpu-prof-dir=${profileDir}`];
  const common = { issuer, backendOrigin: backend.origin, logLevel, execArgv };
  const gatewayTarget = ['rest', 'mcp', 'challenge', 'live'].includes(target);
  const server = gatewayTarget
    ? await startGateway('gateway', {
        ...common,
        env: { TOKEN_CACHE_MAX: '10000' },
        dist: distSetting('BENCH_GATEWAY_DIST'),
      })
    : await startBaseline(target, common);
  const spec = {
    rest: () => toolCall(server, bearer),
    mcp: () => mcpToolCall(server, bearer),
    challenge: () => challenge(server),
    live: () => liveness(server),
    'nest-express': () => toolCall(server),
    'nest-fastify': () => toolCall(server),
    naive: () => toolCall(server, bearer),
    raw: () => toolCall(server),
  }[target]();

  console.error(
    `profiling ${target} (${server.label}, pid ${server.pid}): warm-up, then ${requests} requests`,
  );
  await runRound({ ...spec, count: Math.min(2000, requests), concurrency, timeCapMs: 60000 });
  const from = await ask(server, 'mark');
  const cpuBefore = await ask(server, 'cpu');
  const result = await runRound({ ...spec, count: requests, concurrency, timeCapMs: 10 * 60 * 1000 });
  const cpuAfter = await ask(server, 'cpu');
  const to = await ask(server, 'mark');
  await closePools();
  await stopChild(server);

  const written = readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile'));
  if (written.length !== 1) throw new Error(`expected one profile in ${profileDir}, found ${written.length}`);
  const resultsDir = path.join(__dirname, 'results');
  mkdirSync(resultsDir, { recursive: true });
  const profileFile = path.join(resultsDir, `profile-${target}.cpuprofile`);
  renameSync(path.join(profileDir, written[0]), profileFile);

  const summary = summarize(load(profileFile), { fromUs: from.us, toUs: to.us, top });
  const cpuUsPerRequest = Math.round(((cpuAfter.us - cpuBefore.us) / result.requests) * 10) / 10;
  console.log(
    `\n${target}: ${result.requests} requests, ${result.rps} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, ` +
      `server CPU ${cpuUsPerRequest} µs/request (with the profiler on; compare profiles, not these figures)`,
  );
  printSummary(summary);
  const summaryFile = path.join(resultsDir, `profile-${target}.json`);
  writeFileSync(
    summaryFile,
    `${JSON.stringify({ date: new Date().toISOString(), target, logLevel, load: result, cpuUsPerRequest, ...summary }, null, 2)}\n`,
  );
  console.log(
    `profile: ${path.relative(process.cwd(), profileFile)}; summary: ${path.relative(process.cwd(), summaryFile)}`,
  );

  stopChildren();
  await issuer.stop();
}

process.on('exit', stopChildren);
main().catch(async (error) => {
  console.error(`\nPROFILE ABORTED: ${error.message}`);
  stopChildren();
  await closePools().catch(() => undefined);
  process.exit(1);
});
