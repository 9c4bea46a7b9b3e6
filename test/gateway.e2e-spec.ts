import { CLOSED_PORT_URL } from '../src/testing/faulty-http';
import { withInProcessScopes } from '../src/testing/tool.fixtures';
import { freePort, startGateway, TestGateway } from './support/gateway-harness';
import { TestIssuer } from './support/test-issuer';
import { writeToolsFile } from './support/tools-file';

const TOOLS = [
  { name: 'search', description: 'Search', scopes: ['tools:read'], upstream: 'http://127.0.0.1:9/search' },
];

describe('discovery, health and diagnostics', () => {
  let issuer: TestIssuer;
  let gateway: TestGateway;
  let audience: string;

  beforeAll(async () => {
    issuer = await new TestIssuer().start();
    const port = await freePort();
    audience = `http://127.0.0.1:${port}/mcp`;
    gateway = await startGateway(
      {
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        OAUTH_ISSUER: issuer.issuer,
        OAUTH_AUDIENCE: audience,
        OAUTH_SCOPES: 'openid offline_access',
        TOOLS_FILE: writeToolsFile(TOOLS),
        DEBUG_TOKEN_ENABLED: 'true',
      },
      port,
    );
  });

  afterAll(async () => {
    await gateway?.stop();
    await issuer?.stop();
  });

  describe('GET /.well-known/oauth-protected-resource', () => {
    const expected = (): Record<string, unknown> => ({
      resource: audience,
      authorization_servers: [issuer.issuer],
      scopes_supported: withInProcessScopes(['offline_access', 'openid', 'tools:read']),
      bearer_methods_supported: ['header'],
      resource_name: 'connector-gateway',
    });

    it('serves RFC 9728 metadata without a token', async () => {
      const response = await fetch(`${gateway.url}/.well-known/oauth-protected-resource`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual(expected());
    });

    it('serves the same metadata at the path-inserted URL of the MCP endpoint', async () => {
      const response = await fetch(`${gateway.url}/.well-known/oauth-protected-resource/mcp`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual(expected());
    });

    it('ignores a forged Host header when TRUST_PROXY is not set', async () => {
      const response = await fetch(`${gateway.url}/tools/search`, {
        method: 'POST',
        headers: { 'x-forwarded-host': 'evil.example.com', 'x-forwarded-proto': 'https' },
      });
      expect(response.headers.get('www-authenticate')).toContain(
        `resource_metadata="${gateway.url}/.well-known/oauth-protected-resource"`,
      );
    });
  });

  describe('GET /.well-known/oauth-authorization-server and /openid-configuration', () => {
    it.each(['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration'])(
      '%s relays the issuer metadata',
      async (path) => {
        const response = await fetch(`${gateway.url}${path}`);
        expect(response.status).toBe(200);
        expect(await response.json()).toMatchObject({
          issuer: issuer.issuer,
          jwks_uri: `${issuer.url}/jwks`,
        });
      },
    );
  });

  describe('an unknown route', () => {
    it('answers 404 JSON with the request id, without asking for a token', async () => {
      const response = await fetch(`${gateway.url}/no/such/route`);
      expect(response.status).toBe(404);
      expect(response.headers.get('www-authenticate')).toBeNull();
      expect(await response.json()).toEqual({
        error: 'not_found',
        message: 'Cannot GET /no/such/route',
        requestId: response.headers.get('x-request-id'),
      });
    });
  });

  describe('GET /health/*', () => {
    it('live answers 200 from the process alone', async () => {
      const response = await fetch(`${gateway.url}/health/live`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ status: 'ok', info: { process: { status: 'up' } } });
    });

    it('ready answers 200 when signing keys are available', async () => {
      const response = await fetch(`${gateway.url}/health/ready`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        status: 'ok',
        info: { signingKeys: { status: 'up', keys: 1 }, lifecycle: { status: 'up' } },
      });
    });

    it('summary answers 200 with every indicator', async () => {
      const response = await fetch(`${gateway.url}/health`);
      expect(response.status).toBe(200);
      expect(Object.keys(((await response.json()) as { details: object }).details)).toEqual(
        expect.arrayContaining(['process', 'lifecycle', 'signingKeys']),
      );
    });
  });

  describe('GET /debug-token (enabled)', () => {
    it('shows the claims the gateway sees', async () => {
      const claims = issuer.claims(audience, { permissions: ['tools:read'] });
      const response = await fetch(`${gateway.url}/debug-token`, {
        headers: { authorization: `Bearer ${issuer.sign(claims)}` },
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        sub: 'auth0|alice',
        aud: claims.aud,
        iss: issuer.issuer,
        scope: ['openid', 'tools:read'],
        permissions: ['tools:read'],
        exp: claims.exp,
        clientId: 'client-1',
      });
    });

    it('still needs a valid token', async () => {
      const response = await fetch(`${gateway.url}/debug-token`);
      expect(response.status).toBe(401);
    });
  });

  describe('graceful shutdown', () => {
    it('turns readiness down (503) while draining, liveness stays up', async () => {
      gateway.drain();
      const ready = await fetch(`${gateway.url}/health/ready`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({
        status: 'error',
        error: { lifecycle: { status: 'down', message: 'shutting down' } },
      });
      expect((await fetch(`${gateway.url}/health/live`)).status).toBe(200);
    });
  });
});

describe('when the issuer is unreachable', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway({
      OAUTH_ISSUER: `${CLOSED_PORT_URL}/`,
      OAUTH_AUDIENCE: 'https://api.example.com',
      TOOLS_FILE: writeToolsFile(TOOLS),
    });
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it('answers 502 JSON for the authorization-server metadata', async () => {
    const response = await fetch(`${gateway.url}/.well-known/oauth-authorization-server`);
    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({
      error: 'bad_gateway',
      code: 'ISSUER_METADATA_UNAVAILABLE',
      requestId: response.headers.get('x-request-id'),
    });
  });

  it('reports not ready (503) with the signing keys down', async () => {
    const response = await fetch(`${gateway.url}/health/ready`);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: { signingKeys: { status: 'down' } } });
  });

  it('answers 503 SIGNING_KEYS_UNAVAILABLE to a token it cannot check, with Retry-After', async () => {
    const issuer = await new TestIssuer().start();
    const token = issuer.sign(issuer.claims('https://api.example.com', { iss: `http://127.0.0.1:1/` }));
    await issuer.stop();
    const response = await fetch(`${gateway.url}/tools/search`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await response.json()).toMatchObject({
      error: 'temporarily_unavailable',
      code: 'SIGNING_KEYS_UNAVAILABLE',
    });
  });

  it('does not mount /debug-token unless DEBUG_TOKEN_ENABLED', async () => {
    const response = await fetch(`${gateway.url}/debug-token`, { headers: { authorization: 'Bearer x' } });
    expect(response.status).toBe(404);
  });
});
