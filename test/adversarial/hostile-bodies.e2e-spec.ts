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
        for (const authorization of [undefined, `Bearer ${token}`]) {
          const response = await post(path, body, {
            'content-encoding': encoding,
            ...(authorization ? { authorization } : {}),
          });

          expect(response.status).toBe(400);
          expect(await response.json()).toEqual({
            error: 'invalid_request',
            message: 'Request body could not be decompressed (check Content-Encoding)',
            requestId: response.headers.get('x-request-id'),
          });
        }
      },
    );
  });
});
