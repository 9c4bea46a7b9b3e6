import { freePort, startGateway, TestGateway } from './gateway-harness';
import { SignedBackend } from './signed-backend';
import { TestIssuer } from './test-issuer';
import { writeToolsFile } from './tools-file';

export interface TokenStack {
  issuer: TestIssuer;
  backend: SignedBackend;
  gateway: TestGateway;
  /** `<gateway>/mcp`, the audience the gateway requires. */
  audience: string;
  /** The resource_metadata URL the challenges must name. */
  prmUrl: string;
  stop(): Promise<void>;
}

export interface TokenStackOptions {
  secret: string;
  /** The catalog, given the signature-checking backend's URL. */
  tools: (backendUrl: string) => Array<Record<string, unknown>>;
  env?: Record<string, string>;
  /** Log JSON lines, as deployments do (default: readable text). */
  jsonLogs?: boolean;
  /** Runs once the issuer listens, before the gateway starts (e.g. to make its JWKS misbehave from the start). */
  configureIssuer?: (issuer: TestIssuer) => void;
  /** Environment that needs the issuer's URL (e.g. OAUTH_JWKS_URI). */
  issuerEnv?: (issuer: TestIssuer) => Record<string, string>;
}

/** A crafted-token issuer, a backend that verifies the gateway's signature, and a gateway wired to both. */
export async function startTokenStack(options: TokenStackOptions): Promise<TokenStack> {
  const issuer = await new TestIssuer().start();
  options.configureIssuer?.(issuer);
  const backend = await new SignedBackend(options.secret).start();
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const audience = `${publicUrl}/mcp`;
  const gateway = await startGateway(
    {
      PUBLIC_URL: publicUrl,
      OAUTH_ISSUER: issuer.issuer,
      OAUTH_AUDIENCE: audience,
      FUNCTIONS_BASE: backend.url,
      GATEWAY_HMAC_SECRET: options.secret,
      TOOLS_FILE: writeToolsFile(options.tools(backend.url)),
      ...options.env,
      ...options.issuerEnv?.(issuer),
    },
    port,
    { jsonLogs: options.jsonLogs },
  );
  return {
    issuer,
    backend,
    gateway,
    audience,
    prmUrl: `${publicUrl}/.well-known/oauth-protected-resource`,
    stop: async () => {
      await gateway.stop();
      await backend.stop();
      await issuer.stop();
    },
  };
}
