import { HttpException, HttpStatus } from '@nestjs/common';

const FRAMEWORK_MESSAGES: Record<number, string> = {
  [HttpStatus.BAD_REQUEST]: 'The request could not be read',
  [HttpStatus.PAYLOAD_TOO_LARGE]: 'Request body exceeds MAX_BODY_BYTES',
  [HttpStatus.URI_TOO_LONG]: 'The request path is too long',
  [HttpStatus.UNSUPPORTED_MEDIA_TYPE]: 'Unsupported request body encoding or charset',
};

/**
 * Fastify's own refusals of a request (`FST_ERR_*` with a 4xx status: an unparsable Content-Type, a
 * malformed URL) keep their status, with fixed text: the framework's message quotes what the caller sent.
 * Anything else is not a refusal of the request and stays an internal error.
 */
export function frameworkRefusal(error: unknown): HttpException | undefined {
  const candidate = error as { code?: unknown; statusCode?: unknown } | undefined;
  if (typeof candidate?.code !== 'string' || !candidate.code.startsWith('FST_')) return undefined;
  const status = candidate.statusCode;
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  return new HttpException(FRAMEWORK_MESSAGES[status] ?? 'The request was refused', status);
}
