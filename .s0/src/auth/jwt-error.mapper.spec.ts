import { createHmac, sign } from 'node:crypto';

import jwt from 'jsonwebtoken';

import { TEST_AUDIENCE, TEST_ISSUER } from '../testing/config.fixtures';
import { base64UrlJson, rsaKeyPair } from '../testing/token.fixtures';
import { AuthErrorCode, AuthException } from './auth.exception';
import { mapJwtError } from './jwt-error.mapper';

const EXPECTED = { issuer: TEST_ISSUER, audience: TEST_AUDIENCE, algorithms: ['RS256'] };
const VERIFY_OPTIONS: jwt.VerifyOptions = {
  issuer: TEST_ISSUER,
  audience: TEST_AUDIENCE,
  algorithms: ['RS256'],
};
const nowS = (): number => Math.floor(Date.now() / 1000);

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { sub: 'user-1', iss: TEST_ISSUER, aud: TEST_AUDIENCE, exp: nowS() + 600, ...overrides };
}

function signed(payload: Record<string, unknown>): string {
  return jwt.sign(payload, rsaKeyPair(0).privateKey, { algorithm: 'RS256', keyid: 'k1' });
}

/** Signed by hand: jwt.sign refuses payloads such as a non-numeric or out-of-range exp. */
function signedAsIs(payload: Record<string, unknown>): string {
  const input = `${base64UrlJson({ alg: 'RS256', kid: 'k1' })}.${base64UrlJson(payload)}`;
  return `${input}.${sign('sha256', Buffer.from(input), rsaKeyPair(0).privateKey).toString('base64url')}`;
}

/** What passport-jwt hands the guard: the error jsonwebtoken raised for this token, mapped. */
function mapped(token: string, options: jwt.VerifyOptions = VERIFY_OPTIONS): AuthException {
  try {
    jwt.verify(token, rsaKeyPair(0).publicKey, options);
  } catch (error) {
    return mapJwtError(error, (jwt.decode(token) as Record<string, unknown> | null) ?? {}, EXPECTED);
  }
  throw new Error('jsonwebtoken accepted the token');
}

describe('mapJwtError', () => {
  it('answers TOKEN_EXPIRED with the expiry time for an expired token', () => {
    const exp = nowS() - 60;

    const error = mapped(signed(claims({ exp })));

    expect(error.code).toBe(AuthErrorCode.TOKEN_EXPIRED);
    expect(error.details.fields).toEqual({ expiredAt: new Date(exp * 1000).toISOString() });
  });

  it('answers TOKEN_EXPIRED with expiredAt null for an exp no date can hold', () => {
    const error = mapped(signedAsIs(claims({ exp: -1e20 })));

    expect(error.code).toBe(AuthErrorCode.TOKEN_EXPIRED);
    expect(error.details.fields).toEqual({ expiredAt: null });
  });

  it.each(['exp', 'nbf'])('answers TOKEN_CLAIMS_INVALID for a non-numeric %s', (claim) => {
    const error = mapped(signedAsIs(claims({ [claim]: '9999999999' })));

    expect(error.code).toBe(AuthErrorCode.TOKEN_CLAIMS_INVALID);
    expect(error.message).toBe(`The "${claim}" claim must be a NumericDate`);
  });

  it('answers TOKEN_NOT_YET_VALID for a token whose nbf is in the future', () => {
    expect(mapped(signed(claims({ nbf: nowS() + 600 }))).code).toBe(AuthErrorCode.TOKEN_NOT_YET_VALID);
  });

  it('answers AUDIENCE_MISMATCH naming the audience found and the one expected', () => {
    const error = mapped(signed(claims({ aud: 'https://other-api.example.com' })));

    expect(error.code).toBe(AuthErrorCode.AUDIENCE_MISMATCH);
    expect(error.details.fields).toEqual({ expected: TEST_AUDIENCE, found: 'https://other-api.example.com' });
    expect(error.message).toBe(
      'The token\'s audience "https://other-api.example.com" does not include the expected "https://api.example.com"',
    );
  });

  it('reports every audience of an Auth0 token issued for another API and userinfo', () => {
    const found = ['https://other-api.example.com', `${TEST_ISSUER}userinfo`];

    const error = mapped(signed(claims({ aud: found })));

    expect(error.code).toBe(AuthErrorCode.AUDIENCE_MISMATCH);
    expect(error.details.fields).toEqual({ expected: TEST_AUDIENCE, found });
  });

  it('answers AUDIENCE_MISMATCH with found null for a token without aud', () => {
    const { aud: _aud, ...withoutAudience } = claims();

    expect(mapped(signed(withoutAudience)).details.fields).toEqual({ expected: TEST_AUDIENCE, found: null });
  });

  it('answers ISSUER_MISMATCH naming the issuer found and the one expected', () => {
    const error = mapped(signed(claims({ iss: 'https://tenant.example.auth0.com' })));

    expect(error.code).toBe(AuthErrorCode.ISSUER_MISMATCH);
    expect(error.details.fields).toEqual({
      expected: TEST_ISSUER,
      found: 'https://tenant.example.auth0.com',
    });
  });

  it('answers BAD_SIGNATURE for a token signed by another key', () => {
    const forged = jwt.sign(claims(), rsaKeyPair(1).privateKey, { algorithm: 'RS256' });

    expect(mapped(forged).code).toBe(AuthErrorCode.BAD_SIGNATURE);
  });

  describe('HS256 signed with the issuer public key', () => {
    const publicPem = (): string =>
      rsaKeyPair(0).publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const hs256 = (): string => {
      const input = `${base64UrlJson({ alg: 'HS256', typ: 'JWT' })}.${base64UrlJson(claims())}`;
      return `${input}.${createHmac('sha256', publicPem()).update(input).digest('base64url')}`;
    };

    it('answers ALGORITHM_NOT_ALLOWED when HS256 is outside the allow-list', () => {
      expect(mapped(hs256()).code).toBe(AuthErrorCode.ALGORITHM_NOT_ALLOWED);
    });

    it('answers ALGORITHM_NOT_ALLOWED when jsonwebtoken refuses an RSA key for HMAC', () => {
      const error = mapped(hs256(), { ...VERIFY_OPTIONS, algorithms: ['RS256', 'HS256'] });

      expect(error.code).toBe(AuthErrorCode.ALGORITHM_NOT_ALLOWED);
      expect(error.message).toBe('Token algorithm not allowed; accepted: RS256');
    });
  });

  it('answers ACCESS_TOKEN_NOT_JWS for a token jsonwebtoken cannot parse', () => {
    expect(mapped('not-a-jwt').code).toBe(AuthErrorCode.ACCESS_TOKEN_NOT_JWS);
  });

  it('answers MISSING_TOKEN when passport-jwt found no token', () => {
    expect(mapJwtError(new Error('No auth token'), {}, EXPECTED).code).toBe(AuthErrorCode.MISSING_TOKEN);
  });

  it('keeps an AuthException raised during verification, such as an unknown signing key', () => {
    const unknownKey = new AuthException(AuthErrorCode.UNKNOWN_SIGNING_KEY, 'No signing key with kid "x"');

    expect(mapJwtError(unknownKey, claims(), EXPECTED)).toBe(unknownKey);
  });

  it('answers ACCESS_TOKEN_NOT_JWS when verification failed without saying why', () => {
    expect(mapJwtError(undefined, {}, EXPECTED).code).toBe(AuthErrorCode.ACCESS_TOKEN_NOT_JWS);
  });
});
