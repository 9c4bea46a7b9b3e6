import { HttpStatus } from '@nestjs/common';

import { ErrorTable, TableException } from '../common/error-table';

export enum AuthErrorCode {
  MISSING_TOKEN = 'MISSING_TOKEN',
  ACCESS_TOKEN_IS_ENCRYPTED_JWE = 'ACCESS_TOKEN_IS_ENCRYPTED_JWE',
  ACCESS_TOKEN_NOT_JWS = 'ACCESS_TOKEN_NOT_JWS',
  TOKEN_EXPIRED = 'TOKEN_EXPIRED',
  TOKEN_NOT_YET_VALID = 'TOKEN_NOT_YET_VALID',
  ISSUER_MISMATCH = 'ISSUER_MISMATCH',
  AUDIENCE_MISMATCH = 'AUDIENCE_MISMATCH',
  UNKNOWN_SIGNING_KEY = 'UNKNOWN_SIGNING_KEY',
  BAD_SIGNATURE = 'BAD_SIGNATURE',
  ALGORITHM_NOT_ALLOWED = 'ALGORITHM_NOT_ALLOWED',
  UNSUPPORTED_CRITICAL_HEADER = 'UNSUPPORTED_CRITICAL_HEADER',
  TOKEN_TYPE_NOT_ALLOWED = 'TOKEN_TYPE_NOT_ALLOWED',
  TOKEN_NO_SUB = 'TOKEN_NO_SUB',
  TOKEN_CLAIMS_INVALID = 'TOKEN_CLAIMS_INVALID',
  SIGNING_KEYS_UNAVAILABLE = 'SIGNING_KEYS_UNAVAILABLE',
  INSUFFICIENT_SCOPE = 'INSUFFICIENT_SCOPE',
  ISSUER_METADATA_UNAVAILABLE = 'ISSUER_METADATA_UNAVAILABLE',
  TOKEN_INACTIVE = 'TOKEN_INACTIVE',
  TOKEN_VALIDATION_UNAVAILABLE = 'TOKEN_VALIDATION_UNAVAILABLE',
  TOKEN_LACKS_API_SCOPE = 'TOKEN_LACKS_API_SCOPE',
}

export interface AuthExceptionDetails {
  /** Extra JSON fields, e.g. `expected`/`found` or `required`/`missing`. */
  fields?: Record<string, unknown>;
  /** Scopes the operation needs, announced in the challenge's `scope` attribute. */
  challengeScopes?: string[];
  /** The caller's scopes, added to the challenge when SCOPE_CHALLENGE=held-and-required. */
  heldScopes?: string[];
}

