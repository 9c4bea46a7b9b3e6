import { Auth0ManagementStub, eventually, TenantMode } from './auth0-management-stub';
import { WEBHOOK_SECRET } from './auth0-log-delivery';
import { startGateway, TestGateway } from './gateway-harness';

export const AUDIENCE = 'https://gateway.example.com/mcp';
export const SCOPES = ['docs:read', 'docs:write'];
export const CHATGPT_REDIRECT = 'https://chatgpt.com/connector_platform_oauth_redirect';

/** A gateway wired to the stand-in tenant with small retry delays, so failure paths stay fast. */
export function dcrGatewayEnv(
  tenant: Auth0ManagementStub,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    ...tenant.gatewayEnv(),
    OAUTH_AUDIENCE: AUDIENCE,
    LOG_WEBHOOK_SECRET: WEBHOOK_SECRET,
    GOOGLE_CONNECTION_NAME: 'google-oauth2',
    TOOL_SCOPES: SCOPES.join(' '),
    DCR_RECONCILE_INTERVAL_S: '0',
    MGMT_MAX_RETRIES: '3',
    MGMT_RETRY_BASE_MS: '5',
    MGMT_RETRY_MAX_DELAY_MS: '25',
    DCR_PREPARE_RETRY_BASE_MS: '10',
    DCR_PREPARE_MAX_ATTEMPTS: '6',
    ...extra,
  };
}

/** A tenant with the API (RS256, RBAC, the scopes) and a domain-level Google connection. */
export async function startTenant(mode: TenantMode): Promise<Auth0ManagementStub> {
  const tenant = await Auth0ManagementStub.start({ mode });
  tenant.addResourceServer(AUDIENCE, SCOPES);
  tenant.addConnection('google-oauth2', true);
  return tenant;
}

export function startDcrGateway(
  tenant: Auth0ManagementStub,
  extra: Record<string, string> = {},
): Promise<TestGateway> {
  return startGateway(dcrGatewayEnv(tenant, extra));
}

export interface DcrHealth {
  status: number;
  body: { status: string; details: Record<string, Record<string, unknown>> };
  dcr: Record<string, unknown>;
}

export async function dcrHealth(gateway: TestGateway): Promise<DcrHealth> {
  const response = await fetch(`${gateway.adminUrl}/health/auth0`);
  const body = (await response.json()) as DcrHealth['body'];
  return { status: response.status, body, dcr: body.details.dcr };
}

/** Waits until the gateway has no preparation queued, in flight or waiting for a retry. */
export async function settled(gateway: TestGateway): Promise<void> {
  await eventually(
    'the preparation queue to drain',
    async () => (await dcrHealth(gateway)).dcr.pendingPreparations === 0,
  );
}
