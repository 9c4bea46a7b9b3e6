import { randomBytes } from 'node:crypto';
import * as path from 'node:path';

import { RawEnv } from './env.util';

export interface LocalModeSettings {
  gatewayPort: number;
  issuerPort: number;
  backendPort: number;
  publicUrl: string;
}

/** Local mode: no issuer configured outside production. The development issuer is never used in production. */
export function localModeRequested(env: RawEnv = process.env): boolean {
  return env.NODE_ENV !== 'production' && (env.OAUTH_ISSUER ?? '').trim() === '';
}

export function localModeSettings(env: RawEnv = process.env): LocalModeSettings {
  const gatewayPort = Number(env.PORT ?? 8080);
  return {
    gatewayPort,
    issuerPort: Number(env.DEV_ISSUER_PORT ?? 9400),
    backendPort: Number(env.DEMO_BACKEND_PORT ?? 9401),
    publicUrl: (env.PUBLIC_URL ?? `http://127.0.0.1:${gatewayPort}`).replace(/\/+$/, ''),
  };
}

/** Fills the variables local mode provides; anything the user set explicitly wins. */
export function applyLocalModeEnvironment(values: RawEnv, env: NodeJS.ProcessEnv = process.env): void {
  for (const [key, value] of Object.entries(values)) {
    if ((env[key] ?? '').trim() === '' && value !== undefined) env[key] = value;
  }
}

export function generateLocalSecret(): string {
  return randomBytes(32).toString('hex');
}

export const DEMO_TOOLS_FILE = path.resolve(__dirname, '../../local/demo-tools.yaml');
