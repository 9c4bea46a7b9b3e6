import { Logger } from '@nestjs/common';
import { KeyObject } from 'node:crypto';

import { GatewayMetrics } from '../observability/gateway-metrics';
import { testAuthConfig } from '../testing/config.fixtures';
import { rsaKeyPair } from '../testing/token.fixtures';
import { AuthErrorCode } from './auth.exception';
import { IssuerClient, IssuerUnavailableError, SigningKey } from './issuer.client';
import { SigningKeyStore } from './signing-key.store';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const COOLDOWN_MS = 30_000;

const keyA = (): KeyObject => rsaKeyPair(0).publicKey;
const keyB = (): KeyObject => rsaKeyPair(1).publicKey;

/** The issuer's JWKS as the store sees it through IssuerClient; tests change `published` to rotate keys. */
class FakeIssuer {
  published = new Map<string, KeyObject>();
  /** The `alg` each published JWK names, if any. */
  algorithms = new Map<string, string>();
  down = false;
  readonly signingKeys = jest.fn(async (): Promise<Map<string, SigningKey>> => {
    if (this.down) throw new IssuerUnavailableError('https://issuer.example/jwks', 'ECONNREFUSED');
    return new Map([...this.published].map(([kid, key]) => [kid, { key, alg: this.algorithms.get(kid) }]));
  });
}

