import { AuthenticatedUser } from '../common/authenticated-user';
import type { ScopeChallengeMode, ScopeImplications } from '../config/auth.config';
import { AuthErrorCode, AuthException, AuthExceptionDetails } from './auth.exception';

export function missingScopes(held: readonly string[], required: readonly string[]): string[] {
  const have = new Set(held);
  return [...new Set(required)].filter((scope) => !have.has(scope));
}

/**
 * Throws 403 insufficient_scope when the caller lacks any required scope. The challenge names every
 * scope the operation needs (RFC 6750 §3.1, MCP 2026-07-28 SEP-2350), not only the missing ones, and
 * carries the caller's scopes for the legacy held ∪ required challenge (see {@link challengedScopes}).
 */
export function assertScopes(user: AuthenticatedUser, required: readonly string[], target?: string): void {
  const refusal = scopeRefusal(user, required, target);
  if (refusal) throw refusal;
}

/** The 403 insufficient_scope refusal of `user` for an operation that needs `required`; none when held. */
export function scopeRefusal(
  user: AuthenticatedUser,
  required: readonly string[],
  target?: string,
): AuthException | undefined {
  const missing = missingScopes(user.scopes, required);
  if (missing.length === 0) return undefined;
  return new AuthException(
    AuthErrorCode.INSUFFICIENT_SCOPE,
    `${target ? `${target} requires` : 'This call requires'} scope ${missing.join(', ')}`,
    {
      fields: { required: [...new Set(required)], missing },
      challengeScopes: [...new Set(required)],
      heldScopes: [...user.scopes],
    },
  );
}

/**
 * The `scope` attribute of a challenge. `operation`: the scopes the operation needs, the client adds them
 * to what it holds (SEP-2350). `held-and-required`: the caller's scopes too, for clients (MCP SDK 1.x)
 * that re-authorize with exactly the challenged list and would otherwise lose their other scopes.
 */
export function challengedScopes(
  details: AuthExceptionDetails,
  mode: ScopeChallengeMode,
): string[] | undefined {
  if (!details.challengeScopes) return undefined;
  if (mode === 'operation') return details.challengeScopes;
  return [...new Set([...(details.heldScopes ?? []), ...details.challengeScopes])];
}

/**
 * `held` plus every scope it implies, transitively (`write:repository` → `read:repository` → ...).
 * Returns `held` itself when nothing is implied, so callers can tell by identity that nothing changed.
 */
export function expandScopes(held: readonly string[], implications: ScopeImplications): readonly string[] {
  const result = new Set(held);
  const pending = [...held];
  while (pending.length > 0) {
    for (const implied of implications[pending.pop()!] ?? []) {
      if (result.has(implied)) continue;
      result.add(implied);
      pending.push(implied);
    }
  }
  return result.size === held.length ? held : [...result];
}
