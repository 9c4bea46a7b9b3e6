import { thrownBy } from '../testing/errors';
import { testUser } from '../testing/token.fixtures';
import { AuthErrorCode, AuthException } from './auth.exception';
import { assertScopes, missingScopes } from './scope-policy';

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

  it('challenges with held ∪ required, without duplicates, so the client keeps its scopes on re-authorization', () => {
    const error = thrownBy(
      () =>
        assertScopes(testUser({ scopes: ['openid', 'crm:read'] }), ['crm:read', 'crm:write', 'crm:write']),
      AuthException,
    );

    expect(error.details).toEqual({
      fields: { required: ['crm:read', 'crm:write'], missing: ['crm:write'] },
      challengeScopes: ['openid', 'crm:read', 'crm:write'],
    });
    expect(error.message).toBe('This call requires scope crm:write');
  });
});
