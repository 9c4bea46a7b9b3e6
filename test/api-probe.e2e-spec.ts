import { CLOSED_PORT_URL } from '../src/testing/faulty-http';
import { withInProcessScopes } from '../src/testing/tool.fixtures';
import { LogCapture, settle } from './support/log-capture';
import { RawAnswer, rawMcp, startVariant, toolCall } from './support/mcp-stand';
import { obtainToken } from './support/oidc-client';
import { OpaqueStand, startOpaqueStand } from './support/opaque-stand';
import { writeToolsFile } from './support/tools-file';

// Every scope the catalog's tools need: this suite's and those of the registered in-process tools.
const TOOL_SCOPES = withInProcessScopes(['notes:read', 'tools:read']).join(' ');

describe('upstream API-scope probe (API_PROBE_URL) and forwardBearer', () => {
  let stand: OpaqueStand;
  const logs = new LogCapture();

  beforeAll(async () => {
    stand = await startOpaqueStand({
      jsonLogs: true,
      env: ({ api, backend }) => ({
        LOG_LEVEL: 'log',
        OAUTH_HTTP_TIMEOUT_MS: '1000',
        API_PROBE_URL: `${api}/api/v1/user`,
        OAUTH_TOKEN_FORWARD_ORIGINS: api,
        EXAMPLE_TOOLS_ENABLED: 'false',
        TOOLS_FILE: writeToolsFile([
          { name: 'echo', description: 'Echo', scopes: ['tools:read'], upstream: `${backend}/echo` },
          {
            name: 'search_notes',
            description: 'Notes',
            scopes: ['notes:read'],
            upstream: `${backend}/search_notes`,
          },
          {
            name: 'list_repos',
            description: "The user's repositories, from the provider's own API",
            scopes: ['notes:read'],
            upstream: `${api}/api/v1/user/repos`,
            forwardBearer: true,
          },
        ]),
      }),
    });
    logs.start();
  });

  afterAll(async () => {
    logs.stop();
    await stand?.stop();
  });

  const issue = async (
    login: string,
    scopes = ['tools:read'],
  ): Promise<{ token: string; clientId: string }> => {
    const issued = await obtainToken(stand.issuer.issuer, {
      audience: stand.mcpUrl.href,
      scopes,
      loginHint: login,
    });
    return { token: issued.accessToken, clientId: issued.clientId };
  };
  const callTool = (token: string, tool = 'echo'): Promise<Response> =>
    fetch(`${stand.gateway.url}/tools/${tool}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'hi' }),
    });
  const summaries = (login: string): Array<Record<string, unknown>> =>
    logs.messages('oauth_auth_summary').filter((line) => line.login === login);
  const prm = (): string => `${stand.gateway.url}/.well-known/oauth-protected-resource`;
  /** The 403 of a token the provider's API answered `apiStatus`: the same challenge and body on REST and MCP. */
  const expectApiRefusal = async (answer: Response | RawAnswer, apiStatus: number): Promise<void> => {
    expect(answer.status).toBe(403);
    const challenge = answer.headers.get('www-authenticate');
    expect(challenge).toMatch(
      new RegExp(
        `^Bearer error="insufficient_scope", error_description="The provider's API refuses this token \\(HTTP ${apiStatus}\\)`,
      ),
    );
    expect(challenge).toContain(`scope="${TOOL_SCOPES}", resource_metadata="${prm()}"`);
    expect(answer instanceof Response ? await answer.json() : answer.body).toEqual({
      error: 'insufficient_scope',
      code: 'TOKEN_LACKS_API_SCOPE',
      message: expect.stringContaining('Revoke the application'),
      hint: expect.stringContaining('disconnect the connector in ChatGPT'),
      required: TOOL_SCOPES.split(' '),
      apiStatus,
      requestId: answer.headers.get('x-request-id'),
    });
  };

  it('probes once per token: pass, then skip:cached', async () => {
    const { token, clientId } = await issue('pat');

    const first = await callTool(token);
    const second = await callTool(token);
    await settle();

    expect([first.status, second.status]).toEqual([200, 200]);
    expect(stand.api.callsWith(token)).toEqual([
      expect.objectContaining({ method: 'GET', path: '/api/v1/user' }),
    ]);
    expect(summaries('pat')).toEqual([
      {
        msg: 'oauth_auth_summary',
        token_type: 'opaque',
        validation: 'introspection',
        scopes_observed: ['tools:read'],
        scopes_effective: ['tools:read'],
        api_probe: 'pass',
        login: 'pat',
        client_id: clientId,
        tool: 'echo',
        status: 200,
        duration_ms: expect.any(Number),
        request_id: first.headers.get('x-request-id'),
      },
      expect.objectContaining({ api_probe: 'skip:cached', validation: 'cache', status: 200 }),
    ]);
  });

  it('refuses a token the API answers 403 before any tool runs, with the re-authorize guidance (REST)', async () => {
    const { token, clientId } = await issue('quinn');
    stand.api.behaviours.set(token, 403);
    const backendCalls = stand.backend.calls.length;

    const response = await callTool(token);
    await settle();

    await expectApiRefusal(response, 403);
    expect(stand.backend.calls.length).toBe(backendCalls);
    expect(summaries('quinn')).toEqual([
      expect.objectContaining({ api_probe: 'fail:403', status: 403, tool: null, client_id: clientId }),
    ]);
    expect(logs.messages('oauth_token_lacks_api_scope').filter((line) => line.login === 'quinn')).toEqual([
      {
        msg: 'oauth_token_lacks_api_scope',
        status: 403,
        login: 'quinn',
        client_id: clientId,
        request_id: response.headers.get('x-request-id'),
      },
    ]);
  });

  it('answers the MCP endpoint with the same HTTP 403 challenge, never a JSON-RPC -32603', async () => {
    const { token } = await issue('rita');
    stand.api.behaviours.set(token, 403);

    const answer = await rawMcp(stand.mcpUrl, { token, body: toolCall('echo', { message: 'hi' }) });

    await expectApiRefusal(answer, 403);
  });

  it('reports a 401 from the API as fail:401', async () => {
    const { token } = await issue('sam');
    stand.api.behaviours.set(token, 401);

    const response = await callTool(token);
    await settle();

    await expectApiRefusal(response, 401);
    expect(summaries('sam')).toEqual([expect.objectContaining({ api_probe: 'fail:401', status: 403 })]);
  });

  it('lets the call through when the probe hangs (skip:error) and probes again on the next request', async () => {
    const { token } = await issue('tess');
    stand.api.behaviours.set(token, 'hang');

    const first = await callTool(token);
    const second = await callTool(token);
    await settle();

    expect([first.status, second.status]).toEqual([200, 200]);
    expect(stand.api.callsWith(token)).toHaveLength(2);
    expect(summaries('tess').map((line) => line.api_probe)).toEqual(['skip:error', 'skip:error']);
  });

  it('warns token_has_no_tool_scopes for a valid token that can call no tool', async () => {
    const { token } = await issue('uma', ['time:read']);

    const response = await fetch(`${stand.gateway.url}/debug-token`, {
      headers: { authorization: `Bearer ${token}` },
    });
    await settle();

    expect(response.status).toBe(200);
    expect(logs.messages('token_has_no_tool_scopes').filter((line) => line.login === 'uma')).toEqual([
      expect.objectContaining({
        scopes_effective: ['time:read'],
        request_id: response.headers.get('x-request-id'),
      }),
    ]);
    expect(summaries('uma')).toEqual([expect.objectContaining({ tool: null, status: 200 })]);
  });

  it("forwards the user's token to the provider's API only for the forwardBearer tool", async () => {
    const { token } = await issue('vera', ['tools:read', 'notes:read']);

    const forwarded = await callTool(token, 'list_repos');
    const signed = await callTool(token, 'echo');

    expect(forwarded.status).toBe(200);
    expect(await forwarded.json()).toEqual({ login: 'alice', path: '/api/v1/user/repos', authorized: true });
    expect(stand.api.callsWith(token).map((call) => `${call.method} ${call.path}`)).toEqual([
      'GET /api/v1/user',
      'POST /api/v1/user/repos',
    ]);
    expect(signed.status).toBe(200);
    expect(stand.backend.calls.at(-1)).toMatchObject({
      path: '/echo',
      sub: 'vera',
      authorization: undefined,
    });
    expect(logs.text).not.toContain(token);
  });

  it('never writes a token, or a piece of one, to the output', () => {
    const tokens = stand.api.calls.map((call) => call.headers.authorization!.slice('Bearer '.length));
    expect(tokens.length).toBeGreaterThan(5);
    for (const token of tokens) expect(logs.text).not.toContain(token.slice(0, 16));
  });

  it('lets the call through when nothing listens at API_PROBE_URL (skip:error)', async () => {
    const gateway = await startVariant(stand, {
      API_PROBE_URL: `${CLOSED_PORT_URL}/api/v1/user`,
    });
    try {
      const { token } = await issue('wes');
      const response = await fetch(`${gateway.url}/tools/echo`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ message: 'hi' }),
      });
      expect(response.status).toBe(200);
    } finally {
      await gateway.stop();
    }
  });

  it('stops start-up when a forwardBearer tool points outside OAUTH_TOKEN_FORWARD_ORIGINS, naming it', async () => {
    await expect(
      startVariant(stand, {
        OAUTH_TOKEN_FORWARD_ORIGINS: 'https://git.example.com',
        TOOLS_FILE: writeToolsFile([
          {
            name: 'leaky_tool',
            description: 'Would send the token elsewhere',
            scopes: ['tools:read'],
            upstream: 'https://third-party.example.net/run',
            forwardBearer: true,
          },
        ]),
      }),
    ).rejects.toThrow(
      'tool "leaky_tool" (file) sets forwardBearer but its upstream origin https://third-party.example.net is not in OAUTH_TOKEN_FORWARD_ORIGINS',
    );
  });
});
