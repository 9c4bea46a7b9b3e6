import { ALL_MANAGEMENT_SCOPES, Auth0ManagementStub } from './support/auth0-management-stub';
import { deliverLogs, loginRecord, WEBHOOK_SECRET } from './support/auth0-log-delivery';
import { runActionCli } from '../src/auth0-cli/auth0-action.cli';
import { runDoctorCli } from '../src/auth0-cli/auth0-doctor.cli';
import { runCli } from './support/auth0-cli';
import {
  AUDIENCE,
  CHATGPT_REDIRECT,
  dcrGatewayEnv,
  dcrHealth,
  SCOPES,
  settled,
  startDcrGateway,
  startTenant,
} from './support/auth0-gateway';
import { startGateway, TestGateway } from './support/gateway-harness';

/** The Management application's scopes minus some, for tenants where it may do less. */
const without = (...scopes: string[]): string[] =>
  ALL_MANAGEMENT_SCOPES.filter((scope) => !scopes.includes(scope));

describe('GET /health/auth0', () => {
  let tenant: Auth0ManagementStub;
  const gateways: TestGateway[] = [];

  beforeAll(async () => {
    tenant = await startTenant('strict');
  });

  afterAll(async () => {
    for (const gateway of gateways) await gateway.stop();
    await tenant?.stop();
  });

  async function start(env: Record<string, string>): Promise<TestGateway> {
    const gateway = await startGateway(env);
    gateways.push(gateway);
    return gateway;
  }

  it('answers without MGMT_*: up, managementConfigured false, the issuer wiring and the last delivery', async () => {
    const gateway = await start({
      OAUTH_ISSUER: tenant.issuer,
      OAUTH_AUDIENCE: AUDIENCE,
      LOG_WEBHOOK_SECRET: WEBHOOK_SECRET,
    });
    const before = await dcrHealth(gateway);
    expect(before.status).toBe(200);
    expect(before.dcr).toMatchObject({
      status: 'up',
      issuer: tenant.issuer,
      audience: AUDIENCE,
      jwksUri: `${tenant.url}/.well-known/jwks.json`,
      jwksReachable: true,
      webhookConfigured: true,
      managementConfigured: false,
      managementTokenOk: null,
      dcrMode: { configured: 'auto', detected: null },
      lastWebhookAt: null,
      lastPreparation: null,
    });

    await deliverLogs(gateway.url, JSON.stringify([loginRecord()]));
    const after = await dcrHealth(gateway);
    expect(Date.parse(String(after.dcr.lastWebhookAt))).not.toBeNaN();
  });

  it('publicly answers only the state of each part; the detail is on the admin port only', async () => {
    const gateway = await startDcrGateway(tenant);
    gateways.push(gateway);
    const client = tenant.registerClient({ client_name: 'ChatGPT', redirect_uris: [CHATGPT_REDIRECT] });
    await deliverLogs(gateway.url, JSON.stringify([tenant.dcrLogRecord(client)]));
    await settled(gateway);

    const response = await fetch(`${gateway.url}/health/auth0`);
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(JSON.parse(text)).toEqual({
      status: 'ok',
      details: { signingKeys: { status: 'up' }, dcr: { status: 'up' } },
    });
    for (const detail of [tenant.issuer, tenant.url, AUDIENCE, client.client_id])
      expect(text).not.toContain(detail);
    expect((await dcrHealth(gateway)).dcr).toMatchObject({ issuer: tenant.issuer, audience: AUDIENCE });
  });

  it('reports the token, the detected DCR mode and the last preparation, and no secret', async () => {
    const gateway = await startDcrGateway(tenant);
    gateways.push(gateway);
    const client = tenant.registerClient({ client_name: 'ChatGPT', redirect_uris: [CHATGPT_REDIRECT] });
    await deliverLogs(gateway.url, JSON.stringify([tenant.dcrLogRecord(client)]));
    await settled(gateway);

    const health = await dcrHealth(gateway);
    expect(health.status).toBe(200);
    expect(health.dcr).toMatchObject({
      status: 'up',
      managementConfigured: true,
      managementTokenOk: true,
      dcrMode: { configured: 'auto', detected: 'strict' },
      lastPreparation: { clientId: client.client_id, outcome: 'prepared', mode: 'strict' },
      pendingPreparations: 0,
    });
    const text = JSON.stringify(health.body);
    expect(text).not.toContain(tenant.mgmtClientSecret);
    expect(text).not.toContain(WEBHOOK_SECRET);
  });

  it('is down (503) with the reason when the Management API refuses the credentials, without echoing them', async () => {
    const gateway = await start(
      dcrGatewayEnv(tenant, { MGMT_CLIENT_SECRET: 'not-the-management-secret-at-all' }),
    );
    const health = await dcrHealth(gateway);
    expect(health.status).toBe(503);
    expect(health.body.status).toBe('error');
    expect(health.dcr).toMatchObject({
      status: 'down',
      managementConfigured: true,
      managementTokenOk: false,
    });
    expect(health.dcr.message).toContain('POST /oauth/token failed: HTTP 401 (access_denied: Unauthorized)');
    expect(JSON.stringify(health.body)).not.toContain('not-the-management-secret-at-all');

    const publicAnswer = await fetch(`${gateway.url}/health/auth0`);
    expect(publicAnswer.status).toBe(503);
    expect(await publicAnswer.json()).toEqual({
      status: 'error',
      details: { signingKeys: { status: 'up' }, dcr: { status: 'down' } },
    });
  });

  it('reports a preparation the Management application may not perform, and does not retry it', async () => {
    const limited = await Auth0ManagementStub.start({
      mode: 'strict',
      managementScopes: without(
        'read:client_grants',
        'create:client_grants',
        'update:client_grants',
        'read:resource_servers',
        'read:log_streams',
      ),
    });
    limited.addResourceServer(AUDIENCE, SCOPES);
    limited.addConnection('google-oauth2', true);
    try {
      const gateway = await startDcrGateway(limited);
      gateways.push(gateway);
      const client = limited.registerClient({ client_name: 'ChatGPT', redirect_uris: [CHATGPT_REDIRECT] });
      await deliverLogs(gateway.url, JSON.stringify([limited.dcrLogRecord(client)]));
      await settled(gateway);

      const { dcr } = await dcrHealth(gateway);
      expect(dcr.lastPreparation).toMatchObject({ clientId: client.client_id, outcome: 'failed' });
      expect(String((dcr.lastPreparation as { detail: string }).detail)).toContain(
        'POST /client-grants failed: HTTP 403 (insufficient_scope',
      );
      expect(limited.count('POST', /^\/api\/v2\/client-grants$/, 403)).toBe(1);
    } finally {
      await limited.stop();
    }
  });
});

