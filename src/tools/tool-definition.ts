import type { AuthenticatedUser } from '../auth/authenticated-user';

export type JsonSchema = Record<string, unknown>;

export interface ToolCallContext {
  user: AuthenticatedUser;
  requestId: string;
  signal?: AbortSignal;
}

export type InProcessHandler = (args: Record<string, unknown>, context: ToolCallContext) => unknown;

export interface ToolDefinition {
  name: string;
  description: string;
  inputSchema: JsonSchema;
  scopes: string[];
  /** Where a forwarded tool goes; absent for in-process tools. */
  upstreamUrl?: string;
  timeoutMs?: number;
  handler?: InProcessHandler;
  source: 'file' | 'TOOL_SCOPES_JSON' | 'code';
}
