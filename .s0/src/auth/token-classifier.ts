import { decodeJwtSegment } from '../common/decode';
import { normalizeTokenType } from '../config/auth.config';
import { AuthErrorCode, AuthException } from './auth.exception';

export interface JwsParts {
  header: { alg?: unknown; kid?: unknown; typ?: unknown; [name: string]: unknown };
  payload: Record<string, unknown>;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

export const ABSENT_TOKEN_TYPE = 'absent';

/** What a deployment accepts: `algorithms` (OAUTH_ALGORITHMS) and normalized `tokenTypes` (OAUTH_TOKEN_TYPES). */
export interface TokenPolicy {
  algorithms: readonly string[];
  tokenTypes: readonly string[];
}

/**
 * Base64url without padding has exactly one spelling per byte string (RFC 7515 §2, RFC 4648 §3.5): a
 * segment whose unused trailing bits are not zero decodes to the same bytes as its canonical form, so
 * several strings would pass for one signed token.
 */
function isCanonicalBase64Url(segment: string): boolean {
  return Buffer.from(segment, 'base64url').toString('base64url') === segment;
}

/**
 * Looks at a bearer token before any cryptography so that the caller learns *why* it is refused:
 * an encrypted JWE, something that is not a JWS at all, or a JWS with an algorithm we never accept.
 * Nothing decoded here is trusted; it only selects the error message and the verification key.
 */
export function classifyToken(token: string, policy: TokenPolicy): JwsParts {
  const allowedAlgorithms = policy.algorithms;
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
  const header = isCanonicalBase64Url(segments[0]) ? decodeJwtSegment(segments[0]) : undefined;
  const payload = isCanonicalBase64Url(segments[1]) ? decodeJwtSegment(segments[1]) : undefined;
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
  if (!isCanonicalBase64Url(segments[2])) {
    throw new AuthException(
      AuthErrorCode.BAD_SIGNATURE,
      'The access token signature is not canonical base64url',
    );
  }
  // RFC 7515 §4.1.11: a recipient must refuse critical extensions it does not implement, and this
  // gateway implements none (RFC 7797 unencoded payloads, `b64: false`, included).
  if (header.crit !== undefined || (header.b64 !== undefined && header.b64 !== true)) {
    throw new AuthException(
      AuthErrorCode.UNSUPPORTED_CRITICAL_HEADER,
      'The access token header asks for JWS extensions the gateway does not implement ("crit"/"b64")',
      { fields: { crit: Array.isArray(header.crit) ? header.crit : null } },
    );
  }
  const typ =
    header.typ === undefined
      ? ABSENT_TOKEN_TYPE
      : typeof header.typ === 'string'
        ? normalizeTokenType(header.typ)
        : undefined;
  if (typ === undefined || !policy.tokenTypes.includes(typ)) {
    throw new AuthException(
      AuthErrorCode.TOKEN_TYPE_NOT_ALLOWED,
      `Token type ${JSON.stringify(header.typ)} is not an access token type accepted here`,
      { fields: { found: header.typ ?? null, allowed: [...policy.tokenTypes] } },
    );
  }
  return { header, payload };
}

/**
 * Whether a token has the shape of a JWS (three base64url parts, a JSON header, no `enc`), for routing
 * it to the JWT path when both jwt and opaque tokens are accepted. Nothing is verified here.
 */
export function isJwsShaped(token: string): boolean {
  const segments = token.split('.');
  if (segments.length !== 3 || !segments.every((segment) => BASE64URL.test(segment))) return false;
  const header = decodeJwtSegment(segments[0]);
  return header !== undefined && header.enc === undefined;
}
