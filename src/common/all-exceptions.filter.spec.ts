import {
  BadRequestException,
  HttpException,
  Logger,
  NotFoundException,
  PayloadTooLargeException,
} from '@nestjs/common';
import { brotliDecompressSync, gunzipSync, gzipSync, inflateSync } from 'node:zlib';

import { FakeReply, fakeRequest, httpContext } from '../testing/http.fixtures';
import { AllExceptionsFilter, toErrorResponse } from './all-exceptions.filter';
import { toBodyParserException } from './safe-body-parser';

const REQUEST_ID = 'req-42';

/** body-parser's errors, as registerBodyParsers hands them on to the filters. */
function bodyParserError(type: string, status: number, extra: Record<string, unknown> = {}): unknown {
  return toBodyParserException(
    Object.assign(new Error(`body-parser ${type}`), {
      type,
      status,
      statusCode: status,
      expose: true,
      ...extra,
    }),
  );
}

describe('toErrorResponse', () => {
  it('keeps the status and message of an HttpException', () => {
    expect(toErrorResponse(new NotFoundException('Cannot GET /nope'), REQUEST_ID)).toEqual({
      status: 404,
      body: { error: 'not_found', message: 'Cannot GET /nope', requestId: REQUEST_ID },
    });
  });

  it('joins the messages of a validation failure', () => {
    const validation = new BadRequestException(['name must be a string', 'age must be an integer']);

    expect(toErrorResponse(validation, REQUEST_ID).body).toEqual({
      error: 'invalid_request',
      message: 'name must be a string; age must be an integer',
      requestId: REQUEST_ID,
    });
  });

  it('keeps the extra fields of an exception body but not its statusCode or error', () => {
    const exception = new HttpException(
      { statusCode: 403, error: 'Forbidden', message: 'Client is not a ChatGPT connector', clientId: 'abc' },
      403,
    );

    expect(toErrorResponse(exception, REQUEST_ID)).toEqual({
      status: 403,
      body: {
        error: 'forbidden',
        message: 'Client is not a ChatGPT connector',
        clientId: 'abc',
        requestId: REQUEST_ID,
      },
    });
  });

  it('answers 413 payload_too_large for a body over MAX_BODY_BYTES', () => {
    const tooLarge = bodyParserError('entity.too.large', 413, { length: 5_000_000, limit: 1_048_576 });

    expect(toErrorResponse(tooLarge, REQUEST_ID)).toEqual({
      status: 413,
      body: {
        error: 'payload_too_large',
        message: 'Request body exceeds MAX_BODY_BYTES',
        requestId: REQUEST_ID,
      },
    });
  });

  it('answers 413 for Nest own PayloadTooLargeException too', () => {
    expect(toErrorResponse(new PayloadTooLargeException(), REQUEST_ID).status).toBe(413);
  });

  it('answers 400 for malformed JSON without echoing the body it could not parse', () => {
    const malformed = bodyParserError('entity.parse.failed', 400, { body: '{"token": "eyJhbGciOi' });

    const answer = toErrorResponse(malformed, REQUEST_ID);

    expect(answer).toEqual({
      status: 400,
      body: { error: 'invalid_request', message: 'Request body is not valid JSON', requestId: REQUEST_ID },
    });
    expect(JSON.stringify(answer)).not.toContain('eyJhbGciOi');
  });

  it.each([
    ['gzip', () => gunzipSync(Buffer.from('not gzip'))],
    ['deflate', () => inflateSync(Buffer.from('not deflate'))],
    ['br', () => brotliDecompressSync(Buffer.from('not brotli'))],
    ['truncated gzip', () => gunzipSync(gzipSync('{"q":"x"}').subarray(0, 12))],
  ])('answers 400 with a fixed message for a corrupt %s body', (_encoding, decompress) => {
    let zlibError: unknown;
    try {
      decompress();
    } catch (error) {
      zlibError = error;
    }
    // What body-parser hands on when its decompression stream fails: the zlib error, status 400, no type.
    const thrown = toBodyParserException(Object.assign(zlibError as Error, { status: 400, statusCode: 400 }));

    expect(toErrorResponse(thrown, REQUEST_ID)).toEqual({
      status: 400,
      body: {
        error: 'invalid_request',
        message: 'Request body could not be decompressed (check Content-Encoding)',
        requestId: REQUEST_ID,
      },
    });
  });

  it.each([
    ['an unexpected Error', new Error('connect ECONNREFUSED postgres://admin:hunter2@db:5432')],
    ['a thrown string', 'hunter2'],
    ['a body-parser-like error with a server status', bodyParserError('stream.not.readable', 500)],
    ['nothing at all', undefined],
  ])('answers %s with a bare 500 that leaks nothing', (_label, thrown) => {
    const answer = toErrorResponse(thrown, REQUEST_ID);

    expect(answer).toEqual({
      status: 500,
      body: {
        error: 'internal_error',
        message: 'Internal error; quote the request id when reporting it',
        requestId: REQUEST_ID,
      },
    });
  });
});

describe('AllExceptionsFilter', () => {
  afterEach(() => jest.restoreAllMocks());

  it('sends the JSON answer and logs a 500 by error name and request id only', () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const request = Object.assign(fakeRequest(), { method: 'POST', url: '/tools/crm_search?q=secret' });
    const response = new FakeReply();

    new AllExceptionsFilter().catch(
      new TypeError('Cannot read properties of undefined (secret=hunter2)'),
      httpContext(request, undefined, undefined, response),
    );

    expect(response.statusCode).toBe(500);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.body).toMatchObject({ error: 'internal_error', requestId: 'req-42' });
    expect(logged).toHaveBeenCalledWith('POST /tools/crm_search failed: TypeError (requestId=req-42)');
  });

  it.each([
    ['the reply was sent', (reply: FakeReply) => (reply.sent = true)],
    ['the raw response has started (an SDK wrote it)', (reply: FakeReply) => (reply.raw.headersSent = true)],
  ])('does not write once %s', (_label, started) => {
    const response = new FakeReply();
    started(response);

    new AllExceptionsFilter().catch(
      new NotFoundException(),
      httpContext(fakeRequest(), undefined, undefined, response),
    );

    expect(response.statusCode).toBe(200);
    expect(response.body).toBeUndefined();
  });
});
