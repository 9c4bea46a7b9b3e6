import { BackendRoutes, SignedBackend } from './signed-backend';
import { writeToolsFile } from './tools-file';

export interface BackendCall {
  path: string;
  sub: string;
  scopes: string[];
  requestId?: string;
  /** The Authorization header the backend received (the gateway never sends one to a signed backend). */
  authorization?: string;
  args: Record<string, unknown>;
}

export interface McpTestBackend {
  url: string;
  /** Calls whose gateway signature verified, in order. */
  calls: BackendCall[];
  /** Calls refused because the signature did not verify. */
  refused: number;
  stop(): Promise<void>;
}

const mcpRoutes: BackendRoutes = ({ path, sub, scopes, args }) => {
  switch (path) {
    case '/echo':
      return { status: 200, body: { echo: args.message, sub, scopes } };
    case '/status':
      return { status: 200, body: { status: 'ok', sub } };
    case '/search_notes':
      return {
        status: 200,
        body: { notes: [{ id: 1, title: 'Scopes', body: `About ${String(args.query)}` }] },
      };
    case '/create_note':
      return { status: 201, body: { note: { id: 2, title: args.title, owner: sub } } };
    case '/fail':
      return {
        status: 503,
        body: { error: 'maintenance', message: 'The report service is down for maintenance' },
      };
    default:
      return { status: 404, body: { error: 'no_such_function' } };
  }
};

/**
 * A tool backend on 127.0.0.1 that trusts only calls signed by the gateway (the same check a real
 * backend makes): /echo, /search_notes and /create_note answer, /fail answers 503.
 */
export async function startMcpTestBackend(secret: string): Promise<McpTestBackend> {
  const backend = await new SignedBackend(secret, mcpRoutes).start();
  return {
    url: backend.url,
    get calls(): BackendCall[] {
      return backend.calls.flatMap(({ path, headers, body, verdict }) =>
        verdict.ok
          ? [
              {
                path,
                sub: verdict.sub,
                scopes: verdict.scopes,
                requestId: headers['x-request-id'] as string | undefined,
                authorization: headers.authorization,
                args: JSON.parse(body || '{}') as Record<string, unknown>,
              },
            ]
          : [],
      );
    },
    get refused(): number {
      return backend.calls.filter((call) => !call.verdict.ok).length;
    },
    stop: () => backend.stop(),
  };
}

/** The outputSchema of search_notes, as its backend answers. */
export const NOTES_OUTPUT = {
  type: 'object',
  properties: {
    notes: {
      type: 'array',
      items: {
        type: 'object',
        properties: { id: { type: 'integer' }, title: { type: 'string' }, body: { type: 'string' } },
        required: ['id', 'title'],
      },
    },
  },
  required: ['notes'],
};

/**
 * A TOOLS_FILE for the MCP tests: the local-mode demo tools (echo, search_notes, create_note) forwarded
 * to `functionsBase`, plus `maintenance_report` (its backend answers 503), `offline_report` (nobody
 * listens at `downUrl`) and `totals_report` (its backend breaks the tool's outputSchema); with
 * `publicTools`, `service_status` too, callable without a token.
 */
export function writeMcpToolsFile(
  functionsBase: string,
  downUrl: string,
  options: { publicTools?: boolean } = {},
): string {
  const object = (properties: Record<string, unknown>, required: string[]): Record<string, unknown> => ({
    type: 'object',
    properties,
    required,
    additionalProperties: false,
  });
  const tools: Array<Record<string, unknown>> = [
    {
      name: 'echo',
      description: 'Echoes a message and the identity the backend received.',
      scopes: ['tools:read'],
      inputSchema: object({ message: { type: 'string', maxLength: 1000 } }, ['message']),
    },
    {
      name: 'search_notes',
      title: 'Search notes',
      description: 'Searches the notes by keyword.',
      scopes: ['notes:read'],
      inputSchema: object({ query: { type: 'string', minLength: 1 } }, ['query']),
      outputSchema: NOTES_OUTPUT,
      annotations: { readOnlyHint: true, openWorldHint: false },
      _meta: { 'openai/toolInvocation/invoking': 'Searching the notes…' },
    },
    {
      name: 'create_note',
      description: 'Creates a note.',
      scopes: ['notes:write'],
      inputSchema: object({ title: { type: 'string', minLength: 1 } }, ['title']),
    },
    {
      name: 'maintenance_report',
      description: 'A report whose backend is down for maintenance.',
      scopes: ['tools:read'],
      upstream: `${functionsBase}/fail`,
    },
    {
      name: 'totals_report',
      description: 'A report whose backend answers something else than its output schema promises.',
      scopes: ['tools:read'],
      upstream: `${functionsBase}/echo`,
      outputSchema: { type: 'object', properties: { total: { type: 'number' } }, required: ['total'] },
    },
    {
      name: 'offline_report',
      description: 'A report whose backend does not answer at all.',
      scopes: ['tools:read'],
      upstream: downUrl,
    },
  ];
  if (options.publicTools) {
    tools.push({
      name: 'service_status',
      description: 'Whether the service is up; callable without signing in.',
      public: true,
      upstream: `${functionsBase}/status`,
      annotations: { readOnlyHint: true, openWorldHint: false },
    });
  }
  return writeToolsFile(tools);
}
