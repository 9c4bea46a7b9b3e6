import type { AddressInfo } from 'node:net';

import { fastify, FastifyInstance } from 'fastify';

import { registerBodyParsers } from './safe-body-parser';

/** A real Fastify server with the gateway's body parsers; it answers what the route received. */
describe('registerBodyParsers', () => {
  let server: FastifyInstance;
  let base: string;

  beforeAll(async () => {
    server = fastify();
    registerBodyParsers(server, { limit: 64, rawTextPaths: ['/auth0-log-webhook', '/auth0/logs'] });
    server.route({
      method: ['GET', 'POST'],
      url: '/*',
      handler: async (request) => ({ type: typeof request.body, body: request.body ?? null }),
    });
    server.setErrorHandler(async (error: { status?: number; message: string }, _request, reply) =>
      reply.code(error.status ?? 500).send({ error: error.message }),
    );
    await server.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  });

  afterAll(() => server.close());

  const post = async (path: string, contentType: string, body: string): Promise<unknown> => {
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body,
    });
    return { status: response.status, ...((await response.json()) as object) };
  };

  it('parses JSON and +json bodies as JSON', async () => {
    expect(await post('/tools/echo', 'application/json', '{"a":1}')).toEqual({
      status: 200,
      type: 'object',
      body: { a: 1 },
    });
    expect(await post('/mcp', 'application/vnd.x+json', '[1]')).toEqual({
      status: 200,
      type: 'object',
      body: [1],
    });
  });

  it('reads text/plain and application/x-ndjson bodies as text', async () => {
    expect(await post('/x', 'text/plain', 'hello')).toEqual({ status: 200, type: 'string', body: 'hello' });
    expect(await post('/x', 'application/x-ndjson', '{}\n{}')).toEqual({
      status: 200,
      type: 'string',
      body: '{}\n{}',
    });
  });

  it('runs no parser for a request without a body: its body is undefined', async () => {
    const response = await fetch(`${base}/debug-token`, { headers: { 'content-type': 'application/json' } });

    expect({ status: response.status, ...((await response.json()) as object) }).toEqual({
      status: 200,
      type: 'undefined',
      body: null,
    });
  });

  it('still parses an empty JSON body sent with Content-Length: 0 (as {})', async () => {
    expect(await post('/tools/echo', 'application/json', '')).toMatchObject({ status: 200, body: {} });
  });

  it('leaves other bodies unread', async () => {
    expect(await post('/x', 'application/octet-stream', 'raw')).toEqual({
      status: 200,
      type: 'undefined',
      body: null,
    });
  });

  it('gives the log webhook paths (any case, or below them) the raw text whatever the content type', async () => {
    for (const path of ['/auth0-log-webhook', '/AUTH0/Logs', '/auth0/logs/']) {
      expect(await post(path, 'application/json', '[{"a":1}]')).toEqual({
        status: 200,
        type: 'string',
        body: '[{"a":1}]',
      });
    }
    expect(await post('/auth0-log-webhooks', 'application/json', '[1]')).toEqual({
      status: 200,
      type: 'object',
      body: [1],
    });
  });

  it('refuses a body over the limit with 413 and an unparsable one with 400, in fixed words', async () => {
    expect(await post('/x', 'application/json', JSON.stringify({ pad: 'x'.repeat(100) }))).toEqual({
      status: 413,
      error: 'Request body exceeds MAX_BODY_BYTES',
    });
    expect(await post('/auth0/logs', 'text/plain', 'y'.repeat(100))).toEqual({
      status: 413,
      error: 'Request body exceeds MAX_BODY_BYTES',
    });
    expect(await post('/x', 'application/json', '{"token":"eyJ')).toEqual({
      status: 400,
      error: 'Request body is not valid JSON',
    });
  });

  it('refuses a charset or Content-Encoding it cannot read with 415, in fixed words', async () => {
    expect(await post('/x', 'application/json; charset=latin1', '{}')).toEqual({
      status: 415,
      error: 'Unsupported request body encoding or charset',
    });
    const response = await fetch(`${base}/x`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'compress' },
      body: '{}',
    });
    expect({ status: response.status, ...((await response.json()) as object) }).toEqual({
      status: 415,
      error: 'Unsupported request body encoding or charset',
    });
  });
});
