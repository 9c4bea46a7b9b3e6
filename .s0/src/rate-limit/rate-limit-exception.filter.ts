import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';

import { sendError } from '../common/error-body';
import { RateLimitException } from './rate-limit.exception';

@Catch(RateLimitException)
export class RateLimitExceptionFilter implements ExceptionFilter {
  catch(exception: RateLimitException, host: ArgumentsHost): void {
    host.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(exception.retryAfterS));
    sendError(host, exception.status, {
      error: exception.error,
      code: exception.code,
      message: exception.message,
      hint: exception.hint,
      scope: exception.scope,
      limit: exception.limit,
      windowS: exception.windowS,
    });
  }
}
