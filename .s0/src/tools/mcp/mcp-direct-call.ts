import type { IncomingHttpHeaders } from 'node:http';

import {
  CallToolResult,
  isJsonContentType,
  ProtocolErrorCode,
  SUPPORTED_PROTOCOL_VERSIONS,
} from '@modelcontextprotocol/server';

/**
 * The common MCP exchange — one `tools/call` request of an initialize-based revision (2025-11-25 and
 * earlier) — answered without the SDK's web Request, transport and per-request server, exactly as they
 * would answer it. Everything else (batches, notifications, other methods, `_meta`, 2026-07-28, headers
 * the SDK's transport refuses) still goes through the SDK.
 */
export interface DirectToolCall {
  id: string | number;
  name: string;
  arguments: Record<string, unknown> | undefined;
}

const FIRST_MODERN_REVISION = '2026-07-28';
/** The revisions the SDK's stateless 2025 transport accepts in `MCP-Protocol-Version`. */
const INITIALIZE_BASED_REVISIONS = new Set(
  SUPPORTED_PROTOCOL_VERSIONS.filter((version) => version < FIRST_MODERN_REVISION),
);
/** The keys of the SDK's 2025 tools/call result schema, in its order (extra keys follow, as sent). */
const RESULT_KEYS = new Set(['_meta', 'content', 'structuredContent', 'isError']);
/** The keys the SDK's result `_meta` schema declares (and would check and reorder). */
const SDK_META_KEYS = ['progressToken', 'io.modelcontextprotocol/related-task'];
const hasOwn = (value: object, key: string): boolean => Object.prototype.hasOwnProperty.call(value, key);

/**
 * The call when the SDK would accept the request and hand the tool handler exactly these values: the
 * transport's Accept / Content-Type / MCP-Protocol-Version checks pass, the message is a JSON-RPC request
 * `tools/call` whose params are only `name` and `arguments`, and its schemas would copy the arguments
 * unchanged (they drop an own `__proto__` key, so such arguments go to the SDK).
 */
export function directToolCall(headers: IncomingHttpHeaders, body: unknown): DirectToolCall | undefined {
  const version = headers['mcp-protocol-version'];
  if (version !== undefined && (typeof version !== 'string' || !INITIALIZE_BASED_REVISIONS.has(version)))
    return undefined;
  const accept = headers.accept;
  if (!accept?.includes('application/json') || !accept.includes('text/event-stream')) return undefined;
  if (!isJsonContentType(headers['content-type'] ?? null)) return undefined;
  if (!isPlainObject(body) || Object.keys(body).length !== 4) return undefined;
  const { jsonrpc, id, method, params } = body;
  if (jsonrpc !== '2.0' || method !== 'tools/call') return undefined;
  if (typeof id !== 'string' && !Number.isSafeInteger(id)) return undefined;
  if (!isPlainObject(params) || typeof params.name !== 'string') return undefined;
  for (const key of Object.keys(params)) if (key !== 'name' && key !== 'arguments') return undefined;
  const args = params.arguments;
  if (args !== undefined && (!isPlainObject(args) || hasOwn(args, '__proto__'))) return undefined;
  return { id: id as string | number, name: params.name, arguments: args };
}

/**
 * The body the SDK writes for a tools/call result (2025 revisions): `{ result, jsonrpc, id }`, the result
 * as its schema outputs it (declared keys first, no `__proto__` key). `undefined` for a result whose
 * shape that copy does not cover (content other than text, SDK-declared `_meta` keys): the caller then
 * lets the SDK answer it.
 */
export function toolCallAnswer(id: string | number, result: CallToolResult): string | undefined {
  const wire = wireResult(result);
  return wire && JSON.stringify({ result: wire, jsonrpc: '2.0', id });
}

/** The body the SDK writes when the tools/call handler throws (an unknown tool: JSON-RPC -32602). */
export function toolCallError(id: string | number, error: unknown): string {
  const thrown = (typeof error === 'object' && error !== null ? error : {}) as {
    code?: unknown;
    message?: unknown;
    data?: unknown;
  };
  const code = Number.isSafeInteger(thrown.code) ? (thrown.code as number) : ProtocolErrorCode.InternalError;
  return JSON.stringify({
    jsonrpc: '2.0',
    id,
    error: {
      // The 2025 codec answers the 2026 "resource not found" code as invalid params.
      code: code === -32002 ? ProtocolErrorCode.InvalidParams : code,
      message: thrown.message ?? 'Internal error',
      ...(thrown.data !== undefined && { data: thrown.data }),
    },
  });
}

function wireResult(result: CallToolResult): Record<string, unknown> | undefined {
  const wire: Record<string, unknown> = {};
  const { _meta: meta, content, structuredContent, isError } = result;
  if (hasOwn(result, '_meta')) {
    if (!isPlainObject(meta) || SDK_META_KEYS.some((key) => key in meta)) return undefined;
    wire._meta = withoutProto(meta);
  }
  if (!Array.isArray(content) || !content.every(isPlainText)) return undefined;
  wire.content = content;
  if (hasOwn(result, 'structuredContent')) {
    if (!isPlainObject(structuredContent)) return undefined;
    wire.structuredContent = withoutProto(structuredContent);
  }
  if (hasOwn(result, 'isError')) {
    if (typeof isError !== 'boolean') return undefined;
    wire.isError = isError;
  }
  for (const key in result) {
    if (!RESULT_KEYS.has(key) && key !== '__proto__') wire[key] = result[key];
  }
  return wire;
}

/** A text block exactly as the SDK's TextContent schema outputs it. */
function isPlainText(block: unknown): boolean {
  if (!isPlainObject(block) || block.type !== 'text' || typeof block.text !== 'string') return false;
  const keys = Object.keys(block);
  return keys.length === 2 && keys[0] === 'type';
}

function withoutProto(record: Record<string, unknown>): Record<string, unknown> {
  if (!hasOwn(record, '__proto__')) return record;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(record)) if (key !== '__proto__') copy[key] = record[key];
  return copy;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}
