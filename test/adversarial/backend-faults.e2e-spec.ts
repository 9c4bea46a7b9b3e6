import { CLOSED_PORT_URL, FaultyHttpServer, HttpFault, serveFault } from '../../src/testing/faulty-http';
import { startTokenStack, TokenStack } from '../support/token-stack';

const SECRET = 'd'.repeat(64);

/** What the gateway answers for each way a backend can fail (UPSTREAM_TIMEOUT_MS 800, 64 KiB cap). */
const EXPECTED: Array<[HttpFault, number, Record<string, unknown>]> = [
  ['stall', 504, { error: 'upstream_timeout', code: 'UPSTREAM_TIMEOUT', tool: 'faulty' }],
  ['trickle', 504, { error: 'upstream_timeout', code: 'UPSTREAM_TIMEOUT', tool: 'faulty' }],
  ['huge', 502, { error: 'upstream_response_too_large', code: 'UPSTREAM_RESPONSE_TOO_LARGE' }],
  ['huge-declared', 502, { error: 'upstream_response_too_large', code: 'UPSTREAM_RESPONSE_TOO_LARGE' }],
  ['reset', 502, { error: 'upstream_unreachable', code: 'UPSTREAM_UNREACHABLE', tool: 'faulty' }],
];

describe('failing tool backends', () => {
  let stack: TokenStack;
  let backend: FaultyHttpServer;
  let fault: HttpFault = 'stall';
  let token: string;

  beforeAll(async () => {
    backend = await new FaultyHttpServer((req, res) => serveFault(req, res, fault)).start();
    stack = await startTokenStack({
      secret: SECRET,
      env: { UPSTREAM_TIMEOUT_MS: '800', UPSTREAM_MAX_RESPONSE_BYTES: '65536' },
      tools: () => [
        { name: 'faulty', description: 'Misbehaves', scopes: ['tools:read'], upstream: `${backend.url}/run` },
        {
          name: 'gone',
          description: 'Nothing listens',
          scopes: ['tools:read'],
          upstream: `${CLOSED_PORT_URL}/run`,
        },
      ],
    });
    token = stack.issuer.sign(stack.issuer.claims(stack.audience));
  });

  afterAll(async () => {
    await stack?.stop();
    await backend?.stop();
  });

  const callTool = (name: string): Promise<Response> =>
    fetch(`${stack.gateway.url}/tools/${name}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: '{}',
      signal: AbortSignal.timeout(30_000),
    });

  it.each(EXPECTED)(
    'answers a backend that is %s with %d and the gateway error shape',
    async (which, status, body) => {
      fault = which;

      const response = await callTool('faulty');

      expect(response.status).toBe(status);
      expect(await response.json()).toMatchObject({
        ...body,
        requestId: response.headers.get('x-request-id'),
      });
    },
  );

  it('answers 502 upstream_unreachable when nothing listens', async () => {
    const response = await callTool('gone');

    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({ code: 'UPSTREAM_UNREACHABLE', tool: 'gone' });
  });

  it("passes the backend's own 500 and its non-JSON body through unchanged", async () => {
    fault = 'error-status';
    const failed = await callTool('faulty');
    expect(failed.status).toBe(500);
    expect(await failed.text()).toBe('internal error');

    fault = 'garbage';
    const garbage = await callTool('faulty');
    expect(garbage.status).toBe(200);
    expect(await garbage.text()).toBe('not json {');
  });

  it('answers each fault over MCP as a tool error, never a 5xx', async () => {
    for (const which of ['stall', 'huge', 'reset'] as const) {
      fault = which;
      const response = await fetch(`${stack.gateway.url}/mcp`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          authorization: `Bearer ${token}`,
          'mcp-protocol-version': '2025-11-25',
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name: 'faulty', arguments: {} },
        }),
        signal: AbortSignal.timeout(30_000),
      });

      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ id: 1, result: { isError: true } });
    }
  });

  it('stays up', async () => {
    expect((await fetch(`${stack.gateway.url}/health/live`)).status).toBe(200);
  });
});
