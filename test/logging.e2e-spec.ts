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
      tools: () => [{ name: 'search', description: 'Search', scopes: ['tools:read'] }],
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
    await new Promise((resolve) => setImmediate(resolve));

    const requests = output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { context: string; message: Record<string, unknown> })
      .filter((entry) => entry.context === 'Access')
      .map((entry) => entry.message);
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
    await new Promise((resolve) => setTimeout(resolve, 20));

    const requestId = response.headers.get('x-request-id');
    const summaries = output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { context: string; message: Record<string, unknown> })
      .filter((entry) => entry.context === 'Auth' && entry.message.request_id === requestId)
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
});
