import { AuthErrorCode, AuthException } from './auth.exception';
import { AuthenticatedUser, loginFromClaims, scopesFromClaims } from '../common/authenticated-user';

export interface IntrospectionExpectations {
  issuer: string;
  /** Required in `aud` when set. */
  audience: string;
  clockToleranceS: number;
  /** The `exp` to assume when the answer has none (the end of the gateway's own cache window). */
  fallbackExpS: number;
}

/** Token types that are bearer access tokens (RFC 7662 §2.2 `token_type`; Keycloak says `typ`). */
const BEARER_TYPES = new Set(['bearer', 'access_token']);

/**
 * Turns an RFC 7662 introspection answer into the caller, or the precise refusal. The answer is
 * trusted (it comes from the provider over a client-authenticated call), but only an active bearer
 * access token for this gateway's audience is accepted: a refresh token, a sender-constrained token the
 * gateway cannot check, or a token for another API are refused.
 */
export function userFromIntrospection(
  answer: Record<string, unknown>,
  expected: IntrospectionExpectations,
  nowS: number = Date.now() / 1000,
): AuthenticatedUser {
  if (answer.active !== true) {
    throw new AuthException(
      AuthErrorCode.TOKEN_INACTIVE,
      'The provider reports the access token as inactive',
    );
  }
  const type = answer.token_type ?? answer.typ;
  if (type !== undefined && !(typeof type === 'string' && BEARER_TYPES.has(type.toLowerCase()))) {
    throw new AuthException(
      AuthErrorCode.TOKEN_CLAIMS_INVALID,
      `The provider reports a ${JSON.stringify(type)} token, not a bearer access token`,
    );
  }
  if (answer.cnf !== undefined) {
    throw new AuthException(
      AuthErrorCode.TOKEN_CLAIMS_INVALID,
      'The token is sender-constrained (cnf: DPoP or mTLS), which this gateway cannot verify',
    );
  }
  if (typeof answer.exp === 'number' && answer.exp + expected.clockToleranceS <= nowS) {
    throw new AuthException(AuthErrorCode.TOKEN_EXPIRED, 'The access token has expired', {
      fields: { expiredAt: new Date(answer.exp * 1000).toISOString() },
    });
  }
  if (typeof answer.nbf === 'number' && answer.nbf - expected.clockToleranceS > nowS) {
    throw new AuthException(AuthErrorCode.TOKEN_NOT_YET_VALID, 'The access token is not valid yet');
  }
  if (answer.iss !== undefined && answer.iss !== expected.issuer) {
    throw new AuthException(
      AuthErrorCode.ISSUER_MISMATCH,
      `The token's issuer ${JSON.stringify(answer.iss)} is not the expected ${JSON.stringify(expected.issuer)}`,
      { fields: { expected: expected.issuer, found: answer.iss } },
    );
  }
  if (expected.audience && !audienceIncludes(answer.aud, expected.audience)) {
    const found = answer.aud ?? null;
    throw new AuthException(
      AuthErrorCode.AUDIENCE_MISMATCH,
      `The token's audience ${JSON.stringify(found)} does not include the expected ${JSON.stringify(expected.audience)}`,
      { fields: { expected: expected.audience, found } },
    );
  }
  const sub = nonEmptyString(answer.sub) ?? nonEmptyString(answer.username);
  if (!sub) {
    throw new AuthException(AuthErrorCode.TOKEN_NO_SUB, 'The introspection answer names no subject (sub)');
  }
  if (answer.scope !== undefined && typeof answer.scope !== 'string') {
    throw new AuthException(
      AuthErrorCode.TOKEN_CLAIMS_INVALID,
      'The introspection answer\'s "scope" must be a space-delimited string',
    );
  }
  const scopes = scopesFromClaims({ scope: answer.scope });
  return {
    sub,
    scopes,
    scopesObserved: scopes,
    exp: typeof answer.exp === 'number' ? answer.exp : expected.fallbackExpS,
    clientId: nonEmptyString(answer.client_id),
    claims: answer,
    login: loginFromClaims(answer, sub),
  };
}

/**
 * The caller from an OIDC userinfo answer. It proves the token is live, not that it was issued for this
 * gateway, and carries no scopes: that is why userinfo validation is opt-in.
 */
export function userFromUserinfo(answer: Record<string, unknown>, fallbackExpS: number): AuthenticatedUser {
  const sub = nonEmptyString(answer.sub);
  if (!sub) throw new AuthException(AuthErrorCode.TOKEN_NO_SUB, 'The userinfo answer names no subject (sub)');
  return {
    sub,
    scopes: [],
    scopesObserved: [],
    exp: fallbackExpS,
    claims: answer,
    login: loginFromClaims(answer, sub),
  };
}

function audienceIncludes(aud: unknown, expected: string): boolean {
  return aud === expected || (Array.isArray(aud) && aud.includes(expected));
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
