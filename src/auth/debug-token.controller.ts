import { Controller, Get, Module } from '@nestjs/common';

import type { AuthenticatedUser } from './authenticated-user';
import { CurrentUser } from './decorators/current-user.decorator';

export interface DebugTokenView {
  sub: string;
  aud: unknown;
  iss: unknown;
  scope: string[];
  permissions: unknown;
  exp: number;
  clientId?: string;
}

/** Shows the claims the gateway sees. Mounted only when DEBUG_TOKEN_ENABLED (see AuthModule). */
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

@Module({ controllers: [DebugTokenController] })
export class DebugTokenModule {}
