import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { eventually } from './auth0-management-stub';
import { freePort } from './gateway-harness';
import { sample, scrape } from './prometheus';

const MAIN = path.resolve(__dirname, '../../dist/main.js');

/** One gateway replica: `node dist/main.js` in its own process, as a Deployment runs it. */
export interface Replica {
  index: number;
  url: string;
  adminUrl: string;
  /** Everything it wrote (JSON log lines). */
  output(): string;
  alive(): boolean;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface ReplicaSet {
  replicas: Replica[];
  stop(): Promise<void>;
}

/**
 * Starts `count` replicas with the same environment (plus their own PORT, PUBLIC_URL and METRICS_PORT),
 * each in an empty working directory (no developer .env). Needs the built tree (npm test builds first).
 */
export async function startReplicas(count: number, env: Record<string, string>): Promise<ReplicaSet> {
  const cwd = mkdtempSync(path.join(tmpdir(), 'gateway-replicas-'));
  const replicas = await Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const [port, metricsPort] = [await freePort(), await freePort()];
      const child = spawn(process.execPath, [MAIN], {
        cwd,
        env: {
          PATH: process.env.PATH,
          NODE_ENV: 'test',
          LOG_LEVEL: 'log',
          PORT: String(port),
          PUBLIC_URL: `http://127.0.0.1:${port}`,
          METRICS_PORT: String(metricsPort),
          SHUTDOWN_GRACE_MS: '0',
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      return replica(index, child, port, metricsPort);
    }),
  );
  try {
    await Promise.all(
      replicas.map((r) =>
        eventually(
          `replica ${r.index} to serve`,
          async () => {
            if (!r.alive()) throw new Error(`replica ${r.index} exited:\n${r.output()}`);
            return (await fetch(`${r.url}/health/live`).catch(() => undefined))?.ok;
          },
          90_000,
        ),
      ),
    );
  } catch (error) {
    await Promise.all(replicas.map((r) => r.kill('SIGKILL')));
    throw error;
  }
  return {
    replicas,
    stop: async () => {
      await Promise.all(replicas.map((r) => r.kill()));
      rmSync(cwd, { recursive: true, force: true });
    },
  };
}

function replica(index: number, child: ChildProcess, port: number, metricsPort: number): Replica {
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    index,
    url: `http://127.0.0.1:${port}`,
    adminUrl: `http://127.0.0.1:${metricsPort}`,
    output: () => output,
    alive: () => child.exitCode === null && child.signalCode === null,
    kill: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** The value of one series in a replica's /metrics (0 when absent). */
export async function metricOf(replica: Replica, series: string): Promise<number> {
  return sample(await scrape(replica.adminUrl), series);
}
