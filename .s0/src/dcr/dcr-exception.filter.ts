import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';

import { sendError } from '../common/error-body';
import { DcrErrorCode, DcrException } from './dcr.exception';

@Catch(DcrException)
export class DcrExceptionFilter implements ExceptionFilter {
  catch(exception: DcrException, host: ArgumentsHost): void {
    if (exception.code === DcrErrorCode.WEBHOOK_SECRET_MISSING) {
      host
        .switchToHttp()
        .getResponse<Response>()
        .setHeader('WWW-Authenticate', 'Bearer realm="auth0-log-webhook"');
    }
    sendError(host, exception.status, {
      error: exception.error,
      code: exception.code,
      message: exception.message,
      hint: exception.hint,
    });
  }
}
