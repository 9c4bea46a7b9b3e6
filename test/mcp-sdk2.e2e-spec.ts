import { CallToolResult, UnauthorizedError } from '@modelcontextprotocol/client';

import { runDemoClient } from '../src/local/demo-client';
import { withReauthorization } from '../src/local/mcp-oauth-provider';
import { McpStand, signIn, SignedInClient, startMcpStand } from './support/mcp-stand';

describe('MCP endpoint on protocol 2026-07-28, driven by the MCP SDK 2.x client through a real OAuth flow', () => {
  let stand: McpStand;
  let alice: SignedInClient;
  let resourceMetadata: string;

  beforeAll(async () => {
    // The default challenge (SCOPE_CHALLENGE=operation): SDK 2.x accumulates scopes itself (SEP-2350).
    stand = await startMcpStand();
    alice = await signIn(stand);
    resourceMetadata = `${stand.gateway.url}/.well-known/oauth-protected-resource`;
  });

  afterAll(async () => {
    await alice?.client.close();
    await stand?.stop();
  });

  const call = async (
    client: SignedInClient,
    name: string,
    args: Record<string, unknown>,
  ): Promise<CallToolResult> => (await client.client.callTool({ name, arguments: args })) as CallToolResult;

  it('goes 401 → protected-resource metadata → issuer metadata → registration → PKCE → token → server/discover', async () => {
    const discovery = (await (
      await fetch(`${stand.issuer.issuer}/.well-known/oauth-authorization-server`)
    ).json()) as { registration_endpoint: string; token_endpoint: string };

    const fresh = await signIn(stand, { loginHint: 'carol' });

    expect(fresh.exchanges.map(({ method, url, status }) => `${method} ${url.href} ${status}`)).toEqual([
      `POST ${stand.mcpUrl.href} 401`,
      `GET ${resourceMetadata} 200`,
      `GET ${stand.issuer.issuer}/.well-known/oauth-authorization-server 200`,
      `POST ${discovery.registration_endpoint} 201`,
      `POST ${discovery.token_endpoint} 200`,
      `POST ${stand.mcpUrl.href} 200`,
    ]);
    const probe = fresh.exchanges.at(-1)!;
    expect(JSON.parse(await probe.body)).toMatchObject({
      result: {
        supportedVersions: ['2026-07-28'],
        capabilities: { tools: {} },
        _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'connector-gateway' } },
      },
    });
    expect(fresh.client.getProtocolEra()).toBe('modern');
    expect(fresh.client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
    expect(fresh.provider.authorizations).toEqual([
      {
        requestedScopes: stand.scopes,
        grantedScopes: stand.scopes,
        loginHint: 'carol',
      },
    ]);
    await fresh.client.close();
  });

  it('lists the tools with their metadata and calls one, forwarded with the signed identity of the user', async () => {
    alice.exchanges.length = 0;

    const { tools } = await alice.client.listTools();
    const result = await call(alice, 'echo', { message: 'hello' });

    expect(tools.map((tool) => tool.name)).toEqual(stand.tools);
    expect(tools.find((tool) => tool.name === 'search_notes')).toMatchObject({
      title: 'Search notes',
      annotations: { readOnlyHint: true, openWorldHint: false },
      outputSchema: { type: 'object', required: ['notes'] },
    });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({
      echo: 'hello',
      sub: 'alice',
      scopes: expect.arrayContaining(['tools:read']),
    });
    expect(stand.backend.calls.at(-1)).toMatchObject({
      path: '/echo',
      sub: 'alice',
      args: { message: 'hello' },
    });
    // Every 2026-07-28 request names its version; tools/list answers say how long they stay fresh.
    const [list] = alice.exchanges;
    expect(JSON.parse(await list.body)).toMatchObject({
      result: { resultType: 'complete', ttlMs: expect.any(Number), cacheScope: expect.any(String) },
    });
  });

  it('validates structured output on the modern path too', async () => {
    const result = await call(alice, 'search_notes', { query: 'scopes' });

    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ notes: [expect.objectContaining({ title: 'Scopes' })] });
  });

  describe('step-up authorization (SEP-2350)', () => {
    it('challenges with the scope the call needs; the SDK asks for it together with the ones it had, and keeps them', async () => {
      const bob = await signIn(stand, { loginHint: 'bob', consentTo: ['tools:read'] });
      bob.provider.consentTo = undefined;
      bob.exchanges.length = 0;
      const search = (): Promise<CallToolResult> => call(bob, 'search_notes', { query: 'scopes' });

      await expect(search()).rejects.toBeInstanceOf(UnauthorizedError);

      const [forbidden] = bob.exchanges;
      expect(forbidden.status).toBe(403);
      expect(forbidden.response.headers.get('www-authenticate')).toBe(
        `Bearer error="insufficient_scope", error_description="Tool search_notes requires scope notes:read", scope="notes:read", resource_metadata="${resourceMetadata}"`,
      );
      expect(bob.provider.authorizations.at(-1)?.requestedScopes.sort()).toEqual([
        'notes:read',
        'tools:read',
      ]);
      expect(stand.backend.calls.filter((backendCall) => backendCall.sub === 'bob')).toEqual([]);

      await bob.transport.finishAuth(bob.provider.takeAuthorizationResponse());
      const result = await search();

      expect(result.isError).toBeFalsy();
      expect(bob.provider.grantedScopes().sort()).toEqual(['notes:read', 'tools:read']);
      const authorizations = bob.provider.authorizations.length;
      expect((await call(bob, 'echo', { message: 'still here' })).isError).toBeFalsy();
      expect(bob.provider.authorizations).toHaveLength(authorizations);
      await bob.client.close();
    });

    it('keeps accumulating across two step-ups', async () => {
      const erin = await signIn(stand, { loginHint: 'erin', consentTo: ['tools:read'] });
      erin.provider.consentTo = undefined;

      await withReauthorization(erin, erin.provider, () => call(erin, 'search_notes', { query: 'a' }));
      await withReauthorization(erin, erin.provider, () => call(erin, 'create_note', { title: 'b' }));

      expect(erin.provider.grantedScopes().sort()).toEqual(['notes:read', 'notes:write', 'tools:read']);
      await erin.client.close();
    });
  });

  describe('npm run demo:client', () => {
    it('prints every step, from the 401 to a call that needed a step-up', async () => {
      const lines: string[] = [];

      await runDemoClient(stand.mcpUrl, (line) => lines.push(line));

      const output = lines.join('\n');
      const expected = [
        /POST .*\/mcp → 401, WWW-Authenticate: Bearer scope=/,
        /protected-resource metadata GET .* → 200: resource http:\/\/127\.0\.0\.1:\d+\/mcp/,
        /authorization-server metadata GET .* → 200/,
        /dynamic client registration POST .* → 201: client_id \S+/,
        /PKCE \(S256\) authorization, followed headlessly: .*consented to "tools:read"/,
        /token POST .* → 200: Bearer access token, scope "tools:read"/,
        /server\/discover → connector-gateway .*, protocol 2026-07-28/,
        /tools\/list → .*echo \[tools:read\], maintenance_report/,
        /tools\/call echo → result: .*Hello from the MCP SDK client/,
        /POST .*\/mcp → 403, WWW-Authenticate: Bearer error="insufficient_scope".* scope="notes:read"/,
        /PKCE \(S256\) authorization, followed headlessly: asked for "tools:read notes:read"/,
        /tools\/call search_notes → result: .*notes/,
      ];
      let from = 0;
      for (const pattern of expected) {
        const index = lines.findIndex((line, at) => at >= from && pattern.test(line));
        expect({ pattern: pattern.source, found: index >= 0, output }).toMatchObject({ found: true });
        from = index + 1;
      }
      expect(output).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
    });
  });
});
