import { Body, Controller, Param, Post, Req, Res } from '@nestjs/common';
import type { Response } from 'express';

import { CurrentUser } from '../auth/decorators/current-user.decorator';
import { NoRouteScopes } from '../auth/decorators/no-route-scopes.decorator';
import { AllowAnonymous } from '../auth/decorators/public.decorator';
import type { AuthenticatedUser } from '../common/authenticated-user';
import type { GatewayRequest } from '../common/request-context';
import { toolCallContext } from './tool-call-context';
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
    @Res() response: Response,
  ): Promise<void> {
    request.toolName = name;
    const controller = new AbortController();
    request.on('close', () => !response.writableFinished && controller.abort());
    const outcome = await this.invoker.invoke(name, args, toolCallContext(request, user, controller.signal));
    // Written here rather than returned: Nest would answer a Buffer through a StreamableFile, a Readable
    // piped into the response on every call, for the same status, headers and bytes. Errors thrown above
    // still reach the exception filters.
    if (outcome.kind === 'in-process') {
      response.status(200).json({ result: outcome.value ?? null });
      return;
    }
    const { status, contentType, body } = outcome.response;
    response.writeHead(status, { 'content-type': contentType, 'content-length': body.length }).end(body);
  }
}
