import type { AuthenticatedUser } from '../common/authenticated-user';

export type JsonSchema = Record<string, unknown>;

/**
 * The caller of a public tool who sent no token: no subject, no scopes. Backends receive an empty
 * `x-gateway-sub`; compare with `isAnonymous`, never by a field.
 */
export const ANONYMOUS: AuthenticatedUser = Object.freeze({ sub: '', scopes: [], exp: 0, claims: {} });

export function isAnonymous(user: AuthenticatedUser): boolean {
  return user === ANONYMOUS;
}

export interface ToolCallContext {
  user: AuthenticatedUser;
  requestId: string;
  signal?: AbortSignal;
  /** The caller's bearer token; only sent to backends of tools with `forwardBearer`, never to in-process tools. Never logged. */
  accessToken?: string;
  /**
   * An anonymous caller's address (`req.ip`: X-Forwarded-For only with TRUST_PROXY), their rate-limit key;
   * not read (nor computed) for a caller with a token.
   */
  clientIp?: string;
}

export type InProcessHandler = (args: Record<string, unknown>, context: ToolCallContext) => unknown;

/** MCP tool annotations: hints for clients and the model, never enforced (MCP 2025-06-18 `ToolAnnotations`). */
export interface ToolAnnotations {
  title?: string;
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

export const TOOL_ANNOTATION_KEYS: ReadonlyArray<keyof ToolAnnotations> = [
  'title',
  'readOnlyHint',
  'destructiveHint',
  'idempotentHint',
  'openWorldHint',
];

/** What a tool's author may declare besides its name, schema and scopes (TOOLS_FILE and @Tool alike). */
export interface ToolMetadata {
  /** Human-readable name shown by clients (MCP `title`). */
  title?: string;
  annotations?: ToolAnnotations;
  /** JSON Schema (type "object") of `structuredContent`; results are checked against it. */
  outputSchema?: JsonSchema;
  /** Passed through in the tool's `_meta` (e.g. Apps SDK `openai/outputTemplate`). */
  _meta?: Record<string, unknown>;
}

export interface ToolDefinition extends ToolMetadata {
  name: string;
  description: string;
  inputSchema: JsonSchema;
  scopes: string[];
  /** Callable without a token (Apps SDK `noauth`); never by default, and then without scopes. */
  public?: boolean;
  /** Where a forwarded tool goes; absent for in-process tools. */
  upstreamUrl?: string;
  timeoutMs?: number;
  /** Calls per RATE_LIMIT_WINDOW_S by one subject; overrides RATE_LIMIT_PER_TOOL (0 = no limit). */
  rateLimit?: number;
  /**
   * Sends the caller's access token as `Authorization: Bearer` to the upstream. Only for the provider's
   * own API (OAUTH_TOKEN_FORWARD_ORIGINS): the MCP spec forbids passing tokens through to third parties.
   */
  forwardBearer?: boolean;
  handler?: InProcessHandler;
  source: 'file' | 'TOOL_SCOPES_JSON' | 'code';
}
