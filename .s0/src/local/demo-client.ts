import type { CallToolResult } from '@modelcontextprotocol/client';

import { readEnvironment } from '../config/env-file';
import { localMcpUrl } from '../config/local.config';
import { explainClientError, gatewayScopes } from './local-gateway';
import {
  connectWithOAuth,
  HeadlessOAuthClientProvider,
  HttpExchange,
  McpConnection,
  tracingFetch,
  withReauthorization,
} from './mcp-oauth-provider';

/** The demo first consents to this scope only, so that calling search_notes later shows the step-up. */
const FIRST_CONSENT = ['tools:read'];

/**
 * `npm run demo:client [MCP URL]`: what ChatGPT does with a connector, with the MCP SDK client, against
 * the gateway in local mode (by default at PUBLIC_URL/mcp, from PORT and PUBLIC_URL as the gateway reads
 * them). Each HTTP exchange and MCP step is printed; tokens never are.
 */
export async function runDemoClient(mcpUrl: URL, print: (line: string) => void): Promise<void> {
  let step = 0;
  const say = (text: string): void => print(`${String(++step).padStart(2)}. ${text}`);
  const endpoints: { registration?: string; token?: string } = {};
  const onExchange = async ({ method, url, status, response }: HttpExchange): Promise<void> => {
    const where = `${method} ${url.origin}${url.pathname}`;
    if (url.href === mcpUrl.href && (status === 401 || status === 403)) {
      say(`${where} → ${status}, WWW-Authenticate: ${response.headers.get('www-authenticate')}`);
    } else if (url.pathname.startsWith('/.well-known/oauth-protected-resource')) {
      const prm = (await response.clone().json()) as { resource: string; authorization_servers: string[] };
      say(
        `protected-resource metadata ${where} → ${status}: resource ${prm.resource}, authorization server ${prm.authorization_servers.join(', ')}`,
      );
    } else if (
      /\/\.well-known\/(oauth-authorization-server|openid-configuration)/.test(url.pathname) &&
      status === 200
    ) {
      const metadata = (await response.clone().json()) as {
        registration_endpoint?: string;
        token_endpoint?: string;
      };
      Object.assign(endpoints, {
        registration: metadata.registration_endpoint,
        token: metadata.token_endpoint,
      });
      say(
        `authorization-server metadata ${where} → ${status}: registration ${metadata.registration_endpoint}, token ${metadata.token_endpoint}`,
      );
    } else if (url.href === endpoints.registration) {
      const client = (await response.clone().json()) as { client_id?: string };
      say(`dynamic client registration ${where} → ${status}: client_id ${client.client_id}`);
    } else if (url.href === endpoints.token) {
      const token = (await response.clone().json()) as {
        access_token?: string;
        token_type?: string;
        scope?: string;
        expires_in?: number;
      };
      const format = token.access_token?.split('.').length === 3 ? 'JWT' : 'opaque';
      say(
        `token ${where} → ${status}: ${token.token_type} access token, scope "${token.scope}", expires in ${token.expires_in} s, ${format}`,
      );
    } else if (url.href === mcpUrl.href && method === 'GET' && status === 405) {
      say(`${where} → 405: the gateway is stateless and opens no server-to-client stream (expected)`);
    }
  };
  const provider = new HeadlessOAuthClientProvider({
    clientName: 'connector-gateway demo client',
    consentTo: FIRST_CONSENT,
    onAuthorization: ({ requestedScopes, grantedScopes }) =>
      say(
        `PKCE (S256) authorization, followed headlessly: asked for "${requestedScopes.join(' ')}", consented to "${grantedScopes.join(' ')}"`,
      ),
  });

  print(`MCP endpoint: ${mcpUrl.href}`);
  await gatewayScopes(mcpUrl);
  const connection = await connectWithOAuth(mcpUrl, provider, tracingFetch(onExchange));
  const server = connection.client.getServerVersion();
  say(
    `server/discover → ${server?.name} ${server?.version}, protocol ${connection.client.getNegotiatedProtocolVersion() ?? '?'}`,
  );

  const { tools } = await connection.client.listTools();
  say(
    `tools/list → ${tools.map((tool) => `${tool.name} [${scopesOf(tool._meta)}]`).join(', ') || 'no tools'}`,
  );

  await callAndPrint(connection, provider, 'echo', { message: 'Hello from the MCP SDK client' }, say);
  // The first consent lacks notes:read: the gateway answers 403, the SDK re-authorizes with the scopes it names.
  provider.consentTo = undefined;
  await callAndPrint(connection, provider, 'search_notes', { query: 'scopes' }, say);
  await connection.client.close();
}

async function callAndPrint(
  connection: McpConnection,
  provider: HeadlessOAuthClientProvider,
  name: string,
  args: Record<string, unknown>,
  say: (text: string) => void,
): Promise<void> {
  say(`tools/call ${name} ${JSON.stringify(args)}`);
  const result = (await withReauthorization(connection, provider, () =>
    connection.client.callTool({ name, arguments: args }),
  )) as CallToolResult;
  const text = result.content.map((part) => (part.type === 'text' ? part.text : `[${part.type}]`)).join(' ');
  say(`tools/call ${name} → ${result.isError ? 'tool error' : 'result'}: ${text}`);
}

function scopesOf(meta: Record<string, unknown> | undefined): string {
  const schemes = (meta?.securitySchemes ?? []) as Array<{ scopes?: string[] }>;
  return schemes.flatMap((scheme) => scheme.scopes ?? []).join(' ');
}

if (require.main === module) {
  const run = async (): Promise<void> => {
    const url = new URL(process.argv[2] ?? localMcpUrl(readEnvironment()));
    await runDemoClient(url, (line) => process.stdout.write(`${line}\n`));
  };
  run().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`demo client failed: ${explainClientError(error)}\n`);
      process.stderr.write('Is the gateway running in local mode (npm start without OAUTH_ISSUER)?\n');
      process.exit(1);
    },
  );
}
