import type { IncomingMessage, ServerResponse } from 'node:http';

import { HttpException, HttpStatus } from '@nestjs/common';
import { json, text } from 'body-parser';
import type { FastifyInstance } from 'fastify';

import { pathOf } from './request-context';

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
 * The request body parsers as Fastify's one content-type parser (Fastify's own are removed): each request
 * gets the one body-parser its path and content type call for, with body-parser's behaviour (charsets,
 * Content-Encoding, strict JSON, an empty JSON body read as `{}`) as the gateway has always had it.
 * - under `rawTextPaths`: the raw text, whatever the content type (Auth0 log streams send a JSON array,
 *   JSON lines or one object, and the webhook parses them itself);
 * - elsewhere `application/json` and `application/*+json` as JSON, `application/x-ndjson` and
 *   `text/plain` as text; any other body is left unread (`body` undefined).
 * Every parser is bounded by `limit` and its errors carry fixed text (toBodyParserException).
 * Fastify runs no parser for a request without a body (a GET).
 */
export function registerBodyParsers(
  fastify: FastifyInstance,
  { limit, rawTextPaths }: BodyParserOptions,
): void {
  const rawText = text({ type: () => true, limit });
  const jsonBody = json({ limit, type: ['application/json', 'application/*+json'] });
  const textBody = text({ limit, type: ['application/x-ndjson', 'text/plain'] });
  // Case-insensitive, as the router matches routes: the path itself or anything below it.
  const prefixes = rawTextPaths.map((path) => path.toLowerCase());
  const rawTextPath = (path: string): boolean => {
    const lower = path.toLowerCase();
    return prefixes.some((prefix) => lower === prefix || lower.startsWith(`${prefix}/`));
  };
  // body-parser writes nothing to the response; it only reads the request.
  const noResponse = undefined as unknown as ServerResponse;
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', (request, _payload, done) => {
    const raw = request.raw as IncomingMessage & { body?: unknown };
    const finish = (error?: unknown): void =>
      error === undefined ? done(null, raw.body) : done(toBodyParserException(error) as Error);
    if (rawTextPath(pathOf(request))) return rawText(raw, noResponse, finish);
    // The JSON parser leaves the body undefined unless its type matched (a parsed body is never undefined);
    // only then may the body be text.
    jsonBody(raw, noResponse, (error?: unknown) => {
      if (error !== undefined) return finish(error);
      return raw.body === undefined ? textBody(raw, noResponse, finish) : finish();
    });
  });
}

/**
 * body-parser errors become HTTP exceptions with fixed text. Otherwise a JSON syntax error would be answered
 * with the parser's message, which quotes the start of the body: a token the caller put there would be
 * echoed back before any authentication.
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
