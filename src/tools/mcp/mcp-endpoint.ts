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
import { McpService } from './mcp.service';

/**
 * MCP Streamable HTTP for every protocol revision the SDK serves, statelessly: 2026-07-28 (per-request
 * `_meta`, `server/discover`, `Mcp-Method`/`Mcp-Name` checks) through the SDK's handler, and the
 * initialize-based 2025-11-25 / 2025-06-18 / 2025-03-26 (and 2024-11-05) through one transport per POST.
 * Each exchange gets a fresh SDK server bound to its caller, so any replica answers any request.
 */
/** One POST: its caller, and where the tools/call handler records each tool's outcome for the access line. */
interface Exchange {
  context: ToolCallContext;
  activity?: McpActivity;
}

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
    const node = toNodeHandler({ fetch: (web, options) => this.route(web, exchange, options) });
    return node(request, response, request.body);
  }

  async onModuleDestroy(): Promise<void> {
    await this.modern.close();
  }

  private async route(
    request: Request,
    exchange: Exchange,
    options?: McpHandlerRequestOptions,
  ): Promise<globalThis.Response> {
    if (!(await isLegacyRequest(request, options?.parsedBody))) {
      this.exchanges.set(request, exchange);
      return this.modern.fetch(request, options);
    }
    // The 2025 revisions answer application/json (not a one-event SSE stream), as this gateway always has.
    const server = this.createServer(exchange);
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
