import { toolCall } from './support/mcp-stand';
import { startTokenStack, TokenStack } from './support/token-stack';

const SECRET = 'r'.repeat(64);
const MCP_ACCEPT = 'application/json, text/event-stream';

interface Answer {
  status: number;
  retryAfter: string | null;
  requestId: string | null;
  body: Record<string, unknown>;
}

async function answerOf(response: Response): Promise<Answer> {
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    requestId: response.headers.get('x-request-id'),
    body: (await response.json()) as Record<string, unknown>,
  };
}

async function post(
  url: string,
  token: string | undefined,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: MCP_ACCEPT,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: JSON.stringify(body),
  });
  return answerOf(response);
}

function expectRateLimited(answer: Answer, scope: string, limit: number): void {
  expect(answer.status).toBe(429);
  expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
  expect(Number(answer.retryAfter)).toBeLessThanOrEqual(60);
  expect(answer.body).toEqual({
    error: 'rate_limited',
    code: 'RATE_LIMITED',
    message: expect.stringContaining(`Rate limit exceeded: ${limit} requests per 60 s`),
    hint: expect.stringContaining('Retry-After'),
    scope,
    limit,
    windowS: 60,
    requestId: answer.requestId,
  });
}

describe('rate limits per subject and per tool', () => {
  let stack: TokenStack;
  const tokenFor = (sub: string): string => stack.issuer.sign(stack.issuer.claims(stack.audience, { sub }));

  beforeAll(async () => {
    stack = await startTokenStack({
      secret: SECRET,
      env: { RATE_LIMIT_PER_SUBJECT: '4', RATE_LIMIT_WINDOW_S: '60' },
      tools: () => [
        { name: 'search', description: 'Search', scopes: ['tools:read'] },
        { name: 'scarce', description: 'Expensive', scopes: ['tools:read'], rateLimit: 1 },
      ],
    });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('answers 429 with Retry-After once a subject used RATE_LIMIT_PER_SUBJECT requests; others are unaffected', async () => {
    const alice = tokenFor('alice');
    for (let i = 0; i < 4; i++) {
      expect((await post(`${stack.gateway.url}/tools/search`, alice, {})).status).toBe(200);
    }

    expectRateLimited(await post(`${stack.gateway.url}/tools/search`, alice, {}), 'subject', 4);
    expect((await post(`${stack.gateway.url}/tools/search`, tokenFor('bob'), {})).status).toBe(200);
  });

  it('limits a tool by its catalog rateLimit per subject, over REST', async () => {
    const carol = tokenFor('carol');
    expect((await post(`${stack.gateway.url}/tools/scarce`, carol, {})).status).toBe(200);

    expectRateLimited(await post(`${stack.gateway.url}/tools/scarce`, carol, {}), 'tool', 1);
    expect((await post(`${stack.gateway.url}/tools/search`, carol, {})).status).toBe(200);
  });

  it('answers the same HTTP 429 over MCP tools/call, not a JSON-RPC error', async () => {
    const dave = tokenFor('dave');
    const first = await post(`${stack.gateway.url}/mcp`, dave, toolCall('scarce', {}, 1));
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text' }] } });
    expect((first.body.result as { isError?: boolean }).isError).not.toBe(true);

    expectRateLimited(await post(`${stack.gateway.url}/mcp`, dave, toolCall('scarce', {}, 2)), 'tool', 1);
  });
});

describe('rate limit per client IP for unauthenticated traffic', () => {
  let stack: TokenStack;

  beforeAll(async () => {
    stack = await startTokenStack({
      secret: SECRET,
      env: { RATE_LIMIT_PER_IP: '3', RATE_LIMIT_WINDOW_S: '60' },
      tools: () => [{ name: 'search', description: 'Search', scopes: ['tools:read'] }],
    });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('counts public routes and requests without a verified token; probes are exempt; a verified token is not limited', async () => {
    const { gateway, issuer, audience } = stack;
    const token = issuer.sign(issuer.claims(audience));
    // Verifying a new token counts once; later calls with it come from the verified-token cache.
    expect((await post(`${gateway.url}/tools/search`, token, {})).status).toBe(200);
    expect((await fetch(`${gateway.url}/.well-known/oauth-protected-resource`)).status).toBe(200);
    expect((await post(`${gateway.url}/tools/search`, undefined, {})).status).toBe(401);

    expectRateLimited(
      await answerOf(await fetch(`${gateway.url}/.well-known/oauth-protected-resource`)),
      'ip',
      3,
    );
    expectRateLimited(await post(`${gateway.url}/tools/search`, undefined, {}), 'ip', 3);

    for (let i = 0; i < 5; i++) expect((await fetch(`${gateway.url}/health/live`)).status).toBe(200);
    for (let i = 0; i < 5; i++)
      expect((await post(`${gateway.url}/tools/search`, token, {})).status).toBe(200);
  });
});

describe('per-tool limit of a public tool for callers without a token', () => {
  let stack: TokenStack;

  beforeAll(async () => {
    stack = await startTokenStack({
      secret: SECRET,
      env: { TRUST_PROXY: 'true', RATE_LIMIT_WINDOW_S: '60' },
      tools: () => [{ name: 'status', description: 'Service status', public: true, rateLimit: 1 }],
    });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const callFrom = (address: string, path: string, body: unknown): Promise<Answer> =>
    post(`${stack.gateway.url}${path}`, undefined, body, { 'x-forwarded-for': address });

  it('counts each client address on its own, so one anonymous client cannot use up the tool for the others', async () => {
    expect((await callFrom('203.0.113.1', '/tools/status', {})).status).toBe(200);
    expectRateLimited(await callFrom('203.0.113.1', '/tools/status', {}), 'tool', 1);

    expect((await callFrom('203.0.113.2', '/tools/status', {})).status).toBe(200);
    const mcpCall = toolCall('status', {});
    expectRateLimited(await callFrom('203.0.113.2', '/mcp', mcpCall), 'tool', 1);
    expect((await callFrom('203.0.113.3', '/mcp', mcpCall)).status).toBe(200);
  });
});
