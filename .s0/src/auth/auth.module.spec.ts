import { testAuthConfig } from '../testing/config.fixtures';
import { AuthModule } from './auth.module';
import type { SigningKeyStore } from './signing-key.store';
import { VerifiedTokenCache } from './verified-token.cache';

describe('AuthModule start-up', () => {
  it('forgets every verified token when the issuer withdraws a signing key', () => {
    const listeners: Array<(kids: string[]) => void> = [];
    const keys = {
      onKeysRemoved: (listener: (kids: string[]) => void) => listeners.push(listener),
      refresh: jest.fn(),
    };
    const cache = new VerifiedTokenCache(testAuthConfig());
    cache.set('token-signed-with-old-key', {
      sub: 'alice',
      scopes: [],
      exp: Date.now() / 1000 + 600,
      claims: {},
    });

    new AuthModule(keys as unknown as SigningKeyStore, cache).onApplicationBootstrap();
    listeners.forEach((listener) => listener(['old-kid']));

    expect(cache.get('token-signed-with-old-key')).toBeUndefined();
    expect(keys.refresh).toHaveBeenCalledTimes(1);
  });
});
