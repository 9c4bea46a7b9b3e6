import { networkErrorReason } from '../common/network-error';

/** The MCP SDK's refusal when the protected-resource metadata names another origin than the URL used. */
const RESOURCE_MISMATCH = /Protected resource (\S+) does not match expected (\S+) \(or origin\)/;

/**
 * The scopes the gateway at `mcpUrl` advertises (RFC 9728 metadata), or an error that says what to do
 * when nothing, or something else than the gateway, answers there.
 */
export async function gatewayScopes(mcpUrl: URL): Promise<string[]> {
  const url = new URL(`/.well-known/oauth-protected-resource${mcpUrl.pathname}`, mcpUrl);
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new Error(
      `Nothing answers at ${mcpUrl.origin} (${networkErrorReason(error)}): start the gateway (npm start), or give the same PORT / PUBLIC_URL as the gateway's.`,
    );
  }
  const metadata = (await response.json().catch(() => undefined)) as
    { scopes_supported?: unknown } | undefined;
  if (!response.ok || !Array.isArray(metadata?.scopes_supported)) {
    throw new Error(
      `${url.href} answered ${response.status} without protected-resource metadata: is this the gateway?`,
    );
  }
  return metadata.scopes_supported.map(String);
}

/**
 * The message of a failed local-mode client run, with what to change when the cause is a common mistake:
 * MCP clients compare origins exactly, so localhost and 127.0.0.1 are two different servers to them.
 */
export function explainClientError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const mismatch = RESOURCE_MISMATCH.exec(message);
  if (!mismatch) return message;
  const [, resource, used] = mismatch;
  return [
    message,
    `The gateway's MCP URL is ${resource} (its PUBLIC_URL + /mcp) and MCP clients accept no other origin:`,
    `connect to ${resource}, or restart the gateway with PUBLIC_URL=${new URL(used).origin}.`,
  ].join('\n');
}
