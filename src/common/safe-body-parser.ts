import { HttpException } from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

import { bodyParserErrorStatus, bodyParserMessage } from './all-exceptions.filter';

/**
 * Wraps a body-parser so that its errors become HTTP exceptions with fixed text. Otherwise Nest turns a
 * JSON syntax error into a 400 carrying the parser's message, which quotes the start of the body — a
 * token the caller put there would be echoed back before any authentication.
 */
export function safeBodyParser(parser: RequestHandler): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) =>
    parser(req, res, (error?: unknown) => {
      if (error === undefined) return next();
      const status = bodyParserErrorStatus(error);
      next(status === undefined ? error : new HttpException(bodyParserMessage(status), status));
    });
}
