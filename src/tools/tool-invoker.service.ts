import { HttpException, Injectable, Logger } from '@nestjs/common';

import { assertScopes } from '../auth/scope-policy';
import { ToolCatalog } from './tool-catalog.service';
import type { ToolCallContext, ToolDefinition } from './tool-definition';
import { ToolsErrorCode, ToolsException } from './tools.exception';
import { UpstreamClient, UpstreamResponse } from './upstream.client';

export type ToolOutcome =
  | { kind: 'upstream'; tool: ToolDefinition; response: UpstreamResponse }
  | { kind: 'in-process'; tool: ToolDefinition; value: unknown };

/** Calls one tool for one user: scopes, argument validation, then the backend or the in-process handler. */
@Injectable()
export class ToolInvoker {
  private readonly logger = new Logger(ToolInvoker.name);

  constructor(
    private readonly catalog: ToolCatalog,
    private readonly upstream: UpstreamClient,
  ) {}

  /** Scope check first: a caller without the scope learns nothing about the arguments the tool takes. */
  authorize(name: string, context: ToolCallContext): ToolDefinition {
    const tool = this.catalog.get(name);
    assertScopes(context.user, tool.scopes, `Tool "${name}"`);
    return tool;
  }

  async invoke(name: string, args: unknown, context: ToolCallContext): Promise<ToolOutcome> {
    const tool = this.authorize(name, context);
    const valid = this.catalog.validateArguments(name, args ?? {});
    if (!tool.handler)
      return { kind: 'upstream', tool, response: await this.upstream.forward(tool, valid, context) };
    try {
      return { kind: 'in-process', tool, value: await tool.handler(valid, context) };
    } catch (error) {
      // A tool may answer a user-facing HTTP error (e.g. BadRequestException) on purpose.
      if (error instanceof ToolsException || error instanceof HttpException) throw error;
      this.logger.error(
        `In-process tool ${name} failed: ${(error as Error)?.name ?? 'error'} (requestId=${context.requestId})`,
      );
      throw new ToolsException(
        ToolsErrorCode.TOOL_FAILED,
        name,
        `Tool "${name}" failed; quote the request id when reporting it`,
      );
    }
  }
}
