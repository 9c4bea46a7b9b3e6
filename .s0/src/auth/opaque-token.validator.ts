import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import { isJsonObject, parseJsonObject } from '../common/decode';
import { authConfig, OpaqueValidation } from '../config/auth.config';
import { AuthErrorCode, AuthException } from './auth.exception';
import type { AuthenticatedUser } from '../common/authenticated-user';
import { IssuerHttpClient, IssuerHttpError } from './issuer-http.client';
import { IssuerClient, IssuerUnavailableError } from './issuer.client';
import { userFromIntrospection, userFromUserinfo } from './opaque-token.policy';
import { ScopeRegistry } from './scope.registry';
import { SingleFlight, TokenResultCache } from './token-result.cache';

export interface OpaqueValidationResult {
  user: AuthenticatedUser;
  validation: OpaqueValidation | 'cache';
}

/**
 * Validates opaque access tokens with the provider: RFC 7662 introspection (client-authenticated), or,
 * when the operator opts in, OIDC userinfo. Answers are cached by token fingerprint, never beyond the
 * token's `exp` nor OAUTH_OPAQUE_CACHE_TTL_S (so a revoked token stops working within it); refusals for
 * OAUTH_OPAQUE_NEGATIVE_CACHE_TTL_S. Concurrent first uses of one token make one call. A provider that
 * cannot answer is a 503, never a pass.
 */
@Injectable()
export class OpaqueTokenValidator implements OnApplicationBootstrap {
  private readonly logger = new Logger(OpaqueTokenValidator.name);
  private readonly results: TokenResultCache<AuthenticatedUser | AuthException>;
  private readonly flights = new SingleFlight<AuthenticatedUser>();

  constructor(
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
    private readonly issuer: IssuerClient,
    private readonly http: IssuerHttpClient,
    private readonly scopes: ScopeRegistry,
  ) {
    this.results = new TokenResultCache(config.tokenCacheMax);
  }

  get enabled(): boolean {
    return this.config.tokenFormats.includes('opaque');
  }

  onApplicationBootstrap(): void {
    if (!this.enabled) return;
    if (this.config.opaque.validation === 'userinfo') {
      this.logger.warn(
        'OAUTH_OPAQUE_VALIDATION=userinfo: opaque tokens are accepted when the userinfo endpoint answers 200. That proves the token is live, NOT that it was issued for this gateway: any token of this provider, issued to any application, is accepted, and it carries no scopes (use API_PROBE_GRANTS or OAUTH_SCOPE_IMPLICATIONS). Prefer introspection when the provider offers it.',
      );
    } else {
      this.logger.log(
        `Opaque tokens are validated by introspection (${this.config.opaque.introspectionUrl ?? 'introspection_endpoint from discovery'}) as client ${this.config.opaque.clientId}`,
      );
    }
  }

  /** The caller of a token the provider accepted recently (still in the cache); no I/O. */
  cachedUser(fingerprint: string): AuthenticatedUser | undefined {
    const known = this.results.get(fingerprint);
    return known instanceof AuthException ? undefined : known;
  }

  /** The caller, or an AuthException: 401 for a refused token, 503 when the provider cannot tell. */
  async validate(token: string, fingerprint: string): Promise<OpaqueValidationResult> {
    const known = this.results.get(fingerprint);
    if (known instanceof AuthException) throw known;
    if (known) return { user: known, validation: 'cache' };
    const user = await this.flights.run(fingerprint, () => this.ask(token, fingerprint));
    return { user, validation: this.config.opaque.validation };
  }

