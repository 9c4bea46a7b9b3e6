import { ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';

import { Auth0ManagementStub, eventually } from './support/auth0-management-stub';
import { CHATGPT_REDIRECT, dcrGatewayEnv, startTenant } from './support/auth0-gateway';
import { deliverLogs, WEBHOOK_SECRET } from './support/auth0-log-delivery';
import { freePort } from './support/gateway-harness';
import { SignedBackend } from './support/signed-backend';
import { TestIssuer } from './support/test-issuer';
import { writeToolsFile } from './support/tools-file';

interface ExportedSpan {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: Record<string, unknown>;
}

const SERVER = 1;
const CLIENT = 2;
const SECRET = 't'.repeat(64);

describe('tracing (OpenTelemetry SDK, in-memory exporter, gateway in its own process)', () => {
  let issuer: TestIssuer;
  let tenant: Auth0ManagementStub;
  let backend: SignedBackend;
  let child: ChildProcess;
  let url: string;
  let audience: string;

  beforeAll(async () => {
    issuer = await new TestIssuer().start();
    tenant = await startTenant('strict');
    backend = await new SignedBackend(SECRET).start();
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    audience = `${url}/mcp`;
    const env = {
      ...dcrGatewayEnv(tenant),
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      PORT: String(port),
      PUBLIC_URL: url,
      OAUTH_ISSUER: issuer.issuer,
      OAUTH_AUDIENCE: audience,
      FUNCTIONS_BASE: backend.url,
      GATEWAY_HMAC_SECRET: SECRET,
      TOOLS_FILE: writeToolsFile([{ name: 'search', description: 'Search', scopes: ['tools:read'] }]),
    };
    child = fork(path.join(__dirname, 'support/traced-gateway.js'), [], {
      env: { PATH: process.env.PATH, GATEWAY_ENV: JSON.stringify(env) },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`traced gateway exited (${code})`)));
    });
  });

  afterAll(async () => {
    child?.disconnect();
    await backend?.stop();
    await issuer?.stop();
    await tenant?.stop();
  });

  const spans = (): Promise<ExportedSpan[]> =>
    new Promise((resolve) => {
      child.once('message', (message) => resolve((message as { spans: ExportedSpan[] }).spans));
      child.send('spans');
    });

  /** Spans end after the answer is written; asks until the server span of `traceId` is there. */
  async function spansOf(traceId: string): Promise<ExportedSpan[]> {
    for (;;) {
      const found = (await spans()).filter((span) => span.traceId === traceId);
      if (found.some((span) => span.kind === SERVER)) return found;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it("continues the caller's trace: server span → tool.call → backend request, traceparent sent to the backend", async () => {
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const token = issuer.sign(issuer.claims(audience, { sub: 'alice' }));

    const response = await fetch(`${url}/tools/search`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        traceparent: `00-${traceId}-${callerSpanId}-01`,
      },
      body: '{"q":"x"}',
    });
    expect(response.status).toBe(200);

    const trace = await spansOf(traceId);
    const byId = new Map(trace.map((span) => [span.spanId, span]));
    const server = trace.find((span) => span.kind === SERVER)!;
    expect(server.parentSpanId).toBe(callerSpanId);
    expect(server.attributes['http.route'] ?? server.name).toContain('/tools/:name');

    const toolCall = trace.find((span) => span.name === 'tool.call')!;
    expect(toolCall.attributes).toMatchObject({ tool: 'search', 'tool.outcome': 'ok', 'tool.status': 200 });
    expect(toolCall.attributes['enduser.hash']).toMatch(/^[0-9a-f]{16}$/);
    expect(JSON.stringify(trace)).not.toContain('alice');
    // The tool span descends from the server span (through Express' route spans).
    let ancestor = byId.get(toolCall.parentSpanId!);
    while (ancestor && ancestor !== server) ancestor = byId.get(ancestor.parentSpanId!);
    expect(ancestor).toBe(server);

    const outgoing = trace.find((span) => span.kind === CLIENT)!;
    expect(outgoing.parentSpanId).toBe(toolCall.spanId);
    const received = backend.calls.at(-1)!.headers.traceparent;
    expect(received).toBe(`00-${traceId}-${outgoing.spanId}-01`);
  });

  it('starts a new trace for a caller without traceparent, and never traces health probes', async () => {
    expect((await fetch(`${url}/health/live`)).status).toBe(200);
    const token = issuer.sign(issuer.claims(audience));
    await fetch(`${url}/tools/search`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    const traceparent = backend.calls.at(-1)!.headers.traceparent as string;
    expect(traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const all = await spansOf(traceparent.split('-')[1]);
    expect(all.find((span) => span.kind === SERVER)!.parentSpanId).toBeUndefined();
    expect((await spans()).some((span) => JSON.stringify(span.attributes).includes('/health'))).toBe(false);
  });

  it('sends the trace context to the Auth0 Management API when a webhook delivery prepares a client', async () => {
    const traceId = randomBytes(16).toString('hex');
    const client = tenant.registerClient({ client_name: 'ChatGPT', redirect_uris: [CHATGPT_REDIRECT] });

    const delivery = await deliverLogs(url, JSON.stringify([tenant.dcrLogRecord(client)]), {
      headers: {
        authorization: `Bearer ${WEBHOOK_SECRET}`,
        traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
      },
    });
    expect(delivery.status).toBe(202);

    await eventually('the preparation to reach the Management API', () =>
      tenant.served.some((request) => request.method === 'PATCH' && request.path.endsWith(client.client_id)),
    );
    const traced = tenant.served.filter((request) => request.traceparent?.split('-')[1] === traceId);
    expect(traced.map((request) => `${request.method} ${request.path}`)).toEqual(
      expect.arrayContaining([
        `GET /api/v2/clients/${client.client_id}`,
        `PATCH /api/v2/clients/${client.client_id}`,
      ]),
    );
    const spans = await spansOf(traceId);
    const clientSpanIds = new Set(spans.filter((span) => span.kind === CLIENT).map((span) => span.spanId));
    for (const request of traced) expect(clientSpanIds.has(request.traceparent!.split('-')[2])).toBe(true);
  });
});
