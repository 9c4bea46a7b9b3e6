/** JSON-RPC methods counted by name in mcp_requests_total; any other method is counted as `other`. */
const COUNTED_METHODS = new Set([
  'initialize',
  'ping',
  'tools/list',
  'tools/call',
  'notifications/initialized',
  'notifications/cancelled',
  'resources/list',
  'prompts/list',
]);

/** The metric label of each request or notification in a JSON-RPC message or batch (responses have none). */
export function methodLabels(body: unknown): string[] {
  return messagesOf(body).flatMap(({ method }): string[] =>
    typeof method === 'string' ? [COUNTED_METHODS.has(method) ? method : 'other'] : [],
  );
}

interface JsonRpcMessage {
  method?: unknown;
  params?: { name?: unknown };
}

/** The messages of a JSON-RPC message or batch, as sent and not yet validated (the SDK answers malformed ones). */
function messagesOf(body: unknown): JsonRpcMessage[] {
  const messages: unknown[] = Array.isArray(body) ? body : [body];
  return messages.filter(
    (message): message is JsonRpcMessage => typeof message === 'object' && message !== null,
  );
}

/** The tool names of the `tools/call` requests in a JSON-RPC message or batch, once each, in order. */
export function calledToolNames(body: unknown): string[] {
  const names = messagesOf(body).flatMap(({ method, params }): string[] => {
    const name = typeof params === 'object' && params !== null ? params.name : undefined;
    return method === 'tools/call' && typeof name === 'string' ? [name] : [];
  });
  return [...new Set(names)];
}

/** The methods of a JSON-RPC message or batch, once each, in order. */
export function jsonRpcMethods(body: unknown): string[] {
  const methods = messagesOf(body).flatMap(({ method }) => (typeof method === 'string' ? [method] : []));
  return [...new Set(methods)];
}

/** The id and tool of a message that is one `tools/call` request (not a batch), as sent. */
export function singleToolCall(body: unknown): { id: string | number; name: string } | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const { id, method, params } = body as { id?: unknown; method?: unknown; params?: { name?: unknown } };
  const name = typeof params === 'object' && params !== null ? params.name : undefined;
  if (method !== 'tools/call' || typeof name !== 'string') return undefined;
  return typeof id === 'string' || typeof id === 'number' ? { id, name } : undefined;
}
