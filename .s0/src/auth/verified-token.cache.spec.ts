import { testAuthConfig } from '../testing/config.fixtures';
import { testUser } from '../testing/token.fixtures';
import { VerifiedTokenCache } from './verified-token.cache';

const NOW_MS = Date.UTC(2026, 0, 1, 12, 0, 0);
const nowS = NOW_MS / 1000;

function cacheOf(tokenCacheMax: number): VerifiedTokenCache {
  return new VerifiedTokenCache(testAuthConfig({}, { tokenCacheMax }));
}

describe('VerifiedTokenCache', () => {
  it('returns the user verified for the exact same token', () => {
    const cache = cacheOf(10);
    const user = testUser({ exp: nowS + 60 });
    cache.set('token-a', user);

    expect(cache.get('token-a', NOW_MS)).toBe(user);
    expect(cache.get('token-a-but-longer', NOW_MS)).toBeUndefined();
  });

  it('never serves a token past its exp, and forgets it', () => {
    const cache = cacheOf(10);
    cache.set('token-a', testUser({ exp: nowS + 60 }));

    expect(cache.get('token-a', NOW_MS + 59_999)?.sub).toBe('user-1');
    expect(cache.get('token-a', NOW_MS + 60_000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('drops the least recently used token when full', () => {
    const cache = cacheOf(2);
    cache.set('token-a', testUser({ sub: 'a', exp: nowS + 60 }));
    cache.set('token-b', testUser({ sub: 'b', exp: nowS + 60 }));
    cache.get('token-a', NOW_MS);

    cache.set('token-c', testUser({ sub: 'c', exp: nowS + 60 }));

    expect(cache.size).toBe(2);
    expect(cache.get('token-b', NOW_MS)).toBeUndefined();
    expect(cache.get('token-a', NOW_MS)?.sub).toBe('a');
    expect(cache.get('token-c', NOW_MS)?.sub).toBe('c');
  });

  it('stores nothing when TOKEN_CACHE_MAX is 0', () => {
    const cache = cacheOf(0);
    cache.set('token-a', testUser({ exp: nowS + 60 }));

    expect(cache.get('token-a', NOW_MS)).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});
