import type { RawEnv } from '../config/env.util';
import { GatewayMetrics } from '../observability/gateway-metrics';
import { RateLimits } from '../rate-limit/rate-limits';
import { RedisConnection } from '../redis/redis.connection';
import { testAppConfig } from './config.fixtures';

/** In-memory rate limits configured from RATE_LIMIT_* in `env` (none by default: every limit off). */
export function testRateLimits(env: RawEnv = {}, metrics = new GatewayMetrics()): RateLimits {
  const config = testAppConfig(env);
  return new RateLimits(config, new RedisConnection(config, metrics), metrics);
}
