import { Reflector } from '@nestjs/core';

/** Metadata key: the route answers without a bearer token. */
export const IS_PUBLIC = Reflector.createDecorator<boolean>();

/** Opts a route (or a whole controller) out of the global bearer-token guard. */
export const Public = (): ClassDecorator & MethodDecorator => IS_PUBLIC(true);

/** Metadata key: the route verifies a token when one is sent, and lets the handler decide when none is. */
export const ALLOWS_ANONYMOUS = Reflector.createDecorator<boolean>();

/**
 * For routes that serve some callers without a token (public tools): a request without an Authorization
 * header reaches the handler with no user, which must then refuse what needs one. A token that is sent is
 * verified as on every route; a bad one is still a 401.
 */
export const AllowAnonymous = (): MethodDecorator => ALLOWS_ANONYMOUS(true);
