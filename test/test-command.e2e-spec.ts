import { readFileSync } from 'node:fs';
import * as path from 'node:path';

interface Run {
  label: string;
  node?: string;
  shown?: string;
  unfinished?: string;
  command?: string[];
  problem?: string;
}
interface Reported {
  node: string;
  passed: number;
  failed: number;
  skipped: number;
}

// Plain CommonJS, run by node before any build: required, not imported, so the type checker leaves it alone.
const { plannedRuns, runAll } = require('./support/run-suites') as {
  plannedRuns: (scripts: Record<string, string>, jestArgs: string[], npm: string[]) => Run[];
  runAll: (runs: Run[], write: (text: string) => void) => Promise<number>;
};

const { scripts } = JSON.parse(readFileSync(path.resolve(__dirname, '../package.json'), 'utf8')) as {
  scripts: Record<string, string>;
};

/** A stand-in for one jest run: its summary reporter's file (or none), then its exit code. */
function fakeRun(label: string, node: string, reported: Reported | undefined, exitCode: number): Run {
  const report = reported
    ? `require('node:fs').writeFileSync(process.env.TEST_SUMMARY_FILE, ${JSON.stringify(JSON.stringify(reported))});`
    : '';
  return {
    label,
    node,
    shown: label,
    unfinished: 'node@22.23.3 could not be obtained from the npm registry (npx), or jest did not start',
    command: [
      process.execPath,
      '-e',
      `${report} ${label === 'Node 22' ? `console.log('output of ${label}');` : ''} process.exit(${exitCode})`,
    ],
  };
}

async function run(runs: Run[]): Promise<{ exitCode: number; output: string }> {
  let output = '';
  const exitCode = await runAll(runs, (text) => (output += text));
  return { exitCode, output };
}

const here = { node: process.version, passed: 5, failed: 0, skipped: 1 };
const node22 = { node: 'v22.23.3', passed: 6, failed: 0, skipped: 0 };

describe('npm test: the suite on this Node and on the pinned Node 22 (test/support/run-suites.js)', () => {
  it('runs jest on this Node and npm run test:node22 (node@22.x.y from the npm registry), with the same arguments', () => {
    expect(scripts.test).toBe('node test/support/run-suites.js');
    expect(scripts['test:node22']).toMatch(
      /^npx -y node@22\.\d+\.\d+ node_modules\/jest\/bin\/jest\.js --runInBand$/,
    );
    const runs = plannedRuns(scripts, ['test/x.e2e-spec.ts'], ['npm']);
    expect(runs[0]).toMatchObject({ node: process.version });
    expect(runs[0].command!.slice(1)).toEqual([
      path.resolve(__dirname, '../node_modules/jest/bin/jest.js'),
      '--runInBand',
      'test/x.e2e-spec.ts',
    ]);
    if (process.versions.node.startsWith('22.')) expect(runs).toHaveLength(1);
    else
      expect(runs[1]).toMatchObject({
        node: `v${/node@(\S+)/.exec(scripts['test:node22'])![1]}`,
        command: ['npm', 'run', 'test:node22', '--', 'test/x.e2e-spec.ts'],
      });
  });

  it("passes when both runs pass, printing the second run's output, each run's counts and their sum as the closing line", async () => {
    const { exitCode, output } = await run([
      fakeRun('Node here', process.version, here, 0),
      fakeRun('Node 22', 'v22.23.3', node22, 0),
    ]);
    expect(exitCode).toBe(0);
    expect(output).toContain('=== Node 22: output\n\noutput of Node 22\n');
    expect(output).toContain(
      `Node here: 5 passed, 0 failed, 1 skipped\nNode 22: 6 passed, 0 failed, 0 skipped\n`,
    );
    expect(output.endsWith('\n11 passed, 0 failed, 1 skipped\n')).toBe(true);
  });

  it('fails loudly when the Node 22 run never reports (Node 22 could not be obtained)', async () => {
    const { exitCode, output } = await run([
      fakeRun('Node here', process.version, here, 0),
      fakeRun('Node 22', 'v22.23.3', undefined, 1),
    ]);
    expect(exitCode).toBe(1);
    expect(output).toContain(
      'Node 22: no result *** did not complete (exit code 1): node@22.23.3 could not be obtained from the npm registry',
    );
    expect(output.endsWith('\n5 passed, 1 failed, 1 skipped\n')).toBe(true);
  });

  it('fails when a run reports another Node than it names (npx running the machine’s node instead)', async () => {
    const { exitCode, output } = await run([
      fakeRun('Node here', process.version, here, 0),
      fakeRun('Node 22', 'v22.23.3', { ...node22, node: 'v20.20.2' }, 0),
    ]);
    expect(exitCode).toBe(1);
    expect(output).toContain('Node 22: 6 passed, 0 failed, 0 skipped *** ran on v20.20.2, not v22.23.3');
    expect(output.endsWith('\n11 passed, 1 failed, 1 skipped\n')).toBe(true);
  });

  it('fails when either run has a failing test, and still runs the other', async () => {
    const { exitCode, output } = await run([
      fakeRun('Node here', process.version, { ...here, failed: 2 }, 1),
      fakeRun('Node 22', 'v22.23.3', node22, 0),
    ]);
    expect(exitCode).toBe(1);
    expect(output).toContain('Node 22: 6 passed, 0 failed, 0 skipped');
    expect(output.endsWith('\n11 passed, 2 failed, 1 skipped\n')).toBe(true);
  });

  it('fails when jest exits non-zero without a failed test (a suite that could not run, an open handle)', async () => {
    const { exitCode, output } = await run([fakeRun('Node here', process.version, here, 1)]);
    expect(exitCode).toBe(1);
    expect(output).toContain('Node here: 5 passed, 0 failed, 1 skipped *** jest ended with exit code 1');
  });

  it('fails when package.json no longer pins a Node 22 for test:node22', async () => {
    const runs = plannedRuns({ ...scripts, 'test:node22': 'jest --runInBand' }, [], ['npm']);
    expect(runs[1]).toEqual({
      label: 'Node 22 (npm run test:node22)',
      problem: 'package.json has no test:node22 naming node@22.x.y',
    });
    const { exitCode, output } = await run([fakeRun('Node here', process.version, here, 0), runs[1]]);
    expect(exitCode).toBe(1);
    expect(output).toContain('Node 22 (npm run test:node22): no result *** package.json has no test:node22');
  });
});