/** Status, error and fix of each code (docs/troubleshooting.md explains each). */
export const AUTH_ERRORS: ErrorTable<AuthErrorCode> = {
  [AuthErrorCode.MISSING_TOKEN]: {
    status: HttpStatus.UNAUTHORIZED,
    error: 'unauthorized',
    hint: 'Send "Authorization: Bearer <access token>". MCP clients discover the authorization server from resource_metadata in WWW-Authenticate.',
  },
  [AuthErrorCode.ACCESS_TOKEN_IS_ENCRYPTED_JWE]: {
    status: HttpStatus.UNAUTHORIZED,
    error: 'invalid_token',
    hint: 'The token is an encrypted JWE (5 segments): Auth0 issues one when no API audience was requested or API token encryption is on. Request the token with audience (or resource) = OAUTH_AUDIENCE, set the tenant default audience or enable the Resource Parameter Compatibility Profile, and turn off JWE encryption on the API.',
  },
  [AuthErrorCode.ACCESS_TOKEN_NOT_JWS]: {
    status: HttpStatus.UNAUTHORIZED,
    error: 'invalid_token',
    hint: 'The token is not a signed JWT (an opaque or malformed token). Request an access token for the API (audience = OAUTH_AUDIENCE) with RS256 signing; ID tokens are never accepted. If your provider issues opaque tokens (Gitea, Keycloak, Okta...), set OAUTH_TOKEN_FORMATS=opaque (or jwt,opaque) and configure introspection or userinfo validation (docs/providers.md).',
  },
  [AuthErrorCode.TOKEN_EXPIRED]: {
    status: HttpStatus.UNAUTHORIZED,
    error: 'invalid_token',
    hint: 'The token has expired: refresh it or sign in again. If clocks drift, see OAUTH_CLOCK_TOLERANCE_S.',
  },
  [AuthErrorCode.TOKEN_NOT_YET_VALID]: {
    status: HttpStatus.UNAUTHORIZED,
    error: 'invalid_token',
    hint: 'The token is not valid yet (nbf/iat in the future): check the clocks of the issuer and the gateway, or raise OAUTH_CLOCK_TOLERANCE_S slightly.',
  },
  [AuthErrorCode.ISSUER_MISMATCH]: {
    status: HttpStatus.UNAUTHORIZED,
    error: 'invalid_token',
    hint: 'OAUTH_ISSUER must equal the token\'s "iss" exactly; Auth0 issuers end with a slash: https://TENANT.REGION.auth0.com/ (or your custom domain).',
  },
  [AuthErrorCode.AUDIENCE_MISMATCH]: {
    status: HttpStatus.UNAUTHORIZED,
    error: 'invalid_token',
    hint: 'The token was issued for another API. Request it with audience (or resource) = OAUTH_AUDIENCE, or set OAUTH_AUDIENCE to your Auth0 API identifier.',
  },
  [AuthErrorCode.UNKNOWN_SIGNING_KEY]: {
    status: HttpStatus.UNAUTHORIZED,
    error: 'invalid_token',
    hint: 'No key in the issuer\'s JWKS matches the token\'s "kid": the token comes from another tenant/issuer, or a key was revoked. Check OAUTH_ISSUER / OAUTH_JWKS_URI.',
  },
  [AuthErrorCode.BAD_SIGNATURE]: {
    status: HttpStatus.UNAUTHORIZED,
    error: 'invalid_token',
    hint: "The signature does not verify with the issuer's key: the token was altered or signed by someone else.",
  },
  [AuthErrorCode.ALGORITHM_NOT_ALLOWED]: {
    status: HttpStatus.UNAUTHORIZED,
    error: 'invalid_token',
    hint: 'Only the algorithms in OAUTH_ALGORITHMS (default RS256) are accepted. In Auth0 set the API\'s signing algorithm to RS256; HS256 and "none" are always refused.',
  },
  [AuthErrorCode.UNSUPPORTED_CRITICAL_HEADER]: {
    status: HttpStatus.UNAUTHORIZED,
    error: 'invalid_token',
    hint: 'The token\'s header lists "crit" extensions (or "b64": false) that the gateway does not implement (RFC 7515 §4.1.11). The issuer must sign ordinary JWS access tokens.',
  },
  [AuthErrorCode.TOKEN_TYPE_NOT_ALLOWED]: {
    status: HttpStatus.UNAUTHORIZED,
    error: 'invalid_token',
    hint: 'The token\'s "typ" header names another kind of JWT (an ID token, a logout token...). Send an access token; OAUTH_TOKEN_TYPES lists the accepted types (default at+jwt, JWT or no typ).',
  },
  [AuthErrorCode.TOKEN_NO_SUB]: {
    status: HttpStatus.UNAUTHORIZED,
    error: 'invalid_token',
    hint: 'The token names no user: a JWT without "sub", or an introspection answer with neither "sub" nor "username". Use a user access token (authorization code flow), not a token without a subject such as a client-credentials one.',
  },
  [AuthErrorCode.TOKEN_CLAIMS_INVALID]: {
    status: HttpStatus.UNAUTHORIZED,
    error: 'invalid_token',
    hint: 'The token lacks a required claim ("exp") or carries a malformed one ("scope", "permissions"), or the provider describes something other than a plain bearer access token: a refresh token, or a token bound to a DPoP key or mTLS certificate ("cnf"), which the gateway cannot check. Send a bearer access token from the authorization code flow.',
  },
  [AuthErrorCode.SIGNING_KEYS_UNAVAILABLE]: {
    status: HttpStatus.SERVICE_UNAVAILABLE,
    error: 'temporarily_unavailable',
    hint: "The gateway cannot reach the issuer's JWKS and has no cached key. Check network access to OAUTH_JWKS_URI; retry shortly.",
  },
  [AuthErrorCode.INSUFFICIENT_SCOPE]: {
    status: HttpStatus.FORBIDDEN,
    error: 'insufficient_scope',
    hint: 'Re-authorize with the scopes listed in WWW-Authenticate. In Auth0, define these permissions on the API and let the client request them (RBAC users also need the permissions assigned).',
  },
  [AuthErrorCode.ISSUER_METADATA_UNAVAILABLE]: {
    status: HttpStatus.BAD_GATEWAY,
    error: 'bad_gateway',
    hint: 'Check that OAUTH_ISSUER is reachable from the gateway; its discovery document is served from there.',
  },
  [AuthErrorCode.TOKEN_INACTIVE]: {
    status: HttpStatus.UNAUTHORIZED,
    error: 'invalid_token',
    hint: 'The provider says the token is not active: it was revoked, has expired, or was never issued by it. Sign in again (in ChatGPT: disconnect and reconnect the connector).',
  },
  [AuthErrorCode.TOKEN_VALIDATION_UNAVAILABLE]: {
    status: HttpStatus.SERVICE_UNAVAILABLE,
    error: 'temporarily_unavailable',
    hint: "The gateway could not ask the provider whether the token is valid (introspection or userinfo endpoint down, slow or refusing the gateway's client credentials). Retry after Retry-After; operators: check OAUTH_INTROSPECTION_URL / OAUTH_USERINFO_URL, the introspection client credentials and network access.",
  },
  [AuthErrorCode.TOKEN_LACKS_API_SCOPE]: {
    status: HttpStatus.FORBIDDEN,
    error: 'insufficient_scope',
    hint: "The token signs you in but the provider's API refuses it: it was granted without the API scopes the tools need. Revoke the application's access in the provider (e.g. Gitea: Settings > Applications > Authorized OAuth2 applications), disconnect the connector in ChatGPT, then connect again and grant the scopes listed in WWW-Authenticate.",
  },
};

