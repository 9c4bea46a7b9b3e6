import { IsIn, IsISO8601, IsOptional, IsString, IsUrl, Matches, MinLength } from 'class-validator';

import { HTTP_URL_OPTIONS, withoutTrailingSlash } from '../common/url';
import { configNamespace } from './config-namespace';
import { IntRange, RawEnv, ToList, loadEnv } from './env.util';

export const DCR_MODES = ['auto', 'strict', 'permissive'] as const;
export type DcrMode = (typeof DCR_MODES)[number];

/** ChatGPT's connector callback hosts. */
export const DEFAULT_DCR_REDIRECT_HOSTS = ['chatgpt.com', 'chat.openai.com'];
/** ChatGPT's connector callbacks: the per-connector prefix and the older fixed path. */
export const DEFAULT_DCR_REDIRECT_PATHS = ['/connector/oauth/', '/connector_platform_oauth_redirect'];
export const DEFAULT_DCR_CLIENT_NAME_PATTERN = '^(ChatGPT|OpenAI)\\b';

const HOSTNAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i;

export class DcrEnv {
  @IsOptional()
  @IsString()
  MGMT_DOMAIN?: string;

  @IsOptional()
  @IsString()
  MGMT_CLIENT_ID?: string;

  @IsOptional()
  @IsString()
  MGMT_CLIENT_SECRET?: string;

  /** A file holding MGMT_CLIENT_SECRET (read by loadGatewayConfig). */
  @IsOptional()
  @IsString()
  MGMT_CLIENT_SECRET_FILE?: string;

  /** Base URL for /oauth/token and /api/v2 (tests, private deployments); default https://MGMT_DOMAIN. */
  @IsOptional()
  @IsUrl(HTTP_URL_OPTIONS, { message: 'MGMT_BASE_URL must be an absolute http(s) URL' })
  MGMT_BASE_URL?: string;

  /** Deadline of one Management API call (the token request included). */
  @IntRange(100, 120_000, 'MGMT_TIMEOUT_MS must be an integer number of milliseconds (100-120000)')
  MGMT_TIMEOUT_MS: number = 10_000;

  /** Retries of one call answered 408, 429 or 5xx (or timed out). */
  @IntRange(0, 10, 'MGMT_MAX_RETRIES must be an integer (0-10)')
  MGMT_MAX_RETRIES: number = 3;

  /** First back-off when Auth0 gives no Retry-After / x-ratelimit-reset; doubles per retry. */
  @IntRange(1, 60_000, 'MGMT_RETRY_BASE_MS must be an integer number of milliseconds (1-60000)')
  MGMT_RETRY_BASE_MS: number = 500;

  /** Longest wait between two tries, whatever Retry-After / x-ratelimit-reset ask for. */
  @IntRange(1, 120_000, 'MGMT_RETRY_MAX_DELAY_MS must be an integer number of milliseconds (1-120000)')
  MGMT_RETRY_MAX_DELAY_MS: number = 30_000;

  @IsOptional()
  @IsString()
  @MinLength(24, { message: 'LOG_WEBHOOK_SECRET must be at least 24 characters (use: openssl rand -hex 24)' })
  LOG_WEBHOOK_SECRET?: string;

  /** A file holding LOG_WEBHOOK_SECRET (read by loadGatewayConfig). */
  @IsOptional()
  @IsString()
  LOG_WEBHOOK_SECRET_FILE?: string;

  @IsOptional()
  @IsString()
  GOOGLE_CONNECTION_NAME?: string;

  /** Several login connections, comma-separated; GOOGLE_CONNECTION_NAME is added to them. */
  @ToList()
  @IsString({ each: true })
  LOGIN_CONNECTIONS: string[] = [];

  /** Scopes granted to DCR clients; default: the union of the tool catalog's scopes. */
  @ToList()
  @IsString({ each: true })
  TOOL_SCOPES: string[] = [];

  @ToList()
  @IsString({ each: true })
  REQUIRED_SCOPES: string[] = [];

  @IsIn(DCR_MODES as unknown as string[], { message: `DCR_MODE must be one of ${DCR_MODES.join(', ')}` })
  DCR_MODE: DcrMode = 'auto';

