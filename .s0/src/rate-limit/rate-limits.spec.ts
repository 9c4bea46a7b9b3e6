import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';

import { GatewayMetrics } from '../observability/gateway-metrics';
import { testAppConfig } from '../testing/config.fixtures';
import { testRateLimits } from '../testing/rate-limit.fixtures';
import { RedisConnection } from '../redis/redis.connection';
import { RateLimitException } from './rate-limit.exception';
import { RateLimits } from './rate-limits';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

async function admitted(times: number, admit: () => Promise<void>): Promise<number> {
  let passed = 0;
  for (let i = 0; i < times; i++) {
    try {
      await admit();
      passed += 1;
    } catch (error) {
      if (!(error instanceof RateLimitException)) throw error;
    }
  }
  return passed;
}

describe('RateLimits (in memory)', () => {
  it('lets every request through when every limit is 0', async () => {
    const limits = testRateLimits();
    expect(limits.subjectLimited).toBe(false);
    expect(limits.ipLimited).toBe(false);
    expect(await admitted(50, () => limits.admitSubject('alice'))).toBe(50);
    expect(await admitted(50, () => limits.admitTool('search', 'alice'))).toBe(50);
  });

  it('admits RATE_LIMIT_PER_SUBJECT requests per subject and window, then refuses with the seconds to wait', async () => {
    const metrics = new GatewayMetrics();
    const limits = testRateLimits({ RATE_LIMIT_PER_SUBJECT: '3', RATE_LIMIT_WINDOW_S: '60' }, metrics);
    expect(await admitted(3, () => limits.admitSubject('alice'))).toBe(3);

    const refusal = await limits.admitSubject('alice').catch((error: unknown) => error);

    expect(refusal).toBeInstanceOf(RateLimitException);
    expect(refusal).toMatchObject({ scope: 'subject', limit: 3, windowS: 60, code: 'RATE_LIMITED' });
    expect((refusal as RateLimitException).retryAfterS).toBeGreaterThanOrEqual(1);
    expect((refusal as RateLimitException).retryAfterS).toBeLessThanOrEqual(60);
    expect((refusal as Error).message).toBe('Rate limit exceeded: 3 requests per 60 s per user');
    expect(await admitted(3, () => limits.admitSubject('bob'))).toBe(3);
    expect(await metrics.render()).toContain('rate_limited_total{scope="subject"} 1');
  });

  it("limits each subject's calls of each tool; a tool's own rateLimit overrides RATE_LIMIT_PER_TOOL", async () => {
    const limits = testRateLimits({ RATE_LIMIT_PER_TOOL: '2' });
    expect(await admitted(5, () => limits.admitTool('search', 'alice'))).toBe(2);
    expect(await admitted(5, () => limits.admitTool('report', 'alice'))).toBe(2);
    expect(await admitted(5, () => limits.admitTool('expensive', 'alice', 1))).toBe(1);
    expect(await admitted(5, () => limits.admitTool('free', 'alice', 0))).toBe(5);
    const refusal = await limits.admitTool('search', 'alice').catch((error: unknown) => error);
    expect(refusal).toMatchObject({ scope: 'tool', limit: 2 });
  });

  it('limits unauthenticated traffic per client address', async () => {
    const limits = testRateLimits({ RATE_LIMIT_PER_IP: '2' });
    expect(await admitted(4, () => limits.admitIp('10.0.0.1'))).toBe(2);
    expect(await admitted(4, () => limits.admitIp('10.0.0.2'))).toBe(2);
  });
});

describe('RateLimits on Redis', () => {
  const prefix = `cg-test-${randomUUID()}:`;
  const connections: RedisConnection[] = [];

  function onRedis(env: Record<string, string>, metrics = new GatewayMetrics()): RateLimits {
    const config = testAppConfig({ REDIS_URL, REDIS_KEY_PREFIX: prefix, ...env });
    const redis = new RedisConnection(config, metrics);
    connections.push(redis);
    return new RateLimits(config, redis, metrics);
  }

  const ready = async (): Promise<void> => {
    await Promise.all(
      connections.map((c) =>
        c.status === 'ready' ? undefined : new Promise((r) => c.client!.once('ready', r)),
      ),
    );
  };

  afterAll(async () => {
    const cleaner = connections[0]?.client;
    if (cleaner?.status === 'ready') {
      const keys = await cleaner.keys(`${prefix}*`);
      if (keys.length > 0) await cleaner.del(...keys);
    }
    await Promise.all(connections.map((c) => c.onApplicationShutdown()));
  });

  it('shares one count between two gateways (replicas) on the same Redis', async () => {
    const a = onRedis({ RATE_LIMIT_PER_SUBJECT: '4' });
    const b = onRedis({ RATE_LIMIT_PER_SUBJECT: '4' });
    await ready();

    const passed = await admitted(
      8,
      (() => {
        let turn = 0;
        return () => (turn++ % 2 === 0 ? a : b).admitSubject('carol');
      })(),
    );

    expect(passed).toBe(4);
  });

  it('fails open, counts redis_errors_total and warns once when Redis cannot be reached', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const metrics = new GatewayMetrics();
    const config = testAppConfig({
      REDIS_URL: 'redis://127.0.0.1:1',
      REDIS_KEY_PREFIX: prefix,
      RATE_LIMIT_PER_SUBJECT: '1',
    });
    const redis = new RedisConnection(config, metrics);
    connections.push(redis);
    const limits = new RateLimits(config, redis, metrics);

    expect(await admitted(5, () => limits.admitSubject('dave'))).toBe(5);

    expect(await metrics.render()).toContain('redis_errors_total{use="rate_limit"} 5');
    const failures = warn.mock.calls.filter(([message]) =>
      String(message).includes('rate_limit operation failed'),
    );
    expect(failures).toHaveLength(1);
    warn.mockRestore();
  });
});