/**
 * Every authentication or authorization failure; AuthExceptionFilter maps it to RFC 6750 (a challenge for 401
 * and 403, whose `error` attribute is the table's error except for MISSING_TOKEN, RFC 6750 §3.1).
 */
export class AuthException extends TableException<AuthErrorCode> {
  constructor(
    code: AuthErrorCode,
    message: string,
    readonly details: AuthExceptionDetails = {},
  ) {
    super(code, message, AUTH_ERRORS);
    this.name = 'AuthException';
  }

  /** The RFC 6750 §3.1 error attribute; none when no token was sent, nor for answers without a challenge. */
  get oauthError(): string | undefined {
    if (this.code === AuthErrorCode.MISSING_TOKEN) return undefined;
    return this.status === HttpStatus.UNAUTHORIZED || this.status === HttpStatus.FORBIDDEN
      ? this.error
      : undefined;
  }

  /** Whether the answer carries WWW-Authenticate (401 and 403 only). */
  get challenges(): boolean {
    return this.status === HttpStatus.UNAUTHORIZED || this.status === HttpStatus.FORBIDDEN;
  }
}

/**
 * The refusal of a request that carries no bearer token. It holds nothing of the request, so one frozen
 * instance answers them all: a request without a token is the cheapest thing anyone can send, and building
 * an exception cost a tenth of its answer.
 */
export const MISSING_BEARER_TOKEN = new AuthException(
  AuthErrorCode.MISSING_TOKEN,
  'This endpoint requires a bearer token',
  Object.freeze({}),
);
Object.freeze(MISSING_BEARER_TOKEN);
