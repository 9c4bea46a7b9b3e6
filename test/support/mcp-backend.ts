import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, IncomingMessage } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { verifyGatewaySignature } from '../../src/tools/signature/gateway-signature';

export interface BackendCall {
  path: string;
  sub: string;
  scopes: string[];
  requestId?: string;
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

/**
 * A tool backend on 127.0.0.1 that trusts only calls signed by the gateway (the same check a real
 * backend makes): /echo, /search_notes and /create_note answer, /fail answers 503.
 */
export async function startMcpTestBackend(secret: string): Promise<McpTestBackend> {
  const backend = { calls: [] as BackendCall[], refused: 0 };
  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    const send = (status: number, value: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    };
    const verdict = verifyGatewaySignature({
      secret,
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      body,
    });
    if (!verdict.ok) {
      backend.refused++;
      return send(401, { error: 'bad_gateway_signature', reason: verdict.reason });
    }
    const args = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
    const requestId = req.headers['x-request-id'] as string | undefined;
    backend.calls.push({ path: req.url ?? '', sub: verdict.sub, scopes: verdict.scopes, requestId, args });
    switch (req.url) {
      case '/echo':
        return send(200, { echo: args.message, sub: verdict.sub, scopes: verdict.scopes });
      case '/search_notes':
        return send(200, { notes: [{ id: 1, title: 'Scopes', body: `About ${String(args.query)}` }] });
      case '/create_note':
        return send(201, { note: { id: 2, title: args.title, owner: verdict.sub } });
      case '/fail':
        return send(503, { error: 'maintenance', message: 'The report service is down for maintenance' });
      default:
        return send(404, { error: 'no_such_function' });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(backend, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

/**
 * A TOOLS_FILE for the MCP tests: the local-mode demo tools (echo, search_notes, create_note) forwarded
 * to `functionsBase`, plus `maintenance_report` (its backend answers 503) and `offline_report` (nobody
 * listens at `downUrl`).
 */
export function writeMcpToolsFile(functionsBase: string, downUrl: string): string {
  const object = (properties: Record<string, unknown>, required: string[]): Record<string, unknown> => ({
    type: 'object',
    properties,
    required,
    additionalProperties: false,
  });
  const tools = [
    {
      name: 'echo',
      description: 'Echoes a message and the identity the backend received.',
      scopes: ['tools:read'],
      inputSchema: object({ message: { type: 'string', maxLength: 1000 } }, ['message']),
    },
    {
      name: 'search_notes',
      description: 'Searches the notes by keyword.',
      scopes: ['notes:read'],
      inputSchema: object({ query: { type: 'string', minLength: 1 } }, ['query']),
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
      name: 'offline_report',
      description: 'A report whose backend does not answer at all.',
      scopes: ['tools:read'],
      upstream: downUrl,
    },
  ];
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'mcp-tools-')), 'tools.json');
  writeFileSync(file, JSON.stringify({ tools }, null, 2));
  return file;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
