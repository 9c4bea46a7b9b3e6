import { Reflector } from '@nestjs/core';

/** Metadata key: the route answers without a bearer token. */
export const IS_PUBLIC = Reflector.createDecorator<boolean>();

/** Opts a route (or a whole controller) out of the global bearer-token guard. */
export const Public = (): ClassDecorator & MethodDecorator => IS_PUBLIC(true);
