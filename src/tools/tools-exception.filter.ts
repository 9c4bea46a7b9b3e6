import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';

import { ErrorBody } from '../common/error-body';
import { requestIdOf } from '../common/request-context';
import { ToolsException } from './tools.exception';

@Catch(ToolsException)
export class ToolsExceptionFilter implements ExceptionFilter {
  catch(exception: ToolsException, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<Request>();
    const response = host.switchToHttp().getResponse<Response>();
    const body: ErrorBody = {
      error: exception.error,
      code: exception.code,
      message: exception.message,
      tool: exception.tool,
      ...exception.fields,
      requestId: requestIdOf(request),
    };
    if (!response.headersSent) response.status(exception.status).json(body);
  }
}
