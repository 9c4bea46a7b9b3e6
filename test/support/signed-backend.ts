import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';

import { verifyGatewaySignature, VerifyResult } from '../../src/tools/signature/gateway-signature';

export interface BackendCall {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  verdict: VerifyResult;
}

/** A verified call, as a route sees it. */
export interface VerifiedCall {
  path: string;
  headers: IncomingHttpHeaders;
  sub: string;
  scopes: string[];
  args: Record<string, unknown>;
}

/** What a route answers (JSON), or 'hang' to never answer. */
export type BackendAnswer = { status: number; body: unknown } | 'hang';
export type BackendRoutes = (call: VerifiedCall) => BackendAnswer | Promise<BackendAnswer>;

/**
 * Default routes: /hang never answers, /status-NNN answers NNN, /delay-MS echoes after MS milliseconds,
 * /big-N answers a JSON string of N characters, anything else echoes the verified identity at once.
 */
export const echoRoutes: BackendRoutes = async ({ path, sub, scopes, args }) => {
  if (path.startsWith('/hang')) return 'hang';
  const delay = /^\/delay-(\d+)/.exec(path);
  if (delay) await new Promise((resolve) => setTimeout(resolve, Number(delay[1])));
  const big = /^\/big-(\d+)/.exec(path);
  if (big) return { status: 200, body: 'x'.repeat(Number(big[1])) };
  const status = /^\/status-(\d{3})/.exec(path);
  if (status) return { status: Number(status[1]), body: { backendError: `failed with ${status[1]}` } };
  return { status: 200, body: { ok: true, sub, scopes, args } };
};

/**
 * A tool backend as a team would write it: it verifies the gateway's signature before anything else
 * (401 `bad_gateway_signature` otherwise), then answers from `routes`. Every call is recorded.
 */
export class SignedBackend {
  url = '';
  readonly calls: BackendCall[] = [];
  private server?: Server;

  constructor(
    private readonly secret: string | readonly string[],
    private readonly routes: BackendRoutes = echoRoutes,
  ) {}

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
      const answer: BackendAnswer = verdict.ok
        ? await this.routes({
            path,
            headers: req.headers,
            sub: verdict.sub,
            scopes: verdict.scopes,
            args: JSON.parse(body || '{}') as Record<string, unknown>,
          })
        : { status: 401, body: { error: 'bad_gateway_signature', reason: verdict.reason } };
      if (answer === 'hang') return;
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
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
