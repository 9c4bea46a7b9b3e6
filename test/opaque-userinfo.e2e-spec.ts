import { LogCapture, settle } from './support/log-capture';
import { obtainToken } from './support/oidc-client';
import { OpaqueStand, startOpaqueStand } from './support/opaque-stand';

/**
 * A provider without introspection (Gitea): tokens bound to no resource, accepted by userinfo, carrying
 * no scope the gateway can see. The operator opts in to userinfo validation and lets the API probe
 * prove the API scopes (API_PROBE_GRANTS).
 */
describe('opaque access tokens validated at userinfo (OAUTH_OPAQUE_VALIDATION=userinfo)', () => {
  let stand: OpaqueStand;
  const logs = new LogCapture();

  beforeAll(async () => {
    logs.start();
    stand = await startOpaqueStand({
      validation: 'userinfo',
      jsonLogs: true,
      env: ({ api }) => ({
        LOG_LEVEL: 'log',
        OAUTH_OPAQUE_CACHE_TTL_S: '0',
        API_PROBE_URL: `${api}/api/v1/user`,
        API_PROBE_GRANTS: 'tools:read',
        OAUTH_SCOPE_IMPLICATIONS: '{"tools:read": ["notes:read"]}',
      }),
    });
  });

  afterAll(async () => {
    logs.stop();
    await stand?.stop();
  });

  const issue = (login: string) =>
    obtainToken(stand.issuer.issuer, {
      audience: stand.mcpUrl.href,
      scopes: ['openid', 'profile'],
      loginHint: login,
    });
  const callTool = (token: string, tool = 'echo'): Promise<Response> =>
    fetch(`${stand.gateway.url}/tools/${tool}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(
        tool === 'echo' ? { message: 'hi' } : tool === 'search_notes' ? { query: 'q' } : { title: 't' },
      ),
    });

  it('says plainly at start-up that userinfo does not prove the token was issued for the gateway', () => {
    expect(logs.text).toContain('OAUTH_OPAQUE_VALIDATION=userinfo');
    expect(logs.text).toContain('NOT that it was issued for this gateway');
  });

  it('accepts a live token: the probe grants tools:read, the declared implication adds notes:read', async () => {
    const issued = await issue('gitea-user');

    const echo = await callTool(issued.accessToken);
    const notes = await callTool(issued.accessToken, 'search_notes');
    const write = await callTool(issued.accessToken, 'create_note');
    await settle();

    expect(echo.status).toBe(200);
    expect(await echo.json()).toMatchObject({ sub: 'gitea-user', scopes: ['tools:read', 'notes:read'] });
    expect(notes.status).toBe(200);
    expect(write.status).toBe(403);
    expect(await write.json()).toMatchObject({ code: 'INSUFFICIENT_SCOPE', missing: ['notes:write'] });
    expect(logs.messages('oauth_auth_summary').filter((line) => line.login === 'gitea-user')[0]).toEqual({
      msg: 'oauth_auth_summary',
      token_type: 'opaque',
      validation: 'userinfo',
      scopes_observed: [],
      scopes_effective: ['tools:read', 'notes:read'],
      api_probe: 'pass',
      login: 'gitea-user',
      client_id: null,
      tool: 'echo',
      status: 200,
      duration_ms: expect.any(Number),
      request_id: echo.headers.get('x-request-id'),
    });
  });

  it('refuses a token revoked at the provider with 401 TOKEN_INACTIVE', async () => {
    const issued = await issue('revoked-user');
    expect((await callTool(issued.accessToken)).status).toBe(200);

    await issued.revoke();
    const response = await callTool(issued.accessToken);

    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain(
      'error="invalid_token", error_description="The provider\'s userinfo endpoint refuses the access token (HTTP 401)"',
    );
    expect(await response.json()).toEqual({
      error: 'invalid_token',
      code: 'TOKEN_INACTIVE',
      message: "The provider's userinfo endpoint refuses the access token (HTTP 401)",
      hint: expect.stringContaining('revoked'),
      requestId: response.headers.get('x-request-id'),
    });
  });

  it('answers 503 TOKEN_VALIDATION_UNAVAILABLE with Retry-After when userinfo answers 5xx', async () => {
    const issued = await issue('unlucky-user');
    stand.validation.mode = 'error';
    try {
      const response = await callTool(issued.accessToken);

      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('5');
      expect(response.headers.get('www-authenticate')).toBeNull();
      expect(await response.json()).toEqual({
        error: 'temporarily_unavailable',
        code: 'TOKEN_VALIDATION_UNAVAILABLE',
        message: 'The gateway cannot validate the token with the provider right now (userinfo unavailable)',
        hint: expect.stringContaining('Retry-After'),
        requestId: response.headers.get('x-request-id'),
      });
    } finally {
      stand.validation.mode = 'forward';
    }
  });
});
