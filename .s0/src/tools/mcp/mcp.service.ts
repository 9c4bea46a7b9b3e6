import { BadRequestException, HttpException, Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { CallToolResult, ProtocolError, Server, Tool } from '@modelcontextprotocol/server';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/server/validators/ajv';

import { AuthErrorCode, AuthException } from '../../auth/auth.exception';
import { missingScopes, scopeRefusal } from '../../auth/scope-policy';
import type { AuthenticatedUser } from '../../common/authenticated-user';
import type { McpActivity } from '../../common/request-context';
import { toolsConfig } from '../../config/tools.config';
import { nestsDeeperThan } from '../../common/json-depth';
import { argumentsTooDeep, ToolCatalog } from '../tool-catalog';
import type { ToolCallContext, ToolDefinition } from '../tool-definition';
import { ToolInvoker } from '../tool-invoker';
import { ToolsErrorCode, ToolsException } from '../tools.exception';
import { GatewayMetrics } from '../../observability/gateway-metrics';
import {
  errorDetailsInMeta,
  failureResult,
  outcomeOf,
  refusedCallAnswer,
  toolResult,
} from './mcp-tool-result';

const JSON_RPC_ENVELOPE_DEPTH = 3;

export const MCP_SERVER_INFO = { name: 'connector-gateway', version: '0.1.0' };
/** `_meta` key listing, when MCP_LIST_ALL_TOOLS is on, the scopes the caller still lacks for a tool. */
export const MISSING_SCOPES_META = 'connector-gateway/missingScopes';

/** Answers one tools/call of an SDK server. */
export type ToolCallAnswer = (name: string, args: unknown) => Promise<CallToolResult>;

/**
 * Apps SDK per-tool authentication, exactly what the gateway enforces: `noauth` for a public tool (served
 * without a token), `oauth2` with every scope a protected tool needs.
 */
export type SecurityScheme = { type: 'noauth' } | { type: 'oauth2'; scopes: string[] };

/** An MCP tool descriptor with the Apps SDK `securitySchemes` (also mirrored in `_meta` for clients that only read that). */
export interface GatewayMcpTool extends Tool {
  securitySchemes: SecurityScheme[];
}

/** The MCP side of the tool catalog: the same tools, scopes and backends as POST /tools/:name. */
@Injectable()
export class McpService {
  private readonly logger = new Logger(McpService.name);
  /**
   * The SDK server builds a new Ajv (with all its keywords) unless it is given a validator; it only uses it
   * for elicitation, which a stateless gateway never starts, so every per-request server shares this one.
   */
  private readonly jsonSchemaValidator = new AjvJsonSchemaValidator();

  constructor(
    private readonly catalog: ToolCatalog,
    private readonly invoker: ToolInvoker,
    @Inject(toolsConfig.KEY) private readonly config: ConfigType<typeof toolsConfig>,
    private readonly metrics: GatewayMetrics,
  ) {}

  /** mcp_requests_total, by the labels of summarizeMessage. */
  countRequests(labels: readonly string[]): void {
    for (const label of labels) this.metrics.mcpRequests.cell(label).inc();
  }

  /**
   * MCP step-up authorization: a tools/call whose scopes the token lacks must get the HTTP 403
   * insufficient_scope challenge, so this runs on the raw message before the SDK answers it. Unknown
   * tools are left to the tools/call handler (JSON-RPC invalid params). `tools`: the tools the message
   * calls (summarizeMessage).
   */
  authorizeToolCalls(tools: readonly string[], context: ToolCallContext): void {
    const refused: AuthException[] = [];
    for (const name of tools) {
      try {
        this.invoker.authorize(name, context);
      } catch (error) {
        if (error instanceof AuthException) refused.push(error);
        else if (!(error instanceof ToolsException && error.code === ToolsErrorCode.UNKNOWN_TOOL))
          throw error;
      }
    }
    if (refused.length === 1) throw refused[0];
    if (refused.length > 1) throw batchRefusal(refused, context);
  }

  /**
   * A message nested deeper than tool arguments may be (plus the batch, message and params levels) is
   * refused before the SDK, whose recursive handling of it would fail with a 500. Arguments within that
   * margin reach the tools/call handler, which refuses them as a tool error.
   */
  assertNestingBound(body: unknown, tools: readonly string[]): void {
    const maxDepth = this.config.argsMaxDepth;
    if (!nestsDeeperThan(body, maxDepth + JSON_RPC_ENVELOPE_DEPTH)) return;
    const [tool] = tools;
    if (tool) throw argumentsTooDeep(tool, maxDepth);
    throw new BadRequestException(`The JSON-RPC message nests deeper than TOOL_ARGS_MAX_DEPTH allows`);
  }

  /** Per-tool rate limits, like scopes, answer at the HTTP level (429 + Retry-After), before the SDK. */
  async admitToolCalls(tools: readonly string[], context: ToolCallContext): Promise<void> {
    for (const name of tools) {
      if (this.catalog.has(name)) await this.invoker.admit(name, context);
    }
  }

  /**
   * A request without a token: refused (401, the challenge naming every scope) unless the catalog has
   * public tools; then it may discover, list and call public tools, and `authorizeToolCalls` refuses the
   * rest with the 401 challenge of the tool called.
   */
  admitAnonymous(): void {
    this.invoker.admitAnonymous();
  }

  /**
   * The body of an error answered to one tools/call request: with a challenge (401/403), the JSON-RPC
   * answer of {@link refusedCallAnswer}; any other error keeps the gateway's JSON error body.
   */
  refusedCallBody(
    call: { id: string | number; name: string },
    body: Record<string, unknown>,
    challenge: string | undefined,
  ): unknown {
    if (!challenge) return body;
    return refusedCallAnswer(call.id, body, challenge, Boolean(this.catalog.find(call.name)?.outputSchema));
  }

  /**
   * A low-level SDK server for one HTTP request (stateless Streamable HTTP), bound to its caller. `answer`
   * replaces the tools/call handler (McpEndpoint replays a result it computed without the SDK).
   */
  createServer(
    context: ToolCallContext,
    activity?: McpActivity,
    answer: ToolCallAnswer = (name, args) => this.answerToolCall(name, args, context, activity),
  ): Server {
    const server = new Server(MCP_SERVER_INFO, {
      capabilities: { tools: { listChanged: false } },
      jsonSchemaValidator: this.jsonSchemaValidator,
    });
    server.setRequestHandler('tools/list', () => ({ tools: this.listTools(context.user) }));
    server.setRequestHandler('tools/call', (request) =>
      answer(request.params.name, request.params.arguments),
    );
    return server;
  }

  /** One tools/call for the caller of `context`, its outcome recorded in `activity` for the access line. */
  async answerToolCall(
    name: string,
    args: unknown,
    context: ToolCallContext,
    activity?: McpActivity,
  ): Promise<CallToolResult> {
    const record = (outcome: string): void => {
      const entry = activity?.tools.find((tool) => tool.name === name && tool.outcome === 'not run');
      if (entry) entry.outcome = outcome;
    };
    try {
      const result = await this.callTool(name, args, context);
      record(outcomeOf(result));
      return result;
    } catch (error) {
      record(error instanceof ProtocolError ? 'UNKNOWN_TOOL' : 'failed');
      throw error;
    }
  }

  /**
   * Every tool, the scopes the caller still lacks marked (MCP_LIST_ALL_TOOLS, the default: a client only
   * steps up for tools it sees); with MCP_LIST_ALL_TOOLS=false only those the caller may call.
   */
  listTools(user: AuthenticatedUser): GatewayMcpTool[] {
    return this.catalog.list().flatMap((tool) => {
      const missing = tool.public ? [] : missingScopes(user.scopes, tool.scopes);
      if (this.config.mcpListAllTools) return [describeTool(tool, { [MISSING_SCOPES_META]: missing })];
      return missing.length === 0 ? [describeTool(tool)] : [];
    });
  }

  async callTool(name: string, args: unknown, context: ToolCallContext): Promise<CallToolResult> {
    let result: CallToolResult;
    try {
      result = toolResult(await this.invoker.invoke(name, args ?? {}, context, true), context.requestId);
      if (!result.isError) this.catalog.validateOutput(name, result.structuredContent);
    } catch (error) {
      if (!(error instanceof ToolsException || error instanceof HttpException)) {
        this.logger.error(
          `MCP call of ${name} failed: ${(error as Error)?.name ?? 'error'} (requestId=${context.requestId})`,
        );
      }
      result = failureResult(error, name, context.requestId);
    }
    return result.isError && this.catalog.get(name).outputSchema ? errorDetailsInMeta(result) : result;
  }
}

/**
 * One answer for a batch (2025-03-26) several of whose calls are refused: a single challenge naming every
 * scope they need, so that the client re-authorizes once rather than once per call.
 */
function batchRefusal(refused: AuthException[], context: ToolCallContext): AuthException {
  const required = [...new Set(refused.flatMap((error) => error.details.challengeScopes ?? []))];
  if (refused.some((error) => error.code === AuthErrorCode.MISSING_TOKEN)) {
    // A name that is no tool is challenged with every scope (its refusal names none), so the batch is too.
    const everyScope = refused.some((error) => !error.details.challengeScopes);
    const message = 'This batch calls tools that require a bearer token';
    return new AuthException(AuthErrorCode.MISSING_TOKEN, message, {
      challengeScopes: everyScope ? undefined : required,
    });
  }
  return scopeRefusal(context.user, required, 'This batch') ?? refused[0];
}

function describeTool(tool: ToolDefinition, meta: Record<string, unknown> = {}): GatewayMcpTool {
  const securitySchemes: SecurityScheme[] = tool.public
    ? [{ type: 'noauth' }]
    : [{ type: 'oauth2', scopes: tool.scopes }];
  return {
    name: tool.name,
    ...(tool.title ? { title: tool.title } : {}),
    description: tool.description,
    inputSchema: tool.inputSchema as Tool['inputSchema'],
    ...(tool.outputSchema ? { outputSchema: tool.outputSchema as Tool['outputSchema'] } : {}),
    ...(tool.annotations ? { annotations: tool.annotations } : {}),
    securitySchemes,
    // The gateway's own keys last: what clients read about authentication is what it enforces.
    _meta: { ...tool._meta, securitySchemes, ...meta },
  };
}
