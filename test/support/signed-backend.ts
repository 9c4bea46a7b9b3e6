import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';

import { verifyGatewaySignature, VerifyResult } from '../../src/tools/signature/gateway-signature';

export interface BackendCall {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  verdict: VerifyResult;
}

/**
 * A tool backend as a team would write it: it verifies the gateway's signature before anything else.
 * Routes: /hang never answers, /status-NNN answers NNN, /delay-MS echoes after MS milliseconds, anything
 * else echoes the verified identity at once.
 */
export class SignedBackend {
  url = '';
  readonly calls: BackendCall[] = [];
  private server?: Server;

  constructor(private readonly secret: string) {}

  async start(): Promise<this> {
    this.server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks).toString('utf8');
      const path = req.url ?? '';
      const verdict = verifyGatewaySignature({
        secret: this.secret,
        method: req.method ?? '',
        path,
        headers: req.headers,
        body,
      });
      this.calls.push({ path, headers: req.headers, body, verdict });
      if (!verdict.ok)
        return void res
          .writeHead(401, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: verdict.reason }));
      if (path.startsWith('/hang')) return; // never answers
      const delay = /^\/delay-(\d+)/.exec(path);
      if (delay) await new Promise((resolve) => setTimeout(resolve, Number(delay[1])));
      const status = /^\/status-(\d{3})/.exec(path);
      if (status) {
        return void res
          .writeHead(Number(status[1]), { 'content-type': 'application/json' })
          .end(JSON.stringify({ backendError: `failed with ${status[1]}` }));
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          ok: true,
          sub: verdict.sub,
          scopes: verdict.scopes,
          args: JSON.parse(body || '{}'),
        }),
      );
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
