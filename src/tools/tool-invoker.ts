import { HttpException, Injectable, Logger } from '@nestjs/common';

import { AuthErrorCode, AuthException, MISSING_BEARER_TOKEN } from '../auth/auth.exception';
import { assertScopes } from '../auth/scope-policy';
import { GatewayMetrics } from '../observability/gateway-metrics';
import { inSpan, subjectHash } from '../observability/tracing';
import { RateLimitException } from '../rate-limit/rate-limit.exception';
import { RateLimits } from '../rate-limit/rate-limits';
import { ToolCatalog } from './tool-catalog';
import { isAnonymous, ToolCallContext, ToolDefinition } from './tool-definition';
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
    private readonly metrics: GatewayMetrics,
    private readonly limits: RateLimits,
  ) {}

  /**
   * Scope check first: a caller without the scope learns nothing about the arguments the tool takes. A
   * caller without a token reaches public tools only and learns nothing else, not even which tools exist.
   */
  authorize(name: string, context: ToolCallContext): ToolDefinition {
    if (isAnonymous(context.user)) {
      this.admitAnonymous();
      const tool = this.catalog.find(name);
      if (tool?.public) return tool;
      throw new AuthException(AuthErrorCode.MISSING_TOKEN, `Tool "${name}" requires a bearer token`, {
        challengeScopes: tool?.scopes,
      });
    }
    const tool = this.catalog.get(name);
    if (!tool.public) assertScopes(context.user, tool.scopes, `Tool "${name}"`);
    return tool;
  }

  /** Without public tools nothing is served without a token: the same answer as the bearer guard's. */
  admitAnonymous(): void {
    if (!this.catalog.hasPublicTools()) throw MISSING_BEARER_TOKEN;
  }

  /**
   * Authorizes the call, then counts it against the caller's per-tool limit (429 beyond): a user by their
   * subject, an anonymous caller of a public tool by their address, so that one client cannot use up a
   * public tool for every other anonymous caller.
   */
  async admit(name: string, context: ToolCallContext): Promise<ToolDefinition> {
    const tool = this.authorize(name, context);
    const caller = isAnonymous(context.user)
      ? `ip:${context.clientIp ?? 'unknown'}`
      : `sub:${context.user.sub}`;
    await this.limits.admitTool(name, caller, tool.rateLimit);
    return tool;
  }

  /**
   * Counts the call (tool_calls_total) and, when the request is traced, wraps it in a `tool.call` span
   * (tool, hashed subject, outcome, backend status) whose child is the backend call.
   * `admitted`: the caller already ran admit() for this call (the MCP endpoint does, before the SDK).
   */
  async invoke(
    name: string,
    args: unknown,
    context: ToolCallContext,
    admitted = false,
  ): Promise<ToolOutcome> {
    const attributes = (): Record<string, string> => ({ 'enduser.hash': subjectHash(context.user.sub) });
    return inSpan('tool.call', attributes, async (span) => {
      try {
        const outcome = await this.call(name, args, context, admitted);
        const status = outcome.kind === 'upstream' ? outcome.response.status : 200;
        const label = status >= 400 ? 'backend_error' : 'ok';
        this.metrics.toolCalls.cell(name, label).inc();
        span?.setAttributes({ tool: name, 'tool.outcome': label, 'tool.status': status });
        return outcome;
      } catch (error) {
        // Names the catalog does not know share one label: callers choose them, even callers without a token
        // (refused MISSING_TOKEN rather than UNKNOWN_TOOL, so the error's code cannot tell).
        const tool = this.catalog.has(name) ? name : 'unknown';
        const label = failureOutcome(error);
        this.metrics.toolCalls.cell(tool, label).inc();
        span?.setAttributes({ tool, 'tool.outcome': label });
        throw error;
      }
    });
  }

  private async call(
    name: string,
    args: unknown,
    context: ToolCallContext,
    admitted: boolean,
  ): Promise<ToolOutcome> {
    const tool = admitted ? this.authorize(name, context) : await this.admit(name, context);
    const valid = this.catalog.validateArguments(name, args ?? {});
    if (!tool.handler)
      return { kind: 'upstream', tool, response: await this.upstream.forward(tool, valid, context) };
    try {
      // The caller's token is for `forwardBearer` backends only: an in-process tool sees who calls, not the token.
      const { user, requestId, signal } = context;
      return { kind: 'in-process', tool, value: await tool.handler(valid, { user, requestId, signal }) };
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

/** A bounded label for a failed call: the gateway's error code, or `error`. */
function failureOutcome(error: unknown): string {
  if (
    error instanceof ToolsException ||
    error instanceof AuthException ||
    error instanceof RateLimitException
  )
    return error.code;
  return error instanceof HttpException ? 'tool_http_error' : 'error';
}
