import {
  Controller,
  Delete,
  Get,
  Header,
  HttpException,
  HttpStatus,
  Post,
  Req,
  Res,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';

import { CurrentUser } from '../../auth/decorators/current-user.decorator';
import { NoRouteScopes } from '../../auth/decorators/no-route-scopes.decorator';
import { AllowAnonymous } from '../../auth/decorators/public.decorator';
import type { AuthenticatedUser } from '../../common/authenticated-user';
import type { GatewayRequest } from '../../common/request-context';
import { MCP_PATH } from '../../common/routes';
import { abortWhenCallerLeaves, toolCallContext } from '../tool-call-context';
import { newActivity, singleToolCall, summarizeMessage } from './mcp-tool-calls';
import { McpEndpoint } from './mcp-endpoint';
import { McpService } from './mcp.service';

/**
 * MCP over Streamable HTTP, stateless: each POST gets a fresh SDK server, so any replica can answer any
 * request. Behind the global JwtAuthGuard like every route; without a token only when the catalog has
 * public tools (mixed authentication), and then only for them.
 */
@NoRouteScopes('tools/call checks the scopes of the tool it calls; tools/list shows what the caller may use')
@Controller()
export class McpController {
  constructor(
    private readonly mcp: McpService,
    private readonly endpoint: McpEndpoint,
  ) {}

  @Post(MCP_PATH)
  @AllowAnonymous()
  async post(
    @Req() request: GatewayRequest,
    @Res() reply: FastifyReply,
    @CurrentUser() user: AuthenticatedUser | undefined,
  ): Promise<void> {
    if (request.body === undefined) {
      throw new UnsupportedMediaTypeException(
        'The MCP endpoint expects a JSON-RPC message in an application/json body',
      );
    }
    const summary = summarizeMessage(request.body);
    const { tools } = summary;
    this.mcp.countRequests(summary.labels);
    const call = singleToolCall(request.body);
    if (call) request.shapeErrorBody = (body, challenge) => this.mcp.refusedCallBody(call, body, challenge);
    const activity = (request.mcp = newActivity(summary));
    const abort = new AbortController();
    const context = toolCallContext(request, user, abort.signal);
    request.toolName = tools.join(',') || undefined;
    try {
      if (!user) this.mcp.admitAnonymous();
      // Before the SDK sees the message: a missing scope is an HTTP 403 challenge, not a JSON-RPC error.
      this.mcp.authorizeToolCalls(tools, context);
      this.mcp.assertNestingBound(request.body, tools);
      await this.mcp.admitToolCalls(tools, context);
    } catch (error) {
      const reason = (error as { code?: unknown }).code;
      for (const tool of activity.tools) tool.outcome = typeof reason === 'string' ? reason : 'refused';
      throw error;
    }

    abortWhenCallerLeaves(reply, abort);
    await this.endpoint.serve(request, reply, context);
  }

  /** Streamable HTTP §GET: a stateless server offers no server-to-client stream. */
  @Get(MCP_PATH)
  @Header('Allow', 'POST')
  openStream(): never {
    throw methodNotAllowed('opens no server-to-client stream (GET)');
  }

  /** Streamable HTTP §session management: there is no session to end. */
  @Delete(MCP_PATH)
  @Header('Allow', 'POST')
  endSession(): never {
    throw methodNotAllowed('keeps no session to delete (DELETE)');
  }
}

function methodNotAllowed(what: string): HttpException {
  return new HttpException(
    {
      message: `This MCP endpoint is stateless and ${what}`,
      hint: 'Send JSON-RPC messages with POST; answers come back in the POST response.',
    },
    HttpStatus.METHOD_NOT_ALLOWED,
  );
}
