import 'reflect-metadata';
// First: the OpenTelemetry SDK must be running before http and express load (it patches them).
import { tracing } from './observability/tracing.preload';

import { Logger } from '@nestjs/common';

import { explainPortInUse } from './common/port-in-use';
import { appConfig, AppConfig } from './config/app.config';
import { readEnvironment } from './config/env-file';
import { localModeRequested, localModeSettings, withDefaults } from './config/local.config';
import { createGateway } from './gateway';
import { ShutdownState } from './health/shutdown.state';
import { prepareLocalMode } from './local/local-mode';
import { AdminServer } from './observability/admin-server';

async function main(): Promise<void> {
  const logger = new Logger('Gateway');
  const env = readEnvironment();
  // The development issuer only ever starts here, outside production, when no issuer is configured.
  const local = localModeRequested(env) ? prepareLocalMode(localModeSettings(env)) : undefined;
  // Local mode is for people at a terminal: readable text logs; deployments get JSON lines.
  const app = await createGateway({
    env: local ? withDefaults(env, local.variables) : env,
    json: !local,
    modules: local ? [local.module] : [],
  });
  const config = app.get<AppConfig>(appConfig.KEY);
  await explainPortInUse('PORT', config.port, () =>
    local ? app.listen(config.port, '127.0.0.1') : app.listen(config.port),
  );
  logger.log(`connector-gateway listening on port ${config.port}; public URL ${config.publicUrl}`);
  // The API keeps serving when the admin port cannot be bound (taken, not permitted): metrics are lost, not calls.
  await app
    .get(AdminServer)
    .listen()
    .catch((error: NodeJS.ErrnoException) =>
      logger.error(
        `Admin server not started on ${config.metricsHost}:${config.metricsPort} (${error.code ?? error.message}): /metrics is not served; set METRICS_PORT`,
      ),
    );
  local?.announce();

  const shutdown = app.get(ShutdownState);
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: readiness down, draining for ${config.shutdownGraceMs} ms`);
    shutdown.beginDraining();
    await new Promise((resolve) => setTimeout(resolve, config.shutdownGraceMs));
    // app.close() stops accepting connections and waits for in-flight requests to finish.
    const forced = setTimeout(() => process.exit(1), 30_000).unref();
    await app.close();
    await tracing?.shutdown();
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
