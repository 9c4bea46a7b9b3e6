import { ConsoleLogger, DynamicModule, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';

import { AppModule } from './app.module';
import { AccessLogMiddleware } from './common/access-log.middleware';
import { requestIdMiddleware } from './common/request-context';
import { CORS_ALLOWED_HEADERS, CORS_EXPOSED_HEADERS, LOG_WEBHOOK_PATHS } from './common/routes';
import { bodyParsers } from './common/safe-body-parser';
import { LOG_LEVELS, LogLevelName } from './config/app.config';
import { RawEnv } from './config/env.util';
import { GatewayConfig, loadGatewayConfig } from './config/gateway-config';
import { GatewayMetrics } from './observability/gateway-metrics';

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
  const jsonLogs = options.json ?? true;
  const logger = new GatewayLogger({
    json: jsonLogs,
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

  const server = app.getHttpServer();
  server.keepAliveTimeout = config.keepAliveTimeoutMs;
  server.headersTimeout = config.headersTimeoutMs;

  app.disable('x-powered-by');
  // X-Forwarded-* are only believed when the operator says a proxy sets them.
  app.set('trust proxy', config.trustProxy);
  // Plain Express middleware, ahead of the body parsers: every request, a refused body included, gets a
  // request id and one access line, without Nest's per-route middleware proxy on the hot path.
  app.use(requestIdMiddleware);
  app.use(new AccessLogMiddleware(config.logLevel, jsonLogs, app.get(GatewayMetrics)).use);
  app.use(bodyParsers({ limit: config.maxBodyBytes, rawTextPaths: LOG_WEBHOOK_PATHS }));
  if (config.appOrigins.length > 0) {
    app.enableCors({
      origin: config.appOrigins.includes('*') ? '*' : config.appOrigins,
      allowedHeaders: CORS_ALLOWED_HEADERS,
      exposedHeaders: CORS_EXPOSED_HEADERS,
    });
  }
  await app.init();
  return app;
}

/**
 * Nest logs a start-up error before rethrowing it (abortOnError: false): ExceptionHandler with its stack,
 * NestApplication when listen fails. The caller reports the thrown error once, so those lines would repeat it.
 */
class GatewayLogger extends ConsoleLogger {
  override error(message: unknown, ...optionalParams: unknown[]): void {
    const context = optionalParams.at(-1);
    if (context === 'ExceptionHandler') return;
    if (context === 'NestApplication' && String(message).startsWith('Error: listen ')) return;
    super.error(message, ...optionalParams);
  }
}

function levelsFrom(level: LogLevelName): LogLevel[] {
  return LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(level) + 1) as LogLevel[];
}
