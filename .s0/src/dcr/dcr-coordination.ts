import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

import { RedisConnection } from '../redis/redis.connection';

/** How long a replica keeps a client it started preparing, so redeliveries to other replicas skip it. */
export const CLIENT_CLAIM_TTL_MS = 5 * 60_000;

/** Renews the lease if this replica holds it, else takes it when free; 1 when held after the call. */
const HOLD_LEASE = `
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0`;

/** Deletes a key only if this replica still owns it (a lease or claim that expired may be someone else's). */
const RELEASE_OWN = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * What replicas agree on through Redis (REDIS_URL) for the DCR automation: which replica reconciles (a
 * lease with expiry, renewed by its holder) and which replica prepares a client that several replicas
 * were told about (a short-lived claim per client id). Without Redis, or when Redis fails, every answer
 * is "go ahead": one replica behaves as before, and the preparation converges on one state anyway, so
 * failing open costs duplicate Management API calls, never a broken client.
 */
@Injectable()
export class DcrCoordination implements BeforeApplicationShutdown {
  /** This process, as lease and claim holder. */
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private lastReconciledLocally?: number;

  constructor(private readonly redis: RedisConnection) {}

  get shared(): boolean {
    return this.redis.configured;
  }

  /** Whether this replica may prepare `clientId` now; claims it for CLIENT_CLAIM_TTL_MS. */
  async claim(clientId: string): Promise<boolean> {
    const client = this.redis.client;
    if (!client) return true;
    try {
      const set = await client.set(
        this.redis.key(`dcr:client:${clientId}`),
        this.owner,
        'PX',
        CLIENT_CLAIM_TTL_MS,
        'NX',
      );
      this.redis.succeeded('dedup');
      return set === 'OK';
    } catch (error) {
      this.redis.failed('dedup', error);
      return true;
    }
  }

  /** Gives a claim back (the preparation gave up), so the reconciler, on any replica, may queue it again. */
  async release(clientId: string): Promise<void> {
    await this.releaseOwn('dedup', `dcr:client:${clientId}`);
  }

  /** Takes or renews the reconciler lease for `ttlMs`; true when this replica holds it. */
  async holdLease(ttlMs: number): Promise<boolean> {
    const client = this.redis.client;
    if (!client) return true;
    try {
      const held = await client.eval(
        HOLD_LEASE,
        1,
        this.redis.key('dcr:reconciler:lease'),
        this.owner,
        ttlMs,
      );
      this.redis.succeeded('lease');
      return held === 1;
    } catch (error) {
      this.redis.failed('lease', error);
      return true;
    }
  }

  /**
   * Whether a reconciliation is due: none recorded (by any replica) within `intervalMs`. When due, records
   * one now. Only the lease holder asks, so the shared record keeps one pass per interval across replicas
   * and a replica that takes the lease over keeps the cadence.
   */
  async reconciliationDue(intervalMs: number, now = Date.now()): Promise<boolean> {
    const client = this.redis.client;
    if (client) {
      try {
        const key = this.redis.key('dcr:reconciler:last');
        const last = Number((await client.get(key)) ?? 0);
        this.redis.succeeded('lease');
        if (now - last < intervalMs) return false;
        await client.set(key, String(now), 'PX', intervalMs * 10);
        return true;
      } catch (error) {
        this.redis.failed('lease', error);
      }
    }
    if (this.lastReconciledLocally !== undefined && now - this.lastReconciledLocally < intervalMs)
      return false;
    this.lastReconciledLocally = now;
    return true;
  }

  /** Hands the lease over at shutdown instead of letting it expire (before the Redis client closes). */
  async beforeApplicationShutdown(): Promise<void> {
    await this.releaseOwn('lease', 'dcr:reconciler:lease');
  }

  private async releaseOwn(use: 'lease' | 'dedup', name: string): Promise<void> {
    const client = this.redis.client;
    // Without a connection the key simply expires.
    if (client?.status !== 'ready') return;
    try {
      await client.eval(RELEASE_OWN, 1, this.redis.key(name), this.owner);
    } catch (error) {
      this.redis.failed(use, error);
    }
  }
}
