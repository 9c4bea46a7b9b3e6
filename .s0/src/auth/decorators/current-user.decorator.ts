import { createParamDecorator, ExecutionContext } from '@nestjs/common';

import type { AuthenticatedUser } from '../../common/authenticated-user';
import type { GatewayRequest } from '../../common/request-context';

/** The verified caller; only on routes behind the JWT guard. */
export const CurrentUser = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): AuthenticatedUser | undefined =>
    ctx.switchToHttp().getRequest<GatewayRequest>().user,
);
