import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { KeyObject } from 'node:crypto';

import { authConfig } from '../config/auth.config';
import { GatewayMetrics } from '../observability/gateway-metrics';
import { AuthErrorCode, AuthException } from './auth.exception';
import { IssuerClient, SigningKey } from './issuer.client';

const FAILURE_RETRY_MS = 2000;

/**
 * The issuer's public keys by `kid`. An unknown `kid` triggers one refetch (so a rotated key works
 * without restart) but at most once per JWKS_COOLDOWN_S, so a flood of made-up `kid`s cannot hammer
 * the issuer. The JWKS is also refetched every JWKS_MAX_AGE_S on its own timer (and when a request finds
 * the keys that old), so a key the issuer withdrew stops being trusted even on a quiet gateway; listeners
 * hear of withdrawn keys (the verified-token cache empties). Concurrent refreshes share one request,
 * which always settles (issuer calls have a total deadline), so a failed refresh never blocks the next.
 */
@Injectable()
export class SigningKeyStore implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SigningKeyStore.name);
  private keys = new Map<string, SigningKey>();
  private loadedAt = 0;
  private lastAttemptAt = 0;
  private lastFailed = false;
  private refreshing?: Promise<void>;
  private fetches = 0;
  private readonly removalListeners: Array<(kids: string[]) => void> = [];
  private periodic?: NodeJS.Timeout;

  constructor(
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
    private readonly issuer: IssuerClient,
    private readonly metrics: GatewayMetrics,
  ) {}

  onApplicationBootstrap(): void {
    this.periodic ??= setInterval(() => void this.refresh(), this.config.jwksMaxAgeMs);
    // A refresh timer must never keep the process alive (shutdown, CLIs, tests).
    this.periodic.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.periodic);
    this.periodic = undefined;
  }

  /**
   * The key for a token's `kid`, to verify a signature made with `alg`. A JWK that names its algorithm
   * is bound to it (RFC 7517 §4.4): a token claiming another one is refused, even one the gateway allows.
   */
  async keyFor(kid: string | undefined, alg?: string): Promise<KeyObject> {
    const known = this.lookup(kid);
    if (known) {
      if (!this.refreshing && Date.now() - this.loadedAt >= this.config.jwksMaxAgeMs) void this.refresh();
      return usableWith(known, alg);
    }
    if (this.refreshing) await this.refreshing;
    else if (this.mayRefresh()) await this.refresh();
    const key = this.lookup(kid);
    if (key) return usableWith(key, alg);
    if (this.keys.size === 0) {
      throw new AuthException(
        AuthErrorCode.SIGNING_KEYS_UNAVAILABLE,
        "The issuer's signing keys are unavailable",
      );
    }
    throw new AuthException(
      AuthErrorCode.UNKNOWN_SIGNING_KEY,
      `No signing key with kid ${JSON.stringify(kid ?? null)} in the issuer's JWKS`,
      { fields: { kid: kid ?? null } },
    );
  }

  /** Loads the keys unless a load is already under way; never throws (failures are logged and reported). */
  async refresh(): Promise<void> {
    this.refreshing ??= this.load().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  /**
   * For probes: loads the keys if none are held, but never more often than the cooldown allows, so
   * public health endpoints cannot be used to hammer the issuer.
   */
  async ensureLoaded(): Promise<void> {
    if (this.refreshing) await this.refreshing;
    else if (this.keys.size === 0 && this.mayRefresh()) await this.refresh();
  }

  /** Whether the last JWKS fetch succeeded; undefined before the first one. */
  get lastFetchSucceeded(): boolean | undefined {
    return this.lastAttemptAt === 0 ? undefined : !this.lastFailed;
  }

  /** Called with the kids a refresh no longer finds in the issuer's JWKS. */
  onKeysRemoved(listener: (kids: string[]) => void): void {
    this.removalListeners.push(listener);
  }

  get keyCount(): number {
    return this.keys.size;
  }

  /** How many times the JWKS was fetched (for health details and tests of the cooldown). */
  get fetchCount(): number {
    return this.fetches;
  }

  private lookup(kid: string | undefined): SigningKey | undefined {
    if (kid !== undefined) return this.keys.get(kid);
    // A token without `kid` is only acceptable when the issuer publishes exactly one key.
    return this.keys.size === 1 ? [...this.keys.values()][0] : undefined;
  }

  private mayRefresh(): boolean {
    const wait = this.lastFailed
      ? Math.min(FAILURE_RETRY_MS, this.config.jwksCooldownMs)
      : this.config.jwksCooldownMs;
    return this.lastAttemptAt === 0 || Date.now() - this.lastAttemptAt >= wait;
  }

  private async load(): Promise<void> {
    this.lastAttemptAt = Date.now();
    this.fetches += 1;
    try {
      const keys = await this.issuer.signingKeys();
      if (keys.size === 0) throw new Error('the JWKS holds no signing key');
      const removed = [...this.keys.keys()].filter((kid) => !keys.has(kid));
      this.keys = keys;
      this.loadedAt = Date.now();
      if (removed.length > 0) {
        this.logger.warn(`Signing key(s) withdrawn by the issuer: ${removed.join(', ')}`);
        this.removalListeners.forEach((listener) => listener(removed));
      }
      this.lastFailed = false;
      this.metrics.jwksFetches.cell('ok').inc();
      this.logger.log(`Loaded ${keys.size} signing key(s): ${[...keys.keys()].join(', ')}`);
    } catch (error) {
      this.lastFailed = true;
      this.metrics.jwksFetches.cell('error').inc();
      this.logger.warn(`Could not load signing keys: ${(error as Error).message}`);
    }
  }
}

function usableWith(signingKey: SigningKey, alg: string | undefined): KeyObject {
  if (signingKey.alg !== undefined && alg !== undefined && signingKey.alg !== alg) {
    throw new AuthException(
      AuthErrorCode.ALGORITHM_NOT_ALLOWED,
      `The token's algorithm ${alg} is not the ${signingKey.alg} its signing key is published for`,
      { fields: { found: alg, expected: signingKey.alg } },
    );
  }
  return signingKey.key;
}
