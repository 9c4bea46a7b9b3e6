// npm test: the whole suite on this machine's Node and, side by side, on the Node 22 release the image runs
// (npm run test:node22: the pinned `node` package from the npm registry, fetched by npx). Arguments go to jest in both
// runs. The command fails when either run fails, does not complete (Node 22 could not be obtained) or ran on another
// Node than it names.
const { spawn } = require('node:child_process');
const { closeSync, mkdtempSync, openSync, readFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '../..');

/** The runs npm test makes: `node` is the version each must report, `command` what starts it. */
function plannedRuns(scripts, jestArgs, npm) {
  const runs = [
    {
      label: `Node ${process.version} (this machine's)`,
      node: process.version,
      shown: `jest --runInBand ${jestArgs.join(' ')}`,
      unfinished: 'jest did not start or crashed',
      command: [
        process.execPath,
        path.join(ROOT, 'node_modules/jest/bin/jest.js'),
        '--runInBand',
        ...jestArgs,
      ],
    },
  ];
  const pinned = /\bnode@((\d+)\.\d+\.\d+)\b/.exec(scripts['test:node22'] ?? '');
  if (!pinned)
    runs.push({
      label: 'Node 22 (npm run test:node22)',
      problem: 'package.json has no test:node22 naming node@22.x.y',
    });
  else if (pinned[2] !== process.versions.node.split('.')[0])
    runs.push({
      label: `Node v${pinned[1]} (npm run test:node22)`,
      node: `v${pinned[1]}`,
      shown: `npm run test:node22 -- ${jestArgs.join(' ')}`,
      unfinished: `${pinned[0]} could not be obtained from the npm registry (npx), or jest did not start`,
      command: [...npm, 'run', 'test:node22', '--', ...jestArgs],
    });
  return runs;
}

/**
 * Starts the runs side by side and waits for all: they share nothing but dist/ (each suite takes free ports, its own
 * Redis key prefix and temporary directories), and much of a run is spent waiting on child processes and timers.
 * The first run's output streams; the others' is printed when they end. Each run's summary reporter writes
 * TEST_SUMMARY_FILE. Prints every run's result and their sum; returns the exit code.
 */
async function runAll(runs, write) {
  const dir = mkdtempSync(path.join(tmpdir(), 'test-runs-'));
  const children = [];
  const stop = (signal) => {
    for (const child of children) child.kill(signal);
    process.exit(1);
  };
  process.once('SIGTERM', stop).once('SIGINT', stop);
  const ended = runs.map(async (run, index) => {
    if (run.problem) return;
    const summaryFile = path.join(dir, `${index}.json`);
    const logFile = index === 0 ? undefined : path.join(dir, `${index}.log`);
    write(
      `\n=== ${run.label}: ${run.shown.trim()}${logFile ? ' (its output follows when it ends)' : ''}\n\n`,
    );
    const log = logFile && openSync(logFile, 'w');
    const child = spawn(run.command[0], run.command.slice(1), {
      cwd: ROOT,
      stdio: log ? ['ignore', log, log] : ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, TEST_SUMMARY_FILE: summaryFile },
    });
    children.push(child);
    const exit = await new Promise((resolve) => {
      child.on('error', (error) => resolve(error.message));
      child.on('exit', (code, signal) =>
        resolve(signal ? `signal ${signal}` : code === 0 ? 0 : `exit code ${code}`),
      );
    });
    if (log) closeSync(log);
    return { exit, logFile, summaryFile };
  });
  const results = await Promise.all(ended);
  process.off('SIGTERM', stop).off('SIGINT', stop);

  for (const [index, run] of runs.entries()) {
    if (run.problem) continue;
    const { exit, logFile, summaryFile } = results[index];
    if (logFile) write(`\n=== ${run.label}: output\n\n${readFileSync(logFile, 'utf8')}`);
    try {
      run.summary = JSON.parse(readFileSync(summaryFile, 'utf8'));
    } catch {
      run.problem = `did not complete (${exit === 0 ? 'exit code 0' : exit}): ${run.unfinished}; see its output above`;
      continue;
    }
    if (run.summary.node !== run.node) run.problem = `ran on ${run.summary.node}, not ${run.node}`;
    else if (exit !== 0 && run.summary.failed === 0) run.problem = `jest ended with ${exit}`;
    else if (exit !== 0 || run.summary.failed > 0) run.failed = true;
  }
  rmSync(dir, { recursive: true, force: true });

  const total = { passed: 0, failed: 0, skipped: 0 };
  write('\n');
  for (const run of runs) {
    const { passed = 0, failed = 0, skipped = 0 } = run.summary ?? {};
    total.passed += passed;
    total.failed += failed + (run.problem ? 1 : 0);
    total.skipped += skipped;
    const counts = run.summary ? `${passed} passed, ${failed} failed, ${skipped} skipped` : 'no result';
    write(`${run.label}: ${counts}${run.problem ? ` *** ${run.problem}` : ''}\n`);
  }
  // The closing line CI reads, over both runs (a run that could not run or report counts as one failure).
  write(`\n${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped\n`);
  return runs.some((run) => run.problem || run.failed) ? 1 : 0;
}

if (require.main === module) {
  const { scripts } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['npm'];
  const runs = plannedRuns(scripts, process.argv.slice(2), npm);
  if (runs.length === 1)
    process.stdout.write(`This machine's Node is ${process.version}: its run covers Node 22.\n`);
  runAll(runs, (text) => process.stdout.write(text)).then((code) => (process.exitCode = code));
}

module.exports = { plannedRuns, runAll };
