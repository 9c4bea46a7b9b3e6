import { createHash } from 'node:crypto';

/**
 * The cache key of a token: its SHA-256, so the cache (and a heap dump of it) never holds a usable
 * token. base64url keeps the key short.
 */
export function tokenFingerprint(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

interface Entry<T> {
  value: T;
  expiresAtMs: number;
}

/**
 * Results about tokens (validation answers, probe verdicts) keyed by fingerprint, each with its own
 * deadline, at most `max` of them; the least recently used goes first. `max` 0 keeps nothing.
 */
export class TokenResultCache<T> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(private readonly max: number) {}

  get(key: string, nowMs = Date.now()): T | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expiresAtMs <= nowMs) return undefined;
    this.entries.set(key, entry);
    return entry.value;
  }

  set(key: string, value: T, expiresAtMs: number, nowMs = Date.now()): void {
    if (this.max === 0 || expiresAtMs <= nowMs) return;
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAtMs });
    while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as string);
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Concurrent callers asking about the same key share one call to the provider. */
export class SingleFlight<T> {
  private readonly inflight = new Map<string, Promise<T>>();

  run(key: string, call: () => Promise<T>): Promise<T> {
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = call().finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }
}
