import { parseArgs } from 'node:util';

import { auth } from '@modelcontextprotocol/client';

import { readEnvironment } from '../config/env-file';
import { localMcpUrl } from '../config/local.config';
import { explainClientError, gatewayScopes } from './local-gateway';
import { HeadlessOAuthClientProvider } from './mcp-oauth-provider';

export interface TokenRequest {
  mcpUrl: URL;
  /** Space-separated; the gateway's scopes_supported (every scope of its catalog) when unset. */
  scope?: string;
  /** Whom the development issuer signs in; its demo user otherwise. */
  user?: string;
}

export interface IssuedToken {
  accessToken: string;
  grantedScopes: string[];
  /** Requested but not granted: the issuer does not know them (not in the gateway's catalog). */
  missingScopes: string[];
}

/**
 * What an MCP client does, without the MCP session: the gateway's protected-resource metadata, the
 * issuer's metadata, dynamic registration, PKCE authorization (followed headlessly, which only the
 * development issuer allows) and the token request for the gateway's resource.
 */
export async function issueLocalToken(request: TokenRequest): Promise<IssuedToken> {
  const provider = new HeadlessOAuthClientProvider({
    clientName: 'connector-gateway token command',
    loginHint: request.user,
  });
  const supported = await gatewayScopes(request.mcpUrl);
  const unknown = (request.scope ?? '').split(' ').filter((scope) => scope && !supported.includes(scope));
  if (unknown.length > 0) {
    throw new Error(
      `No tool of the gateway needs ${unknown.join(' ')}, so its issuer does not grant it. The gateway's scopes: ${supported.join(' ')}`,
    );
  }
  const options = { serverUrl: request.mcpUrl, scope: request.scope };
  if ((await auth(provider, options)) === 'REDIRECT') {
    const callback = provider.takeAuthorizationResponse();
    await auth(provider, {
      ...options,
      authorizationCode: callback.get('code')!,
      iss: callback.get('iss') ?? undefined,
    });
  }
  const tokens = provider.tokens();
  if (!tokens) throw new Error('The authorization server issued no token');
  const requestedScopes = provider.authorizations[0]?.requestedScopes ?? [];
  const grantedScopes = provider.grantedScopes();
  return {
    accessToken: tokens.access_token,
    grantedScopes,
    missingScopes: requestedScopes.filter((scope) => !grantedScopes.includes(scope)),
  };
}

const USAGE = `usage: npm run -s token -- [--scope "tools:read notes:read"] [--user alice] [--url <MCP URL>]
Prints an access token for the gateway in local mode (default: every scope of its catalog, user demo-user).
  curl -H "authorization: Bearer $(npm run -s token -- --scope tools:read)" ...`;

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      scope: { type: 'string' },
      user: { type: 'string' },
      url: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const mcpUrl = new URL(values.url ?? localMcpUrl(readEnvironment()));
  const token = await issueLocalToken({ mcpUrl, scope: values.scope, user: values.user });
  if (token.missingScopes.length > 0) {
    process.stderr.write(
      `warning: not granted: ${token.missingScopes.join(' ')} (the issuer grants only the scopes of the gateway's tools; granted: ${token.grantedScopes.join(' ') || 'none'})\n`,
    );
  }
  process.stdout.write(`${token.accessToken}\n`);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`token: ${explainClientError(error)}\n`);
      process.stderr.write(
        'It works against the gateway in local mode (npm start without OAUTH_ISSUER), whose development issuer signs in without a form.\n',
      );
      process.exit(1);
    },
  );
}
