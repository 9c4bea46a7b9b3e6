import { HttpException, HttpStatus } from '@nestjs/common';
import { json, text } from 'express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

const UNDECODABLE_BODY = 'Request body could not be decompressed (check Content-Encoding)';

const BODY_PARSER_MESSAGES: Record<number, string> = {
  [HttpStatus.PAYLOAD_TOO_LARGE]: 'Request body exceeds MAX_BODY_BYTES',
  [HttpStatus.BAD_REQUEST]: 'Request body is not valid JSON',
  [HttpStatus.UNSUPPORTED_MEDIA_TYPE]: 'Unsupported request body encoding or charset',
};

export interface BodyParserOptions {
  /** MAX_BODY_BYTES: larger bodies are refused with 413 before they are read to the end. */
  limit: number;
  /** Paths (and what lies under them) whose body is read as raw text whatever the content type. */
  rawTextPaths: readonly string[];
}

/**
 * The request body parsers as one middleware: each request gets the one parser its path and content type
 * call for, instead of passing through a router layer and a content-type check per parser.
 * - under `rawTextPaths`: the raw text, whatever the content type (Auth0 log streams send a JSON array,
 *   JSON lines or one object, and the webhook parses them itself);
 * - elsewhere `application/json` and `application/*+json` as JSON, `application/x-ndjson` and
 *   `text/plain` as text; any other body is left unread.
 * Every parser is bounded by `limit` and answers its errors with fixed text (safeBodyParser).
 */
export function bodyParsers({ limit, rawTextPaths }: BodyParserOptions): RequestHandler {
  const rawText = safeBodyParser(text({ type: () => true, limit }));
  const jsonBody = safeBodyParser(json({ limit, type: ['application/json', 'application/*+json'] }));
  const textBody = safeBodyParser(text({ limit, type: ['application/x-ndjson', 'text/plain'] }));
  // Matched like Express mount paths: case-insensitive, the path itself or anything below it.
  const prefixes = rawTextPaths.map((path) => path.toLowerCase());
  const rawTextPath = (path: string): boolean => {
    const lower = path.toLowerCase();
    return prefixes.some((prefix) => lower === prefix || lower.startsWith(`${prefix}/`));
  };
  return (req: Request, res: Response, next: NextFunction) => {
    // What every parser does with a request that has no body (type-is hasBody: no Transfer-Encoding, no
    // numeric Content-Length), without entering any: a GET, the cheapest request anyone can send.
    if (req.headers['transfer-encoding'] === undefined && isNaN(req.headers['content-length'] as never)) {
      const request: { body?: unknown } = req;
      if (!('body' in request)) request.body = undefined;
      return next();
    }
    if (rawTextPath(req.path)) return rawText(req, res, next);
    // The JSON parser leaves req.body undefined unless its type matched (a parsed body is never undefined);
    // only then may the body be text.
    jsonBody(req, res, (error?: unknown) => {
      if (error !== undefined) return next(error);
      return (req.body as unknown) === undefined ? textBody(req, res, next) : next();
    });
  };
}

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
 * body-parser errors carry `type` and `status`; only their status is trusted, never their text. A
 * corrupt gzip/deflate/br body fails in the decompression stream, whose error body-parser passes on with
 * status 400 but no `type`. Anything else (a stream error with a server status) passes on unchanged, to
 * become a bare 500.
 */
export function toBodyParserException(error: unknown): unknown {
  if (isDecompressionError(error)) return new HttpException(UNDECODABLE_BODY, HttpStatus.BAD_REQUEST);
  const status = bodyParserErrorStatus(error);
  return status === undefined
    ? error
    : new HttpException(BODY_PARSER_MESSAGES[status] ?? 'The request body could not be read', status);
}

function isDecompressionError(error: unknown): boolean {
  const candidate = error as
    { type?: unknown; status?: unknown; code?: unknown; errno?: unknown } | undefined;
  return (
    candidate?.type === undefined &&
    candidate?.status === HttpStatus.BAD_REQUEST &&
    typeof candidate.errno === 'number' &&
    typeof candidate.code === 'string'
  );
}

function bodyParserErrorStatus(error: unknown): number | undefined {
  const candidate = error as { type?: unknown; status?: unknown } | undefined;
  if (typeof candidate?.type !== 'string' || typeof candidate.status !== 'number') return undefined;
  if (candidate.type === 'entity.too.large') return HttpStatus.PAYLOAD_TOO_LARGE;
  if (candidate.type === 'entity.parse.failed') return HttpStatus.BAD_REQUEST;
  if (candidate.status >= 400 && candidate.status < 500) return candidate.status;
  return undefined;
}
