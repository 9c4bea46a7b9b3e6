import { startTokenStack, TokenStack } from './support/token-stack';

const SECRET = 'e'.repeat(64);

describe('logs', () => {
  let stack: TokenStack;
  let output = '';
  const writes: jest.SpyInstance[] = [];

  beforeAll(async () => {
    stack = await startTokenStack({
      secret: SECRET,
      env: { LOG_LEVEL: 'verbose' },
      jsonLogs: true,
      tools: (backendUrl) => [
        { name: 'search', description: 'Search', scopes: ['tools:read'] },
        {
          name: 'broken',
          description: 'Fails',
          scopes: ['tools:read'],
          upstream: `${backendUrl}/status-503`,
        },
        { name: 'admin', description: 'Admin', scopes: ['admin:write'] },
      ],
    });
    for (const stream of [process.stdout, process.stderr]) {
      writes.push(
        jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
          output += chunk.toString();
          return true;
        }),
      );
    }
  });

  afterAll(async () => {
    writes.forEach((spy) => spy.mockRestore());
    await stack?.stop();
  });

  interface LogEntry {
    level: string;
    context: string;
    message: Record<string, unknown>;
  }

  /** The JSON lines of `context` written so far, once the lines queued this turn are out (StdoutLines). */
  const logged = async (context: string): Promise<LogEntry[]> => {
    await new Promise((resolve) => setImmediate(resolve));
    return output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogEntry)
      .filter((entry) => entry.context === context);
  };

  it('writes one JSON line per request with its outcome, and never a token or a secret', async () => {
    const { issuer, audience, gateway } = stack;
    const now = Math.floor(Date.now() / 1000);
    const tokens = {
      good: issuer.sign(issuer.claims(audience)),
      expired: issuer.sign(issuer.claims(audience, { exp: now - 60, iat: now - 600 })),
      narrow: issuer.sign(issuer.claims(audience, { scope: 'openid' })),
    };
    const ids: string[] = [];
    for (const token of Object.values(tokens)) {
      const response = await fetch(`${gateway.url}/tools/search`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{}',
      });
      ids.push(response.headers.get('x-request-id')!);
    }

    const requests = (await logged('Access')).map((entry) => entry.message);
    expect(requests).toEqual([
      expect.objectContaining({
        requestId: ids[0],
        status: 200,
        auth: 'ok',
        sub: 'auth0|alice',
        path: '/tools/search',
      }),
      expect.objectContaining({ requestId: ids[1], status: 401, auth: 'TOKEN_EXPIRED' }),
      expect.objectContaining({
        requestId: ids[2],
        status: 403,
        auth: 'INSUFFICIENT_SCOPE',
        sub: 'auth0|alice',
      }),
    ]);
    for (const token of Object.values(tokens)) {
      expect(output).not.toContain(token);
      expect(output).not.toContain(token.split('.')[2]);
    }
    expect(output).not.toContain(SECRET);
  });

  it('writes one oauth_auth_summary line for an authenticated JWT call, with every field', async () => {
    const { issuer, audience, gateway } = stack;
    const token = issuer.sign(issuer.claims(audience, { preferred_username: 'alice' }));
    const response = await fetch(`${gateway.url}/tools/search`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    const requestId = response.headers.get('x-request-id');

    const summaries = (await logged('Auth'))
      .filter((entry) => entry.message.request_id === requestId)
      .map((entry) => entry.message);
    expect(response.status).toBe(200);
    expect(summaries).toEqual([
      {
        msg: 'oauth_auth_summary',
        token_type: 'jwt',
        validation: 'jwt',
        scopes_observed: ['openid', 'tools:read'],
        scopes_effective: ['openid', 'tools:read'],
        api_probe: 'off',
        login: 'alice',
        client_id: 'client-1',
        tool: 'search',
        status: 200,
        duration_ms: expect.any(Number),
        request_id: requestId,
      },
    ]);
    expect(output).not.toContain(token.split('.')[2]);
  });

  it('names the JSON-RPC methods, the tools called and their outcome on the /mcp line; a tool error is a failure', async () => {
    const { issuer, audience, gateway } = stack;
    const token = issuer.sign(issuer.claims(audience));
    const mcp = async (body: unknown): Promise<string> => {
      const response = await fetch(`${gateway.url}/mcp`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        body: JSON.stringify(body),
      });
      await response.text();
      return response.headers.get('x-request-id')!;
    };
    const call = (name: string): unknown => ({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name },
    });

    const ids = [
      await mcp(call('search')),
      await mcp(call('broken')),
      await mcp(call('admin')),
      await mcp({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    ];

    const lines = (await logged('Access')).filter((entry) => ids.includes(entry.message.requestId as string));
    expect(lines.map(({ level, message }) => [level, message.status, message.mcp])).toEqual([
      ['log', 200, { methods: ['tools/call'], tools: [{ name: 'search', outcome: 'ok' }], outcome: 'ok' }],
      [
        'warn',
        200,
        {
          methods: ['tools/call'],
          tools: [{ name: 'broken', outcome: 'upstream_error' }],
          outcome: 'failure',
        },
      ],
      [
        'warn',
        403,
        {
          methods: ['tools/call'],
          tools: [{ name: 'admin', outcome: 'INSUFFICIENT_SCOPE' }],
          outcome: 'failure',
        },
      ],
      ['log', 200, { methods: ['tools/list'], tools: [], outcome: 'ok' }],
    ]);
    expect(output).not.toContain(token);
  });

  it('writes the access line of a request the router refuses before any route, and counts it as unmatched', async () => {
    const { gateway } = stack;
    const response = await fetch(`${gateway.url}/tools/%zz?q=1`, { method: 'POST' });
    const requestId = response.headers.get('x-request-id')!;
    expect(response.status).toBe(400);

    const lines = (await logged('Access')).filter((entry) => entry.message.requestId === requestId);
    expect(lines.map((entry) => entry.message)).toEqual([
      {
        msg: 'request',
        requestId,
        method: 'POST',
        path: '/tools/%zz',
        status: 400,
        durationMs: expect.any(Number),
        auth: 'none',
      },
    ]);
    const metrics = await (await fetch(`${gateway.adminUrl}/metrics`)).text();
    expect(metrics).toMatch(/^http_requests_total\{route="unmatched",method="POST",status="400"\} 1$/m);
  });
});
