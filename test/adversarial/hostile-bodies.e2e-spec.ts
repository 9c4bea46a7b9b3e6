import { gzipSync } from 'node:zlib';

import { startTokenStack, TokenStack } from '../support/token-stack';

const SECRET = 'b'.repeat(64);

describe('hostile request bodies', () => {
  let stack: TokenStack;
  let token: string;

  beforeAll(async () => {
    stack = await startTokenStack({
      secret: SECRET,
      tools: () => [
        {
          name: 'search',
          description: 'Search',
          scopes: ['tools:read'],
          inputSchema: { type: 'object', properties: { q: {} } },
        },
      ],
    });
    token = stack.issuer.sign(stack.issuer.claims(stack.audience));
  });

  afterAll(() => stack?.stop());

  const post = (
    path: string,
    body: string | Buffer,
    headers: Record<string, string> = {},
  ): Promise<Response> =>
    fetch(`${stack.gateway.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...headers,
      },
      body,
    });

  /** A refusal "before authentication" answers the same with no token and with a valid one. */
  const anonymousAndAuthenticated = (): Array<Record<string, string>> => [
    {},
    { authorization: `Bearer ${token}` },
  ];

  describe('corrupt compressed bodies', () => {
    const corrupt: Array<[string, Buffer]> = [
      ['gzip', Buffer.from('not gzip at all')],
      ['gzip', gzipSync('{"q":"truncated"}').subarray(0, 15)],
      ['deflate', Buffer.from('not deflate')],
      ['br', Buffer.from('not brotli')],
    ];

    it.each(
      ['/tools/search', '/mcp'].flatMap((path) =>
        corrupt.map(([encoding, body], index) => [path, encoding, index, body] as const),
      ),
    )(
      'answers %s with 400 and a fixed message for a corrupt %s body (#%d), before authentication',
      async (path, encoding, _index, body) => {
        for (const caller of anonymousAndAuthenticated()) {
          const response = await post(path, body, { 'content-encoding': encoding, ...caller });

          expect(response.status).toBe(400);
          expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
          expect(await response.json()).toEqual({
            error: 'invalid_request',
            message: 'Request body could not be decompressed (check Content-Encoding)',
            requestId: response.headers.get('x-request-id'),
          });
        }
      },
    );
  });

  describe('deeply nested arguments', () => {
    const nestedArgs = (levels: number): string => `{"q":${'['.repeat(levels)}1${']'.repeat(levels)}}`;

    it.each([65, 5_000, 100_000])(
      'answers POST /tools/:name with %d nested levels 400 invalid_arguments, without calling the backend',
      async (levels) => {
        const before = stack.backend.calls.length;

        const response = await post('/tools/search', nestedArgs(levels), {
          authorization: `Bearer ${token}`,
        });

        expect(response.status).toBe(400);
        expect(await response.json()).toEqual({
          error: 'invalid_arguments',
          code: 'INVALID_ARGUMENTS',
          tool: 'search',
          message: 'Arguments of "search" nest deeper than 64 levels (TOOL_ARGS_MAX_DEPTH)',
          hint: expect.any(String),
          violations: [{ path: '/', message: 'nests deeper than 64 levels' }],
          requestId: response.headers.get('x-request-id'),
        });
        expect(stack.backend.calls).toHaveLength(before);
      },
    );

    const mcpCall = (levels: number): Promise<Response> =>
      post(
        '/mcp',
        `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"search","arguments":${nestedArgs(levels)}}}`,
        { authorization: `Bearer ${token}`, 'mcp-protocol-version': '2025-11-25' },
      );

    it('answers an MCP tools/call whose arguments are one level over the bound with a tool error naming it', async () => {
      const response = await mcpCall(64);

      expect(response.status).toBe(200);
      const answer = (await response.json()) as {
        id: number;
        result: { isError: boolean; content: Array<{ text: string }> };
      };
      expect(answer.id).toBe(7);
      expect(answer.result.isError).toBe(true);
      expect(answer.result.content[0].text).toContain('nest deeper than 64 levels');
    });

    it('answers an MCP tools/call with 100 000 nested levels 400 invalid_arguments before the SDK', async () => {
      const response = await mcpCall(100_000);

      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({
        error: 'invalid_arguments',
        code: 'INVALID_ARGUMENTS',
        tool: 'search',
        message: 'Arguments of "search" nest deeper than 64 levels (TOOL_ARGS_MAX_DEPTH)',
        requestId: response.headers.get('x-request-id'),
      });
    });

    it('answers any other MCP message nested 100 000 levels deep 400', async () => {
      const response = await post(
        '/mcp',
        `{"jsonrpc":"2.0","id":8,"method":"ping","params":{"_meta":${nestedArgs(100_000)}}}`,
        { authorization: `Bearer ${token}` },
      );

      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        error: 'invalid_request',
        message: 'The JSON-RPC message nests deeper than TOOL_ARGS_MAX_DEPTH allows',
        requestId: response.headers.get('x-request-id'),
      });
    });

    it('accepts arguments nested exactly to the bound', async () => {
      const response = await post('/tools/search', `{"q":${'['.repeat(63)}1${']'.repeat(63)}}`, {
        authorization: `Bearer ${token}`,
      });

      expect(response.status).toBe(200);
    });
  });

  describe('prototype-pollution keys', () => {
    it('forwards __proto__ and constructor keys as plain data and pollutes nothing', async () => {
      const response = await post(
        '/tools/search',
        '{"q":"x","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}',
        { authorization: `Bearer ${token}` },
      );

      expect(response.status).toBe(200);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.prototype).not.toHaveProperty('polluted');
    });
  });

  describe('identities that are not plain ASCII', () => {
    it.each([['oidc|zoë-ユーザー'], ['auth0|a\r\nx-injected: 1'], ['auth0|100%']])(
      'forwards the call of sub %j with a signature the backend verifies back to that sub',
      async (sub) => {
        const callerToken = stack.issuer.sign(stack.issuer.claims(stack.audience, { sub }));

        const response = await post('/tools/search', '{"q":"x"}', { authorization: `Bearer ${callerToken}` });

        expect(response.status).toBe(200);
        const call = stack.backend.calls.at(-1)!;
        expect(call.verdict).toMatchObject({ ok: true, sub });
        expect(call.headers['x-injected']).toBeUndefined();
      },
    );
  });

  describe('hostile request lines and headers', () => {
    it.each(['..%2Fadmin', 'search%2F..%2F..%2Fadmin', 'search%00', 'SEARCH', 'search%20'])(
      'answers POST /tools/%s 404 unknown_tool without reaching a backend',
      async (name) => {
        const before = stack.backend.calls.length;

        const response = await post(`/tools/${name}`, '{}', { authorization: `Bearer ${token}` });

        expect(response.status).toBe(404);
        expect(await response.json()).toMatchObject({ error: 'unknown_tool', code: 'UNKNOWN_TOOL' });
        expect(stack.backend.calls).toHaveLength(before);
      },
    );

    it.each([
      [
        'a path that is not valid percent-encoding',
        '/tools/%zz',
        400,
        'invalid_request',
        'The request could not be read',
      ],
      [
        'a tool name over 2048 characters',
        `/tools/${'a'.repeat(2049)}`,
        414,
        'uri_too_long',
        'The request path is too long',
      ],
    ])(
      'answers %s before any route runs, in the error shape with a request id and without the path',
      async (_label, path, status, error, message) => {
        const before = stack.backend.calls.length;

        const response = await post(path, '{}', { authorization: `Bearer ${token}` });

        expect(response.status).toBe(status);
        expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
        const requestId = response.headers.get('x-request-id');
        expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
        expect(await response.json()).toEqual({ error, message, requestId });
        expect(stack.backend.calls).toHaveLength(before);
      },
    );

    it.each([
      ['a Content-Type that is not a media type', { 'content-type': 'not a type' }, 'Unsupported Media Type'],
      [
        'a JSON body in a charset other than UTF',
        { 'content-type': 'application/json; charset=latin1' },
        'Unsupported request body encoding or charset',
      ],
      [
        'a body in a Content-Encoding the gateway does not decode',
        { 'content-encoding': 'compress' },
        'Unsupported request body encoding or charset',
      ],
    ])('answers %s 415 with fixed text, before authentication', async (_label, headers, message) => {
      for (const caller of anonymousAndAuthenticated()) {
        const response = await post('/tools/search', '{"q":"x"}', { ...headers, ...caller });

        expect(response.status).toBe(415);
        expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
        expect(await response.json()).toEqual({
          error: 'unsupported_media_type',
          message,
          requestId: response.headers.get('x-request-id'),
        });
      }
    });

    it.each([['<script>alert(1)</script>'], ['x'.repeat(129)], ['id with spaces'], ['ünïcode']])(
      'replaces an unsafe x-request-id %j with its own and forwards only that one',
      async (requestId) => {
        const response = await post('/tools/search', '{"q":"x"}', {
          authorization: `Bearer ${token}`,
          'x-request-id': requestId,
        });

        const answered = response.headers.get('x-request-id');
        expect(response.status).toBe(200);
        expect(answered).toMatch(/^[0-9a-f-]{36}$/);
        expect(stack.backend.calls.at(-1)!.headers['x-request-id']).toBe(answered);
      },
    );
  });
});