  @IsString()
  DCR_CLIENT_NAME_PATTERN: string = DEFAULT_DCR_CLIENT_NAME_PATTERN;

  /** Only clients created after this instant are prepared, so a gateway sharing a tenant leaves older ones alone. */
  @IsOptional()
  @IsISO8601(
    { strict: true, strictSeparator: true },
    { message: 'DCR_CLIENTS_CREATED_AFTER must be an ISO 8601 date-time, e.g. 2026-12-01T00:00:00Z' },
  )
  DCR_CLIENTS_CREATED_AFTER?: string;

  @ToList()
  @IsString({ each: true })
  DCR_REDIRECT_HOSTS: string[] = DEFAULT_DCR_REDIRECT_HOSTS;

  /** Allowed callback paths on those hosts: exact, or a prefix when the entry ends with "/". */
  @ToList()
  @Matches(/^\//, { each: true, message: 'DCR_REDIRECT_PATHS takes absolute paths, e.g. /connector/oauth/' })
  DCR_REDIRECT_PATHS: string[] = DEFAULT_DCR_REDIRECT_PATHS;

  @IntRange(0, 86_400, 'DCR_RECONCILE_INTERVAL_S must be an integer number of seconds (0 = off)')
  DCR_RECONCILE_INTERVAL_S: number = 300;

  /** Tries of one client's preparation from the webhook queue before the reconciler is left to catch it. */
  @IntRange(1, 50, 'DCR_PREPARE_MAX_ATTEMPTS must be an integer (1-50)')
  DCR_PREPARE_MAX_ATTEMPTS: number = 6;

  /** First wait before a failed preparation is tried again; doubles per attempt. */
  @IntRange(1, 600_000, 'DCR_PREPARE_RETRY_BASE_MS must be an integer number of milliseconds (1-600000)')
  DCR_PREPARE_RETRY_BASE_MS: number = 2000;
}

export interface DcrConfig {
  mgmtDomain?: string;
  mgmtClientId?: string;
  mgmtClientSecret?: string;
  /** Where /oauth/token and /api/v2 live: MGMT_BASE_URL, or https://MGMT_DOMAIN. */
  mgmtBaseUrl?: string;
  /** The Management API audience: https://MGMT_DOMAIN/api/v2/ (always the tenant domain, whatever the base URL). */
  mgmtAudience?: string;
  mgmtTimeoutMs: number;
  mgmtMaxRetries: number;
  mgmtRetryBaseMs: number;
  mgmtRetryMaxDelayMs: number;
  webhookSecret?: string;
  loginConnections: string[];
  /** TOOL_SCOPES ∪ REQUIRED_SCOPES; empty means "every scope the gateway knows". */
  scopes: string[];
  mode: DcrMode;
  clientNamePattern: RegExp;
  /** Epoch ms of DCR_CLIENTS_CREATED_AFTER. */
  clientsCreatedAfter?: number;
  redirectHosts: string[];
  redirectPaths: string[];
  reconcileIntervalMs: number;
  prepareMaxAttempts: number;
  prepareRetryBaseMs: number;
  managementConfigured: boolean;
}

export function buildDcrConfig(source: RawEnv | DcrEnv): DcrConfig {
  const e = source instanceof DcrEnv ? source : loadEnv(DcrEnv, source);
  const connections = [
    ...(e.GOOGLE_CONNECTION_NAME ? [e.GOOGLE_CONNECTION_NAME] : []),
    ...e.LOGIN_CONNECTIONS,
  ];
  const domain = e.MGMT_DOMAIN?.toLowerCase();
  return {
    mgmtDomain: domain,
    mgmtClientId: e.MGMT_CLIENT_ID,
    mgmtClientSecret: e.MGMT_CLIENT_SECRET,
    mgmtBaseUrl:
      (e.MGMT_BASE_URL && withoutTrailingSlash(e.MGMT_BASE_URL)) ??
      (domain ? `https://${domain}` : undefined),
    mgmtAudience: domain ? `https://${domain}/api/v2/` : undefined,
    mgmtTimeoutMs: e.MGMT_TIMEOUT_MS,
    mgmtMaxRetries: e.MGMT_MAX_RETRIES,
    mgmtRetryBaseMs: e.MGMT_RETRY_BASE_MS,
    mgmtRetryMaxDelayMs: e.MGMT_RETRY_MAX_DELAY_MS,
    webhookSecret: e.LOG_WEBHOOK_SECRET,
    loginConnections: [...new Set(connections)],
    scopes: [...new Set([...e.TOOL_SCOPES, ...e.REQUIRED_SCOPES])],
    mode: e.DCR_MODE,
    clientNamePattern: new RegExp(e.DCR_CLIENT_NAME_PATTERN, 'i'),
    clientsCreatedAfter: e.DCR_CLIENTS_CREATED_AFTER ? Date.parse(e.DCR_CLIENTS_CREATED_AFTER) : undefined,
    redirectHosts: e.DCR_REDIRECT_HOSTS.map((host) => host.toLowerCase()),
    redirectPaths: e.DCR_REDIRECT_PATHS,
    reconcileIntervalMs: e.DCR_RECONCILE_INTERVAL_S * 1000,
    prepareMaxAttempts: e.DCR_PREPARE_MAX_ATTEMPTS,
    prepareRetryBaseMs: e.DCR_PREPARE_RETRY_BASE_MS,
    managementConfigured: Boolean(domain && e.MGMT_CLIENT_ID && e.MGMT_CLIENT_SECRET),
  };
}

export function validateDcrPattern(pattern: string): string | undefined {
  try {
    new RegExp(pattern, 'i');
    return undefined;
  } catch {
    return `DCR_CLIENT_NAME_PATTERN is not a valid regular expression (got ${JSON.stringify(pattern)})`;
  }
}

const MGMT_VARIABLES = ['MGMT_DOMAIN', 'MGMT_CLIENT_ID', 'MGMT_CLIENT_SECRET'];

/** Checks across DCR variables that class-validator cannot express; validateEnvironment reports them with the rest. */
export function dcrEnvironmentProblems(env: RawEnv): string[] {
  const value = (name: string): string => (env[name] ?? '').trim();
  const problems: string[] = [];
  if (value('DCR_CLIENT_NAME_PATTERN')) {
    const problem = validateDcrPattern(value('DCR_CLIENT_NAME_PATTERN'));
    if (problem) problems.push(problem);
  }
  const missing = MGMT_VARIABLES.filter((name) => !value(name));
  if (missing.length > 0 && missing.length < MGMT_VARIABLES.length) {
    problems.push(
      `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing: set MGMT_DOMAIN, MGMT_CLIENT_ID and MGMT_CLIENT_SECRET together (the Management API application)`,
    );
  }
  if (value('MGMT_DOMAIN') && !HOSTNAME.test(value('MGMT_DOMAIN'))) {
    problems.push(
      `MGMT_DOMAIN must be the tenant's bare host name, e.g. TENANT.us.auth0.com, without https:// or a path (got ${JSON.stringify(value('MGMT_DOMAIN'))})`,
    );
  }
  if (value('MGMT_BASE_URL') && !value('MGMT_DOMAIN')) {
    problems.push(
      'MGMT_BASE_URL needs MGMT_DOMAIN (the Management API audience is https://MGMT_DOMAIN/api/v2/)',
    );
  }
  // Without OAUTH_ISSUER either, since validateEnvironment already asks for the audience then.
  if (missing.length === 0 && !value('OAUTH_AUDIENCE') && !value('OAUTH_ISSUER')) {
    problems.push(
      'OAUTH_AUDIENCE is required when MGMT_* is set: DCR clients are granted access to that API',
    );
  }
  for (const host of value('DCR_REDIRECT_HOSTS')
    .split(/[\s,]+/)
    .filter(Boolean)) {
    if (!HOSTNAME.test(host)) {
      problems.push(
        `DCR_REDIRECT_HOSTS takes host names only, e.g. chatgpt.com (got ${JSON.stringify(host)})`,
      );
    }
  }
  if (
    value('NODE_ENV') === 'production' &&
    value('MGMT_BASE_URL') &&
    !value('MGMT_BASE_URL').startsWith('https://')
  ) {
    problems.push(
      'MGMT_BASE_URL must use https:// when NODE_ENV=production (it carries the Management API token)',
    );
  }
  return problems;
}

export const dcrConfig = configNamespace<DcrConfig>('dcr');
