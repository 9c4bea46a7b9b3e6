import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';

import { sendError } from '../common/error-body';
import { RATE_LIMITED, RateLimitException } from './rate-limit.exception';

@Catch(RateLimitException)
export class RateLimitExceptionFilter implements ExceptionFilter {
  catch(exception: RateLimitException, host: ArgumentsHost): void {
    host.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(exception.retryAfterS));
    sendError(host, RATE_LIMITED.status, {
      error: RATE_LIMITED.error,
      code: RATE_LIMITED.code,
      message: exception.message,
      hint: RATE_LIMITED.hint,
      scope: exception.scope,
      limit: exception.limit,
      windowS: exception.windowS,
    });
  }
}
