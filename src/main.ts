import 'reflect-metadata';

import { Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import { appConfig } from './config/app.config';
import { loadEnvFile } from './config/env-file';
import { localModeRequested } from './config/local-mode';
import type { ShutdownState } from './health/shutdown.state';

async function main(): Promise<void> {
  const logger = new Logger('Gateway');
  loadEnvFile();
  // The development issuer is only ever imported here, and only outside production.
  const local = localModeRequested()
    ? await (await import('./local/local-mode')).startLocalMode()
    : undefined;
  // Imported only now: modules read the environment when they load, after local mode has filled it.
  const { createGateway } = await import('./gateway');
  const { ShutdownState: ShutdownStateToken } = await import('./health/shutdown.state');
  // Local mode is for people at a terminal: readable text logs; deployments get JSON lines.
  const app = await createGateway({ json: !local });
  const config = app.get<ConfigType<typeof appConfig>>(appConfig.KEY);
  await (local ? app.listen(config.port, '127.0.0.1') : app.listen(config.port));
  logger.log(`connector-gateway listening on port ${config.port}; public URL ${config.publicUrl}`);
  local?.announce();

  const shutdown: ShutdownState = app.get(ShutdownStateToken);
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: readiness down, draining for ${config.shutdownGraceMs} ms`);
    shutdown.beginDraining();
    await new Promise((resolve) => setTimeout(resolve, local ? 0 : config.shutdownGraceMs));
    // app.close() stops accepting connections and waits for in-flight requests to finish.
    const forced = setTimeout(() => process.exit(1), 30_000).unref();
    await app.close();
    await local?.stop();
    clearTimeout(forced);
    logger.log('Stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  // Configuration errors list every problem; other errors print their message, never a stack.
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`connector-gateway failed to start:\n${message}\n`);
  process.exit(1);
});
