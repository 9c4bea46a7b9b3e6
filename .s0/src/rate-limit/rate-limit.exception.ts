import { HttpStatus } from '@nestjs/common';

import { ErrorTable, TableException } from '../common/error-table';

export type LimitScope = 'subject' | 'tool' | 'ip';

export enum RateLimitErrorCode {
  RATE_LIMITED = 'RATE_LIMITED',
}

/** Status, error and fix of each code (docs/troubleshooting.md explains each). */
export const RATE_LIMIT_ERRORS: ErrorTable<RateLimitErrorCode> = {
  [RateLimitErrorCode.RATE_LIMITED]: {
    status: HttpStatus.TOO_MANY_REQUESTS,
    error: 'rate_limited',
    hint: 'Wait the number of seconds in Retry-After before calling again; if this is regular traffic, ask the operator to raise RATE_LIMIT_*.',
  },
};

const SCOPE_NAMES: Record<LimitScope, string> = {
  subject: 'user',
  tool: 'user and tool',
  ip: 'client address without a valid token',
};

/** A request over one of the configured limits: 429 with Retry-After, REST and MCP alike. */
export class RateLimitException extends TableException<RateLimitErrorCode> {
  constructor(
    readonly scope: LimitScope,
    readonly limit: number,
    readonly windowS: number,
    readonly retryAfterS: number,
  ) {
    super(
      RateLimitErrorCode.RATE_LIMITED,
      `Rate limit exceeded: ${limit} requests per ${windowS} s per ${SCOPE_NAMES[scope]}`,
      RATE_LIMIT_ERRORS,
    );
    this.name = 'RateLimitException';
  }
}
