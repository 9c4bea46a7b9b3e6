import { CallToolResult, ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';

import { toErrorResponse } from '../../common/all-exceptions.filter';
import { parseJsonObject } from '../../common/decode';
import type { ToolOutcome } from '../tool-invoker';
import { ToolsErrorCode, ToolsException } from '../tools.exception';

const BODY_EXCERPT_CHARS = 500;
const JSON_MEDIA_TYPE = /^application\/(?:[\w.-]+\+)?json\b/i;

/** A tool's answer as an MCP result; a backend's 4xx/5xx is a tool error the model can read. */
export function toolResult(outcome: ToolOutcome, requestId: string): CallToolResult {
  if (outcome.kind === 'in-process') {
    if (typeof outcome.value === 'string') return textResult(outcome.value);
    const text = JSON.stringify(outcome.value ?? null);
    return textResult(text, parseJsonObject(text));
  }
  const { status, contentType, body } = outcome.response;
  const text = body.toString('utf8');
  if (status < 200 || status > 299) {
    const excerpt = text.length > BODY_EXCERPT_CHARS ? `${text.slice(0, BODY_EXCERPT_CHARS)}…` : text;
    return errorResult(
      `The backend of "${outcome.tool.name}" answered HTTP ${status}: ${excerpt || '(empty body)'}`,
      requestId,
      {
        error: 'upstream_error',
        tool: outcome.tool.name,
        status,
      },
    );
  }
  return textResult(text, JSON_MEDIA_TYPE.test(contentType) ? parseJsonObject(text) : undefined);
}

/**
 * A failed call as an MCP answer. An unknown tool is a protocol error (JSON-RPC -32602); everything
 * else, invalid arguments included (SEP-1303, MCP 2025-11-25), is a tool error the model can act on.
 */
export function failureResult(error: unknown, tool: string, requestId: string): CallToolResult {
  if (error instanceof ToolsException) {
    if (error.code === ToolsErrorCode.UNKNOWN_TOOL)
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, error.message);
    return errorResult(error.message, requestId, {
      error: error.error,
      code: error.code,
      tool,
      ...error.fields,
    });
  }
  // HttpExceptions thrown by in-process tools keep their status and message; anything else is a bare 500.
  const { status, body } = toErrorResponse(error, requestId);
  const { requestId: _requestId, message, ...fields } = body;
  return errorResult(`Tool "${tool}" failed with HTTP ${status}: ${message}`, requestId, {
    ...fields,
    tool,
    status,
  });
}

/** A tool result as one word for the access line: `ok`, or the code (else the error) of the tool error. */
export function outcomeOf(result: CallToolResult): string {
  if (!result.isError) return 'ok';
  const details = (result.structuredContent ?? result._meta?.[ERROR_META]) as
    { code?: unknown; error?: unknown } | undefined;
  return String(details?.code ?? details?.error ?? 'tool_error');
}

/** Apps SDK: the `_meta` key whose WWW-Authenticate challenges make ChatGPT (re)link the account. */
export const WWW_AUTHENTICATE_META = 'mcp/www_authenticate';

/**
 * The JSON-RPC answer to a tools/call the gateway refused before running it for authentication or scope
 * (401/403): a tool error the model can read, with the gateway's error fields, and the challenge both in the
 * HTTP header (MCP clients) and in `_meta["mcp/www_authenticate"]` (ChatGPT's tool-level account linking).
 */
export function refusedCallAnswer(
  id: string | number,
  body: Record<string, unknown>,
  challenge: string,
  outputSchema: boolean,
): { jsonrpc: '2.0'; id: string | number; result: CallToolResult } {
  const result: CallToolResult = {
    isError: true,
    content: [{ type: 'text', text: `${String(body.message)} (request id: ${String(body.requestId)})` }],
    structuredContent: body,
    _meta: { [WWW_AUTHENTICATE_META]: [challenge] },
  };
  return { jsonrpc: '2.0', id, result: outputSchema ? errorDetailsInMeta(result) : result };
}

/** `_meta` key of a tool error's details when `structuredContent` must hold to the tool's outputSchema. */
export const ERROR_META = 'connector-gateway/error';

/**
 * Clients check any structuredContent against the tool's outputSchema, error results included (SDK 1.x
 * rejects the whole call otherwise), so for such tools the error's details move to `_meta`.
 */
export function errorDetailsInMeta(result: CallToolResult): CallToolResult {
  const { structuredContent, ...rest } = result;
  return structuredContent ? { ...rest, _meta: { ...rest._meta, [ERROR_META]: structuredContent } } : result;
}

function textResult(text: string, structuredContent?: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text }], ...(structuredContent ? { structuredContent } : {}) };
}

function errorResult(message: string, requestId: string, fields: Record<string, unknown>): CallToolResult {
  return {
    isError: true,
    content: [{ type: 'text', text: `${message} (request id: ${requestId})` }],
    structuredContent: { ...fields, message, requestId },
  };
}
