import 'reflect-metadata';
// First: the OpenTelemetry SDK must be running before http loads (it patches it).
import { tracing } from './observability/tracing.preload';

import { networkInterfaces } from 'node:os';

import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

import { routeOutboundCallsThroughProxy } from './common/outbound-proxy';
import { explainPortInUse } from './common/port-in-use';
import { readEnvironment } from './config/env-file';
import { loadGatewayConfig } from './config/gateway-config';
import { localModeRequested, localModeSettings, withDefaults } from './config/local.config';
import { createGateway } from './gateway';
import { HttpDrain, ShutdownPlan, shutdownPlan } from './health/graceful-shutdown';
import { ShutdownState } from './health/shutdown.state';
import { prepareLocalMode } from './local/local-mode.module';
import { AdminServer } from './observability/admin-server';
import { ToolCatalog } from './tools/tool-catalog';

async function main(): Promise<void> {
  const logger = new Logger('Gateway');
  const env = readEnvironment();
  // The development issuer only ever starts here, outside production, when no issuer is configured.
  const local = localModeRequested(env) ? prepareLocalMode(localModeSettings(env)) : undefined;
  const config = loadGatewayConfig(local ? withDefaults(env, local.variables) : env);
  routeOutboundCallsThroughProxy(config.app.proxy);
  // Local mode is for people at a terminal: readable text logs; deployments get JSON lines.
  const app = await createGateway({ config, json: !local, modules: local ? [local.module] : [] });
  const drain = new HttpDrain(app.getHttpServer());
  const { port } = config.app;
  const host = local ? '127.0.0.1' : everyInterface();
  await explainPortInUse('PORT', port, () => app.listen(port, host));
  logger.log(`connector-gateway listening on port ${port}; public URL ${config.app.publicUrl}`);
  // The API keeps serving when the admin port cannot be bound (taken, not permitted): metrics are lost, not calls.
  await app
    .get(AdminServer)
    .listen()
    .catch((error: NodeJS.ErrnoException) =>
      logger.error(
        `Admin server not started on ${config.app.metricsHost}:${config.app.metricsPort} (${error.code ?? error.message}): /metrics is not served; set METRICS_PORT`,
      ),
    );
  local?.announce();

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    const toolTimeouts = app
      .get(ToolCatalog)
      .list()
      .flatMap((tool) => (tool.timeoutMs === undefined ? [] : [tool.timeoutMs]));
    const plan = shutdownPlan(config, toolTimeouts);
    void shutDown(app, drain, plan, signal, logger).then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error(`Shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

/**
 * Readiness down; serve for the grace period with `Connection: close` on every answer (the load balancer
 * takes the pod out meanwhile); stop accepting; let every in-flight request finish with the backend pools
 * open; only then close the modules. The process is ended anyway once the longest call could have ended.
 */
async function shutDown(
  app: NestFastifyApplication,
  drain: HttpDrain,
  plan: ShutdownPlan,
  signal: string,
  logger: Logger,
): Promise<void> {
  setTimeout(() => {
    logger.error(
      `${drain.inFlightCount} request(s) still running ${plan.drainMs} ms after the grace period; exiting`,
    );
    process.exit(1);
  }, plan.graceMs + plan.drainMs).unref();

  logger.log(`${signal}: readiness down; serving ${plan.graceMs} ms more with Connection: close`);
  app.get(ShutdownState).beginDraining();
  drain.closeConnectionsAfterEachAnswer();
  await new Promise((resolve) => setTimeout(resolve, plan.graceMs));

  logger.log(`Stopped accepting; ${drain.inFlightCount} request(s) in flight (at most ${plan.drainMs} ms)`);
  await drain.stop();
  await app.close();
  await tracing?.shutdown();
  logger.log('Stopped');
}

/**
 * Every interface, where Node listens when given no host (and Express did); Fastify's default, localhost
 * alone, is out of reach of load balancers and probes. '::' takes IPv4 too; a host without IPv6 gets 0.0.0.0.
 */
function everyInterface(): string {
  const addresses = Object.values(networkInterfaces()).flat();
  return addresses.some((address) => address?.family === 'IPv6') ? '::' : '0.0.0.0';
}

main().catch((error: unknown) => {
  // Configuration errors list every problem; other errors print their message, never a stack.
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`connector-gateway failed to start:\n${message}\n`);
  process.exit(1);
});
