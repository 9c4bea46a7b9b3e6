import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { CallToolResult, ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';

import { NOTES_OUTPUT } from './support/mcp-backend';
import { McpStand, startMcpStand } from './support/mcp-stand';
import { Sdk1Client, signInSdk1, withReauthorizationSdk1 } from './support/sdk1-client';

describe('MCP endpoint, driven by the MCP SDK 1.x client through a real OAuth flow', () => {
  let stand: McpStand;
  let alice: Sdk1Client;
  let resourceMetadata: string;

  beforeAll(async () => {
    // SDK 1.x re-authorizes with exactly the challenged scopes: the legacy challenge keeps its others.
    stand = await startMcpStand({ SCOPE_CHALLENGE: 'held-and-required' });
    alice = await signInSdk1(stand.mcpUrl);
    resourceMetadata = `${stand.gateway.url}/.well-known/oauth-protected-resource`;
  });

  afterAll(async () => {
    await alice?.client.close();
    await stand?.stop();
  });

  /** The request id of `client`'s last POST (the SDK may also open a GET stream at any time). */
  const lastRequestId = (client: Sdk1Client): string | null =>
    client.exchanges
      .filter((exchange) => exchange.method === 'POST')
      .at(-1)!
      .response.headers.get('x-request-id');

  async function call(
    client: Sdk1Client,
    name: string,
    args: Record<string, unknown>,
  ): Promise<CallToolResult> {
    return (await client.client.callTool({ name, arguments: args })) as CallToolResult;
  }

  describe('from nothing', () => {
    it('goes 401 → protected-resource metadata → issuer metadata → registration → PKCE → token → initialize', async () => {
      const discovery = (await (
        await fetch(`${stand.issuer.issuer}/.well-known/oauth-authorization-server`)
      ).json()) as {
        registration_endpoint: string;
        token_endpoint: string;
      };
      const fresh = await signInSdk1(stand.mcpUrl, { loginHint: 'carol' });

      const steps = fresh.exchanges.map(({ method, url, status }) => `${method} ${url.href} ${status}`);
      expect(steps.slice(0, 7)).toEqual([
        `POST ${stand.mcpUrl.href} 401`,
        `GET ${resourceMetadata} 200`,
        `GET ${stand.issuer.issuer}/.well-known/oauth-authorization-server 200`,
        `POST ${discovery.registration_endpoint} 201`,
        `POST ${discovery.token_endpoint} 200`,
        `POST ${stand.mcpUrl.href} 200`,
        `POST ${stand.mcpUrl.href} 202`,
      ]);
      // The SDK asks for the scopes the 401 challenge announced, and gets them all.
      expect(fresh.provider.authorizations).toEqual([
        {
          requestedScopes: stand.scopes,
          grantedScopes: expect.any(Array),
          loginHint: 'carol',
        },
      ]);
      expect(fresh.provider.grantedScopes().sort()).toEqual(stand.scopes);
      expect(fresh.client.getServerVersion()).toEqual({
        name: 'connector-gateway',
        version: expect.any(String),
      });
      expect(fresh.transport.protocolVersion).toBe('2025-11-25');
      await fresh.client.close();
    });

    it('lists the tools and calls one, forwarded to the backend with the signed identity of the user', async () => {
      const { tools } = await alice.client.listTools();
      expect(tools.map((tool) => tool.name)).toEqual(stand.tools);

      const result = await call(alice, 'echo', { message: 'hello' });

      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toEqual({
        echo: 'hello',
        sub: 'alice',
        scopes: expect.arrayContaining(['tools:read']),
      });
      expect(JSON.parse((result.content[0] as { text: string }).text)).toEqual(result.structuredContent);
      expect(stand.backend.calls.at(-1)).toMatchObject({
        path: '/echo',
        sub: 'alice',
        args: { message: 'hello' },
      });
      expect(stand.backend.refused).toBe(0);
    });

    it('serves an in-process tool (current_time) from the same catalog', async () => {
      const result = await call(alice, 'current_time', { timeZone: 'Europe/Paris' });

      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toMatchObject({ timeZone: 'Europe/Paris', requestedBy: 'alice' });
    });
  });

  describe('tools/list', () => {
    it('lists every tool to a narrow token too, with its Apps SDK securitySchemes and the scopes it lacks', async () => {
      const narrow = await signInSdk1(stand.mcpUrl, { consentTo: ['tools:read'] });
      expect(narrow.provider.grantedScopes()).toEqual(['tools:read']);

      const { tools: narrowTools } = await narrow.client.listTools();
      const { tools: wideTools } = await alice.client.listTools();

      expect(narrowTools.map((tool) => tool.name)).toEqual(stand.tools);
      expect(wideTools.map((tool) => tool.name)).toEqual(stand.tools);
      expect(narrowTools.find((tool) => tool.name === 'echo')).toMatchObject({
        description: expect.any(String),
        inputSchema: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] },
        _meta: { securitySchemes: [{ type: 'oauth2', scopes: ['tools:read'] }] },
      });
      expect(narrowTools.find((tool) => tool.name === 'current_time')?._meta).toEqual({
        securitySchemes: [{ type: 'oauth2', scopes: ['time:read'] }],
        'connector-gateway/missingScopes': ['time:read'],
      });
      expect(wideTools.find((tool) => tool.name === 'current_time')?._meta).toEqual({
        securitySchemes: [{ type: 'oauth2', scopes: ['time:read'] }],
        'connector-gateway/missingScopes': [],
      });
      await narrow.client.close();
    });

    it("carries each tool's title, annotations, output schema and _meta from the catalog", async () => {
      const { tools } = await alice.client.listTools();

      expect(tools.find((tool) => tool.name === 'search_notes')).toEqual({
        name: 'search_notes',
        title: 'Search notes',
        description: 'Searches the notes by keyword.',
        inputSchema: expect.objectContaining({ required: ['query'] }),
        outputSchema: NOTES_OUTPUT,
        annotations: { readOnlyHint: true, openWorldHint: false },
        _meta: {
          'openai/toolInvocation/invoking': 'Searching the notes…',
          securitySchemes: [{ type: 'oauth2', scopes: ['notes:read'] }],
          'connector-gateway/missingScopes': [],
        },
      });
    });
  });

  describe('structured output', () => {
    it('returns structuredContent that matches the output schema', async () => {
      const result = await call(alice, 'search_notes', { query: 'scopes' });

      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toEqual({
        notes: [expect.objectContaining({ id: 1, title: 'Scopes' })],
      });
    });

    it('turns a backend answer that breaks the output schema into a tool error listing the violations', async () => {
      const result = await call(alice, 'totals_report', {});

      // structuredContent of any result must match the outputSchema: the details travel in _meta instead.
      expect(result.isError).toBe(true);
      expect(result.structuredContent).toBeUndefined();
      expect(result._meta?.['connector-gateway/error']).toEqual({
        error: 'invalid_output',
        code: 'INVALID_OUTPUT',
        message:
          'The answer of "totals_report" does not match its output schema: / must have required property \'total\'',
        tool: 'totals_report',
        violations: [{ path: '/', message: "must have required property 'total'" }],
        requestId: lastRequestId(alice),
      });
      expect((result.content[0] as { text: string }).text).toMatch(
        /^The answer of "totals_report" does not match its output schema: \/ must have required property 'total' \(request id: [\w-]+\)$/,
      );
    });
  });

  describe('step-up authorization', () => {
    it('answers a call lacking a scope with HTTP 403; the SDK re-authorizes with the announced scopes and the retried call succeeds', async () => {
      const bob = await signInSdk1(stand.mcpUrl, { loginHint: 'bob', consentTo: ['tools:read'] });
      bob.provider.consentTo = undefined;
      bob.exchanges.length = 0;
      const search = (): Promise<CallToolResult> => call(bob, 'search_notes', { query: 'scopes' });

      // SDK 1.32: on 403 insufficient_scope it starts an authorization for the challenge's scope and
      // throws UnauthorizedError, as for any interactive authorization; the app finishes it and retries.
      await expect(search()).rejects.toBeInstanceOf(UnauthorizedError);

      // Only POSTs: the SDK's optional GET for a server-to-client stream (405 here) may land at any time.
      const [forbidden, token] = bob.exchanges.filter((exchange) => exchange.method === 'POST');
      expect(forbidden.status).toBe(403);
      expect(forbidden.response.headers.get('www-authenticate')).toBe(
        `Bearer error="insufficient_scope", error_description="Tool search_notes requires scope notes:read", scope="tools:read notes:read", resource_metadata="${resourceMetadata}"`,
      );
      expect(token).toBeUndefined();
      expect(bob.provider.authorizations.at(-1)).toMatchObject({
        requestedScopes: ['tools:read', 'notes:read'],
      });
      expect(stand.backend.calls.filter((backendCall) => backendCall.sub === 'bob')).toEqual([]);

      await bob.transport.finishAuth(bob.provider.takeAuthorizationResponse().get('code')!);
      const result = await search();

      expect(bob.provider.grantedScopes().sort()).toEqual(['notes:read', 'tools:read']);
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toEqual({ notes: [expect.objectContaining({ title: 'Scopes' })] });
      expect(stand.backend.calls.at(-1)).toMatchObject({ path: '/search_notes', sub: 'bob' });

      // The earlier scope survived the step-up: echo (tools:read) needs no new authorization.
      const authorizations = bob.provider.authorizations.length;
      expect((await call(bob, 'echo', { message: 'still here' })).isError).toBeFalsy();
      expect(bob.provider.authorizations).toHaveLength(authorizations);
      await bob.client.close();
    });
  });

  describe('tools/call errors', () => {
    it('returns invalid arguments as a tool error listing the violations (SEP-1303), without calling the backend', async () => {
      const before = stand.backend.calls.length;

      const result = await call(alice, 'echo', { message: 42, extra: true });

      expect(result.isError).toBe(true);
      expect(result.structuredContent).toEqual({
        error: 'invalid_arguments',
        code: 'INVALID_ARGUMENTS',
        message:
          'Arguments do not match the input schema of "echo": / must NOT have additional properties; /message must be string',
        tool: 'echo',
        violations: [
          { path: '/', message: 'must NOT have additional properties' },
          { path: '/message', message: 'must be string' },
        ],
        requestId: lastRequestId(alice),
      });
      expect((result.content[0] as { text: string }).text).toMatch(
        /input schema of "echo".*\/message must be string/,
      );
      expect(stand.backend.calls).toHaveLength(before);
    });

    it('answers an unknown tool with JSON-RPC invalid params (-32602)', async () => {
      const failure = await call(alice, 'no_such_tool', {}).catch((error: unknown) => error);

      expect(failure).toBeInstanceOf(McpError);
      expect(failure).toMatchObject({
        code: ErrorCode.InvalidParams,
        message: expect.stringContaining('Unknown tool "no_such_tool"'),
      });
    });

    it('reports an unreachable backend as a tool error carrying the request id', async () => {
      alice.exchanges.length = 0;

      const result = await call(alice, 'offline_report', {});

      const requestId = lastRequestId(alice);
      expect(result.isError).toBe(true);
      expect(result.structuredContent).toEqual({
        error: 'upstream_unreachable',
        code: 'UPSTREAM_UNREACHABLE',
        message: 'The backend of "offline_report" is unreachable (ECONNREFUSED)',
        tool: 'offline_report',
        requestId,
      });
      expect((result.content[0] as { text: string }).text).toBe(
        `The backend of "offline_report" is unreachable (ECONNREFUSED) (request id: ${requestId})`,
      );
    });

    it("reports a backend's 5xx as a tool error with the status and an excerpt of its body", async () => {
      const result = await call(alice, 'maintenance_report', {});

      expect(result.isError).toBe(true);
      expect(result.structuredContent).toEqual({
        error: 'upstream_error',
        message:
          'The backend of "maintenance_report" answered HTTP 503: {"error":"maintenance","message":"The report service is down for maintenance"}',
        status: 503,
        tool: 'maintenance_report',
        requestId: lastRequestId(alice),
      });
      expect((result.content[0] as { text: string }).text).toMatch(
        /^The backend of "maintenance_report" answered HTTP 503: .*down for maintenance.* \(request id: [\w-]+\)$/,
      );
    });

    it("reports an in-process tool's refusal as a tool error with its message", async () => {
      const result = await call(alice, 'current_time', { timeZone: 'Mars/Olympus_Mons' });

      expect(result.isError).toBe(true);
      expect(result.structuredContent).toEqual({
        error: 'invalid_request',
        message: 'Tool "current_time" failed with HTTP 400: Unknown time zone "Mars/Olympus_Mons"',
        status: 400,
        tool: 'current_time',
        requestId: lastRequestId(alice),
      });
      expect((result.content[0] as { text: string }).text).toMatch(
        /HTTP 400: Unknown time zone "Mars\/Olympus_Mons"/,
      );
    });
  });
});

describe('MCP SDK 1.x against the default per-operation challenge (SCOPE_CHALLENGE=operation)', () => {
  let stand: McpStand;

  beforeAll(async () => (stand = await startMcpStand()));
  afterAll(async () => await stand?.stop());

  it('trades its scopes for the challenged one on a step-up: why SCOPE_CHALLENGE=held-and-required exists', async () => {
    const dave = await signInSdk1(stand.mcpUrl, { loginHint: 'dave', consentTo: ['tools:read'] });
    dave.provider.consentTo = undefined;

    const result = await withReauthorizationSdk1(dave, () =>
      dave.client.callTool({ name: 'search_notes', arguments: { query: 'scopes' } }),
    );

    expect(result.isError).toBeFalsy();
    expect(dave.provider.authorizations.at(-1)).toMatchObject({ requestedScopes: ['notes:read'] });
    expect(dave.provider.grantedScopes()).toEqual(['notes:read']);
    await dave.client.close();
  });
});
