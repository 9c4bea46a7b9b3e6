import { Reflector } from '@nestjs/core';

/** Metadata key: why an authenticated route needs no scope of its own. */
export const NO_ROUTE_SCOPES = Reflector.createDecorator<string>();

/**
 * The explicit opt-out from route scopes: any authenticated caller may reach the handler, for the reason
 * given (e.g. "each tool checks its own scopes"). Without it, @RequireScopes or @Public, a handler stops the
 * gateway at start-up (RouteScopesCheck): a forgotten decorator must not open a route to every token.
 */
export function NoRouteScopes(reason: string): ClassDecorator & MethodDecorator {
  if (reason.trim() === '')
    throw new Error('@NoRouteScopes needs the reason the route has no scope of its own');
  return NO_ROUTE_SCOPES(reason);
}
