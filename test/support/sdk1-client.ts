import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

import {
  CLIENT_INFO,
  HeadlessOAuthClientOptions,
  HeadlessOAuthClientProvider,
  HttpExchange,
  tracingFetch,
} from '../../src/local/mcp-oauth-provider';

/** The MCP TypeScript SDK 1.x client (`@modelcontextprotocol/sdk`), as clients built before 2026-07-28 ship it. */
export interface Sdk1Client {
  client: Client;
  transport: StreamableHTTPClientTransport;
  provider: HeadlessOAuthClientProvider;
  /** Every HTTP exchange of the SDK client (MCP, discovery, registration, token), in order. */
  exchanges: HttpExchange[];
}

/**
 * SDK 1.x through the whole OAuth flow from nothing: `initialize` gets the 401, the SDK discovers,
 * registers and sends the user to authorize; the app finishes with the code and connects again.
 */
export async function signInSdk1(mcpUrl: URL, options: HeadlessOAuthClientOptions = {}): Promise<Sdk1Client> {
  const provider = new HeadlessOAuthClientProvider({ loginHint: 'alice', ...options });
  const exchanges: HttpExchange[] = [];
  const fetch = tracingFetch((exchange) => void exchanges.push(exchange));
  const connect = async (): Promise<Sdk1Client> => {
    const transport = new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider, fetch });
    const client = new Client(CLIENT_INFO);
    try {
      await client.connect(transport);
    } catch (error) {
      if (!(error instanceof UnauthorizedError)) throw error;
      await transport.finishAuth(provider.takeAuthorizationResponse().get('code')!);
      return connect();
    }
    return { client, transport, provider, exchanges };
  };
  return connect();
}

/** One call; after a 403 step-up (SDK 1.x throws UnauthorizedError) finishes the authorization and retries once. */
export async function withReauthorizationSdk1<T>(sdk1: Sdk1Client, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof UnauthorizedError)) throw error;
  }
  await sdk1.transport.finishAuth(sdk1.provider.takeAuthorizationResponse().get('code')!);
  return call();
}
