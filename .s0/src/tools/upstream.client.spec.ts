import { Logger } from '@nestjs/common';

import type { AuthenticatedUser } from '../common/authenticated-user';
import { buildToolsConfig } from '../config/tools.config';
import { GatewayMetrics } from '../observability/gateway-metrics';
import { testAppConfig } from '../testing/config.fixtures';
import { FaultyHttpServer } from '../testing/faulty-http';
import { testUser } from '../testing/token.fixtures';
import type { ToolDefinition } from './tool-definition';
import { ToolsException } from './tools.exception';
import { UpstreamClient } from './upstream.client';

describe('UpstreamClient', () => {
  let backend: FaultyHttpServer;
  let client: UpstreamClient;
  let tool: ToolDefinition;

  beforeAll(async () => {
    backend = await new FaultyHttpServer((_req, res) => res.end('{}')).start();
    client = new UpstreamClient(
      buildToolsConfig({ GATEWAY_HMAC_SECRET: 'k'.repeat(32) }),
      testAppConfig(),
      new GatewayMetrics(),
    );
    tool = {
      name: 'search',
      description: 'Search',
      inputSchema: { type: 'object' },
      scopes: ['tools:read'],
      upstreamUrl: `${backend.url}/search`,
      source: 'file',
    } as ToolDefinition;
  });

  afterAll(async () => {
    await client.onModuleDestroy();
    await backend.stop();
  });

  afterEach(() => jest.restoreAllMocks());

  const user = (sub: string): AuthenticatedUser => testUser({ sub });

  it('forwards a caller whose sub is not Latin-1 or holds CR/LF', async () => {
    for (const sub of ['oidc|zoë-ユーザー', 'auth0|a\r\nx-injected: 1']) {
      await expect(client.forward(tool, {}, { user: user(sub), requestId: 'req-1' })).resolves.toMatchObject({
        status: 200,
      });
    }
    expect(backend.requests).toBe(2);
  });

  it("reports a request undici refuses to send as the gateway's own error, not an unreachable backend", async () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const before = backend.requests;

    const failure = await client
      .forward(tool, {}, { user: user('alice'), requestId: 'req\r\nx-injected: 1' })
      .catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(Error);
    expect(failure).not.toBeInstanceOf(ToolsException);
    expect(logged).toHaveBeenCalledWith(expect.stringContaining('not sent: UND_ERR_INVALID_ARG'));
    expect(backend.requests).toBe(before);
  });
});
