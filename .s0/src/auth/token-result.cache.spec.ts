import { SingleFlight, TokenResultCache, tokenFingerprint } from './token-result.cache';

describe('tokenFingerprint', () => {
  it('is the SHA-256 of the token: stable, and shares nothing readable with it', () => {
    const token = 'gto_abcdefghijklmnopqrstuvwxyz0123456789';
    expect(tokenFingerprint(token)).toBe(tokenFingerprint(token));
    expect(tokenFingerprint(token)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(tokenFingerprint(token)).not.toContain(token.slice(4, 12));
    expect(tokenFingerprint(`${token}x`)).not.toBe(tokenFingerprint(token));
  });
});

describe('TokenResultCache', () => {
  it('serves an entry until its deadline, not after', () => {
    const cache = new TokenResultCache<string>(10);
    cache.set('k', 'v', 2000, 1000);
    expect(cache.get('k', 1999)).toBe('v');
    expect(cache.get('k', 2000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('keeps at most max entries, dropping the least recently used', () => {
    const cache = new TokenResultCache<number>(2);
    cache.set('a', 1, 10_000, 0);
    cache.set('b', 2, 10_000, 0);
    cache.get('a', 1);
    cache.set('c', 3, 10_000, 1);
    expect([cache.get('a', 2), cache.get('b', 2), cache.get('c', 2)]).toEqual([1, undefined, 3]);
  });

  it('keeps nothing with max 0 or a deadline already past', () => {
    const off = new TokenResultCache<number>(0);
    off.set('a', 1, 10_000, 0);
    const on = new TokenResultCache<number>(5);
    on.set('a', 1, 100, 100);
    expect([off.size, on.size]).toEqual([0, 0]);
  });
});

describe('SingleFlight', () => {
  it('makes one call for concurrent askers of one key, and a new call once it settled', async () => {
    const flight = new SingleFlight<number>();
    let calls = 0;
    let release!: (value: number) => void;
    const call = (): Promise<number> => {
      calls += 1;
      return new Promise((resolve) => (release = resolve));
    };
    const answers = Promise.all(Array.from({ length: 50 }, () => flight.run('k', call)));
    release(7);
    expect(await answers).toEqual(Array(50).fill(7));
    expect(calls).toBe(1);

    const again = flight.run('k', call);
    release(8);
    expect(await again).toBe(8);
    expect(calls).toBe(2);
  });

  it('shares a failure with every waiter and forgets it', async () => {
    const flight = new SingleFlight<number>();
    const failing = (): Promise<number> => Promise.reject(new Error('down'));
    await expect(Promise.all([flight.run('k', failing), flight.run('k', failing)])).rejects.toThrow('down');
    await expect(flight.run('k', () => Promise.resolve(1))).resolves.toBe(1);
  });
});
