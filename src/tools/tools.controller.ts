import { Body, Controller, HttpCode, Param, Post, Req, Res, StreamableFile } from '@nestjs/common';
import type { Response } from 'express';

import { CurrentUser } from '../auth/decorators/current-user.decorator';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { GatewayRequest, requestIdOf } from '../common/request-context';
import { ToolInvoker } from './tool-invoker.service';

@Controller('tools')
export class ToolsController {
  constructor(private readonly invoker: ToolInvoker) {}

  /** REST call of one tool. The backend's status and body pass through, 4xx included. */
  @Post(':name')
  @HttpCode(200)
  async call(
    @Param('name') name: string,
    @Body() args: unknown,
    @CurrentUser() user: AuthenticatedUser,
    @Req() request: GatewayRequest,
    @Res({ passthrough: true }) response: Response,
  ): Promise<StreamableFile | { result: unknown }> {
    const controller = new AbortController();
    request.on('close', () => !response.writableFinished && controller.abort());
    const outcome = await this.invoker.invoke(name, args, {
      user,
      requestId: requestIdOf(request),
      signal: controller.signal,
    });
    if (outcome.kind === 'in-process') return { result: outcome.value ?? null };
    response.status(outcome.response.status);
    return new StreamableFile(outcome.response.body, {
      type: outcome.response.contentType,
      length: outcome.response.body.length,
    });
  }
}
