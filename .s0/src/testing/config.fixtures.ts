import { AppConfig, buildAppConfig } from '../config/app.config';
import { AuthConfig, buildAuthConfig } from '../config/auth.config';
import type { RawEnv } from '../config/env.util';

export const TEST_ISSUER = 'https://tenant.example.auth0.com/';
export const TEST_AUDIENCE = 'https://api.example.com';
export const TEST_PUBLIC_URL = 'https://gw.example.com';

/** The auth configuration a gateway in front of TEST_ISSUER would load, with env overrides. */
export function testAuthConfig(env: RawEnv = {}, overrides: Partial<AuthConfig> = {}): AuthConfig {
  return {
    ...buildAuthConfig({ OAUTH_ISSUER: TEST_ISSUER, OAUTH_AUDIENCE: TEST_AUDIENCE, ...env }),
    ...overrides,
  };
}

export function testAppConfig(env: RawEnv = {}): AppConfig {
  return buildAppConfig({ PUBLIC_URL: TEST_PUBLIC_URL, ...env });
}
