import { Reflector } from '@nestjs/core';

/** Metadata key: a public route that the per-IP limit leaves alone (probes, the secret-guarded webhook). */
export const IS_IP_LIMIT_EXEMPT = Reflector.createDecorator<boolean>();

export const IpLimitExempt = (): ClassDecorator & MethodDecorator => IS_IP_LIMIT_EXEMPT(true);
