/** The caller as the gateway sees it after verifying the access token. */
export interface AuthenticatedUser {
  sub: string;
  /** `scope` (space-delimited) ∪ `permissions[]`, deduplicated. */
  scopes: string[];
  /** Epoch seconds. */
  exp: number;
  clientId?: string;
  claims: Record<string, unknown>;
}

export function scopesFromClaims(claims: Record<string, unknown>): string[] {
  const fromScope = typeof claims.scope === 'string' ? claims.scope.split(' ') : [];
  const fromScp = Array.isArray(claims.scp) ? claims.scp : [];
  const fromPermissions = Array.isArray(claims.permissions) ? claims.permissions : [];
  return [...new Set([...fromScope, ...fromScp, ...fromPermissions])].filter(
    (scope): scope is string => typeof scope === 'string' && scope.length > 0,
  );
}
