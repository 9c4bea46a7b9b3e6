import { createServer } from 'node:net';

import type { DynamicModule } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

import { createGateway } from '../../src/gateway';
import { ShutdownState } from '../../src/health/shutdown.state';
import { AdminServer } from '../../src/observability/admin-server';

export interface TestGateway {
  app: NestFastifyApplication;
  url: string;
  port: number;
  /** The admin server (/metrics, /health/auth0 detail) on its own loopback port, as main.ts serves it. */
  adminUrl: string;
  /** Starts draining as SIGTERM would (readiness turns down). */
  drain(): void;
  stop(): Promise<void>;
}

/** A free loopback port, so PUBLIC_URL (and the audience derived from it) is known before the gateway starts. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * Starts a real gateway on 127.0.0.1 with exactly `env` as its configuration: nothing is read from
 * process.env, so gateways with different configurations can run side by side in one test process.
 */
export async function startGateway(
  env: Record<string, string>,
  port?: number,
  options: { jsonLogs?: boolean; modules?: DynamicModule[] } = {},
): Promise<TestGateway> {
  const listenPort = port ?? Number(env.PORT ?? (await freePort()));
  const app = await createGateway({
    env: { NODE_ENV: 'test', LOG_LEVEL: 'warn', PORT: String(listenPort), ...env },
    json: options.jsonLogs ?? false,
    modules: options.modules,
  });
  await app.listen(listenPort, '127.0.0.1');
  const adminPort = await app.get(AdminServer).listen(0, '127.0.0.1');
  return {
    app,
    port: listenPort,
    url: `http://127.0.0.1:${listenPort}`,
    adminUrl: `http://127.0.0.1:${adminPort}`,
    drain: () => app.get(ShutdownState).beginDraining(),
    stop: async () => {
      await app.close();
    },
  };
}
