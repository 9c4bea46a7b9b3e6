import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import {
  RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';

import { appConfig } from '../config/app.config';
import { GatewayMetrics } from '../observability/gateway-metrics';
import { RedisConnection } from '../redis/redis.connection';
import { CounterCell } from '../observability/metric-family';
import { LimitScope, RateLimitException } from './rate-limit.exception';

/**
 * Fixed-window limits per subject, per subject and tool, and per client IP for unauthenticated traffic,
 * counted in Redis when REDIS_URL is set (one count across replicas) and in memory otherwise. A Redis
 * failure lets the request through (fail open): a limit must never turn an outage of Redis into an
 * outage of the gateway.
 */
@Injectable()
export class RateLimits {
  private readonly windowS: number;
  private readonly subject?: RateLimiterAbstract;
  private readonly ip?: RateLimiterAbstract;
  private readonly toolLimiters = new Map<number, RateLimiterAbstract>();
  private readonly defaultToolLimit: number;
  private readonly refused: Record<LimitScope, CounterCell>;

  constructor(
    @Inject(appConfig.KEY) config: ConfigType<typeof appConfig>,
    private readonly redis: RedisConnection,
    metrics: GatewayMetrics,
  ) {
    const limits = config.rateLimits;
    this.windowS = limits.windowS;
    this.defaultToolLimit = limits.perTool;
    this.subject = this.limiter('subject', limits.perSubject);
    this.ip = this.limiter('ip', limits.perIp);
    this.refused = {
      subject: metrics.rateLimited.cell('subject'),
      tool: metrics.rateLimited.cell('tool'),
      ip: metrics.rateLimited.cell('ip'),
    };
  }

  get ipLimited(): boolean {
    return this.ip !== undefined;
  }

  get subjectLimited(): boolean {
    return this.subject !== undefined;
  }

  /** Counts one request of an authenticated subject; throws RateLimitException over the limit. */
  async admitSubject(sub: string): Promise<void> {
    if (this.subject) await this.consume(this.subject, 'subject', sub);
  }

  /**
   * Counts one call of `tool` by `caller` (a key that tells subjects from anonymous addresses);
   * `toolLimit` (from the catalog) overrides RATE_LIMIT_PER_TOOL.
   */
  async admitTool(tool: string, caller: string, toolLimit?: number): Promise<void> {
    const points = toolLimit ?? this.defaultToolLimit;
    if (points === 0) return;
    let limiter = this.toolLimiters.get(points);
    if (!limiter) this.toolLimiters.set(points, (limiter = this.limiter(`tool:${points}`, points)!));
    await this.consume(limiter, 'tool', `${tool}:${caller}`);
  }

  /** Counts one request from a client address that carries no verified token. */
  async admitIp(ip: string | undefined): Promise<void> {
    if (this.ip) await this.consume(this.ip, 'ip', ip ?? 'unknown');
  }

  private limiter(name: string, points: number): RateLimiterAbstract | undefined {
    if (points === 0) return undefined;
    const options = { points, duration: this.windowS, keyPrefix: this.redis.key(`rl:${name}`) };
    return this.redis.client
      ? new RateLimiterRedis({ ...options, storeClient: this.redis.client, rejectIfRedisNotReady: true })
      : new RateLimiterMemory(options);
  }

  private async consume(limiter: RateLimiterAbstract, scope: LimitScope, key: string): Promise<void> {
    try {
      await limiter.consume(key);
      if (this.redis.configured) this.redis.succeeded('rate_limit');
    } catch (outcome) {
      if (!(outcome instanceof RateLimiterRes)) {
        this.redis.failed('rate_limit', outcome);
        return;
      }
      this.refused[scope].inc();
      throw new RateLimitException(
        scope,
        limiter.points,
        this.windowS,
        Math.max(1, Math.ceil(outcome.msBeforeNext / 1000)),
      );
    }
  }
}