  private async ask(token: string, fingerprint: string): Promise<AuthenticatedUser> {
    const now = Date.now();
    const horizonMs = now + this.config.opaque.cacheTtlMs;
    try {
      const answer =
        this.config.opaque.validation === 'introspection'
          ? userFromIntrospection(
              await this.introspect(token),
              {
                issuer: this.config.issuer,
                audience: this.config.audience,
                clockToleranceS: this.config.clockToleranceS,
                fallbackExpS: Math.floor(horizonMs / 1000),
              },
              now / 1000,
            )
          : userFromUserinfo(await this.userinfo(token), Math.floor(horizonMs / 1000));
      const effective = this.scopes.effectiveScopes(answer.scopes);
      const user = effective === answer.scopes ? answer : { ...answer, scopes: [...effective] };
      this.results.set(fingerprint, user, Math.min(horizonMs, user.exp * 1000));
      return user;
    } catch (error) {
      if (error instanceof AuthException && error.status === 401) {
        this.results.set(fingerprint, error, now + this.config.opaque.negativeCacheTtlMs);
      }
      throw error;
    }
  }

  /** RFC 7662 §2.1: POST token + hint, authenticated as the gateway's client (RFC 6749 §2.3.1). */
  private async introspect(token: string): Promise<Record<string, unknown>> {
    const { clientId, clientSecret, authMethod, introspectionUrl } = this.config.opaque;
    const url = await this.providerEndpoint('introspection_endpoint', introspectionUrl);
    const form: Record<string, string> = { token, token_type_hint: 'access_token' };
    const headers: Record<string, string> = {};
    if (authMethod === 'client_secret_post') {
      Object.assign(form, { client_id: clientId, client_secret: clientSecret });
    } else {
      const credentials = `${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`;
      headers.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
    }
    try {
      const { body } = await this.http.json(url, { method: 'POST', headers, form });
      if (isJsonObject(body)) return body;
      throw this.unavailable('introspection', url, 'the answer is not a JSON object');
    } catch (error) {
      if (!(error instanceof IssuerHttpError)) throw error;
      if (error.status === 401 || error.status === 403) {
        this.logger.error(
          `The introspection endpoint ${error.url} refused the gateway's client (HTTP ${error.status}): check OAUTH_INTROSPECTION_CLIENT_ID, OAUTH_INTROSPECTION_CLIENT_SECRET and OAUTH_INTROSPECTION_AUTH_METHOD`,
        );
      }
      throw this.unavailable('introspection', error.url, error.detail);
    }
  }

  /** OIDC Core §5.3: 200 with the claims for a live token, 401/403 for a dead one. */
  private async userinfo(token: string): Promise<Record<string, unknown>> {
    const url = await this.providerEndpoint('userinfo_endpoint', this.config.opaque.userinfoUrl);
    let response;
    try {
      response = await this.http.send(url, {
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      });
    } catch (error) {
      if (!(error instanceof IssuerHttpError)) throw error;
      throw this.unavailable('userinfo', error.url, error.detail);
    }
    if (response.status === 401 || response.status === 403) {
      throw new AuthException(
        AuthErrorCode.TOKEN_INACTIVE,
        `The provider's userinfo endpoint refuses the access token (HTTP ${response.status})`,
      );
    }
    const claims = response.status === 200 ? parseJsonObject(response.body.toString('utf8')) : undefined;
    if (!claims) {
      throw this.unavailable(
        'userinfo',
        url,
        response.status === 200 ? 'the answer is not a JSON object' : `HTTP ${response.status}`,
      );
    }
    return claims;
  }

  private async providerEndpoint(field: string, configured?: string): Promise<string> {
    try {
      return await this.issuer.endpoint(field, configured);
    } catch (error) {
      if (!(error instanceof IssuerUnavailableError)) throw error;
      throw this.unavailable(field.replace('_endpoint', ''), error.url, error.message);
    }
  }

  private unavailable(what: string, url: string, detail: string): AuthException {
    this.logger.warn(`Token validation unavailable: ${what} at ${url}: ${detail}`);
    return new AuthException(
      AuthErrorCode.TOKEN_VALIDATION_UNAVAILABLE,
      `The gateway cannot validate the token with the provider right now (${what} unavailable)`,
    );
  }
}
