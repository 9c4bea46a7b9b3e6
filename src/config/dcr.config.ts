import { registerAs } from '@nestjs/config';
import { IsIn, IsInt, IsOptional, IsString, IsUrl, Max, Min, MinLength } from 'class-validator';

import { loadEnv, RawEnv, ToInt, ToList } from './env.util';

export const DCR_MODES = ['auto', 'strict', 'permissive'] as const;
export type DcrMode = (typeof DCR_MODES)[number];

/** ChatGPT's connector callback hosts. */
export const DEFAULT_DCR_REDIRECT_HOSTS = ['chatgpt.com', 'chat.openai.com'];
export const DEFAULT_DCR_CLIENT_NAME_PATTERN = '^(ChatGPT|OpenAI)\\b';

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

  /** Base URL for /oauth/token and /api/v2 (tests, private deployments); default https://MGMT_DOMAIN. */
  @IsOptional()
  @IsUrl(
    { require_tld: false, require_protocol: true, protocols: ['http', 'https'] },
    { message: 'MGMT_BASE_URL must be an absolute http(s) URL' },
  )
  MGMT_BASE_URL?: string;

  @IsOptional()
  @IsString()
  @MinLength(24, { message: 'LOG_WEBHOOK_SECRET must be at least 24 characters (use: openssl rand -hex 24)' })
  LOG_WEBHOOK_SECRET?: string;

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

  @ToList()
  @IsString({ each: true })
  DCR_REDIRECT_HOSTS: string[] = DEFAULT_DCR_REDIRECT_HOSTS;

  @ToInt()
  @IsInt({ message: 'DCR_RECONCILE_INTERVAL_S must be an integer number of seconds (0 = off)' })
  @Min(0)
  @Max(86_400)
  DCR_RECONCILE_INTERVAL_S: number = 300;
}

export interface DcrConfig {
  mgmtDomain?: string;
  mgmtClientId?: string;
  mgmtClientSecret?: string;
  mgmtBaseUrl?: string;
  webhookSecret?: string;
  loginConnections: string[];
  scopes: string[];
  mode: DcrMode;
  clientNamePattern: RegExp;
  redirectHosts: string[];
  reconcileIntervalMs: number;
  managementConfigured: boolean;
}

export function buildDcrConfig(env: RawEnv): DcrConfig {
  const e = loadEnv(DcrEnv, env);
  const connections = [...(e.GOOGLE_CONNECTION_NAME ? [e.GOOGLE_CONNECTION_NAME] : []), ...e.LOGIN_CONNECTIONS];
  return {
    mgmtDomain: e.MGMT_DOMAIN,
    mgmtClientId: e.MGMT_CLIENT_ID,
    mgmtClientSecret: e.MGMT_CLIENT_SECRET,
    mgmtBaseUrl: e.MGMT_BASE_URL?.replace(/\/+$/, ''),
    webhookSecret: e.LOG_WEBHOOK_SECRET,
    loginConnections: [...new Set(connections)],
    scopes: [...new Set([...e.TOOL_SCOPES, ...e.REQUIRED_SCOPES])],
    mode: e.DCR_MODE,
    clientNamePattern: new RegExp(e.DCR_CLIENT_NAME_PATTERN, 'i'),
    redirectHosts: e.DCR_REDIRECT_HOSTS.map((host) => host.toLowerCase()),
    reconcileIntervalMs: e.DCR_RECONCILE_INTERVAL_S * 1000,
    managementConfigured: Boolean(e.MGMT_DOMAIN && e.MGMT_CLIENT_ID && e.MGMT_CLIENT_SECRET),
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

export const dcrConfig = registerAs('dcr', () => buildDcrConfig(process.env));
