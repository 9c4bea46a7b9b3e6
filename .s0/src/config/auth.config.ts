import {
  ArrayNotEmpty,
  IsIn,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUrl,
  ValidateBy,
  ValidateIf,
} from 'class-validator';
import { Transform } from 'class-transformer';

import { HTTP_URL_OPTIONS } from '../common/url';
import { configNamespace } from './config-namespace';
import { IntRange, RawEnv, ToBoolean, ToList, loadEnv } from './env.util';

/** Asymmetric algorithms only: `none` and HMAC (`HS*`) would let anyone holding the public key mint tokens. */
export const ALLOWED_JWT_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
];

/**
 * What the `scope` attribute of a 403 insufficient_scope challenge names. MCP 2026-07-28 (SEP-2350) makes
 * scope accumulation the client's job, so the challenge names the scopes the operation needs; clients
 * older than that re-authorize with exactly the challenged list and need the caller's scopes in it too.
 */
export const SCOPE_CHALLENGE_MODES = ['operation', 'held-and-required'] as const;
export type ScopeChallengeMode = (typeof SCOPE_CHALLENGE_MODES)[number];

/** RFC 7515 §4.1.9: `typ` is compared case-insensitively, and "application/" may be omitted. */
export function normalizeTokenType(typ: string): string {
  return typ.toLowerCase().replace(/^application\//, '');
}

export const TOKEN_FORMATS = ['jwt', 'opaque'] as const;
export type TokenFormat = (typeof TOKEN_FORMATS)[number];
export const OPAQUE_VALIDATIONS = ['introspection', 'userinfo'] as const;
export type OpaqueValidation = (typeof OPAQUE_VALIDATIONS)[number];
export const INTROSPECTION_AUTH_METHODS = ['client_secret_basic', 'client_secret_post'] as const;
export type IntrospectionAuthMethod = (typeof INTROSPECTION_AUTH_METHODS)[number];
export const API_PROBE_METHODS = ['GET', 'POST'] as const;
export type ApiProbeMethod = (typeof API_PROBE_METHODS)[number];

/** `{"scope": ["implied scope", ...]}`: holding the key scope counts as holding the listed ones too. */
export type ScopeImplications = Record<string, string[]>;

/** Parses OAUTH_SCOPE_IMPLICATIONS (or a catalog's `scopeImplications`); undefined when malformed. */
export function parseScopeImplications(value: unknown): ScopeImplications | undefined {
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const entries = Object.entries(parsed);
  const valid = entries.every(
    ([scope, implied]) =>
      scope.length > 0 &&
      Array.isArray(implied) &&
      implied.every((item) => typeof item === 'string' && item.length > 0),
  );
  return valid ? (Object.fromEntries(entries) as ScopeImplications) : undefined;
}

const opaqueEnabled = (e: AuthEnv): boolean => e.OAUTH_TOKEN_FORMATS?.includes('opaque') === true;
const introspectionUsed = (e: AuthEnv): boolean =>
  opaqueEnabled(e) && e.OAUTH_OPAQUE_VALIDATION === 'introspection';

export class AuthEnv {
  @IsOptional()
  @IsUrl(HTTP_URL_OPTIONS, {
    message: 'OAUTH_ISSUER must be the exact issuer URL, e.g. https://TENANT.us.auth0.com/',
  })
  OAUTH_ISSUER?: string;

  @IsOptional()
  @IsString()
  OAUTH_AUDIENCE?: string;

  @IsOptional()
  @IsString()
  OAUTH_RESOURCE?: string;

  @IsOptional()
  @IsUrl(HTTP_URL_OPTIONS, { message: 'OAUTH_JWKS_URI must be an absolute http(s) URL' })
  OAUTH_JWKS_URI?: string;

  @ToList()
  @ArrayNotEmpty()
  @IsIn(ALLOWED_JWT_ALGORITHMS, {
    each: true,
    message: `OAUTH_ALGORITHMS may only list ${ALLOWED_JWT_ALGORITHMS.join(', ')}`,
  })
  OAUTH_ALGORITHMS: string[] = ['RS256'];

  @ToList()
  @IsString({ each: true })
  OAUTH_SCOPES: string[] = [];

  /** Accepted JWS `typ` values (RFC 8725 §3.11); `absent` accepts a token without `typ`. */
  @ToList()
  @ArrayNotEmpty({ message: 'OAUTH_TOKEN_TYPES must list at least one type, e.g. at+jwt' })
  @IsString({ each: true })
  OAUTH_TOKEN_TYPES: string[] = ['at+jwt', 'JWT', 'absent'];

  @IsIn(SCOPE_CHALLENGE_MODES, {
    message: `SCOPE_CHALLENGE must be one of ${SCOPE_CHALLENGE_MODES.join(', ')}`,
  })
  SCOPE_CHALLENGE: ScopeChallengeMode = 'operation';

  @IntRange(0, 300, 'OAUTH_CLOCK_TOLERANCE_S must be an integer number of seconds (0-300)')
  OAUTH_CLOCK_TOLERANCE_S: number = 5;

  @ToBoolean()
  @IsIn([true, false], { message: 'DEBUG_TOKEN_ENABLED must be true or false' })
  DEBUG_TOKEN_ENABLED: boolean = false;

  @IntRange(0, 1_000_000)
  TOKEN_CACHE_MAX: number = 10_000;

  /** Minimum time between two JWKS refetches triggered by unknown `kid`s. */
  @IntRange(0, 3600)
  JWKS_COOLDOWN_S: number = 30;

  /** Keys older than this are refetched in the background, so a key the issuer revoked stops being trusted. */
  @IntRange(10, 86_400)
  JWKS_MAX_AGE_S: number = 600;

  /** Total deadline of one issuer call: connection, headers and the whole body. */
  @IntRange(100, 60_000)
  OAUTH_HTTP_TIMEOUT_MS: number = 5000;

  /** Largest issuer answer read (discovery, JWKS, introspection, userinfo); larger ones fail that call. */
  @IntRange(1024, 67_108_864)
  OAUTH_MAX_RESPONSE_BYTES: number = 1_048_576;

  @IntRange(0, 86_400)
  OAUTH_METADATA_TTL_S: number = 300;

  /** `jwt` (default), `opaque`, or both: a JWS goes to the JWT path, anything else to the provider. */
  @ToList()
  @ArrayNotEmpty({ message: 'OAUTH_TOKEN_FORMATS must list jwt, opaque or both' })
  @IsIn(TOKEN_FORMATS, { each: true, message: 'OAUTH_TOKEN_FORMATS may only list jwt and opaque' })
  OAUTH_TOKEN_FORMATS: string[] = ['jwt'];

  @IsIn(OPAQUE_VALIDATIONS, { message: 'OAUTH_OPAQUE_VALIDATION must be introspection or userinfo' })
  OAUTH_OPAQUE_VALIDATION: string = 'introspection';

  @IsOptional()
  @IsUrl(HTTP_URL_OPTIONS, { message: 'OAUTH_INTROSPECTION_URL must be an absolute http(s) URL' })
  OAUTH_INTROSPECTION_URL?: string;

  @ValidateIf(introspectionUsed)
  @IsString()
  @IsNotEmpty({
    message:
      'OAUTH_INTROSPECTION_CLIENT_ID is required for opaque tokens validated by introspection (RFC 7662 needs client authentication)',
  })
  OAUTH_INTROSPECTION_CLIENT_ID?: string;

  @ValidateIf(introspectionUsed)
  @IsString()
  @IsNotEmpty({
    message: 'OAUTH_INTROSPECTION_CLIENT_SECRET is required for opaque tokens validated by introspection',
  })
  OAUTH_INTROSPECTION_CLIENT_SECRET?: string;

  /** A file holding OAUTH_INTROSPECTION_CLIENT_SECRET (read by loadGatewayConfig). */
  @IsOptional()
  @IsString()
  OAUTH_INTROSPECTION_CLIENT_SECRET_FILE?: string;

  @IsIn(INTROSPECTION_AUTH_METHODS, {
    message: 'OAUTH_INTROSPECTION_AUTH_METHOD must be client_secret_basic or client_secret_post',
  })
  OAUTH_INTROSPECTION_AUTH_METHOD: string = 'client_secret_basic';

  @IsOptional()
  @IsUrl(HTTP_URL_OPTIONS, { message: 'OAUTH_USERINFO_URL must be an absolute http(s) URL' })
  OAUTH_USERINFO_URL?: string;

  /** Upper bound of a validation result's life in the cache: a revoked token stops working within it. */
  @IntRange(0, 3600)
  OAUTH_OPAQUE_CACHE_TTL_S: number = 60;

  /** How long a rejected opaque token is answered from memory without asking the provider again. */
  @IntRange(0, 600)
  OAUTH_OPAQUE_NEGATIVE_CACHE_TTL_S: number = 10;

  @IsOptional()
  @Transform(({ value }) => parseScopeImplications(value) ?? value)
  @ValidateBy(
    {
      name: 'isScopeImplications',
      validator: { validate: (value) => parseScopeImplications(value) !== undefined },
    },
    {
      message:
        'OAUTH_SCOPE_IMPLICATIONS must be a JSON object like {"write:repository": ["read:repository"]}',
    },
  )
  OAUTH_SCOPE_IMPLICATIONS?: ScopeImplications;

  /** A cheap call to the provider's own API made with the user's token, once per token. */
  @IsOptional()
  @IsUrl(HTTP_URL_OPTIONS, { message: 'API_PROBE_URL must be an absolute http(s) URL' })
  API_PROBE_URL?: string;

  @IsIn(API_PROBE_METHODS, { message: 'API_PROBE_METHOD must be GET or POST' })
  API_PROBE_METHOD: string = 'GET';

  @ToList()
  @IsString({ each: true })
  API_PROBE_GRANTS: string[] = [];
}

export interface AuthConfig {
  issuer: string;
  audience: string;
  resource: string;
  jwksUri?: string;
  algorithms: string[];
  /** Normalized with normalizeTokenType(); `absent` stands for a header without `typ`. */
  tokenTypes: string[];
  extraScopes: string[];
  scopeChallenge: ScopeChallengeMode;
  clockToleranceS: number;
  tokenCacheMax: number;
  jwksCooldownMs: number;
  jwksMaxAgeMs: number;
  httpTimeoutMs: number;
  maxResponseBytes: number;
  metadataTtlMs: number;
  tokenFormats: TokenFormat[];
  opaque: {
    validation: OpaqueValidation;
    introspectionUrl?: string;
    clientId: string;
    clientSecret: string;
    authMethod: IntrospectionAuthMethod;
    userinfoUrl?: string;
    cacheTtlMs: number;
    negativeCacheTtlMs: number;
  };
  scopeImplications: ScopeImplications;
  apiProbe?: { url: string; method: ApiProbeMethod; grants: string[] };
}

export function buildAuthConfig(source: RawEnv | AuthEnv): AuthConfig {
  const e = source instanceof AuthEnv ? source : loadEnv(AuthEnv, source);
  const audience = e.OAUTH_AUDIENCE ?? '';
  return {
    issuer: e.OAUTH_ISSUER ?? '',
    audience,
    resource: e.OAUTH_RESOURCE ?? audience,
    jwksUri: e.OAUTH_JWKS_URI,
    algorithms: e.OAUTH_ALGORITHMS,
    tokenTypes: e.OAUTH_TOKEN_TYPES.map(normalizeTokenType),
    extraScopes: e.OAUTH_SCOPES,
    scopeChallenge: e.SCOPE_CHALLENGE,
    clockToleranceS: e.OAUTH_CLOCK_TOLERANCE_S,
    tokenCacheMax: e.TOKEN_CACHE_MAX,
    jwksCooldownMs: e.JWKS_COOLDOWN_S * 1000,
    jwksMaxAgeMs: e.JWKS_MAX_AGE_S * 1000,
    httpTimeoutMs: e.OAUTH_HTTP_TIMEOUT_MS,
    maxResponseBytes: e.OAUTH_MAX_RESPONSE_BYTES,
    metadataTtlMs: e.OAUTH_METADATA_TTL_S * 1000,
    tokenFormats: [...new Set(e.OAUTH_TOKEN_FORMATS as TokenFormat[])],
    opaque: {
      validation: e.OAUTH_OPAQUE_VALIDATION as OpaqueValidation,
      introspectionUrl: e.OAUTH_INTROSPECTION_URL,
      clientId: e.OAUTH_INTROSPECTION_CLIENT_ID ?? '',
      clientSecret: e.OAUTH_INTROSPECTION_CLIENT_SECRET ?? '',
      authMethod: e.OAUTH_INTROSPECTION_AUTH_METHOD as IntrospectionAuthMethod,
      userinfoUrl: e.OAUTH_USERINFO_URL,
      cacheTtlMs: e.OAUTH_OPAQUE_CACHE_TTL_S * 1000,
      negativeCacheTtlMs: e.OAUTH_OPAQUE_NEGATIVE_CACHE_TTL_S * 1000,
    },
    scopeImplications: e.OAUTH_SCOPE_IMPLICATIONS ?? {},
    apiProbe: e.API_PROBE_URL
      ? { url: e.API_PROBE_URL, method: e.API_PROBE_METHOD as ApiProbeMethod, grants: e.API_PROBE_GRANTS }
      : undefined,
  };
}

export const authConfig = configNamespace<AuthConfig>('auth');
