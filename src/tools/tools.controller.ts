import { Body, Controller, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

import { CurrentUser } from '../auth/decorators/current-user.decorator';
import { NoRouteScopes } from '../auth/decorators/no-route-scopes.decorator';
import { AllowAnonymous } from '../auth/decorators/public.decorator';
import type { AuthenticatedUser } from '../common/authenticated-user';
import type { GatewayRequest } from '../common/request-context';
import { abortWhenCallerLeaves, toolCallContext } from './tool-call-context';
import { ToolInvoker } from './tool-invoker';

@NoRouteScopes('each tool requires its own scopes, checked by ToolInvoker before it runs')
@Controller('tools')
export class ToolsController {
  constructor(private readonly invoker: ToolInvoker) {}

  /**
   * REST call of one tool. The backend's status and body pass through, 4xx included. Without a token
   * only public tools answer; the invoker refuses every other name with 401.
   */
  @Post(':name')
  @AllowAnonymous()
  async call(
    @Param('name') name: string,
    @Body() args: unknown,
    @CurrentUser() user: AuthenticatedUser | undefined,
    @Req() request: GatewayRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    request.toolName = name;
    const abort = new AbortController();
    abortWhenCallerLeaves(reply, abort);
    const outcome = await this.invoker.invoke(name, args, toolCallContext(request, user, abort.signal));
    // Sent here rather than returned: the backend's status passes through, which a returned value cannot
    // set. Errors thrown above still reach the exception filters.
    if (outcome.kind === 'in-process') {
      void reply.code(200).send({ result: outcome.value ?? null });
      return;
    }
    const { status, contentType, body } = outcome.response;
    void reply.code(status).header('content-type', contentType).send(body);
  }
}
