import { ConsoleLogger, LogLevel } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { json, text } from 'express';

import { AppModule } from './app.module';
import { requestIdMiddleware } from './common/request-context';
import { safeBodyParser } from './common/safe-body-parser';
import { appConfig, LOG_LEVELS, LogLevelName } from './config/app.config';

/** Routes whose bodies arrive as raw text (see the Dcr module's webhook). */
export const LOG_WEBHOOK_PATHS = ['/auth0-log-webhook', '/auth0/logs'];

export interface GatewayOptions {
  /** Structured JSON logs (default) or Nest's coloured text. */
  json?: boolean;
  logLevel?: LogLevelName;
}

/** Builds the fully configured Nest application without listening; main.ts and the e2e tests share it. */
export async function createGateway(options: GatewayOptions = {}): Promise<NestExpressApplication> {
  const logger = new ConsoleLogger({
    json: options.json ?? true,
    logLevels: levelsFrom(options.logLevel ?? 'log'),
  });
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(), {
    bodyParser: false,
    logger,
    abortOnError: false,
  });
  const config = app.get<ConfigType<typeof appConfig>>(appConfig.KEY);
  logger.setLogLevels(levelsFrom(config.logLevel));

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
      origin: config.appOrigins,
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
