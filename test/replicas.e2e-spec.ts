import { randomUUID } from 'node:crypto';
import { networkInterfaces } from 'node:os';

import Redis from 'ioredis';

import { Auth0ManagementStub, eventually } from './support/auth0-management-stub';
import { deliverLogs } from './support/auth0-log-delivery';
import { AUDIENCE, CHATGPT_REDIRECT, dcrGatewayEnv, startTenant } from './support/auth0-gateway';
import { metricOf, Replica, ReplicaSet, startReplicas } from './support/replica-set';
import { SignedBackend } from './support/signed-backend';
import { TestIssuer } from './support/test-issuer';
import { writeToolsFile } from './support/tools-file';

interface DcrHealthBody {
  details: { dcr: { pendingPreparations: number } };
}

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const SECRET = 'p'.repeat(64);
const PER_SUBJECT = 6;
const INTERVAL_S = 2;

/** Three gateway processes sharing one Redis and one Auth0 tenant (the Management API stand-in). */
describe('three replicas sharing Redis', () => {
  const prefix = `cg-test-${randomUUID()}:`;
  let tenant: Auth0ManagementStub;
  let issuer: TestIssuer;
  let backend: SignedBackend;
  let set: ReplicaSet;
  let replicas: Replica[];

  beforeAll(async () => {
    tenant = await startTenant('strict');
    issuer = await new TestIssuer().start();
    backend = await new SignedBackend(SECRET).start();
    set = await startReplicas(3, {
      ...dcrGatewayEnv(tenant),
      OAUTH_ISSUER: issuer.issuer,
      OAUTH_AUDIENCE: AUDIENCE,
      FUNCTIONS_BASE: backend.url,
      GATEWAY_HMAC_SECRET: SECRET,
      TOOLS_FILE: writeToolsFile([{ name: 'search', description: 'Search', scopes: ['docs:read'] }]),
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      RATE_LIMIT_PER_SUBJECT: String(PER_SUBJECT),
      RATE_LIMIT_WINDOW_S: '60',
      DCR_RECONCILE_INTERVAL_S: String(INTERVAL_S),
    });
    replicas = set.replicas;
  });

  afterAll(async () => {
    await set?.stop();
    await backend?.stop();
    await issuer?.stop();
    await tenant?.stop();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it("listens on every interface, not only loopback: a pod's Service and probes reach it on the pod's address", async () => {
    // The machine's first outside IPv4 address; else IPv6 loopback, which a server bound to 127.0.0.1 refuses too.
    const outside = Object.values(networkInterfaces())
      .flat()
      .find((address) => address && address.family === 'IPv4' && !address.internal)?.address;
    const host = outside ?? '[::1]';
    for (const replica of replicas) {
      const response = await fetch(`http://${host}:${new URL(replica.url).port}/health/live`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ status: 'ok' });
    }
  });

  it(`lets exactly ${PER_SUBJECT} calls of one subject through across replicas (round-robin), the rest 429 with Retry-After`, async () => {
    const token = issuer.sign(issuer.claims(AUDIENCE, { sub: `rr-${randomUUID()}`, scope: 'docs:read' }));
    const answers: Response[] = [];
    for (let i = 0; i < PER_SUBJECT + 5; i++) {
      answers.push(
        await fetch(`${replicas[i % 3].url}/tools/search`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: '{}',
        }),
      );
    }

    const passed = answers.filter((answer) => answer.status === 200);
    const refused = answers.filter((answer) => answer.status === 429);
    // ±1 only if the 60 s window happened to turn over during the run.
    expect(passed.length).toBeGreaterThanOrEqual(PER_SUBJECT);
    expect(passed.length).toBeLessThanOrEqual(PER_SUBJECT + 1);
    expect(passed.length + refused.length).toBe(PER_SUBJECT + 5);
    for (const answer of refused) {
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(await answer.json()).toMatchObject({
        code: 'RATE_LIMITED',
        scope: 'subject',
        limit: PER_SUBJECT,
      });
    }
  });

  it('prepares a client once when the same DCR log batch reaches all three replicas at once', async () => {
    const client = tenant.registerClient({ client_name: 'ChatGPT', redirect_uris: [CHATGPT_REDIRECT] });
    const batch = JSON.stringify([tenant.dcrLogRecord(client)]);
    const prepared = (r: Replica): Promise<number> =>
      metricOf(r, 'dcr_preparations_total{outcome="prepared",mode="strict"}');
    const before = await Promise.all(replicas.map(prepared));

    const deliveries = await Promise.all(replicas.map((r) => deliverLogs(r.url, batch)));
    expect(
      deliveries.map((delivery) => delivery.status).every((status) => status === 200 || status === 202),
    ).toBe(true);
    await eventually(
      'the client to be prepared',
      () => tenant.grantsFor(client.client_id, AUDIENCE).length > 0,
    );
    // Give the other replicas time to (wrongly) prepare it too before counting.
    await eventually(
      'every replica to settle',
      async () => {
        const health = await Promise.all(
          replicas.map((r) =>
            fetch(`${r.adminUrl}/health/auth0`).then((x) => x.json() as Promise<DcrHealthBody>),
          ),
        );
        return health.every((body) => body.details.dcr.pendingPreparations === 0);
      },
      30_000,
    );

    expect(tenant.grantsFor(client.client_id, AUDIENCE)).toHaveLength(1);
    expect(tenant.count('PATCH', new RegExp(`^/api/v2/clients/${client.client_id}$`))).toBe(1);
    const after = await Promise.all(replicas.map(prepared));
    expect(after.reduce((sum, n) => sum + n, 0) - before.reduce((sum, n) => sum + n, 0)).toBe(1);
  });

  it('reconciles on one replica at a time, once per interval, and another takes over when the holder dies', async () => {
    const reconciliations = (r: Replica): Promise<number> =>
      metricOf(r, 'dcr_reconciliations_total{outcome="ok"}');
    const listCalls = (): number => tenant.count('GET', /^\/api\/v2\/clients$/);
    // Wait for the cadence to settle, then watch five intervals.
    await eventually(
      'a first reconciliation',
      async () => (await Promise.all(replicas.map(reconciliations))).some(Boolean),
      30_000,
    );
    const before = await Promise.all(replicas.map(reconciliations));
    const listedBefore = listCalls();
    await new Promise((resolve) => setTimeout(resolve, 5 * INTERVAL_S * 1000));
    const after = await Promise.all(replicas.map(reconciliations));
    const listed = listCalls() - listedBefore;

    const moved = after.map((n, i) => n - before[i]);
    expect(moved.filter((n) => n > 0)).toHaveLength(1);
    // One pass per interval: about 5 (uncoordinated, three replicas would make about 15).
    expect(listed).toBeGreaterThanOrEqual(2);
    expect(listed).toBeLessThanOrEqual(7);
    // The passes the holder counted are the list requests the tenant saw (one may be in flight at either end).
    expect(Math.abs(moved.reduce((sum, n) => sum + n, 0) - listed)).toBeLessThanOrEqual(1);

    const holder = replicas[moved.findIndex((n) => n > 0)];
    const others = replicas.filter((r) => r !== holder);
    const leading = (r: Replica): Promise<number> => metricOf(r, 'dcr_reconciler_leader');
    expect(await leading(holder)).toBe(1);
    expect(await Promise.all(others.map(leading))).toEqual([0, 0]);
    const othersBefore = await Promise.all(others.map(reconciliations));
    await holder.kill('SIGKILL');

    const successor = await eventually(
      'another replica to take the lease over',
      async () => {
        const now = await Promise.all(others.map(reconciliations));
        const index = now.findIndex((n, i) => n > othersBefore[i]);
        return index >= 0 ? others[index] : undefined;
      },
      30_000,
    );
    expect(successor.alive()).toBe(true);
    expect(await leading(successor)).toBe(1);
  });
});
