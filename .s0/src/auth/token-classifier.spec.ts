import { thrownBy } from '../testing/errors';
import { base64UrlJson, compactJws, nonCanonicalTwin } from '../testing/token.fixtures';
import { AuthErrorCode, AuthException } from './auth.exception';
import { testAuthConfig } from '../testing/config.fixtures';
import { classifyToken, isJwsShaped, TokenPolicy } from './token-classifier';

const DEFAULT_TYPES = testAuthConfig().tokenTypes;
const RS256_ONLY: TokenPolicy = { algorithms: ['RS256'], tokenTypes: DEFAULT_TYPES };

function rejection(token: string, policy: TokenPolicy = RS256_ONLY): AuthException {
  return thrownBy(() => classifyToken(token, policy), AuthException);
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
    const policy = { algorithms: ['RS256', 'ES256'], tokenTypes: DEFAULT_TYPES };

    expect(classifyToken(compactJws({ alg: 'ES256' }), policy).header.alg).toBe('ES256');
  });

  describe('refuses non-canonical base64url (one token, one spelling)', () => {
    // 10 bytes encode to 14 characters whose last one carries 4 unused bits.
    const signature = Buffer.from('signatures').toString('base64url');
    const [header, payload] = compactJws({ alg: 'RS256', kid: 'k' }, { sub: 'user-1' }).split('.');

    it('answers BAD_SIGNATURE for a signature whose unused bits are set', () => {
      const error = rejection(`${header}.${payload}.${nonCanonicalTwin(signature)}`);

      expect(error.code).toBe(AuthErrorCode.BAD_SIGNATURE);
      expect(error.message).toBe('The access token signature is not canonical base64url');
    });

    it('answers ACCESS_TOKEN_NOT_JWS for a header or payload with unused bits set', () => {
      const oddHeader = base64UrlJson({ alg: 'RS256', kid: 'ab' });
      const oddPayload = base64UrlJson({ sub: 'user-12' });

      expect(rejection(`${nonCanonicalTwin(oddHeader)}.${payload}.${signature}`).code).toBe(
        AuthErrorCode.ACCESS_TOKEN_NOT_JWS,
      );
      expect(rejection(`${header}.${nonCanonicalTwin(oddPayload)}.${signature}`).code).toBe(
        AuthErrorCode.ACCESS_TOKEN_NOT_JWS,
      );
    });

    it('answers BAD_SIGNATURE for a signature of impossible length (4n+1 characters)', () => {
      expect(rejection(`${header}.${payload}.c2lnbmF0dXJlA`).code).toBe(AuthErrorCode.BAD_SIGNATURE);
    });
  });

  describe('refuses critical header extensions it does not implement (RFC 7515 §4.1.11)', () => {
    it.each([
      ['an unknown crit extension', { alg: 'RS256', crit: ['urn:example:policy'], 'urn:example:policy': 1 }],
      ['an unencoded payload (RFC 7797)', { alg: 'RS256', b64: false, crit: ['b64'] }],
      ['b64: false without crit', { alg: 'RS256', b64: false }],
      ['an empty crit list', { alg: 'RS256', crit: [] }],
    ])('answers UNSUPPORTED_CRITICAL_HEADER for %s', (_label, header) => {
      expect(rejection(compactJws(header)).code).toBe(AuthErrorCode.UNSUPPORTED_CRITICAL_HEADER);
    });
  });

  describe('accepts only access-token types (RFC 9068, RFC 8725 §3.11)', () => {
    it.each([['at+jwt'], ['application/at+jwt'], ['AT+JWT'], ['JWT'], [undefined]])(
      'accepts typ %s by default',
      (typ) => {
        expect(() => classifyToken(compactJws({ alg: 'RS256', typ }), RS256_ONLY)).not.toThrow();
      },
    );

    it.each([['logout+jwt'], ['secevent+jwt'], ['id_token+jwt'], ['dpop+jwt'], [42]])(
      'answers TOKEN_TYPE_NOT_ALLOWED for typ %s',
      (typ) => {
        const error = rejection(compactJws({ alg: 'RS256', typ }));

        expect(error.code).toBe(AuthErrorCode.TOKEN_TYPE_NOT_ALLOWED);
        expect(error.details.fields).toEqual({ found: typ, allowed: ['at+jwt', 'jwt', 'absent'] });
      },
    );

    it('accepts only at+jwt when OAUTH_TOKEN_TYPES says so', () => {
      const strict = {
        algorithms: ['RS256'],
        tokenTypes: testAuthConfig({ OAUTH_TOKEN_TYPES: 'application/at+jwt' }).tokenTypes,
      };

      expect(() => classifyToken(compactJws({ alg: 'RS256', typ: 'at+jwt' }), strict)).not.toThrow();
      expect(rejection(compactJws({ alg: 'RS256', typ: 'JWT' }), strict).code).toBe(
        AuthErrorCode.TOKEN_TYPE_NOT_ALLOWED,
      );
      expect(rejection(compactJws({ alg: 'RS256' }), strict).code).toBe(AuthErrorCode.TOKEN_TYPE_NOT_ALLOWED);
    });
  });
});

describe('isJwsShaped (routing when both jwt and opaque tokens are accepted)', () => {
  it('sends a JWS, whatever its algorithm, to the JWT path', () => {
    expect(isJwsShaped(compactJws({ alg: 'RS256' }))).toBe(true);
    expect(isJwsShaped(compactJws({ alg: 'none' }, { sub: 'x' }, ''))).toBe(true);
  });

  it.each([
    ['a Gitea token', 'gto_0123456789abcdef0123456789abcdef01234567'],
    ['a random string with dots', 'a.b.c'],
    ['a JWE', `${base64UrlJson({ alg: 'RSA-OAEP', enc: 'A256GCM' })}.a.b.c.d`],
    ['three parts whose header is a JWE header', `${base64UrlJson({ alg: 'dir', enc: 'A256GCM' })}.e30.c2ln`],
  ])('sends %s to the provider', (_label, token) => {
    expect(isJwsShaped(token)).toBe(false);
  });
});
