import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

import type { FastifyRequest } from 'fastify';

import type { AuthenticatedUser } from './authenticated-user';

export const REQUEST_ID_HEADER = 'x-request-id';
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** What the MCP endpoint did with one POST, for its access line. */
export interface McpActivity {
  /** The JSON-RPC methods of the message (or batch), once each, in order. */
  methods: string[];
  /** Each tool called: `ok`, the code of its tool error, or why it was refused or not run. */
  tools: Array<{ name: string; outcome: string }>;
}

/**
 * What the gateway attaches to each request; `id` is the request id (genReqId: requestIdFor), `user` is set by
 * the bearer guard.
 */
export interface GatewayRequest extends FastifyRequest {
  user?: AuthenticatedUser;
  /** Outcome of authentication, for the one structured log line per request. */
  authOutcome?: string;
  /** The tool(s) this request calls, for the oauth_auth_summary line. */
  toolName?: string;
  /**
   * Set by a route whose protocol wants its own error bodies (MCP: a JSON-RPC answer to the call): every
   * filter's body goes through it, with the WWW-Authenticate challenge when the answer carries one.
   */
  shapeErrorBody?: (body: Record<string, unknown>, challenge: string | undefined) => unknown;
  /** Set by the MCP endpoint: methods, tools and their outcomes. */
  mcp?: McpActivity;
  /**
   * Set by the bearer guard when the log level keeps it: the `oauth_auth_summary` record of this request,
   * built once the answer is sent. AccessLog writes it after the access line, from its one `finish`
   * listener.
   */
  authSummary?: (status: number) => Record<string, unknown> | undefined;
}

/**
 * Fastify's `genReqId`: keeps a caller's request id when it is safe to log, otherwise mints one.
 * createGateway echoes it on every answer.
 */
export function requestIdFor(raw: IncomingMessage): string {
  const incoming = raw.headers[REQUEST_ID_HEADER];
  return typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/** The request's path without its query string (Express's `req.path`). */
export function pathOf(request: { url: string }): string {
  const query = request.url.indexOf('?');
  return query === -1 ? request.url : request.url.slice(0, query);
}
