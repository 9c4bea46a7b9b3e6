import { ConsoleLogger, DynamicModule, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { json, text } from 'express';

import { AppModule } from './app.module';
import { requestIdMiddleware } from './common/request-context';
import { safeBodyParser } from './common/safe-body-parser';
import { LOG_LEVELS, LogLevelName } from './config/app.config';
import { RawEnv } from './config/env.util';
import { GatewayConfig, loadGatewayConfig } from './config/gateway-config';

/** Routes whose bodies arrive as raw text (see the Dcr module's webhook). */
export const LOG_WEBHOOK_PATHS = ['/auth0-log-webhook', '/auth0/logs'];

export interface GatewayOptions {
  /** The variables to build from (validated here, before Nest starts); or an already loaded configuration. */
  env?: RawEnv;
  config?: GatewayConfig;
  /** Modules added to the application (local mode's development peers). */
  modules?: DynamicModule[];
  /** Structured JSON logs (default) or Nest's coloured text. */
  json?: boolean;
}

/**
 * Builds the fully configured Nest application without listening; main.ts and the e2e tests share it.
 * A configuration error is thrown (ConfigValidationError, every problem listed) before Nest starts.
 */
export async function createGateway(options: GatewayOptions): Promise<NestExpressApplication> {
  const gatewayConfig = options.config ?? loadGatewayConfig(options.env ?? {});
  const config = gatewayConfig.app;
  const logger = new ConsoleLogger({
    json: options.json ?? true,
    logLevels: levelsFrom(config.logLevel),
  });
  gatewayConfig.warnings.forEach((warning) => logger.warn(warning, 'Config'));
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.register(gatewayConfig, options.modules),
    {
      bodyParser: false,
      logger,
      abortOnError: false,
    },
  );

  app.disable('x-powered-by');
  // X-Forwarded-* are only believed when the operator says a proxy sets them.
  app.set('trust proxy', config.trustProxy);
  app.use(requestIdMiddleware);
  // Auth0 log streams send a JSON array, JSON lines or one object, whatever the content type: the
  // webhook gets the raw text (bounded like every body) and parses it itself.
  app.use(LOG_WEBHOOK_PATHS, safeBodyParser(text({ type: () => true, limit: config.maxBodyBytes })));
  app.use(
    safeBodyParser(json({ limit: config.maxBodyBytes, type: ['application/json', 'application/*+json'] })),
  );
  app.use(safeBodyParser(text({ limit: config.maxBodyBytes, type: ['application/x-ndjson', 'text/plain'] })));
  if (config.appOrigins.length > 0) {
    app.enableCors({
      origin: config.appOrigins.includes('*') ? '*' : config.appOrigins,
      allowedHeaders: [
        'authorization',
        'content-type',
        'mcp-protocol-version',
        'mcp-session-id',
        'last-event-id',
        'x-request-id',
      ],
      exposedHeaders: ['www-authenticate', 'mcp-session-id', 'x-request-id'],
    });
  }
  await app.init();
  return app;
}

function levelsFrom(level: LogLevelName): LogLevel[] {
  return LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(level) + 1) as LogLevel[];
}
