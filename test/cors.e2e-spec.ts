import { CORS_ALLOWED_HEADERS, CORS_EXPOSED_HEADERS } from '../src/common/routes';
import { freePort, startGateway, TestGateway } from './support/gateway-harness';
import { TestIssuer } from './support/test-issuer';
import { writeToolsFile } from './support/tools-file';

const APP = 'https://app.example.com';
const TOOLS = [
  { name: 'search', description: 'Search', scopes: ['tools:read'], upstream: 'http://127.0.0.1:9/' },
];

/** Browser MCP clients (APP_ORIGIN): the preflight, and the challenge a page must be able to read. */
describe('CORS (APP_ORIGIN)', () => {
  let issuer: TestIssuer;
  let withCors: TestGateway;
  let withoutCors: TestGateway;

  beforeAll(async () => {
    issuer = await new TestIssuer().start();
    const start = async (env: Record<string, string>): Promise<TestGateway> => {
      const port = await freePort();
      return startGateway(
        {
          PUBLIC_URL: `http://127.0.0.1:${port}`,
          OAUTH_ISSUER: issuer.issuer,
          OAUTH_AUDIENCE: `http://127.0.0.1:${port}/mcp`,
          TOOLS_FILE: writeToolsFile(TOOLS),
          ...env,
        },
        port,
      );
    };
    withCors = await start({ APP_ORIGIN: `${APP}, https://other.example.com` });
    withoutCors = await start({});
  });

  afterAll(async () => {
    await withCors?.stop();
    await withoutCors?.stop();
    await issuer?.stop();
  });

  const preflight = (gateway: TestGateway, origin: string): Promise<Response> =>
    fetch(`${gateway.url}/mcp`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type,mcp-protocol-version',
      },
    });

  /** What a page sends first: an MCP request without a token, from the APP origin. */
  const anonymousMcpRequest = (gateway: TestGateway): Promise<Response> =>
    fetch(`${gateway.url}/mcp`, {
      method: 'POST',
      headers: { origin: APP, 'content-type': 'application/json' },
      body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
    });

  it('answers the preflight of a listed origin 204 with the headers an MCP client sends, and a request id', async () => {
    const response = await preflight(withCors, APP);

    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(APP);
    expect(response.headers.get('vary')).toContain('Origin');
    expect(response.headers.get('access-control-allow-methods')?.split(',')).toContain('POST');
    const allowed = response.headers.get('access-control-allow-headers')?.split(/, */);
    expect(allowed).toEqual(CORS_ALLOWED_HEADERS);
    expect(allowed).toEqual(
      expect.arrayContaining(['authorization', 'content-type', 'mcp-protocol-version']),
    );
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await response.text()).toBe('');
  });

  it('allows no other origin', async () => {
    const response = await preflight(withCors, 'https://evil.example.com');

    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(await response.text()).toBe('');
  });

  it("lets a listed page read the 401's challenge and request id", async () => {
    const response = await anonymousMcpRequest(withCors);

    expect(response.status).toBe(401);
    expect(response.headers.get('access-control-allow-origin')).toBe(APP);
    const exposed = response.headers.get('access-control-expose-headers')?.split(/, */);
    expect(exposed).toEqual(CORS_EXPOSED_HEADERS);
    expect(exposed).toEqual(expect.arrayContaining(['www-authenticate', 'x-request-id']));
    expect(response.headers.get('www-authenticate')).toContain('resource_metadata=');
  });

  it('sends no CORS header at all without APP_ORIGIN', async () => {
    const answers = [await preflight(withoutCors, APP), await anonymousMcpRequest(withoutCors)];

    for (const response of answers) {
      expect([...response.headers.keys()].filter((name) => name.startsWith('access-control-'))).toEqual([]);
    }
    expect(answers[0].status).toBe(404);
    expect(await answers[0].json()).toEqual({
      error: 'not_found',
      message: 'Cannot OPTIONS /mcp',
      requestId: answers[0].headers.get('x-request-id'),
    });
    expect(answers[1].status).toBe(401);
    expect(answers[1].headers.get('www-authenticate')).toContain('resource_metadata=');
  });
});
