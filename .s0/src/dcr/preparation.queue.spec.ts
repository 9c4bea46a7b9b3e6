import { Logger } from '@nestjs/common';

import { chatgptClient, dcrRuntime, DcrRuntime } from '../testing/dcr.fixtures';
import type { PreparationResult } from './dcr-status';
import { ManagementApiError } from './management.client';

/** Lets every pending promise settle; timers stay frozen. */
const drain = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const rateLimited = new ManagementApiError('POST /client-grants', 429, 'too_many_requests', 'slow down');
const denied = new ManagementApiError('POST /client-grants', 403, 'insufficient_scope', 'denied');

describe('PreparationQueue', () => {
  let dcr: DcrRuntime;
  let errors: jest.SpyInstance;

  const start = (env: Record<string, string> = {}): void => {
    dcr = dcrRuntime(env);
    dcr.management.settings = { dynamic_client_registration_security_mode: 'strict' };
    dcr.management.addConnection('google-oauth2', true);
    dcr.management.addClient(chatgptClient({ client_id: 'tpc_a' }));
    dcr.management.addClient(chatgptClient({ client_id: 'tpc_b' }));
  };
  const attempts = (): number => dcr.management.count('POST /client-grants');

  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    for (const level of ['log', 'warn'] as const)
      jest.spyOn(Logger.prototype, level).mockImplementation(() => undefined);
    errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    start();
  });

  afterEach(() => {
    dcr.queue.onModuleDestroy();
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('prepares a queued client and reports the outcome', async () => {
    expect(dcr.queue.enqueue({ clientId: 'tpc_a', logId: 'log-1', source: 'webhook' })).toBe('queued');
    await drain();

    expect(dcr.queue.pending).toBe(0);
    expect(dcr.status.lastPreparation).toMatchObject({ clientId: 'tpc_a', outcome: 'prepared' });
    expect(dcr.management.grantsOf('tpc_a')).toHaveLength(1);
  });

  it('answers duplicate for a log id seen before, a client already queued, and a webhook for a prepared client', async () => {
    expect(dcr.queue.enqueue({ clientId: 'tpc_a', logId: 'log-1', source: 'webhook' })).toBe('queued');
    expect(dcr.queue.enqueue({ clientId: 'tpc_a', logId: 'log-2', source: 'webhook' })).toBe('duplicate');
    await drain();
    expect(dcr.queue.enqueue({ clientId: 'tpc_b', logId: 'log-1', source: 'webhook' })).toBe('duplicate');
    expect(dcr.queue.enqueue({ clientId: 'tpc_a', logId: 'log-3', source: 'webhook' })).toBe('duplicate');
    // The reconciler only asks for clients it saw unprepared in the tenant, so it is always heard.
    expect(dcr.queue.enqueue({ clientId: 'tpc_a', source: 'reconciler' })).toBe('queued');
    await drain();

    expect(dcr.management.count('GET /clients/{id}')).toBe(2);
  });

  it('prepares one client at a time, in arrival order', async () => {
    const order: string[] = [];
    let active = 0;
    let release!: () => void;
    const prepare = dcr.preparation.prepare.bind(dcr.preparation);
    jest
      .spyOn(dcr.preparation, 'prepare')
      .mockImplementation(async (clientId): Promise<PreparationResult> => {
        active += 1;
        order.push(`${clientId} (${active} in flight)`);
        if (clientId === 'tpc_a') await new Promise<void>((resolve) => (release = resolve));
        const result = await prepare(clientId);
        active -= 1;
        return result;
      });

    dcr.queue.enqueue({ clientId: 'tpc_a', source: 'webhook' });
    dcr.queue.enqueue({ clientId: 'tpc_b', source: 'webhook' });
    await drain();
    expect(order).toEqual(['tpc_a (1 in flight)']);

    release();
    await drain();
    expect(order).toEqual(['tpc_a (1 in flight)', 'tpc_b (1 in flight)']);
    expect(dcr.queue.pending).toBe(0);
  });

  it('retries a rate-limited preparation after DCR_PREPARE_RETRY_BASE_MS, doubling the wait each time', async () => {
    dcr.management.failNext('POST /client-grants', rateLimited, 2);

    dcr.queue.enqueue({ clientId: 'tpc_a', source: 'webhook' });
    await drain();
    expect(attempts()).toBe(1);
    expect(dcr.queue.pending).toBe(1);
    expect(dcr.status.lastPreparation).toMatchObject({
      clientId: 'tpc_a',
      outcome: 'failed',
      detail: `${rateLimited.message}; attempt 1, will retry`,
    });

    await jest.advanceTimersByTimeAsync(1999);
    expect(attempts()).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    await drain();
    expect(attempts()).toBe(2);

    await jest.advanceTimersByTimeAsync(3999);
    expect(attempts()).toBe(2);
    await jest.advanceTimersByTimeAsync(1);
    await drain();
    expect(attempts()).toBe(3);
    expect(dcr.status.lastPreparation).toMatchObject({ clientId: 'tpc_a', outcome: 'prepared' });
    expect(dcr.queue.pending).toBe(0);
  });

  it('caps the wait between two tries at five minutes', async () => {
    start({ DCR_PREPARE_RETRY_BASE_MS: '200000' });
    dcr.management.failNext('POST /client-grants', rateLimited, 2);

    dcr.queue.enqueue({ clientId: 'tpc_a', source: 'webhook' });
    await drain();
    await jest.advanceTimersByTimeAsync(200_000);
    await drain();
    expect(attempts()).toBe(2);

    await jest.advanceTimersByTimeAsync(300_000 - 1);
    expect(attempts()).toBe(2);
    await jest.advanceTimersByTimeAsync(1);
    await drain();
    expect(attempts()).toBe(3);
  });

  it('retries a plain error (e.g. a grant listing that lags behind) as well', async () => {
    await dcr.preparation.prepare('tpc_a');
    dcr.management.grantListingLags = true;

    dcr.queue.enqueue({ clientId: 'tpc_a', source: 'reconciler' });
    await drain();
    expect(dcr.status.lastPreparation?.detail).toMatch(/does not list it yet; attempt 1, will retry$/);

    dcr.management.grantListingLags = false;
    await jest.advanceTimersByTimeAsync(2000);
    await drain();
    expect(dcr.status.lastPreparation).toMatchObject({ outcome: 'prepared' });
  });

  it('gives up at once on an answer that cannot change (403) and leaves it to the reconciler', async () => {
    dcr.management.failNext('POST /client-grants', denied);

    dcr.queue.enqueue({ clientId: 'tpc_a', source: 'webhook' });
    await drain();

    expect(dcr.status.lastPreparation).toMatchObject({
      clientId: 'tpc_a',
      outcome: 'failed',
      detail: denied.message,
    });
    expect(dcr.queue.pending).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
    expect(errors).toHaveBeenCalledWith(
      expect.objectContaining({ msg: 'preparation failed; the reconciler will try again', attempts: 1 }),
    );
    // Not prepared, so a later delivery for the same client is queued again.
    expect(dcr.queue.enqueue({ clientId: 'tpc_a', source: 'webhook' })).toBe('queued');
  });

  it('stops after DCR_PREPARE_MAX_ATTEMPTS tries', async () => {
    start({ DCR_PREPARE_MAX_ATTEMPTS: '3' });
    dcr.management.failNext('POST /client-grants', rateLimited, 10);

    dcr.queue.enqueue({ clientId: 'tpc_a', source: 'webhook' });
    for (let i = 0; i < 5; i += 1) {
      await drain();
      await jest.runOnlyPendingTimersAsync();
    }

    expect(attempts()).toBe(3);
    expect(dcr.queue.pending).toBe(0);
    expect(dcr.status.lastPreparation).toMatchObject({ outcome: 'failed', detail: rateLimited.message });
  });

  it('drops pending retries and refuses new work once the module is destroyed', async () => {
    dcr.management.failNext('POST /client-grants', rateLimited);
    dcr.queue.enqueue({ clientId: 'tpc_a', source: 'webhook' });
    await drain();
    expect(jest.getTimerCount()).toBe(1);

    dcr.queue.onModuleDestroy();

    expect(jest.getTimerCount()).toBe(0);
    expect(dcr.queue.pending).toBe(0);
    expect(dcr.queue.enqueue({ clientId: 'tpc_b', source: 'webhook' })).toBe('duplicate');
    await drain();
    expect(attempts()).toBe(1);
  });
});
