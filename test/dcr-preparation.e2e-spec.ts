import { Auth0ManagementStub, eventually, StubClient } from './support/auth0-management-stub';
import { deliverLogs } from './support/auth0-log-delivery';
import {
  AUDIENCE,
  CHATGPT_REDIRECT,
  dcrHealth,
  SCOPES,
  settled,
  startDcrGateway,
  startTenant,
} from './support/auth0-gateway';
import type { TestGateway } from './support/gateway-harness';

describe('DCR client preparation in a strict tenant', () => {
  let tenant: Auth0ManagementStub;
  let gateway: TestGateway;
  let replica: TestGateway | undefined;

  beforeAll(async () => {
    tenant = await startTenant('strict');
    tenant.addConnection('corp-db', false, 'auth0');
    gateway = await startDcrGateway(tenant, { LOGIN_CONNECTIONS: 'corp-db' });
  });

  afterAll(async () => {
    await replica?.stop();
    await gateway?.stop();
    await tenant?.stop();
  });

  const chatgpt = (): StubClient =>
    tenant.registerClient({ client_name: 'ChatGPT', redirect_uris: [CHATGPT_REDIRECT] });
  const connection = (name: string): string =>
    [...tenant.connections.values()].find((c) => c.name === name)!.id;

  it('prepares a ChatGPT client: allowed fields only, connections enabled, one user grant with the scopes', async () => {
    const client = chatgpt();
    expect(client.client_id).toMatch(/^tpc_/);

    const delivery = await deliverLogs(gateway.url, JSON.stringify([tenant.dcrLogRecord(client)]));
    expect(delivery.status).toBe(202);
    expect(delivery.body).toMatchObject({ dcrEvents: 1, queued: 1, duplicates: 0, preparation: 'enabled' });
    await settled(gateway);

    expect(client.is_first_party).toBe(false);
    expect(client.grant_types).toEqual(['authorization_code', 'refresh_token']);
    expect(client.token_endpoint_auth_method).toBe('client_secret_basic');
    expect(tenant.connectionEnabledFor(connection('google-oauth2'), client.client_id)).toBe(true);
    expect(tenant.connectionEnabledFor(connection('corp-db'), client.client_id)).toBe(true);
    expect(tenant.grantsFor(client.client_id)).toEqual([
      expect.objectContaining({ audience: AUDIENCE, scope: SCOPES, subject_type: 'user' }),
    ]);
    // Nothing the strict tenant refuses was sent, and enabled_clients (deprecated) was never written.
    expect(tenant.count('PATCH', /^\/api\/v2\/clients\//, 400)).toBe(0);
    expect(tenant.count('PATCH', /^\/api\/v2\/connections\/[^/]+$/)).toBe(0);

    const { dcr } = await dcrHealth(gateway);
    expect(dcr.lastPreparation).toMatchObject({
      clientId: client.client_id,
      outcome: 'prepared',
      mode: 'strict',
      warnings: ['connection corp-db is not domain-level: third-party clients cannot log in with it'],
    });
  });

  it.each([
    ['a name that is not ChatGPT’s', { client_name: 'Totally Legit App', redirect_uris: [CHATGPT_REDIRECT] }],
    [
      'a redirect URI outside ChatGPT',
      { client_name: 'ChatGPT', redirect_uris: [CHATGPT_REDIRECT, 'https://evil.example/cb'] },
    ],
    ['a plain-http ChatGPT redirect', { client_name: 'ChatGPT', redirect_uris: ['http://chatgpt.com/cb'] }],
  ])('leaves a client with %s alone', async (_name, metadata) => {
    const client = tenant.registerClient(metadata);
    const before = structuredClone(client);

    const delivery = await deliverLogs(gateway.url, JSON.stringify(tenant.dcrLogRecord(client)));
    expect(delivery.body).toMatchObject({ dcrEvents: 1, queued: 1 });
    await settled(gateway);

    expect(client).toEqual(before);
    expect(tenant.grantsFor(client.client_id)).toEqual([]);
    expect(tenant.connectionEnabledFor(connection('google-oauth2'), client.client_id)).toBe(false);
    expect((await dcrHealth(gateway)).dcr.lastPreparation).toMatchObject({
      clientId: client.client_id,
      outcome: 'skipped',
    });
  });

  it('keeps exactly one grant however often the event is delivered', async () => {
    const client = chatgpt();
    const record = JSON.stringify([tenant.dcrLogRecord(client)]);
    const answers = await Promise.all([1, 2, 3].map(() => deliverLogs(gateway.url, record)));
    expect(answers.map((answer) => answer.body.queued).sort()).toEqual([0, 0, 1]);
    await settled(gateway);

    // A redelivery with a new log id for a prepared client, and a second replica seeing the same event.
    const again = await deliverLogs(gateway.url, JSON.stringify([tenant.dcrLogRecord(client)]));
    expect(again.body).toMatchObject({ dcrEvents: 1, queued: 0, duplicates: 1 });
    replica = await startDcrGateway(tenant);
    await deliverLogs(replica.url, record);
    await settled(replica);

    expect(tenant.grantsFor(client.client_id, AUDIENCE)).toHaveLength(1);
    expect(tenant.grantsFor(client.client_id, AUDIENCE)[0].scope).toEqual(SCOPES);
  });

  it('adds the missing scopes to a grant that already exists (409) instead of creating another', async () => {
    const client = chatgpt();
    tenant.grants.push({
      id: 'cgr_existing',
      client_id: client.client_id,
      audience: AUDIENCE,
      scope: ['docs:read', 'admin:extra'],
      subject_type: 'user',
    });
    const conflictsBefore = tenant.count('POST', /^\/api\/v2\/client-grants$/, 409);

    await deliverLogs(gateway.url, JSON.stringify([tenant.dcrLogRecord(client)]));
    await settled(gateway);

    expect(tenant.count('POST', /^\/api\/v2\/client-grants$/, 409)).toBe(conflictsBefore + 1);
    expect(tenant.grantsFor(client.client_id)).toEqual([
      expect.objectContaining({ id: 'cgr_existing', scope: ['docs:read', 'admin:extra', 'docs:write'] }),
    ]);
  });

  it('survives a 429 storm, waiting as x-ratelimit-reset and Retry-After say', async () => {
    const client = chatgpt();
    tenant.injectFault({ status: 429, times: 3, match: /\/api\/v2\//, retryAfterS: 1 });
    tenant.injectFault({ status: 429, times: 4, match: /\/api\/v2\//, resetInS: 1 });
    tenant.injectFault({ status: 503, times: 1, match: /^POST \/api\/v2\/client-grants$/ });
    const throttledBefore =
      tenant.count('GET', /./, 429) + tenant.count('POST', /./, 429) + tenant.count('PATCH', /./, 429);

    await deliverLogs(gateway.url, JSON.stringify([tenant.dcrLogRecord(client)]));
    await settled(gateway);

    const throttled =
      tenant.count('GET', /./, 429) + tenant.count('POST', /./, 429) + tenant.count('PATCH', /./, 429);
    expect(throttled - throttledBefore).toBe(7);
    expect(tenant.grantsFor(client.client_id)).toHaveLength(1);
    expect(client.grant_types).toContain('refresh_token');
    expect((await dcrHealth(gateway)).dcr.lastPreparation).toMatchObject({
      clientId: client.client_id,
      outcome: 'prepared',
    });
  });

  it('asks the Management API for a token once per gateway and reuses it', () => {
    // Two gateways (the replica included) prepared several clients.
    expect(tenant.tokenRequests).toBe(2);
  });
});

describe('DCR client preparation in a permissive tenant', () => {
  let tenant: Auth0ManagementStub;
  let gateway: TestGateway;

  beforeAll(async () => {
    tenant = await startTenant('permissive');
    gateway = await startDcrGateway(tenant);
  });

  afterAll(async () => {
    await gateway?.stop();
    await tenant?.stop();
  });

  it('promotes a ChatGPT client as the earlier gateway did and grants it the API', async () => {
    const client = tenant.registerClient({
      client_name: 'OpenAI ChatGPT connector',
      redirect_uris: [CHATGPT_REDIRECT, 'https://chat.openai.com/connector/oauth/c-123'],
      grant_types: ['authorization_code', 'implicit'],
    });
    expect(client.client_id).not.toMatch(/^tpc_/);

    const lines = JSON.stringify(tenant.dcrLogRecord(client));
    expect((await deliverLogs(gateway.url, lines, { contentType: 'application/x-ndjson' })).status).toBe(202);
    await settled(gateway);

    expect(client).toMatchObject({
      app_type: 'regular_web',
      is_first_party: true,
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
    });
    const google = [...tenant.connections.values()].find((c) => c.name === 'google-oauth2')!;
    expect(tenant.connectionEnabledFor(google.id, client.client_id)).toBe(true);
    expect(tenant.grantsFor(client.client_id)).toEqual([
      expect.objectContaining({ audience: AUDIENCE, scope: SCOPES, subject_type: 'user' }),
    ]);
    expect((await dcrHealth(gateway)).dcr.lastPreparation).toMatchObject({
      outcome: 'prepared',
      mode: 'permissive',
    });
  });
});

describe('DCR reconciler', () => {
  let tenant: Auth0ManagementStub;
  let gateway: TestGateway;

  beforeAll(async () => {
    tenant = await startTenant('strict');
  });

  afterAll(async () => {
    await gateway?.stop();
    await tenant?.stop();
  });

  it('prepares, at start-up and then periodically, clients whose event never arrived, and only those that match', async () => {
    const missed = tenant.registerClient({ client_name: 'ChatGPT', redirect_uris: [CHATGPT_REDIRECT] });
    const stranger = tenant.registerClient({
      client_name: 'Some other app',
      redirect_uris: ['https://other.example/cb'],
    });

    gateway = await startDcrGateway(tenant, { DCR_RECONCILE_INTERVAL_S: '1' });
    await eventually(
      'the missed client to get its grant',
      () => tenant.grantsFor(missed.client_id).length === 1,
    );
    const late = tenant.registerClient({ client_name: 'ChatGPT', redirect_uris: [CHATGPT_REDIRECT] });
    await eventually('the late client to get its grant', () => tenant.grantsFor(late.client_id).length === 1);
    await settled(gateway);

    expect(missed.grant_types).toContain('refresh_token');
    expect(tenant.grantsFor(stranger.client_id)).toEqual([]);
    expect(stranger.grant_types).toEqual(['authorization_code']);
    const { dcr } = await dcrHealth(gateway);
    expect(dcr.lastReconcile).toMatchObject({ matching: 2 });
    expect(tenant.grantsFor(missed.client_id)).toHaveLength(1);
  });
});
