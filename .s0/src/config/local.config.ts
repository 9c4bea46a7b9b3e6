import { randomBytes } from 'node:crypto';
import * as path from 'node:path';

import { withoutTrailingSlash } from '../common/url';
import { AppEnv } from './app.config';
import { ConfigValidationError } from './config-validation.error';
import { IsIn } from 'class-validator';

import { IntRange, parseEnv, RawEnv } from './env.util';

/** Variables read only in local mode (no OAUTH_ISSUER outside production). */
export class LocalEnv {
  @IntRange(1, 65535, 'DEV_ISSUER_PORT must be an integer between 1 and 65535')
  DEV_ISSUER_PORT: number = 9400;

  @IntRange(1, 65535, 'DEMO_BACKEND_PORT must be an integer between 1 and 65535')
  DEMO_BACKEND_PORT: number = 9401;

  /** `opaque`: the development issuer issues opaque access tokens and the gateway introspects them. */
  @IsIn(['jwt', 'opaque'], { message: 'DEV_ISSUER_TOKEN_FORMAT must be jwt or opaque' })
  DEV_ISSUER_TOKEN_FORMAT: string = 'jwt';
}

export interface LocalModeSettings {
  gatewayPort: number;
  issuerPort: number;
  backendPort: number;
  publicUrl: string;
  tokenFormat: 'jwt' | 'opaque';
}

/** Local mode: no issuer configured outside production. The development issuer is never used in production. */
export function localModeRequested(env: RawEnv): boolean {
  return env.NODE_ENV !== 'production' && (env.OAUTH_ISSUER ?? '').trim() === '';
}

/**
 * The ports and URL local mode starts its peers on. Invalid values are a configuration error, reported
 * before anything starts (PORT=80a must not surface as a development issuer's "Invalid URL").
 */
export function localModeSettings(env: RawEnv): LocalModeSettings {
  const app = parseEnv(AppEnv, env);
  const local = parseEnv(LocalEnv, env);
  const problems = [...app.errors, ...local.errors];
  if (problems.length > 0) throw new ConfigValidationError(problems);
  return {
    gatewayPort: app.value.PORT,
    issuerPort: local.value.DEV_ISSUER_PORT,
    backendPort: local.value.DEMO_BACKEND_PORT,
    tokenFormat: local.value.DEV_ISSUER_TOKEN_FORMAT as 'jwt' | 'opaque',
    publicUrl: withoutTrailingSlash(app.value.PUBLIC_URL ?? `http://127.0.0.1:${app.value.PORT}`),
  };
}

/** The MCP URL of the gateway in local mode, as the local commands (demo client, token) reach it. */
export function localMcpUrl(env: RawEnv): string {
  return `${localModeSettings(env).publicUrl}/mcp`;
}

/** `defaults` under `env`: anything the user set explicitly wins. */
export function withDefaults(env: RawEnv, defaults: RawEnv): RawEnv {
  const merged: RawEnv = { ...defaults };
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value.trim() !== '') merged[key] = value;
  }
  return merged;
}

export function generateLocalSecret(): string {
  return randomBytes(32).toString('hex');
}

export const DEMO_TOOLS_FILE = path.resolve(__dirname, '../../local/demo-tools.yaml');
