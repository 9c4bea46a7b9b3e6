import { DevIssuerHandle, launchDevIssuer } from '../src/local/dev-issuer.launcher';
import { freePort, startGateway, TestGateway } from './support/gateway-harness';
import { obtainAccessToken } from './support/oidc-client';
import { SignedBackend } from './support/signed-backend';
import { writeToolsFile } from './support/tools-file';

const SECRET = 'c'.repeat(64);

describe('REST tools with tokens from a real authorization server (oidc-provider, DCR + PKCE)', () => {
  let issuer: DevIssuerHandle;
  let backend: SignedBackend;
  let gateway: TestGateway;
  let audience: string;

  beforeAll(async () => {
    const port = await freePort();
    audience = `http://127.0.0.1:${port}/mcp`;
    issuer = await launchDevIssuer({ audience, scopes: ['notes:read', 'notes:write'] });
    backend = await new SignedBackend(SECRET).start();
    gateway = await startGateway(
      {
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        OAUTH_ISSUER: issuer.issuer,
        OAUTH_AUDIENCE: audience,
        FUNCTIONS_BASE: backend.url,
        GATEWAY_HMAC_SECRET: SECRET,
        DEBUG_TOKEN_ENABLED: 'true',
        TOOLS_FILE: writeToolsFile([
          { name: 'read_notes', description: 'Read notes', scopes: ['notes:read'] },
          { name: 'write_note', description: 'Write a note', scopes: ['notes:write'] },
        ]),
      },
      port,
    );
  });

  afterAll(async () => {
    await gateway?.stop();
    await backend?.stop();
    await issuer?.stop();
  });

  const callTool = (token: string, tool: string): Promise<Response> =>
    fetch(`${gateway.url}/tools/${tool}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'hello' }),
    });

  it('accepts the issued RS256 access token and forwards the call with an identity the backend verifies', async () => {
    const token = await obtainAccessToken(issuer.issuer, {
      audience,
      scopes: ['notes:read'],
      loginHint: 'alice',
    });
    const response = await callTool(token, 'read_notes');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      ok: true,
      sub: 'alice',
      scopes: ['notes:read'],
      args: { title: 'hello' },
    });
    expect(backend.calls.at(-1)!.verdict).toMatchObject({ ok: true, sub: 'alice' });
  });

  it('shows the claims of the issued token on /debug-token', async () => {
    const token = await obtainAccessToken(issuer.issuer, { audience, scopes: ['notes:read', 'notes:write'] });
    const response = await fetch(`${gateway.url}/debug-token`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      sub: 'demo-user',
      aud: audience,
      iss: issuer.issuer,
      scope: ['notes:read', 'notes:write'],
    });
  });

  it('answers 403 insufficient_scope to a narrow token, naming the scopes to request', async () => {
    const token = await obtainAccessToken(issuer.issuer, { audience, scopes: ['notes:read'] });
    const response = await callTool(token, 'write_note');
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toContain('scope="notes:write"');
  });
});
