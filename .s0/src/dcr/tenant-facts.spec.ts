import { Logger } from '@nestjs/common';

import { TEST_AUDIENCE } from '../testing/config.fixtures';
import { chatgptClient, dcrRuntime, DcrRuntime } from '../testing/dcr.fixtures';
import { ManagementApiError } from './management.client';
import { TENANT_FACTS_TTL_MS } from './tenant-facts';

describe('TenantFacts', () => {
  let dcr: DcrRuntime;

  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2026-12-01T10:00:00Z') });
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    dcr = dcrRuntime();
    dcr.management.settings = { dynamic_client_registration_security_mode: 'strict' };
  });

  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('reads the tenant’s DCR mode once per TENANT_FACTS_TTL_MS and reports it to /health/auth0', async () => {
    expect(await dcr.tenant.mode()).toBe('strict');
    expect(dcr.status.detectedMode).toBe('strict');

    dcr.management.settings = { dynamic_client_registration_security_mode: 'permissive' };
    jest.advanceTimersByTime(TENANT_FACTS_TTL_MS - 1);
    expect(await dcr.tenant.mode()).toBe('strict');
    jest.advanceTimersByTime(1);
    expect(await dcr.tenant.mode()).toBe('permissive');

    expect(dcr.management.count('GET /tenants/settings')).toBe(2);
    expect(dcr.status.detectedMode).toBe('permissive');
  });

  it('takes DCR_MODE as it is, without reading the tenant, when it is not auto', async () => {
    dcr = dcrRuntime({ DCR_MODE: 'permissive' });

    expect(await dcr.tenant.mode()).toBe('permissive');
    expect(await dcr.tenant.clientMode(chatgptClient({ client_id: 'tpc_abc' }))).toBe('permissive');
    expect(dcr.management.calls).toEqual([]);
  });

  it('lets each client decide when the tenant settings cannot be read, and does not ask again at once', async () => {
    dcr.management.failNext(
      'GET /tenants/settings',
      new ManagementApiError('GET /tenants/settings', 403, 'insufficient_scope', 'denied'),
    );

    expect(await dcr.tenant.mode()).toBeUndefined();
    expect(await dcr.tenant.clientMode(chatgptClient({ client_id: 'tpc_abc' }))).toBe('strict');
    expect(
      await dcr.tenant.clientMode(
        chatgptClient({ client_id: 'abc', third_party_security_mode: 'permissive' }),
      ),
    ).toBe('permissive');
    // Nothing tells: strict, which never promotes a client to first party.
    expect(await dcr.tenant.clientMode(chatgptClient({ client_id: 'abc' }))).toBe('strict');
    expect(dcr.management.count('GET /tenants/settings')).toBe(1);
    expect(dcr.status.detectedMode).toBeUndefined();
  });

  it('caches a found connection, and looks again for one that did not exist', async () => {
    expect(await dcr.tenant.connection('google-oauth2')).toBeUndefined();
    const created = dcr.management.addConnection('google-oauth2', true);

    expect(await dcr.tenant.connection('google-oauth2')).toMatchObject({ id: created.id });
    expect(await dcr.tenant.connection('google-oauth2')).toMatchObject({ id: created.id });
    expect(dcr.management.count('GET /connections?name=')).toBe(2);

    jest.advanceTimersByTime(TENANT_FACTS_TTL_MS);
    await dcr.tenant.connection('google-oauth2');
    expect(dcr.management.count('GET /connections?name=')).toBe(3);
  });

  it('views the user grants for the audience and who each login connection is enabled for', async () => {
    const google = dcr.management.addConnection('google-oauth2', true);
    dcr.management.enabled.get(google.id!)!.add('tpc_a');
    dcr.management.grants.push(
      {
        id: 'cgr_1',
        client_id: 'tpc_a',
        audience: TEST_AUDIENCE,
        scope: ['docs:read'],
        subject_type: 'user',
      },
      { id: 'cgr_2', client_id: 'tpc_b', audience: 'https://other.example', scope: [], subject_type: 'user' },
      { id: 'cgr_3', audience: TEST_AUDIENCE, scope: [], subject_type: 'user' },
    );

    const view = await dcr.tenant.view();

    expect([...view.grants.keys()]).toEqual(['tpc_a']);
    expect(view.enabledClients).toEqual([new Set(['tpc_a'])]);
  });
});
