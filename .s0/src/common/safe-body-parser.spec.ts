import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';

import express, { NextFunction, Request, Response } from 'express';

import { bodyParsers } from './safe-body-parser';

/** A real Express app with the gateway's body parsers; it answers what the route received. */
describe('bodyParsers', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    const app = express();
    app.use(bodyParsers({ limit: 64, rawTextPaths: ['/auth0-log-webhook', '/auth0/logs'] }));
    app.use((req: Request, res: Response) => {
      const unread = req.body === undefined ? { hasBodyKey: 'body' in req } : {};
      res.json({ type: typeof req.body, body: req.body ?? null, ...unread });
    });
    app.use(
      (error: { status?: number; message: string }, _req: Request, res: Response, _next: NextFunction) => {
        res.status(error.status ?? 500).json({ error: error.message });
      },
    );
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

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

  it('passes a request without a body on with req.body undefined, as the parsers do', async () => {
    const response = await fetch(`${base}/debug-token`, { headers: { 'content-type': 'application/json' } });

    expect({ status: response.status, ...((await response.json()) as object) }).toEqual({
      status: 200,
      type: 'undefined',
      body: null,
      hasBodyKey: true,
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
      hasBodyKey: true,
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
});
