import { ConsoleLogger, DynamicModule, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { fastify as createFastify, FastifyReply, FastifyRequest } from 'fastify';

import { AppModule } from './app.module';
import { AccessLog } from './common/access-log';
import { answerFrameworkError } from './common/all-exceptions.filter';
import { REQUEST_ID_HEADER, requestIdFor } from './common/request-context';
import { CORS_ALLOWED_HEADERS, CORS_EXPOSED_HEADERS, LOG_WEBHOOK_PATHS } from './common/routes';
import { registerBodyParsers } from './common/safe-body-parser';
import { LOG_LEVELS, LogLevelName } from './config/app.config';
import { RawEnv } from './config/env.util';
import { GatewayConfig, loadGatewayConfig } from './config/gateway-config';
import { GatewayMetrics } from './observability/gateway-metrics';
import { traceRoute } from './observability/tracing';

/** Node's default for `server.requestTimeout`: a client gets five minutes to send one whole request. */
const NODE_REQUEST_TIMEOUT_MS = 300_000;
/** find-my-way refuses longer path parameters with 414 before any route runs; Express had no bound. */
const MAX_PATH_PARAM_LENGTH = 2048;

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
export async function createGateway(options: GatewayOptions): Promise<NestFastifyApplication> {
  const gatewayConfig = options.config ?? loadGatewayConfig(options.env ?? {});
  const config = gatewayConfig.app;
  const jsonLogs = options.json ?? true;
  const logger = new GatewayLogger({
    json: jsonLogs,
    logLevels: levelsFrom(config.logLevel),
  });
  gatewayConfig.warnings.forEach((warning) => logger.warn(warning, 'Config'));
  let accessLog: AccessLog | undefined;
  // Every request, a preflight or a refused body included, gets its request id (genReqId) and its access line.
  // The id goes on the raw response, so that answers written by the MCP SDK carry it too.
  const begin = (request: FastifyRequest, reply: FastifyReply): void => {
    reply.raw.setHeader(REQUEST_ID_HEADER, request.id);
    accessLog?.track(request, reply);
  };
  const fastify = createFastify({
    // X-Forwarded-* are only believed when the operator says a proxy sets them.
    trustProxy: config.trustProxy,
    genReqId: requestIdFor,
    // Node's own bound on receiving a whole request, which Fastify would otherwise turn off.
    requestTimeout: NODE_REQUEST_TIMEOUT_MS,
    // Routes match as Express matched them: any case, with or without a trailing slash. A tool name up to
    // MAX_PATH_PARAM_LENGTH reaches the tool catalog, which says what is wrong with it; a longer one is a 414.
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true, maxParamLength: MAX_PATH_PARAM_LENGTH },
    // The router refuses these before any hook runs.
    frameworkErrors: (error, request, reply) => {
      begin(request, reply);
      answerFrameworkError(error, request, reply);
    },
  });
  // Added before Nest adds its own hooks: CORS answers a preflight in one of them.
  fastify.addHook('onRequest', (request, reply, done) => {
    begin(request, reply);
    traceRoute(request);
    done();
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.register(gatewayConfig, options.modules),
    new FastifyAdapter(fastify),
    {
      bodyParser: false,
      logger,
      abortOnError: false,
    },
  );
  accessLog = new AccessLog(config.logLevel, jsonLogs, app.get(GatewayMetrics));

  const server = app.getHttpServer();
  server.keepAliveTimeout = config.keepAliveTimeoutMs;
  server.headersTimeout = config.headersTimeoutMs;

  registerBodyParsers(fastify, { limit: config.maxBodyBytes, rawTextPaths: LOG_WEBHOOK_PATHS });
  if (config.appOrigins.length > 0) {
    app.enableCors({
      origin: config.appOrigins.includes('*') ? '*' : config.appOrigins,
      allowedHeaders: CORS_ALLOWED_HEADERS,
      exposedHeaders: CORS_EXPOSED_HEADERS,
    });
  }
  await app.init();
  await fastify.ready();
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
