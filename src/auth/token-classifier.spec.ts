import { thrownBy } from '../testing/errors';
import { base64UrlJson, compactJws } from '../testing/token.fixtures';
import { AuthErrorCode, AuthException } from './auth.exception';
import { classifyToken } from './token-classifier';

const RS256_ONLY = ['RS256'];

function rejection(token: string, allowed: readonly string[] = RS256_ONLY): AuthException {
  return thrownBy(() => classifyToken(token, allowed), AuthException);
}

describe('classifyToken', () => {
  describe('refuses an encrypted token', () => {
    it('reports a 5-segment token as ACCESS_TOKEN_IS_ENCRYPTED_JWE', () => {
      const jwe = `${base64UrlJson({ alg: 'dir', enc: 'A256GCM' })}..aXY.Y2lwaGVy.dGFn`;

      expect(rejection(jwe).code).toBe(AuthErrorCode.ACCESS_TOKEN_IS_ENCRYPTED_JWE);
    });

    it('reports a 3-segment token whose header names an "enc" as ACCESS_TOKEN_IS_ENCRYPTED_JWE', () => {
      expect(rejection(compactJws({ alg: 'RS256', enc: 'A256GCM' })).code).toBe(
        AuthErrorCode.ACCESS_TOKEN_IS_ENCRYPTED_JWE,
      );
    });
  });

  describe('refuses what is not a JWS', () => {
    it.each([
      ['an opaque token', 'Zm9vYmFyYmF6'],
      ['garbage with punctuation', 'not a token!'],
      ['a 2-segment token', `${base64UrlJson({ alg: 'RS256' })}.${base64UrlJson({ sub: 'u' })}`],
      ['a 4-segment token', 'a.b.c.d'],
      ['a token with non-base64url characters', `${base64UrlJson({ alg: 'RS256' })}.e30=.c2ln`],
      ['an undecodable header', `bm90LWpzb24.${base64UrlJson({ sub: 'u' })}.c2ln`],
      [
        'a header that is JSON but not an object',
        `${base64UrlJson(['RS256'])}.${base64UrlJson({ sub: 'u' })}.c2ln`,
      ],
      ['an undecodable payload', `${base64UrlJson({ alg: 'RS256' })}.bm90LWpzb24.c2ln`],
    ])('reports %s as ACCESS_TOKEN_NOT_JWS', (_label, token) => {
      expect(rejection(token).code).toBe(AuthErrorCode.ACCESS_TOKEN_NOT_JWS);
    });
  });

  describe('refuses an algorithm outside the allow-list', () => {
    it.each([
      ['alg "none"', { alg: 'none' }, 'none'],
      ['HS256 (the public-key-as-HMAC-secret attack)', { alg: 'HS256' }, 'HS256'],
      ['an algorithm the gateway supports but this deployment did not allow', { alg: 'PS256' }, 'PS256'],
      ['a header without alg', { typ: 'JWT' }, null],
      ['a non-string alg', { alg: 256 }, null],
    ])(
      'answers ALGORITHM_NOT_ALLOWED for %s, naming what was found and what is allowed',
      (_label, header, found) => {
        const error = rejection(compactJws(header));

        expect(error.code).toBe(AuthErrorCode.ALGORITHM_NOT_ALLOWED);
        expect(error.details.fields).toEqual({ found, allowed: ['RS256'] });
        expect(error.message).toContain('accepted: RS256');
      },
    );

    it('refuses alg "none" even when its signature segment is empty', () => {
      expect(rejection(compactJws({ alg: 'none' }, { sub: 'u' }, '')).code).toBe(
        AuthErrorCode.ALGORITHM_NOT_ALLOWED,
      );
    });
  });

  it('answers BAD_SIGNATURE for an allowed algorithm with an empty signature', () => {
    expect(rejection(compactJws({ alg: 'RS256', kid: 'k1' }, { sub: 'u' }, '')).code).toBe(
      AuthErrorCode.BAD_SIGNATURE,
    );
  });

  it('passes a well-formed RS256 token and exposes its kid and claims', () => {
    const token = compactJws(
      { alg: 'RS256', typ: 'at+jwt', kid: 'key-2026' },
      { sub: 'user-1', scope: 'a b' },
    );

    const { header, payload } = classifyToken(token, RS256_ONLY);

    expect(header.kid).toBe('key-2026');
    expect(payload).toEqual({ sub: 'user-1', scope: 'a b' });
  });

  it('accepts any algorithm the deployment allows', () => {
    expect(classifyToken(compactJws({ alg: 'ES256' }), ['RS256', 'ES256']).header.alg).toBe('ES256');
  });
});
