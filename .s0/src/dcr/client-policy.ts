import { missingScopes } from '../auth/scope-policy';
import type { DcrMode } from '../config/dcr.config';
import type { Auth0Client, Auth0ClientGrant } from './management.types';

export type TenantMode = Exclude<DcrMode, 'auto'>;

export interface AllowList {
  clientNamePattern: RegExp;
  redirectHosts: string[];
  /** Allowed callback paths: exact, or a prefix when the entry ends with "/". */
  redirectPaths: string[];
  /** Epoch ms: only clients created after this are prepared (DCR_CLIENTS_CREATED_AFTER); undefined = any. */
  createdAfter?: number;
}

export type AllowListVerdict = { allowed: true } | { allowed: false; reason: string };

/**
 * DCR is open to anyone, so a registered client is only touched when its name matches the pattern and
 * every redirect URI is https, on an allowed host and path, with no port or user info: one foreign
 * callback would let a stranger receive codes for our API. Paths matter because chat.openai.com also
 * hosts the callbacks of anyone's custom GPT actions (/aip/g-.../oauth/callback).
 */
export function checkAllowList(client: Auth0Client, allowList: AllowList): AllowListVerdict {
  const name = client.name ?? '';
  if (!allowList.clientNamePattern.test(name)) {
    return { allowed: false, reason: `name ${JSON.stringify(name)} does not match DCR_CLIENT_NAME_PATTERN` };
  }
  if (allowList.createdAfter !== undefined) {
    // Several gateways on one tenant each grant their own audience; this one only takes clients from its era.
    const created = Date.parse(client.created_at ?? '');
    if (!(created > allowList.createdAfter)) {
      return {
        allowed: false,
        reason: Number.isNaN(created)
          ? 'its creation time is unknown and DCR_CLIENTS_CREATED_AFTER is set'
          : `created ${client.created_at}, not after DCR_CLIENTS_CREATED_AFTER`,
      };
    }
  }
  const callbacks = client.callbacks ?? [];
  if (callbacks.length === 0) return { allowed: false, reason: 'the client has no redirect URI' };
  const foreign = callbacks.filter((uri) => !allowedRedirect(uri, allowList));
  if (foreign.length > 0) {
    return {
      allowed: false,
      reason: `redirect URI(s) outside DCR_REDIRECT_HOSTS / DCR_REDIRECT_PATHS: ${foreign.join(', ')}`,
    };
  }
  const grants = (client.grant_types ?? []).filter((type) => !ALLOWED_GRANT_TYPES.includes(type));
  if (grants.length > 0) {
    // Grants such as device code or password never use a redirect URI, so the check above would not hold.
    return { allowed: false, reason: `grant type(s) a connector does not use: ${grants.join(', ')}` };
  }
  return { allowed: true };
}

/** What ChatGPT registers and uses; implicit is tolerated at registration and removed on preparation. */
const ALLOWED_GRANT_TYPES = ['authorization_code', 'refresh_token', 'implicit'];

function allowedRedirect(uri: string, allowList: AllowList): boolean {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:' || url.port !== '' || url.username !== '' || url.password !== '')
    return false;
  if (!allowList.redirectHosts.includes(url.hostname.toLowerCase())) return false;
  return allowList.redirectPaths.some((path) =>
    path.endsWith('/')
      ? url.pathname.startsWith(path) && url.pathname.length > path.length
      : url.pathname === path,
  );
}

/**
 * The mode a client is prepared in. A client's own `third_party_security_mode` is set when it is created
 * and never changes, so it wins; `tpc_` ids only exist in strict mode; then the tenant's DCR setting.
 * When nothing tells, strict: it never promotes a client to first party.
 */
export function resolveMode(
  configured: DcrMode,
  tenantMode: TenantMode | undefined,
  client: Auth0Client,
): TenantMode {
  if (configured !== 'auto') return configured;
  const own = client.third_party_security_mode;
  if (own === 'strict' || own === 'permissive') return own;
  if (client.client_id?.startsWith('tpc_')) return 'strict';
  return tenantMode ?? 'strict';
}

/** The earlier gateway's promotion, for permissive tenants: a first-party public client using code + refresh tokens. */
export const PERMISSIVE_CLIENT = {
  app_type: 'regular_web',
  is_first_party: true,
  token_endpoint_auth_method: 'none',
  grant_types: ['authorization_code', 'refresh_token'],
} as const;

const REQUIRED_GRANT_TYPES = ['authorization_code', 'refresh_token'];

/** The fields to PATCH on the client, or undefined when it already has them (no write at all). */
export function clientPatch(client: Auth0Client, mode: TenantMode): Record<string, unknown> | undefined {
  const patch: Record<string, unknown> = {};
  if (mode === 'permissive') {
    if (client.app_type !== PERMISSIVE_CLIENT.app_type) patch.app_type = PERMISSIVE_CLIENT.app_type;
    if (client.is_first_party !== true) patch.is_first_party = true;
    if (client.token_endpoint_auth_method !== PERMISSIVE_CLIENT.token_endpoint_auth_method) {
      patch.token_endpoint_auth_method = PERMISSIVE_CLIENT.token_endpoint_auth_method;
    }
    if (!sameSet(client.grant_types ?? [], PERMISSIVE_CLIENT.grant_types))
      patch.grant_types = [...PERMISSIVE_CLIENT.grant_types];
  } else if (!sameSet(client.grant_types ?? [], REQUIRED_GRANT_TYPES)) {
    // Strict: exactly the grants ChatGPT uses (grant_types is a curated field); never is_first_party.
    patch.grant_types = [...REQUIRED_GRANT_TYPES];
  }
  return Object.keys(patch).length > 0 ? patch : undefined;
}

export interface TenantView {
  /** The user client grant for OAUTH_AUDIENCE, by client id. */
  grants: Map<string, Auth0ClientGrant>;
  /** For each login connection, the ids of the clients it is enabled for. */
  enabledClients: Set<string>[];
}

/** True when nothing is left to do for the client: fields set, every connection enabled, the grant complete. */
export function isPrepared(
  client: Auth0Client,
  mode: TenantMode,
  tenant: TenantView,
  scopes: string[],
): boolean {
  const id = client.client_id ?? '';
  return (
    clientPatch(client, mode) === undefined &&
    tenant.enabledClients.every((enabled) => enabled.has(id)) &&
    tenant.grants.has(id) &&
    missingScopes(tenant.grants.get(id)?.scope ?? [], scopes).length === 0
  );
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && b.every((item) => a.includes(item));
}
