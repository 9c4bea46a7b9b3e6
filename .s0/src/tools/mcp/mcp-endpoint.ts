import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { toNodeHandler } from '@modelcontextprotocol/node';
import {
  createMcpHandler,
  isLegacyRequest,
  McpHandlerRequestOptions,
  Server,
  WebStandardStreamableHTTPServerTransport,
} from '@modelcontextprotocol/server';
import type { Response } from 'express';

import type { GatewayRequest, McpActivity } from '../../common/request-context';
import type { ToolCallContext } from '../tool-definition';
import { DirectToolCall, directToolCall, toolCallAnswer, toolCallError } from './mcp-direct-call';
import { McpService, ToolCallAnswer } from './mcp.service';

/** One POST: its caller, and where the tools/call handler records each tool's outcome for the access line. */
export interface Exchange {
  context: ToolCallContext;
  activity?: McpActivity;
}

/**
 * MCP Streamable HTTP for every protocol revision the SDK serves, statelessly: 2026-07-28 (per-request
 * `_meta`, `server/discover`, `Mcp-Method`/`Mcp-Name` checks) through the SDK's handler, and the
 * initialize-based 2025-11-25 / 2025-06-18 / 2025-03-26 (and 2024-11-05) through one transport per POST.
 * Each exchange gets a fresh SDK server bound to its caller, so any replica answers any request. The most
 * common exchange, one tools/call of a 2025 revision, is answered directly, as the SDK would answer it
 * (`mcp-direct-call.ts`): the SDK's web Request, transport and server cost more than the call itself.
 */
@Injectable()
export class McpEndpoint implements OnModuleDestroy {
  private readonly logger = new Logger(McpEndpoint.name);
  /**
   * The caller of each modern exchange in progress, by the web Request the SDK builds its server for. Not an
   * AsyncLocalStorage: on Node 20 the first run() turns on async hooks for every promise of the process,
   * which made every later request, REST included, cost about a fifth more CPU.
   */
  private readonly exchanges = new WeakMap<Request, Exchange>();
  private readonly modern = createMcpHandler(
    ({ requestInfo }) => this.createServer(this.exchangeOf(requestInfo)),
    {
      legacy: 'reject',
      onerror: (error) => this.logger.warn(`MCP request refused: ${error.message}`),
    },
  );

  constructor(private readonly mcp: McpService) {}

  /** Answers one POST (the body already parsed and size-bounded by the gateway) for `context`'s caller. */
  serve(request: GatewayRequest, response: Response, context: ToolCallContext): Promise<void> {
    const exchange = { context, activity: request.mcp };
    const call = directToolCall(request.headers, request.body);
    if (call) return this.answerDirectly(call, request, response, exchange);
    return this.serveThroughSdk(request, response, exchange);
  }

  /** The same POST answered by the SDK, always (`serve` takes the direct path when it can). */
  serveThroughSdk(
    request: GatewayRequest,
    response: Response,
    exchange: Exchange,
    answer?: ToolCallAnswer,
  ): Promise<void> {
    const node = toNodeHandler({ fetch: (web, options) => this.route(web, exchange, options, answer) });
    return node(request, response, request.body);
  }

  async onModuleDestroy(): Promise<void> {
    await this.modern.close();
  }

  private async answerDirectly(
    call: DirectToolCall,
    request: GatewayRequest,
    response: Response,
    exchange: Exchange,
  ): Promise<void> {
    const { context, activity } = exchange;
    let body: string | undefined;
    try {
      const result = await this.mcp.answerToolCall(call.name, call.arguments, context, activity);
      body = toolCallAnswer(call.id, result);
      // A result shape the direct answer does not copy exactly: the SDK answers it, without a second call.
      if (body === undefined) return this.serveThroughSdk(request, response, exchange, async () => result);
    } catch (error) {
      body = toolCallError(call.id, error);
    }
    response.statusCode = 200;
    response.setHeader('content-type', 'application/json');
    response.setHeader('content-length', Buffer.byteLength(body));
    response.end(body);
  }

  private async route(
    request: Request,
    exchange: Exchange,
    options?: McpHandlerRequestOptions,
    answer?: ToolCallAnswer,
  ): Promise<globalThis.Response> {
    if (!(await isLegacyRequest(request, options?.parsedBody))) {
      this.exchanges.set(request, exchange);
      return this.modern.fetch(request, options);
    }
    // The 2025 revisions answer application/json (not a one-event SSE stream), as this gateway always has.
    const server = this.mcp.createServer(exchange.context, exchange.activity, answer);
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    await server.connect(transport);
    // Closed only when it failed: a JSON answer leaves nothing running (a caller who leaves aborts the tool
    // call through the context's signal), and closing builds the SDK's "Connection closed" error with its
    // stack on every request.
    try {
      return await transport.handleRequest(request, options);
    } catch (error) {
      void server.close();
      throw error;
    }
  }

  private exchangeOf(request: Request | undefined): Exchange {
    const exchange = request && this.exchanges.get(request);
    // Only serve() reaches the SDK, so a missing exchange is a wiring error, never a call without a caller.
    if (!exchange) throw new Error('MCP server requested outside McpEndpoint.serve');
    return exchange;
  }

  private createServer({ context, activity }: Exchange): Server {
    return this.mcp.createServer(context, activity);
  }
}
