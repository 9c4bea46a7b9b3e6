import { IsIn, IsOptional, IsString, IsUrl } from 'class-validator';

import { HTTP_URL_OPTIONS, withoutTrailingSlash } from '../common/url';
import { configNamespace } from './config-namespace';
import { IntRange, RawEnv, ToList, loadEnv } from './env.util';

export const LOG_LEVELS = ['error', 'warn', 'log', 'debug', 'verbose'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

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

  /** `false` (default), `true`, a hop count, or a list of trusted proxy addresses/subnets (Express syntax). */
  @IsString()
  TRUST_PROXY: string = 'false';

  @IntRange(1024, 50 * 1024 * 1024, 'MAX_BODY_BYTES must be an integer number of bytes')
  MAX_BODY_BYTES: number = 1024 * 1024;

  @IsIn(LOG_LEVELS as unknown as string[])
  LOG_LEVEL: LogLevelName = 'log';

  /** How long readiness reports "down" before the server stops accepting, so load balancers drain it first. */
  @IntRange(0, 120_000)
  SHUTDOWN_GRACE_MS: number = 5000;

  /** The admin port (GET /metrics); `0` picks a free port. Never the API port. */
  @IntRange(0, 65535, 'METRICS_PORT must be an integer between 0 and 65535')
  METRICS_PORT: number = 9464;

  /** Loopback unless the operator opens the admin port (e.g. `0.0.0.0` for a Prometheus in the cluster). */
  @IsString()
  METRICS_HOST: string = '127.0.0.1';
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
  metricsPort: number;
  metricsHost: string;
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
    metricsPort: e.METRICS_PORT,
    metricsHost: e.METRICS_HOST,
  };
}

export function parseTrustProxy(value: string): boolean | number | string {
  const text = value.trim().toLowerCase();
  if (['', 'false', '0', 'no', 'off'].includes(text)) return false;
  if (['true', 'yes', 'on'].includes(text)) return true;
  if (/^\d+$/.test(text)) return Number(text);
  return value.trim();
}

export const appConfig = configNamespace<AppConfig>('app');
