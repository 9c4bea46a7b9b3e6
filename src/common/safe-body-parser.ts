import { HttpException, HttpStatus } from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

const BODY_PARSER_MESSAGES: Record<number, string> = {
  [HttpStatus.PAYLOAD_TOO_LARGE]: 'Request body exceeds MAX_BODY_BYTES',
  [HttpStatus.BAD_REQUEST]: 'Request body is not valid JSON',
  [HttpStatus.UNSUPPORTED_MEDIA_TYPE]: 'Unsupported request body encoding or charset',
};

/**
 * Wraps a body-parser so that its errors become HTTP exceptions with fixed text. Otherwise Nest turns a
 * JSON syntax error into a 400 carrying the parser's message, which quotes the start of the body — a
 * token the caller put there would be echoed back before any authentication.
 */
export function safeBodyParser(parser: RequestHandler): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) =>
    parser(req, res, (error?: unknown) =>
      next(error === undefined ? undefined : toBodyParserException(error)),
    );
}

/**
 * body-parser errors carry `type` and `status`; only their status is trusted, never their text. Anything
 * else (a stream error with a server status) passes on unchanged, to become a bare 500.
 */
export function toBodyParserException(error: unknown): unknown {
  const status = bodyParserErrorStatus(error);
  return status === undefined
    ? error
    : new HttpException(BODY_PARSER_MESSAGES[status] ?? 'The request body could not be read', status);
}

function bodyParserErrorStatus(error: unknown): number | undefined {
  const candidate = error as { type?: unknown; status?: unknown } | undefined;
  if (typeof candidate?.type !== 'string' || typeof candidate.status !== 'number') return undefined;
  if (candidate.type === 'entity.too.large') return HttpStatus.PAYLOAD_TOO_LARGE;
  if (candidate.type === 'entity.parse.failed') return HttpStatus.BAD_REQUEST;
  if (candidate.status >= 400 && candidate.status < 500) return candidate.status;
  return undefined;
}
