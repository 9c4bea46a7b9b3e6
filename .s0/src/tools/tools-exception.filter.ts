import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';

import { sendError } from '../common/error-body';
import { ToolsException } from './tools.exception';

@Catch(ToolsException)
export class ToolsExceptionFilter implements ExceptionFilter {
  catch(exception: ToolsException, host: ArgumentsHost): void {
    sendError(host, exception.status, {
      error: exception.error,
      code: exception.code,
      message: exception.message,
      hint: exception.hint,
      tool: exception.tool,
      ...exception.fields,
    });
  }
}
