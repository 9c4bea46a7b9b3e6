import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { CLOSED_PORT_URL } from '../src/testing/faulty-http';
import { TOOLS_ERRORS } from '../src/tools/tools.exception';
import { waitFor } from './support/gateway-process';
import { startTokenStack, TokenStack } from './support/token-stack';

const SECRET = 'a'.repeat(64);

/** A backend that never answers; it records each forwarded call and when the gateway gives up on it. */
class WaitingBackend {
  readonly calls: Array<{ received: IncomingMessage; closed: Promise<void> }> = [];
  private readonly server: Server = createServer((received: IncomingMessage, response: ServerResponse) => {
    const closed = new Promise<void>((resolve) => response.on('close', resolve));
    this.calls.push({ received, closed });
  });
  url = '';

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('POST /tools/:name', () => {
  let stack: TokenStack;
  let token: string;
  let waiting: WaitingBackend;

  beforeAll(async () => {
    waiting = await new WaitingBackend().start();
    stack = await startTokenStack({
      secret: SECRET,
      env: {
        MAX_BODY_BYTES: '2048',
        UPSTREAM_MAX_RESPONSE_BYTES: '4096',
        EXAMPLE_TOOLS_ENABLED: 'true',
        TOOL_SCOPES_JSON: JSON.stringify({ legacy: ['legacy:use'] }),
      },
      tools: (backendUrl) => [
        {
          name: 'search',
          description: 'Search',
          scopes: ['tools:read'],
          inputSchema: {
            type: 'object',
            properties: { q: { type: 'string', maxLength: 10 } },
            required: ['q'],
            additionalProperties: false,
          },
        },
        {
          name: 'slow',
          description: 'Hangs',
          scopes: ['tools:read'],
          upstream: `${backendUrl}/hang`,
          timeoutMs: 300,
        },
        {
          // Far beyond Jest's testTimeout: only the caller going away can end this call in a test.
          name: 'waiting',
          description: 'Waits until the gateway gives up',
          scopes: ['tools:read'],
          upstream: `${waiting.url}/wait`,
          timeoutMs: 600_000,
        },
        {
          name: 'down',
          description: 'Nobody listens',
          scopes: ['tools:read'],
          upstream: `${CLOSED_PORT_URL}/down`,
        },
        {
          name: 'huge',
          description: 'Answers more than UPSTREAM_MAX_RESPONSE_BYTES',
          scopes: ['tools:read'],
          upstream: `${backendUrl}/big-8000`,
        },
        {
          name: 'conflict',
          description: 'Backend says 409',
          scopes: ['tools:read'],
          upstream: `${backendUrl}/status-409`,
        },
        {
          name: 'broken',
          description: 'Backend says 500',
          scopes: ['tools:read'],
          upstream: `${backendUrl}/status-500`,
        },
      ],
    });
    token = stack.issuer.sign(
      stack.issuer.claims(stack.audience, { scope: 'tools:read time:read legacy:use' }),
    );
  });

  afterAll(async () => {
    await stack?.stop();
    await waiting?.stop();
  });

  const post = (
    tool: string,
    body: unknown,
    headers: Record<string, string> = {},
    signal?: AbortSignal,
  ): Promise<Response> =>
    fetch(`${stack.gateway.url}/tools/${tool}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
      signal,
    });

  it('answers 404 unknown_tool for a tool that is not in the catalog', async () => {
    const response = await post('nope', {});
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: 'unknown_tool',
      code: 'UNKNOWN_TOOL',
      message: 'Unknown tool "nope"',
      hint: TOOLS_ERRORS.UNKNOWN_TOOL.hint,
      tool: 'nope',
      requestId: response.headers.get('x-request-id'),
    });
  });

  it('answers 400 with every violation when the arguments do not match the input schema', async () => {
    const response = await post('search', { q: 'far too long a query', extra: 1 });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: 'invalid_arguments',
      code: 'INVALID_ARGUMENTS',
      message:
        'Arguments do not match the input schema of "search": / must NOT have additional properties; /q must NOT have more than 10 characters',
      hint: TOOLS_ERRORS.INVALID_ARGUMENTS.hint,
      tool: 'search',
      violations: [
        { path: '/', message: 'must NOT have additional properties' },
        { path: '/q', message: 'must NOT have more than 10 characters' },
      ],
      requestId: response.headers.get('x-request-id'),
    });
    expect(stack.backend.calls.filter((c) => c.path === '/search')).toHaveLength(0);
  });

  it('answers 400 invalid_request for a body that is not JSON, without echoing it', async () => {
    const response = await post('search', '{"q": eyJhbGciOiJSUzI1NiJ9.secret-looking}');
    expect(response.status).toBe(400);
    const body = await response.text();
    expect(JSON.parse(body)).toEqual({
      error: 'invalid_request',
      message: 'Request body is not valid JSON',
      requestId: response.headers.get('x-request-id'),
    });
    expect(body).not.toContain('eyJhbGciOi');
  });

  it('answers 413 when the body exceeds MAX_BODY_BYTES', async () => {
    const response = await post('search', { q: 'x'.repeat(4096) });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      error: 'payload_too_large',
      message: 'Request body exceeds MAX_BODY_BYTES',
      requestId: response.headers.get('x-request-id'),
    });
  });

  it('answers 504 with the tool name and request id when the backend does not answer in time', async () => {
    const response = await post('slow', {});
    expect(response.status).toBe(504);
    expect(await response.json()).toEqual({
      error: 'upstream_timeout',
      code: 'UPSTREAM_TIMEOUT',
      message: 'The backend of "slow" did not answer within 300 ms',
      hint: TOOLS_ERRORS.UPSTREAM_TIMEOUT.hint,
      tool: 'slow',
      timeoutMs: 300,
      requestId: response.headers.get('x-request-id'),
    });
  });

  /** Starts `call`, waits until it reaches the backend, then the caller goes away; the backend call must end. */
  async function callerLeaves(call: (signal: AbortSignal) => Promise<Response>): Promise<void> {
    const caller = new AbortController();
    const before = waiting.calls.length;
    const answer = call(caller.signal).catch(() => 'aborted');
    await waitFor(() => waiting.calls.length === before + 1, 'the call to reach the backend');

    caller.abort();

    expect(await answer).toBe('aborted');
    await waiting.calls[before].closed;
  }

  it('gives up the backend call when the caller goes away', async () => {
    await callerLeaves((signal) => post('waiting', {}, {}, signal));
  });

  it('gives up the backend call of an MCP tools/call when the caller goes away', async () => {
    await callerLeaves((signal) =>
      fetch(`${stack.gateway.url}/mcp`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'waiting' } }),
        signal,
      }),
    );
  });

  it('answers 502 when the backend cannot be reached', async () => {
    const response = await post('down', {});
    expect(response.status).toBe(502);
    expect(await response.json()).toEqual({
      error: 'upstream_unreachable',
      code: 'UPSTREAM_UNREACHABLE',
      message: 'The backend of "down" is unreachable (ECONNREFUSED)',
      hint: TOOLS_ERRORS.UPSTREAM_UNREACHABLE.hint,
      tool: 'down',
      requestId: response.headers.get('x-request-id'),
    });
  });

  it('answers 502 when the backend answers more than UPSTREAM_MAX_RESPONSE_BYTES', async () => {
    const response = await post('huge', {});
    expect(response.status).toBe(502);
    expect(await response.json()).toEqual({
      error: 'upstream_response_too_large',
      code: 'UPSTREAM_RESPONSE_TOO_LARGE',
      message: 'The backend of "huge" answered more than 4096 bytes',
      hint: TOOLS_ERRORS.UPSTREAM_RESPONSE_TOO_LARGE.hint,
      tool: 'huge',
      requestId: response.headers.get('x-request-id'),
    });
  });

  it("passes the backend's own 4xx and 5xx status and body through", async () => {
    const conflict = await post('conflict', {});
    expect(conflict.status).toBe(409);
    expect(await conflict.json()).toEqual({ backendError: 'failed with 409' });
    const broken = await post('broken', {});
    expect(broken.status).toBe(500);
    expect(await broken.json()).toEqual({ backendError: 'failed with 500' });
    expect(broken.headers.get('x-request-id')).toBeTruthy();
  });

  it('serves tools declared with TOOL_SCOPES_JSON by forwarding to FUNCTIONS_BASE/{tool}', async () => {
    const response = await post('legacy', { any: 'thing' });
    expect(response.status).toBe(200);
    expect(stack.backend.calls.at(-1)).toMatchObject({
      path: '/legacy',
      verdict: { ok: true, sub: 'auth0|alice' },
    });
  });

  it('calls an in-process tool written as a Nest provider', async () => {
    const response = await post('current_time', { timeZone: 'Europe/Paris' });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { result: { timeZone: string; requestedBy: string } };
    expect(body.result).toMatchObject({ timeZone: 'Europe/Paris', requestedBy: 'auth0|alice' });
  });

  it("answers an in-process tool's own 400 for bad input", async () => {
    const response = await post('current_time', { timeZone: 'Mars/Olympus_Mons' });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: 'invalid_request',
      message: 'Unknown time zone "Mars/Olympus_Mons"',
      requestId: response.headers.get('x-request-id'),
    });
  });
});
