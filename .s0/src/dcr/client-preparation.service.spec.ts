import { Logger } from '@nestjs/common';

import { TEST_AUDIENCE } from '../testing/config.fixtures';
import { CATALOG_SCOPES, chatgptClient, dcrRuntime, DcrRuntime } from '../testing/dcr.fixtures';
import { ManagementApiError } from './management.client';

describe('ClientPreparationService', () => {
  let dcr: DcrRuntime;

  beforeEach(() => {
    for (const level of ['log', 'warn'] as const)
      jest.spyOn(Logger.prototype, level).mockImplementation(() => undefined);
    dcr = dcrRuntime();
    dcr.management.settings = { dynamic_client_registration_security_mode: 'strict' };
    dcr.management.addConnection('google-oauth2', true);
  });

  afterEach(() => jest.restoreAllMocks());

  describe('in a strict tenant', () => {
    it('sets only the grant types, enables the login connection and grants the API with the catalog scopes', async () => {
      const client = dcr.management.addClient(chatgptClient({ client_id: 'tpc_abc' }));

      const result = await dcr.preparation.prepare('tpc_abc');

      expect(result).toMatchObject({
        clientId: 'tpc_abc',
        outcome: 'prepared',
        mode: 'strict',
        changes: ['client fields: grant_types', 'connection google-oauth2 enabled', 'client grant created'],
        warnings: [],
      });
      expect(dcr.management.clients.get(client.client_id!)).toMatchObject({
        is_first_party: false,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['authorization_code', 'refresh_token'],
      });
      expect(dcr.management.enabled.get(dcr.management.connections[0].id!)).toEqual(new Set(['tpc_abc']));
      expect(dcr.management.grantsOf('tpc_abc')).toEqual([
        expect.objectContaining({ audience: TEST_AUDIENCE, scope: CATALOG_SCOPES, subject_type: 'user' }),
      ]);
    });

    it('warns, without changing it, about a login connection that is not domain-level', async () => {
      dcr = dcrRuntime({ LOGIN_CONNECTIONS: 'corp-db' });
      dcr.management.settings = { dynamic_client_registration_security_mode: 'strict' };
      dcr.management.addConnection('google-oauth2', true);
      const corp = dcr.management.addConnection('corp-db', false);
      dcr.management.addClient(chatgptClient({ client_id: 'tpc_abc' }));

      const result = await dcr.preparation.prepare('tpc_abc');

      expect(result.warnings).toEqual([
        'connection corp-db is not domain-level: third-party clients cannot log in with it',
      ]);
      expect(dcr.management.enabled.get(corp.id!)).toEqual(new Set(['tpc_abc']));
      expect(corp.is_domain_connection).toBe(false);
    });

    it('reports a login connection that does not exist and prepares the rest', async () => {
      dcr = dcrRuntime({ GOOGLE_CONNECTION_NAME: 'google-typo' });
      dcr.management.addClient(chatgptClient({ client_id: 'tpc_abc' }));

      const result = await dcr.preparation.prepare('tpc_abc');

      expect(result).toMatchObject({
        outcome: 'prepared',
        warnings: ['connection google-typo does not exist'],
      });
      expect(dcr.management.grantsOf('tpc_abc')).toHaveLength(1);
    });
  });

  it('promotes a client of a permissive tenant to a first-party public client', async () => {
    dcr.management.settings = { dynamic_client_registration_security_mode: 'permissive' };
    dcr.management.addClient(chatgptClient({ client_id: 'abc' }));

    const result = await dcr.preparation.prepare('abc');

    expect(result).toMatchObject({ outcome: 'prepared', mode: 'permissive' });
    expect(dcr.management.clients.get('abc')).toMatchObject({
      app_type: 'regular_web',
      is_first_party: true,
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
    });
  });

  it('never promotes a tpc_ client, whatever the tenant settings say', async () => {
    dcr.management.settings = { dynamic_client_registration_security_mode: 'permissive' };
    dcr.management.addClient(chatgptClient({ client_id: 'tpc_abc' }));

    const result = await dcr.preparation.prepare('tpc_abc');

    expect(result.mode).toBe('strict');
    expect(dcr.management.clients.get('tpc_abc')!.is_first_party).toBe(false);
  });

  it('writes nothing new when the same client is prepared twice', async () => {
    dcr.management.addClient(chatgptClient({ client_id: 'tpc_abc' }));
    await dcr.preparation.prepare('tpc_abc');
    dcr.management.calls.length = 0;

    const again = await dcr.preparation.prepare('tpc_abc');

    expect(again.changes).toEqual(['connection google-oauth2 enabled']);
    expect(dcr.management.count('PATCH /clients/{id}')).toBe(0);
    expect(dcr.management.count('PATCH /client-grants/{id}')).toBe(0);
    expect(dcr.management.grantsOf('tpc_abc')).toHaveLength(1);
  });

  it('adds the missing scopes to a grant that exists, keeping the ones it holds', async () => {
    dcr.management.addClient(chatgptClient({ client_id: 'tpc_abc' }));
    dcr.management.grants.push({
      id: 'cgr_old',
      client_id: 'tpc_abc',
      audience: TEST_AUDIENCE,
      scope: ['legacy:read', 'docs:read'],
      subject_type: 'user',
    });

    const result = await dcr.preparation.prepare('tpc_abc');

    expect(result.changes).toContain('client grant scopes added: docs:write');
    expect(dcr.management.grantsOf('tpc_abc')).toEqual([
      expect.objectContaining({ id: 'cgr_old', scope: ['legacy:read', 'docs:read', 'docs:write'] }),
    ]);
  });

  it('grants TOOL_SCOPES ∪ REQUIRED_SCOPES instead of the catalog when they are set', async () => {
    dcr = dcrRuntime({ TOOL_SCOPES: 'crm:read', REQUIRED_SCOPES: 'crm:write crm:read' });
    dcr.management.addConnection('google-oauth2', true);
    dcr.management.addClient(chatgptClient({ client_id: 'tpc_abc' }));

    await dcr.preparation.prepare('tpc_abc');

    expect(dcr.management.grantsOf('tpc_abc')[0].scope).toEqual(['crm:read', 'crm:write']);
  });

  it('fails with a retryable error when Auth0 answers 409 but does not list the grant yet', async () => {
    dcr.management.addClient(chatgptClient({ client_id: 'tpc_abc' }));
    await dcr.preparation.prepare('tpc_abc');
    dcr.management.grantListingLags = true;

    const error = await dcr.preparation.prepare('tpc_abc').catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(ManagementApiError);
    expect((error as Error).message).toBe('Auth0 answered 409 for the client grant but does not list it yet');
  });

  it.each([
    ['a name that is not ChatGPT’s', { name: 'Totally Legit App' }, /does not match DCR_CLIENT_NAME_PATTERN/],
    [
      'a foreign redirect URI',
      { callbacks: ['https://chatgpt.com/connector/oauth/x', 'https://evil.example/cb'] },
      /outside DCR_REDIRECT_HOSTS.*evil\.example/,
    ],
    ['a password grant', { grant_types: ['authorization_code', 'password'] }, /grant type\(s\).*password/],
  ])('skips a client with %s and writes nothing', async (_name, overrides, reason) => {
    dcr.management.addClient(chatgptClient({ client_id: 'tpc_x', ...overrides }));

    const result = await dcr.preparation.prepare('tpc_x');

    expect(result).toMatchObject({ clientId: 'tpc_x', outcome: 'skipped' });
    expect(result.detail).toMatch(reason);
    expect(dcr.management.calls).toEqual(['GET /clients/{id}']);
  });

  it('skips a client that no longer exists', async () => {
    const result = await dcr.preparation.prepare('tpc_gone');

    expect(result).toMatchObject({ outcome: 'skipped', detail: 'the client does not exist (deleted?)' });
  });

  it('fails without writing when OAUTH_AUDIENCE is not set', async () => {
    dcr = dcrRuntime({ OAUTH_ISSUER: '', OAUTH_AUDIENCE: '' });
    dcr.management.addClient(chatgptClient({ client_id: 'tpc_abc' }));

    const result = await dcr.preparation.prepare('tpc_abc');

    expect(result).toMatchObject({ outcome: 'failed', detail: 'OAUTH_AUDIENCE is not set: no API to grant' });
    expect(dcr.management.calls).toEqual(['GET /clients/{id}']);
  });

  it('lets a Management API failure through with its operation, for the queue to judge', async () => {
    dcr.management.addClient(chatgptClient({ client_id: 'tpc_abc' }));
    const denied = new ManagementApiError('POST /client-grants', 403, 'insufficient_scope', 'denied');
    dcr.management.failNext('POST /client-grants', denied);

    await expect(dcr.preparation.prepare('tpc_abc')).rejects.toBe(denied);
  });
});
