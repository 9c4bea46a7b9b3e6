import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import Redis from 'ioredis';

import { appConfig } from '../config/app.config';
import { GatewayMetrics } from '../observability/gateway-metrics';

/** What a Redis operation was for; the label of redis_errors_total. */
export type RedisUse = 'rate_limit' | 'lease' | 'dedup';

/**
 * The one Redis client of an application, present only when REDIS_URL is set. Commands never wait for
 * a connection (no offline queue) and have a deadline, so a Redis outage costs a request at most
 * REDIS_TIMEOUT_MS; callers then carry on without Redis (fail open) and report it with `failed()`.
 */
@Injectable()
export class RedisConnection implements OnApplicationShutdown {
  private readonly logger = new Logger('Redis');
  readonly client?: Redis;
  private readonly prefix: string;
  private readonly failing = new Set<RedisUse>();

  constructor(
    @Inject(appConfig.KEY) config: ConfigType<typeof appConfig>,
    private readonly metrics: GatewayMetrics,
  ) {
    this.prefix = config.redis?.keyPrefix ?? '';
    if (!config.redis) return;
    const client = new Redis(config.redis.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: config.redis.timeoutMs,
      connectTimeout: Math.max(config.redis.timeoutMs, 1000),
      // Keep trying in the background; requests meanwhile fail open.
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    });
    let down = false;
    client.on('error', (error: Error) => {
      if (down) return;
      down = true;
      // The URL may hold a password: only the error class and code are logged.
      this.logger.warn(
        `Redis unavailable (${(error as NodeJS.ErrnoException).code ?? error.name}); carrying on without it`,
      );
    });
    client.on('ready', () => {
      if (down) this.logger.log('Redis connection restored');
      down = false;
      this.failing.clear();
    });
    this.client = client;
  }

  get configured(): boolean {
    return this.client !== undefined;
  }

  /** `ready`, `connecting`, `reconnecting`, … (ioredis' status); undefined without REDIS_URL. */
  get status(): string | undefined {
    return this.client?.status;
  }

  /** A key in this deployment's namespace (REDIS_KEY_PREFIX). */
  key(name: string): string {
    return `${this.prefix}${name}`;
  }

  /** Counts a failed operation and warns once per outage and use. */
  failed(use: RedisUse, error: unknown): void {
    this.metrics.redisErrors.cell(use).inc();
    if (this.failing.has(use)) return;
    this.failing.add(use);
    const reason =
      error instanceof Error ? ((error as NodeJS.ErrnoException).code ?? error.message) : String(error);
    this.logger.warn(`Redis ${use} operation failed (${reason}); failing open`);
  }

  /** Clears the once-per-outage warning after a successful operation. */
  succeeded(use: RedisUse): void {
    if (this.failing.size > 0) this.failing.delete(use);
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.client) return;
    if (this.client.status !== 'ready') {
      this.client.disconnect();
      return;
    }
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }
}
