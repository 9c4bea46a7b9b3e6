import { applyDecorators } from '@nestjs/common';
import { IsIn, IsOptional, IsString, IsUrl } from 'class-validator';

import { HTTP_URL_OPTIONS, withoutTrailingSlash } from '../common/url';
import { configNamespace } from './config-namespace';
import { IntRange, RawEnv, ToList, loadEnv, parseEnv } from './env.util';

export const LOG_LEVELS = ['error', 'warn', 'log', 'debug', 'verbose'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

/** Whether LOG_LEVEL=`configured` writes lines of `level` (each level includes those before it). */
export function logLevelEnabled(configured: LogLevelName, level: LogLevelName): boolean {
  return LOG_LEVELS.indexOf(configured) >= LOG_LEVELS.indexOf(level);
}

export class AppEnv {
  @IsOptional()
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: string = 'development';

  @IntRange(0, 65535, 'PORT must be an integer between 0 and 65535')
  PORT: number = 8080;

  @IsOptional()
  @IsUrl(HTTP_URL_OPTIONS, {
    message: 'PUBLIC_URL must be an absolute http(s) URL, e.g. https://gateway.example.com',
  })
  PUBLIC_URL?: string;

  @ToList()
  @IsString({ each: true })
  APP_ORIGIN: string[] = [];

  /**
   * `false` (default), `true`, a hop count, or a comma-separated list of trusted proxy addresses/subnets
   * (proxy-addr's syntax, as Fastify's `trustProxy` reads it).
   */
  @IsString()
  TRUST_PROXY: string = 'false';

  @IntRange(1024, 50 * 1024 * 1024, 'MAX_BODY_BYTES must be an integer number of bytes')
  MAX_BODY_BYTES: number = 1024 * 1024;

  @IsIn(LOG_LEVELS as unknown as string[])
  LOG_LEVEL: LogLevelName = 'log';

  /** How long readiness reports "down" before the server stops accepting, so load balancers drain it first. */
  @IntRange(0, 120_000)
  SHUTDOWN_GRACE_MS: number = 5000;

  /**
   * Idle keep-alive connections are closed after this long. Above the idle timeouts of the proxies in front
   * (AWS ALB and ingress-nginx 60 s), so that the proxy, not the gateway, closes an idle connection: a
   * proxy reusing a connection the gateway has just closed answers 502.
   */
  @IntRange(1000, 3_600_000, 'HTTP_KEEP_ALIVE_TIMEOUT_MS must be an integer number of milliseconds')
  HTTP_KEEP_ALIVE_TIMEOUT_MS: number = 65_000;

  /** Deadline to receive a request's headers; above the keep-alive timeout, as Node recommends. */
  @IntRange(1000, 3_600_000, 'HTTP_HEADERS_TIMEOUT_MS must be an integer number of milliseconds')
  HTTP_HEADERS_TIMEOUT_MS: number = 66_000;

  // Outbound proxies, read as curl and undici read them (lower case first).
  @ProxyUrl('HTTP_PROXY')
  HTTP_PROXY?: string;

  @ProxyUrl('http_proxy')
  http_proxy?: string;

  @ProxyUrl('HTTPS_PROXY')
  HTTPS_PROXY?: string;

  @ProxyUrl('https_proxy')
  https_proxy?: string;

  @IsOptional()
  @IsString()
  NO_PROXY?: string;

  @IsOptional()
  @IsString()
  no_proxy?: string;

  /** The admin port (GET /metrics); `0` picks a free port. Never the API port. */
  @IntRange(0, 65535, 'METRICS_PORT must be an integer between 0 and 65535')
  METRICS_PORT: number = 9464;

  /** Loopback unless the operator opens the admin port (e.g. `0.0.0.0` for a Prometheus in the cluster). */
  @IsString()
  METRICS_HOST: string = '127.0.0.1';

  /** Shared state across replicas (rate limits, DCR lease and de-duplication); unset = per process. */
  @IsOptional()
  @IsUrl(
    { require_tld: false, require_protocol: true, protocols: ['redis', 'rediss'] },
    { message: 'REDIS_URL must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379' },
  )
  REDIS_URL?: string;

  /** A file holding REDIS_URL, which may carry a password (read by loadGatewayConfig). */
  @IsOptional()
  @IsString()
  REDIS_URL_FILE?: string;

  @IsString()
  REDIS_KEY_PREFIX: string = 'connector-gateway:';

  /** Deadline of one Redis command; past it the gateway carries on without Redis (fail open). */
  @IntRange(10, 10_000)
  REDIS_TIMEOUT_MS: number = 500;

  @IntRange(1, 86_400)
  RATE_LIMIT_WINDOW_S: number = 60;

  /** Requests per window for one authenticated subject, all routes together; 0 = no limit. */
  @IntRange(0, 1_000_000)
  RATE_LIMIT_PER_SUBJECT: number = 0;

  /** Calls per window of one tool by one subject (a tool's `rateLimit` overrides it); 0 = no limit. */
  @IntRange(0, 1_000_000)
  RATE_LIMIT_PER_TOOL: number = 0;

  /** Requests per window from one client IP without a verified token; 0 = no limit. */
  @IntRange(0, 1_000_000)
  RATE_LIMIT_PER_IP: number = 0;

  /** OpenTelemetry: traces go to this OTLP/HTTP collector (`/v1/traces` is appended); unset = no SDK. */
  @IsOptional()
  @IsUrl(
    { require_tld: false, require_protocol: true, protocols: ['http', 'https'] },
    {
      message: 'OTEL_EXPORTER_OTLP_ENDPOINT must be an absolute http(s) URL, e.g. http://otel-collector:4318',
    },
  )
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;

  @IsString()
  OTEL_SERVICE_NAME: string = 'connector-gateway';
}

export interface TracingSettings {
  /** OTLP/HTTP base URL; `/v1/traces` is appended. */
  endpoint: string;
  serviceName: string;
}

/**
 * The tracing settings alone, for main.ts to start the OpenTelemetry SDK before the HTTP modules load.
 * Lenient: an invalid value starts no tracing here and stops the process in the full validation.
 */
export function tracingSettings(env: RawEnv): TracingSettings | undefined {
  const { value, errors } = parseEnv(AppEnv, env);
  if (!value.OTEL_EXPORTER_OTLP_ENDPOINT || errors.length > 0) return undefined;
  return { endpoint: value.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: value.OTEL_SERVICE_NAME };
}

/** Where outbound calls go: empty strings mean "directly" (never "look in process.env"). */
export interface OutboundProxy {
  httpProxy: string;
  httpsProxy: string;
  noProxy: string;
}

export interface AppConfig {
  production: boolean;
  port: number;
  publicUrl: string;
  /** False when PUBLIC_URL was not set and the default loopback URL is used. */
  publicUrlConfigured: boolean;
  appOrigins: string[];
  trustProxy: boolean | number | string;
  maxBodyBytes: number;
  logLevel: LogLevelName;
  shutdownGraceMs: number;
  keepAliveTimeoutMs: number;
  headersTimeoutMs: number;
  proxy: OutboundProxy;
  metricsPort: number;
  metricsHost: string;
  redis?: RedisSettings;
  rateLimits: RateLimitSettings;
}

export interface RedisSettings {
  url: string;
  keyPrefix: string;
  timeoutMs: number;
}

/** Requests per window; 0 = that limit is off. */
export interface RateLimitSettings {
  windowS: number;
  perSubject: number;
  perTool: number;
  perIp: number;
}

export function buildAppConfig(source: RawEnv | AppEnv): AppConfig {
  const e = source instanceof AppEnv ? source : loadEnv(AppEnv, source);
  return {
    production: e.NODE_ENV === 'production',
    port: e.PORT,
    publicUrl: withoutTrailingSlash(e.PUBLIC_URL ?? `http://127.0.0.1:${e.PORT}`),
    publicUrlConfigured: e.PUBLIC_URL !== undefined,
    appOrigins: e.APP_ORIGIN,
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    maxBodyBytes: e.MAX_BODY_BYTES,
    logLevel: e.LOG_LEVEL,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
    proxy: outboundProxy(e),
    metricsPort: e.METRICS_PORT,
    metricsHost: e.METRICS_HOST,
    redis: e.REDIS_URL
      ? { url: e.REDIS_URL, keyPrefix: e.REDIS_KEY_PREFIX, timeoutMs: e.REDIS_TIMEOUT_MS }
      : undefined,
    rateLimits: {
      windowS: e.RATE_LIMIT_WINDOW_S,
      perSubject: e.RATE_LIMIT_PER_SUBJECT,
      perTool: e.RATE_LIMIT_PER_TOOL,
      perIp: e.RATE_LIMIT_PER_IP,
    },
  };
}

function outboundProxy(e: AppEnv): OutboundProxy {
  const httpProxy = e.http_proxy ?? e.HTTP_PROXY ?? '';
  // As undici's EnvHttpProxyAgent: https targets use the http proxy when no https proxy is named.
  return {
    httpProxy,
    httpsProxy: e.https_proxy ?? e.HTTPS_PROXY ?? httpProxy,
    noProxy: e.no_proxy ?? e.NO_PROXY ?? '',
  };
}

function ProxyUrl(name: string): PropertyDecorator {
  return applyDecorators(
    IsOptional(),
    IsUrl(
      { require_tld: false, require_protocol: true, protocols: ['http', 'https'] },
      { message: `${name} must be an absolute http(s) URL, e.g. http://proxy.internal:3128` },
    ),
  );
}

export function parseTrustProxy(value: string): boolean | number | string {
  const text = value.trim().toLowerCase();
  if (['', 'false', '0', 'no', 'off'].includes(text)) return false;
  if (['true', 'yes', 'on'].includes(text)) return true;
  if (/^\d+$/.test(text)) return Number(text);
  return value.trim();
}

export const appConfig = configNamespace<AppConfig>('app');
