import { AuthErrorCode, AuthException } from './auth.exception';
import { AuthenticatedUser } from './authenticated-user';

export function missingScopes(held: readonly string[], required: readonly string[]): string[] {
  const have = new Set(held);
  return [...new Set(required)].filter((scope) => !have.has(scope));
}

/**
 * Throws 403 insufficient_scope when the caller lacks any required scope. The challenge names
 * held ∪ required: an MCP client re-authorizes with exactly that list, so naming only the missing
 * scopes would make it drop the ones it already has.
 */
export function assertScopes(user: AuthenticatedUser, required: readonly string[], target?: string): void {
  const missing = missingScopes(user.scopes, required);
  if (missing.length === 0) return;
  throw new AuthException(
    AuthErrorCode.INSUFFICIENT_SCOPE,
    `${target ? `${target} requires` : 'This call requires'} scope ${missing.join(', ')}`,
    {
      fields: { required: [...new Set(required)], missing },
      challengeScopes: [...new Set([...user.scopes, ...required])],
    },
  );
}
