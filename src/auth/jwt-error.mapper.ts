import { AuthErrorCode, AuthException, MISSING_BEARER_TOKEN } from './auth.exception';

interface ExpectedClaims {
  issuer: string;
  audience: string;
  algorithms: readonly string[];
}

/**
 * Turns what jsonwebtoken/passport-jwt report into a precise AuthException. The token's claims are
 * decoded (unverified) only to tell the caller which audience or issuer was found.
 */
export function mapJwtError(
  info: unknown,
  claims: Record<string, unknown>,
  expected: ExpectedClaims,
): AuthException {
  if (info instanceof AuthException) return info;
  const error = info as { name?: string; message?: string } | undefined;
  const message = error?.message ?? '';
  if (error?.name === 'TokenExpiredError') {
    return new AuthException(AuthErrorCode.TOKEN_EXPIRED, 'The access token has expired', {
      fields: {
        expiredAt: isoDateOf(claims.exp),
      },
    });
  }
  if (error?.name === 'NotBeforeError' || (message.includes('iat') && message.includes('future'))) {
    return new AuthException(AuthErrorCode.TOKEN_NOT_YET_VALID, 'The access token is not valid yet');
  }
  if (message.startsWith('jwt audience invalid')) {
    const found = claims.aud ?? null;
    return new AuthException(
      AuthErrorCode.AUDIENCE_MISMATCH,
      `The token's audience ${JSON.stringify(found)} does not include the expected ${JSON.stringify(expected.audience)}`,
      { fields: { expected: expected.audience, found } },
    );
  }
  if (message.startsWith('jwt issuer invalid')) {
    const found = claims.iss ?? null;
    return new AuthException(
      AuthErrorCode.ISSUER_MISMATCH,
      `The token's issuer ${JSON.stringify(found)} is not the expected ${JSON.stringify(expected.issuer)}`,
      { fields: { expected: expected.issuer, found } },
    );
  }
  if (
    message === 'invalid algorithm' ||
    message.includes('must be a symmetric key') ||
    message.includes('must be an asymmetric key')
  ) {
    return new AuthException(
      AuthErrorCode.ALGORITHM_NOT_ALLOWED,
      `Token algorithm not allowed; accepted: ${expected.algorithms.join(', ')}`,
    );
  }
  if (message === 'invalid exp value' || message === 'invalid nbf value') {
    return new AuthException(
      AuthErrorCode.TOKEN_CLAIMS_INVALID,
      `The "${message.split(' ')[1]}" claim must be a NumericDate`,
    );
  }
  if (message === 'invalid signature') {
    return new AuthException(AuthErrorCode.BAD_SIGNATURE, 'The access token signature is invalid');
  }
  if (message === 'No auth token') {
    return MISSING_BEARER_TOKEN;
  }
  return new AuthException(
    AuthErrorCode.ACCESS_TOKEN_NOT_JWS,
    'The access token could not be verified as a JWT',
  );
}

/** A NumericDate as ISO 8601, or null when it is not one a Date can hold (a signed token may carry anything). */
function isoDateOf(seconds: unknown): string | null {
  const date = typeof seconds === 'number' ? new Date(seconds * 1000) : undefined;
  return date && !Number.isNaN(date.getTime()) ? date.toISOString() : null;
}
