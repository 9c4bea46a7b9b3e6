import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';

import { ErrorBody } from '../common/error-body';
import { requestIdOf } from '../common/request-context';
import { DcrErrorCode, DcrException } from './dcr.exception';

@Catch(DcrException)
export class DcrExceptionFilter implements ExceptionFilter {
  catch(exception: DcrException, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<Request>();
    const response = host.switchToHttp().getResponse<Response>();
    if (exception.code === DcrErrorCode.WEBHOOK_SECRET_MISSING) {
      response.setHeader('WWW-Authenticate', 'Bearer realm="auth0-log-webhook"');
    }
    const body: ErrorBody = {
      error: exception.error,
      code: exception.code,
      message: exception.message,
      hint: exception.hint,
      requestId: requestIdOf(request),
    };
    if (!response.headersSent) response.status(exception.status).json(body);
  }
}
