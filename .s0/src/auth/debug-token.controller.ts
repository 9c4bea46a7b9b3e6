import { Controller, Get } from '@nestjs/common';

import type { AuthenticatedUser } from '../common/authenticated-user';
import { CurrentUser } from './decorators/current-user.decorator';
import { NoRouteScopes } from './decorators/no-route-scopes.decorator';

export interface DebugTokenView {
  sub: string;
  aud: unknown;
  iss: unknown;
  scope: string[];
  permissions: unknown;
  exp: number;
  clientId?: string;
}

/** Shows the claims the gateway sees. Mounted only when DEBUG_TOKEN_ENABLED (see AppModule.register). */
@NoRouteScopes('it shows any caller the claims of their own token')
@Controller('debug-token')
export class DebugTokenController {
  @Get()
  show(@CurrentUser() user: AuthenticatedUser): DebugTokenView {
    return {
      sub: user.sub,
      aud: user.claims.aud,
      iss: user.claims.iss,
      scope: user.scopes,
      permissions: user.claims.permissions ?? [],
      exp: user.exp,
      clientId: user.clientId,
    };
  }
}
