import { randomBytes } from 'node:crypto';

import { launchDevIssuer } from '../../src/local/dev-issuer.launcher';
import { CLOSED_PORT_URL } from '../../src/testing/faulty-http';
import { freePort, startGateway } from './gateway-harness';
import { startMcpTestBackend, writeMcpToolsFile } from './mcp-backend';
import { catalogOf, McpStand, STAND_SCOPES } from './mcp-stand';
import { CountingProxy, ProviderApi } from './provider-doubles';

export interface OpaqueStand extends McpStand {
  /** In front of the provider's introspection (or userinfo) endpoint: counts the calls, can fail them. */
  validation: CountingProxy;
  /** The provider's own REST API (probe target, forwarded tool calls). */
  api: ProviderApi;
}

export interface OpaqueStandOptions {
  /** `userinfo`: tokens bound to no resource (Gitea style), validated at userinfo. Default introspection. */
  validation?: 'introspection' | 'userinfo';
  accessTokenTtlS?: number;
  /** Gateway variables on top of the stand's, given the provider API's and the tool backend's URLs. */
  env?: (urls: { api: string; backend: string }) => Record<string, string>;
  jsonLogs?: boolean;
}

/**
 * A real oidc-provider issuing opaque access tokens (introspection, revocation and userinfo enabled),
 * a signed-call backend with the MCP test tools, a stand-in for the provider's API, and a gateway that
 * accepts JWTs and opaque tokens from that provider.
 */
export async function startOpaqueStand(options: OpaqueStandOptions = {}): Promise<OpaqueStand> {
  const userinfo = options.validation === 'userinfo';
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const mcpUrl = new URL(`${publicUrl}/mcp`);
  const secret = randomBytes(32).toString('hex');
  const introspectionClient = { id: 'connector-gateway', secret: randomBytes(24).toString('hex') };
  const issuer = await launchDevIssuer({
    audience: mcpUrl.href,
    scopes: STAND_SCOPES,
    tokenFormat: 'opaque',
    resourceIndicators: !userinfo,
    introspectionClient,
    accessTokenTtlS: options.accessTokenTtlS,
  });
  const discovery = (await (await fetch(`${issuer.issuer}/.well-known/openid-configuration`)).json()) as {
    introspection_endpoint: string;
    userinfo_endpoint: string;
  };
  const validation = await new CountingProxy(
    userinfo ? discovery.userinfo_endpoint : discovery.introspection_endpoint,
  ).start();
  const api = await new ProviderApi().start();
  const backend = await startMcpTestBackend(secret);
  const env: Record<string, string> = {
    PORT: String(port),
    PUBLIC_URL: publicUrl,
    OAUTH_ISSUER: issuer.issuer,
    OAUTH_AUDIENCE: mcpUrl.href,
    FUNCTIONS_BASE: backend.url,
    TOOLS_FILE: writeMcpToolsFile(backend.url, `${CLOSED_PORT_URL}/report`),
    GATEWAY_HMAC_SECRET: secret,
    EXAMPLE_TOOLS_ENABLED: 'true',
    DEBUG_TOKEN_ENABLED: 'true',
    OAUTH_TOKEN_FORMATS: 'jwt,opaque',
    ...(userinfo
      ? { OAUTH_OPAQUE_VALIDATION: 'userinfo', OAUTH_USERINFO_URL: validation.url }
      : {
          OAUTH_INTROSPECTION_URL: validation.url,
          OAUTH_INTROSPECTION_CLIENT_ID: introspectionClient.id,
          OAUTH_INTROSPECTION_CLIENT_SECRET: introspectionClient.secret,
        }),
    ...options.env?.({ api: api.url, backend: backend.url }),
  };
  const gateway = await startGateway(env, port, { jsonLogs: options.jsonLogs });
  return {
    issuer,
    backend,
    gateway,
    mcpUrl,
    ...catalogOf(gateway),
    env,
    validation,
    api,
    stop: async () => {
      await gateway.stop();
      await Promise.all([backend.stop(), api.stop(), validation.stop()]);
      await issuer.stop();
    },
  };
}
