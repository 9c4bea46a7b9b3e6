import { Reflector } from '@nestjs/core';

import { isScopeToken } from '../../common/scope-syntax';

/** Metadata key: scopes a route or tool needs. */
export const REQUIRED_SCOPES = Reflector.createDecorator<string[]>();

/**
 * Scopes a route or tool needs, on the class, the method, or both (their union applies).
 * Read by ScopesGuard for routes and by the tool catalog for in-process tools.
 */
export function RequireScopes(...scopes: string[]): ClassDecorator & MethodDecorator {
  const invalid = scopes.filter((scope) => !isScopeToken(scope));
  if (scopes.length === 0 || invalid.length > 0) {
    // RFC 6749 §3.3 scope-token syntax; an empty list would silently open the route.
    throw new Error(`@RequireScopes needs at least one valid scope token (got ${JSON.stringify(scopes)})`);
  }
  return REQUIRED_SCOPES(scopes);
}
