import { TestGateway } from './support/gateway-harness';
import {
  McpStand,
  MODERN_VERSION,
  modernRequest,
  rawMcp,
  RawAnswer,
  signIn,
  startMcpStand,
  startVariant,
  toolCall,
} from './support/mcp-stand';

function initialize(protocolVersion: string): Record<string, unknown> {
  return {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion, capabilities: {}, clientInfo: { name: 'raw-http', version: '1' } },
  };
}

describe('MCP endpoint over raw HTTP', () => {
  let stand: McpStand;
  let wideToken: string;
  let narrowToken: string;
  let resourceMetadata: string;

  beforeAll(async () => {
    stand = await startMcpStand();
    resourceMetadata = `${stand.gateway.url}/.well-known/oauth-protected-resource`;
    const wide = await signIn(stand);
    const narrow = await signIn(stand, { loginHint: 'nina', consentTo: ['tools:read'] });
    [wideToken, narrowToken] = [wide.accessToken(), narrow.accessToken()];
    await Promise.all([wide.client.close(), narrow.client.close()]);
  });

  afterAll(async () => {
    await stand?.stop();
  });

  /** The endpoint's 401: the challenge names every scope of the catalog and leads to the metadata. */
  const expectEndpointChallenge = (answer: RawAnswer): void => {
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toBe(
      `Bearer scope="${stand.scopes.join(' ')}", resource_metadata="${resourceMetadata}"`,
    );
    expect(answer.body).toEqual({
      error: 'unauthorized',
      code: 'MISSING_TOKEN',
      message: 'This endpoint requires a bearer token',
      hint: expect.stringContaining('resource_metadata'),
      requestId: answer.headers.get('x-request-id'),
    });
  };

  describe('POST /mcp without a token', () => {
    it('answers 401 with the challenge that leads to the protected-resource metadata', async () => {
      const answer = await rawMcp(stand.mcpUrl, { body: initialize('2025-11-25') });

      expectEndpointChallenge(answer);
    });

    it('answers 401 to a 2026-07-28 server/discover too: without public tools nothing is served without a token', async () => {
      const answer = await rawMcp(stand.mcpUrl, modernRequest('server/discover'));

      expectEndpointChallenge(answer);
    });

    it('points to metadata whose resource is the MCP URL', async () => {
      for (const url of [resourceMetadata, `${resourceMetadata}/mcp`]) {
        const metadata = (await (await fetch(url)).json()) as Record<string, unknown>;
        expect(metadata).toMatchObject({
          resource: stand.mcpUrl.href,
          authorization_servers: [stand.issuer.issuer],
        });
      }
    });
  });

  describe('POST /mcp tools/call lacking a scope', () => {
    it('answers HTTP 403 insufficient_scope naming the scopes the tool needs (SEP-2350), before any backend call', async () => {
      const before = stand.backend.calls.length;

      const answer = await rawMcp(stand.mcpUrl, {
        token: narrowToken,
        body: toolCall('create_note', { title: 'x' }),
      });

      const challenge = `Bearer error="insufficient_scope", error_description="Tool create_note requires scope notes:write", scope="notes:write", resource_metadata="${resourceMetadata}"`;
      const requestId = answer.headers.get('x-request-id');
      expect(answer.status).toBe(403);
      expect(answer.headers.get('www-authenticate')).toBe(challenge);
      // The body answers the call: a tool error with the gateway's fields and the Apps SDK challenge.
      expect(answer.body).toEqual({
        jsonrpc: '2.0',
        id: 1,
        result: {
          isError: true,
          content: [
            {
              type: 'text',
              text: `Tool "create_note" requires scope notes:write (request id: ${requestId})`,
            },
          ],
          structuredContent: {
            error: 'insufficient_scope',
            code: 'INSUFFICIENT_SCOPE',
            message: 'Tool "create_note" requires scope notes:write',
            hint: expect.any(String),
            required: ['notes:write'],
            missing: ['notes:write'],
            requestId,
          },
          _meta: { 'mcp/www_authenticate': [challenge] },
        },
      });
      expect(stand.backend.calls).toHaveLength(before);
    });

    it('answers 403 as well when the call is one message of a batch', async () => {
      const answer = await rawMcp(stand.mcpUrl, {
        token: narrowToken,
        body: [toolCall('echo', { message: 'a' }, 1), toolCall('search_notes', { query: 'b' }, 2)],
      });

      expect(answer.status).toBe(403);
      expect(answer.headers.get('www-authenticate')).toContain('scope="notes:read"');
    });

    it('answers one 403 naming every scope the refused calls of a batch need, so the client re-authorizes once', async () => {
      const before = stand.backend.calls.length;

      const answer = await rawMcp(stand.mcpUrl, {
        token: narrowToken,
        body: [
          toolCall('echo', { message: 'a' }, 1),
          toolCall('search_notes', { query: 'b' }, 2),
          toolCall('create_note', { title: 'c' }, 3),
        ],
      });

      expect(answer.status).toBe(403);
      expect(answer.headers.get('www-authenticate')).toBe(
        `Bearer error="insufficient_scope", error_description="This batch requires scope notes:read, notes:write", scope="notes:read notes:write", resource_metadata="${resourceMetadata}"`,
      );
      expect(answer.body).toEqual({
        error: 'insufficient_scope',
        code: 'INSUFFICIENT_SCOPE',
        message: 'This batch requires scope notes:read, notes:write',
        hint: expect.any(String),
        required: ['notes:read', 'notes:write'],
        missing: ['notes:read', 'notes:write'],
        requestId: answer.headers.get('x-request-id'),
      });
      expect(stand.backend.calls).toHaveLength(before);
    });
  });

  describe('GET and DELETE /mcp', () => {
    it.each(['GET', 'DELETE'])(
      '%s answers 405 with Allow: POST in the gateway error shape',
      async (method) => {
        const answer = await rawMcp(stand.mcpUrl, { method, token: wideToken });

        expect(answer.status).toBe(405);
        expect(answer.headers.get('allow')).toBe('POST');
        expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
        expect(answer.body).toEqual({
          error: 'method_not_allowed',
          message: expect.stringContaining('stateless'),
          hint: expect.stringContaining('POST'),
          requestId: answer.headers.get('x-request-id'),
        });
      },
    );

    it('still asks for a token first', async () => {
      const answer = await rawMcp(stand.mcpUrl, { method: 'GET' });

      expectEndpointChallenge(answer);
    });
  });

  describe('POST /mcp without a body', () => {
    it('answers 415 in the gateway error shape: there is no JSON-RPC message to answer', async () => {
      const answer = await rawMcp(stand.mcpUrl, { token: wideToken });

      expect(answer.status).toBe(415);
      expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
      expect(answer.body).toEqual({
        error: 'unsupported_media_type',
        message: 'The MCP endpoint expects a JSON-RPC message in an application/json body',
        requestId: answer.headers.get('x-request-id'),
      });
    });
  });

  describe('protocol 2026-07-28', () => {
    it('answers server/discover with the supported versions, capabilities and server identity', async () => {
      const answer = await rawMcp(stand.mcpUrl, { token: wideToken, ...modernRequest('server/discover') });

      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
      expect(answer.body).toMatchObject({
        id: 1,
        result: {
          resultType: 'complete',
          supportedVersions: [MODERN_VERSION],
          capabilities: { tools: {} },
          _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'connector-gateway' } },
        },
      });
    });

    it('serves tools/list and tools/call without initialize, each request carrying its version', async () => {
      const list = await rawMcp(stand.mcpUrl, { token: wideToken, ...modernRequest('tools/list') });
      const echo = await rawMcp(stand.mcpUrl, {
        token: wideToken,
        ...modernRequest('tools/call', { name: 'echo', arguments: { message: 'modern' } }),
      });

      expect(list.body).toMatchObject({
        result: { resultType: 'complete', ttlMs: expect.any(Number), cacheScope: expect.any(String) },
      });
      const tools = (list.body as { result: { tools: Array<{ name: string }> } }).result.tools;
      expect(tools.map((tool) => tool.name)).toEqual(stand.tools);
      expect(echo.body).toMatchObject({ result: { structuredContent: { echo: 'modern', sub: 'alice' } } });
    });

    it('refuses a request whose Mcp-Name header disagrees with its body (400, -32020 HeaderMismatch)', async () => {
      const before = stand.backend.calls.length;
      const request = modernRequest('tools/call', { name: 'echo', arguments: { message: 'x' } });

      const answer = await rawMcp(stand.mcpUrl, {
        token: wideToken,
        body: request.body,
        headers: { ...request.headers, 'mcp-name': 'create_note' },
      });

      expect(answer.status).toBe(400);
      const disagreement = 'the body carries params.name="echo" but the Mcp-Name header names "create_note"';
      expect(answer.body).toEqual({
        jsonrpc: '2.0',
        id: 1,
        error: {
          code: -32020,
          message: `Bad Request: the request headers and body disagree: ${disagreement}`,
          data: { mismatch: { body: disagreement, header: 'create_note' } },
        },
      });
      expect(stand.backend.calls).toHaveLength(before);
    });

    it('answers a version it does not serve with 400 UnsupportedProtocolVersion (-32022) listing the supported ones', async () => {
      const answer = await rawMcp(stand.mcpUrl, {
        token: wideToken,
        ...modernRequest('tools/list', {}, '2099-01-01'),
      });

      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({
        jsonrpc: '2.0',
        id: 1,
        error: {
          code: -32022,
          message: 'Unsupported protocol version: 2099-01-01',
          data: { supported: expect.arrayContaining([MODERN_VERSION]), requested: '2099-01-01' },
        },
      });
    });

    it('answers ping, removed in 2026-07-28, with 404 and -32601', async () => {
      const answer = await rawMcp(stand.mcpUrl, { token: wideToken, ...modernRequest('ping') });

      expect(answer.status).toBe(404);
      expect(answer.body).toEqual({
        jsonrpc: '2.0',
        id: 1,
        error: { code: -32601, message: 'Method not found' },
      });
    });
  });

  describe('protocol 2025-11-25 and earlier (initialize)', () => {
    it.each(['2025-11-25', '2025-06-18', '2025-03-26'])(
      'negotiates %s and answers application/json',
      async (version) => {
        const answer = await rawMcp(stand.mcpUrl, { token: wideToken, body: initialize(version) });

        expect(answer.status).toBe(200);
        expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
        expect(answer.headers.get('mcp-session-id')).toBeNull();
        expect(answer.body).toMatchObject({ result: { protocolVersion: version } });
      },
    );

    it('negotiates the protocol version: a supported one is kept, an unknown one gets the latest', async () => {
      const kept = await rawMcp(stand.mcpUrl, { token: wideToken, body: initialize('2025-06-18') });
      const latest = await rawMcp(stand.mcpUrl, { token: wideToken, body: initialize('2030-01-01') });

      expect(kept.status).toBe(200);
      expect(kept.body).toMatchObject({
        id: 1,
        result: {
          protocolVersion: '2025-06-18',
          serverInfo: { name: 'connector-gateway' },
          capabilities: { tools: {} },
        },
      });
      expect(latest.body).toMatchObject({ result: { protocolVersion: '2025-11-25' } });
    });

    it('answers a notification with 202 and no body', async () => {
      const answer = await rawMcp(stand.mcpUrl, {
        token: wideToken,
        body: { jsonrpc: '2.0', method: 'notifications/initialized' },
      });

      expect(answer.status).toBe(202);
      expect(answer.body).toBeUndefined();
    });

    it('answers ping', async () => {
      const answer = await rawMcp(stand.mcpUrl, {
        token: wideToken,
        body: { jsonrpc: '2.0', id: 7, method: 'ping' },
      });

      expect(answer).toMatchObject({ status: 200, body: { jsonrpc: '2.0', id: 7, result: {} } });
    });

    it('lists tools with the Apps SDK securitySchemes on the descriptor and in _meta', async () => {
      const answer = await rawMcp(stand.mcpUrl, {
        token: narrowToken,
        body: { jsonrpc: '2.0', id: 2, method: 'tools/list' },
      });

      const tools = (answer.body as { result: { tools: Array<Record<string, unknown>> } }).result.tools;
      expect(tools.find((tool) => tool.name === 'echo')).toMatchObject({
        securitySchemes: [{ type: 'oauth2', scopes: ['tools:read'] }],
        _meta: { securitySchemes: [{ type: 'oauth2', scopes: ['tools:read'] }] },
      });
    });

    it('answers an unknown tool with HTTP 200 and JSON-RPC error -32602', async () => {
      const answer = await rawMcp(stand.mcpUrl, { token: narrowToken, body: toolCall('no_such_tool', {}) });

      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({
        jsonrpc: '2.0',
        id: 1,
        error: { code: -32602, message: 'Unknown tool "no_such_tool"' },
      });
    });

    const BOTH = 'application/json, text/event-stream';
    it.each([
      [
        'a client that does not accept SSE too (the transport requires both)',
        'application/json',
        'application/json',
        '{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
        406,
      ],
      ['a JSON body that is no JSON-RPC message', 'application/json', BOTH, '{}', 400],
      ['a text/plain body', 'text/plain', BOTH, 'hello', 415],
      ['a body no parser reads', 'application/octet-stream', BOTH, 'hello', 415],
      ['an empty JSON body', 'application/json', BOTH, undefined, 400],
    ])('refuses %s', async (_what, contentType, accept, body, status) => {
      const response = await fetch(stand.mcpUrl, {
        method: 'POST',
        headers: { authorization: `Bearer ${wideToken}`, 'content-type': contentType, accept },
        body,
      });

      expect(response.status).toBe(status);
    });
  });

  describe('tools/list', () => {
    let perCaller: TestGateway;

    beforeAll(async () => {
      // Same audience as the stand, so its tokens are valid here.
      perCaller = await startVariant(stand, { MCP_LIST_ALL_TOOLS: 'false' });
    });

    afterAll(async () => {
      await perCaller?.stop();
    });

    it('lists only the tools the caller may call with MCP_LIST_ALL_TOOLS=false', async () => {
      const answer = await rawMcp(`${perCaller.url}/mcp`, {
        token: narrowToken,
        body: { jsonrpc: '2.0', id: 3, method: 'tools/list' },
      });

      const tools = (answer.body as { result: { tools: Array<{ name: string }> } }).result.tools;
      expect(tools.map((tool) => tool.name)).toEqual([
        'echo',
        'maintenance_report',
        'offline_report',
        'totals_report',
      ]);
    });

    it('lists every tool by default, marking the scopes the caller still lacks', async () => {
      const answer = await rawMcp(stand.mcpUrl, {
        token: narrowToken,
        body: { jsonrpc: '2.0', id: 3, method: 'tools/list' },
      });

      const tools = (
        answer.body as { result: { tools: Array<{ name: string; _meta: Record<string, unknown> }> } }
      ).result.tools;
      expect(tools.map((tool) => tool.name)).toEqual(stand.tools);
      expect(tools.find((tool) => tool.name === 'create_note')?._meta).toEqual({
        securitySchemes: [{ type: 'oauth2', scopes: ['notes:write'] }],
        'connector-gateway/missingScopes': ['notes:write'],
      });
      expect(tools.find((tool) => tool.name === 'echo')?._meta['connector-gateway/missingScopes']).toEqual(
        [],
      );
    });
  });

  describe('a token issued for another API', () => {
    let otherApi: TestGateway;

    beforeAll(async () => {
      otherApi = await startVariant(stand, { OAUTH_AUDIENCE: 'https://calendar.example.com/mcp' });
    });

    afterAll(async () => {
      await otherApi?.stop();
    });

    it('is refused with 401 invalid_token AUDIENCE_MISMATCH', async () => {
      const answer = await rawMcp(`${otherApi.url}/mcp`, {
        token: wideToken,
        body: initialize('2025-11-25'),
      });

      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toMatch(
        new RegExp(
          `^Bearer error="invalid_token", error_description="[^"]+", resource_metadata="${otherApi.url}/\\.well-known/oauth-protected-resource"$`,
        ),
      );
      expect(answer.body).toMatchObject({ error: 'invalid_token', code: 'AUDIENCE_MISMATCH' });
    });
  });
});
