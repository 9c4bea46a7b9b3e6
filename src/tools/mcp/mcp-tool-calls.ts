/**
 * The tool names of the `tools/call` requests in a JSON-RPC message or batch, as sent and not yet
 * validated (the SDK answers malformed messages itself). Duplicates are kept once, in order.
 */
export function calledToolNames(body: unknown): string[] {
  const messages = Array.isArray(body) ? body : [body];
  const names = messages.flatMap((message: unknown): string[] => {
    if (typeof message !== 'object' || message === null) return [];
    const { method, params } = message as { method?: unknown; params?: { name?: unknown } };
    const name = typeof params === 'object' && params !== null ? params.name : undefined;
    return method === 'tools/call' && typeof name === 'string' ? [name] : [];
  });
  return [...new Set(names)];
}
