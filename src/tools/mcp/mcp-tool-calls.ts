import type { McpActivity } from '../../common/request-context';

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

/** What the metrics, the access line and the checks before the SDK need of a JSON-RPC message or batch. */
export interface MessageSummary {
  /** The mcp_requests_total label of each request or notification (responses have none). */
  labels: string[];
  /** The methods, once each, in order. */
  methods: string[];
  /** The tools of the `tools/call` requests, once each, in order. */
  tools: string[];
}

/** One pass over the messages, as sent and not yet validated (the SDK answers malformed ones). */
export function summarizeMessage(body: unknown): MessageSummary {
  const labels: string[] = [];
  const methods = new Set<string>();
  const tools = new Set<string>();
  for (const message of Array.isArray(body) ? (body as unknown[]) : [body]) {
    if (typeof message !== 'object' || message === null) continue;
    const { method, params } = message as JsonRpcMessage;
    if (typeof method !== 'string') continue;
    labels.push(COUNTED_METHODS.has(method) ? method : 'other');
    methods.add(method);
    const name = typeof params === 'object' && params !== null ? params.name : undefined;
    if (method === 'tools/call' && typeof name === 'string') tools.add(name);
  }
  return { labels, methods: [...methods], tools: [...tools] };
}

/** The access line's record of a message before anything ran: its methods, and each tool called as `not run`. */
export function newActivity({ methods, tools }: MessageSummary): McpActivity {
  return { methods, tools: tools.map((name) => ({ name, outcome: 'not run' })) };
}

interface JsonRpcMessage {
  method?: unknown;
  params?: { name?: unknown };
}

/** The id and tool of a message that is one `tools/call` request (not a batch), as sent. */
export function singleToolCall(body: unknown): { id: string | number; name: string } | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const { id, method, params } = body as { id?: unknown; method?: unknown; params?: { name?: unknown } };
  const name = typeof params === 'object' && params !== null ? params.name : undefined;
  if (method !== 'tools/call' || typeof name !== 'string') return undefined;
  return typeof id === 'string' || typeof id === 'number' ? { id, name } : undefined;
}
