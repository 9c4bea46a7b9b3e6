import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';

import { RedisConnection } from './redis.connection';

/**
 * Redis as readiness shows it when REDIS_URL is set: reported, never failing. The gateway serves without
 * Redis (fail open), so a Redis outage must not take every replica out of the load balancer at once.
 */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    private readonly redis: RedisConnection,
    private readonly indicators: HealthIndicatorService,
  ) {}

  get configured(): boolean {
    return this.redis.configured;
  }

  check(): HealthIndicatorResult {
    const connection = this.redis.status ?? 'not configured';
    return this.indicators.check('redis').up({ connection, shared: connection === 'ready' });
  }
}
