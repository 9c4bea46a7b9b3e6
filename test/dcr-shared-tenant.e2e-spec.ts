import { Auth0ManagementStub, eventually } from './support/auth0-management-stub';
import {
  AUDIENCE,
  CHATGPT_REDIRECT,
  dcrHealth,
  SCOPES,
  settled,
  startDcrGateway,
  startTenant,
} from './support/auth0-gateway';
import { TestGateway } from './support/gateway-harness';

const STAGING_AUDIENCE = 'https://gateway.staging.example.com/mcp';

describe('two gateways (production and staging) preparing DCR clients on one Auth0 tenant', () => {
  let tenant: Auth0ManagementStub;
  const gateways: TestGateway[] = [];

  beforeAll(async () => {
    tenant = await startTenant('strict');
    tenant.addResourceServer(STAGING_AUDIENCE, SCOPES);
  });

  afterAll(async () => {
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    await tenant.stop();
  });

  it('grants the staging audience only to clients created after DCR_CLIENTS_CREATED_AFTER; production keeps granting its own to all', async () => {
    const older = tenant.registerClient({ client_name: 'ChatGPT', redirect_uris: [CHATGPT_REDIRECT] });
    older.created_at = '2026-11-01T08:00:00.000Z';
    const newer = tenant.registerClient({ client_name: 'ChatGPT', redirect_uris: [CHATGPT_REDIRECT] });
    newer.created_at = '2026-11-20T08:00:00.000Z';

    const production = await startDcrGateway(tenant, { DCR_RECONCILE_INTERVAL_S: '1' });
    gateways.push(production);
    const staging = await startDcrGateway(tenant, {
      OAUTH_AUDIENCE: STAGING_AUDIENCE,
      DCR_RECONCILE_INTERVAL_S: '1',
      DCR_CLIENTS_CREATED_AFTER: '2026-11-15T00:00:00Z',
    });
    gateways.push(staging);

    await eventually(
      'both gateways to reconcile',
      () =>
        tenant.grantsFor(older.client_id, AUDIENCE).length === 1 &&
        tenant.grantsFor(newer.client_id, AUDIENCE).length === 1 &&
        tenant.grantsFor(newer.client_id, STAGING_AUDIENCE).length === 1,
    );
    // Another full pass of the staging reconciler, which must still leave the older client alone.
    const { dcr: before } = await dcrHealth(staging);
    await eventually('another staging reconcile', async () => {
      const { dcr } = await dcrHealth(staging);
      return JSON.stringify(dcr.lastReconcile) !== JSON.stringify(before.lastReconcile);
    });
    await settled(staging);

    expect(tenant.grantsFor(older.client_id, STAGING_AUDIENCE)).toEqual([]);
    expect((await dcrHealth(staging)).dcr.lastReconcile).toMatchObject({ matching: 1 });
    expect((await dcrHealth(production)).dcr.lastReconcile).toMatchObject({ matching: 2 });
  });
});
