import {
  CallToolResult,
  Client,
  StreamableHTTPClientTransport,
  UnauthorizedError,
} from '@modelcontextprotocol/client';

import { AUTH_ERRORS } from '../src/auth/auth.exception';
import {
  CLIENT_INFO,
  HeadlessOAuthClientProvider,
  HttpExchange,
  McpConnection,
  PROTOCOL_VERSION,
  tracingFetch,
} from '../src/local/mcp-oauth-provider';
import { inProcessTools } from '../src/testing/tool.fixtures';
import { TestGateway } from './support/gateway-harness';
import { McpStand, rawMcp, startMcpStand, startVariant, toolCall } from './support/mcp-stand';

/** The SDK 2.x client connected without signing in; with a provider it can sign in when a tool needs it. */
async function connectAnonymously(
  url: URL,
  provider?: HeadlessOAuthClientProvider,
  exchanges: HttpExchange[] = [],
): Promise<McpConnection> {
  const transport = new StreamableHTTPClientTransport(url, {
    authProvider: provider,
    fetch: tracingFetch((exchange) => void exchanges.push(exchange)),
  });
  const client = new Client(CLIENT_INFO, { versionNegotiation: { mode: { pin: PROTOCOL_VERSION } } });
  await client.connect(transport);
  return { client, transport };
}

/** The registered in-process tools' schemes (src/tools/in-process-tools.ts): every gateway serves them. */
const inProcessSecuritySchemes = (): Record<string, unknown> =>
  Object.fromEntries(
    inProcessTools().map((tool) => [
      tool.name,
      tool.public ? [{ type: 'noauth' }] : [{ type: 'oauth2', scopes: tool.scopes }],
    ]),
  );

/** The gateway's MISSING_TOKEN body: the refusal of a caller without a token, as REST and a batch get it. */
const missingToken = (message: string, headers: Headers): Record<string, unknown> => ({
  error: 'unauthorized',
  code: 'MISSING_TOKEN',
  message,
  hint: AUTH_ERRORS.MISSING_TOKEN.hint,
  requestId: headers.get('x-request-id'),
});

/** A single tools/call refused without a token: that body as the call's tool error, with the challenge. */
const refusedCall = (id: number, message: string, headers: Headers): Record<string, unknown> => ({
  jsonrpc: '2.0',
  id,
  result: {
    isError: true,
    content: [{ type: 'text', text: `${message} (request id: ${headers.get('x-request-id')})` }],
    structuredContent: missingToken(message, headers),
    _meta: { 'mcp/www_authenticate': [headers.get('www-authenticate')] },
  },
});

const callTool = async (
  connection: McpConnection,
  name: string,
  args: Record<string, unknown> = {},
): Promise<CallToolResult> => (await connection.client.callTool({ name, arguments: args })) as CallToolResult;

