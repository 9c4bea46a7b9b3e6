import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { connect, createServer, Server, Socket } from 'node:net';

import { AdminServer } from '../src/observability/admin-server';
import { eventually } from './support/auth0-management-stub';
import { sample, scrape } from './support/prometheus';
import { startTokenStack, TokenStack } from './support/token-stack';

const REDIS = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const SECRET = 'o'.repeat(64);

/** A TCP relay in front of the real Redis that the test can cut, as a Redis outage would. */
async function redisRelay(): Promise<{ port: number; cut(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(REDIS.port || 6379), REDIS.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    cut: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        sockets.forEach((socket) => socket.destroy());
      }),
  };
}

describe('Redis going away while the gateway serves', () => {
  let stack: TokenStack;
  let relay: Awaited<ReturnType<typeof redisRelay>>;
  let adminUrl: string;

  beforeAll(async () => {
    relay = await redisRelay();
    stack = await startTokenStack({
      secret: SECRET,
      env: {
        REDIS_URL: `redis://${REDIS.username ? `${REDIS.username}:${REDIS.password}@` : ''}127.0.0.1:${relay.port}`,
        REDIS_KEY_PREFIX: `cg-test-${randomUUID()}:`,
        REDIS_TIMEOUT_MS: '200',
        RATE_LIMIT_PER_SUBJECT: '2',
      },
      tools: () => [{ name: 'search', description: 'Search', scopes: ['tools:read'] }],
    });
    adminUrl = `http://127.0.0.1:${await stack.gateway.app.get(AdminServer).listen(0, '127.0.0.1')}`;
  });

  afterAll(async () => {
    await stack?.stop();
    await relay?.cut();
  });

  const ready = async (): Promise<{ status: number; redis: Record<string, unknown> }> => {
    const response = await fetch(`${stack.gateway.url}/health/ready`);
    const body = (await response.json()) as { info?: Record<string, Record<string, unknown>> };
    return { status: response.status, redis: body.info?.redis ?? {} };
  };

  it('counts on Redis while it answers, then fails open with a warning and redis_errors_total, never a 500', async () => {
    const { gateway, issuer, audience } = stack;
    const token = issuer.sign(issuer.claims(audience, { sub: `outage-${randomUUID()}` }));
    const call = async (): Promise<number> =>
      (
        await fetch(`${gateway.url}/tools/search`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: '{}',
        })
      ).status;
    await eventually(
      'the Redis connection',
      async () => (await ready()).redis.connection === 'ready',
      20_000,
    );
    expect(await ready()).toEqual({
      status: 200,
      redis: { status: 'up', connection: 'ready', shared: true },
    });
    expect([await call(), await call(), await call()]).toEqual([200, 200, 429]);

    const warn = jest.spyOn(Logger.prototype, 'warn');
    await relay.cut();

    expect([await call(), await call(), await call()]).toEqual([200, 200, 200]);
    expect(sample(await scrape(adminUrl), 'redis_errors_total{use="rate_limit"}')).toBeGreaterThanOrEqual(3);
    const warnings = warn.mock.calls.map(([message]) => String(message));
    expect(warnings.some((message) => /Redis (unavailable|rate_limit operation failed)/.test(message))).toBe(
      true,
    );
    // Readiness still passes: every replica losing Redis must not leave the load balancer empty.
    const after = await ready();
    expect(after.status).toBe(200);
    expect(after.redis).toMatchObject({ status: 'up', shared: false });
    warn.mockRestore();
  });
});
