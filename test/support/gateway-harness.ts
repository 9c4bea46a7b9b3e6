import { createServer } from 'node:net';

import type { NestExpressApplication } from '@nestjs/platform-express';

export interface TestGateway {
  app: NestExpressApplication;
  url: string;
  port: number;
  /** Starts draining as SIGTERM would (readiness turns down). */
  drain(): void;
  stop(): Promise<void>;
}

/** A free loopback port, so PUBLIC_URL (and the audience derived from it) is known before the gateway starts. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

const GATEWAY_VARIABLES = [
  'NODE_ENV',
  'PORT',
  'PUBLIC_URL',
  'OAUTH_ISSUER',
  'OAUTH_AUDIENCE',
  'OAUTH_RESOURCE',
  'OAUTH_JWKS_URI',
  'OAUTH_ALGORITHMS',
  'OAUTH_SCOPES',
  'OAUTH_CLOCK_TOLERANCE_S',
  'FUNCTIONS_BASE',
  'TOOLS_FILE',
  'TOOL_SCOPES_JSON',
  'UPSTREAM_TIMEOUT_MS',
  'GATEWAY_HMAC_SECRET',
  'APP_ORIGIN',
  'TRUST_PROXY',
  'MAX_BODY_BYTES',
  'LOG_LEVEL',
  'DEBUG_TOKEN_ENABLED',
  'EXAMPLE_TOOLS_ENABLED',
  'MCP_LIST_ALL_TOOLS',
  'JWKS_COOLDOWN_S',
  'JWKS_MAX_AGE_S',
  'TOKEN_CACHE_MAX',
  'MGMT_DOMAIN',
  'MGMT_CLIENT_ID',
  'MGMT_CLIENT_SECRET',
  'MGMT_BASE_URL',
  'LOG_WEBHOOK_SECRET',
  'GOOGLE_CONNECTION_NAME',
  'LOGIN_CONNECTIONS',
  'TOOL_SCOPES',
  'REQUIRED_SCOPES',
  'DCR_MODE',
  'DCR_CLIENT_NAME_PATTERN',
  'DCR_REDIRECT_HOSTS',
  'DCR_REDIRECT_PATHS',
  'UPSTREAM_MAX_RESPONSE_BYTES',
  'OAUTH_HTTP_TIMEOUT_MS',
  'OAUTH_METADATA_TTL_S',
  'DCR_RECONCILE_INTERVAL_S',
  'SHUTDOWN_GRACE_MS',
  'MGMT_TIMEOUT_MS',
  'MGMT_MAX_RETRIES',
  'MGMT_RETRY_BASE_MS',
  'MGMT_RETRY_MAX_DELAY_MS',
  'DCR_PREPARE_MAX_ATTEMPTS',
  'DCR_PREPARE_RETRY_BASE_MS',
];

/**
 * Starts a real gateway on 127.0.0.1 with exactly `env` as its configuration (other gateway variables
 * are cleared). Modules are loaded in isolation because Nest modules read the environment when they load.
 */
export async function startGateway(
  env: Record<string, string>,
  port?: number,
  options: { jsonLogs?: boolean } = {},
): Promise<TestGateway> {
  const listenPort = port ?? Number(env.PORT ?? (await freePort()));
  for (const name of GATEWAY_VARIABLES) delete process.env[name];
  Object.assign(process.env, { NODE_ENV: 'test', LOG_LEVEL: 'warn', PORT: String(listenPort), ...env });
  let app: NestExpressApplication | undefined;
  let drain = (): void => undefined;
  await jest.isolateModulesAsync(async () => {
    const { createGateway } = await import('../../src/gateway');
    const { ShutdownState } = await import('../../src/health/shutdown.state');
    app = await createGateway({ json: options.jsonLogs ?? false, logLevel: 'warn' });
    drain = () => app!.get(ShutdownState).beginDraining();
  });
  await app!.listen(listenPort, '127.0.0.1');
  return {
    app: app!,
    port: listenPort,
    url: `http://127.0.0.1:${listenPort}`,
    drain,
    stop: async () => {
      await app!.close();
    },
  };
}
