import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';

import type { GatewayRequest } from '../../common/request-context';
import { MISSING_BEARER_TOKEN } from '../auth.exception';
import { ALLOWS_ANONYMOUS, IS_PUBLIC } from '../decorators/public.decorator';
import { REQUIRED_SCOPES } from '../decorators/require-scopes.decorator';
import { assertScopes } from '../scope-policy';

/** Global guard after BearerAuthGuard: enforces @RequireScopes on the class and the handler (their union). */
@Injectable()
export class ScopesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride(IS_PUBLIC, targets)) return true;
    const required = this.reflector.getAllAndMerge(REQUIRED_SCOPES, targets) ?? [];
    const request = context.switchToHttp().getRequest<GatewayRequest>();
    if (!request.user) {
      if (required.length === 0 && this.reflector.getAllAndOverride(ALLOWS_ANONYMOUS, targets)) return true;
      // Deny by default: a route that reaches here without a verified user is a wiring error.
      throw MISSING_BEARER_TOKEN;
    }
    if (required.length > 0) assertScopes(request.user, required);
    return true;
  }
}