describe('Public and protected tools on one server (mixed authentication)', () => {
  let stand: McpStand;
  let resourceMetadata: string;

  beforeAll(async () => {
    stand = await startMcpStand({}, { publicTools: true });
    resourceMetadata = `${stand.gateway.url}/.well-known/oauth-protected-resource`;
  });

  afterAll(async () => {
    await stand?.stop();
  });

  it('discovers, lists every tool with exact securitySchemes and calls a public tool without a token', async () => {
    const anonymous = await connectAnonymously(stand.mcpUrl);

    const { tools } = await anonymous.client.listTools();
    const result = await callTool(anonymous, 'service_status');

    // The exact wire descriptor (the SDK client keeps only the fields it knows, and _meta).
    const raw = await rawMcp(stand.mcpUrl, { body: { jsonrpc: '2.0', id: 1, method: 'tools/list' } });
    const wire = (raw.body as { result: { tools: Array<{ name: string; securitySchemes: unknown }> } }).result
      .tools;

    expect(anonymous.client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
    expect(tools.map((tool) => [tool.name, tool._meta?.securitySchemes])).toEqual(
      wire.map((tool) => [tool.name, tool.securitySchemes]),
    );
    const schemes = Object.fromEntries(wire.map((tool) => [tool.name, tool.securitySchemes]));
    expect(schemes).toEqual({
      create_note: [{ type: 'oauth2', scopes: ['notes:write'] }],
      current_time: [{ type: 'oauth2', scopes: ['time:read'] }],
      echo: [{ type: 'oauth2', scopes: ['tools:read'] }],
      maintenance_report: [{ type: 'oauth2', scopes: ['tools:read'] }],
      offline_report: [{ type: 'oauth2', scopes: ['tools:read'] }],
      search_notes: [{ type: 'oauth2', scopes: ['notes:read'] }],
      service_status: [{ type: 'noauth' }],
      totals_report: [{ type: 'oauth2', scopes: ['tools:read'] }],
      ...inProcessSecuritySchemes(),
    });
    expect(result.isError).toBeFalsy();
    // The backend is told the caller is anonymous: an empty, signed subject.
    expect(result.structuredContent).toEqual({ status: 'ok', sub: '' });
    expect(stand.backend.calls.at(-1)).toMatchObject({ path: '/status', sub: '', scopes: [] });
    await anonymous.client.close();
  });

  it('answers a protected call without a token with HTTP 401 and the challenge, in the header and in the tool result', async () => {
    const before = stand.backend.calls.length;

    const answer = await rawMcp(stand.mcpUrl, { body: toolCall('echo', { message: 'hi' }, 5) });

    const challenge = `Bearer scope="tools:read", resource_metadata="${resourceMetadata}"`;
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toBe(challenge);
    expect(answer.body).toEqual(refusedCall(5, 'Tool "echo" requires a bearer token', answer.headers));
    expect(stand.backend.calls).toHaveLength(before);
  });

  it('answers a call of a name that is no tool with 401 too, so the catalog says nothing without a token', async () => {
    const answer = await rawMcp(stand.mcpUrl, { body: toolCall('drop_tables', {}, 9) });

    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer scope="[^"]+", resource_metadata=/);
    expect(answer.body).toEqual(refusedCall(9, 'Tool "drop_tables" requires a bearer token', answer.headers));
  });

  it('answers a batch of protected calls without a token with one 401 naming every scope they need', async () => {
    const answer = await rawMcp(stand.mcpUrl, {
      body: [toolCall('service_status', {}, 1), toolCall('echo', {}, 2), toolCall('create_note', {}, 3)],
    });

    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toBe(
      `Bearer scope="tools:read notes:write", resource_metadata="${resourceMetadata}"`,
    );
    expect(answer.body).toEqual(
      missingToken('This batch calls tools that require a bearer token', answer.headers),
    );
  });

  it('signs in when the first protected tool is called: 401 → OAuth flow → the call succeeds', async () => {
    const provider = new HeadlessOAuthClientProvider({ loginHint: 'frank' });
    const exchanges: HttpExchange[] = [];
    const connection = await connectAnonymously(stand.mcpUrl, provider, exchanges);
    expect(provider.authorizations).toEqual([]);

    await expect(callTool(connection, 'echo', { message: 'after sign-in' })).rejects.toBeInstanceOf(
      UnauthorizedError,
    );
    await connection.transport.finishAuth(provider.takeAuthorizationResponse());
    const result = await callTool(connection, 'echo', { message: 'after sign-in' });

    expect(exchanges[0]).toMatchObject({ method: 'POST', status: 200 });
    expect(provider.authorizations).toEqual([
      { requestedScopes: ['tools:read'], grantedScopes: ['tools:read'], loginHint: 'frank' },
    ]);
    expect(result.structuredContent).toMatchObject({ echo: 'after sign-in', sub: 'frank' });
    // Signed in, the public tool sees who calls it.
    expect((await callTool(connection, 'service_status')).structuredContent).toEqual({
      status: 'ok',
      sub: 'frank',
    });
    await connection.client.close();
  });

  it('refuses a bad token even on a public tool', async () => {
    const answer = await rawMcp(stand.mcpUrl, { token: 'not-a-token', body: toolCall('service_status', {}) });

    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toContain('error="invalid_token"');
    // Refused by the bearer check before the message is read: the gateway's JSON error body.
    expect(answer.body).toEqual({
      error: 'invalid_token',
      code: 'ACCESS_TOKEN_NOT_JWS',
      message: expect.any(String),
      hint: expect.any(String),
      requestId: answer.headers.get('x-request-id'),
    });
  });

  it('serves REST the same way: public tools without a token, 401 for the others', async () => {
    const post = (name: string): Promise<Response> =>
      fetch(`${stand.gateway.url}/tools/${name}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });

    const [status, echo, unknown] = await Promise.all([post('service_status'), post('echo'), post('nope')]);

    expect(status.status).toBe(200);
    expect(await status.json()).toEqual({ status: 'ok', sub: '' });
    expect(echo.status).toBe(401);
    expect(echo.headers.get('www-authenticate')).toBe(
      `Bearer scope="tools:read", resource_metadata="${resourceMetadata}"`,
    );
    expect(await echo.json()).toEqual(missingToken('Tool "echo" requires a bearer token', echo.headers));
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get('www-authenticate')).toMatch(/^Bearer scope="[^"]+", resource_metadata=/);
    expect(await unknown.json()).toEqual(
      missingToken('Tool "nope" requires a bearer token', unknown.headers),
    );
  });

  describe('with MCP_LIST_ALL_TOOLS=false', () => {
    let perCaller: TestGateway;

    beforeAll(async () => (perCaller = await startVariant(stand, { MCP_LIST_ALL_TOOLS: 'false' })));
    afterAll(async () => await perCaller?.stop());

    it('lists only the public tools to a caller without a token', async () => {
      const answer = await rawMcp(`${perCaller.url}/mcp`, {
        body: { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      });

      expect(answer.status).toBe(200);
      expect((answer.body as { result: { tools: Array<{ name: string }> } }).result.tools).toEqual([
        expect.objectContaining({ name: 'service_status', securitySchemes: [{ type: 'noauth' }] }),
      ]);
    });
  });
});