describe('SigningKeyStore', () => {
  let issuer: FakeIssuer;

  const storeWith = (jwksCooldownMs: number): SigningKeyStore =>
    new SigningKeyStore(
      testAuthConfig({}, { jwksCooldownMs }),
      issuer as unknown as IssuerClient,
      new GatewayMetrics(),
    );
  const advance = (ms: number): void => jest.setSystemTime(Date.now() + ms);

  beforeEach(() => {
    jest.useFakeTimers({ now: T0, doNotFake: ['nextTick', 'queueMicrotask'] });
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    issuer = new FakeIssuer();
    issuer.published.set('key-a', keyA());
  });

  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('fetches the JWKS on first use and serves known keys from memory afterwards', async () => {
    const store = storeWith(COOLDOWN_MS);

    await expect(store.keyFor('key-a')).resolves.toBe(keyA());
    await expect(store.keyFor('key-a')).resolves.toBe(keyA());

    expect(issuer.signingKeys).toHaveBeenCalledTimes(1);
  });

  it('refetches once for an unknown kid and finds a key published since', async () => {
    const store = storeWith(0);
    await store.refresh();
    issuer.published.set('key-b', keyB());

    await expect(store.keyFor('key-b')).resolves.toBe(keyB());
    expect(store.fetchCount).toBe(2);
  });

  it('answers UNKNOWN_SIGNING_KEY after a single refetch when the kid is nowhere', async () => {
    const store = storeWith(0);
    await store.refresh();

    await expect(store.keyFor('made-up')).rejects.toMatchObject({
      code: AuthErrorCode.UNKNOWN_SIGNING_KEY,
      details: { fields: { kid: 'made-up' } },
    });
    expect(store.fetchCount).toBe(2);
  });

  it('makes one fetch for a flood of unknown kids within the cooldown', async () => {
    const store = storeWith(COOLDOWN_MS);
    await store.refresh();
    advance(COOLDOWN_MS);

    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) => store.keyFor(`bogus-${i}`)),
    );
    advance(COOLDOWN_MS / 2);
    await Promise.allSettled(Array.from({ length: 50 }, (_, i) => store.keyFor(`bogus-again-${i}`)));

    expect(results.every((result) => result.status === 'rejected')).toBe(true);
    expect(issuer.signingKeys).toHaveBeenCalledTimes(2);
  });

  it('picks up a rotated key once the cooldown has passed, without restart', async () => {
    const store = storeWith(COOLDOWN_MS);
    await store.refresh();
    issuer.published = new Map([['key-b', keyB()]]);

    advance(COOLDOWN_MS - 1);
    await expect(store.keyFor('key-b')).rejects.toMatchObject({ code: AuthErrorCode.UNKNOWN_SIGNING_KEY });
    advance(1);
    await expect(store.keyFor('key-b')).resolves.toBe(keyB());
  });

  it('lets concurrent calls wait for the fetch already under way instead of failing', async () => {
    const store = storeWith(COOLDOWN_MS);
    const warmUp = store.refresh();

    const [first, second] = await Promise.all([store.keyFor('key-a'), store.keyFor('key-a'), warmUp]);

    expect(first).toBe(keyA());
    expect(second).toBe(keyA());
    expect(issuer.signingKeys).toHaveBeenCalledTimes(1);
  });

  describe('when the issuer publishes no usable key', () => {
    it('answers SIGNING_KEYS_UNAVAILABLE while the JWKS cannot be fetched', async () => {
      issuer.down = true;

      await expect(storeWith(COOLDOWN_MS).keyFor('key-a')).rejects.toMatchObject({
        code: AuthErrorCode.SIGNING_KEYS_UNAVAILABLE,
        status: 503,
      });
    });

    it('answers SIGNING_KEYS_UNAVAILABLE for an empty JWKS', async () => {
      issuer.published.clear();

      await expect(storeWith(COOLDOWN_MS).keyFor('key-a')).rejects.toMatchObject({
        code: AuthErrorCode.SIGNING_KEYS_UNAVAILABLE,
      });
    });

    it('retries a failed fetch after two seconds rather than the full cooldown', async () => {
      const store = storeWith(COOLDOWN_MS);
      issuer.down = true;
      await store.refresh();
      issuer.down = false;

      advance(1999);
      await expect(store.keyFor('key-a')).rejects.toMatchObject({
        code: AuthErrorCode.SIGNING_KEYS_UNAVAILABLE,
      });
      advance(1);
      await expect(store.keyFor('key-a')).resolves.toBe(keyA());
    });

    it('keeps the keys it has when a later fetch fails', async () => {
      const store = storeWith(0);
      await store.refresh();
      issuer.down = true;

      await expect(store.keyFor('key-b')).rejects.toMatchObject({ code: AuthErrorCode.UNKNOWN_SIGNING_KEY });
      await expect(store.keyFor('key-a')).resolves.toBe(keyA());
    });
  });

  describe('a token without kid', () => {
    it('is verified with the only key when the issuer publishes exactly one', async () => {
      await expect(storeWith(COOLDOWN_MS).keyFor(undefined)).resolves.toBe(keyA());
    });

    it('answers UNKNOWN_SIGNING_KEY when the issuer publishes several keys', async () => {
      issuer.published.set('key-b', keyB());

      await expect(storeWith(COOLDOWN_MS).keyFor(undefined)).rejects.toMatchObject({
        code: AuthErrorCode.UNKNOWN_SIGNING_KEY,
        details: { fields: { kid: null } },
      });
    });
  });

  describe('when the keys grow old', () => {
    const MAX_AGE_MS = 600_000;
    /** Lets the background refresh (a resolved fake fetch) complete. */
    const settle = (): Promise<void> => new Promise((resolve) => process.nextTick(resolve));
    const agingStore = (): SigningKeyStore =>
      new SigningKeyStore(
        testAuthConfig({}, { jwksCooldownMs: COOLDOWN_MS, jwksMaxAgeMs: MAX_AGE_MS }),
        issuer as unknown as IssuerClient,
        new GatewayMetrics(),
      );

    it('keeps serving a known key while refetching the JWKS in the background', async () => {
      const store = agingStore();
      await store.refresh();
      advance(MAX_AGE_MS);

      await expect(store.keyFor('key-a')).resolves.toBe(keyA());
      await settle();
      expect(issuer.signingKeys).toHaveBeenCalledTimes(2);
    });

    it('stops trusting a key the issuer withdrew and tells the listeners which', async () => {
      const store = agingStore();
      const removed: string[][] = [];
      store.onKeysRemoved((kids) => removed.push(kids));
      await store.refresh();
      issuer.published = new Map([['key-b', keyB()]]);
      advance(MAX_AGE_MS);

      await store.keyFor('key-a');
      await settle();

      expect(removed).toEqual([['key-a']]);
      await expect(store.keyFor('key-a')).rejects.toMatchObject({ code: AuthErrorCode.UNKNOWN_SIGNING_KEY });
    });
  });

  describe('on a quiet gateway', () => {
    const MAX_AGE_MS = 600_000;
    const settle = (): Promise<void> => new Promise((resolve) => process.nextTick(resolve));

    it('refetches the JWKS every JWKS_MAX_AGE_S without any request and drops a withdrawn key', async () => {
      const store = new SigningKeyStore(
        testAuthConfig({}, { jwksCooldownMs: COOLDOWN_MS, jwksMaxAgeMs: MAX_AGE_MS }),
        issuer as unknown as IssuerClient,
        new GatewayMetrics(),
      );
      const removed: string[][] = [];
      store.onKeysRemoved((kids) => removed.push(kids));
      await store.refresh();
      store.onApplicationBootstrap();
      issuer.published = new Map([['key-b', keyB()]]);

      jest.advanceTimersByTime(MAX_AGE_MS);
      await settle();

      expect(removed).toEqual([['key-a']]);
      expect(issuer.signingKeys).toHaveBeenCalledTimes(2);

      store.onModuleDestroy();
      jest.advanceTimersByTime(MAX_AGE_MS * 3);
      expect(issuer.signingKeys).toHaveBeenCalledTimes(2);
    });
  });

  describe('a JWK that names its algorithm', () => {
    beforeEach(() => issuer.algorithms.set('key-a', 'RS384'));

    it('verifies only tokens signed with that algorithm', async () => {
      await expect(storeWith(COOLDOWN_MS).keyFor('key-a', 'RS384')).resolves.toBe(keyA());
    });

    it('answers ALGORITHM_NOT_ALLOWED for a token naming another algorithm', async () => {
      await expect(storeWith(COOLDOWN_MS).keyFor('key-a', 'RS256')).rejects.toMatchObject({
        code: AuthErrorCode.ALGORITHM_NOT_ALLOWED,
        message: "The token's algorithm RS256 is not the RS384 its signing key is published for",
        details: { fields: { found: 'RS256', expected: 'RS384' } },
      });
    });

    it('leaves a JWK without alg usable with any allowed algorithm', async () => {
      issuer.algorithms.clear();

      await expect(storeWith(COOLDOWN_MS).keyFor('key-a', 'PS256')).resolves.toBe(keyA());
    });
  });

  describe('ensureLoaded (health probes)', () => {
    it('does not refetch on every probe while the issuer is down', async () => {
      const store = storeWith(COOLDOWN_MS);
      issuer.down = true;

      for (let probe = 0; probe < 20; probe += 1) await store.ensureLoaded();

      expect(issuer.signingKeys).toHaveBeenCalledTimes(1);
      expect(store.lastFetchSucceeded).toBe(false);
    });

    it('makes no call at all once keys are held', async () => {
      const store = storeWith(COOLDOWN_MS);
      await store.ensureLoaded();
      advance(COOLDOWN_MS * 10);

      await store.ensureLoaded();

      expect(issuer.signingKeys).toHaveBeenCalledTimes(1);
      expect(store.lastFetchSucceeded).toBe(true);
    });
  });
});
