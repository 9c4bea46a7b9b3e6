import { HTTP_FAULTS, HttpFault } from '../../src/testing/faulty-http';
import { TestIssuer } from '../support/test-issuer';
import { startTokenStack, TokenStack, TokenStackOptions } from '../support/token-stack';

const SECRET = 'a'.repeat(64);
const TOOLS = [{ name: 'search', description: 'Search', scopes: ['tools:read'] }];
// Short deadline and cap so each fault resolves quickly; the defaults behave the same, only slower.
const ISSUER_LIMITS = {
  OAUTH_HTTP_TIMEOUT_MS: '600',
  OAUTH_MAX_RESPONSE_BYTES: '65536',
  JWKS_COOLDOWN_S: '0',
};

/** A token stack whose gateway has the short issuer limits above. */
const startStack = (options: Partial<TokenStackOptions> = {}): Promise<TokenStack> =>
  startTokenStack({ secret: SECRET, tools: () => TOOLS, env: ISSUER_LIMITS, ...options });

async function callTool(gatewayUrl: string, token: string): Promise<Response> {
  return fetch(`${gatewayUrl}/tools/search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: '{}',
  });
}

async function expectLive(gatewayUrl: string): Promise<void> {
  expect((await fetch(`${gatewayUrl}/health/live`)).status).toBe(200);
}

describe('an issuer whose JWKS misbehaves after keys were loaded', () => {
  let stack: TokenStack;
  let issuer: TestIssuer;

  beforeAll(async () => {
    stack = await startStack();
    issuer = stack.issuer;
    // Keys loaded before any fault.
    expect((await fetch(`${stack.gateway.url}/health/ready`)).status).toBe(200);
  });

  afterAll(() => stack?.stop());

  afterEach(() => (issuer.jwksFault = undefined));

  it.each(HTTP_FAULTS)(
    'answers a new-key token 401 UNKNOWN_SIGNING_KEY while the JWKS is %s, stays ready, and recovers',
    async (fault: HttpFault) => {
      const oldToken = issuer.sign(issuer.claims(stack.audience));
      issuer.rotate();
      const newToken = issuer.sign(issuer.claims(stack.audience));
      issuer.jwksFault = fault;
      const fetchesBefore = issuer.jwksFetches;

      const refused = await callTool(stack.gateway.url, newToken);

      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token", /);
      expect(await refused.json()).toMatchObject({ error: 'invalid_token', code: 'UNKNOWN_SIGNING_KEY' });
      expect(issuer.jwksFetches).toBeGreaterThan(fetchesBefore);
      // The keys held before the fault keep working and readiness answers from them.
      expect((await callTool(stack.gateway.url, oldToken)).status).toBe(200);
      const ready = await fetch(`${stack.gateway.url}/health/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ info: { signingKeys: { status: 'up' } } });
      await expectLive(stack.gateway.url);

      // The failed refresh does not block the next one: the rotated key is found once the JWKS answers.
      issuer.jwksFault = undefined;
      expect((await callTool(stack.gateway.url, newToken)).status).toBe(200);
    },
  );
});

describe.each(['stall', 'huge'] as const)('a gateway starting while the JWKS is %s', (fault) => {
  let stack: TokenStack;

  beforeAll(async () => {
    stack = await startStack({ configureIssuer: (started) => (started.jwksFault = fault) });
  });

  afterAll(() => stack?.stop());

  it('reports not ready and answers 503 SIGNING_KEYS_UNAVAILABLE, then recovers when the JWKS answers', async () => {
    const token = stack.issuer.sign(stack.issuer.claims(stack.audience));

    const ready = await fetch(`${stack.gateway.url}/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ error: { signingKeys: { status: 'down' } } });
    const refused = await callTool(stack.gateway.url, token);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(await refused.json()).toMatchObject({
      error: 'temporarily_unavailable',
      code: 'SIGNING_KEYS_UNAVAILABLE',
    });
    await expectLive(stack.gateway.url);

    stack.issuer.jwksFault = undefined;
    expect((await fetch(`${stack.gateway.url}/health/ready`)).status).toBe(200);
    expect((await callTool(stack.gateway.url, token)).status).toBe(200);
  });
});

describe('an issuer whose discovery document misbehaves from the start', () => {
  let stack: TokenStack;

  beforeAll(async () => {
    stack = await startStack({
      configureIssuer: (started) => (started.discoveryFault = 'stall'),
      issuerEnv: (started) => ({ OAUTH_JWKS_URI: `${started.url}/jwks` }),
    });
  });

  afterAll(() => stack?.stop());

  it.each(HTTP_FAULTS)('answers 502 ISSUER_METADATA_UNAVAILABLE while discovery is %s', async (fault) => {
    stack.issuer.discoveryFault = fault;

    const response = await fetch(`${stack.gateway.url}/.well-known/oauth-authorization-server`);

    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({
      error: 'bad_gateway',
      code: 'ISSUER_METADATA_UNAVAILABLE',
      requestId: response.headers.get('x-request-id'),
    });
    // Tokens are still verified: the JWKS is configured directly.
    expect(
      (await callTool(stack.gateway.url, stack.issuer.sign(stack.issuer.claims(stack.audience)))).status,
    ).toBe(200);
    await expectLive(stack.gateway.url);
  });
});