describe('auth0 doctor', () => {
  let healthy: Auth0ManagementStub;
  let broken: Auth0ManagementStub;
  let gateway: TestGateway;

  beforeAll(async () => {
    healthy = await startTenant('strict');
    healthy.settings.default_audience = AUDIENCE;
    broken = await Auth0ManagementStub.start({
      mode: 'strict',
      managementScopes: without('update:client_grants'),
    });
    broken.addResourceServer(AUDIENCE, ['docs:read'], {
      signing_alg: 'HS256',
      enforce_policies: false,
      token_dialect: 'access_token',
    });
    broken.addConnection('google-oauth2', false);
    broken.settings.flags = { enable_dynamic_client_registration: false };
    gateway = await startDcrGateway(healthy);
    healthy.addLogStream(`${gateway.url}/auth0-log-webhook`, `Bearer ${WEBHOOK_SECRET}`, {
      filters: [{ type: 'category', name: 'management.success' }],
    });
    broken.addLogStream(`${gateway.url}/auth0-log-webhook`, WEBHOOK_SECRET);
  });

  afterAll(async () => {
    await gateway?.stop();
    await healthy?.stop();
    await broken?.stop();
  });

  it('passes every check, one line each, and exits 0 on a tenant set up as docs/auth0/setup.md says', async () => {
    const run = await runCli({ ...dcrGatewayEnv(healthy), PUBLIC_URL: gateway.url }, (io) =>
      runDoctorCli(io),
    );
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines.map((line) => line.split(/\s{2,}/).slice(0, 2))).toEqual(
      [
        'management scopes',
        'api',
        'rbac',
        'scopes',
        'dcr',
        'audience',
        'connection google-oauth2',
        'log stream',
      ].map((name) => ['OK', name]),
    );
    expect(run.stdout).not.toContain(healthy.mgmtClientSecret);
  });

  it('names each problem of a misconfigured tenant with its fix and exits 1', async () => {
    const run = await runCli({ ...dcrGatewayEnv(broken), PUBLIC_URL: gateway.url }, (io) => runDoctorCli(io));
    expect(run.code).toBe(1);
    const line = (name: string): string =>
      run.stdout.split('\n').find((candidate) => candidate.includes(`  ${name}  `)) ?? '';
    expect(line('management scopes')).toMatch(
      /^FAIL .*missing update:client_grants -> fix: .*grant update:client_grants/,
    );
    expect(line('api')).toMatch(/^FAIL .*signs with HS256 -> fix: .*RS256/);
    expect(line('rbac')).toMatch(/^FAIL .*RBAC off.* -> fix: .*Add Permissions in the Access Token/);
    expect(line('scopes')).toMatch(
      /^FAIL .*does not define docs:write -> fix: API > Permissions: add docs:write/,
    );
    expect(line('dcr')).toMatch(/^FAIL .*Dynamic Client Registration is off -> fix: /);
    expect(line('audience')).toMatch(
      /^FAIL .*Default Audience = https:\/\/gateway\.example\.com\/mcp.*Resource Parameter Compatibility Profile/,
    );
    expect(line('connection google-oauth2')).toMatch(
      /^FAIL .*not domain-level.* -> fix: .*is_domain_connection/,
    );
    expect(line('log stream')).toMatch(
      /^FAIL .*does not send the gateway's secret -> fix: .*Bearer <LOG_WEBHOOK_SECRET>/,
    );
  });

  it('says what to set when MGMT_* is missing', async () => {
    const run = await runCli({ OAUTH_ISSUER: healthy.issuer, OAUTH_AUDIENCE: AUDIENCE }, (io) =>
      runDoctorCli(io),
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /^FAIL\s+management\s+MGMT_DOMAIN, MGMT_CLIENT_ID and MGMT_CLIENT_SECRET are not set -> fix: /,
    );
  });

  it('lists every configuration problem at once instead of checking anything', async () => {
    const run = await runCli({ MGMT_DOMAIN: 'https://tenant.auth0.com', DCR_MODE: 'lenient' }, (io) =>
      runDoctorCli(io),
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('DCR_MODE must be one of auto, strict, permissive');
    expect(run.stderr).toContain('MGMT_CLIENT_ID, MGMT_CLIENT_SECRET are missing');
    expect(run.stderr).toContain("MGMT_DOMAIN must be the tenant's bare host name");
  });

  it('reads only the Management API: never the issuer’s discovery or keys, never the client list (no reconciliation)', async () => {
    const tenant = await startTenant('strict');
    try {
      // The tenant is the issuer too, and reconciliation is on: a CLI that booted the gateway would call both.
      const env = { ...dcrGatewayEnv(tenant), DCR_RECONCILE_INTERVAL_S: '300', PUBLIC_URL: gateway.url };
      await runCli(env, (io) => runDoctorCli(io));
      await runCli(env, (io) => runActionCli([], io));

      expect(tenant.count('GET', /^\/\.well-known\//)).toBe(0);
      expect(tenant.count('GET', /^\/api\/v2\/clients/)).toBe(0);
      expect(tenant.count('GET', /^\/api\/v2\/tenants\/settings$/)).toBe(1);
      expect(tenant.count('GET', /^\/api\/v2\/log-streams$/)).toBe(1);
    } finally {
      await tenant.stop();
    }
  });
});
