import { decodeJwtSegment } from '../common/decode';
import { AuthErrorCode, AuthException } from './auth.exception';

export interface JwsParts {
  header: { alg?: unknown; kid?: unknown; typ?: unknown; [name: string]: unknown };
  payload: Record<string, unknown>;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Looks at a bearer token before any cryptography so that the caller learns *why* it is refused:
 * an encrypted JWE, something that is not a JWS at all, or a JWS with an algorithm we never accept.
 * Nothing decoded here is trusted; it only selects the error message and the verification key.
 */
export function classifyToken(token: string, allowedAlgorithms: readonly string[]): JwsParts {
  const segments = token.split('.');
  if (segments.length === 5) {
    throw new AuthException(
      AuthErrorCode.ACCESS_TOKEN_IS_ENCRYPTED_JWE,
      'The access token is an encrypted JWE, not a signed JWT',
    );
  }
  if (segments.length !== 3 || !segments.every((segment) => BASE64URL.test(segment))) {
    throw new AuthException(
      AuthErrorCode.ACCESS_TOKEN_NOT_JWS,
      'The access token is not a signed JWT (JWS compact form)',
    );
  }
  const header = decodeJwtSegment(segments[0]);
  const payload = decodeJwtSegment(segments[1]);
  if (!header || !payload) {
    throw new AuthException(
      AuthErrorCode.ACCESS_TOKEN_NOT_JWS,
      'The access token is not a signed JWT (undecodable header or payload)',
    );
  }
  if (typeof header.enc === 'string') {
    throw new AuthException(
      AuthErrorCode.ACCESS_TOKEN_IS_ENCRYPTED_JWE,
      'The access token is an encrypted JWE, not a signed JWT',
    );
  }
  const alg = header.alg;
  if (typeof alg !== 'string' || !allowedAlgorithms.includes(alg)) {
    throw new AuthException(
      AuthErrorCode.ALGORITHM_NOT_ALLOWED,
      `Token algorithm ${JSON.stringify(alg ?? null)} is not allowed; accepted: ${allowedAlgorithms.join(', ')}`,
      { fields: { found: typeof alg === 'string' ? alg : null, allowed: [...allowedAlgorithms] } },
    );
  }
  if (segments[2].length === 0) {
    throw new AuthException(AuthErrorCode.BAD_SIGNATURE, 'The access token carries no signature');
  }
  return { header, payload };
}
