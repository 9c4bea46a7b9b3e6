import { randomBytes } from 'node:crypto';

import { ScopeRegistry } from '../../src/auth/scope.registry';
import { DevIssuerHandle } from '../../src/local/dev-issuer.launcher';
import { DevIssuerModule } from '../../src/local/dev-issuer.module';
import {
  connectWithOAuth,
  HeadlessOAuthClientOptions,
  HeadlessOAuthClientProvider,
  HttpExchange,
  McpConnection,
  tracingFetch,
} from '../../src/local/mcp-oauth-provider';
import { CLOSED_PORT_URL } from '../../src/testing/faulty-http';
import { withInProcessScopes, withInProcessToolNames } from '../../src/testing/tool.fixtures';
import { ToolCatalog } from '../../src/tools/tool-catalog';
import { freePort, startGateway, TestGateway } from './gateway-harness';
import { McpTestBackend, startMcpTestBackend, writeMcpToolsFile } from './mcp-backend';

/**
 * The opaque stand's catalog: mcp-backend.ts's tools file, the example tool and the registered in-process
 * tools. Known before start-up because its issuer starts before its gateway (the MCP stand's derives it).
 */
export const STAND_SCOPES = withInProcessScopes(['tools:read', 'notes:read', 'notes:write', 'time:read']);
export const STAND_TOOLS = withInProcessToolNames([
  'create_note',
  'current_time',
  'echo',
  'maintenance_report',
  'offline_report',
  'search_notes',
  'totals_report',
]);

/** The catalog a running gateway serves: tool names and scopes, sorted. */
export function catalogOf(gateway: TestGateway): { tools: string[]; scopes: string[] } {
  return {
    tools: gateway.app
      .get(ToolCatalog)
      .list()
      .map((tool) => tool.name)
      .sort(),
    scopes: gateway.app.get(ScopeRegistry).all(),
  };
}

/** A real dev issuer (oidc-provider), a signed-call backend and a gateway whose MCP URL is the issuer's audience. */
export interface McpStand {
  issuer: DevIssuerHandle;
  backend: McpTestBackend;
  gateway: TestGateway;
  mcpUrl: URL;
  /** The catalog's tool names and scopes, sorted: the tools file of mcp-backend.ts plus the in-process tools. */
  tools: string[];
  scopes: string[];
  /** The gateway's configuration, for starting variants of it. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startMcpStand(
  overrides: Record<string, string> = {},
  options: { publicTools?: boolean } = {},
): Promise<McpStand> {
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const mcpUrl = new URL(`${publicUrl}/mcp`);
  const secret = randomBytes(32).toString('hex');
  const issuerPort = await freePort();
  const backend = await startMcpTestBackend(secret);
  const env = {
    PORT: String(port),
    PUBLIC_URL: publicUrl,
    OAUTH_ISSUER: `http://127.0.0.1:${issuerPort}`,
    OAUTH_AUDIENCE: mcpUrl.href,
    FUNCTIONS_BASE: backend.url,
    TOOLS_FILE: writeMcpToolsFile(backend.url, `${CLOSED_PORT_URL}/report`, options),
    GATEWAY_HMAC_SECRET: secret,
    EXAMPLE_TOOLS_ENABLED: 'true',
    ...overrides,
  };
  // The issuer grants the catalog's scopes, as in local mode: a tool added with a new scope needs no edit here.
  const gateway = await startGateway(env, undefined, {
    modules: [DevIssuerModule.forCatalog({ port: issuerPort, audience: mcpUrl.href })],
  });
  return {
    issuer: gateway.app.get(DevIssuerModule, { strict: false }).issuer,
    backend,
    gateway,
    mcpUrl,
    ...catalogOf(gateway),
    env,
    stop: async () => {
      await gateway.stop();
      await backend.stop();
    },
  };
}

/**
 * Another gateway next to the stand's, on its own port, with `overrides` applied to the stand's
 * configuration. Its protected-resource metadata names its own MCP URL; the audience stays the stand's.
 */
export async function startVariant(stand: McpStand, overrides: Record<string, string>): Promise<TestGateway> {
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  return startGateway({
    ...stand.env,
    PORT: String(port),
    PUBLIC_URL: publicUrl,
    OAUTH_RESOURCE: `${publicUrl}/mcp`,
    ...overrides,
  });
}

/** An HTTP exchange with its response body, read before the SDK consumes it. */
export interface RecordedExchange extends HttpExchange {
  body: Promise<string>;
}

export interface SignedInClient extends McpConnection {
  provider: HeadlessOAuthClientProvider;
  /** Every HTTP exchange of the SDK client (MCP, discovery, registration, token), in order. */
  exchanges: RecordedExchange[];
  accessToken(): string;
}

/** The MCP SDK client, connected through the whole OAuth flow from nothing. */
export async function signIn(
  stand: McpStand,
  options: HeadlessOAuthClientOptions = {},
): Promise<SignedInClient> {
  const provider = new HeadlessOAuthClientProvider({ loginHint: 'alice', ...options });
  const exchanges: RecordedExchange[] = [];
  const connection = await connectWithOAuth(
    stand.mcpUrl,
    provider,
    tracingFetch((exchange) => void exchanges.push({ ...exchange, body: exchange.response.clone().text() })),
  );
  return { ...connection, provider, exchanges, accessToken: () => provider.tokens()!.access_token };
}

export interface RawAnswer {
  status: number;
  headers: Headers;
  body: unknown;
}

/** One Streamable HTTP request without the SDK, to see exactly what goes over the wire. */
export async function rawMcp(
  url: URL | string,
  init: { method?: string; token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<RawAnswer> {
  const headers: Record<string, string> = { accept: 'application/json, text/event-stream', ...init.headers };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(url, {
    method: init.method ?? 'POST',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text ? (JSON.parse(text) as unknown) : undefined,
  };
}

export function toolCall(
  name: string,
  args: Record<string, unknown>,
  id: number = 1,
): Record<string, unknown> {
  return { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } };
}

export const MODERN_VERSION = '2026-07-28';

/**
 * A 2026-07-28 request as the specification writes it: the version, client info and capabilities in
 * `_meta`, mirrored in the `MCP-Protocol-Version`, `Mcp-Method` and (for tools/call) `Mcp-Name` headers.
 */
export function modernRequest(
  method: string,
  params: Record<string, unknown> = {},
  version = MODERN_VERSION,
): { body: Record<string, unknown>; headers: Record<string, string> } {
  const meta = {
    'io.modelcontextprotocol/protocolVersion': version,
    'io.modelcontextprotocol/clientInfo': { name: 'raw-http', version: '1' },
    'io.modelcontextprotocol/clientCapabilities': {},
  };
  const headers: Record<string, string> = { 'mcp-protocol-version': version, 'mcp-method': method };
  if (typeof params.name === 'string') headers['mcp-name'] = params.name;
  return { body: { jsonrpc: '2.0', id: 1, method, params: { ...params, _meta: meta } }, headers };
}
