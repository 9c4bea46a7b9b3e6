import { ChildProcess, spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/** The built gateway, as `npm run start:prod` and the image run it. */
export const MAIN = path.resolve(__dirname, '../../dist/main.js');

/** A local-mode command, as `npm run <name>` runs it: `dist/local/<file>`. */
export function localCommand(file: string, args: string[] = []): string[] {
  return [path.resolve(__dirname, '../../dist/local', file), ...args];
}

export interface GatewayProcess {
  child: ChildProcess;
  /** stdout and stderr, interleaved as they arrived. */
  output: () => string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

export interface GatewayProcessOptions {
  /** Default: a directory without a .env, so a developer's .env in the checkout changes nothing. */
  cwd?: string;
  /** The program's arguments; default the built main.js. */
  args?: string[];
  /** The node executable; default this process's. */
  node?: string;
  uid?: number;
  gid?: number;
}

/** Runs the gateway in its own process with exactly `env` (plus PATH). */
export function runGateway(env: Record<string, string>, options: GatewayProcessOptions = {}): GatewayProcess {
  const streams = { output: '', stdout: '', stderr: '' };
  const child = spawn(options.node ?? process.execPath, options.args ?? [MAIN], {
    cwd: options.cwd ?? tmpdir(),
    // METRICS_PORT=0: a free admin port, so concurrent runs never fight over 9464.
    env: { PATH: process.env.PATH ?? '', METRICS_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    uid: options.uid,
    gid: options.gid,
  });
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream]!.on('data', (chunk: Buffer) => {
      streams[stream] += chunk.toString();
      streams.output += chunk.toString();
    });
  }
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    output: () => streams.output,
    stdout: () => streams.stdout,
    stderr: () => streams.stderr,
    exited,
  };
}

/**
 * Polls until `predicate` holds. The bound only stops a test that would hang: it is far above any start-up
 * time, even on a loaded machine, and below Jest's global testTimeout (120 s).
 */
export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  what: string,
  limitMs = 100_000,
): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    if (
      await Promise.resolve()
        .then(predicate)
        .catch(() => false)
    )
      return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`gave up waiting for ${what}`);
}
