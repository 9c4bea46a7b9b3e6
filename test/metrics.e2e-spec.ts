import { AdminServer } from '../src/observability/admin-server';
import { sample } from './support/prometheus';
import { startTokenStack, TokenStack } from './support/token-stack';

const SECRET = 'm'.repeat(64);

describe('GET /metrics on the admin port', () => {
  let stack: TokenStack;
  let adminUrl: string;

  beforeAll(async () => {
    stack = await startTokenStack({
      secret: SECRET,
      tools: (backendUrl) => [
        { name: 'search', description: 'Search', scopes: ['tools:read'] },
        {
          name: 'broken',
          description: 'Fails',
          scopes: ['tools:read'],
          upstream: `${backendUrl}/status-503`,
        },
      ],
    });
    const port = await stack.gateway.app.get(AdminServer).listen(0, '127.0.0.1');
    adminUrl = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const scrape = async (): Promise<string> => {
    const response = await fetch(`${adminUrl}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    return response.text();
  };

  it('counts real traffic by route template, auth outcome, tool and MCP method', async () => {
    const { issuer, audience, gateway } = stack;
    const token = issuer.sign(issuer.claims(audience));
    const narrow = issuer.sign(issuer.claims(audience, { scope: 'openid' }));
    const before = await scrape();
    const post = (path: string, bearer: string | undefined, body: unknown, headers = {}): Promise<Response> =>
      fetch(`${gateway.url}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
          ...headers,
        },
        body: JSON.stringify(body),
      });

    expect((await post('/tools/search', token, { q: 1 })).status).toBe(200);
    expect((await post('/tools/search', token, { q: 2 })).status).toBe(200);
    expect((await post('/tools/broken', token, {})).status).toBe(503);
    expect((await post('/tools/search', undefined, {})).status).toBe(401);
    expect((await post('/tools/search', narrow, {})).status).toBe(403);
    const mcp = await post(
      '/mcp',
      token,
      { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      { accept: 'application/json, text/event-stream' },
    );
    expect(mcp.status).toBe(200);
    expect((await fetch(`${gateway.url}/no/such/path/123`)).status).toBe(404);

    const after = await scrape();
    const moved = (series: string): number => sample(after, series) - sample(before, series);
    expect(moved('http_requests_total{route="/tools/:name",method="POST",status="200"}')).toBe(2);
    expect(moved('http_requests_total{route="/tools/:name",method="POST",status="503"}')).toBe(1);
    expect(moved('http_requests_total{route="/tools/:name",method="POST",status="401"}')).toBe(1);
    expect(moved('http_requests_total{route="/mcp",method="POST",status="200"}')).toBe(1);
    expect(moved('http_requests_total{route="unmatched",method="GET",status="404"}')).toBe(1);
    expect(
      moved('http_request_duration_seconds_count{route="/tools/:name",method="POST",status="200"}'),
    ).toBe(2);
    expect(moved('auth_failures_total{code="MISSING_TOKEN"}')).toBe(1);
    expect(moved('auth_failures_total{code="INSUFFICIENT_SCOPE"}')).toBe(1);
    expect(moved('token_cache_hits_total')).toBeGreaterThanOrEqual(2);
    expect(moved('token_cache_misses_total')).toBeGreaterThanOrEqual(2);
    expect(sample(after, 'jwks_fetches_total{outcome="ok"}')).toBeGreaterThanOrEqual(1);
    expect(moved('tool_calls_total{tool="search",outcome="ok"}')).toBe(2);
    expect(moved('tool_calls_total{tool="broken",outcome="backend_error"}')).toBe(1);
    expect(moved('upstream_duration_seconds_count{tool="search"}')).toBe(2);
    expect(moved('mcp_requests_total{method="tools/list"}')).toBe(1);
    expect(after).toContain('process_resident_memory_bytes');
    // Raw paths never become label values.
    expect(after).not.toContain('/no/such/path');
  });

  it('is not served on the API port', async () => {
    const response = await fetch(`${stack.gateway.url}/metrics`);
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain('http_requests_total');
  });

  it('answers 404 for other paths and 405 for other methods on the admin port', async () => {
    expect((await fetch(`${adminUrl}/`)).status).toBe(404);
    expect((await fetch(`${adminUrl}/metrics`, { method: 'POST' })).status).toBe(405);
  });
});
