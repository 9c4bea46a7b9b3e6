import { thrownBy } from '../testing/errors';
import { testUser } from '../testing/token.fixtures';
import { AuthErrorCode, AuthException } from './auth.exception';
import { assertScopes, challengedScopes, expandScopes, missingScopes } from './scope-policy';

describe('missingScopes', () => {
  it('lists each required scope the caller lacks once, in the order required', () => {
    expect(missingScopes(['a'], ['c', 'a', 'b', 'c'])).toEqual(['c', 'b']);
  });

  it('is empty when every required scope is held', () => {
    expect(missingScopes(['a', 'b', 'c'], ['b', 'a'])).toEqual([]);
  });
});

describe('assertScopes', () => {
  it('lets a caller through who holds every required scope', () => {
    expect(() => assertScopes(testUser({ scopes: ['crm:read', 'crm:write'] }), ['crm:write'])).not.toThrow();
  });

  it('names the tool and the missing scopes in the 403 message', () => {
    const error = thrownBy(
      () =>
        assertScopes(testUser({ scopes: ['crm:read'] }), ['crm:write', 'crm:delete'], 'Tool "crm_update"'),
      AuthException,
    );

    expect(error.code).toBe(AuthErrorCode.INSUFFICIENT_SCOPE);
    expect(error.message).toBe('Tool "crm_update" requires scope crm:write, crm:delete');
  });

  it('challenges with the scopes the operation needs, once each, and keeps the held scopes aside', () => {
    const error = thrownBy(
      () =>
        assertScopes(testUser({ scopes: ['openid', 'crm:read'] }), ['crm:read', 'crm:write', 'crm:write']),
      AuthException,
    );

    expect(error.details).toEqual({
      fields: { required: ['crm:read', 'crm:write'], missing: ['crm:write'] },
      challengeScopes: ['crm:read', 'crm:write'],
      heldScopes: ['openid', 'crm:read'],
    });
    expect(error.message).toBe('This call requires scope crm:write');
  });
});

describe('challengedScopes', () => {
  const details = { challengeScopes: ['crm:read', 'crm:write'], heldScopes: ['openid', 'crm:read'] };

  it('names only what the operation needs by default (SEP-2350: the client accumulates)', () => {
    expect(challengedScopes(details, 'operation')).toEqual(['crm:read', 'crm:write']);
  });

  it('names held ∪ required for clients that re-authorize with exactly the challenged list', () => {
    expect(challengedScopes(details, 'held-and-required')).toEqual(['openid', 'crm:read', 'crm:write']);
  });

  it('names nothing for a challenge that carries no scopes', () => {
    expect(challengedScopes({}, 'held-and-required')).toBeUndefined();
  });
});

describe('expandScopes (OAUTH_SCOPE_IMPLICATIONS)', () => {
  const implications = { 'write:repository': ['read:repository'], 'admin:repo': ['write:repository'] };

  it('adds what the held scopes imply, transitively, without duplicates', () => {
    expect(expandScopes(['admin:repo', 'read:repository'], implications)).toEqual([
      'admin:repo',
      'read:repository',
      'write:repository',
    ]);
  });

  it('returns the held list itself when it implies nothing new', () => {
    const held = ['read:repository'];
    expect(expandScopes(held, implications)).toBe(held);
  });

  it('stops on cycles', () => {
    expect(expandScopes(['a'], { a: ['b'], b: ['a'] })).toEqual(['a', 'b']);
  });
});
