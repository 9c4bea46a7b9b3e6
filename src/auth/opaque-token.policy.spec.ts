import { thrownBy } from '../testing/errors';
import { AuthErrorCode, AuthException } from './auth.exception';
import { userFromIntrospection, userFromUserinfo } from './opaque-token.policy';

const NOW = 1_800_000_000;
const EXPECTED = {
  issuer: 'https://idp.example.com',
  audience: 'https://gw.example.com/mcp',
  clockToleranceS: 5,
  fallbackExpS: NOW + 60,
};
const ACTIVE = {
  active: true,
  iss: 'https://idp.example.com',
  aud: 'https://gw.example.com/mcp',
  sub: 'u-1',
  username: 'alice',
  scope: 'openid read:repository',
  client_id: 'chatgpt-1',
  token_type: 'Bearer',
  exp: NOW + 300,
  iat: NOW - 10,
};

const refusal = (answer: Record<string, unknown>): AuthException =>
  thrownBy(() => userFromIntrospection(answer, EXPECTED, NOW), AuthException);

describe('userFromIntrospection (RFC 7662 answers)', () => {
  it('reads subject, login, scopes, client and expiry from an active answer', () => {
    expect(userFromIntrospection(ACTIVE, EXPECTED, NOW)).toEqual({
      sub: 'u-1',
      login: 'alice',
      scopes: ['openid', 'read:repository'],
      scopesObserved: ['openid', 'read:repository'],
      clientId: 'chatgpt-1',
      exp: NOW + 300,
      claims: ACTIVE,
    });
  });

  it('accepts aud as an array, a missing token_type, and falls back to username and the cache horizon', () => {
    const { sub: _sub, exp: _exp, aud: _aud, token_type: _type, ...rest } = ACTIVE;
    const user = userFromIntrospection({ ...rest, aud: ['other', EXPECTED.audience] }, EXPECTED, NOW);
    expect(user).toMatchObject({ sub: 'alice', exp: EXPECTED.fallbackExpS });
  });

  it.each([
    ['inactive', { active: false }, AuthErrorCode.TOKEN_INACTIVE],
    ['"active" not literally true', { ...ACTIVE, active: 'true' }, AuthErrorCode.TOKEN_INACTIVE],
    ['expired beyond the tolerance', { ...ACTIVE, exp: NOW - 6 }, AuthErrorCode.TOKEN_EXPIRED],
    ['not valid yet', { ...ACTIVE, nbf: NOW + 60 }, AuthErrorCode.TOKEN_NOT_YET_VALID],
    ['from another issuer', { ...ACTIVE, iss: 'https://evil.example.com' }, AuthErrorCode.ISSUER_MISMATCH],
    ['for another API', { ...ACTIVE, aud: 'https://other.example.com' }, AuthErrorCode.AUDIENCE_MISMATCH],
    ['without any audience', { ...ACTIVE, aud: undefined }, AuthErrorCode.AUDIENCE_MISMATCH],
    ['a refresh token', { ...ACTIVE, token_type: 'refresh_token' }, AuthErrorCode.TOKEN_CLAIMS_INVALID],
    [
      "Keycloak's refresh typ",
      { ...ACTIVE, token_type: undefined, typ: 'Refresh' },
      AuthErrorCode.TOKEN_CLAIMS_INVALID,
    ],
    ['sender-constrained (DPoP)', { ...ACTIVE, cnf: { jkt: 'x' } }, AuthErrorCode.TOKEN_CLAIMS_INVALID],
    ['without a subject', { ...ACTIVE, sub: undefined, username: undefined }, AuthErrorCode.TOKEN_NO_SUB],
    ['with a scope that is not a string', { ...ACTIVE, scope: ['a'] }, AuthErrorCode.TOKEN_CLAIMS_INVALID],
  ])('refuses a token that is %s', (_label, answer, code) => {
    expect(refusal(answer).code).toBe(code);
  });

  it('tells which audience it found and which it expected', () => {
    expect(refusal({ ...ACTIVE, aud: 'https://other.example.com' }).details.fields).toEqual({
      expected: EXPECTED.audience,
      found: 'https://other.example.com',
    });
  });

  it('checks no audience when OAUTH_AUDIENCE is empty', () => {
    expect(userFromIntrospection({ ...ACTIVE, aud: undefined }, { ...EXPECTED, audience: '' }, NOW).sub).toBe(
      'u-1',
    );
  });
});

describe('userFromUserinfo', () => {
  it('vouches for the subject only: no scopes, preferred_username as login, the cache horizon as expiry', () => {
    const answer = { sub: '42', preferred_username: 'alice', email: 'alice@example.com' };
    expect(userFromUserinfo(answer, NOW + 60)).toEqual({
      sub: '42',
      login: 'alice',
      scopes: [],
      scopesObserved: [],
      exp: NOW + 60,
      claims: answer,
    });
  });

  it('refuses an answer without sub', () => {
    expect(thrownBy(() => userFromUserinfo({ name: 'x' }, NOW), AuthException).code).toBe(
      AuthErrorCode.TOKEN_NO_SUB,
    );
  });
});
