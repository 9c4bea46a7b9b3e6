import { HttpStatus } from '@nestjs/common';

export type LimitScope = 'subject' | 'tool' | 'ip';

export const RATE_LIMITED = {
  code: 'RATE_LIMITED',
  status: HttpStatus.TOO_MANY_REQUESTS,
  error: 'rate_limited',
  hint: 'Wait the number of seconds in Retry-After before calling again; ask the operator to raise RATE_LIMIT_* if this is regular traffic.',
} as const;

/** A request over one of the configured limits: 429 with Retry-After, REST and MCP alike. */
export class RateLimitException extends Error {
  readonly code = RATE_LIMITED.code;

  constructor(
    readonly scope: LimitScope,
    readonly limit: number,
    readonly windowS: number,
    readonly retryAfterS: number,
  ) {
    super(`Rate limit exceeded: ${limit} requests per ${windowS} s per ${SCOPE_NAMES[scope]}`);
    this.name = 'RateLimitException';
  }
}

const SCOPE_NAMES: Record<LimitScope, string> = {
  subject: 'user',
  tool: 'user and tool',
  ip: 'client address without a valid token',
};
