import { ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';

import type { AuthenticatedUser } from '../../common/authenticated-user';
import { unverifiedJwtPayload } from '../../common/decode';
import type { GatewayRequest } from '../../common/request-context';
import { authConfig } from '../../config/auth.config';
import { CounterCell } from '../../observability/metric-family';
import { GatewayMetrics } from '../../observability/gateway-metrics';
import { IS_IP_LIMIT_EXEMPT } from '../../rate-limit/ip-limit-exempt.decorator';
import { RateLimits } from '../../rate-limit/rate-limits';
import { AuthException, MISSING_BEARER_TOKEN } from '../auth.exception';
import { ALLOWS_ANONYMOUS, IS_PUBLIC } from '../decorators/public.decorator';
import { mapJwtError } from '../jwt-error.mapper';
import { classifyToken } from '../token-classifier';
import { VerifiedTokenCache } from '../verified-token.cache';

/** The JWT path of BearerAuthGuard (the global guard): a valid bearer token unless the route is @Public(). */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  private readonly cacheHits: CounterCell;
  private readonly cacheMisses: CounterCell;

  constructor(
    private readonly reflector: Reflector,
    private readonly cache: VerifiedTokenCache,
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
    metrics: GatewayMetrics,
    private readonly limits: RateLimits,
  ) {
    super();
    this.cacheHits = metrics.tokenCacheHits.cell();
    this.cacheMisses = metrics.tokenCacheMisses.cell();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    const request = context.switchToHttp().getRequest<GatewayRequest>();
    if (this.reflector.getAllAndOverride(IS_PUBLIC, targets)) return this.admitPublic(request, targets);
    return this.authenticate(context, request, targets, presentedBearer(request));
  }

  /** A @Public() route: only the per-address limit, unless the route is exempt from it. */
  async admitPublic(request: GatewayRequest, targets: RouteTargets): Promise<boolean> {
    if (this.limits.ipLimited && !this.reflector.getAllAndOverride(IS_IP_LIMIT_EXEMPT, targets)) {
      await this.limits.admitIp(request.ip);
    }
    return true;
  }

  /**
   * A route that is not public, with the bearer token `presented` in the request (if any): BearerAuthGuard
   * calls this directly, having already read both.
   */
  async authenticate(
    context: ExecutionContext,
    request: GatewayRequest,
    targets: RouteTargets,
    presented: string | undefined,
  ): Promise<boolean> {
    if (
      request.headers.authorization === undefined &&
      this.reflector.getAllAndOverride(ALLOWS_ANONYMOUS, targets)
    ) {
      // No token on a route that serves public tools: the handler decides; limited per address like any
      // unverified traffic.
      if (this.limits.ipLimited) await this.limits.admitIp(request.ip);
      request.authOutcome = 'anonymous';
      return true;
    }
    const cached = presented === undefined ? undefined : this.cache.get(presented);
    if (cached) {
      this.cacheHits.inc();
      request.user = cached;
      request.authOutcome = 'ok (cached)';
      if (this.limits.subjectLimited) await this.limits.admitSubject(cached.sub);
      return true;
    }
    this.cacheMisses.inc();
    // Unverified traffic is limited per address before anything is spent on it (a 401 included).
    if (this.limits.ipLimited) await this.limits.admitIp(request.ip);
    if (presented === undefined) throw MISSING_BEARER_TOKEN;
    // Precise refusals (JWE, not a JWS, algorithm) before passport-jwt spends anything on the token.
    classifyToken(presented, this.config);
    const allowed = (await super.canActivate(context)) as boolean;
    if (this.limits.subjectLimited) await this.limits.admitSubject(request.user!.sub);
    return allowed;
  }

  override handleRequest<TUser = AuthenticatedUser>(
    error: unknown,
    user: unknown,
    info: unknown,
    context: ExecutionContext,
  ): TUser {
    const request = context.switchToHttp().getRequest<GatewayRequest>();
    const token = bearerToken(request);
    if (error || !user) {
      const claims = error instanceof AuthException ? {} : unverifiedJwtPayload(token);
      throw mapJwtError(error ?? info, claims, this.config);
    }
    this.cache.set(token, user as AuthenticatedUser);
    request.authOutcome = 'ok';
    return user as TUser;
  }
}

/** The handler and its class, where route metadata is read. */
type RouteTargets = Array<ReturnType<ExecutionContext['getHandler']>>;

const BEARER = /^Bearer +([^\s]+) *$/i;

/** RFC 6750 §2.1: only the Authorization header is accepted (bearer_methods_supported: ["header"]). */
export function presentedBearer(request: GatewayRequest): string | undefined {
  const header = request.headers.authorization;
  return typeof header === 'string' ? BEARER.exec(header)?.[1] : undefined;
}

/** The bearer token, or the MISSING_TOKEN refusal. */
export function bearerToken(request: GatewayRequest): string {
  const token = presentedBearer(request);
  if (token === undefined) throw MISSING_BEARER_TOKEN;
  return token;
}
