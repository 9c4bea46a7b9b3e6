import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { Reflector } from '@nestjs/core';

import type { GatewayRequest } from '../../common/request-context';
import { authConfig } from '../../config/auth.config';
import { RateLimits } from '../../rate-limit/rate-limits';
import { ApiProbe } from '../api-probe';
import { AuthErrorCode, AuthException } from '../auth.exception';
import { AuthSummaryLog, AuthTrace } from '../auth-summary.log';
import type { AuthenticatedUser } from '../../common/authenticated-user';
import { IS_PUBLIC } from '../decorators/public.decorator';
import { OpaqueTokenValidator } from '../opaque-token.validator';
import { ScopeRegistry } from '../scope.registry';
import { isJwsShaped } from '../token-classifier';
import { tokenFingerprint } from '../token-result.cache';
import { bearerToken, JwtAuthGuard, presentedBearer } from './jwt-auth.guard';

/**
 * The global authentication guard. A JWS goes to JwtAuthGuard; with OAUTH_TOKEN_FORMATS including
 * `opaque`, anything else is validated with the provider. Then the effective scopes (declared
 * implications, what a passing API probe proves) and the API probe itself, so that a token without the
 * provider's API scopes is refused here, before any tool runs.
 */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  private readonly jwtAccepted: boolean;
  private readonly opaqueAccepted: boolean;
  /** Per verified user object (they are cached): the same user with its effective scopes. */
  private readonly resolved = new WeakMap<AuthenticatedUser, AuthenticatedUser>();
  /** The same, with what a passing API probe proves. */
  private readonly probed = new WeakMap<AuthenticatedUser, AuthenticatedUser>();
  private readonly callsSomeTool = new WeakMap<AuthenticatedUser, boolean>();

  constructor(
    private readonly reflector: Reflector,
    private readonly jwt: JwtAuthGuard,
    private readonly opaque: OpaqueTokenValidator,
    private readonly probe: ApiProbe,
    private readonly scopes: ScopeRegistry,
    private readonly summary: AuthSummaryLog,
    private readonly limits: RateLimits,
    @Inject(authConfig.KEY) config: ConfigType<typeof authConfig>,
  ) {
    this.jwtAccepted = config.tokenFormats.includes('jwt');
    this.opaqueAccepted = config.tokenFormats.includes('opaque');
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    // Public routes, missing tokens and JWTs: JwtAuthGuard decides (and applies the rate limits).
    const request = context.switchToHttp().getRequest<GatewayRequest>();
    if (this.reflector.getAllAndOverride(IS_PUBLIC, targets)) return this.jwt.admitPublic(request, targets);
    const token = presentedBearer(request);
    const opaque = token !== undefined && this.opaqueAccepted && !(this.jwtAccepted && isJwsShaped(token));
    const fingerprint = token !== undefined && (opaque || this.probe.enabled) ? tokenFingerprint(token) : '';
    const trace: AuthTrace = { tokenType: 'jwt', validation: 'jwt', apiProbe: 'off' };
    let user: AuthenticatedUser;
    if (opaque) {
      const cached = this.opaque.cachedUser(fingerprint);
      // As for JWTs, a token already known to be good is not counted against its client's address: behind a
      // few egress addresses (ChatGPT's) that would throttle every user together.
      if (!cached && this.limits.ipLimited) await this.limits.admitIp(request.ip);
      const result = cached
        ? { user: cached, validation: 'cache' as const }
        : await this.opaque.validate(token, fingerprint);
      user = result.user;
      trace.tokenType = 'opaque';
      trace.validation = result.validation;
      request.authOutcome = result.validation === 'cache' ? 'ok (cached)' : 'ok';
      if (this.limits.subjectLimited) await this.limits.admitSubject(user.sub);
    } else {
      await this.jwt.authenticate(context, request, targets, token);
      // No token on an @AllowAnonymous() route (public tools): let through without a user; the handler decides.
      if (!request.user) return true;
      user = this.withEffectiveScopes(request.user);
      if (request.authOutcome === 'ok (cached)') trace.validation = 'cache';
    }
    request.user = user;
    this.summary.track(request, trace);

    if (this.probe.enabled) {
      trace.apiProbe = await this.probe.check(bearerToken(request), fingerprint, user);
      if (trace.apiProbe === 'fail:401' || trace.apiProbe === 'fail:403') {
        const status = trace.apiProbe === 'fail:401' ? 401 : 403;
        this.summary.lacksApiScope(request, user, status);
        throw this.lacksApiScope(user, status);
      }
      if (trace.apiProbe !== 'skip:error') request.user = this.withProbeGrants(user);
    }
    if (!this.canCallSomeTool(request.user)) this.summary.noToolScopes(request, request.user);
    return true;
  }

  private canCallSomeTool(user: AuthenticatedUser): boolean {
    let answer = this.callsSomeTool.get(user);
    if (answer === undefined) {
      answer = this.scopes.canCallAnyTool(user.scopes);
      this.callsSomeTool.set(user, answer);
    }
    return answer;
  }

  private withEffectiveScopes(user: AuthenticatedUser): AuthenticatedUser {
    return this.widened(this.resolved, user, []);
  }

  private withProbeGrants(user: AuthenticatedUser): AuthenticatedUser {
    if (this.probe.grants.length === 0) return user;
    return this.widened(this.probed, user, this.probe.grants);
  }

  /** `user` with `extra` scopes and all they imply, built once per user object; `user` when nothing changes. */
  private widened(
    memo: WeakMap<AuthenticatedUser, AuthenticatedUser>,
    user: AuthenticatedUser,
    extra: readonly string[],
  ): AuthenticatedUser {
    let widened = memo.get(user);
    if (widened) return widened;
    const held = extra.length === 0 ? user.scopes : [...new Set([...user.scopes, ...extra])];
    const effective = this.scopes.effectiveScopes(held);
    if (effective === user.scopes) return user;
    widened = { ...user, scopesObserved: user.scopesObserved ?? user.scopes, scopes: [...effective] };
    memo.set(user, widened);
    return widened;
  }

  private lacksApiScope(user: AuthenticatedUser, status: number): AuthException {
    const required = this.scopes.toolScopes();
    return new AuthException(
      AuthErrorCode.TOKEN_LACKS_API_SCOPE,
      `The provider's API refuses this token (HTTP ${status}): it was granted without the API scopes the tools need. Revoke the application's access in the provider, disconnect the connector in ChatGPT, then connect again and grant ${required.length > 0 ? required.join(', ') : 'the API scopes'}.`,
      {
        fields: { required, apiStatus: status },
        challengeScopes: required,
        heldScopes: user.scopesObserved ?? user.scopes,
      },
    );
  }
}
