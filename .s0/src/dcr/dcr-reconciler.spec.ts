import { Logger } from '@nestjs/common';

import type { RawEnv } from '../config/env.util';
import { chatgptClient, dcrRuntime, DcrRuntime } from '../testing/dcr.fixtures';

const drain = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('DcrReconciler', () => {
  let dcr: DcrRuntime;

  const start = (env: RawEnv = {}): void => {
    dcr = dcrRuntime(env);
    dcr.management.settings = { dynamic_client_registration_security_mode: 'strict' };
    dcr.management.addConnection('google-oauth2', true);
  };

  beforeEach(() => {
    jest.useFakeTimers({
      now: new Date('2026-12-01T10:00:00Z'),
      doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'],
    });
    for (const level of ['log', 'warn'] as const)
      jest.spyOn(Logger.prototype, level).mockImplementation(() => undefined);
    start();
  });

  afterEach(() => {
    dcr.reconciler.onModuleDestroy();
    dcr.queue.onModuleDestroy();
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  describe('one pass', () => {
    it('queues the allow-listed clients that are not prepared, and only those', async () => {
      dcr.management.addClient(chatgptClient({ client_id: 'tpc_new' }));
      dcr.management.addClient(chatgptClient({ client_id: 'tpc_done' }));
      dcr.management.addClient(chatgptClient({ client_id: 'tpc_stranger', name: 'Totally Legit App' }));
      await dcr.preparation.prepare('tpc_done');
      dcr.management.calls.length = 0;

      const report = await dcr.reconciler.run();
      await drain();

      expect(report).toEqual({ at: '2026-12-01T10:00:00.000Z', matching: 2, queued: 1 });
      expect(dcr.status.lastReconcile).toEqual(report);
      expect(dcr.management.grantsOf('tpc_new')).toHaveLength(1);
      expect(dcr.management.grantsOf('tpc_stranger')).toHaveLength(0);
      // Only tpc_new was prepared: the pass itself reads and never writes.
      expect(dcr.management.count('GET /clients/{id}')).toBe(1);
    });

    it.each([
      ['lacks a scope', (d: DcrRuntime) => (d.management.grantsOf('tpc_a')[0].scope = ['docs:read'])],
      [
        'is not enabled on the login connection',
        (d: DcrRuntime) => d.management.enabled.get(d.management.connections[0].id!)!.clear(),
      ],
      [
        'got back a grant type',
        (d: DcrRuntime) => d.management.clients.get('tpc_a')!.grant_types!.push('implicit'),
      ],
      ['lost its grant', (d: DcrRuntime) => d.management.grants.splice(0)],
    ])('queues a prepared client again when it %s', async (_name, undo) => {
      dcr.management.addClient(chatgptClient({ client_id: 'tpc_a' }));
      await dcr.preparation.prepare('tpc_a');
      undo(dcr);

      expect(await dcr.reconciler.run()).toMatchObject({ matching: 1, queued: 1 });
    });

    it('grants TOOL_SCOPES when they are set, not the catalog', async () => {
      start({ TOOL_SCOPES: 'crm:read' });
      dcr.management.addClient(chatgptClient({ client_id: 'tpc_a' }));
      await dcr.preparation.prepare('tpc_a');

      expect(await dcr.reconciler.run()).toMatchObject({ matching: 1, queued: 0 });
      expect(dcr.management.grantsOf('tpc_a')[0].scope).toEqual(['crm:read']);
    });

    it('reads nothing more than the client list when no client matches', async () => {
      dcr.management.addClient(chatgptClient({ client_id: 'tpc_stranger', name: 'Totally Legit App' }));

      expect(await dcr.reconciler.run()).toMatchObject({ matching: 0, queued: 0 });
      expect(dcr.management.calls).toEqual(['GET /clients']);
    });

    it('reports a failed pass and leaves the next one to try again', async () => {
      dcr.management.failNext('GET /clients', new Error('socket hang up'));

      const report = await dcr.reconciler.run();

      expect(report).toEqual({
        at: '2026-12-01T10:00:00.000Z',
        matching: 0,
        queued: 0,
        error: 'socket hang up',
      });
      expect(dcr.status.lastReconcile).toEqual(report);
      expect(await dcr.reconciler.run()).toMatchObject({ matching: 0, queued: 0 });
    });

    it('shares a pass still running instead of starting a second one', async () => {
      dcr.management.addClient(chatgptClient({ client_id: 'tpc_a' }));

      const [first, second] = [dcr.reconciler.run(), dcr.reconciler.run()];

      expect(second).toBe(first);
      await first;
      expect(dcr.management.count('GET /clients')).toBe(1);
    });
  });

  describe('schedule', () => {
    it('runs at start-up and then every DCR_RECONCILE_INTERVAL_S until the module is destroyed', async () => {
      start({ DCR_RECONCILE_INTERVAL_S: '60' });
      const listed = (): number => dcr.management.count('GET /clients');

      dcr.reconciler.onApplicationBootstrap();
      await drain();
      expect(listed()).toBe(1);

      await jest.advanceTimersByTimeAsync(59_999);
      expect(listed()).toBe(1);
      await jest.advanceTimersByTimeAsync(1);
      expect(listed()).toBe(2);
      await jest.advanceTimersByTimeAsync(60_000);
      expect(listed()).toBe(3);

      dcr.reconciler.onModuleDestroy();
      await jest.advanceTimersByTimeAsync(600_000);
      expect(listed()).toBe(3);
    });

    it.each<[string, (d: DcrRuntime) => void]>([
      ['DCR_RECONCILE_INTERVAL_S is 0', () => start({ DCR_RECONCILE_INTERVAL_S: '0' })],
      ['MGMT_* is not configured', (d) => (d.management.configured = false)],
    ])('never runs when %s', async (_name, arrange) => {
      arrange(dcr);

      dcr.reconciler.onApplicationBootstrap();
      await jest.advanceTimersByTimeAsync(3_600_000);

      expect(dcr.management.calls).toEqual([]);
      expect(jest.getTimerCount()).toBe(0);
    });
  });
});
