import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';

import { verifyGatewaySignature } from '../tools/signature/gateway-signature';

export interface DemoBackend {
  url: string;
  stop(): Promise<void>;
}

interface Note {
  id: number;
  title: string;
  body: string;
  owner: string;
}

/**
 * The demo tool backend of local mode: refuses calls whose gateway signature does not verify, then
 * serves echo, search_notes and create_note. Listens on 127.0.0.1 only.
 */
export async function startDemoBackend(secret: string, port = 0): Promise<DemoBackend> {
  const notes: Note[] = [
    {
      id: 1,
      title: 'Welcome',
      body: 'connector-gateway forwards tool calls with a signed identity.',
      owner: 'demo-user',
    },
    {
      id: 2,
      title: 'Scopes',
      body: 'Each tool needs its scopes; the gateway answers 403 insufficient_scope otherwise.',
      owner: 'demo-user',
    },
  ];
  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    const verdict = verifyGatewaySignature({
      secret,
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      body,
    });
    const send = (status: number, value: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    };
    if (!verdict.ok) return send(401, { error: 'bad_gateway_signature', reason: verdict.reason });
    let args: Record<string, unknown>;
    try {
      args = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
    } catch {
      return send(400, { error: 'invalid_json' });
    }
    switch (req.url) {
      case '/echo':
        return send(200, {
          echo: args.message,
          sub: verdict.sub,
          scopes: verdict.scopes,
          requestId: req.headers['x-request-id'],
        });
      case '/search_notes': {
        const query = String(args.query).toLowerCase();
        return send(200, {
          notes: notes.filter((n) => `${n.title} ${n.body}`.toLowerCase().includes(query)),
        });
      }
      case '/create_note': {
        const note = {
          id: notes.length + 1,
          title: String(args.title),
          body: String(args.body ?? ''),
          owner: verdict.sub,
        };
        notes.push(note);
        return send(201, { note });
      }
      default:
        return send(404, { error: 'no_such_function' });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
