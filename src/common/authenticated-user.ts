/** The caller as the gateway sees it after verifying the access token. */
export interface AuthenticatedUser {
  sub: string;
  /**
   * The effective scopes every check uses: the token's scopes (`scope` ∪ `scp` ∪ `permissions[]`), plus
   * the implications the operator declares and what a passing API probe proves.
   */
  scopes: string[];
  /** Epoch seconds. */
  exp: number;
  clientId?: string;
  claims: Record<string, unknown>;
  /** The scopes the token itself carries (none when only userinfo vouched for it); `scopes` when unset. */
  scopesObserved?: string[];
  /** Who, for people reading logs: preferred_username (or username), else sub. */
  login?: string;
}

export function scopesFromClaims(claims: Record<string, unknown>): string[] {
  const fromScope = typeof claims.scope === 'string' ? claims.scope.split(' ') : [];
  const fromScp = Array.isArray(claims.scp) ? claims.scp : [];
  const fromPermissions = Array.isArray(claims.permissions) ? claims.permissions : [];
  return [...new Set([...fromScope, ...fromScp, ...fromPermissions])].filter(
    (scope): scope is string => typeof scope === 'string' && scope.length > 0,
  );
}

/** The name an operator recognises: the provider's username when it gives one, else the subject. */
export function loginFromClaims(claims: Record<string, unknown>, sub: string): string {
  for (const name of ['preferred_username', 'username', 'login', 'nickname']) {
    const value = claims[name];
    if (typeof value === 'string' && value.length > 0) return value;
  }
  return sub;
}
