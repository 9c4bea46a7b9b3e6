import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

export type ProxyMode = 'forward' | 'error' | 'hang';

/** Changes the provider's real JSON answer (a copy) into what the gateway receives. */
export type AnswerRewrite = (answer: Record<string, unknown>) => Record<string, unknown>;

/**
 * Sits in front of one endpoint of the real provider (introspection, userinfo) and counts the calls
 * that reach it. `mode` makes the provider look down: `error` answers 500, `hang` never answers.
 * `rewrite`, when set, edits the provider's real JSON answer, so that a test can make a provider say what
 * oidc-provider never says (a future `nbf`, another `iss`, a `cnf`...) about a token it really issued.
 */
export class CountingProxy {
  url = '';
  calls = 0;
  mode: ProxyMode = 'forward';
  rewrite?: AnswerRewrite;
  private server?: Server;

  constructor(private readonly target: string) {}

  async start(): Promise<this> {
    this.server = createServer(async (req, res) => {
      this.calls += 1;
      if (this.mode === 'hang') return;
      if (this.mode === 'error') return void res.writeHead(500).end('provider down');
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const headers: Record<string, string> = {};
      for (const name of ['authorization', 'content-type', 'accept']) {
        if (typeof req.headers[name] === 'string') headers[name] = req.headers[name] as string;
      }
      const answer = await fetch(this.target, {
        method: req.method,
        headers,
        body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
      });
      const body = Buffer.from(await answer.arrayBuffer());
      res
        .writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/plain' })
        .end(this.rewrite ? JSON.stringify(this.rewrite(JSON.parse(body.toString('utf8')))) : body);
    });
    this.url = await listen(this.server);
    return this;
  }

  stop(): Promise<void> {
    return this.server ? close(this.server) : Promise.resolve();
  }
}

export type ApiBehaviour = 200 | 401 | 403 | 'hang';

export interface ApiCall {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
}

/**
 * Stands in for the provider's own REST API (Gitea's /api/v1): it answers each token as the test says
 * (`behaviours`, 200 for unknown tokens) and records every call, so probes and forwarded tool calls can
 * be counted per token.
 */
export class ProviderApi {
  url = '';
  readonly calls: ApiCall[] = [];
  readonly behaviours = new Map<string, ApiBehaviour>();
  private server?: Server;

  async start(): Promise<this> {
    this.server = createServer(async (req, res) => {
      for await (const _chunk of req);
      this.calls.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers });
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const behaviour = token ? (this.behaviours.get(token) ?? 200) : 401;
      if (behaviour === 'hang') return;
      const body =
        behaviour === 200
          ? { login: 'alice', path: req.url, authorized: true }
          : { message: behaviour === 401 ? 'invalid token' : 'token does not have required scope' };
      res.writeHead(behaviour, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    this.url = await listen(this.server);
    return this;
  }

  /** Calls made with `token`. */
  callsWith(token: string): ApiCall[] {
    return this.calls.filter((call) => call.headers.authorization === `Bearer ${token}`);
  }

  stop(): Promise<void> {
    return this.server ? close(this.server) : Promise.resolve();
  }
}
