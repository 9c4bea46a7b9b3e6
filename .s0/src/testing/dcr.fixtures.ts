import { ScopeRegistry } from '../auth/scope.registry';
import { buildDcrConfig, DcrConfig } from '../config/dcr.config';
import type { RawEnv } from '../config/env.util';
import { ClientPreparationService } from '../dcr/client-preparation.service';
import { DcrCoordination } from '../dcr/dcr-coordination';
import { DcrReconciler } from '../dcr/dcr-reconciler';
import { DcrStatus } from '../dcr/dcr-status';
import { DcrTarget } from '../dcr/dcr-target';
import type { ManagementClient } from '../dcr/management.client';
import type { Auth0Client } from '../dcr/management.types';
import { PreparationQueue } from '../dcr/preparation.queue';
import { TenantFacts } from '../dcr/tenant-facts';
import { GatewayMetrics } from '../observability/gateway-metrics';
import { RedisConnection } from '../redis/redis.connection';
import { testAppConfig, testAuthConfig } from './config.fixtures';
import { FakeManagementClient } from './fake-management.client';

/** The scopes a tool catalog registers in these fixtures. */
export const CATALOG_SCOPES = ['docs:read', 'docs:write'];
export const CHATGPT_CALLBACK = 'https://chatgpt.com/connector/oauth/abc123';

/** A client as ChatGPT registers it through DCR in a strict tenant. */
export function chatgptClient(overrides: Partial<Auth0Client> = {}): Auth0Client {
  return {
    name: 'ChatGPT',
    callbacks: [CHATGPT_CALLBACK],
    app_type: 'regular_web',
    is_first_party: false,
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['authorization_code', 'refresh_token', 'implicit'],
    ...overrides,
  };
}

/** The DCR runtime wired by hand around a FakeManagementClient, as DcrModule wires it around the real one. */
export interface DcrRuntime {
  config: DcrConfig;
  management: FakeManagementClient;
  status: DcrStatus;
  target: DcrTarget;
  tenant: TenantFacts;
  preparation: ClientPreparationService;
  queue: PreparationQueue;
  reconciler: DcrReconciler;
  metrics: GatewayMetrics;
}

/** `env` holds DCR_* / MGMT_* / OAUTH_* variables; the auth side is TEST_AUDIENCE unless overridden. */
export function dcrRuntime(env: RawEnv = {}): DcrRuntime {
  const config = buildDcrConfig({ GOOGLE_CONNECTION_NAME: 'google-oauth2', ...env });
  const auth = testAuthConfig(env);
  const management = new FakeManagementClient();
  const scopeRegistry = new ScopeRegistry(auth);
  scopeRegistry.register(CATALOG_SCOPES);
  const status = new DcrStatus();
  const target = new DcrTarget(auth, config, scopeRegistry);
  const real = management as unknown as ManagementClient;
  const tenant = new TenantFacts(config, real, target, status);
  const preparation = new ClientPreparationService(config, real, target, tenant);
  const metrics = new GatewayMetrics();
  // No REDIS_URL: one replica, every claim and lease granted.
  const coordination = new DcrCoordination(new RedisConnection(testAppConfig(), metrics));
  const queue = new PreparationQueue(config, preparation, status, coordination, metrics);
  const reconciler = new DcrReconciler(config, real, target, tenant, queue, status, coordination, metrics);
  return { config, management, status, target, tenant, preparation, queue, reconciler, metrics };
}
